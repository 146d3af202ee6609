//! Task definitions, inline or from a JSON file (register-task-definition input or
//! describe-task-definition output), with the register-time rules ECS applies per network mode
//! and the task-level `cpu` and `memory` as ECS converts them. AWS fields ecsnet does not model
//! are accepted and ignored.

use super::builder::{Builder, MAX_TASK_DEFINITIONS};
use super::container::{self, ContainerDefinition, MAX_CONTAINERS};
use super::fields::{Shape, Table, Variant, def, ignored, opt, req};
use super::located::{Loc, Located};
use super::primitives::{NETWORK_MODES, NetworkMode};
use super::reference::{FAMILY, Seen};
use super::text::{parse_json, read_text};
use super::walk::*;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TaskDefinition {
    pub family: Located<String>,
    /// From a describe output, else 1 (or the next one for a repeated family).
    pub revision: u32,
    pub network_mode: Located<NetworkMode>,
    pub task_role_arn: Option<String>,
    pub execution_role_arn: Option<String>,
    /// Task-level CPU units (`"1 vCPU"` is 1024), as ECS registers them.
    pub cpu: Option<u32>,
    /// Task-level memory in MiB (`"1 GB"` is 1024).
    pub memory: Option<u32>,
    /// `requiresCompatibilities` as written (`EC2`, `FARGATE`, ...); empty when absent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_compatibilities: Vec<String>,
    pub container_definitions: Vec<ContainerDefinition>,
    pub source: TaskDefSource,
    pub loc: Loc,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum TaskDefSource {
    Inline,
    File(PathBuf),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskDefRef {
    pub family: String,
    /// None: the latest revision.
    pub revision: Option<u32>,
}

pub(crate) static TABLE: Table = Table {
    id: "taskDefinition",
    doc: "A task definition, as in the ECS API (register input); fields ecsnet does not model are accepted and ignored.",
    strict: false,
    rules: &[],
    fields: &[
        req("family", Shape::EcsName, "The family; tasks name it in `taskDefinition`."),
        opt(
            "revision",
            Shape::Int { min: 1, max: 4_294_967_295 },
            "The revision (default: 1, or the next one for a family declared again).",
        ),
        def(
            "networkMode",
            Shape::Enum(NETWORK_MODES),
            "\"bridge\"",
            "The Docker networking mode of the task's containers.",
        ),
        opt(
            "taskRoleArn",
            Shape::Text,
            "The task's IAM role: its containers get AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (fake keys).",
        ),
        opt("executionRoleArn", Shape::Text, "The agent's role for the task, shown by the metadata endpoint."),
        req(
            "containerDefinitions",
            Shape::List(&Shape::Block(&container::TABLE)),
            "The task's containers, 1 to 10; the first is the task's `task/NAME` node.",
        ),
        opt(
            "requiresCompatibilities",
            Shape::List(&Shape::Text),
            "Launch types (`EC2`, `FARGATE`); with `FARGATE`, registration requires networkMode awsvpc and a Fargate task size (`cpu` and `memory`); a task runs with `launchType: FARGATE` only if this lists it.",
        ),
        opt(
            "cpu",
            Shape::AnyOf(&[TASK_CPU_UNITS, Shape::Pattern(VCPU_PATTERN)]),
            "Task-level CPU: units (`256`, 128-196608 on EC2) or vCPUs (`\"0.25 vCPU\"`); the metadata endpoint's task `Limits`.",
        ),
        opt(
            "memory",
            Shape::AnyOf(&[TASK_MEMORY_MIB, Shape::Pattern(GB_PATTERN)]),
            "Task-level memory: MiB (`512`) or GB (`\"1 GB\"`); the metadata endpoint's task `Limits`.",
        ),
        ignored("volumes", "Accepted and ignored."),
        ignored("placementConstraints", "Accepted and ignored."),
        ignored("pidMode", "Accepted and ignored."),
        ignored("ipcMode", "Accepted and ignored."),
        ignored("runtimePlatform", "Accepted and ignored."),
        ignored("tags", "Accepted and ignored."),
        ignored("taskDefinitionArn", "Accepted and ignored (describe output)."),
        ignored("status", "Accepted and ignored (describe output)."),
        ignored("compatibilities", "Accepted and ignored (describe output)."),
        ignored("requiresAttributes", "Accepted and ignored (describe output)."),
        ignored("registeredAt", "Accepted and ignored (describe output)."),
        ignored("registeredBy", "Accepted and ignored (describe output)."),
        ignored("deregisteredAt", "Accepted and ignored (describe output)."),
        ignored("proxyConfiguration", "Accepted and ignored."),
        ignored("inferenceAccelerators", "Accepted and ignored."),
        ignored("ephemeralStorage", "Accepted and ignored."),
        ignored("enableFaultInjection", "Accepted and ignored."),
    ],
};

/// EC2's range of task-level CPU units.
const TASK_CPU_UNITS: Shape = Shape::Int { min: 128, max: 196_608 };
const TASK_MEMORY_MIB: Shape = Shape::Int { min: 1, max: 4_294_967_295 };
const VCPU_PATTERN: &str = r"^\s*[0-9]+(\.[0-9]+)?\s*[vV][cC][pP][uU]\s*$";
const GB_PATTERN: &str = r"^\s*[0-9]+(\.[0-9]+)?\s*[gG][bB]\s*$";

/// `- file: PATH`: a task definition in a JSON file.
pub(crate) static FILE_ENTRY: Table = Table {
    id: "taskDefinitionFile",
    doc: "A task definition in a JSON file: register-task-definition input or describe-task-definition output.",
    strict: true,
    rules: &[],
    fields: &[req("file", Shape::Text, "The JSON file's path, relative to the scenario file's directory.")],
};

/// The entries of `taskDefinitions`: a `file:` entry, else an inline task definition.
pub(crate) static ENTRY: Shape =
    Shape::Variants(&[Variant { when: &["file"], table: &FILE_ENTRY }, Variant { when: &[], table: &TABLE }]);

/// A parsed task definition and its explicit revision, if any.
pub(crate) type ParsedTaskDef = (TaskDefinition, Option<Located<u32>>);

/// The `taskDefinitions` list, with revisions assigned.
pub(crate) fn parse_all(b: &mut Builder, v: &Value<'_>) -> Vec<TaskDefinition> {
    let parsed = b.each(v, MAX_TASK_DEFINITIONS, parse);
    assign_revisions(&mut b.cx, parsed)
}

fn parse(b: &mut Builder, v: &Value<'_>) -> Option<ParsedTaskDef> {
    let m = b.cx.entry_map(v, "a task definition", "family: web")?;
    if m.map.get_key_value("file").is_none() {
        let m = Block { what: "a task definition".to_string(), ..m };
        return parse_task_def(&mut b.cx, &m, TaskDefSource::Inline, &mut b.seen);
    }
    let m = Block { what: "a `file:` task definition entry".to_string(), ..m };
    let family_hint = tr!(
        "taskdef-file-entry-family",
        "a `file:` entry holds only the path; the task definition's fields go in the JSON file"
    );
    let revision_hint =
        tr!("taskdef-file-entry-revision", "a `file:` entry holds only the path; put `revision` in the JSON file");
    m.strict_with(&mut b.cx, &FILE_ENTRY, &[("family", &family_hint), ("revision", &revision_hint)]);
    let fv = m.req(&mut b.cx, "file", "taskdefs/web.json")?;
    let f = b.cx.nonempty(&fv)?;
    if f.value.contains('\0') {
        b.cx.err(&f.loc, tr!("taskdef-file-nul", "the file name contains a NUL character"), "");
        return None;
    }
    let path = b.base_dir.join(&f.value);
    from_file(b, path, &f.loc)
}

/// A task definition from a JSON file; its errors point into that file.
fn from_file(b: &mut Builder, path: PathBuf, at: &Loc) -> Option<ParsedTaskDef> {
    let jfile = Arc::new(path.clone());
    let text = match read_text(&path, &jfile, Some(at)) {
        Ok(t) => t,
        Err(d) => {
            b.cx.diags.push(d);
            return None;
        }
    };
    let root = match parse_json(&text, &jfile) {
        Ok(n) => n,
        Err(d) => {
            b.cx.diags.push(d);
            return None;
        }
    };
    let mut jcx = Reader::new(jfile);
    let rv = Value::root(&root, "task definition file");
    let r = (|| {
        let top = jcx.entry_map(&rv, "a task definition", "{ \"family\": \"web\", ... }")?;
        // describe-task-definition output: { "taskDefinition": { ... }, "tags": [...] }
        let (m, what) = match top.get("taskDefinition") {
            Some(inner) => (jcx.map(&inner, "the task definition")?, "taskDefinition"),
            None => (top, "the task definition"),
        };
        let m = Block { what: what.to_string(), ..m };
        parse_task_def(&mut jcx, &m, TaskDefSource::File(path.clone()), &mut b.seen)
    })();
    b.cx.diags.append(&mut jcx.diags);
    r
}

/// Revisions: explicit ones as given, others the next after the family's highest so far.
fn assign_revisions(cx: &mut Reader, parsed: Vec<ParsedTaskDef>) -> Vec<TaskDefinition> {
    let mut used: HashMap<String, HashMap<u32, Loc>> = HashMap::new();
    let mut out = Vec::new();
    for (mut td, rev) in parsed {
        let fam = used.entry(td.family.value.clone()).or_default();
        let r = match rev {
            Some(r) => {
                if let Some(first) = fam.get(&r.value) {
                    let help = tr!(
                        "taskdef-declared-twice-help",
                        "revision { $revision } of `{ $family }` is already declared at { $first }; remove one or change `revision`",
                        revision = r.value,
                        family = td.family.value,
                        first = first
                    );
                    let msg = tr!(
                        "taskdef-declared-twice",
                        "task definition `{ $family }:{ $revision }` is declared twice",
                        family = td.family.value,
                        revision = r.value
                    );
                    cx.err(&r.loc, msg, help);
                    continue;
                }
                r.value
            }
            None => fam.keys().max().copied().unwrap_or(0).saturating_add(1),
        };
        fam.insert(r, td.loc.clone());
        td.revision = r;
        out.push(td);
    }
    out
}

fn parse_task_def(cx: &mut Reader, m: &Block<'_>, source: TaskDefSource, seen: &mut Seen) -> Option<ParsedTaskDef> {
    m.lenient(cx, &TABLE);
    let family = m.req(cx, "family", "web").and_then(|v| cx.string(&v)).and_then(|s| {
        seen.insert(FAMILY.kind, &s.value);
        container::ecs_name(cx, s, "task definition family")
    });
    let mut ok = true;
    let revision = match m.get("revision") {
        Some(v) => match cx.uint(&v, 1, u64::from(u32::MAX)) {
            Some(n) => Some(Located::new(u32::try_from(n.value).unwrap_or(1), n.loc)),
            None => {
                ok = false;
                None
            }
        },
        None => None,
    };
    let network_mode = network_mode(cx, m, &mut ok);
    let task_role_arn = m.get("taskRoleArn").and_then(|v| cx.string(&v)).map(|s| s.value);
    let execution_role_arn = m.get("executionRoleArn").and_then(|v| cx.string(&v)).map(|s| s.value);
    let cpu = task_size(cx, m, &TASK_SIZE_CPU, &mut ok);
    let memory = task_size(cx, m, &TASK_SIZE_MEMORY, &mut ok);
    let requires_compatibilities = requires_compatibilities(cx, m, &mut ok);
    if requires_compatibilities.iter().any(|c| c == "FARGATE") {
        ok &= fargate_fits(cx, m, network_mode.value, cpu, memory);
    }
    let containers = containers(cx, m, network_mode.value, &mut ok);
    if requires_compatibilities.iter().any(|c| c == "FARGATE") && execution_role_arn.is_none() {
        ok &= fargate_execution_role(cx, m, &containers);
    }
    ok &= container::check_for_mode(cx, network_mode.value, &containers);
    let td = TaskDefinition {
        family: family?,
        revision: 0,
        network_mode,
        task_role_arn,
        execution_role_arn,
        cpu,
        memory,
        requires_compatibilities,
        container_definitions: containers,
        source,
        loc: m.loc.clone(),
    };
    ok.then_some((td, revision))
}

/// `networkMode`, bridge when absent (located at the task definition).
fn network_mode(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> Located<NetworkMode> {
    let Some(v) = m.get("networkMode") else { return Located::new(NetworkMode::Bridge, m.loc.clone()) };
    match cx.choice(&v, NETWORK_MODES) {
        Some(s) => Located::new(
            match s.value {
                "awsvpc" => NetworkMode::Awsvpc,
                "host" => NetworkMode::Host,
                "none" => NetworkMode::None,
                _ => NetworkMode::Bridge,
            },
            s.loc,
        ),
        None => {
            *ok = false;
            Located::bare(NetworkMode::Bridge)
        }
    }
}

/// How ECS reads a task-level size: a whole number of `unit`s, or a decimal number of `big`
/// units (1024 each) followed by their name.
struct TaskSize {
    field: &'static str,
    big: &'static str,
    min: u64,
    max: u64,
    /// How to write it (in the user's language).
    help: fn() -> String,
}

const TASK_SIZE_CPU: TaskSize = TaskSize {
    field: "cpu",
    big: "vcpu",
    min: 128,
    max: 196_608,
    help: || tr!("taskdef-cpu-help", "write CPU units between 128 and 196608 (`256`) or vCPUs (`0.25 vCPU`)"),
};

const TASK_SIZE_MEMORY: TaskSize = TaskSize {
    field: "memory",
    big: "gb",
    min: 1,
    max: 4_294_967_295,
    help: || tr!("taskdef-memory-help", "write MiB (`512`) or GB (`1 GB`)"),
};

/// Task-level `cpu` or `memory`, converted as ECS converts them at registration (`"0.25 vCPU"`
/// is 256 units, `"1 GB"` 1024 MiB); ECS's message when the value is not one.
fn task_size(cx: &mut Reader, m: &Block<'_>, size: &TaskSize, ok: &mut bool) -> Option<u32> {
    let v = m.get(size.field)?;
    let s = cx.string(&v).or_else(|| {
        *ok = false;
        None
    })?;
    let text = s.value.trim().to_ascii_lowercase();
    let n = match text.strip_suffix(size.big) {
        Some(num) => num.trim().parse::<f64>().ok().filter(|f| f.is_finite()).map(|f| (f * 1024.0).round() as u64),
        None => text.parse::<u64>().ok(),
    };
    match n.filter(|n| (size.min..=size.max).contains(n)).and_then(|n| u32::try_from(n).ok()) {
        Some(n) => Some(n),
        None => {
            cx.err(&s.loc, format!("Invalid '{}' setting for task.", size.field), (size.help)());
            *ok = false;
            None
        }
    }
}

/// `requiresCompatibilities`, when given, includes a launch type ecsnet runs (EC2 or FARGATE).
fn requires_compatibilities(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> Vec<String> {
    let Some(v) = m.get("requiresCompatibilities") else { return vec![] };
    let Some(l) = cx.str_list(&v, 10) else {
        *ok = false;
        return vec![];
    };
    let list: Vec<String> = l.into_iter().map(|s| s.value).collect();
    if !list.is_empty() && !list.iter().any(|s| s == "EC2" || s == "FARGATE") {
        let loc = cx.vloc(&v);
        cx.err(
            &loc,
            tr!(
                "taskdef-requires",
                "this task definition requires { $compatibilities }, but ecsnet runs tasks with the EC2 and FARGATE launch types",
                compatibilities = list.join(", ")
            ),
            tr!("taskdef-requires-help", "add \"EC2\" or \"FARGATE\" to requiresCompatibilities, or remove the field"),
        );
        *ok = false;
    }
    list
}

/// RegisterTaskDefinition's checks for a definition that requires FARGATE, in ECS's words:
/// awsvpc only, a task-level `cpu` and `memory`, and a pair from Fargate's table
/// (docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html).
fn fargate_fits(cx: &mut Reader, m: &Block<'_>, mode: NetworkMode, cpu: Option<u32>, memory: Option<u32>) -> bool {
    let at = |key: &str| m.get(key).map(|v| cx.vloc(&v)).unwrap_or_else(|| m.loc.clone());
    let (message, loc) = if mode != NetworkMode::Awsvpc {
        ("Fargate only supports network mode \u{2018}awsvpc\u{2019}.".to_string(), at("networkMode"))
    } else if m.get("cpu").is_none() {
        ("Fargate requires that 'cpu' be defined at the task level.".to_string(), m.loc.clone())
    } else if m.get("memory").is_none() {
        // By analogy with the message for `cpu` (not seen verbatim).
        ("Fargate requires that 'memory' be defined at the task level.".to_string(), m.loc.clone())
    } else {
        match (cpu, memory) {
            (Some(c), Some(mem)) if !fargate_size(c, mem) => (
                format!(
                    "No Fargate configuration exists for given values: {c} CPU, {mem} memory. See the Amazon ECS documentation for the valid values."
                ),
                at("memory"),
            ),
            _ => return true,
        }
    };
    cx.err(
        &loc,
        message,
        tr!(
            "taskdef-fargate-help",
            "Fargate needs networkMode awsvpc and one of its task sizes, e.g. `cpu: 256` with `memory: 512`, 1024 or 2048; `cpu: 1024` with 2048 to 8192"
        ),
    );
    false
}

/// RegisterTaskDefinition: Fargate pulls ECR images and writes awslogs with the execution role
/// only (it has no instance role to fall back on).
fn fargate_execution_role(cx: &mut Reader, m: &Block<'_>, containers: &[ContainerDefinition]) -> bool {
    let message = if containers.iter().any(|c| c.image.contains(".dkr.ecr.")) {
        "Fargate requires task definition to have execution role ARN to support ECR images."
    } else if containers.iter().any(|c| c.log_driver.as_deref() == Some("awslogs")) {
        "Fargate requires task definition to have execution role ARN to support log driver awslogs."
    } else {
        return true;
    };
    cx.err(
        &m.loc,
        message,
        tr!(
            "taskdef-fargate-role-help",
            "add `executionRoleArn` (e.g. arn:aws:iam::123456789012:role/ecsTaskExecutionRole): Fargate has no instance role"
        ),
    );
    false
}

/// Fargate's task sizes: CPU units and the memory (MiB) each allows.
pub(crate) fn fargate_size(cpu: u32, memory: u32) -> bool {
    let gb = |n: u32| n * 1024;
    let (lo, hi, step) = match cpu {
        256 => return [512, gb(1), gb(2)].contains(&memory),
        512 => (gb(1), gb(4), gb(1)),
        1024 => (gb(2), gb(8), gb(1)),
        2048 => (gb(4), gb(16), gb(1)),
        4096 => (gb(8), gb(30), gb(1)),
        8192 => (gb(16), gb(60), gb(4)),
        16384 => (gb(32), gb(120), gb(8)),
        _ => return false,
    };
    (lo..=hi).contains(&memory) && (memory - lo) % step == 0
}

/// `containerDefinitions`: 1 to 10 containers.
fn containers(cx: &mut Reader, m: &Block<'_>, mode: NetworkMode, ok: &mut bool) -> Vec<ContainerDefinition> {
    let mut containers = Vec::new();
    let Some(cv) = m.req(cx, "containerDefinitions", "[{ name: app, image: nginx }]") else {
        *ok = false;
        return containers;
    };
    match cx.items(&cv, 1000) {
        Some(items) if items.is_empty() => {
            let loc = cx.vloc(&cv);
            cx.err(
                &loc,
                tr!("taskdef-no-containers", "`containerDefinitions` is empty"),
                tr!("taskdef-no-containers-help", "a task definition needs at least one container"),
            );
            *ok = false;
        }
        Some(items) if items.len() > MAX_CONTAINERS => {
            let loc = cx.vloc(&cv);
            cx.err(
                &loc,
                tr!(
                    "taskdef-too-many-containers",
                    "too many containers: { $count } (AWS allows { $max } per task definition)",
                    count = items.len(),
                    max = MAX_CONTAINERS
                ),
                tr!("taskdef-split", "split the task definition"),
            );
            *ok = false;
        }
        Some(items) => {
            for it in items {
                match container::parse(cx, &it, mode) {
                    Some(c) => containers.push(c),
                    None => *ok = false,
                }
            }
        }
        None => *ok = false,
    }
    containers
}

/// The task definition a reference names: the given revision, or the family's latest.
pub fn find_task_def<'a>(tds: &'a [TaskDefinition], r: &TaskDefRef) -> Option<&'a TaskDefinition> {
    let mut of_family = tds.iter().filter(|t| t.family.value == r.family);
    match r.revision {
        Some(rev) => of_family.find(|t| t.revision == rev),
        None => of_family.max_by_key(|t| t.revision),
    }
}

impl super::Scenario {
    /// The task definition a reference names (latest revision when none is given).
    pub fn task_definition(&self, r: &TaskDefRef) -> Option<&TaskDefinition> {
        find_task_def(&self.task_definitions, r)
    }
}

impl TaskDefinition {
    /// Registered as compatible with FARGATE (`requiresCompatibilities` lists it).
    pub fn fargate_compatible(&self) -> bool {
        self.requires_compatibilities.iter().any(|c| c == "FARGATE")
    }

    pub fn container(&self, name: &str) -> Option<&ContainerDefinition> {
        self.container_definitions.iter().find(|c| c.name.value == name)
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::{Diagnostics, Scenario, load_str};
    use std::path::Path;

    fn load(task_def: &str) -> Result<Scenario, Diagnostics> {
        let text = format!(
            "version: 1\nname: t\nvpc:\n  cidr: 10.0.0.0/16\n  subnets: [{{ name: a, cidr: 10.0.1.0/24 }}]\n\
             instances: [{{ name: ecs-1, subnet: a }}]\ntaskDefinitions:\n  - family: web\n{task_def}"
        );
        load_str(Path::new("t.yaml"), &text)
    }

    #[test]
    fn resources_and_log_configuration_are_carried() {
        let s = load(
            "    cpu: \"0.25 vCPU\"\n    memory: 1GB\n    containerDefinitions:\n      - name: app\n        image: x\n        \
             cpu: 10\n        memory: 128\n        logConfiguration:\n          logDriver: awslogs\n          \
             options: { awslogs-region: us-west-2, awslogs-group: /ecs/web }\n          secretOptions: []\n",
        )
        .unwrap_or_else(|d| panic!("{d}"));
        let td = &s.task_definitions[0];
        assert_eq!((td.cpu, td.memory), (Some(256), Some(1024)));
        let c = &td.container_definitions[0];
        assert_eq!((c.cpu, c.memory), (Some(10), Some(128)));
        assert_eq!(c.log_driver.as_deref(), Some("awslogs"));
        let opts: Vec<(&str, &str)> = c.log_options.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(opts, [("awslogs-region", "us-west-2"), ("awslogs-group", "/ecs/web")]);

        let s =
            load("    cpu: 1024\n    memory: \"512\"\n    containerDefinitions: [{ name: app, image: x }]\n").unwrap();
        let td = &s.task_definitions[0];
        assert_eq!((td.cpu, td.memory), (Some(1024), Some(512)));
        assert_eq!(td.container_definitions[0].cpu, None);
        assert_eq!(td.container_definitions[0].log_driver, None);
    }

    #[test]
    fn invalid_sizes_get_ecs_messages() {
        let msgs = |td: &str| load(td).unwrap_err().0.into_iter().map(|d| d.message).collect::<Vec<_>>();
        let c = "    containerDefinitions: [{ name: app, image: x }]\n";
        assert_eq!(msgs(&format!("    cpu: 64\n{c}")), ["Invalid 'cpu' setting for task."]);
        assert_eq!(msgs(&format!("    cpu: lots\n{c}")), ["Invalid 'cpu' setting for task."]);
        assert_eq!(msgs(&format!("    memory: 2 TB\n{c}")), ["Invalid 'memory' setting for task."]);
        let m = msgs("    containerDefinitions: [{ name: app, image: x, memory: 4 }]\n");
        assert!(m[0].contains("`memory` is out of range"), "{m:?}");
        let m = msgs("    containerDefinitions: [{ name: app, image: x, logConfiguration: { logDriver: nope } }]\n");
        assert!(m[0].contains("logDriver"), "{m:?}");
        let m = msgs("    containerDefinitions: [{ name: app, image: x, logConfiguration: { options: {} } }]\n");
        assert!(m[0].contains("logDriver"), "{m:?}");
    }
}
