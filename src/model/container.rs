//! Containers as the ECS agent creates them: Docker names, ids, labels, command, the ports
//! they publish, their resources and log configuration, the pause container of an awsvpc task,
//! the environment ECS gives every container, and the journal name of the process that plays
//! one.

use super::{METADATA_IP, PAUSE_IMAGE, ids};
use crate::scenario::{ContainerDefinition, Node, PortProto, Proto, TaskDefinition};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortBinding {
    pub container_port: u16,
    /// Published host port (bridge); for awsvpc/host equal to the container port and not
    /// published (awsvpc) or bound directly (host).
    pub host_port: Option<u16>,
    pub proto: Proto,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Container {
    pub name: String,
    pub docker_name: String,
    /// 64 hex.
    pub docker_id: String,
    pub image: String,
    /// Docker's `Config.Entrypoint`: the definition's `entryPoint`, kept apart from `cmd` as
    /// Docker keeps them (left out of the model's JSON when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entrypoint: Vec<String>,
    /// Docker's `Config.Cmd`: the definition's `command`, or `x-ecsnet.command` when given.
    pub cmd: Vec<String>,
    /// The namespace the container's processes run in.
    pub ns: String,
    /// bridge: its docker0 address.
    pub ip: Option<Ipv4Addr>,
    pub mac: Option<String>,
    pub veth_host: Option<String>,
    pub ports: Vec<PortBinding>,
    /// What the built-in responder listens on (empty when `command` is set).
    pub listen: Vec<PortProto>,
    /// Paths the built-in responder answers with another status (`x-ecsnet.httpStatus`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http_status: Vec<(String, u16)>,
    pub command: Option<Vec<String>>,
    pub env: Vec<(String, String)>,
    /// Shared by ECS_CONTAINER_METADATA_URI (v3) and _V4.
    pub v3_id: String,
    pub pause: bool,
    pub labels: Vec<(String, String)>,
    /// CPU units from the definition (0: none given). The new fields are left out of the
    /// model's JSON when unset, so that labs without them read and print as before.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cpu: u32,
    /// The hard memory limit in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<u32>,
    /// `logConfiguration.logDriver`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_driver: Option<String>,
    /// `logConfiguration.options`, in definition order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log_options: Vec<(String, String)>,
    /// The definition's `hostname`, `dnsServers`, `dnsSearchDomains` and `extraHosts` (Docker's
    /// `--hostname`, `--dns`, `--dns-search`, `--add-host`; ECS allows them in bridge mode).
    #[serde(default, skip_serializing_if = "DockerDns::is_empty")]
    pub dns: DockerDns,
}

/// What a container definition asks of Docker's name resolution.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DockerDns {
    pub hostname: Option<String>,
    pub servers: Vec<String>,
    pub search: Vec<String>,
    /// (hostname, address).
    pub extra_hosts: Vec<(String, String)>,
}

impl DockerDns {
    pub fn is_empty(&self) -> bool {
        *self == DockerDns::default()
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Container {
    /// What the container runs, as `docker ps` and the `Path`/`Args` of `docker inspect` show
    /// it: the entrypoint, then the cmd.
    pub fn command_line(&self) -> Vec<String> {
        self.entrypoint.iter().chain(&self.cmd).cloned().collect()
    }
}

/// The task a container belongs to, as far as its names, ids and labels go.
pub(super) struct OwningTask<'a> {
    pub lab: &'a str,
    pub name: &'a str,
    pub cluster: &'a str,
    pub arn: &'a str,
    pub definition: &'a TaskDefinition,
}

impl OwningTask<'_> {
    /// `ecs-FAMILY-REVISION-CONTAINER-HEX`, as the agent names Docker containers.
    fn docker_name(&self, container: &str, key: &str) -> String {
        let td = self.definition;
        let hexs = ids::hex(&[self.lab, "docker-name", self.name, key], 20);
        format!("ecs-{}-{}-{container}-{hexs}", docker_safe(&td.family.value), td.revision)
    }
    fn docker_id(&self, key: &str) -> String {
        ids::hex(&[self.lab, "docker-id", self.name, key], 64)
    }
    fn v3_id(&self, key: &str) -> String {
        ids::uuid_like(&[self.lab, "v3", self.name, key])
    }
}

