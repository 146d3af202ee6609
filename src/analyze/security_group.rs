//! Security groups: stateful and allow-only, per direction, evaluated on an ENI for a new flow
//! (its reply is always let back), and the step of an ENI's groups in a walk.

use super::Reason;
use super::walk::{Blocked, Dir, L4, Walk};
use crate::model::{Eni, Lab};
use crate::scenario::Peer;
use std::net::Ipv4Addr;

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
                Peer::Sg(s) => lab.enis.iter().any(|e| e.ip == peer && e.security_groups.iter().any(|x| x == s)),
            };
            if peer_ok && l4.matches(r.protocol, r.ports, port) {
                return Some((gname.clone(), i));
            }
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
    let component = format!("{} security groups ({what})", e.id);
    match sg_allows(w.lab, e, dir, peer, w.l4, w.port) {
        Some((group, i)) => {
            w.step(component, format!("sg/{group} {what} rule {}", i + 1), src, dst);
            Ok(())
        }
        None => {
            let groups = e.security_groups.iter().map(|g| format!("sg/{g}")).collect::<Vec<_>>().join(", ");
            w.step(component, "no rule allows it: dropped", src, dst);
            Err(Blocked::timeout(
                Reason::EniSgRulesMismatch,
                format!("no {what} rule of {groups} on {} allows {peer}", e.id),
            ))
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
