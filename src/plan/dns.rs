//! The resolvers' addresses and what reaches them. The VPC's Amazon-provided DNS server answers
//! at the VPC's base+2 and 169.254.169.253 on every ENI, outside any security group or network
//! ACL (AWS-SERVICES §1): both addresses are on the VPC router's loopback, so what is sent to
//! them is delivered locally (the input hook) and never forwarded where the groups and ACLs
//! are. Only 53/udp and 53/tcp reach the service, and nothing does with `enableDnsSupport`
//! off (a timeout, as on AWS). The internet's resolvers are addresses on its loopback.

use super::Plan;
use super::nft::{self, TableBuilder};
use crate::model::Lab;
use crate::model::dns::{DNS_PORT, RESOLVER_LINK_LOCAL, internet_resolvers};

pub(super) fn addresses(p: &mut Plan, lab: &Lab) {
    for a in [lab.vpc.dns.resolver, RESOLVER_LINK_LOCAL] {
        p.addr(&lab.vpc.router_ns, "lo", a, 32);
    }
    for a in internet_resolvers(lab) {
        p.addr(&lab.internet.ns, "lo", a, 32);
    }
}

/// The router's input chain: DNS reaches the resolver when the VPC has DNS support; nothing
/// else sent to its addresses does.
pub(super) fn guard(t: &mut TableBuilder, lab: &Lab) {
    let d = &lab.vpc.dns;
    for a in [d.resolver, RESOLVER_LINK_LOCAL] {
        let to = || nft::ip_daddr(nft::ip(a));
        if d.support {
            for proto in ["udp", "tcp"] {
                t.rule(
                    "input",
                    vec![to(), nft::dport(proto, DNS_PORT), nft::counter(), nft::accept()],
                    Some("VPC DNS"),
                );
            }
        }
        let why = if d.support { "the VPC resolver answers 53 only" } else { "enableDnsSupport is off" };
        t.rule("input", vec![to(), nft::counter(), nft::drop()], Some(why));
    }
}
