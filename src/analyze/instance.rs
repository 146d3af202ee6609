//! A container instance: packets it sends (itself or a host-mode task), packets arriving at one
//! of its own addresses (echo, a bridge container's published port, a host-mode task listening),
//! and docker0, the bridge of its bridge containers, local to each instance.

use super::walk::{Blocked, L4, Next, Onward, Walk};
use super::{Reason, service};
use crate::model::{Container, DOCKER0_GW, DOCKER0_PREFIX, METADATA_IP, PortBinding, Task};
use crate::scenario::{NetworkMode, Node};
use std::net::Ipv4Addr;

/// Whether `ip` is on docker0 (172.17.0.0/16): the same addresses on every instance.
pub fn in_docker0(ip: Ipv4Addr) -> bool {
    let mask = u32::MAX << (32 - DOCKER0_PREFIX);
    u32::from(ip) & mask == u32::from(DOCKER0_GW) & mask
}

/// From instance `ii` (or a host-mode task on it) to `dst`.
pub fn send<'a>(w: &mut Walk<'a>, ii: usize, dst: Ipv4Addr) -> Onward<'a> {
    let lab = w.lab;
    let own = lab.instance_ip(&lab.instances[ii]);
    if dst == own || dst.is_loopback() || dst == DOCKER0_GW {
        return arrive(w, ii, own, dst);
    }
    if dst == METADATA_IP {
        return service::task_metadata(w, own);
    }
    if in_docker0(dst) {
        return docker0(w, ii, DOCKER0_GW, dst);
    }
    Ok(Next::LeaveEni { eni: lab.instances[ii].eni, dst })
}

/// A packet arrives in instance `ii`'s namespace addressed to one of its own addresses.
pub fn arrive<'a>(w: &mut Walk<'a>, ii: usize, src: Ipv4Addr, dst: Ipv4Addr) -> Onward<'a> {
    let lab = w.lab;
    let inst = &lab.instances[ii];
    if w.l4 == L4::Icmp {
        w.step(Node::instance(&inst.name).to_string(), "answers echo requests", src, dst);
        return Ok(Next::answered(src));
    }
    let (Some(port), Some(proto)) = (w.port, w.proto) else {
        return Err(Blocked::refused(Reason::NoListener, "no port"));
    };
    // The first task of the instance, in the lab's order, that answers on the port: a bridge
    // container publishing it, or a host-mode container listening on it.
    for t in lab.tasks.iter().filter(|t| t.instance == ii && t.placement.is_ok()) {
        for c in &t.containers {
            match t.mode {
                NetworkMode::Bridge => {
                    if let Some(b) = c.ports.iter().find(|b| b.host_port == Some(port) && b.proto == proto) {
                        return Ok(port_mapping(w, t, c, port, b, src));
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
        lab.tasks.iter().filter(|t| t.instance == ii && t.mode == NetworkMode::Awsvpc && t.placement.is_ok()).find(
            |t| t.containers.iter().any(|c| c.ports.iter().any(|b| b.container_port == port && b.proto == proto)),
        );
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

/// Docker's port mapping on the instance: `host_port`, published by binding `b` of bridge
/// container `c` of task `t`, DNATed to the container's address and port.
fn port_mapping<'a>(
    w: &mut Walk,
    t: &'a Task,
    c: &'a Container,
    host_port: u16,
    b: &PortBinding,
    src: Ipv4Addr,
) -> Next<'a> {
    let cip = c.ip.unwrap_or(Ipv4Addr::UNSPECIFIED);
    let decision = format!("docker: {host_port}/{} -> {cip}:{} (task/{})", b.proto, b.container_port, t.name);
    // After the DNAT the container is reached on its own port; a container of this instance
    // comes back in on docker0, masqueraded.
    w.port = Some(b.container_port);
    w.step(format!("{} port mapping", Node::instance(&w.lab.instances[t.instance].name)), decision, src, cip);
    let seen = if in_docker0(src) { DOCKER0_GW } else { src };
    Next::Container { task: t, container: c, src: seen }
}

/// On instance `ii`'s docker0, from `src` to `dst`: a bridge container of that instance, or
/// nothing (docker0 addresses are not routed between instances).
pub fn docker0<'a>(w: &mut Walk<'a>, ii: usize, src: Ipv4Addr, dst: Ipv4Addr) -> Onward<'a> {
    let lab = w.lab;
    let name = &lab.instances[ii].name;
    for t in lab.tasks.iter().filter(|t| t.instance == ii && t.mode == NetworkMode::Bridge && t.placement.is_ok()) {
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
    fn no_listener() {
        let b = lab("scenarios/03-bridge.yaml");
        assert_eq!(tcp(&b, "instance/ecs-2", "instance/ecs-1:9000"), is(Outcome::Refused, "NO_LISTENER"));
    }

    #[test]
    fn docker0_is_172_17_0_0_16() {
        assert!(in_docker0(Ipv4Addr::new(172, 17, 0, 1)));
        assert!(in_docker0(Ipv4Addr::new(172, 17, 255, 254)));
        assert!(!in_docker0(Ipv4Addr::new(172, 18, 0, 1)));
        assert!(!in_docker0(Ipv4Addr::new(10, 17, 0, 1)));
    }
}
