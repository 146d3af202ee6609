//! The VPC's own fields: its block, the internet gateway attached to it, the DNS attributes
//! and the DHCP option set; and notes for what attaches to a VPC but has no place in a lab
//! (secondary blocks, egress-only internet gateways, VPN and transit gateways, peering).

use super::{Net, cidr, entry, flag, get, live, prop, refers_to, text};
use crate::import::resource::{Resource, Value};
use crate::import::write::Ctx;
use crate::import::yaml::{Item, Node};

const IGW: &str = "AWS::EC2::InternetGateway";

/// `cidr` and `internetGateway`; sets `net.cidr` and `net.igw`.
pub(super) fn head<'a>(ctx: &mut Ctx<'a>, net: &mut Net<'a>) -> Vec<(String, Item)> {
    let mut out = vec![];
    if let Some(vpc) = net.vpc {
        net.cidr = vpc_cidr(ctx, vpc);
    } else {
        ctx.note("input", "no AWS::EC2::VPC: its resources name a VPC of another stack", "add `vpc.cidr` by hand");
    }
    if let Some(c) = net.cidr {
        out.push(entry("cidr", Node::str(c.to_string())));
    }
    if let Some((igw, via)) = internet_gateway(ctx, net) {
        net.igw = Some(igw);
        let mut comment = ctx.from(igw);
        if let Some(att) = via {
            comment = format!("{comment}, attached by {}", ctx.from(att).trim_start_matches("from "));
        }
        out.push(("internetGateway".to_string(), Node::Bool(true).with_comment(comment)));
    }
    out
}

/// The VPC's block: /16 to /28, as AWS takes it.
fn vpc_cidr(ctx: &mut Ctx, vpc: &Resource) -> Option<ipnetwork::Ipv4Network> {
    let fix = "add `vpc.cidr` by hand (or supply the value and import again)";
    let s = match prop(vpc, "CidrBlock") {
        None => {
            let what = "the VPC has no CidrBlock (an IPAM pool assigns it): the scenario needs `vpc.cidr`";
            ctx.note(&vpc.origin, what, fix);
            return None;
        }
        Some(Value::Unknown { why, fix }) => {
            let what = format!("CidrBlock is not known ({why}): the scenario needs `vpc.cidr`");
            ctx.note(&vpc.origin, what, fix.clone());
            return None;
        }
        Some(v) => v.str().unwrap_or_default().to_string(),
    };
    let c = cidr(ctx, vpc, "CidrBlock", &s)?;
    if !(16..=28).contains(&c.prefix()) {
        ctx.note(&vpc.origin, format!("CidrBlock {c}: a VPC's block is /16 to /28"), fix);
        return None;
    }
    Some(c)
}

/// The internet gateway attached to the VPC, and the attachment that attaches it (Terraform's
/// `aws_internet_gateway` names its VPC itself).
fn internet_gateway<'a>(ctx: &mut Ctx<'a>, net: &Net) -> Option<(&'a Resource, Option<&'a Resource>)> {
    let vpc = net.vpc?;
    let mut found: Vec<(&'a Resource, Option<&'a Resource>)> = vec![];
    for att in live(ctx, "AWS::EC2::VPCGatewayAttachment") {
        if !refers_to(prop(att, "VpcId"), &vpc.id) {
            continue;
        }
        if prop(att, "VpnGatewayId").is_some() {
            let what = "a VPN gateway: the lab has no VPN";
            ctx.note(&att.origin, what, "");
            ctx.used.insert(att.id.clone());
            continue;
        }
        let igw = get(ctx, att, "InternetGatewayId").and_then(|v| ctx.target(v)).filter(|r| r.kind == IGW);
        match igw {
            Some(igw) => found.push((igw, Some(att))),
            None => ctx.note(&att.origin, "the attachment names no internet gateway of the input", ""),
        }
    }
    for igw in live(ctx, IGW) {
        if refers_to(prop(igw, "VpcId"), &vpc.id) && !found.iter().any(|(g, _)| g.id == igw.id) {
            found.push((igw, None));
        }
    }
    for (extra, _) in found.iter().skip(1) {
        ctx.note(&extra.origin, "a second internet gateway: a VPC has one", "");
    }
    found.first().copied()
}

/// `enableDnsSupport` (written when off), `enableDnsHostnames` (always: CloudFormation's and
/// Terraform's default is off, the scenario's on) and `dhcpOptions`.
pub(super) fn tail(ctx: &mut Ctx, net: &Net) -> Vec<(String, Item)> {
    let Some(vpc) = net.vpc else { return vec![] };
    let mut out = vec![];
    let support = flag(ctx, vpc, "EnableDnsSupport").unwrap_or(true);
    let mut hostnames = flag(ctx, vpc, "EnableDnsHostnames").unwrap_or(false);
    if hostnames && !support {
        let what = "EnableDnsHostnames without EnableDnsSupport, which AWS refuses: written as off";
        ctx.note(&vpc.origin, what, "turn EnableDnsSupport on");
        hostnames = false;
    }
    if !support {
        out.push(entry("enableDnsSupport", Node::Bool(false)));
    }
    let hn = Node::Bool(hostnames);
    out.push(match prop(vpc, "EnableDnsHostnames") {
        None => ("enableDnsHostnames".to_string(), hn.with_comment("CloudFormation's and Terraform's default")),
        Some(_) => entry("enableDnsHostnames", hn),
    });
    if let Some(d) = dhcp_options(ctx, net) {
        out.push(("dhcpOptions".to_string(), d));
    }
    out
}

