//! `vpc.dhcpOptions`: the DHCP option set of the VPC (EC2's CreateDhcpOptions), of which the
//! resolver settings matter here: `domainNameServers` (up to four addresses, or
//! `AmazonProvidedDNS`) and `domainName` (the search domain instances and awsvpc tasks get).

use super::fields::{Shape, Table, opt};
use super::located::Located;
use super::walk::*;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

/// The word EC2 uses for the VPC's own resolver in `domain-name-servers`.
pub const AMAZON_PROVIDED_DNS: &str = "AmazonProvidedDNS";
/// The port of DNS.
pub const DNS_PORT: u16 = 53;
/// The resolver of the lab's internet (what the internet's hosts ask): in the half of
/// 203.0.113.0/24 that also holds the internet client, which no default address pool uses.
pub const INTERNET_RESOLVER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 53);
/// CreateDhcpOptions takes at most four domain name servers.
pub const MAX_DNS_SERVERS: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DnsServer {
    /// The VPC's resolver (primary CIDR base+2).
    AmazonProvided,
    Ip(Ipv4Addr),
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DhcpOptions {
    /// None: the region's default (`ec2.internal` in us-east-1, else `REGION.compute.internal`).
    pub domain_name: Option<Located<String>>,
    /// Empty: `AmazonProvidedDNS`, as in the default option set.
    pub domain_name_servers: Vec<Located<DnsServer>>,
}

pub(crate) static TABLE: Table = Table {
    id: "dhcpOptions",
    doc: "The VPC's DHCP option set: the resolvers and search domain its instances and awsvpc tasks get.",
    strict: true,
    rules: &[],
    fields: &[
        opt(
            "domainName",
            Shape::Text,
            "The search domain (default `ec2.internal` in us-east-1, else `REGION.compute.internal`); several separated by spaces.",
        ),
        opt(
            "domainNameServers",
            Shape::List(&Shape::Text),
            "Up to 4 resolver addresses, or `AmazonProvidedDNS` (the default): the VPC resolver at the VPC CIDR's base+2.",
        ),
    ],
};

/// The `dhcpOptions` block.
pub(crate) fn parse(cx: &mut Reader, v: &Value<'_>) -> Option<DhcpOptions> {
    let m = cx.map(v, "the dhcpOptions block")?;
    let m = Block { what: "dhcpOptions".to_string(), ..m };
    m.strict(cx, &TABLE);
    let mut d = DhcpOptions::default();
    if let Some(v) = m.get("domainName") {
        d.domain_name = cx.nonempty(&v).filter(|s| domain_name_ok(cx, s));
    }
    if let Some(v) = m.get("domainNameServers") {
        let list = cx.str_list(&v, 64).unwrap_or_default();
        if list.len() > MAX_DNS_SERVERS {
            cx.err(
                &cx.vloc(&v),
                tr!(
                    "dhcp-too-many-servers",
                    "domain-name-servers takes at most { $max } servers, found { $n }",
                    max = MAX_DNS_SERVERS,
                    n = list.len()
                ),
                tr!("dhcp-too-many-servers-help", "keep at most four addresses, or AmazonProvidedDNS"),
            );
        }
        d.domain_name_servers = list.iter().take(MAX_DNS_SERVERS).filter_map(|s| server(cx, s)).collect();
    }
    Some(d)
}

fn server(cx: &mut Reader, s: &Located<String>) -> Option<Located<DnsServer>> {
    let t = s.value.trim();
    if t.eq_ignore_ascii_case(AMAZON_PROVIDED_DNS) {
        return Some(Located::new(DnsServer::AmazonProvided, s.loc.clone()));
    }
    match t.parse::<Ipv4Addr>() {
        Ok(ip) => Some(Located::new(DnsServer::Ip(ip), s.loc.clone())),
        Err(_) => {
            cx.err(
                &s.loc,
                tr!(
                    "dhcp-bad-server",
                    "Value ({ $value }) for parameter domain-name-servers is invalid: an IPv4 address or AmazonProvidedDNS is expected",
                    value = t
                ),
                tr!("dhcp-bad-server-help", "write AmazonProvidedDNS, or an address such as 10.0.0.2"),
            );
            None
        }
    }
}

/// Domain names as DHCP carries them: labels of letters, digits and `-`, separated by dots;
/// several names separated by spaces.
fn domain_name_ok(cx: &mut Reader, s: &Located<String>) -> bool {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let ok = s.value.split_whitespace().all(|d| d.len() <= 253 && d.trim_end_matches('.').split('.').all(label_ok));
    if !ok {
        cx.err(
            &s.loc,
            tr!(
                "dhcp-bad-domain",
                "Value ({ $value }) for parameter domain-name is invalid: a domain name has labels of letters, digits and hyphens",
                value = s.value.as_str()
            ),
            tr!("dhcp-bad-domain-help", "for example corp.example.com, or several separated by spaces"),
        );
    }
    ok
}
