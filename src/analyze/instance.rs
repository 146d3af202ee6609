//! A container instance: packets it sends (itself or a host-mode task), packets arriving at one
//! of its own addresses (echo, a bridge container's published port, a host-mode task listening,
//! the agent on 127.0.0.1), docker0, the bridge of its bridge containers, and ecs-bridge, the
//! bridge of its awsvpc tasks' `ecs-eth0`: both local to each instance.

use super::walk::{Blocked, L4, Next, Onward, Walk};
use super::{Reason, service};
use crate::model::{Container, ECS_BRIDGE_GW, ECS_BRIDGE_PREFIX, Lab, METADATA_IP};
use crate::model::{INTROSPECTION_PORT, PortBinding, TMDS_LISTEN_PORT, Task};
use crate::scenario::{NetworkMode, Node, Proto};
use std::net::Ipv4Addr;

fn in_prefix(ip: Ipv4Addr, net: Ipv4Addr, prefix: u8) -> bool {
    let mask = u32::MAX << (32 - prefix);
    u32::from(ip) & mask == u32::from(net) & mask
}

/// Whether `ip` is on ecs-bridge (169.254.172.0/22): the same addresses on every instance.
pub fn in_ecs_bridge(ip: Ipv4Addr) -> bool {
    in_prefix(ip, ECS_BRIDGE_GW, ECS_BRIDGE_PREFIX)
}

/// Whether `ip` is one of instance `ii`'s own addresses: its ENI's, loopback, docker0's, and
/// ecs-bridge's when an awsvpc task created it.
pub fn is_own(lab: &Lab, ii: usize, ip: Ipv4Addr) -> bool {
    ip == lab.instance_ip(&lab.instances[ii])
        || ip.is_loopback()
        || ip == lab.instances[ii].docker0_gw()
        || (ip == ECS_BRIDGE_GW && lab.has_ecs_bridge(ii))
}

/// Where a packet to one of the instance's own addresses comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The instance itself (or a host-mode task): its source is the address it is sent to.
    Local,
    /// Another namespace (a container, an awsvpc task, the VPC), from this address.
    Remote(Ipv4Addr),
}

/// From instance `ii` (or a host-mode task on it) to `dst`.
pub fn send<'a>(w: &mut Walk<'a>, ii: usize, dst: Ipv4Addr) -> Onward<'a> {
    let lab = w.lab;
    if is_own(lab, ii, dst) {
        return arrive(w, ii, Origin::Local, dst);
    }
    if dst == METADATA_IP {
        return service::task_metadata(w, lab.instance_ip(&lab.instances[ii]));
    }
    let inst = &lab.instances[ii];
    if inst.in_docker0(dst) {
        return docker0(w, ii, inst.docker0_gw(), dst);
    }
    if in_ecs_bridge(dst) && lab.has_ecs_bridge(ii) {
        return ecs_bridge(w, ii, ECS_BRIDGE_GW, dst);
    }
    Ok(Next::LeaveEni { eni: lab.instances[ii].eni, dst })
}

/// A packet arrives in instance `ii`'s namespace addressed to `dst`, one of its own addresses.
pub fn arrive<'a>(w: &mut Walk<'a>, ii: usize, origin: Origin, dst: Ipv4Addr) -> Onward<'a> {
    let lab = w.lab;
    let inst = &lab.instances[ii];
    // What a listener of the instance sees: a local sender uses the address it sends to.
    let src = match origin {
        Origin::Local => dst,
        Origin::Remote(src) => src,
    };
    if w.l4 == L4::Icmp {
        w.step(Node::instance(&inst.name).to_string(), "answers echo requests", src, dst);
        return Ok(Next::answered(src));
    }
    let (Some(port), Some(proto)) = (w.port, w.proto) else {
        return Err(Blocked::refused(Reason::NoListener, "no port"));
    };
    // The agent's task metadata endpoint listens on 127.0.0.1 only.
    if dst.is_loopback() && port == TMDS_LISTEN_PORT && proto == Proto::Tcp {
        w.step(Node::instance(&inst.name).to_string(), format!("the ECS agent listens on {dst}:{port}"), src, dst);
        return Ok(Next::served_by(Node::Metadata, src));
    }
    if port == INTROSPECTION_PORT && proto == Proto::Tcp {
        return introspection(w, ii, origin, src, dst);
    }
    // The first task of the instance, in the lab's order, that answers on the port: a bridge
    // container publishing it, or a host-mode container listening on it.
    for t in lab.tasks.iter().filter(|t| t.on_instance(ii) && t.is_running()) {
        for c in &t.containers {
            match t.mode {
                NetworkMode::Bridge => {
                    if let Some(b) = c.ports.iter().find(|b| b.host_port == Some(port) && b.proto == proto) {
                        return Ok(port_mapping(w, (ii, t), c, port, b, origin, dst));
                    }
                }
                NetworkMode::Host if w.listens(&c.listen, c.command.is_some()) => {
                    w.step(format!("{} (host network)", Node::task(&t.name)), "listening on the instance", src, dst);
                    return Ok(Next::served_by(Node::container(&t.name, &c.name), src));
                }
                _ => {}
            }
        }
    }
    let awsvpc_listener =
        lab.tasks.iter().filter(|t| t.on_instance(ii) && t.mode == NetworkMode::Awsvpc && t.is_running()).find(|t| {
            t.containers.iter().any(|c| c.ports.iter().any(|b| b.container_port == port && b.proto == proto))
        });
    if let Some(t) = awsvpc_listener {
        return Err(Blocked::refused(
            Reason::AwsvpcPortNotPublishedOnHost,
            format!(
                "{} listens on {port}/{proto} at its own ENI; awsvpc ports are not published on the instance",
                Node::task(&t.name)
            ),
        ));
    }
    Err(Blocked::refused(Reason::NoListener, format!("nothing listens on {port}/{proto} on instance/{}", inst.name)))
}

