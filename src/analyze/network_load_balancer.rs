//! A network load balancer's node, as its kernel forwards a flow: the listener of the flow's
//! transport and port (none: dropped), the target group it forwards to, and the target the
//! flow's hash picks among the node's rotation: the healthy targets of its own availability
//! zone (of every enabled zone with cross-zone load balancing), all of them when none is
//! healthy (fail open; target-group-health-checks.html). The flow then leaves the node's ENI
//! with the client's address when the group preserves it (edit-target-group-attributes.html,
//! Client IP preservation), else with the node's private address, and the walk follows it
//! through the node's security groups (if any), the network ACLs, the routes and the target's
//! security groups. The analyzer's target is the first of the rotation; any flow may hash to
//! another of it ([`serving_set`]).

use super::Reason;
use super::load_balancer::health;
use super::walk::{Blocked, L4, Next, Onward, Walk};
use crate::model::Lab;
use crate::model::load_balancer::{Target, TargetGroup, in_rotation};
use crate::scenario::{Action, Listener, Node};
use std::net::Ipv4Addr;

/// A packet from `src` delivered to node ENI `eni` of network load balancer `x`.
pub fn arrive<'a>(w: &mut Walk<'a>, x: usize, eni: usize, src: Ipv4Addr) -> Onward<'a> {
    let lab = w.lab;
    let lb = &lab.load_balancers[x];
    let ip = lab.enis[eni].ip;
    let az = &lab.vpc.subnets[lab.enis[eni].subnet].az;
    let at = format!("{} (node in {az}, {ip})", lb.node_name());
    let Some(l) = listener(lb, w.l4, w.port) else {
        w.step(at, format!("{} has no listener there", lb.node_name()), src, ip);
        return Err(Blocked::timeout(
            Reason::NoListener,
            format!("{} forwards only its listeners' ports (TCP, UDP); anything else is dropped", lb.node_name()),
        ));
    };
    w.step(at, format!("listener {} :{}", l.protocol.as_str(), l.port.value), src, ip);
    let Some(g) = group(lab, l) else {
        return Err(Blocked::timeout(Reason::NoListener, format!("{}: no target group", lb.node_name())));
    };
    let (set, healthy) = rotation(lab, x, eni, g);
    let Some(t) = picked(lab, g, w.pick).filter(|t| set.iter().any(|s| std::ptr::eq(*s, *t))).or(set.first().copied())
    else {
        let why = if lb.cross_zone { "no target in use" } else { "no target in its availability zone" };
        w.step(lb.node_name(), format!("target group {}: {why}; the flow is dropped", g.name), src, ip);
        return Err(Blocked::timeout(
            Reason::NoListener,
            format!(
                "the node of {} in {az} has {why} (cross-zone load balancing off): it drops the flow",
                lb.node_name()
            ),
        ));
    };
    let state = if healthy { "healthy" } else { "none healthy: fails open" };
    let (from, seen) = if g.preserve_client_ip { (src, "client IP preserved") } else { (ip, "source NAT to the node") };
    let decision = format!("forward to target group {}: {} {}:{} ({state}), {seen}", g.name, t.node, t.ip, t.port);
    w.aim(Some(t.port));
    w.step(lb.node_name(), decision, from, t.ip);
    if from == t.ip {
        return Err(Blocked::timeout(
            Reason::NlbLoopback,
            format!(
                "{} receives a packet from its own address {from} and drops it (no loopback with the client IP preserved)",
                t.node
            ),
        ));
    }
    w.nlb_node = g.preserve_client_ip.then_some(eni);
    Ok(Next::Forward { eni, src: from, dst: t.ip })
}

/// The target `pick` names in group `g`, if it names one of it.
fn picked<'a>(lab: &Lab, g: &'a TargetGroup, pick: Option<super::load_balancer::Pick>) -> Option<&'a Target> {
    let (gi, ti) = pick?;
    let named = lab.target_groups.get(gi).is_some_and(|h| std::ptr::eq(h, g));
    named.then(|| ti.and_then(|ti| g.targets.get(ti))).flatten()
}

/// The listener of the flow's transport on `port`: TCP and TCP_UDP listeners take TCP, UDP
/// and TCP_UDP ones UDP.
fn listener(lb: &crate::model::load_balancer::LoadBalancer, l4: L4, port: Option<u16>) -> Option<&Listener> {
    let udp = match l4 {
        L4::Tcp => false,
        L4::Udp => true,
        L4::Icmp => return None,
    };
    lb.listeners.iter().find(|l| Some(l.port.value) == port && l.protocol.carries(udp))
}

/// The target group a listener's default action forwards to.
fn group<'a>(lab: &'a Lab, l: &Listener) -> Option<&'a TargetGroup> {
    let Some(Action::Forward(w)) = l.default_actions.first() else { return None };
    let name = &w.first()?.target_group.value;
    lab.target_groups.iter().find(|g| g.name == *name)
}

/// The targets node `eni` of load balancer `x` hashes flows onto, and whether they are
/// healthy: the healthy ones in its rotation, else (fail open) its whole rotation.
pub fn rotation<'a>(lab: &Lab, x: usize, eni: usize, g: &'a TargetGroup) -> (Vec<&'a Target>, bool) {
    let lb = &lab.load_balancers[x];
    let az = &lab.vpc.subnets[lab.enis[eni].subnet].az;
    let w = (lab.enis.as_slice(), lab.vpc.subnets.as_slice());
    // In rotation is in use: `unused` here is a target not registered. Each health once.
    let seen: Vec<(&Target, &str)> = g
        .targets
        .iter()
        .filter(|t| in_rotation(lb, g, t, az, w))
        .map(|t| (t, health(lab, x, g, t).0))
        .filter(|(_, s)| *s != "unused")
        .collect();
    super::load_balancer::split_healthy(seen)
}

