//! Elastic network interfaces: a veth from the VPC router (the end named after the ENI id) to
//! `eth0` in the owner's namespace, both ends resolved statically, and the owner's subnet
//! reached through the router so that no peer of the subnet is ever resolved by ARP. With ENI
//! trunking, the instance's trunk ENI is such a veth (`eth1` on the instance, no address), and
//! each awsvpc task's ENI is a branch of it: a VLAN of its own on each end, `eth0` in the task's
//! namespace with the branch ENI's MAC, as `vpc-branch-eni` makes it, and on the router's end a
//! link named after the branch ENI that terminates that VLAN.

use super::{Plan, Route, RouteKind, Rule, Veth, Vlan, VlanPair, default_net, host};
use crate::model::eni::TrunkEni;
use crate::model::ids::{mac, mac_str};
use crate::model::{Eni, EniOwner, Instance, Lab, Subnet};

/// Rule preference, in the ENI owner's namespace, of the owner's own subnet (before `main`).
const SUBNET_PREF: u32 = 100;
/// The table, in the ENI owner's namespace, that sends the owner's own subnet to the router.
const SUBNET_TABLE: u32 = 100;
/// The trunk ENI's link on the instance: the instance's second ENI.
pub const TRUNK_LINK: &str = "eth1";
/// EC2 ENIs carry jumbo frames (the seed's instance: `eth0 ... mtu 9001`).
const ENI_MTU: u32 = 9001;

/// The VPC router answers ARP for every address of the subnet (the KERNEL-NOTES routed
/// fabric): set before the ENI links exist so that they inherit the defaults.
pub(super) fn router_sysctls(p: &mut Plan, lab: &Lab) {
    p.sysctl(&lab.vpc.router_ns, "net.ipv4.conf.all.proxy_arp", "1");
}

/// The router side of an ENI gets a fixed MAC too, so both sides can be resolved statically.
fn router_mac(lab: &Lab, eni_id: &str) -> String {
    mac_str(&mac(0x06, &[&lab.name, "router", eni_id]))
}

/// An instance's trunk ENI, when it has one: a veth from the router to `eth1`, carrying only
/// its branches' VLANs.
pub(super) fn trunk(p: &mut Plan, lab: &Lab, inst: &Instance) {
    let Some(trunk) = &inst.trunk else { return };
    p.veths.push(Veth {
        mac: Some(router_mac(lab, &trunk.id)),
        peer_mac: Some(trunk.mac.clone()),
        mtu: Some(ENI_MTU),
        ..Veth::between(&lab.vpc.router_ns, &trunk.router_link, &inst.ns, TRUNK_LINK)
    });
}

/// The trunk a task's ENI is a branch of, with its VLAN id: ECS gives each awsvpc task of an
/// instance with a trunk a branch ENI; VLANs are numbered from 1 in the lab's order.
fn branch_of<'a>(lab: &'a Lab, e: &Eni) -> Option<(&'a Instance, &'a TrunkEni, u16)> {
    let EniOwner::Task(ti) = e.owner else { return None };
    let ii = lab.tasks[ti].instance()?;
    let inst = &lab.instances[ii];
    let trunk = inst.trunk.as_ref()?;
    let on_same_trunk = |o: &&Eni| matches!(o.owner, EniOwner::Task(t) if lab.tasks[t].on_instance(ii));
    let before = lab.enis.iter().take_while(|o| o.id != e.id).filter(on_same_trunk).count();
    Some((inst, trunk, u16::try_from(before + 1).unwrap_or(u16::MAX)))
}

/// Branch ENI `e`, VLAN `id` of `inst`'s trunk: `eth0` in the task's namespace on the trunk's
/// `eth1`, and on the trunk's router end the link named after the ENI, with the router's MAC.
fn branch(rtr: &str, e: &Eni, inst: &Instance, trunk: &TrunkEni, id: u16, router_mac: String) -> VlanPair {
    let router_end = Vlan {
        lower_ns: rtr.into(),
        lower: trunk.router_link.clone(),
        ns: rtr.into(),
        name: e.router_link.clone(),
        mac: router_mac,
    };
    let task_end = Vlan {
        lower_ns: inst.ns.clone(),
        lower: TRUNK_LINK.into(),
        ns: e.ns.clone(),
        name: "eth0".into(),
        mac: e.mac.clone(),
    };
    VlanPair { id, ends: [router_end, task_end], mtu: Some(ENI_MTU) }
}

/// One ENI: `eth0` in the owner's namespace, the router end named after the ENI id.
pub(super) fn link(p: &mut Plan, lab: &Lab, e: &Eni) {
    let rtr = lab.vpc.router_ns.as_str();
    let sn = &lab.vpc.subnets[e.subnet];
    let gw_mac = router_mac(lab, &e.id);
    p.neighbour(rtr, &e.router_link, e.ip, &e.mac);
    p.neighbour(&e.ns, "eth0", sn.gateway, &gw_mac);
    match branch_of(lab, e) {
        Some((inst, trunk, id)) => p.vlans.push(branch(rtr, e, inst, trunk, id, gw_mac)),
        None => p.veths.push(Veth {
            mac: Some(gw_mac),
            peer_mac: Some(e.mac.clone()),
            mtu: Some(ENI_MTU),
            ..Veth::between(rtr, &e.router_link, &e.ns, "eth0")
        }),
    }
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
    p.rules.push(Rule {
        ns: e.ns.clone(),
        pref: SUBNET_PREF,
        from: None,
        to: Some(sn.cidr),
        table: SUBNET_TABLE,
        fwmark: None,
    });
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
        EniOwner::Endpoint(_) => "endpoint",
        EniOwner::LoadBalancer(_) => "load balancer",
    }
}
