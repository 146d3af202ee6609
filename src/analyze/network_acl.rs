//! Network ACLs: stateless, by rule number, implicit deny, per subnet. A packet crossing from one
//! subnet to another meets the first's outbound rules and the second's inbound rules, and so does
//! its reply on the way back: a reply to the client's ephemeral port, an echo reply, a TCP reset
//! or the ICMP error that refuses a UDP datagram, whichever the flow gets.

use super::Reason;
use super::walk::{Blocked, Dir, DropSite, L4, Served, Walk, flow, rule_traffic, who};
use crate::model::Lab;
use crate::model::network_acl as acl_model;
use crate::scenario::{AclAction, AclRule};
use std::net::Ipv4Addr;

/// The client's ephemeral ports (Linux default ip_local_port_range): what a reply is sent to,
/// and what a stateless ACL must let back.
const EPHEMERAL: (u16, u16) = (32768, 60999);

/// A network ACL's decision for one packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclDecision {
    pub allowed: bool,
    /// The ACL, or None for the default ACL (allows all).
    pub acl: Option<String>,
    /// The rule number that decided; None for the implicit deny (`*`) or the default ACL.
    pub rule: Option<u32>,
}

/// The subnet's ACL on one packet: inbound packets are matched on their source, outbound on
/// their destination; `port` is the packet's destination port (what AWS matches).
pub fn nacl(lab: &Lab, subnet: usize, dir: Dir, peer: Ipv4Addr, l4: L4, port: Option<u16>) -> AclDecision {
    let Some(sn) = lab.vpc.subnets.get(subnet) else { return AclDecision { allowed: true, acl: None, rule: None } };
    let Some(acl) = lab.vpc.network_acls.iter().find(|a| a.subnets.iter().any(|s| s.value == sn.name)) else {
        return AclDecision { allowed: true, acl: None, rule: None };
    };
    let mut rules: Vec<_> = match dir {
        Dir::Ingress => acl.ingress.iter().collect(),
        Dir::Egress => acl.egress.iter().collect(),
    };
    rules.sort_by_key(|r| r.rule_number);
    for r in rules {
        if r.cidr_block.contains(peer) && l4.matches(r.protocol, r.ports, port) {
            return AclDecision {
                allowed: r.rule_action == AclAction::Allow,
                acl: Some(acl.name.value.clone()),
                rule: Some(r.rule_number),
            };
        }
    }
    AclDecision { allowed: false, acl: Some(acl.name.value.clone()), rule: None }
}

/// The ACLs of a crossing from subnet `from` to subnet `to`, for the request `src -> dst` and
/// for its replies. None is the internet side, which has no ACL.
pub fn crossing(
    w: &mut Walk,
    from: Option<usize>,
    to: Option<usize>,
    src: Ipv4Addr,
    dst: Ipv4Addr,
) -> Result<(), Blocked> {
    if from.is_some() && from == to {
        return Ok(()); // Traffic inside one subnet is not evaluated by its ACL.
    }
    let (l4, port) = (w.l4, w.port);
    if let Some(from) = from {
        check(w, from, Dir::Egress, l4, (src, dst, port), ("request", port))?;
    }
    if let Some(to) = to {
        check(w, to, Dir::Ingress, l4, (src, dst, port), ("request", port))?;
    }
    // The reply, from `dst` back to `src`, crosses the other way, once the flow's end says what
    // the reply is.
    if let Some(to) = to {
        w.reply_crosses(to, Dir::Egress, (dst, src));
    }
    if let Some(from) = from {
        w.reply_crosses(from, Dir::Ingress, (dst, src));
    }
    Ok(())
}

/// What comes back of a flow that ended as `end`, through the ACLs its request crossed, last
/// crossed first: what it sends back must pass them too, or the client sees nothing.
pub fn replies(w: &mut Walk, end: Result<Served, Blocked>) -> Result<Served, Blocked> {
    let back = match (&end, w.l4) {
        // An echo reply, or the ICMP error that refuses a UDP datagram: no ports.
        (Ok(_), L4::Icmp) => Some((L4::Icmp, "reply")),
        (Err(b), L4::Udp) if b.outcome == crate::scenario::Outcome::Refused => Some((L4::Icmp, "ICMP error")),
        // A reply, or a TCP reset, to the client's ephemeral port.
        (Ok(_), l4) => Some((l4, "reply")),
        (Err(b), L4::Tcp) if b.outcome == crate::scenario::Outcome::Refused => Some((L4::Tcp, "reset")),
        _ => None,
    };
    let Some((l4, label)) = back else { return end };
    for (subnet, dir, (src, dst), server_port) in w.take_replies().into_iter().rev() {
        let label = (label, server_port);
        if l4 == L4::Icmp {
            check(w, subnet, dir, l4, (src, dst, None), label)?;
        } else {
            // The client's port is any of the range: the stateless ACL must let all of it through,
            // checked at both of its ends.
            check(w, subnet, dir, l4, (src, dst, Some(EPHEMERAL.0)), label)?;
            check(w, subnet, dir, l4, (src, dst, Some(EPHEMERAL.1)), label)?;
        }
    }
    end
}