/// The agent's introspection API, on every address of the instance; ecs-init lets it be reached
/// only over loopback and docker0 unless ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS.
fn introspection<'a>(w: &mut Walk<'a>, ii: usize, origin: Origin, src: Ipv4Addr, dst: Ipv4Addr) -> Onward<'a> {
    let inst = &w.lab.instances[ii];
    let via = match origin {
        Origin::Local => "lo",
        Origin::Remote(from) if inst.in_docker0(from) => "docker0",
        Origin::Remote(from) if in_ecs_bridge(from) => "ecs-bridge",
        Origin::Remote(_) => "eth0",
    };
    let node = Node::instance(&inst.name);
    if matches!(via, "lo" | "docker0") || inst.agent_config.offhost_introspection {
        w.step(
            format!("{node} ECS agent"),
            format!("introspection listens on :{INTROSPECTION_PORT} (in on {via})"),
            src,
            dst,
        );
        return Ok(Next::served_by(node, src));
    }
    Err(Blocked::timeout(
        Reason::OffhostIntrospectionBlocked,
        format!(
            "ecs-init drops {INTROSPECTION_PORT}/tcp that comes in on {via} of {node}: the agent's introspection API answers loopback and docker0 only (ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS=false)"
        ),
    ))
}

/// Docker's port mapping on the instance: `host_port` on local address `dst`, published by
/// binding `b` of bridge container `c` of task `t`, DNATed to the container's address and port.
fn port_mapping<'a>(
    w: &mut Walk,
    (ii, t): (usize, &'a Task),
    c: &'a Container,
    host_port: u16,
    b: &PortBinding,
    origin: Origin,
    dst: Ipv4Addr,
) -> Next<'a> {
    let cip = c.ip.unwrap_or(Ipv4Addr::UNSPECIFIED);
    // Only tasks of an instance publish host ports; `ii` is the one that maps it.
    let inst = &w.lab.instances[ii];
    let decision = format!("docker: {host_port}/{} -> {cip}:{} (task/{})", b.proto, b.container_port, t.name);
    // After the DNAT the container is reached on its own port. It sees docker0's address when
    // the packet comes back in on docker0 (a container of this instance, masqueraded) and when
    // docker-proxy answers on 127.0.0.1; else the sender's address.
    let seen = match origin {
        Origin::Local if dst.is_loopback() => inst.docker0_gw(),
        Origin::Local => dst,
        Origin::Remote(src) if inst.in_docker0(src) => inst.docker0_gw(),
        Origin::Remote(src) => src,
    };
    let src = match origin {
        Origin::Local => dst,
        Origin::Remote(src) => src,
    };
    w.port = Some(b.container_port);
    w.step(format!("{} port mapping", Node::instance(&inst.name)), decision, src, cip);
    Next::Container { task: t, container: c, src: seen }
}

/// On instance `ii`'s docker0, from `src` to `dst`: a bridge container of that instance, or
/// nothing (docker0 addresses are not routed between instances).
pub fn docker0<'a>(w: &mut Walk<'a>, ii: usize, src: Ipv4Addr, dst: Ipv4Addr) -> Onward<'a> {
    let lab = w.lab;
    let name = &lab.instances[ii].name;
    for t in lab.tasks.iter().filter(|t| t.on_instance(ii) && t.mode == NetworkMode::Bridge && t.is_running()) {
        if let Some(c) = t.containers.iter().find(|c| c.ip == Some(dst)) {
            w.step(
                format!("{} docker0", Node::instance(name)),
                format!("{dst} is task/{}/{}", t.name, c.name),
                src,
                dst,
            );
            if w.l4 == L4::Icmp {
                return Ok(Next::answered(src));
            }
            return Ok(Next::Container { task: t, container: c, src });
        }
    }
    Err(Blocked::timeout(
        Reason::NoRouteToDestination,
        format!("no container on instance/{name}'s docker0 has {dst} (docker0 addresses are local to each instance)"),
    ))
}

