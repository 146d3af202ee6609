//! ECS task definitions -> `taskDefinitions`: the fields the scenario models, container
//! definitions lower-camel-cased as RegisterTaskDefinition names them, role ARNs consistent
//! with `aws.roles`, and what the containers name (log groups, secrets, parameters) for the
//! `aws:` block's rule.

use super::{ACCOUNT, Ctx, convert, of, prop, role, text, unknown};
use crate::import::resource::{Resource, Value};
use crate::import::write::props::{Props, Use::*};
use crate::import::yaml::{Item, Node};
use std::collections::HashMap;

/// What the task definitions became.
#[derive(Default)]
pub(super) struct Defs {
    pub items: Vec<Item>,
    /// By the task definition's id.
    pub by_id: HashMap<String, Def>,
    pub named: Named,
}

/// One task definition, as a service needs it.
pub(super) struct Def {
    /// What a service's `taskDefinition` writes: the family, or `family:REVISION` when the
    /// family has several.
    pub reference: String,
    pub awsvpc: bool,
    pub fargate: bool,
}

/// What the containers name, with the origin of the task definition naming it.
#[derive(Default)]
pub(super) struct Named {
    pub log_groups: Vec<(String, String)>,
    pub secrets: Vec<(String, String)>,
    pub parameters: Vec<(String, String)>,
}

