//! Elastic network interfaces: a veth from the VPC router (the end named after the ENI id) to
//! `eth0` in the owner's namespace, both ends resolved statically.

use super::{Plan, Veth, default_net, host};
use crate::model::ids::{mac, mac_str};
use crate::model::{Eni, EniOwner, Lab};

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
}

/// Which ENI owner kinds exist (used in summaries).
pub fn eni_owner_label(o: EniOwner) -> &'static str {
    match o {
        EniOwner::Instance(_) => "instance",
        EniOwner::Task(_) => "task",
        EniOwner::Nat(_) => "nat",
    }
}