/// On instance `ii`'s ecs-bridge, from `src` (169.254.172.1, the instance's own address there)
/// to `dst`: the `ecs-eth0` of an awsvpc task of that instance, reached without any security
/// group (the task answers through its /32 route to 169.254.172.1), or nothing.
pub fn ecs_bridge<'a>(w: &mut Walk<'a>, ii: usize, src: Ipv4Addr, dst: Ipv4Addr) -> Onward<'a> {
    let lab = w.lab;
    let name = &lab.instances[ii].name;
    let on_bridge = |t: &&Task| t.on_instance(ii) && t.mode == NetworkMode::Awsvpc && t.is_running();
    let Some(t) = lab.tasks.iter().filter(on_bridge).find(|t| t.bridge_ip == Some(dst)) else {
        return Err(Blocked::timeout(
            Reason::NoRouteToDestination,
            format!(
                "no task on instance/{name}'s ecs-bridge has {dst} (ecs-bridge addresses are local to each instance)"
            ),
        ));
    };
    let task = Node::task(&t.name);
    w.step(
        format!("{} ecs-bridge", Node::instance(name)),
        format!("{dst} is {task}'s ecs-eth0 (no security group)"),
        src,
        dst,
    );
    if w.l4 == L4::Icmp {
        return Ok(Next::answered(src));
    }
    match t.containers.iter().find(|c| w.listens(&c.listen, c.command.is_some())) {
        Some(c) => Ok(Next::served_by(Node::container(&t.name, &c.name), src)),
        None => Err(Blocked::refused(Reason::NoListener, format!("no container of {task} listens on {:?}", w.port))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testing::{code, is, lab, tcp};
    use crate::scenario::{Outcome, ProbeProto, Via};

    #[test]
    fn awsvpc_port_not_published_on_host() {
        let l = lab("scenarios/01-bridge-vs-awsvpc.yaml");
        assert_eq!(
            tcp(&l, "internet", "instance/ecs-2@public:3000"),
            is(Outcome::Refused, "AWSVPC_PORT_NOT_PUBLISHED_ON_HOST")
        );
        // Asked for through the host port, the destination does not even resolve.
        let (o, c) = code(&l, "instance/ecs-1", "task/web-awsvpc:3000", ProbeProto::Tcp, Some(Via::HostPort));
        assert_eq!((o, c.as_deref()), (None, Some("AWSVPC_PORT_NOT_PUBLISHED_ON_HOST")));
    }

    #[test]
    fn introspection_from_loopback_and_docker0_only() {
        let l = lab("scenarios/14-instance-metadata.yaml");
        let ok = (Some(Outcome::Connected), None);
        assert_eq!(tcp(&l, "instance/open", "127.0.0.1:51678"), ok);
        assert_eq!(tcp(&l, "task/host-open", "instance/open:51678"), ok);
        assert_eq!(tcp(&l, "task/bridge-open", "instance/open:51678"), ok);
        assert_eq!(
            tcp(&l, "task/vpc-open", "169.254.172.1:51678"),
            is(Outcome::Timeout, "OFFHOST_INTROSPECTION_BLOCKED")
        );
    }

    #[test]
    fn no_listener() {
        let b = lab("scenarios/03-bridge.yaml");
        assert_eq!(tcp(&b, "instance/ecs-2", "instance/ecs-1:9000"), is(Outcome::Refused, "NO_LISTENER"));
    }

    #[test]
    fn bridges_are_local_to_each_instance() {
        assert!(in_ecs_bridge(Ipv4Addr::new(169, 254, 172, 1)));
        assert!(in_ecs_bridge(Ipv4Addr::new(169, 254, 175, 254)));
        assert!(!in_ecs_bridge(Ipv4Addr::new(169, 254, 170, 2)));
        let l = lab("scenarios/01-bridge-vs-awsvpc.yaml");
        // ecs-1 and ecs-2 run awsvpc tasks, ecs-3 does not: no ecs-bridge there.
        assert!(is_own(&l, 0, ECS_BRIDGE_GW) && !is_own(&l, 2, ECS_BRIDGE_GW));
        assert!(is_own(&l, 2, Ipv4Addr::new(172, 17, 0, 1)) && is_own(&l, 2, Ipv4Addr::LOCALHOST));
    }

    #[test]
    fn docker0_is_172_17_0_0_16() {
        let l = lab("scenarios/01-bridge-vs-awsvpc.yaml");
        let i = &l.instances[0];
        assert!(i.in_docker0(Ipv4Addr::new(172, 17, 0, 1)));
        assert!(i.in_docker0(Ipv4Addr::new(172, 17, 255, 254)));
        assert!(!i.in_docker0(Ipv4Addr::new(172, 18, 0, 1)));
        assert!(!i.in_docker0(Ipv4Addr::new(10, 17, 0, 1)));
    }
}