/// A rule as the console lists it: `rule 100: allow tcp 443 from 0.0.0.0/0`.
fn describe(r: &AclRule, dir: Dir) -> String {
    let proto = rule_traffic(r.protocol, r.ports);
    let action = if r.rule_action == AclAction::Allow { "allow" } else { "deny" };
    let side = if dir == Dir::Ingress { "from" } else { "to" };
    format!("rule {}: {action} {proto} {side} {}", r.rule_number, r.cidr_block)
}

/// One subnet ACL on the packet `src -> dst:port` of transport `l4`, inbound (matched on its
/// source) or outbound (on its destination). A subnet with the default ACL records no step.
fn check(
    w: &mut Walk,
    subnet: usize,
    dir: Dir,
    l4: L4,
    (src, dst, port): (Ipv4Addr, Ipv4Addr, Option<u16>),
    (label, server_port): (&str, Option<u16>),
) -> Result<(), Blocked> {
    let peer = if dir == Dir::Ingress { src } else { dst };
    let lab = w.lab;
    let d = nacl(lab, subnet, dir, peer, l4, port);
    let Some(acl_name) = d.acl else { return Ok(()) };
    let sn = &lab.vpc.subnets[subnet].name;
    let dirs = if dir == Dir::Ingress { "inbound" } else { "outbound" };
    let acl = lab.vpc.network_acls.iter().find(|a| a.name.value == acl_name);
    let rules = acl.map(|a| if dir == Dir::Ingress { &a.ingress } else { &a.egress });
    let rule = match d.rule.and_then(|n| rules.and_then(|rs| rs.iter().find(|r| r.rule_number == n))) {
        Some(r) => describe(r, dir),
        None => "rule * (implicit deny): deny".to_string(),
    };
    let component = format!("subnet {sn} ACL ({label}, {dirs})");
    w.step_on(component, format!("nacl/{acl_name} {rule}"), src, dst, port);
    if d.allowed {
        return Ok(());
    }
    let what = format!("{} from {} to {}", flow(l4, port), who(lab, src), who(lab, dst));
    let reply = label != "request";
    let site = DropSite {
        ns: lab.vpc.router_ns.clone(),
        prefix: acl_model::drop_log_prefix(&lab.vpc.subnets[subnet].id, dir == Dir::Ingress, d.rule),
        src,
        dst,
        port: server_port,
        reply,
    };
    let blocked = Blocked::timeout(
        Reason::SubnetAclRestriction,
        format!("nacl/{acl_name} of subnet {sn} denies the {label} {dirs}, {what} ({rule})"),
    );
    // An ICMP reply or error carries no ports to match the probe by.
    if l4 == L4::Icmp { Err(blocked) } else { Err(blocked.dropped_at(w, site)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testing::{ip, is, lab, subnet, tcp};
    use crate::scenario::Outcome;

    #[test]
    fn nacl_order_deny_and_ephemeral_trap() {
        let l = lab("scenarios/13-nacl-ephemeral-trap.yaml");
        let (client, trap, fixed) = (subnet(&l, "client"), subnet(&l, "trap"), subnet(&l, "fixed"));
        let c1 = ip("10.13.0.100");
        // Inbound 443 is allowed in both...
        assert!(nacl(&l, trap, Dir::Ingress, c1, L4::Tcp, Some(443)).allowed);
        assert!(nacl(&l, fixed, Dir::Ingress, c1, L4::Tcp, Some(443)).allowed);
        // ...but the reply to the client's ephemeral port only leaves "fixed".
        let trap_out = nacl(&l, trap, Dir::Egress, c1, L4::Tcp, Some(40000));
        assert_eq!(trap_out, AclDecision { allowed: false, acl: Some("trap-acl".into()), rule: None });
        assert_eq!(nacl(&l, fixed, Dir::Egress, c1, L4::Tcp, Some(40000)).rule, Some(100));
        // Rule 90 (deny) comes before rule 100 (allow).
        let d = nacl(&l, fixed, Dir::Ingress, ip("10.13.0.5"), L4::Tcp, Some(443));
        assert_eq!((d.allowed, d.rule), (false, Some(90)));
        // A subnet without an ACL uses the default one: all allowed.
        assert!(nacl(&l, client, Dir::Egress, c1, L4::Udp, Some(1)).allowed);
    }

    #[test]
    fn subnet_acl_restriction() {
        let l = lab("scenarios/13-nacl-ephemeral-trap.yaml");
        assert_eq!(tcp(&l, "instance/client-1", "task/in-trap:443"), is(Outcome::Timeout, "SUBNET_ACL_RESTRICTION"));
        assert_eq!(tcp(&l, "instance/client-1", "task/in-fixed:443").0, Some(Outcome::Connected));
    }
}
