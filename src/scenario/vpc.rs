//! The `vpc` block: its CIDR block, internet gateway and public IP pool, and its children
//! (subnets, route tables, NAT gateways, security groups, network ACLs), in file order.

use super::builder::Builder;
use super::dhcp_options::{self, DhcpOptions};
use super::fields::{Shape, Table, def, opt, req};
use super::internet::INTERNET_CLIENT;
use super::located::Located;
use super::network_acl::{self, NetworkAcl};
use super::walk::*;
use super::{nat_gateway, route_table, security_group, subnet};
use super::{nat_gateway::NatGateway, route_table::RouteTable, security_group::SecurityGroup, subnet::Subnet};
use crate::i18n::tr;
use ipnetwork::Ipv4Network;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Vpc {
    pub cidr: Located<Ipv4Network>,
    pub internet_gateway: bool,
    /// Where auto-assigned public IPs come from (default 198.51.100.0/24).
    pub public_ip_pool: Located<Ipv4Network>,
    pub subnets: Vec<Subnet>,
    pub route_tables: Vec<RouteTable>,
    pub nat_gateways: Vec<NatGateway>,
    /// As written; the VPC's `default` group is added by the model when not declared.
    pub security_groups: Vec<SecurityGroup>,
    pub network_acls: Vec<NetworkAcl>,
    /// The Amazon-provided resolver answers (EC2's `enableDnsSupport`).
    #[serde(default = "yes")]
    pub enable_dns_support: bool,
    /// The resolver answers Amazon-provided hostnames and private zones, and public addresses
    /// get public names (EC2's `enableDnsHostnames`, which needs DNS support).
    #[serde(default = "yes")]
    pub enable_dns_hostnames: bool,
    #[serde(default)]
    pub dhcp_options: DhcpOptions,
    #[serde(default)]
    pub vpc_endpoints: Vec<super::vpc_endpoint::VpcEndpoint>,
}

fn yes() -> bool {
    true
}

pub(crate) static TABLE: Table = Table {
    id: "vpc",
    doc: "The VPC: its CIDR block, gateways, subnets, route tables, security groups and network ACLs.",
    strict: true,
    rules: &[],
    fields: &[
        req("cidr", Shape::Cidr, "The VPC's IPv4 CIDR block, /16 to /28 (e.g. 10.0.0.0/16)."),
        def("internetGateway", Shape::Bool, "false", "Attach an internet gateway (and with it the emulated internet)."),
        def(
            "publicIpPool",
            Shape::Cidr,
            "\"198.51.100.0/24\"",
            "Where auto-assigned public IPs and NAT gateway Elastic IPs come from (/8 to /30, outside the VPC).",
        ),
        opt("subnets", Shape::List(&Shape::Block(&subnet::TABLE)), "The VPC's subnets."),
        opt("routeTables", Shape::List(&Shape::Block(&route_table::TABLE)), "Route tables that subnets can use."),
        opt("natGateways", Shape::List(&Shape::Block(&nat_gateway::TABLE)), "Public NAT gateways."),
        opt(
            "securityGroups",
            Shape::List(&Shape::Block(&security_group::TABLE)),
            "Security groups; the VPC's `default` group exists without being declared.",
        ),
        opt(
            "networkAcls",
            Shape::List(&Shape::Block(&network_acl::TABLE)),
            "Network ACLs; a subnet without one uses the default ACL (allow all).",
        ),
        def(
            "enableDnsSupport",
            Shape::Bool,
            "true",
            "The Amazon-provided DNS server answers at the VPC CIDR's base+2 and 169.254.169.253.",
        ),
        def(
            "enableDnsHostnames",
            Shape::Bool,
            "true",
            "Amazon-provided hostnames resolve, public addresses get public DNS names, and private zones (endpoints' private DNS) apply; needs enableDnsSupport. Default: as enableDnsSupport (the console's VPC wizard turns both on; CreateVpc alone leaves this off).",
        ),
        opt("dhcpOptions", Shape::Block(&dhcp_options::TABLE), "The DHCP option set: resolvers and search domain."),
        opt(
            "vpcEndpoints",
            Shape::List(&Shape::Block(&super::vpc_endpoint::TABLE)),
            "VPC endpoints to AWS services: interface (ENIs, private DNS) or gateway (S3, DynamoDB routes).",
        ),
    ],
};

/// The vpc block as read, before cross-checks (its CIDR may be missing or invalid).
pub(crate) struct VpcDraft {
    /// The block is a mapping with a usable `cidr`.
    pub ok: bool,
    pub cidr: Option<Located<Ipv4Network>>,
    pub internet_gateway: bool,
    pub public_ip_pool: Located<Ipv4Network>,
    pub subnets: Vec<Subnet>,
    pub route_tables: Vec<RouteTable>,
    pub nat_gateways: Vec<NatGateway>,
    pub security_groups: Vec<SecurityGroup>,
    pub network_acls: Vec<NetworkAcl>,
    pub enable_dns_support: bool,
    pub enable_dns_hostnames: bool,
    pub dhcp_options: DhcpOptions,
    pub vpc_endpoints: Vec<super::vpc_endpoint::VpcEndpoint>,
}

