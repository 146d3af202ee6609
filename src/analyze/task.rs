//! A task's own network: an awsvpc task sending from its ENI (to itself, to the metadata endpoint
//! through ecs-bridge, or into the VPC) and receiving at it; a `none` task, which has only its
//! loopback. A host-mode task sends as its instance, a bridge task as its container.

use super::instance::Origin;
use super::walk::{Blocked, L4, Next, Onward, Walk};
use super::{Reason, container, instance, service};
use crate::model::{Container, ECS_BRIDGE_GW, IMDS_IP, METADATA_IP, Task};
use crate::scenario::{NetworkMode, Node};
use std::net::Ipv4Addr;

/// From task `t` (its container `container`, else its first one) to `dst`.
pub fn send<'a>(w: &mut Walk<'a>, t: &'a Task, container: Option<&str>, dst: Ipv4Addr) -> Onward<'a> {
    match t.mode {
        NetworkMode::Host => match t.instance() {
            Some(ii) => instance::send(w, ii, dst),
            None => Err(Blocked::refused(Reason::InvalidSource, format!("{} has no instance", Node::task(&t.name)))),
        },
        NetworkMode::Awsvpc => from_awsvpc(w, t, dst),
        NetworkMode::Bridge => container::send(w, t, sender(t, container)?, dst),
        NetworkMode::None => from_none(w, t, sender(t, container)?, dst),
    }
}

/// The container that sends: the one named, else the first.
fn sender<'a>(t: &'a Task, name: Option<&str>) -> Result<&'a Container, Blocked> {
    let i = name.and_then(|n| t.containers.iter().position(|c| c.name == n)).unwrap_or(0);
    // A task definition has at least one container (the scenario checks it).
    t.containers
        .get(i)
        .ok_or_else(|| Blocked::refused(Reason::InvalidSource, format!("{} has no container", Node::task(&t.name))))
}

/// The first container of task `t` that answers the flow.
fn listener<'a>(w: &Walk, t: &'a Task) -> Option<&'a Container> {
    t.containers.iter().find(|c| w.listens(&c.listen, c.command.is_some()))
}

/// An awsvpc task's routes, as the CNI plugins leave them: its own addresses (the ENI's, its
/// `ecs-eth0` address, loopback); /32 routes to 169.254.172.1 (the instance) and 169.254.170.2
/// through ecs-bridge; everything else through the ENI.
fn from_awsvpc<'a>(w: &mut Walk<'a>, t: &'a Task, dst: Ipv4Addr) -> Onward<'a> {
    let eni = t.eni.unwrap_or(0);
    let own = w.lab.enis[eni].ip;
    if dst == own || dst.is_loopback() || Some(dst) == t.bridge_ip {
        if w.l4 == L4::Icmp {
            return Ok(Next::answered(dst));
        }
        return match listener(w, t) {
            Some(c) => Ok(Next::served_by(Node::container(&t.name, &c.name), dst)),
            None => Err(Blocked::refused(Reason::NoListener, "nothing listens there in the task")),
        };
    }
    let bridge_ip = t.bridge_ip.unwrap_or(dst);
    let Some(ii) = t.instance() else { return from_fargate(w, t, bridge_ip, dst) };
    if dst == METADATA_IP {
        w.step("ecs-bridge", format!("{METADATA_IP} via {ECS_BRIDGE_GW} -> instance"), bridge_ip, dst);
        return service::task_metadata(w, bridge_ip);
    }
    if dst == ECS_BRIDGE_GW {
        w.step("ecs-bridge", format!("{ECS_BRIDGE_GW}/32 -> instance"), bridge_ip, dst);
        return instance::arrive(w, ii, Origin::Remote(bridge_ip), dst);
    }
    if dst == IMDS_IP && w.lab.instances[ii].agent_config.awsvpc_block_imds {
        w.step(Node::task(&t.name).to_string(), format!("blackhole {IMDS_IP}"), own, dst);
        return Err(Blocked::refused(
            Reason::ImdsBlocked,
            format!(
                "instance/{} runs its agent with ECS_AWSVPC_BLOCK_IMDS=true: awsvpc tasks have a blackhole route to {IMDS_IP}",
                w.lab.instances[ii].name
            ),
        ));
    }
    Ok(Next::LeaveEni { eni, dst })
}

/// A Fargate task's routes, as netlib leaves them: 169.254.170.2 (the Fargate agent's metadata
/// and credentials endpoints) through fargate-bridge to the microVM, a /32 to 169.254.172.1
/// (the microVM, where nothing else listens); the connected /22 deleted as on EC2, so
/// everything else leaves through the task ENI.
fn from_fargate<'a>(w: &mut Walk<'a>, t: &'a Task, bridge_ip: Ipv4Addr, dst: Ipv4Addr) -> Onward<'a> {
    let eni = t.eni.unwrap_or(0);
    if dst == METADATA_IP {
        w.step("fargate-bridge", format!("{METADATA_IP} via {ECS_BRIDGE_GW} -> microVM"), bridge_ip, dst);
        return service::fargate_metadata(w, bridge_ip);
    }
    if dst == ECS_BRIDGE_GW {
        w.step("fargate-bridge", format!("{ECS_BRIDGE_GW}/32 -> microVM"), bridge_ip, dst);
        if w.l4 == L4::Icmp {
            return Ok(Next::answered(dst));
        }
        return Err(Blocked::refused(Reason::NoListener, "nothing listens on the microVM's fargate-bridge address"));
    }
    Ok(Next::LeaveEni { eni, dst })
}

fn from_none<'a>(w: &mut Walk<'a>, t: &Task, c: &Container, dst: Ipv4Addr) -> Onward<'a> {
    if dst.is_loopback() {
        return container::receive(w, t, c, dst);
    }
    Err(Blocked::refused(
        Reason::NetworkModeNone,
        format!("{} has only a loopback interface: no route to {dst}", Node::task(&t.name)),
    ))
}

/// A packet from `src` arrives at awsvpc task `t`'s ENI, address `dst`.
pub fn arrive<'a>(w: &mut Walk<'a>, t: &Task, src: Ipv4Addr, dst: Ipv4Addr) -> Onward<'a> {
    if w.l4 == L4::Icmp {
        w.step(Node::task(&t.name).to_string(), "answers echo requests", src, dst);
        return Ok(Next::answered(src));
    }
    match listener(w, t) {
        Some(c) => Ok(Next::served_by(Node::container(&t.name, &c.name), src)),
        None => Err(Blocked::refused(
            Reason::NoListener,
            format!("no container of task/{} listens on {:?}", t.name, w.port),
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::{is, lab, tcp};
    use crate::scenario::Outcome;

    #[test]
    fn network_mode_none() {
        let none = lab("scenarios/05-none.yaml");
        assert_eq!(tcp(&none, "task/job", "instance/ecs-1:22"), is(Outcome::Refused, "NETWORK_MODE_NONE"));
        // As a destination, a `none` task has no address at all.
        let (o, c) = tcp(&none, "instance/ecs-1", "task/job:8080");
        assert_eq!((o, c.as_deref()), (None, Some("NETWORK_MODE_NONE")));
    }
}
