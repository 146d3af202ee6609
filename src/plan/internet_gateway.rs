//! The internet gateway: a namespace between the VPC router (`igw0` <-> `vpc0`) and the internet
//! (`inet0` <-> `igw0`) that translates each ENI's private address to its public one. Both
//! transit links are resolved statically.

use super::nft::{self, TableBuilder};
use super::{Plan, Route, Veth, default_net};
use crate::model::ids::{mac, mac_str};
use crate::model::internet_gateway as igw;
use crate::model::vpc::DROP_LOG_GROUP;
use crate::model::{IGW_INET, Lab, RTR_IGW, TRANSIT_PREFIX};
use nftables::schema::Nftables;
use nftables::types::{NfChainPolicy as Policy, NfChainType as Ty, NfHook as Hook};
use std::net::Ipv4Addr;

/// An ENI's private address and the public address the IGW gives it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct PublicMapping {
    private: Ipv4Addr,
    public: Ipv4Addr,
}

/// The IGW's links, addresses and routes on both sides, and its firewall; nothing when the VPC
/// has no internet gateway.
pub(super) fn links(p: &mut Plan, lab: &Lab) {
    let Some(igw) = &lab.vpc.igw_ns else { return };
    let (rtr, inet) = (lab.vpc.router_ns.as_str(), lab.internet.ns.as_str());
    transit(p, &lab.name, (rtr, "igw0", RTR_IGW.0), (igw, "vpc0", RTR_IGW.1));
    transit(p, &lab.name, (igw, "inet0", IGW_INET.0), (inet, "igw0", IGW_INET.1));
    p.route(igw, lab.vpc.cidr, Some(RTR_IGW.0), Some("vpc0"));
    p.route(igw, default_net(), Some(IGW_INET.1), Some("inet0"));
    // Everything the internet does not hold itself goes to the IGW, which drops what it
    // does not translate: a private address is not reachable from the internet (timeout). A
    // program that picks no address of its own (`ecsnet exec LAB internet -- curl`) sends
    // from the internet's client, not from this link.
    let mut default = Route::main(inet, default_net(), Some(IGW_INET.0), Some("igw0"));
    default.src = Some(lab.internet.client);
    p.routes.push(default);
    super::internet::host_routes(p, lab);
    p.firewall(igw, firewall(&public_mappings(lab)));
}

/// One end of a transit link: its namespace, link name and address.
pub(super) type TransitEnd<'a> = (&'a str, &'a str, Ipv4Addr);

/// A transit link (a /30) between two namespaces of the fabric, each end with a fixed MAC and
/// resolving the other statically: the kernel's ARP table is shared by all namespaces and capped
/// by the root namespace, so the lab learns no neighbour at all.
pub(super) fn transit(p: &mut Plan, lab: &str, (ns, name, ip): TransitEnd, (peer_ns, peer_name, peer_ip): TransitEnd) {
    let own_mac = mac_str(&mac(0x06, &[lab, "transit", ns, name]));
    let peer_mac = mac_str(&mac(0x06, &[lab, "transit", peer_ns, peer_name]));
    p.neighbour(ns, name, peer_ip, &peer_mac);
    p.neighbour(peer_ns, peer_name, ip, &own_mac);
    p.veths.push(Veth { mac: Some(own_mac), peer_mac: Some(peer_mac), ..Veth::between(ns, name, peer_ns, peer_name) });
    p.addr(ns, name, ip, TRANSIT_PREFIX);
    p.addr(peer_ns, peer_name, peer_ip, TRANSIT_PREFIX);
}

/// Every ENI that has a public address, in address order.
fn public_mappings(lab: &Lab) -> Vec<PublicMapping> {
    let mut v: Vec<PublicMapping> =
        lab.live_enis().filter_map(|e| e.public_ip.map(|public| PublicMapping { private: e.ip, public })).collect();
    v.sort();
    v
}

/// 1:1 NAT between each ENI's private IP and its public IP; nothing else crosses (no public
/// IP, no internet; nothing from the internet reaches a private address).
fn firewall(public: &[PublicMapping]) -> Nftables<'static> {
    let mut t = TableBuilder::new();
    t.base("prerouting", Ty::NAT, Hook::Prerouting, -100, Policy::Accept);
    t.base("postrouting", Ty::NAT, Hook::Postrouting, 100, Policy::Accept);
    t.base("forward", Ty::Filter, Hook::Forward, 0, Policy::Drop);
    inbound_guard(&mut t, public);
    for m in public {
        translate(&mut t, m);
    }
    forward(&mut t, public);
    t.build()
}

fn translate(t: &mut TableBuilder, m: &PublicMapping) {
    // Inbound to a public IP, from the internet or from the VPC itself (hairpin).
    t.rule("prerouting", vec![nft::ip_daddr(nft::ip(m.public)), nft::counter(), nft::dnat(m.private, None)], None);
    t.rule(
        "postrouting",
        vec![nft::oifname("inet0"), nft::ip_saddr(nft::ip(m.private)), nft::counter(), nft::snat(m.public)],
        None,
    );
    // A hairpinned flow is seen with the sender's public address, as on AWS.
    t.rule(
        "postrouting",
        vec![
            nft::oifname("vpc0"),
            nft::iifname("vpc0"),
            nft::ip_saddr(nft::ip(m.private)),
            nft::counter(),
            nft::snat(m.public),
        ],
        None,
    );
}

/// From the internet only public addresses are reachable, decided before any NAT: a flow to a
/// private address must not pass as translated when conntrack, to keep its ICMP id unique next
/// to a translated flow of the same id, gives it a null DNAT binding (`ct status dnat`).
fn inbound_guard(t: &mut TableBuilder, public: &[PublicMapping]) {
    t.base("inbound", Ty::Filter, Hook::Prerouting, -150, Policy::Accept);
    let publics: Vec<Ipv4Addr> = public.iter().map(|m| m.public).collect();
    let mut rule = vec![nft::iifname("inet0")];
    if !publics.is_empty() {
        rule.push(nft::ip_daddr_ne(nft::addr_set(&publics)));
    }
    rule.extend([nft::counter(), nft::log(igw::DROP_NOT_PUBLIC.into(), DROP_LOG_GROUP), nft::drop()]);
    t.rule("inbound", rule, Some("from the internet, only to public IPs"));
}

/// What may cross: replies, egress of translated addresses, ingress to public addresses.
fn forward(t: &mut TableBuilder, public: &[PublicMapping]) {
    t.rule("forward", vec![nft::ct_state(&["established", "related"]), nft::accept()], None);
    let privates: Vec<Ipv4Addr> = public.iter().map(|m| m.private).collect();
    let mut no_public = vec![nft::iifname("vpc0")];
    if !privates.is_empty() {
        no_public.push(nft::ip_saddr_ne(nft::addr_set(&privates)));
    }
    no_public.extend([nft::counter(), nft::log(igw::DROP_NO_PUBLIC_IP.into(), DROP_LOG_GROUP), nft::drop()]);
    t.rule("forward", no_public, Some("no public IP: not translated, dropped"));
    t.rule("forward", vec![nft::iifname("vpc0"), nft::oifname("inet0"), nft::counter(), nft::accept()], Some("egress"));
    t.rule("forward", vec![nft::ct_status_dnat(), nft::counter(), nft::accept()], Some("ingress to public IPs"));
    t.rule("forward", vec![nft::counter(), nft::drop()], Some("nothing else crosses the internet gateway"));
}
