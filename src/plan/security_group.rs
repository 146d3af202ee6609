//! Security groups, enforced in the VPC router where no task can touch them. The sender's egress
//! and the receiver's ingress are two independent gates: an allow in one only returns to the
//! forward chain, which then consults the other (a single first-match chain would let one
//! side's accept skip the other's check, the bug in ANCHORS §6.1). Stateful: replies pass.
//! Dropped packets are dropped silently, so a probe times out, as on AWS.

use super::nft::{self, Side, TableBuilder};
use crate::model::security_group as sg_model;
use crate::model::vpc::DROP_LOG_GROUP;
use crate::model::{Eni, Lab};
use crate::scenario::{Peer, SecurityGroup, SgRule};
use nftables::types::{NfChainPolicy as Policy, NfChainType as Ty, NfHook as Hook};
use std::collections::HashSet;
use std::net::Ipv4Addr;

/// The router's gates, in the order AWS evaluates a flow: the sending ENI's egress first, as
/// the packet enters the router, before its route is looked up (`sg-egress`, prerouting), so
/// that a flow with no route is still dropped by its group when the group denies it; the
/// receiving ENI's ingress last (`forward`), after the network ACLs' chains. So a packet two
/// gates would refuse is dropped, and logged, where the analyzer says. Each has a chain per ENI
/// that has groups, found by the router link's name.
pub(super) fn gates(t: &mut TableBuilder, lab: &Lab) {
    let with_members = member_sets(t, lab);
    // NAT gateways have no security group.
    let guarded = || lab.live_enis().filter(|e| !e.security_groups.is_empty());
    for e in guarded() {
        egress_and_ingress(t, lab, e, &with_members);
    }
    let egress: Vec<(String, String)> = guarded().map(|e| (e.router_link.clone(), egress_chain(e))).collect();
    let ingress: Vec<(String, String)> = guarded().map(|e| (e.router_link.clone(), ingress_chain(e))).collect();
    t.base(EGRESS_BASE, Ty::Filter, Hook::Prerouting, EGRESS_PRIORITY, Policy::Accept);
    t.rule(EGRESS_BASE, vec![nft::ct_state(&["established", "related"]), nft::accept()], None);
    // Security groups do not filter the VPC's DNS server or the instance metadata service,
    // which the router answers itself.
    t.rule(EGRESS_BASE, vec![nft::fib_daddr_local(), nft::accept()], Some("to the router itself: not filtered"));
    t.base("forward", Ty::Filter, Hook::Forward, 0, Policy::Accept);
    t.rule("forward", vec![nft::ct_state(&["established", "related"]), nft::accept()], None);
    t.rule("forward", vec![nft::ct_state(&["invalid"]), nft::drop()], None);
    if !egress.is_empty() {
        t.rule(
            EGRESS_BASE,
            vec![nft::ifname_jump_vmap(false, &egress)],
            Some("security groups: the sending ENI's egress"),
        );
        t.rule(
            "forward",
            vec![nft::ifname_jump_vmap(true, &ingress)],
            Some("security groups: the receiving ENI's ingress"),
        );
    }
}

/// The egress gates' base chain, in prerouting after destination NAT (-100).
const EGRESS_BASE: &str = "sg-egress";
const EGRESS_PRIORITY: i32 = -20;

fn egress_chain(e: &Eni) -> String {
    format!("egress-{}", e.router_link)
}

fn ingress_chain(e: &Eni) -> String {
    format!("ingress-{}", e.router_link)
}

/// An ENI's two gates: every rule of its groups, then a drop.
fn egress_and_ingress(t: &mut TableBuilder, lab: &Lab, e: &Eni, with_members: &HashSet<String>) {
    let (egress, ingress) = (egress_chain(e), ingress_chain(e));
    t.chain(&egress);
    t.chain(&ingress);
    let groups = e.security_groups.iter().filter_map(|g| lab.vpc.security_groups.iter().find(|x| x.name.value == *g));
    for g in groups {
        group_rules(t, lab, g, (&egress, &ingress), with_members);
    }
    for (chain, is_egress) in [(&egress, true), (&ingress, false)] {
        let log = nft::log(sg_model::drop_log_prefix(&e.router_link, is_egress), DROP_LOG_GROUP);
        t.rule(chain, vec![nft::counter(), log, nft::drop()], Some("no security group rule allows it"));
    }
}