/// The family: `Family`, else one from the id, in ECS's rule (letters, digits, `-`, `_`).
pub(super) fn family(ctx: &mut Ctx, r: &Resource) -> String {
    let valid = |n: &str| {
        (1..=255).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    match prop(r, "Family").and_then(Value::str) {
        Some(f) if valid(f) => f.to_string(),
        _ => ctx.names.assign("family", &r.id, None),
    }
}

/// The fields of a container definition the scenario models.
const KEEP: &[&str] = &[
    "Name",
    "Image",
    "Essential",
    "Command",
    "EntryPoint",
    "PortMappings",
    "Environment",
    "Links",
    "Hostname",
    "DnsServers",
    "DnsSearchDomains",
    "ExtraHosts",
    "DisableNetworking",
    "DockerLabels",
    "Cpu",
    "Memory",
    "LogConfiguration",
    "Secrets",
];

/// The fields the scenario accepts and ignores: carried over all the same, so that the file
/// says what the task definition says.
const CARRIED: &[&str] = &[
    "MemoryReservation",
    "HealthCheck",
    "MountPoints",
    "VolumesFrom",
    "EnvironmentFiles",
    "WorkingDirectory",
    "User",
    "Privileged",
    "ReadonlyRootFilesystem",
    "Ulimits",
    "LinuxParameters",
    "DependsOn",
    "StartTimeout",
    "StopTimeout",
];

/// A container definition's properties: [`KEEP`] and [`CARRIED`] are read, the others noted.
const CONTAINER: Props = &[
    ("Name", Read),
    ("Image", Read),
    ("Essential", Read),
    ("Command", Read),
    ("EntryPoint", Read),
    ("PortMappings", Read),
    ("Environment", Read),
    ("Links", Read),
    ("Hostname", Read),
    ("DnsServers", Read),
    ("DnsSearchDomains", Read),
    ("ExtraHosts", Read),
    ("DisableNetworking", Read),
    ("DockerLabels", Read),
    ("Cpu", Read),
    ("Memory", Read),
    ("LogConfiguration", Read),
    ("Secrets", Read),
    ("MemoryReservation", Read),
    ("HealthCheck", Read),
    ("MountPoints", Read),
    ("VolumesFrom", Read),
    ("EnvironmentFiles", Read),
    ("WorkingDirectory", Read),
    ("User", Read),
    ("Privileged", Read),
    ("ReadonlyRootFilesystem", Read),
    ("Ulimits", Read),
    ("LinuxParameters", Read),
    ("DependsOn", Read),
    ("StartTimeout", Read),
    ("StopTimeout", Read),
    ("SystemControls", Lost("the scenario has no sysctls (net.* change the container's network stack)", "")),
    (
        "RepositoryCredentials",
        Lost("the scenario has no private registry credentials (the lab pulls only from its own ECR)", ""),
    ),
    ("FirelensConfiguration", Lost("the scenario has no FireLens log routing", "")),
    ("ResourceRequirements", Lost("the lab's tasks have no GPUs or inference accelerators", "")),
    ("Interactive", Lost("nothing runs the image in the lab", "")),
    ("PseudoTerminal", Lost("nothing runs the image in the lab", "")),
    ("DockerSecurityOptions", Lost("the scenario has no Docker security options", "")),
    ("CredentialSpecs", Lost("the lab's tasks are Linux ones (gMSA credential specs are for Windows)", "")),
    ("RestartPolicy", Lost("the lab does not restart containers", "")),
    ("VersionConsistency", Lost("nothing is pulled in the lab", "")),
];

/// Task-level fields the scenario accepts and ignores, carried over: CloudFormation's name,
/// the scenario's.
const TASK_CARRIED: &[(&str, &str)] = &[
    ("Volumes", "volumes"),
    ("PidMode", "pidMode"),
    ("IpcMode", "ipcMode"),
    ("RuntimePlatform", "runtimePlatform"),
    ("PlacementConstraints", "placementConstraints"),
];

/// An `AWS::ECS::TaskDefinition`'s properties.
pub(super) const PROPS: Props = &[
    ("Family", Read),
    ("NetworkMode", Read),
    ("RequiresCompatibilities", Read),
    ("Cpu", Read),
    ("Memory", Read),
    ("TaskRoleArn", Read),
    ("ExecutionRoleArn", Read),
    ("ContainerDefinitions", Nested(CONTAINER)),
    ("Volumes", Read),
    ("PidMode", Read),
    ("IpcMode", Read),
    ("RuntimePlatform", Read),
    ("PlacementConstraints", Read),
    ("Tags", Meta),
    (
        "ProxyConfiguration",
        Lost("the lab has no App Mesh proxy (traffic is not redirected through the proxy container)", ""),
    ),
    ("EphemeralStorage", Lost("the lab's tasks have no storage size", "")),
    ("InferenceAccelerators", Lost("the lab's tasks have no inference accelerators", "")),
    ("EnableFaultInjection", Lost("the lab has no fault injection", "")),
];

pub(super) fn task_definitions(ctx: &mut Ctx) -> Defs {
    let mut defs = Defs::default();
    let all = of(ctx, "AWS::ECS::TaskDefinition");
    let families: Vec<String> = all.iter().map(|r| family(ctx, r)).collect();
    let mut revision: HashMap<&str, u32> = HashMap::new();
    for (r, fam) in all.iter().zip(&families) {
        let rev = revision.entry(fam).or_insert(0);
        *rev += 1;
        let shared = families.iter().filter(|f| *f == fam).count() > 1;
        let reference = if shared { format!("{fam}:{rev}") } else { fam.clone() };
        let (item, def) = task_definition(ctx, r, fam, reference, &mut defs.named);
        defs.items.push(item);
        defs.by_id.insert(r.id.clone(), def);
    }
    defs
}

fn task_definition(ctx: &mut Ctx, r: &Resource, fam: &str, reference: String, named: &mut Named) -> (Item, Def) {
    let comment = ctx.from(r);
    let mut m: Vec<(String, Item)> = vec![("family".into(), Node::str(fam).into())];
    let compat: Vec<String> = prop(r, "RequiresCompatibilities")
        .map(Value::list)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| text(ctx, r, "RequiresCompatibilities", v))
        .collect();
    let fargate = compat.iter().any(|c| c == "FARGATE");
    // ECS's default network mode is bridge (on Linux EC2); Fargate refuses it, as the
    // scenario's validation says in RegisterTaskDefinition's words.
    let mode = prop(r, "NetworkMode").and_then(|v| text(ctx, r, "NetworkMode", v)).unwrap_or_else(|| {
        if fargate {
            ctx.note(
                &r.origin,
                "requires FARGATE but has no NetworkMode: ECS registers it as bridge, which Fargate refuses",
                "set NetworkMode: awsvpc",
            );
        }
        "bridge".into()
    });
    m.push(("networkMode".into(), Node::str(mode.as_str()).into()));
    if !compat.is_empty() {
        m.push(("requiresCompatibilities".into(), Node::list(compat.into_iter().map(Node::Str)).into()));
    }
    for (key, field) in [("Cpu", "cpu"), ("Memory", "memory")] {
        if let Some(s) = prop(r, key).and_then(|v| text(ctx, r, key, v)) {
            let node = if s.parse::<u64>().is_ok() { Node::Num(s) } else { Node::Str(s) };
            m.push((field.into(), node.into()));
        }
    }
    for (key, field) in [("TaskRoleArn", "taskRoleArn"), ("ExecutionRoleArn", "executionRoleArn")] {
        if let Some(arn) = prop(r, key).and_then(|v| role_ref(ctx, r, key, v)) {
            m.push((field.into(), Node::Str(arn).into()));
        }
    }
    let containers: Vec<Item> = prop(r, "ContainerDefinitions")
        .map(Value::list)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, c)| container(ctx, r, &format!("ContainerDefinitions[{i}]"), c, named))
        .collect();
    m.push(("containerDefinitions".into(), Node::List(containers).into()));
    for (key, field) in TASK_CARRIED {
        if let Some(n) = prop(r, key).and_then(|v| convert(ctx, r, key, v)).filter(|n| !empty(n)) {
            m.push((field.to_string(), n.into()));
        }
    }
    if let Some(os) = prop(r, "RuntimePlatform").and_then(|p| p.get("OperatingSystemFamily")).and_then(Value::str) {
        if os != "LINUX" {
            ctx.note(&r.origin, format!("runs on {os}: the lab's tasks are Linux ones"), "");
        }
    }
    let def = Def { reference, awsvpc: mode == "awsvpc", fargate };
    (Node::Map(m).with_comment(comment), def)
}

