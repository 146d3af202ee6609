//! NAT gateways: their ENI is planned with every ENI and their namespace forwards like every
//! router; what is theirs alone is the firewall.

use super::Plan;
use super::nft::{self, TableBuilder};
use crate::model::{Lab, NatGateway};
use ipnetwork::Ipv4Network;
use nftables::schema::Nftables;
use nftables::types::{NfChainPolicy as Policy, NfChainType as Ty, NfHook as Hook};
use std::net::Ipv4Addr;

pub(super) fn firewall(p: &mut Plan, lab: &Lab, nat: &NatGateway) {
    let own = lab.enis[nat.eni].ip;
    p.firewall(&nat.ns, ruleset(own, lab.vpc.cidr));
}

/// Many private sources behind the gateway's private IP (then the IGW maps that to its EIP),
/// port remapping by masquerade, and no inbound connections at all.
fn ruleset(own: Ipv4Addr, vpc: Ipv4Network) -> Nftables<'static> {
    let mut t = TableBuilder::new();
    t.base("postrouting", Ty::NAT, Hook::Postrouting, 100, Policy::Accept);
    t.base("forward", Ty::Filter, Hook::Forward, 0, Policy::Drop);
    t.base("input", Ty::Filter, Hook::Input, 0, Policy::Drop);
    t.rule("postrouting", vec![nft::ip_saddr_ne(nft::ip(own)), nft::counter(), nft::masquerade()], None);
    t.rule("forward", vec![nft::ct_state(&["established", "related"]), nft::accept()], None);
    t.rule(
        "forward",
        vec![nft::ip_saddr(nft::prefix(vpc)), nft::counter(), nft::accept()],
        Some("new connections from the VPC only"),
    );
    t.rule("input", vec![nft::ct_state(&["established", "related"]), nft::accept()], None);
    t.rule("input", vec![nft::iifname("lo"), nft::accept()], None);
    t.build()
}
