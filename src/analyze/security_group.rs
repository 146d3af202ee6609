//! Security groups: stateful and allow-only, per direction, evaluated on an ENI for a new flow
//! (its reply is always let back), and the step of an ENI's groups in a walk.

use super::Reason;
use super::walk::{Blocked, Dir, DropSite, L4, Walk, eni_name, flow, rule_traffic, who};
use crate::model::security_group as sg_model;
use crate::model::{Eni, Lab};
use crate::scenario::{Peer, SgRule};
use std::net::Ipv4Addr;

/// A rule as the console lists it: `tcp 5432 from sg/web`, `all traffic to 0.0.0.0/0`.
pub fn describe(r: &SgRule, dir: Dir) -> String {
    let proto = rule_traffic(r.protocol, r.ports);
    let peer = match &r.peer.value {
        Peer::Cidr(c) => c.to_string(),
        Peer::Sg(g) => format!("sg/{g}"),
        Peer::PrefixList(s) => format!("pl/{} ({})", s.id(), s.public_net()),
    };
    format!("{proto} {} {peer}", if dir == Dir::Ingress { "from" } else { "to" })
}

/// Why no rule of `eni`'s groups lets `peer` through: the rules considered, and for a rule that
/// matches the protocol and port but names a group, that `peer` is not a member of it.
fn why_not(lab: &Lab, eni: &Eni, dir: Dir, peer: Ipv4Addr, l4: L4, port: Option<u16>) -> String {
    let mut considered = vec![];
    let mut not_member = vec![];
    for gname in &eni.security_groups {
        let Some(g) = lab.vpc.security_groups.iter().find(|g| g.name.value == *gname) else { continue };
        let rules = match dir {
            Dir::Ingress => g.ingress.as_slice(),
            Dir::Egress => g.egress.as_deref().unwrap_or(&[]),
        };
        for r in rules {
            considered.push(format!("sg/{gname}: {}", describe(r, dir)));
            if let Peer::Sg(other) = &r.peer.value {
                if l4.matches(r.protocol, r.ports, port) {
                    not_member.push(format!("{} is not a member of sg/{other}", who(lab, peer)));
                }
            }
        }
    }
    let rules = if considered.is_empty() { "no rule at all".to_string() } else { considered.join("; ") };
    if not_member.is_empty() {
        format!("rules considered: {rules}")
    } else {
        format!("{} (rules considered: {rules})", not_member.join(", "))
    }
}

/// Whether the security groups of `eni` let a new flow through in direction `dir`, `peer`
/// being the other end. Returns the group and rule index that allowed it.
pub fn sg_allows(lab: &Lab, eni: &Eni, dir: Dir, peer: Ipv4Addr, l4: L4, port: Option<u16>) -> Option<(String, usize)> {
    for gname in &eni.security_groups {
        let Some(g) = lab.vpc.security_groups.iter().find(|g| g.name.value == *gname) else { continue };
        let rules = match dir {
            Dir::Ingress => &g.ingress,
            Dir::Egress => match &g.egress {
                // AWS creates a group with one egress rule: all traffic to 0.0.0.0/0.
                None => return Some((gname.clone(), 0)),
                Some(r) => r,
            },
        };
        for (i, r) in rules.iter().enumerate() {
            let peer_ok = match &r.peer.value {
                Peer::Cidr(c) => c.contains(peer),
                Peer::Sg(s) => lab.live_enis().any(|e| e.ip == peer && e.security_groups.iter().any(|x| x == s)),
                Peer::PrefixList(s) => s.public_net().contains(peer),
            };
            if peer_ok && l4.matches(r.protocol, r.ports, port) {
                return Some((gname.clone(), i));
            }
        }
    }
    None
}

/// An ingress rule of `eni` naming a security group of network load balancer node `node`: it
/// admits what the node forwards with the client's address preserved
/// (load-balancer-security-groups.html).
fn node_group_rule(lab: &Lab, eni: &Eni, node: usize, l4: L4, port: Option<u16>) -> Option<(String, usize)> {
    let node_groups = &lab.enis[node].security_groups;
    for gname in &eni.security_groups {
        let Some(g) = lab.vpc.security_groups.iter().find(|g| g.name.value == *gname) else { continue };
        let names_node = |r: &&crate::scenario::SgRule| matches!(&r.peer.value, Peer::Sg(s) if node_groups.contains(s));
        if let Some(i) = g.ingress.iter().position(|r| names_node(&r) && l4.matches(r.protocol, r.ports, port)) {
            return Some((gname.clone(), i));
        }
    }
    None
}

