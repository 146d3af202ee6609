//! Tasks: a task definition run with a launch type (EC2: placed on a container instance;
//! FARGATE: in a microVM of its own); awsvpc tasks also name their subnets and security groups
//! (`networkConfiguration.awsvpcConfiguration`), as in RunTask.

use super::builder::{Builder, MAX_TASKS};
use super::fields::{Shape, Table, def, opt, req};
use super::located::{Loc, Located};
use super::node::container_name_ok;
use super::primitives::{LAUNCH_TYPES, LaunchType, NetworkMode};
use super::reference::{self, Declared, FAMILY, INSTANCE, SECURITY_GROUP, SUBNET, Seen, TASK};
use super::task_definition::{TaskDefRef, TaskDefinition, find_task_def};
use super::walk::*;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Task {
    pub name: Located<String>,
    pub task_definition: Located<TaskDefRef>,
    /// RunTask's `launchType` (EC2 when absent).
    pub launch_type: Located<LaunchType>,
    /// EC2: the container instance the task is placed on; FARGATE: none.
    pub instance: Option<Located<String>>,
    /// FARGATE: `platformVersion` as written (LATEST when absent; ecsnet emulates 1.4.0).
    pub platform_version: Option<Located<String>>,
    pub awsvpc: Option<AwsvpcConfiguration>,
    pub loc: Loc,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AwsvpcConfiguration {
    pub subnets: Vec<Located<String>>,
    pub security_groups: Vec<Located<String>>,
    pub assign_public_ip: Located<bool>,
}

/// The words of `assignPublicIp`.
const ASSIGN_PUBLIC_IP: &[&str] = &["ENABLED", "DISABLED"];

/// The Fargate platform versions ecsnet accepts: it emulates 1.4.0, which LATEST is.
const PLATFORM_VERSIONS: &[&str] = &["LATEST", "1.4.0"];

/// Platform versions AWS still documents, older than 1.4.0: they pull images through a network
/// interface Fargate owns, not the task ENI, which ecsnet does not emulate.
const OLDER_PLATFORM_VERSIONS: &[&str] = &["1.0.0", "1.1.0", "1.2.0", "1.3.0"];

pub(crate) static TABLE: Table = Table {
    id: "task",
    doc: "A task, as RunTask runs it: on a container instance (launch type EC2) or in a microVM of its own (FARGATE).",
    strict: true,
    rules: &[],
    fields: &[
        req("name", Shape::Name, "The task's name: `task/NAME` in expectations."),
        req(
            "taskDefinition",
            Shape::Pattern("^(arn:[^ ]*:task-definition/)?[A-Za-z0-9_-]{1,255}(:[1-9][0-9]{0,9})?$"),
            "The task definition: `family`, `family:revision` or its ARN (default revision: the latest).",
        ),
        def(
            "launchType",
            Shape::Enum(LAUNCH_TYPES),
            "\"EC2\"",
            "`EC2`: placed on `instance`; `FARGATE`: a microVM of its own whose only VPC interface is the task ENI (awsvpc task definitions that require FARGATE).",
        ),
        opt(
            "instance",
            Shape::Name,
            "The container instance it is placed on: required for EC2, not allowed for FARGATE.",
        ),
        opt(
            "platformVersion",
            Shape::Enum(PLATFORM_VERSIONS),
            "FARGATE only: `LATEST` (1.4.0) or `1.4.0`, the platform version ecsnet emulates.",
        ),
        opt(
            "networkConfiguration",
            Shape::Block(&NETWORK_CONFIGURATION),
            "Required for awsvpc task definitions, not allowed for the other modes.",
        ),
    ],
};

pub(crate) static NETWORK_CONFIGURATION: Table = Table {
    id: "networkConfiguration",
    doc: "The task's network configuration, as in RunTask.",
    strict: true,
    rules: &[],
    fields: &[req("awsvpcConfiguration", Shape::Block(&AWSVPC_CONFIGURATION), "Where the task's ENI goes.")],
};

pub(crate) static AWSVPC_CONFIGURATION: Table = Table {
    id: "awsvpcConfiguration",
    doc: "The task ENI's subnets and security groups.",
    strict: true,
    rules: &[],
    fields: &[
        req(
            "subnets",
            Shape::List(&Shape::Name),
            "1 to 16 subnets; EC2: the ENI goes in the first one in the instance's availability zone; FARGATE: in the first one.",
        ),
        opt("securityGroups", Shape::List(&Shape::Name), "At most 5 groups (default: the VPC's `default` group)."),
        def(
            "assignPublicIp",
            Shape::Enum(ASSIGN_PUBLIC_IP),
            "\"DISABLED\"",
            "FARGATE: ENABLED gives the task ENI a public IP; EC2: only DISABLED (ECS refuses ENABLED for the EC2 launch type).",
        ),
    ],
};

/// A task as read, and where its `networkConfiguration` key is (for the network mode check).
pub(crate) struct ParsedTask {
    pub task: Task,
    pub netconf: Option<Loc>,
}

/// The `tasks` list.
pub(crate) fn parse_all(b: &mut Builder, v: &Value<'_>) -> Vec<ParsedTask> {
    let mut uniq = UniqueNames::default();
    b.each(v, MAX_TASKS, |b, it| parse(b, it, &mut uniq))
}

fn parse(b: &mut Builder, v: &Value<'_>, uniq: &mut UniqueNames) -> Option<ParsedTask> {
    let m = b.cx.entry_map(v, "a task", "{ name: web, taskDefinition: web, instance: ecs-1 }")?;
    m.strict(&mut b.cx, &TABLE);
    let name = b.object_name(&m, TASK, "web", uniq);
    let cx = &mut b.cx;
    let td = m.req(cx, "taskDefinition", "web").and_then(|v| cx.string(&v)).and_then(|s| {
        match parse_task_def_ref(&s.value) {
            Ok(r) => Some(Located::new(r, s.loc)),
            Err(e) => {
                cx.err(
                    &s.loc,
                    e,
                    tr!("task-family-help", "write the family name, or family:revision, e.g. `web` or `web:2`"),
                );
                None
            }
        }
    });
    let mut ok = true;
    let launch_type = launch_type(&mut b.cx, &m, &mut ok);
    let instance = instance_of(b, &m, launch_type.value, &mut ok);
    let platform_version = platform_version(&mut b.cx, &m, launch_type.value, &mut ok);
    let netconf = m.key_loc(&b.cx, "networkConfiguration");
    let awsvpc = match m.get("networkConfiguration") {
        Some(nv) => {
            let r = awsvpc_configuration(b, &nv, launch_type.value == LaunchType::Fargate);
            ok &= r.is_some();
            r
        }
        None => None,
    };
    let task =
        Task { name: name?, task_definition: td?, launch_type, instance, platform_version, awsvpc, loc: m.loc.clone() };
    ok.then_some(ParsedTask { task, netconf })
}

/// `launchType`, EC2 when absent (located at the task).
fn launch_type(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> Located<LaunchType> {
    let Some(v) = m.get("launchType") else { return Located::new(LaunchType::Ec2, m.loc.clone()) };
    match cx.choice(&v, LAUNCH_TYPES) {
        Some(Located { value: "FARGATE", loc }) => Located::new(LaunchType::Fargate, loc),
        Some(Located { loc, .. }) => Located::new(LaunchType::Ec2, loc),
        None => {
            *ok = false;
            Located::bare(LaunchType::Ec2)
        }
    }
}

/// `instance`: required for EC2; a FARGATE task has no container instance.
fn instance_of(b: &mut Builder, m: &Block<'_>, launch: LaunchType, ok: &mut bool) -> Option<Located<String>> {
    if launch == LaunchType::Ec2 {
        let r = m.req(&mut b.cx, "instance", "ecs-1").and_then(|v| b.ref_name(&v, INSTANCE));
        *ok &= r.is_some();
        return r;
    }
    if let Some(loc) = m.key_loc(&b.cx, "instance") {
        b.cx.err(
            &loc,
            tr!("task-fargate-instance", "a FARGATE task runs on no container instance"),
            tr!(
                "task-fargate-instance-help",
                "remove `instance`: Fargate runs each task in a microVM of its own, in the first of its subnets; or use `launchType: EC2`"
            ),
        );
        *ok = false;
    }
    None
}

/// `platformVersion`: FARGATE only (RunTask's message for EC2), LATEST or 1.4.0.
fn platform_version(cx: &mut Reader, m: &Block<'_>, launch: LaunchType, ok: &mut bool) -> Option<Located<String>> {
    let v = m.get("platformVersion")?;
    let s = cx.string(&v).or_else(|| {
        *ok = false;
        None
    })?;
    if launch == LaunchType::Ec2 {
        cx.err(
            &s.loc,
            "The platform version must be null when specifying an EC2 launch type.",
            tr!("task-platform-ec2-help", "remove `platformVersion`, or use `launchType: FARGATE`"),
        );
        *ok = false;
        return None;
    }
    if PLATFORM_VERSIONS.contains(&s.value.as_str()) {
        return Some(s);
    }
    let message = if OLDER_PLATFORM_VERSIONS.contains(&s.value.as_str()) {
        tr!(
            "task-platform-older",
            "platform version { $version } pulls images through a network interface Fargate owns: ecsnet emulates 1.4.0, where the task ENI carries every pull",
            version = s.value
        )
    } else {
        "The specified platform does not exist.".to_string()
    };
    cx.err(&s.loc, message, tr!("task-platform-help", "write `platformVersion: LATEST` (1.4.0) or remove it"));
    *ok = false;
    None
}

/// `networkConfiguration` as RunTask and CreateService take it; `public_ip_ok` where the
/// launch type lets a task ENI have a public IP (FARGATE).
pub(crate) fn awsvpc_configuration(b: &mut Builder, v: &Value<'_>, public_ip_ok: bool) -> Option<AwsvpcConfiguration> {
    let nc = b.cx.map(v, "the task's network configuration")?;
    let nc = Block { what: "networkConfiguration".to_string(), ..nc };
    nc.strict(&mut b.cx, &NETWORK_CONFIGURATION);
    let av = nc.req(&mut b.cx, "awsvpcConfiguration", "{ subnets: [private-a] }")?;
    let am = b.cx.map(&av, "subnets, securityGroups, assignPublicIp")?;
    let am = Block { what: "awsvpcConfiguration".to_string(), ..am };
    am.strict(&mut b.cx, &AWSVPC_CONFIGURATION);
    let subnets = am.req(&mut b.cx, "subnets", "[private-a]").and_then(|v| {
        let l = b.ref_list(&v, SUBNET, 16)?;
        if l.is_empty() {
            let loc = b.cx.vloc(&v);
            b.cx.err(
                &loc,
                tr!("task-no-subnets", "`subnets` must name at least one subnet"),
                tr!("task-no-subnets-help", "for example `subnets: [private-a]`"),
            );
            return None;
        }
        Some(l)
    });
    let security_groups = match am.get("securityGroups") {
        Some(v) => b.ref_list(&v, SECURITY_GROUP, 5),
        None => Some(vec![Located::bare("default".to_string())]),
    };
    let cx = &mut b.cx;
    let assign = match am.get("assignPublicIp") {
        Some(v) => match cx.choice(&v, ASSIGN_PUBLIC_IP)? {
            Located { value: "ENABLED", loc } if public_ip_ok => Located::new(true, loc),
            Located { value: "ENABLED", loc } => {
                cx.err(
                    &loc,
                    "Assign public IP is not supported for this launch type.",
                    tr!(
                        "task-assign-public-ip-help",
                        "ECS gives task ENIs no public IP on EC2 instances: for egress put the task in a private subnet whose route table sends 0.0.0.0/0 to a NAT gateway; for inbound use bridge or host mode on an instance with `publicIp: true`"
                    ),
                );
                return None;
            }
            Located { loc, .. } => Located::new(false, loc),
        },
        None => Located::bare(false),
    };
    Some(AwsvpcConfiguration { subnets: subnets?, security_groups: security_groups?, assign_public_ip: assign })
}

/// `family`, `family:REV`, or a task definition ARN.
pub(crate) fn parse_task_def_ref(s: &str) -> Result<TaskDefRef, String> {
    let t = match s.find(":task-definition/") {
        Some(p) if s.starts_with("arn:") => &s[p + ":task-definition/".len()..],
        _ => s,
    };
    let (family, rev) = match t.split_once(':') {
        Some((f, r)) => {
            let ok = !r.is_empty() && r.len() <= 10 && r.bytes().all(|b| b.is_ascii_digit());
            match r.parse::<u32>() {
                Ok(n) if ok && n > 0 => (f, Some(n)),
                _ => {
                    return Err(tr!(
                        "task-bad-revision",
                        "invalid task definition revision `{ $revision }` in `{ $value }`",
                        revision = short(r),
                        value = short(s)
                    ));
                }
            }
        }
        None => (t, None),
    };
    if !container_name_ok(family) {
        return Err(tr!(
            "task-bad-family",
            "invalid task definition family `{ $family }`: up to 255 letters, numbers, hyphens and underscores",
            family = short(family)
        ));
    }
    Ok(TaskDefRef { family: family.to_string(), revision: rev })
}

/// Each task's instance, task definition, subnets and groups are declared, and its network
/// configuration fits its task definition's network mode.
pub(crate) fn check(
    cx: &mut Reader,
    tasks: &[Task],
    netconfs: &[Option<Loc>],
    task_definitions: &[TaskDefinition],
    declared: &Declared<'_>,
    seen: &Seen,
) {
    for (t, netconf) in tasks.iter().zip(netconfs) {
        if let Some(i) = &t.instance {
            reference::reference(cx, i, INSTANCE, &declared.instances, seen);
        }
        let td = task_definition_of(cx, &t.task_definition, task_definitions, declared, seen);
        if let Some(aw) = &t.awsvpc {
            for s in &aw.subnets {
                reference::reference(cx, s, SUBNET, &declared.subnets, seen);
            }
            for s in &aw.security_groups {
                reference::reference(cx, s, SECURITY_GROUP, &declared.security_groups, seen);
            }
        }
        if let Some(td) = td {
            network_configuration_fits(cx, &t.loc, t.awsvpc.as_ref(), netconf.as_ref(), td);
            launch_type_fits(cx, t, td);
        }
    }
    extra_listeners_fit(cx, tasks, task_definitions);
}

/// `x-ecsnet.listen` ports are ecsnet's own: ECS does not know them, so nothing keeps them from
/// colliding in a shared network namespace, where the second program could not bind. Every
/// namespace where containers listen together is checked: an instance's (its host-mode tasks,
/// its bridge containers' static host ports, and the ECS agent on 0.0.0.0:51678 and
/// 127.0.0.1:51679) and each awsvpc task's.
fn extra_listeners_fit(cx: &mut Reader, tasks: &[Task], task_definitions: &[TaskDefinition]) {
    use super::primitives::{PortProto, Proto};
    use std::collections::HashMap;
    // Who listens on a port, and whether ECS knows it (a port mapping) or not (an extra).
    type Taken = HashMap<PortProto, (String, bool)>;
    // The agent's port is reserved: a port mapping on it is ECS's RESOURCE:PORTS.
    let agent = || {
        [
            (
                PortProto { port: 51678, proto: Proto::Tcp },
                ("the ECS agent's introspection (0.0.0.0:51678)".to_string(), false),
            ),
            (PortProto { port: 51679, proto: Proto::Tcp }, ("the ECS agent (127.0.0.1:51679)".to_string(), false)),
        ]
    };
    let mut per_instance: HashMap<&str, Taken> = HashMap::new();
    for t in tasks {
        let Some(td) = find_task_def(task_definitions, &t.task_definition.value) else { continue };
        let mut own = Taken::new();
        let mode = td.network_mode.value;
        let taken = match (mode, &t.instance) {
            (NetworkMode::Host | NetworkMode::Bridge, Some(i)) => {
                per_instance.entry(i.value.as_str()).or_insert_with(|| Taken::from(agent()))
            }
            (NetworkMode::Awsvpc, _) => &mut own,
            _ => continue,
        };
        for c in td.container_definitions.iter().filter(|c| c.x_ecsnet.command.is_none()) {
            let who = match mode {
                NetworkMode::Bridge => {
                    format!("task `{}`'s container `{}` (its host port)", t.name.value, c.name.value)
                }
                _ => format!("task `{}`'s container `{}`", t.name.value, c.name.value),
            };
            // A bridge container takes its static host ports on the instance (docker-proxy
            // binds them); its own listeners are in its own namespace.
            let listens_on_instance: Vec<(PortProto, bool)> = match mode {
                NetworkMode::Bridge => c
                    .port_mappings
                    .iter()
                    .filter_map(|pm| pm.host_port.as_ref().filter(|h| h.value != 0).map(|h| (h.value, pm.protocol)))
                    .map(|(port, proto)| (PortProto { port, proto }, false))
                    .collect(),
                _ => c
                    .port_mappings
                    .iter()
                    .map(|pm| (PortProto { port: pm.container_port.value, proto: pm.protocol }, false))
                    .chain(c.x_ecsnet.listen.iter().map(|pp| (*pp, true)))
                    .collect(),
            };
            for (pp, extra) in listens_on_instance {
                match taken.get(&pp) {
                    // Two port mappings are ECS's to keep apart (RESOURCE:PORTS, the agent's
                    // reserved ports); an extra on either side is not.
                    Some((first, first_extra)) if extra || *first_extra => cx.err(
                        &c.loc,
                        tr!(
                            "task-port-taken",
                            "{ $who } listens on { $port }/{ $proto } where { $first } already listens: the second cannot bind",
                            who = who,
                            port = pp.port,
                            proto = pp.proto,
                            first = first
                        ),
                        tr!(
                            "task-port-taken-help",
                            "pick another port in `x-ecsnet.listen`, or move the task to another instance"
                        ),
                    ),
                    Some(_) => {}
                    None => {
                        taken.insert(pp, (who.clone(), extra));
                    }
                }
            }
        }
    }
}

/// The task definition a task names: its family is declared, and so is the revision.
pub(crate) fn task_definition_of<'a>(
    cx: &mut Reader,
    r: &Located<TaskDefRef>,
    task_definitions: &'a [TaskDefinition],
    declared: &Declared<'_>,
    seen: &Seen,
) -> Option<&'a TaskDefinition> {
    let fam = Located::new(r.value.family.clone(), r.loc.clone());
    if !reference::reference(cx, &fam, FAMILY, &declared.families, seen) {
        return None;
    }
    let td = find_task_def(task_definitions, &r.value);
    if td.is_none() {
        let revs: Vec<String> = task_definitions
            .iter()
            .filter(|x| x.family.value == r.value.family)
            .map(|x| x.revision.to_string())
            .collect();
        cx.err(
            &r.loc,
            tr!(
                "task-def-not-found",
                "task definition `{ $family }:{ $revision }` not found",
                family = r.value.family,
                revision = r.value.revision.unwrap_or(0)
            ),
            tr!(
                "task-def-revisions",
                "family `{ $family }` has revision(s) { $revisions }",
                family = r.value.family,
                revisions = revs.join(", ")
            ),
        );
    }
    td
}

