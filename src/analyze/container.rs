//! A container: receiving a packet (something listens on the port, or nothing does), and a
//! bridge container sending from its docker0 address: to itself, to the metadata endpoint, to
//! another container on docker0, to its own instance, to an awsvpc task's `ecs-eth0` on the
//! instance's ecs-bridge, or out through the instance's ENI; masqueraded whenever it leaves
//! docker0 (Docker's `-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE`).

use super::instance::Origin;
use super::walk::{Blocked, Next, Onward, Walk};
use super::{Reason, instance, service};
use crate::model::{Container, ECS_BRIDGE_GW, IMDS_IP, METADATA_IP, Task};
use crate::scenario::Node;
use std::net::Ipv4Addr;

/// A packet from `src` at container `c` of task `t`, on the walk's port.
pub fn receive<'a>(w: &Walk, t: &Task, c: &Container, src: Ipv4Addr) -> Onward<'a> {
    let node = Node::container(&t.name, &c.name);
    if w.listens(&c.listen, c.command.is_some()) {
        Ok(Next::served_by(node, src))
    } else {
        Err(Blocked::refused(Reason::NoListener, format!("{node} does not listen on {:?}/{:?}", w.port, w.proto)))
    }
}

/// From bridge container `c` of task `t` to `dst`.
pub fn send<'a>(w: &mut Walk<'a>, t: &Task, c: &Container, dst: Ipv4Addr) -> Onward<'a> {
    let lab = w.lab;
    let own = c.ip.unwrap_or(Ipv4Addr::UNSPECIFIED);
    if dst == own || dst.is_loopback() {
        return receive(w, t, c, if dst.is_loopback() { dst } else { own });
    }
    if dst == METADATA_IP {
        return service::task_metadata(w, own);
    }
    // A bridge container runs on an instance (Fargate is awsvpc only).
    let Some(ii) = t.instance() else {
        return Err(Blocked::refused(Reason::InvalidSource, format!("{} has no instance", Node::task(&t.name))));
    };
    let inst = &lab.instances[ii];
    if inst.in_docker0(dst) && dst != inst.docker0_gw() {
        return instance::docker0(w, ii, own, dst);
    }
    if instance::is_own(lab, ii, dst) {
        return instance::arrive(w, ii, Origin::Remote(own), dst);
    }
    if instance::in_ecs_bridge(dst) && lab.has_ecs_bridge(ii) {
        let masq = format!("docker: masquerade {own} -> {ECS_BRIDGE_GW}");
        w.step(Node::instance(&inst.name).to_string(), masq, ECS_BRIDGE_GW, dst);
        return instance::ecs_bridge(w, ii, ECS_BRIDGE_GW, dst);
    }
    if dst == IMDS_IP && inst.block_imds_from_bridge {
        w.step(
            format!("{} DOCKER-USER", Node::instance(&inst.name)),
            format!("-i docker+ -d {IMDS_IP} DROP"),
            own,
            dst,
        );
        return Err(Blocked::timeout(
            Reason::ImdsBlocked,
            format!(
                "instance/{} drops what bridge containers send to {IMDS_IP} (the DOCKER-USER rule AWS documents)",
                inst.name
            ),
        ));
    }
    let inst_ip = lab.instance_ip(inst);
    w.step(Node::instance(&inst.name).to_string(), format!("docker: masquerade {own} -> {inst_ip}"), inst_ip, dst);
    Ok(Next::LeaveEni { eni: inst.eni, dst })
}
