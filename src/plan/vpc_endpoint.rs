//! An interface VPC endpoint's ENIs: each namespace lets in only TCP to the service's port
//! (the front doors answer there); anything else is dropped, as an endpoint ENI carries TCP to
//! its service only. The ENI itself (veth, address, routes) is every ENI's (`eni.rs`).

use super::nft::{self, TableBuilder};
use super::{Plan, Route};
use crate::model::vpc_endpoint::gateway_link;
use crate::model::{EniOwner, Lab};
use crate::scenario::aws_service::HTTPS_PORT;
use nftables::types::{NfChainPolicy as Policy, NfChainType as Ty, NfHook as Hook};

/// The router's end of gateway endpoint link `k`.
pub fn router_link(k: u8) -> String {
    format!("gwe{k}")
}

/// Each gateway endpoint: a namespace linked to the VPC router, where the service's address
/// answers what the route tables send to its prefix list, without any internet gateway or NAT
/// (the source stays the ENI's private address), and routes back to the VPC.
pub(super) fn gateways(p: &mut Plan, lab: &Lab) {
    for e in &lab.endpoints {
        let Some((ns, k)) = &e.gateway else { continue };
        let (here, there) = gateway_link(*k);
        let link = router_link(*k);
        super::internet_gateway::transit(p, &lab.name, (&lab.vpc.router_ns, &link, here), (ns, "eth0", there));
        p.addr(ns, "lo", e.service.public_ip(), 32);
        p.routes.push(Route::main(ns, lab.vpc.cidr, Some(here), Some("eth0")));
        let mut t = TableBuilder::new();
        t.base("input", Ty::Filter, Hook::Input, 0, Policy::Drop);
        t.rule("input", vec![nft::iifname("lo"), nft::accept()], None);
        t.rule("input", vec![nft::dport("tcp", HTTPS_PORT), nft::counter(), nft::accept()], Some("the service"));
        p.firewall(ns, t.build());
    }
}

pub(super) fn firewalls(p: &mut Plan, lab: &Lab) {
    for e in lab.enis.iter().filter(|e| matches!(e.owner, EniOwner::Endpoint(_))) {
        let mut t = TableBuilder::new();
        t.base("input", Ty::Filter, Hook::Input, 0, Policy::Drop);
        t.rule("input", vec![nft::iifname("lo"), nft::accept()], None);
        t.rule(
            "input",
            vec![nft::dport("tcp", HTTPS_PORT), nft::counter(), nft::accept()],
            Some("the endpoint's service"),
        );
        p.firewall(&e.ns, t.build());
    }
}