impl Container {
    /// A container of `definition` running in `ns`, not yet wired: no address, no port bound.
    pub(super) fn of_definition(task: &OwningTask, cd: &ContainerDefinition, ns: String) -> Container {
        let name = &cd.name.value;
        Container {
            name: name.clone(),
            docker_name: task.docker_name(&docker_safe(name), name),
            docker_id: task.docker_id(name),
            image: cd.image.clone(),
            entrypoint: entrypoint(cd),
            cmd: cmd(cd),
            ns,
            ip: None,
            mac: None,
            veth_host: None,
            ports: vec![],
            listen: responder_ports(cd),
            http_status: cd.x_ecsnet.http_status.clone(),
            command: cd.x_ecsnet.command.clone(),
            env: cd.environment.clone(),
            v3_id: task.v3_id(name),
            pause: false,
            labels: ecs_labels(task, cd),
            cpu: cd.cpu.unwrap_or(0),
            memory: cd.memory,
            log_driver: cd.log_driver.clone(),
            log_options: cd.log_options.clone(),
            dns: DockerDns {
                hostname: cd.hostname.as_ref().map(|h| h.value.clone()),
                servers: cd.dns_servers.as_ref().map(|l| l.value.clone()).unwrap_or_default(),
                search: cd.dns_search_domains.as_ref().map(|l| l.value.clone()).unwrap_or_default(),
                extra_hosts: cd.extra_hosts.as_ref().map(|l| l.value.clone()).unwrap_or_default(),
            },
        }
    }

    /// The pause container of an awsvpc task: it holds the task namespace.
    pub(super) fn pause(task: &OwningTask, ns: String) -> Container {
        // A key no container definition can have: names are `[A-Za-z0-9_-]`.
        let key = "~pause";
        Container {
            name: "~internal~ecs~pause".into(),
            docker_name: task.docker_name("internalecspause", key),
            docker_id: task.docker_id(key),
            image: PAUSE_IMAGE.into(),
            cmd: vec!["/pause".into()],
            ns,
            v3_id: task.v3_id(key),
            pause: true,
            ..Container::default()
        }
    }
}

/// The labels the agent sets, then the definition's own `dockerLabels`.
fn ecs_labels(task: &OwningTask, cd: &ContainerDefinition) -> Vec<(String, String)> {
    let td = task.definition;
    let mut labels = vec![
        ("com.amazonaws.ecs.cluster".to_string(), task.cluster.to_string()),
        ("com.amazonaws.ecs.container-name".to_string(), cd.name.value.clone()),
        ("com.amazonaws.ecs.task-arn".to_string(), task.arn.to_string()),
        ("com.amazonaws.ecs.task-definition-family".to_string(), td.family.value.clone()),
        ("com.amazonaws.ecs.task-definition-version".to_string(), td.revision.to_string()),
    ];
    labels.extend(cd.docker_labels.iter().cloned());
    labels
}

/// What the built-in responder listens on: the mapped container ports, then `x-ecsnet.listen`,
/// each once; nothing when the container runs its own program.
fn responder_ports(cd: &ContainerDefinition) -> Vec<PortProto> {
    let mut listen: Vec<PortProto> = vec![];
    if cd.x_ecsnet.command.is_some() {
        return listen;
    }
    let mapped = cd.port_mappings.iter().map(|pm| PortProto { port: pm.container_port.value, proto: pm.protocol });
    for pp in mapped.chain(cd.x_ecsnet.listen.iter().copied()) {
        if !listen.contains(&pp) {
            listen.push(pp);
        }
    }
    listen
}

/// Docker's entrypoint: the definition's `entryPoint`; none when `x-ecsnet.command` replaces
/// the whole command line.
fn entrypoint(cd: &ContainerDefinition) -> Vec<String> {
    match cd.x_ecsnet.command {
        Some(_) => vec![],
        None => cd.entry_point.clone(),
    }
}

/// Docker's cmd: the definition's `command`, or `x-ecsnet.command` when given.
fn cmd(cd: &ContainerDefinition) -> Vec<String> {
    match &cd.x_ecsnet.command {
        Some(c) => c.clone(),
        None => cd.command.clone(),
    }
}

/// awsvpc and host mode: the host port is the container port (and, for awsvpc, not published).
pub(super) fn same_port_bindings(cd: &ContainerDefinition) -> Vec<PortBinding> {
    cd.port_mappings
        .iter()
        .map(|pm| PortBinding {
            container_port: pm.container_port.value,
            host_port: Some(pm.container_port.value),
            proto: pm.protocol,
        })
        .collect()
}

/// What the agent itself writes into a container's environment, after the definition's
/// entries (so a definition's variable of the same name is replaced).
const AGENT_VARIABLES: [&str; 4] = [
    "ECS_CONTAINER_METADATA_URI",
    "ECS_CONTAINER_METADATA_URI_V4",
    "ECS_AGENT_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
];