/// A role as an ARN: a reference to a role of the input as the ARN `aws.roles` gives it (a
/// `Ref` is its name, which ECS takes too), a bare name as its ARN.
fn role_ref(ctx: &mut Ctx, r: &Resource, what: &str, v: &Value) -> Option<String> {
    if let Some(t) = ctx.target(v).filter(|t| t.kind == "AWS::IAM::Role") {
        return Some(role::role_arn(ctx, t));
    }
    let s = text(ctx, r, what, v)?;
    Some(if s.starts_with("arn:") { s } else { format!("arn:aws:iam::{ACCOUNT}:role/{s}") })
}

/// One container definition.
fn container(ctx: &mut Ctx, r: &Resource, what: &str, c: &Value, named: &mut Named) -> Item {
    let mut m: Vec<(String, Item)> = vec![];
    let Value::Map(fields) = c else { return Node::Map(m).into() };
    for (k, v) in fields {
        let at = format!("{what}.{k}");
        let key = pascal(k);
        // What is not read is noted with the other properties of the input (`props`).
        let carried = CARRIED.contains(&key.as_str());
        if !carried && !KEEP.contains(&key.as_str()) {
            continue;
        }
        let node = match key.as_str() {
            "Image" => Some(image(ctx, r, &at, v)),
            "Environment" => Some(environment(ctx, r, &at, v)),
            "PortMappings" => Some(port_mappings(ctx, r, &at, v)),
            "DockerLabels" => super::free_form(ctx, r, &at, v).map(Item::from),
            _ => convert(ctx, r, &at, v).filter(|n| !carried || !empty(n)).map(Item::from),
        };
        if let Some(n) = node {
            m.push((super::lower_camel(&key), n));
        }
    }
    record_named(&m, &r.origin, named);
    Node::Map(m).into()
}

/// An empty list or map (Terraform writes `mountPoints: []` for none): not written.
fn empty(n: &Node) -> bool {
    matches!(n, Node::List(l) if l.is_empty()) || matches!(n, Node::Map(m) if m.is_empty())
}

/// `containerPort` -> `ContainerPort`, so that both spellings are matched.
fn pascal(k: &str) -> String {
    let mut c = k.chars();
    c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
}

/// The image; an unknown one is written as a placeholder with a comment, and noted.
fn image(ctx: &mut Ctx, r: &Resource, what: &str, v: &Value) -> Item {
    if let Value::Unknown { why, fix } = v {
        unknown(ctx, r, what, why, fix);
        return Node::str("unknown-image").with_comment(format!("not known: {why} ({fix})"));
    }
    match text(ctx, r, what, v) {
        Some(s) => {
            other_account(ctx, r, what, &s);
            Node::Str(s).into()
        }
        None => Node::str("unknown-image").with_comment("not known: see the notes at the top"),
    }
}

