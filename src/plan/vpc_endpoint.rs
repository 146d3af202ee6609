//! An interface VPC endpoint's ENIs: each namespace lets in only TCP to the service's port
//! (the front doors answer there); anything else is dropped, as an endpoint ENI carries TCP to
//! its service only. The ENI itself (veth, address, routes) is every ENI's (`eni.rs`).

use super::Plan;
use super::nft::{self, TableBuilder};
use crate::model::{EniOwner, Lab};
use crate::scenario::aws_service::HTTPS_PORT;
use nftables::types::{NfChainPolicy as Policy, NfChainType as Ty, NfHook as Hook};

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