/// RunTask with `launchType: FARGATE` needs a task definition registered as compatible with
/// FARGATE (`requiresCompatibilities`; its register-time checks made it awsvpc with a Fargate
/// size).
fn launch_type_fits(cx: &mut Reader, t: &Task, td: &TaskDefinition) {
    if t.launch_type.value == LaunchType::Fargate && !td.fargate_compatible() {
        cx.err(
            &t.launch_type.loc,
            "Task definition does not support launch_type FARGATE.",
            tr!(
                "task-fargate-incompatible-help",
                "register task definition `{ $family }:{ $revision }` with `requiresCompatibilities: [FARGATE]`, `networkMode: awsvpc` and a Fargate `cpu`/`memory` pair",
                family = td.family.value,
                revision = td.revision
            ),
        );
    }
}

/// awsvpc tasks (and services) need a network configuration; the other modes must not have one.
pub(crate) fn network_configuration_fits(
    cx: &mut Reader,
    at: &Loc,
    awsvpc: Option<&AwsvpcConfiguration>,
    netconf: Option<&Loc>,
    td: &TaskDefinition,
) {
    match (td.network_mode.value, awsvpc, netconf) {
        (NetworkMode::Awsvpc, None, _) => cx.err(
            at,
            "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
            tr!(
                "task-needs-netconf-help",
                "task definition `{ $family }:{ $revision }` uses networkMode=awsvpc; add `networkConfiguration: { awsvpcConfiguration: { subnets: [SUBNET] } }`",
                family = td.family.value,
                revision = td.revision
            ),
        ),
        (NetworkMode::Awsvpc, Some(_), _) => {}
        (mode, _, Some(loc)) => cx.err(
            loc,
            tr!(
                "task-netconf-not-awsvpc",
                "networkConfiguration is only valid for awsvpc tasks; task definition `{ $family }:{ $revision }` uses networkMode={ $mode }",
                family = td.family.value,
                revision = td.revision,
                mode = mode
            ),
            tr!(
                "task-netconf-not-awsvpc-help",
                "remove `networkConfiguration` (ECS rejects it: \"Network Configuration is not valid for the given networkMode of this task definition.\")"
            ),
        ),
        _ => {}
    }
}

impl super::Scenario {
    pub fn task(&self, name: &str) -> Option<&Task> {
        self.tasks.iter().find(|s| s.name.value == name)
    }
    /// The task definition a task runs (always present in a validated scenario).
    pub fn task_def_of(&self, task: &Task) -> Option<&TaskDefinition> {
        self.task_definition(&task.task_definition.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_def_refs() {
        assert_eq!(parse_task_def_ref("web").unwrap(), TaskDefRef { family: "web".into(), revision: None });
        assert_eq!(parse_task_def_ref("web:3").unwrap(), TaskDefRef { family: "web".into(), revision: Some(3) });
        assert_eq!(
            parse_task_def_ref("arn:aws:ecs:us-east-1:123456789012:task-definition/web_2:7").unwrap(),
            TaskDefRef { family: "web_2".into(), revision: Some(7) }
        );
        assert!(parse_task_def_ref("web:0").is_err());
        assert!(parse_task_def_ref("web:x").is_err());
        assert!(parse_task_def_ref("web:99999999999").is_err());
        assert!(parse_task_def_ref("we b").is_err());
        assert!(parse_task_def_ref("").is_err());
    }
}