impl VpcDraft {
    pub fn new() -> Self {
        VpcDraft {
            ok: false,
            cidr: None,
            internet_gateway: false,
            public_ip_pool: Located::bare(default_pool()),
            subnets: Vec::new(),
            route_tables: Vec::new(),
            nat_gateways: Vec::new(),
            security_groups: Vec::new(),
            network_acls: Vec::new(),
            enable_dns_support: true,
            enable_dns_hostnames: true,
            dhcp_options: DhcpOptions::default(),
            vpc_endpoints: Vec::new(),
        }
    }

    /// The validated VPC; None when the block was unusable.
    pub fn finish(self) -> Option<Vpc> {
        let vpc = Vpc {
            cidr: self.cidr?,
            internet_gateway: self.internet_gateway,
            public_ip_pool: self.public_ip_pool,
            subnets: self.subnets,
            route_tables: self.route_tables,
            nat_gateways: self.nat_gateways,
            security_groups: self.security_groups,
            network_acls: self.network_acls,
            enable_dns_support: self.enable_dns_support,
            enable_dns_hostnames: self.enable_dns_hostnames,
            dhcp_options: self.dhcp_options,
            vpc_endpoints: self.vpc_endpoints,
        };
        self.ok.then_some(vpc)
    }
}

pub(crate) fn default_pool() -> Ipv4Network {
    Ipv4Network::new(Ipv4Addr::new(198, 51, 100, 0), 24).unwrap_or_else(|_| Ipv4Network::from(Ipv4Addr::UNSPECIFIED))
}

/// The first of the documentation blocks (198.51.100.0/24, 192.0.2.0/24, the half of
/// 203.0.113.0/24 without the internet client) that does not overlap `vpc`.
fn default_pool_outside(vpc: Ipv4Network) -> Ipv4Network {
    let candidates = [(Ipv4Addr::new(192, 0, 2, 0), 24), (Ipv4Addr::new(203, 0, 113, 128), 25)];
    let overlaps = |n: &Ipv4Network| n.contains(vpc.network()) || vpc.contains(n.network());
    std::iter::once(default_pool())
        .chain(candidates.iter().filter_map(|(ip, p)| Ipv4Network::new(*ip, *p).ok()))
        .find(|n| !overlaps(n))
        .unwrap_or_else(default_pool)
}

/// The vpc block and its children; `region` gives subnets their default availability zone.
pub(crate) fn parse(b: &mut Builder, v: &Value<'_>, region: &str, d: &mut VpcDraft) {
    let cx = &mut b.cx;
    let Some(m) = cx.map(v, "the vpc block") else { return };
    let m = Block { what: "vpc".to_string(), ..m };
    m.strict(cx, &TABLE);
    d.ok = true;
    match m.req(cx, "cidr", "10.0.0.0/16").map(|v| cx.cidr(&v)) {
        Some(Some(c)) => d.cidr = vpc_cidr(cx, c),
        _ => d.ok = false,
    }
    if let Some(v) = m.get("internetGateway") {
        d.internet_gateway = cx.boolean(&v).map(|b| b.value).unwrap_or(false);
    }
    dns_attributes(cx, &m, d);
    if let Some(v) = m.get("dhcpOptions") {
        d.dhcp_options = dhcp_options::parse(cx, &v).unwrap_or_default();
    }
    if let Some(v) = m.get("publicIpPool") {
        if let Some(c) = cx.cidr(&v) {
            if public_ip_pool_ok(cx, &c, d.cidr.as_ref()) {
                d.public_ip_pool = c;
            }
        }
    } else if let Some(vpc) = &d.cidr {
        // AWS's public addresses never fall inside the VPC: a VPC that uses the default pool's
        // block (publicly routable ranges are allowed as VPC CIDRs) gets another documentation
        // block for its public IPs.
        d.public_ip_pool = Located::bare(default_pool_outside(vpc.value));
    }
    let (igw, vpc_cidr) = (d.internet_gateway, d.cidr.clone());
    if let Some(v) = m.get("subnets") {
        d.subnets = subnet::parse_all(b, &v, region, vpc_cidr.as_ref());
    }
    if let Some(v) = m.get("routeTables") {
        d.route_tables = route_table::parse_all(b, &v, igw, vpc_cidr.as_ref());
    }
    if let Some(v) = m.get("natGateways") {
        d.nat_gateways = nat_gateway::parse_all(b, &v, igw);
    }
    if let Some(v) = m.get("securityGroups") {
        d.security_groups = security_group::parse_all(b, &v);
    }
    if let Some(v) = m.get("networkAcls") {
        d.network_acls = network_acl::parse_all(b, &v);
    }
    if let Some(v) = m.get("vpcEndpoints") {
        d.vpc_endpoints = super::vpc_endpoint::parse_all(b, &v, region);
    }
}