fn group_rules(
    t: &mut TableBuilder,
    lab: &Lab,
    g: &SecurityGroup,
    chains: (&str, &str),
    with_members: &HashSet<String>,
) {
    let (egress, ingress) = chains;
    let name = &g.name.value;
    match &g.egress {
        None => t.rule(egress, vec![nft::counter(), nft::ret()], Some(&format!("sg/{name} egress: all (AWS default)"))),
        Some(rules) => {
            for r in rules {
                if let Some(st) = rule_stmts(r, Side::Destination, with_members) {
                    t.rule(egress, st, Some(&format!("sg/{name} egress")));
                }
            }
        }
    }
    for r in &g.ingress {
        if let Some(st) = rule_stmts(r, Side::Source, with_members) {
            t.rule(ingress, st, Some(&format!("sg/{name} ingress")));
        }
        for st in forwarded_by_group(lab, r) {
            t.rule(ingress, st, Some(&format!("sg/{name} ingress (through a network load balancer)")));
        }
    }
}

/// A rule naming a network load balancer's security group admits what its nodes forward,
/// client address preserved or not (load-balancer-security-groups.html): a flow arriving
/// from one of its nodes' links.
fn forwarded_by_group(lab: &Lab, r: &SgRule) -> Vec<Vec<nft::Stmt>> {
    let Peer::Sg(g) = &r.peer.value else { return vec![] };
    let nodes = lab.enis.iter().filter(|e| {
        matches!(e.owner, crate::model::EniOwner::LoadBalancer(x) if lab.load_balancers[x].is_network())
            && e.security_groups.iter().any(|s| s == g)
    });
    nodes
        .map(|e| {
            let mut v = vec![nft::iifname(&e.router_link), nft::ip_saddr_ne(nft::ip(e.ip))];
            v.extend(nft::proto_ports(r.protocol, r.ports));
            v.extend([nft::counter(), nft::ret()]);
            v
        })
        .collect()
}

/// A rule as nft statements, the peer matched on `peer_side`; None for a group peer that no ENI
/// carries (it can match nothing).
fn rule_stmts(r: &SgRule, peer_side: Side, with_members: &HashSet<String>) -> Option<Vec<nft::Stmt>> {
    let mut v = vec![];
    match &r.peer.value {
        Peer::Cidr(c) if c.prefix() == 0 => {}
        Peer::Cidr(c) => v.push(nft::ip_addr(peer_side, nft::prefix(*c))),
        Peer::PrefixList(s) => v.push(nft::ip_addr(peer_side, nft::prefix(s.public_net()))),
        Peer::Sg(g) => {
            if !with_members.contains(g) {
                return None;
            }
            v.push(nft::ip_addr(peer_side, nft::set_ref(&member_set(g))));
        }
    }
    v.extend(nft::proto_ports(r.protocol, r.ports));
    v.push(nft::counter());
    v.push(nft::ret());
    Some(v)
}

/// One named set per group that a rule names as its peer, holding the addresses of the ENIs
/// that carry it: each rule refers to it. Copied into every rule of every member's chains, a
/// group of M members cost N x M elements (1.7 million at 5,000 tasks: 10 s of `nft`).
/// Returns the groups that have a set (an empty group has none: a rule naming it matches
/// nothing), found once rather than by a scan of the ENIs for every rule of every chain.
fn member_sets(t: &mut TableBuilder, lab: &Lab) -> HashSet<String> {
    let mut named: Vec<&str> = lab
        .vpc
        .security_groups
        .iter()
        .flat_map(|g| g.ingress.iter().chain(g.egress.iter().flatten()))
        .filter_map(|r| match &r.peer.value {
            Peer::Sg(g) => Some(g.as_str()),
            _ => None,
        })
        .collect();
    named.sort_unstable();
    named.dedup();
    let mut with_members = HashSet::new();
    for g in named {
        let m = members(lab, g);
        if !m.is_empty() {
            t.addr_set(&member_set(g), &m);
            with_members.insert(g.to_string());
        }
    }
    with_members
}

/// The named set of group `g`'s members.
fn member_set(g: &str) -> String {
    format!("sg-{g}")
}

/// The addresses of every ENI that carries the group.
fn members(lab: &Lab, sg: &str) -> Vec<Ipv4Addr> {
    lab.live_enis().filter(|e| e.security_groups.iter().any(|g| g == sg)).map(|e| e.ip).collect()
}
