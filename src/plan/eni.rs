//! Elastic network interfaces: a veth from the VPC router (the end named after the ENI id) to
//! `eth0` in the owner's namespace, both ends resolved statically, and the owner's subnet
//! reached through the router so that no peer of the subnet is ever resolved by ARP.

use super::{Plan, Route, RouteKind, Rule, Veth, default_net, host};
use crate::model::ids::{mac, mac_str};
use crate::model::{Eni, EniOwner, Lab, Subnet};

/// Rule preference, in the ENI owner's namespace, of the owner's own subnet (before `main`).
const SUBNET_PREF: u32 = 100;
/// The table, in the ENI owner's namespace, that sends the owner's own subnet to the router.
const SUBNET_TABLE: u32 = 100;

/// The VPC router answers ARP for every address of the subnet (the KERNEL-NOTES routed
/// fabric): set before the ENI links exist so that they inherit the defaults.
pub(super) fn router_sysctls(p: &mut Plan, lab: &Lab) {
    p.sysctl(&lab.vpc.router_ns, "net.ipv4.conf.all.proxy_arp", "1");
}

/// One ENI: `eth0` in the owner's namespace, the router end named after the ENI id.
pub(super) fn link(p: &mut Plan, lab: &Lab, e: &Eni) {
    let rtr = lab.vpc.router_ns.as_str();
    let sn = &lab.vpc.subnets[e.subnet];
    // The router side gets a fixed MAC too, so both sides can be resolved statically.
    let gw_mac = mac_str(&mac(0x06, &[&lab.name, "router", &e.id]));
    p.neighbour(rtr, &e.router_link, e.ip, &e.mac);
    p.neighbour(&e.ns, "eth0", sn.gateway, &gw_mac);
    p.veths.push(Veth {
        mac: Some(gw_mac),
        peer_mac: Some(e.mac.clone()),
        // EC2 ENIs carry jumbo frames (the seed's instance: `eth0 ... mtu 9001`).
        mtu: Some(9001),
        ..Veth::between(rtr, &e.router_link, &e.ns, "eth0")
    });
    p.addr(rtr, &e.router_link, sn.gateway, 32);
    // Answer proxy ARP at once, not after up to 0.8 s (the default proxy_delay).
    p.link_sysctl(rtr, format!("net.ipv4.neigh.{}.proxy_delay", e.router_link), "0");
    p.route(rtr, host(e.ip), None, Some(&e.router_link));
    p.addr(&e.ns, "eth0", e.ip, sn.cidr.prefix());
    p.route(&e.ns, default_net(), Some(sn.gateway), Some("eth0"));
    subnet_via_router(p, e, sn);
}

/// The subnet's peers through the router, whose address is resolved statically. The main table
/// keeps the connected route EC2 shows, which would resolve every peer by ARP (proxy ARP
/// answers with the router's MAC: the same frames); the kernel's ARP table is one for all
/// namespaces and capped by the root namespace, so a large lab would overflow it. Resolving
/// each peer statically instead would take one entry per pair of ENIs of a subnet.
fn subnet_via_router(p: &mut Plan, e: &Eni, sn: &Subnet) {
    p.rules.push(Rule { ns: e.ns.clone(), pref: SUBNET_PREF, from: None, to: Some(sn.cidr), table: SUBNET_TABLE, fwmark: None });
    p.routes.push(Route {
        ns: e.ns.clone(),
        dst: sn.cidr,
        gw: Some(sn.gateway),
        dev: Some("eth0".into()),
        table: SUBNET_TABLE,
        kind: RouteKind::Unicast,
        // The gateway is on eth0 by construction; no lookup needed to accept it.
        onlink: true,
        src: None,
    });
}

/// Which ENI owner kinds exist (used in summaries).
pub fn eni_owner_label(o: EniOwner) -> &'static str {
    match o {
        EniOwner::Instance(_) => "instance",
        EniOwner::Task(_) => "task",
        EniOwner::Nat(_) => "nat",
    }
}
