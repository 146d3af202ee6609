//! AWS's rules evaluated on the model, without packets: route table lookup (longest prefix,
//! the implicit local route), security groups (stateful, allow-only, per direction) and
//! network ACLs (stateless, by rule number, implicit deny). The nft rules the plan generates
//! enforce the same rules on packets; the two are compared by the tests.

use crate::model::{Eni, Lab};
use crate::scenario::{AclAction, Peer, RouteTarget, RuleProto};
use ipnetwork::Ipv4Network;
use std::net::Ipv4Addr;

/// The transport of a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L4 {
    Tcp,
    Udp,
    Icmp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Ingress,
    Egress,
}

/// Where a subnet's route table sends a destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hop {
    /// Inside the VPC: the ENI holding the address, if any.
    Local(Option<usize>),
    InternetGateway,
    Nat(usize),
    /// No route, or a route whose target is gone: dropped silently.
    Blackhole,
}

/// Route lookup for traffic leaving subnet `subnet` towards `dst`: the VPC's local route
/// first, then the longest matching prefix of the subnet's table. Returns the route that
/// decided (None for the local route and for no match).
pub fn route(lab: &Lab, subnet: usize, dst: Ipv4Addr) -> (Hop, Option<Ipv4Network>) {
    if lab.vpc.cidr.contains(dst) {
        return (Hop::Local(lab.enis.iter().position(|e| e.ip == dst)), Some(lab.vpc.cidr));
    }
    let Some(sn) = lab.vpc.subnets.get(subnet) else { return (Hop::Blackhole, None) };
    let rt = &lab.vpc.route_tables[sn.route_table];
    let best = rt.routes.iter().filter(|(net, _)| net.contains(dst)).max_by_key(|(net, _)| net.prefix());
    match best {
        None => (Hop::Blackhole, None),
        Some((net, RouteTarget::InternetGateway)) if lab.vpc.igw_ns.is_some() => (Hop::InternetGateway, Some(*net)),
        Some((net, RouteTarget::NatGateway(n))) => match lab.nats.iter().position(|x| x.name == *n) {
            Some(i) => (Hop::Nat(i), Some(*net)),
            None => (Hop::Blackhole, Some(*net)),
        },
        Some((net, _)) => (Hop::Blackhole, Some(*net)),
    }
}

fn proto_port_match(rp: RuleProto, ports: Option<crate::scenario::PortRange>, l4: L4, port: Option<u16>) -> bool {
    let proto_ok = match rp {
        RuleProto::All => true,
        RuleProto::Tcp => l4 == L4::Tcp,
        RuleProto::Udp => l4 == L4::Udp,
        RuleProto::Icmp => l4 == L4::Icmp,
    };
    proto_ok && ports.is_none_or(|r| port.is_some_and(|p| r.contains(p)))
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
                Peer::Sg(s) => lab.enis.iter().any(|e| e.ip == peer && e.security_groups.iter().any(|x| x == s)),
            };
            if peer_ok && proto_port_match(r.protocol, r.ports, l4, port) {
                return Some((gname.clone(), i));
            }
        }
    }
    None
}

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
        if r.cidr_block.contains(peer) && proto_port_match(r.protocol, r.ports, l4, port) {
            return AclDecision {
                allowed: r.rule_action == AclAction::Allow,
                acl: Some(acl.name.value.clone()),
                rule: Some(r.rule_number),
            };
        }
    }
    AclDecision { allowed: false, acl: Some(acl.name.value.clone()), rule: None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;
    use std::path::Path;

    fn lab(file: &str) -> Lab {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let s = load_str(&p, &std::fs::read_to_string(&p).unwrap()).unwrap_or_else(|d| panic!("{d}"));
        crate::model::build(&s).unwrap()
    }
    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }
    fn subnet(l: &Lab, n: &str) -> usize {
        l.vpc.subnets.iter().position(|s| s.name == n).unwrap()
    }
    fn task_eni<'a>(l: &'a Lab, t: &str) -> &'a Eni {
        &l.enis[l.task(t).unwrap().eni.unwrap()]
    }

    #[test]
    fn route_selection_local_igw_nat_blackhole() {
        let l = lab("scenarios/01-bridge-vs-awsvpc.yaml");
        let (public, private) = (subnet(&l, "public-a"), subnet(&l, "private-a"));
        assert_eq!(route(&l, public, ip("198.51.100.80")).0, Hop::InternetGateway);
        assert_eq!(route(&l, private, ip("198.51.100.80")).0, Hop::Nat(0));
        // The local route wins for VPC addresses, whatever the table says.
        let inst = l.instance_ip(&l.instances[0]);
        assert!(matches!(route(&l, private, inst).0, Hop::Local(Some(_))));
        assert_eq!(route(&l, private, ip("10.0.200.200")).0, Hop::Local(None));
        let l2 = lab("scenarios/13-nacl-ephemeral-trap.yaml");
        assert_eq!(route(&l2, 0, ip("198.51.100.80")).0, Hop::Blackhole, "main table: local route only");
    }

    #[test]
    fn longest_prefix_wins() {
        let text = "version: 1\nname: lpm\nvpc:\n  cidr: 10.0.0.0/16\n  internetGateway: true\n  subnets:\n    - {name: pub, cidr: 10.0.0.0/24, routeTable: pub}\n    - {name: priv, cidr: 10.0.1.0/24, routeTable: priv}\n  routeTables:\n    - name: pub\n      routes: [{destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway}]\n    - name: priv\n      routes:\n        - {destinationCidrBlock: 0.0.0.0/0, natGateway: n}\n        - {destinationCidrBlock: 198.51.100.0/24, gateway: internet-gateway}\n  natGateways: [{name: n, subnet: pub}]\n";
        let s = load_str(Path::new("lpm.yaml"), text).unwrap_or_else(|d| panic!("{d}"));
        let l = crate::model::build(&s).unwrap();
        let priv_ = subnet(&l, "priv");
        let (hop, by) = route(&l, priv_, ip("198.51.100.7"));
        assert_eq!(hop, Hop::InternetGateway);
        assert_eq!(by.unwrap().to_string(), "198.51.100.0/24");
        assert_eq!(route(&l, priv_, ip("8.8.8.8")).0, Hop::Nat(0));
    }

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
}