/// `enableDnsSupport` and `enableDnsHostnames`: hostnames default to what DNS support is, and
/// cannot be on without it (ModifyVpcAttribute refuses).
fn dns_attributes(cx: &mut Reader, m: &Block<'_>, d: &mut VpcDraft) {
    let read = |cx: &mut Reader, key: &str| m.get(key).and_then(|v| cx.boolean(&v));
    let support = read(cx, "enableDnsSupport");
    let hostnames = read(cx, "enableDnsHostnames");
    d.enable_dns_support = support.as_ref().is_none_or(|s| s.value);
    d.enable_dns_hostnames = hostnames.as_ref().map_or(d.enable_dns_support, |h| h.value);
    if let Some(h) = hostnames.filter(|h| h.value && !d.enable_dns_support) {
        cx.err(
            &h.loc,
            tr!("vpc-dns-hostnames-need-support", "You can only enable DNS hostnames if you've enabled DNS support."),
            tr!("vpc-dns-hostnames-need-support-help", "set `enableDnsSupport: true`, or `enableDnsHostnames: false`"),
        );
    }
}

/// The VPC CIDR block as AWS allows it: /16 to /28, not loopback, link-local or multicast.
fn vpc_cidr(cx: &mut Reader, c: Located<Ipv4Network>) -> Option<Located<Ipv4Network>> {
    let p = c.value.prefix();
    let o = c.value.ip().octets();
    if !(16..=28).contains(&p) {
        cx.err(
            &c.loc,
            tr!(
                "vpc-cidr-size",
                "the VPC CIDR block { $cidr } is invalid: the netmask must be between /16 and /28, as in AWS",
                cidr = c.value
            ),
            tr!("vpc-cidr-size-help", "use a block like 10.0.0.0/16"),
        );
        None
    } else if o[0] == 0 || o[0] == 127 || o[0] >= 224 || (o[0] == 169 && o[1] == 254) {
        cx.err(
            &c.loc,
            tr!(
                "vpc-cidr-reserved",
                "the VPC CIDR block { $cidr } is not allowed (loopback, link-local, multicast or reserved)",
                cidr = c.value
            ),
            tr!("vpc-cidr-reserved-help", "use a private range such as 10.0.0.0/16, 172.16.0.0/16 or 192.168.0.0/16"),
        );
        None
    } else if c.value.overlaps(super::aws_service::public_net()) {
        cx.err(
            &c.loc,
            tr!(
                "vpc-cidr-aws-public",
                "the VPC CIDR block { $cidr } overlaps 198.18.0.0/15, where ecsnet places AWS's public service endpoints",
                cidr = c.value
            ),
            tr!("vpc-cidr-reserved-help", "use a private range such as 10.0.0.0/16, 172.16.0.0/16 or 192.168.0.0/16"),
        );
        None
    } else {
        Some(c)
    }
}

/// A pool of public-looking addresses outside the VPC, without the emulated internet client.
fn public_ip_pool_ok(cx: &mut Reader, c: &Located<Ipv4Network>, vpc: Option<&Located<Ipv4Network>>) -> bool {
    let reason = not_public_reason(c.value.network());
    if c.value.prefix() > 30 || c.value.prefix() < 8 {
        cx.err(
            &c.loc,
            tr!("vpc-pool-size", "publicIpPool { $cidr } must be between /8 and /30", cidr = c.value),
            tr!("vpc-pool-size-help", "for example 198.51.100.0/24"),
        );
    } else if let Some(r) = reason {
        cx.err(
            &c.loc,
            tr!(
                "vpc-pool-not-public",
                "publicIpPool { $cidr } cannot hold public addresses: { $reason }",
                cidr = c.value,
                reason = r
            ),
            tr!("vpc-pool-not-public-help", "use a public-looking range such as 198.51.100.0/24 (TEST-NET-2)"),
        );
    } else if vpc.is_some_and(|vc| vc.value.overlaps(c.value)) {
        cx.err(
            &c.loc,
            tr!("vpc-pool-overlaps", "publicIpPool { $cidr } overlaps the VPC CIDR block", cidr = c.value),
            tr!("vpc-pool-overlaps-help", "use a range outside the VPC"),
        );
    } else if c.value.contains(INTERNET_CLIENT) {
        cx.err(
            &c.loc,
            tr!(
                "vpc-pool-client",
                "publicIpPool { $cidr } contains 203.0.113.10, the emulated internet client",
                cidr = c.value
            ),
            tr!("vpc-pool-client-help", "use another range, e.g. 198.51.100.0/24"),
        );
    } else if c.value.overlaps(super::aws_service::public_net()) {
        cx.err(
            &c.loc,
            tr!(
                "vpc-pool-aws-public",
                "publicIpPool { $cidr } overlaps 198.18.0.0/15, where ecsnet places AWS's public service endpoints",
                cidr = c.value
            ),
            tr!("vpc-pool-client-help", "use another range, e.g. 198.51.100.0/24"),
        );
    } else if c.value.contains(super::dhcp_options::INTERNET_RESOLVER) {
        cx.err(
            &c.loc,
            tr!(
                "vpc-pool-resolver",
                "publicIpPool { $cidr } contains 203.0.113.53, the emulated internet's DNS resolver",
                cidr = c.value
            ),
            tr!("vpc-pool-client-help", "use another range, e.g. 198.51.100.0/24"),
        );
    } else {
        return true;
    }
    false
}
