//! A load balancer's nodes: each ENI's namespace lets in TCP to the listeners' ports (the
//! node's proxy answers there) and the replies to the connections the node opens to targets
//! (forwarded requests, health checks); anything else is dropped, as ELB answers nothing on
//! other ports. The ENI itself (veth, address, routes, public address) is every ENI's.

use super::Plan;
use super::nft::{self, TableBuilder};
use crate::model::{EniOwner, Lab};
use nftables::types::{NfChainPolicy as Policy, NfChainType as Ty, NfHook as Hook};

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
        for l in &lb.listeners {
            t.rule("input", vec![nft::dport("tcp", l.port.value), nft::counter(), nft::accept()], Some("a listener"));
        }
        p.firewall(&e.ns, t.build());
    }
}