/// An image in another account's ECR of the lab's region (`111122223333.dkr.ecr.REGION…`,
/// AWS's own published images too): declared in `aws.repositories` with its `registryId` and
/// a policy letting the lab's account pull it (see `aws::foreign_repositories`), said as
/// assumed; one named by digest cannot be declared, and stops the task (said).
fn other_account(ctx: &mut Ctx, r: &Resource, what: &str, image: &str) {
    let Some((account, repo, reference)) = foreign_image(image, &ctx.region) else { return };
    if reference.starts_with("sha256:") {
        ctx.note(
            &r.origin,
            format!("{what} {image} is in account {account}'s ECR, by digest: the lab's copy of that registry cannot have that digest, and the task will stop with CannotPullContainerError"),
            "name it by tag",
        );
        return;
    }
    ctx.assume(
        &r.origin,
        format!("{what} {image} is in account {account}'s ECR: declared as repository {repo} of registry {account}, whose policy lets the lab's account pull it (on AWS its owner's policy decides)"),
    );
}

/// (account, repository, tag or digest) of an image in another account's ECR in `region`, as
/// the lab's agent reads an image.
pub(super) fn foreign_image(image: &str, region: &str) -> Option<(String, String, String)> {
    crate::scenario::aws::ecr_image(image, region).filter(|(account, _, _)| account != super::ACCOUNT)
}

/// The environment; a variable whose value is not known is left out (noted).
fn environment(ctx: &mut Ctx, r: &Resource, what: &str, v: &Value) -> Item {
    let mut out = vec![];
    for (i, e) in v.list().iter().enumerate() {
        let at = format!("{what}[{i}]");
        match e.get("Value").or_else(|| e.get("value")) {
            Some(Value::Unknown { why, fix }) => {
                let name = e.get("Name").or_else(|| e.get("name")).and_then(Value::str).unwrap_or("?");
                ctx.note(&r.origin, format!("{at} ({name}) left out: its value is not known ({why})"), fix.as_str());
            }
            _ => out.extend(convert(ctx, r, &at, e).map(Item::from)),
        }
    }
    Node::List(out).into()
}

/// The port mappings; a port range is not one the scenario takes (noted).
fn port_mappings(ctx: &mut Ctx, r: &Resource, what: &str, v: &Value) -> Item {
    let mut out = vec![];
    for (i, p) in v.list().iter().enumerate() {
        let at = format!("{what}[{i}]");
        if p.get("ContainerPortRange").or_else(|| p.get("containerPortRange")).is_some() {
            ctx.note(
                &r.origin,
                format!("{at} left out: the scenario takes no port ranges"),
                "list each port as its own mapping",
            );
            continue;
        }
        out.extend(convert(ctx, r, &at, p).map(Item::from));
    }
    Node::List(out).into()
}

fn get<'n>(m: &'n [(String, Item)], key: &str) -> Option<&'n Node> {
    m.iter().find(|(k, _)| k == key).map(|(_, i)| &i.node)
}

/// What the container names in the lab's AWS services: its awslogs group, and the secrets
/// and parameters of its `secrets`.
fn record_named(m: &[(String, Item)], origin: &str, named: &mut Named) {
    let pair = |s: &str| (s.to_string(), origin.to_string());
    if let Some(Node::Map(log)) = get(m, "logConfiguration") {
        if let (Some(Node::Str(d)), Some(Node::Map(opts))) = (get(log, "logDriver"), get(log, "options")) {
            if let (true, Some(Node::Str(g))) = (d == "awslogs", get(opts, "awslogs-group")) {
                named.log_groups.push(pair(g));
            }
        }
    }
    let Some(Node::List(secrets)) = get(m, "secrets") else { return };
    for s in secrets {
        let Node::Map(s) = &s.node else { continue };
        let Some(Node::Str(from)) = get(s, "valueFrom") else { continue };
        if from.starts_with("arn:aws:secretsmanager:") {
            named.secrets.push(pair(from));
        } else {
            let name = match from.split_once(":parameter") {
                Some((_, n)) => n,
                None => from,
            };
            named.parameters.push(pair(name));
        }
    }
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::import::write::props::{Use, find};

    /// What the writer carries is what its declarations say it reads: a key added to one list
    /// and not the other would be written and noted, or dropped silently.
    #[test]
    fn the_fields_written_are_the_fields_declared_read() {
        for key in KEEP.iter().chain(CARRIED) {
            assert!(matches!(find(CONTAINER, key), Some(Use::Read)), "{key}");
        }
        let read = CONTAINER.iter().filter(|(_, u)| matches!(u, Use::Read)).count();
        assert_eq!(read, KEEP.len() + CARRIED.len());
        for (key, field) in TASK_CARRIED {
            assert!(matches!(find(PROPS, key), Some(Use::Read)), "{key}");
            assert_eq!(super::super::lower_camel(key), *field);
        }
    }
}
