//! Public addresses written in the file (Elastic IPs of NAT gateways and instances, internet
//! hosts' addresses): each must look public, lie outside the VPC, and be unique.

use super::instance::Instance;
use super::internet::{INTERNET_CLIENT, InternetHost};
use super::located::Located;
use super::nat_gateway::NatGateway;
use super::walk::*;
use crate::i18n::tr;
use ipnetwork::Ipv4Network;
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// Check every public address, in file order.
pub(crate) fn check(
    cx: &mut Reader,
    vpc: Option<Ipv4Network>,
    nat_gateways: &[NatGateway],
    hosts: &[InternetHost],
    instances: &[Instance],
) {
    // Each address, who holds it, and whether it is an internet host's (not an Elastic IP).
    let mut publics: Vec<(&Located<Ipv4Addr>, String, bool)> = Vec::new();
    for n in nat_gateways {
        if let Some(e) = &n.elastic_ip {
            publics.push((e, tr!("public-owner-nat", "NAT gateway `{ $name }`", name = n.name.value), false));
        }
    }
    for h in hosts {
        publics.push((&h.ip, tr!("public-owner-host", "internet host `{ $name }`", name = h.name.value), true));
    }
    for i in instances {
        if let Some(e) = &i.elastic_ip {
            publics.push((e, tr!("public-owner-instance", "instance `{ $name }`", name = i.name.value), false));
        }
    }
    publics.sort_by_key(|(s, _, _)| (s.loc.file.as_path().to_path_buf(), s.loc.line, s.loc.col));
    let mut used: HashMap<Ipv4Addr, &str> = HashMap::new();
    for (ip, owner, host) in &publics {
        let what = if *host { tr!("public-host-address", "internet host address") } else { "Elastic IP".to_string() };
        if let Some(r) = not_public_reason(ip.value) {
            cx.err(
                &ip.loc,
                tr!(
                    "public-not-public",
                    "{ $what } { $ip } cannot be a public address: { $reason }",
                    what = what,
                    ip = ip.value,
                    reason = r
                ),
                tr!(
                    "public-not-public-help",
                    "use a public-looking address such as 198.51.100.80 (TEST-NET-2) or 192.0.2.80 (TEST-NET-1)"
                ),
            );
        } else if vpc.is_some_and(|v| v.contains(ip.value)) {
            cx.err(
                &ip.loc,
                tr!("public-inside-vpc", "{ $what } { $ip } is inside the VPC CIDR block", what = what, ip = ip.value),
                tr!("public-inside-vpc-help", "use an address outside the VPC"),
            );
        } else if ip.value == INTERNET_CLIENT {
            cx.err(
                &ip.loc,
                tr!(
                    "public-is-client",
                    "{ $what } 203.0.113.10 is the address of the emulated internet client",
                    what = what
                ),
                tr!("public-is-client-help", "use another address"),
            );
        } else if super::aws_service::in_aws_public(ip.value) {
            cx.err(
                &ip.loc,
                tr!(
                    "public-is-aws",
                    "{ $what } { $ip } is in 198.18.0.0/15, where ecsnet places AWS's public service endpoints",
                    what = what,
                    ip = ip.value
                ),
                tr!("public-is-client-help", "use another address"),
            );
        } else if ip.value == super::dhcp_options::INTERNET_RESOLVER {
            cx.err(
                &ip.loc,
                tr!(
                    "public-is-resolver",
                    "{ $what } 203.0.113.53 is the address of the emulated internet's DNS resolver",
                    what = what
                ),
                tr!("public-is-client-help", "use another address"),
            );
        } else if let Some(other) = used.get(&ip.value) {
            cx.err(
                &ip.loc,
                tr!("public-taken", "{ $ip } is already used by { $other }", ip = ip.value, other = other),
                tr!("public-taken-help", "every public address must be unique"),
            );
        } else {
            used.insert(ip.value, owner);
        }
    }
}
