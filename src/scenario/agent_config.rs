//! An instance's ECS agent settings (`ecsAgent:`), by the names they have in /etc/ecs/ecs.config,
//! with the agent's defaults as the ECS-optimized AMI runs it (ecs-init turns on task IAM roles
//! in every network mode: aws/amazon-ecs-agent ecs-init/docker/docker.go).

use super::fields::{Shape, Table, def};
use super::walk::*;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};

/// The agent's default reserved TCP ports: SSH, Docker's two, introspection, credentials
/// (agent/config/config_unix.go).
pub const DEFAULT_RESERVED_PORTS: [u16; 5] = [22, 2375, 2376, 51678, 51679];
/// The instance's ephemeral port range, which the agent uses when none is set (it reads
/// /proc/sys/net/ipv4/ip_local_port_range).
pub const DEFAULT_DYNAMIC_PORTS: (u16, u16) = (32768, 60999);

/// The settings ecsnet emulates, resolved to their values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentConfig {
    /// ECS_RESERVED_PORTS: TCP host ports no task may take.
    pub reserved_ports: Vec<u16>,
    /// ECS_RESERVED_PORTS_UDP.
    pub reserved_ports_udp: Vec<u16>,
    /// ECS_DYNAMIC_HOST_PORT_RANGE, inclusive.
    pub dynamic_ports: (u16, u16),
    /// ECS_AWSVPC_BLOCK_IMDS: awsvpc tasks get a blackhole route to 169.254.169.254.
    pub awsvpc_block_imds: bool,
    /// ECS_ENABLE_TASK_IAM_ROLE: the instance has the `task-iam-role` capability.
    pub task_iam_role: bool,
    /// ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST: the `task-iam-role-network-host` capability.
    pub task_iam_role_network_host: bool,
    /// ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS: ecs-init leaves :51678 open to every interface
    /// (false: only loopback and docker0).
    #[serde(default)]
    pub offhost_introspection: bool,
    /// The settings the file wrote, in file order, as the agent's environment shows them.
    #[serde(default)]
    pub written: Vec<(String, String)>,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            reserved_ports: DEFAULT_RESERVED_PORTS.to_vec(),
            reserved_ports_udp: vec![],
            dynamic_ports: DEFAULT_DYNAMIC_PORTS,
            awsvpc_block_imds: false,
            task_iam_role: true,
            task_iam_role_network_host: true,
            offhost_introspection: false,
            written: vec![],
        }
    }
}

pub(crate) static TABLE: Table = Table {
    id: "ecsAgent",
    doc: "ECS agent settings of the instance, as in /etc/ecs/ecs.config (only those ecsnet emulates).",
    strict: true,
    rules: &[],
    fields: &[
        def(
            "ECS_RESERVED_PORTS",
            Shape::List(&Shape::Int { min: 0, max: 65535 }),
            "[22, 2375, 2376, 51678, 51679]",
            "TCP host ports no task can take (the list replaces the default).",
        ),
        def(
            "ECS_RESERVED_PORTS_UDP",
            Shape::List(&Shape::Int { min: 0, max: 65535 }),
            "[]",
            "UDP host ports no task can take.",
        ),
        def(
            "ECS_DYNAMIC_HOST_PORT_RANGE",
            Shape::Pattern("^[0-9]+-[0-9]+$"),
            "\"32768-60999\"",
            "Where the agent picks host ports for `hostPort: 0` (`start-end`).",
        ),
        def(
            "ECS_AWSVPC_BLOCK_IMDS",
            Shape::Bool,
            "false",
            "Block the instance metadata service (169.254.169.254) for awsvpc tasks: a blackhole route in each task.",
        ),
        def(
            "ECS_ENABLE_TASK_IAM_ROLE",
            Shape::Bool,
            "true",
            "Tasks with a `taskRoleArn` can run here (false: they cannot be placed).",
        ),
        def(
            "ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST",
            Shape::Bool,
            "true",
            "Host-mode tasks with a `taskRoleArn` can run here (false: they cannot be placed).",
        ),
        def(
            "ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS",
            Shape::Bool,
            "false",
            "ecs-init's input rules leave the agent's introspection API (:51678) open to every interface (false: loopback and docker0 only).",
        ),
    ],
};