/// The DHCP option set associated with the VPC.
fn dhcp_options(ctx: &mut Ctx, net: &Net) -> Option<Item> {
    let vpc = net.vpc?;
    let assocs = live(ctx, "AWS::EC2::VPCDHCPOptionsAssociation");
    let assoc = assocs.into_iter().find(|a| refers_to(prop(a, "VpcId"), &vpc.id))?;
    let opts = get(ctx, assoc, "DhcpOptionsId").and_then(|v| ctx.target(v));
    let Some(opts) = opts.filter(|r| r.kind == "AWS::EC2::DHCPOptions") else {
        // `default`: the VPC's default option set, which is the scenario's default.
        ctx.used.insert(assoc.id.clone());
        return None;
    };
    let mut m = vec![];
    if let Some(d) = text(ctx, opts, "DomainName") {
        m.push(entry("domainName", Node::str(d)));
    }
    let servers = dns_servers(ctx, opts);
    if !servers.is_empty() {
        m.push(entry("domainNameServers", Node::list(servers.into_iter().map(Node::Str))));
    }
    for key in ["NtpServers", "NetbiosNameServers", "NetbiosNodeType", "Ipv6AddressPreferredLeaseTime"] {
        if prop(opts, key).is_some() {
            ctx.note(&opts.origin, format!("{key} is not carried over: the lab's DHCP gives DNS only"), "");
        }
    }
    let comment = format!("{}, associated by {}", ctx.from(opts), ctx.from(assoc).trim_start_matches("from "));
    Some(Node::Map(m).with_comment(comment))
}

/// `DomainNameServers`: addresses or AmazonProvidedDNS, at most four.
fn dns_servers(ctx: &mut Ctx, opts: &Resource) -> Vec<String> {
    let Some(list) = get(ctx, opts, "DomainNameServers") else {
        let what = "no DomainNameServers: on AWS its instances get no DNS server; the scenario gives AmazonProvidedDNS";
        ctx.note(&opts.origin, what, "");
        return vec![];
    };
    let mut out = vec![];
    for v in list.list() {
        match v.str() {
            Some(s) if s == "AmazonProvidedDNS" || s.parse::<std::net::Ipv4Addr>().is_ok() => out.push(s.to_string()),
            _ => ctx.note(&opts.origin, format!("DomainNameServers: {v:?} is not an IPv4 address"), ""),
        }
    }
    if out.len() > 4 {
        ctx.note(&opts.origin, "DomainNameServers: more than 4, which AWS refuses; the first 4 are kept", "");
        out.truncate(4);
    }
    out
}

/// What attaches to the VPC but has no place in the lab.
pub(super) fn notes(ctx: &mut Ctx, net: &Net) {
    let kinds = [
        ("AWS::EC2::VPCCidrBlock", "a secondary CIDR block: the scenario's VPC has one block"),
        ("AWS::EC2::EgressOnlyInternetGateway", "an egress-only internet gateway: the lab has no IPv6"),
        ("AWS::EC2::VPNGateway", "a VPN gateway: the lab has no VPN"),
        ("AWS::EC2::VPNGatewayRoutePropagation", "VPN route propagation: the lab has no VPN"),
        ("AWS::EC2::TransitGateway", "a transit gateway: the lab has one VPC"),
        ("AWS::EC2::TransitGatewayAttachment", "a transit gateway attachment: the lab has one VPC"),
        ("AWS::EC2::TransitGatewayVpcAttachment", "a transit gateway attachment: the lab has one VPC"),
        ("AWS::EC2::VPCPeeringConnection", "a peering connection: the lab has one VPC"),
        ("AWS::EC2::FlowLog", "a flow log: `ecsnet explain` shows why packets pass or not"),
    ];
    for (kind, what) in kinds {
        for r in live(ctx, kind) {
            ctx.note(&r.origin, what, "");
            ctx.used.insert(r.id.clone());
        }
    }
    if let Some(vpc) = net.vpc {
        super::note_unsupported(ctx, vpc, &[("Ipv6IpamPoolId", "the lab has no IPv6")]);
        if matches!(prop(vpc, "InstanceTenancy"), Some(Value::String(t)) if t == "dedicated") {
            ctx.note(&vpc.origin, "InstanceTenancy dedicated changes nothing in a lab", "");
        }
    }
}