/// The nodes that may serve a flow to load balancer `x` on `port` (of the probe's transport)
/// at its first node (where its DNS name's first address leads): that node's rotation.
pub fn serving_set(lab: &Lab, x: usize, port: u16, udp: bool) -> Vec<Node> {
    let Some(lb) = lab.load_balancers.get(x) else { return vec![] };
    let l4 = if udp { L4::Udp } else { L4::Tcp };
    let (Some(l), Some(&eni)) = (listener(lb, l4, Some(port)), lb.nodes.first()) else { return vec![] };
    let Some(g) = group(lab, l) else { return vec![] };
    rotation(lab, x, eni, g).0.into_iter().map(|t| t.node.clone()).collect()
}

/// Every target a flow to load balancer `x` on `port` may hash to at its first node (where
/// the DNS name's first address leads), as `Walk::pick`s: the analyzer's walk takes the first
/// of the node's rotation, a flow of another source port may take any of it.
pub fn flow_picks(lab: &Lab, x: usize, port: u16, udp: bool) -> Vec<super::load_balancer::Pick> {
    let Some(lb) = lab.load_balancers.get(x) else { return vec![] };
    let l4 = if udp { L4::Udp } else { L4::Tcp };
    let (Some(l), Some(&eni)) = (listener(lb, l4, Some(port)), lb.nodes.first()) else { return vec![] };
    let Some(g) = group(lab, l) else { return vec![] };
    let Some(gi) = lab.target_groups.iter().position(|h| std::ptr::eq(h, g)) else { return vec![] };
    let set = rotation(lab, x, eni, g).0;
    set.iter().filter_map(|t| g.targets.iter().position(|u| std::ptr::eq(u, *t))).map(|ti| (gi, Some(ti))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testing::{is, lab, tcp};
    use crate::scenario::{Outcome, ProbeProto};

    #[test]
    fn ip_targets_see_the_node_instance_targets_and_udp_the_client() {
        let l = lab("scenarios/27-nlb.yaml");
        let to = Node::NetworkLoadBalancer("web".into());
        let go = |port, proto| crate::analyze::analyze(&l, &Node::Internet, &to, Some(port), proto, None);
        let node_ip = l.enis[l.load_balancers[0].nodes[0]].ip;
        let a = go(80, ProbeProto::Tcp);
        assert_eq!((a.outcome, a.source_seen), (Some(Outcome::Connected), Some(node_ip)), "{a:?}");
        let b = go(8080, ProbeProto::Tcp);
        assert_eq!((b.served_by, b.source_seen), (Some(Node::container("web-1", "app")), Some(l.internet.client)));
        let u = go(53, ProbeProto::Udp);
        assert_eq!((u.outcome, u.source_seen), (Some(Outcome::Connected), Some(l.internet.client)), "{u:?}");
        assert_eq!(go(53, ProbeProto::Tcp).outcome, Some(Outcome::Timeout), "no TCP listener on 53");
        assert_eq!(serving_set(&l, 0, 80, false), vec![Node::task("web-a")]);
        // Cross-zone off: the node in ap-northeast-1c has no target in its zone.
        let g = &l.target_groups[0];
        assert!(rotation(&l, 0, l.load_balancers[0].nodes[1], g).0.is_empty());
        assert_eq!(tcp(&l, "internet", "198.51.100.3:80"), is(Outcome::Timeout, "NO_LISTENER"));
    }

    /// An internal NLB's instance target asking the NLB itself with the client IP preserved:
    /// the flow comes back to it from its own address and times out, as AWS documents
    /// (load-balancer-troubleshooting.html#loopback-timeout); with the node's address it passes.
    /// Found on packets by a lab of the differential's NLB draws (internal scenario 27).
    #[test]
    fn a_target_reaching_itself_with_its_ip_preserved_times_out() {
        let y = std::fs::read_to_string("scenarios/27-nlb.yaml").unwrap_or_default();
        let y = y.replace("scheme: internet-facing", "scheme: internal");
        let y = y.split("\nexpect:").next().unwrap_or_default().to_string();
        let s = crate::scenario::load_str(std::path::Path::new("nlb.yaml"), &y).expect("loads");
        let l = crate::model::build(&s).expect("builds");
        let to = Node::NetworkLoadBalancer("web".into());
        let go = |from: &Node| crate::analyze::analyze(&l, from, &to, Some(8080), ProbeProto::Tcp, None);
        let a = go(&Node::task("web-1"));
        assert_eq!((a.outcome, a.code), (Some(Outcome::Timeout), Some(Reason::NlbLoopback)), "{a:?}");
        assert_eq!(go(&Node::task("web-a")).outcome, Some(Outcome::Connected));
    }

    /// A walk given a pick of the node's rotation forwards to that target; a pick outside it
    /// (another group, another zone) is ignored.
    #[test]
    fn a_pick_of_the_rotation_is_walked_to() {
        let l = lab("scenarios/27-nlb.yaml");
        let to = Node::NetworkLoadBalancer("web".into());
        assert_eq!(flow_picks(&l, 0, 8080, false), vec![(1, Some(0))]);
        assert_eq!(flow_picks(&l, 0, 81, false), vec![]);
        let a = crate::analyze::analyze_pick(&l, (&Node::Internet, &to), Some(8080), "/", (1, Some(0)));
        assert_eq!(a.served_by, Some(Node::container("web-1", "app")), "{a:?}");
        let b = crate::analyze::analyze_pick(&l, (&Node::Internet, &to), Some(80), "/", (1, Some(0)));
        assert_eq!(b.served_by, Some(Node::container("web-a", "app")), "{b:?}");
    }
}