/// `ecsAgent:` of an instance; None when a setting is invalid (reported).
pub(crate) fn parse(cx: &mut Reader, v: &Value<'_>) -> Option<AgentConfig> {
    let m = cx.map(v, "ECS agent settings")?;
    let m = Block { what: "ecsAgent".to_string(), ..m };
    m.strict(cx, &TABLE);
    let mut c = AgentConfig::default();
    let mut ok = true;
    for (k, _) in m.map.iter() {
        let Some(val) = m.get(k.as_str()) else { continue };
        let written = match k.as_str() {
            "ECS_RESERVED_PORTS" => ports(cx, &val).map(|p| c.reserved_ports = p),
            "ECS_RESERVED_PORTS_UDP" => ports(cx, &val).map(|p| c.reserved_ports_udp = p),
            "ECS_DYNAMIC_HOST_PORT_RANGE" => range(cx, &val).map(|r| c.dynamic_ports = r),
            "ECS_AWSVPC_BLOCK_IMDS" => cx.boolean(&val).map(|b| c.awsvpc_block_imds = b.value),
            "ECS_ENABLE_TASK_IAM_ROLE" => cx.boolean(&val).map(|b| c.task_iam_role = b.value),
            "ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST" => cx.boolean(&val).map(|b| c.task_iam_role_network_host = b.value),
            "ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS" => cx.boolean(&val).map(|b| c.offhost_introspection = b.value),
            _ => continue,
        };
        match written {
            Some(()) => c.written.push((k.as_str().to_string(), env_text(&val))),
            None => ok = false,
        }
    }
    ok.then_some(c)
}

/// The value as ecs.config holds it (`[22, 2375]`, `true`, `40000-40100`).
fn env_text(v: &Value<'_>) -> String {
    match v.node {
        marked_yaml::Node::Scalar(s) => s.as_str().to_string(),
        marked_yaml::Node::Sequence(s) => {
            let items: Vec<String> = s
                .iter()
                .map(|n| match n {
                    marked_yaml::Node::Scalar(x) => x.as_str().to_string(),
                    _ => String::new(),
                })
                .collect();
            format!("[{}]", items.join(", "))
        }
        marked_yaml::Node::Mapping(_) => String::new(),
    }
}

/// A port list: a YAML list, or the JSON text ecs.config holds (`"[22, 2375]"`).
fn ports(cx: &mut Reader, v: &Value<'_>) -> Option<Vec<u16>> {
    if let marked_yaml::Node::Scalar(s) = v.node {
        let loc = cx.vloc(v);
        return match serde_json::from_str::<Vec<u16>>(s.as_str()) {
            Ok(p) => Some(p),
            Err(_) => {
                cx.err(
                    &loc,
                    tr!(
                        "agent-not-port-list",
                        "`{ $field }` must be a list of ports, found `{ $value }`",
                        field = v.field,
                        value = short(s.as_str())
                    ),
                    tr!(
                        "agent-port-list-help",
                        "write it as a list: `{ $field }: [22, 2375, 2376, 51678, 51679]`",
                        field = v.field
                    ),
                );
                None
            }
        };
    }
    let items = cx.items(v, 1000)?;
    let mut out = vec![];
    for it in items {
        let it = Value { field: format!("{} entry", v.field), ..it };
        out.push(cx.port(&it, true)?.value);
    }
    Some(out)
}

/// `start-end`, both ports, start not above end.
fn range(cx: &mut Reader, v: &Value<'_>) -> Option<(u16, u16)> {
    let s = cx.string(v)?;
    let parsed = s.value.split_once('-').and_then(|(a, b)| {
        let (a, b) = (a.trim().parse::<u16>().ok()?, b.trim().parse::<u16>().ok()?);
        (a >= 1 && a <= b).then_some((a, b))
    });
    if parsed.is_none() {
        // The agent's own warning, then what it would do (fall back to the default range).
        cx.err(
            &s.loc,
            format!("Invalid dynamicHostPortRange value from config: {}", short(&s.value)),
            tr!(
                "agent-port-range-help",
                "write `start-end` with 1 <= start <= end <= 65535, e.g. \"40000-40100\" (the agent would ignore it and use 32768-60999)"
            ),
        );
    }
    parsed
}