/// Put the environment ECS gives every container (ECS-FACTS §2.3) before the container's own:
/// the agent's endpoints, and AWS_EXECUTION_ENV and AWS_REGION, which come with the task from
/// ECS (a real container shows AWS_REGION and no AWS_DEFAULT_REGION). The agent's own region
/// variables (1.104.0, `ApplyRegionToContainer`) are skipped when either is already set, so
/// AWS_DEFAULT_REGION appears only when the definition sets it, and a definition's AWS_REGION
/// is kept instead of the lab's region.
pub(super) fn add_ecs_environment(containers: &mut [Container], lab: &str, task: &str, region: &str, has_role: bool) {
    let cred_id = ids::uuid_like(&[lab, "credentials", task]);
    for c in containers.iter_mut() {
        let own = std::mem::take(&mut c.env);
        let defines = |k: &str| own.iter().any(|(name, _)| name == k);
        let mut env = vec![
            ("ECS_CONTAINER_METADATA_URI".to_string(), format!("http://{METADATA_IP}/v3/{}", c.v3_id)),
            ("ECS_CONTAINER_METADATA_URI_V4".to_string(), format!("http://{METADATA_IP}/v4/{}", c.v3_id)),
            ("ECS_AGENT_URI".to_string(), format!("http://{METADATA_IP}/api/{}", c.v3_id)),
            ("AWS_EXECUTION_ENV".to_string(), "AWS_ECS_EC2".to_string()),
        ];
        if !defines("AWS_REGION") {
            env.push(("AWS_REGION".to_string(), region.to_string()));
        }
        if has_role {
            env.push(("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI".into(), format!("/v2/credentials/{cred_id}")));
        }
        let replaced = |k: &str| AGENT_VARIABLES.contains(&k) || k == "AWS_EXECUTION_ENV";
        env.extend(own.into_iter().filter(|(k, _)| !replaced(k)));
        c.env = env;
    }
}

/// The namespace of a bridge or none container: its own, named after task and container, made
/// unique among the task's containers so far.
pub(super) fn unique_ns(lab: &str, task: &str, ctr: &str, others: &[Container]) -> String {
    let base = ids::ns_name(lab, "c", &format!("{task}.{}", ns_safe(ctr)));
    if !others.iter().any(|c| c.ns == base) {
        return base;
    }
    format!("{base}-{}", others.len())
}

/// ECS strips a container name to `[A-Za-z0-9-]` in docker names.
fn docker_safe(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect()
}

/// A container name made safe and short for a namespace file name.
fn ns_safe(s: &str) -> String {
    let mut v: String =
        s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c.to_ascii_lowercase() } else { '-' }).collect();
    v.truncate(40);
    v
}

/// A process a lab runs, as its journal names it: `agent`, `pause task/NAME`,
/// `command task/NAME/CONTAINER`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProcessRole {
    /// The lab's agent, which hosts every service.
    Agent,
    /// The pause holder of an awsvpc task.
    Pause(Node),
    /// A container's own program (`x-ecsnet.command`).
    Command(Node),
}

impl ProcessRole {
    pub fn pause(task: &str) -> ProcessRole {
        ProcessRole::Pause(Node::task(task))
    }
    pub fn command(task: &str, container: &str) -> ProcessRole {
        ProcessRole::Command(Node::container(task, container))
    }
}

impl std::fmt::Display for ProcessRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProcessRole::Agent => f.write_str("agent"),
            ProcessRole::Pause(n) => write!(f, "pause {n}"),
            ProcessRole::Command(n) => write!(f, "command {n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_env(env: &[(&str, &str)]) -> Vec<Container> {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        vec![Container { v3_id: "id".into(), env, ..Container::default() }]
    }

    fn names(c: &Container) -> Vec<&str> {
        c.env.iter().map(|(k, _)| k.as_str()).collect()
    }

    #[test]
    fn ecs_sets_aws_region_and_no_aws_default_region() {
        let mut cs = with_env(&[("NODE_ENV", "dev")]);
        add_ecs_environment(&mut cs, "lab", "t", "eu-west-1", true);
        let want = [
            "ECS_CONTAINER_METADATA_URI",
            "ECS_CONTAINER_METADATA_URI_V4",
            "ECS_AGENT_URI",
            "AWS_EXECUTION_ENV",
            "AWS_REGION",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "NODE_ENV",
        ];
        assert_eq!(names(&cs[0]), want);
        assert_eq!(cs[0].env[4].1, "eu-west-1");
    }

    #[test]
    fn a_definitions_region_wins_and_the_agents_endpoints_replace_its_own() {
        let mut cs = with_env(&[("AWS_REGION", "us-west-2"), ("ECS_AGENT_URI", "mine"), ("AWS_DEFAULT_REGION", "x")]);
        add_ecs_environment(&mut cs, "lab", "t", "eu-west-1", false);
        let env = &cs[0].env;
        let get = |k: &str| env.iter().filter(|(n, _)| n == k).map(|(_, v)| v.as_str()).collect::<Vec<_>>();
        assert_eq!(get("AWS_REGION"), ["us-west-2"]);
        assert_eq!(get("AWS_DEFAULT_REGION"), ["x"]);
        assert_eq!(get("ECS_AGENT_URI"), ["http://169.254.170.2/api/id"]);
        assert!(get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_empty(), "no role, no credentials");
    }

    #[test]
    fn entrypoint_and_cmd_are_kept_apart_and_joined_for_ps() {
        let c = Container { entrypoint: vec!["/e.sh".into()], cmd: vec!["run".into()], ..Container::default() };
        assert_eq!(c.command_line(), ["/e.sh", "run"]);
    }
}
