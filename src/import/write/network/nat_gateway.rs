//! NAT gateways: public ones, in a subnet, with the Elastic IP of their allocation when the
//! input knows its address. A private NAT gateway, or one in a VPC with no internet gateway
//! (AWS refuses a public one there), is noted and skipped, and so are the routes to it.

use super::{NAT_GATEWAY, Net, SUBNET, entry, get, live, prop, text};
use crate::import::resource::{Resource, Value};
use crate::import::write::Ctx;
use crate::import::write::props::{Props, Use, Use::*};
use crate::import::yaml::{Item, Node};

const ONE_ADDRESS: Use = Lost("the lab's NAT gateway has one address", "");

/// An `AWS::EC2::NatGateway`'s properties.
pub(super) const PROPS: Props = &[
    ("SubnetId", Read),
    ("AllocationId", Read),
    ("ConnectivityType", Read),
    ("Tags", Meta),
    ("SecondaryAllocationIds", ONE_ADDRESS),
    ("SecondaryPrivateIpAddresses", ONE_ADDRESS),
    ("SecondaryPrivateIpAddressCount", ONE_ADDRESS),
    ("PrivateIpAddress", Lost("the lab picks its private address", "")),
    ("MaxDrainDurationSeconds", Lost("the lab's NAT gateway does not drain connections", "")),
];
use std::net::Ipv4Addr;

/// The `natGateways` list.
pub(super) fn list(ctx: &mut Ctx, net: &Net) -> Vec<Item> {
    let mut out = vec![];
    for r in live(ctx, NAT_GATEWAY) {
        match nat(ctx, net, r) {
            Some(item) => out.push(item),
            None => {
                ctx.skipped.insert(r.id.clone());
            }
        }
    }
    out
}

fn nat(ctx: &mut Ctx, net: &Net, r: &Resource) -> Option<Item> {
    if matches!(prop(r, "ConnectivityType"), Some(Value::String(s)) if s == "private") {
        let what = "a private NAT gateway: the scenario's NAT gateways are public";
        ctx.note(&r.origin, what, "route to a public NAT gateway, or leave the subnet without one");
        return None;
    }
    if net.igw.is_none() {
        let what = "a public NAT gateway in a VPC with no internet gateway, which AWS refuses";
        ctx.note(&r.origin, what, "attach an internet gateway to the VPC");
        return None;
    }
    let Some(subnet) = get(ctx, r, "SubnetId").and_then(|v| ctx.name_of(v, SUBNET, "subnet")) else {
        if prop(r, "SubnetId").is_some_and(|v| !matches!(v, Value::Unknown { .. })) {
            ctx.note(&r.origin, "its subnet is not carried over", "");
        }
        return None;
    };
    let comment = ctx.from(r);
    let name = ctx.name(r, "nat");
    let mut m = vec![entry("name", Node::str(name)), entry("subnet", Node::str(subnet))];
    if let Some((ip, eip)) = elastic_ip(ctx, net, r) {
        m.push(("elasticIp".to_string(), Node::str(ip.to_string()).with_comment(ctx.from(eip))));
    }
    Some(Node::Map(m).with_comment(comment))
}

/// The Elastic IP of `AllocationId`, when its address is known and public.
fn elastic_ip<'a>(ctx: &mut Ctx<'a>, net: &Net, r: &Resource) -> Option<(Ipv4Addr, &'a Resource)> {
    let eip = get(ctx, r, "AllocationId").and_then(|v| ctx.target(v)).filter(|e| e.kind == "AWS::EC2::EIP")?;
    // CloudFormation's EIP has no address property (AWS picks it); Terraform's state has one.
    let Some(s) = text(ctx, eip, "PublicIp") else {
        ctx.used.insert(eip.id.clone());
        return None;
    };
    match s.parse::<Ipv4Addr>() {
        Ok(ip) if looks_public(ip) && !net.cidr.is_some_and(|c| c.contains(ip)) => Some((ip, eip)),
        _ => {
            ctx.note(&eip.origin, format!("PublicIp {s} is not a public IPv4 address: the lab picks one"), "");
            ctx.used.insert(eip.id.clone());
            None
        }
    }
}

/// Not private, loopback, link-local, shared, multicast or reserved.
fn looks_public(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    let shared = o[0] == 100 && (64..128).contains(&o[1]);
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_unspecified()
        || shared
        || o[0] == 0
        || o[0] >= 240
        || ip == Ipv4Addr::new(203, 0, 113, 10))
}
