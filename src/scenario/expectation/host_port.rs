//! A host port check: the host port a container port is published on, as ECS reports it in a
//! container's `networkBindings` (`containerPort`, `hostPort`, `protocol`). A dynamic one is
//! the agent's choice, so the check teaches which one it makes.

use super::super::fields::{Shape, Table, def, opt, req};
use super::super::located::{Loc, Located};
use super::super::node::Node;
use super::super::primitives::{NetworkMode, PORT_PROTOCOLS, Proto};
use super::super::reference::{self, TASK};
use super::super::walk::*;
use super::{ExpectKind, Expectation, Lookup, check_container};
use crate::i18n::tr;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HostPort {
    pub task: Located<String>,
    /// None: the task's container that maps the port.
    pub container: Option<Located<String>>,
    pub container_port: u16,
    pub protocol: Proto,
    pub host_port: u16,
}

impl HostPort {
    /// `task/api/api:5000/tcp hostPort: 32768`
    pub fn title(&self) -> String {
        let node = match &self.container {
            Some(c) => Node::container(&self.task.value, &c.value),
            None => Node::task(&self.task.value),
        };
        format!("{node}:{}/{} hostPort: {}", self.container_port, self.protocol, self.host_port)
    }
}

pub(crate) static HOST_PORT: Table = Table {
    id: "hostPortExpectation",
    doc: "A host port check: the host port on the instance that a bridge or host task's container port is published on.",
    strict: true,
    rules: &[],
    fields: &[
        req("task", Shape::Name, "The task."),
        opt("container", Shape::EcsName, "The container (default: the task's container that maps `containerPort`)."),
        req(
            "containerPort",
            Shape::Int { min: 1, max: 65535 },
            "The container port, as in the task definition's `portMappings`.",
        ),
        def("protocol", Shape::Enum(PORT_PROTOCOLS), "\"tcp\"", "The port mapping's protocol."),
        req(
            "hostPort",
            Shape::Int { min: 1, max: 65535 },
            "The host port it must be published on: a static `hostPort`, or the dynamic one ECS chose.",
        ),
    ],
};

pub(super) fn parse(cx: &mut Reader, m: Block<'_>) -> Option<Expectation> {
    m.strict(cx, &HOST_PORT);
    let mut ok = true;
    let task =
        m.req(cx, "task", "api").and_then(|v| cx.string(&v)).and_then(|s| check_name(cx, &s, "task").then_some(s));
    let container = m.get("container").and_then(|v| {
        let c = cx.nonempty(&v);
        ok &= c.is_some();
        c
    });
    let container_port = m.req(cx, "containerPort", "5000").and_then(|v| cx.port(&v, false));
    let protocol = match m.get("protocol") {
        Some(v) => cx.choice(&v, PORT_PROTOCOLS).map(|p| if p.value == "udp" { Proto::Udp } else { Proto::Tcp }),
        None => Some(Proto::Tcp),
    };
    let host_port = m.req(cx, "hostPort", "32768").and_then(|v| cx.port(&v, false));
    let h = HostPort {
        task: task?,
        container,
        container_port: container_port?.value,
        protocol: protocol?,
        host_port: host_port?.value,
    };
    ok.then(|| Expectation { kind: ExpectKind::HostPort(h), loc: m.loc.clone() })
}

/// The task and container exist, and the container port is published on the instance: a
/// bridge or host task's, with a port mapping for it, in one container only unless one is named.
pub(super) fn check(cx: &mut Reader, h: &HostPort, loc: &Loc, l: &Lookup<'_>) {
    if !reference::reference(cx, &h.task, TASK, &l.declared.tasks, l.seen) {
        return;
    }
    let task = h.task.value.as_str();
    let Some(td) = l.task_def_of(task) else { return };
    if let Some(c) = &h.container {
        let node = Located::new(Node::container(task, &c.value), c.loc.clone());
        if !check_container(cx, &node, task, &c.value, td) {
            return;
        }
    }
    let pp = format!("{}/{}", h.container_port, h.protocol);
    if matches!(td.network_mode.value, NetworkMode::Awsvpc | NetworkMode::None) {
        cx.err(
            loc,
            tr!(
                "expect-no-host-port",
                "task `{ $task }` uses networkMode={ $mode }: its container ports are not published on the instance, so { $port } has no host port",
                task = task,
                mode = td.network_mode.value,
                port = pp
            ),
            tr!(
                "expect-no-host-port-help",
                "only bridge and host tasks have host ports; probe the task's own address instead"
            ),
        );
        return;
    }
    let named = |n: &str| h.container.as_ref().is_none_or(|c| c.value == n);
    let mapping = |c: &super::super::container::ContainerDefinition| {
        c.port_mappings.iter().any(|pm| pm.container_port.value == h.container_port && pm.protocol == h.protocol)
    };
    let mapped: Vec<&str> = td
        .container_definitions
        .iter()
        .filter(|c| named(&c.name.value) && mapping(c))
        .map(|c| c.name.value.as_str())
        .collect();
    match mapped.as_slice() {
        [_] => {}
        [] => cx.err(
            loc,
            tr!(
                "expect-unmapped-port",
                "container port { $port } of task `{ $task }` has no port mapping, so it has no host port",
                port = pp,
                task = task
            ),
            tr!(
                "expect-unmapped-port-help",
                "add a portMappings entry for it in the task definition, or check `containerPort` and `protocol`"
            ),
        ),
        several => cx.err(
            loc,
            tr!(
                "expect-port-mapped-by-several",
                "several containers of task `{ $task }` map { $port }: { $names }",
                task = task,
                port = pp,
                names = names_list(several.iter().copied())
            ),
            tr!("expect-port-mapped-by-several-help", "say which with `container: NAME`"),
        ),
    }
}
