//! A load balancer's nodes: each ENI's namespace lets in TCP to the listeners' ports (the
//! node's proxy answers there) and the replies to the connections the node opens to targets
//! (forwarded requests, health checks); anything else is dropped, as ELB answers nothing on
//! other ports. The ENI itself (veth, address, routes, public address) is every ENI's.
//!
//! A network load balancer's node proxies nothing: the kernel forwards each flow. Its agent
//! writes [`network_nat`] into the node's namespace (table `ecsnet-nlb`) whenever the targets'
//! health changes: a flow to a listener's port is hashed onto one target of the node's
//! rotation and DNATed to it, and SNATed to the node's address unless the group preserves the
//! client's IP. A preserved flow's replies come back to the VPC router addressed to the
//! client: the router marks the connections a node forwards ([`router_marks`]) and routes their
//! replies back to that node ([`reply_routes`]), which undoes its NAT (on AWS, the Hyperplane).

use super::nft::{self, TableBuilder};
use super::{Plan, Route, RouteKind, Rule, default_net};
use crate::model::{EniOwner, Lab};
use nftables::types::{NfChainPolicy as Policy, NfChainType as Ty, NfHook as Hook};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

/// The table a network load balancer node's agent owns.
pub const NAT_TABLE: &str = "ecsnet-nlb";
/// Marks (and routing tables) of the network load balancer nodes in the VPC router: the
/// first, plus the node's ENI index.
const NODE_MARK_BASE: u32 = 20000;
/// The preference of the rules that send a preserved flow's replies back to its node: before
/// the VPC's local route (a client inside the VPC) and everything else.
const REPLY_PREF: u32 = 80;
/// Marks per listener in a node's namespace (targets of one listener).
const MARKS_PER_LISTENER: u32 = 1024;

/// The mark (and table) of network load balancer node `eni` in the VPC router.
pub fn node_mark(eni: usize) -> u32 {
    NODE_MARK_BASE + eni as u32
}

pub(super) fn firewalls(p: &mut Plan, lab: &Lab) {
    for e in &lab.enis {
        let EniOwner::LoadBalancer(x) = e.owner else { continue };
        let lb = &lab.load_balancers[x];
        let mut t = TableBuilder::new();
        t.base("input", Ty::Filter, Hook::Input, 0, Policy::Drop);
        t.rule("input", vec![nft::iifname("lo"), nft::accept()], None);
        t.rule(
            "input",
            vec![nft::ct_state(&["established", "related"]), nft::accept()],
            Some("the node's own connections"),
        );
        // A network load balancer's listeners are forwarded by the kernel, never delivered.
        for l in lb.listeners.iter().filter(|_| !lb.is_network()) {
            t.rule("input", vec![nft::dport("tcp", l.port.value), nft::counter(), nft::accept()], Some("a listener"));
        }
        p.firewall(&e.ns, t.build());
    }
}

/// The network load balancers' nodes forward (their namespaces route what they DNAT).
pub(super) fn forwarding_nodes(lab: &Lab) -> Vec<&str> {
    lab.enis
        .iter()
        .filter(|e| matches!(e.owner, EniOwner::LoadBalancer(x) if lab.load_balancers[x].is_network()))
        .map(|e| e.ns.as_str())
        .collect()
}

/// One listener's flows at one node: its transport(s) and port, the targets the node hashes
/// flows onto (its rotation: healthy targets, all of them when none is: fail open), and
/// whether the targets see the client's address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flows {
    /// `tcp`, `udp`, or both (TCP_UDP).
    pub protos: Vec<String>,
    pub port: u16,
    pub targets: Vec<(Ipv4Addr, u16)>,
    pub preserve_client_ip: bool,
}

/// A node's NAT table: per listener, a flow hash onto its targets (DNAT), and SNAT to the
/// node's address for groups that do not preserve the client's IP. A listener without a target
/// has no rule: its flows reach no socket and are dropped.
pub fn network_nat(node_ip: Ipv4Addr, listeners: &[Flows]) -> nftables::schema::Nftables<'static> {
    let mut t = TableBuilder::named(NAT_TABLE, true);
    t.base("prerouting", Ty::NAT, Hook::Prerouting, -100, Policy::Accept);
    t.base("postrouting", Ty::NAT, Hook::Postrouting, 100, Policy::Accept);
    for (k, l) in listeners.iter().enumerate() {
        let n = u32::try_from(l.targets.len()).unwrap_or(0).min(MARKS_PER_LISTENER - 1);
        if n == 0 {
            continue;
        }
        let first = (k as u32 + 1) * MARKS_PER_LISTENER;
        for proto in &l.protos {
            let flow = vec![nft::ip_daddr(nft::ip(node_ip)), nft::dport(proto, l.port), nft::mark_flow_hash(n, first)];
            t.rule("prerouting", flow, Some("a flow's hash picks its target"));
        }
        for (i, (ip, port)) in l.targets.iter().enumerate().take(n as usize) {
            for proto in &l.protos {
                let to = vec![nft::mark_is(first + i as u32), nft::l4proto(proto), nft::dnat(*ip, Some(*port))];
                t.rule("prerouting", to, None);
            }
        }
        if !l.preserve_client_ip {
            let snat = vec![nft::mark_in(first, first + n - 1), nft::snat(node_ip)];
            t.rule("postrouting", snat, Some("client IP preservation off: the target sees the node"));
        }
    }
    t.build()
}

/// The VPC router's marks: a new flow a network load balancer node forwards with another
/// source than its own (a preserved client address) carries the node's mark in its
/// connection; its replies take that mark, so that [`reply_routes`] sends them to the node.
pub(super) fn router_marks(t: &mut TableBuilder, lab: &Lab) {
    let nodes: Vec<_> = network_node_enis(lab).collect();
    if nodes.is_empty() {
        return;
    }
    t.base("nlb-replies", Ty::Filter, Hook::Prerouting, -150, Policy::Accept);
    for &k in &nodes {
        let e = &lab.enis[k];
        let stmts = vec![
            nft::iifname(&e.router_link),
            nft::ip_saddr_ne(nft::ip(e.ip)),
            nft::ct_state(&["new"]),
            nft::ct_mark_set(node_mark(k)),
        ];
        t.rule("nlb-replies", stmts, Some("a flow a node forwards with the client's address"));
    }
    t.rule("nlb-replies", vec![nft::ct_reply(), nft::mark_from_ct()], Some("its replies go back to that node"));
}

/// For each network load balancer node: marked replies go back out of its link.
pub(super) fn reply_routes(p: &mut Plan, lab: &Lab) {
    let rtr = lab.vpc.router_ns.as_str();
    for k in network_node_enis(lab) {
        let e = &lab.enis[k];
        let mark = node_mark(k);
        p.rules.push(Rule { ns: rtr.into(), pref: REPLY_PREF, from: None, to: None, table: mark, fwmark: Some(mark) });
        p.routes.push(Route {
            ns: rtr.into(),
            dst: default_net(),
            gw: Some(e.ip),
            dev: Some(e.router_link.clone()),
            table: mark,
            kind: RouteKind::Unicast,
            onlink: true,
            src: None,
        });
    }
}

fn network_node_enis(lab: &Lab) -> impl Iterator<Item = usize> + '_ {
    lab.load_balancers.iter().filter(|lb| lb.is_network()).flat_map(|lb| lb.nodes.iter().copied())
}
