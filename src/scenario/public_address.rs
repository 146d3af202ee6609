//! Public addresses written in the file (Elastic IPs of NAT gateways and instances, internet
//! hosts' addresses): each must look public, lie outside the VPC, and be unique.

use super::instance::Instance;
use super::internet::{INTERNET_CLIENT, InternetHost};
use super::located::Located;
use super::nat_gateway::NatGateway;
use super::walk::*;
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
    let mut publics: Vec<(&Located<Ipv4Addr>, String)> = Vec::new();
    for n in nat_gateways {
        if let Some(e) = &n.elastic_ip {
            publics.push((e, format!("NAT gateway `{}`", n.name.value)));
        }
    }
    for h in hosts {
        publics.push((&h.ip, format!("internet host `{}`", h.name.value)));
    }
    for i in instances {
        if let Some(e) = &i.elastic_ip {
            publics.push((e, format!("instance `{}`", i.name.value)));
        }
    }
    publics.sort_by_key(|(s, _)| (s.loc.file.as_path().to_path_buf(), s.loc.line, s.loc.col));
    let mut used: HashMap<Ipv4Addr, &str> = HashMap::new();
    for (ip, owner) in &publics {
        let what = if owner.starts_with("internet host") { "internet host address" } else { "Elastic IP" };
        if let Some(r) = not_public_reason(ip.value) {
            cx.err(
                &ip.loc,
                format!("{what} {} cannot be a public address: {r}", ip.value),
                "use a public-looking address such as 198.51.100.80 (TEST-NET-2) or 192.0.2.80 (TEST-NET-1)",
            );
        } else if vpc.is_some_and(|v| v.contains(ip.value)) {
            cx.err(
                &ip.loc,
                format!("{what} {} is inside the VPC CIDR block", ip.value),
                "use an address outside the VPC",
            );
        } else if ip.value == INTERNET_CLIENT {
            cx.err(
                &ip.loc,
                format!("{what} 203.0.113.10 is the address of the emulated internet client"),
                "use another address",
            );
        } else if let Some(other) = used.get(&ip.value) {
            cx.err(&ip.loc, format!("{} is already used by {other}", ip.value), "every public address must be unique");
        } else {
            used.insert(ip.value, owner);
        }
    }
}