/// ENI `eni`'s security groups on the packet `src -> dst` leaving it (`Egress`) or arriving at it
/// (`Ingress`). An ENI without groups (a NAT gateway's) lets everything through unrecorded.
pub fn gate(w: &mut Walk, eni: usize, dir: Dir, src: Ipv4Addr, dst: Ipv4Addr) -> Result<(), Blocked> {
    let e = &w.lab.enis[eni];
    if e.security_groups.is_empty() {
        return Ok(());
    }
    let (what, peer) = match dir {
        Dir::Egress => ("egress", dst),
        Dir::Ingress => ("ingress", src),
    };
    let lab = w.lab;
    let component = format!("{} security groups ({what})", eni_name(lab, eni));
    let via_node = w.nlb_node.filter(|_| dir == Dir::Ingress);
    let allowed =
        sg_allows(lab, e, dir, peer, w.l4, w.port).or_else(|| node_group_rule(lab, e, via_node?, w.l4, w.port));
    match allowed {
        Some((group, i)) => {
            let rule = lab.vpc.security_groups.iter().find(|g| g.name.value == group).and_then(|g| match dir {
                Dir::Ingress => g.ingress.get(i),
                Dir::Egress => g.egress.as_ref().and_then(|r| r.get(i)),
            });
            let rule = match rule {
                Some(r) => describe(r, dir),
                // A group created without egress rules has AWS's one: all traffic out.
                None => "all traffic to 0.0.0.0/0 (AWS default)".to_string(),
            };
            w.step(component, format!("sg/{group} {what} rule {}: {rule}", i + 1), src, dst);
            Ok(())
        }
        None => {
            let groups = e.security_groups.iter().map(|g| format!("sg/{g}")).collect::<Vec<_>>().join(", ");
            let direction = if dir == Dir::Ingress { "from" } else { "to" };
            w.step(component, format!("no rule allows {} {direction} {peer}: dropped", flow(w.l4, w.port)), src, dst);
            let site = DropSite {
                ns: lab.vpc.router_ns.clone(),
                prefix: sg_model::drop_log_prefix(&e.router_link, dir == Dir::Egress),
                src,
                dst,
                port: w.port,
                reply: false,
            };
            let blocked = Blocked::timeout(
                Reason::EniSgRulesMismatch,
                format!(
                    "no {what} rule of {groups} on {} allows {} {direction} {}: {}",
                    eni_name(lab, eni),
                    flow(w.l4, w.port),
                    who(lab, peer),
                    why_not(lab, e, dir, peer, w.l4, w.port)
                ),
            );
            Err(blocked.dropped_at(w, site))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testing::{ip, is, lab, task_eni, tcp};
    use crate::scenario::Outcome;

    #[test]
    fn security_groups_reference_and_egress() {
        let l = lab("scenarios/12-security-groups.yaml");
        let db = task_eni(&l, "db");
        let web1 = task_eni(&l, "web-1");
        // Ingress by SG reference: web members are admitted to 5432, not to 6432.
        assert!(sg_allows(&l, db, Dir::Ingress, web1.ip, L4::Tcp, Some(5432)).is_some());
        assert!(sg_allows(&l, db, Dir::Ingress, web1.ip, L4::Tcp, Some(6432)).is_none());
        // An instance is not a member of sg/web.
        let inst = l.instance_ip(&l.instances[0]);
        assert!(sg_allows(&l, db, Dir::Ingress, inst, L4::Tcp, Some(5432)).is_none());
        // db's egress admits only 443, whatever web's ingress says.
        assert!(sg_allows(&l, db, Dir::Egress, web1.ip, L4::Tcp, Some(8080)).is_none());
        assert!(sg_allows(&l, web1, Dir::Ingress, db.ip, L4::Tcp, Some(8080)).is_some());
        assert!(sg_allows(&l, db, Dir::Egress, ip("198.51.100.80"), L4::Tcp, Some(443)).is_some());
        // Default egress: everything.
        assert!(sg_allows(&l, web1, Dir::Egress, ip("1.2.3.4"), L4::Udp, Some(53)).is_some());
    }

    #[test]
    fn eni_sg_rules_mismatch() {
        let l = lab("scenarios/12-security-groups.yaml");
        assert_eq!(tcp(&l, "task/web-1", "task/db:6432"), is(Outcome::Timeout, "ENI_SG_RULES_MISMATCH"));
        assert_eq!(tcp(&l, "task/db", "task/web-1:8080"), is(Outcome::Timeout, "ENI_SG_RULES_MISMATCH"));
    }
}
