//! Subnets: name, block, zone, and the route table a SubnetRouteTableAssociation gives them
//! (none: the main route table, written by omitting `routeTable`). `MapPublicIpOnLaunch`
//! has no subnet field in the scenario: it is recorded for the instances launched there.

use super::{Net, SUBNET, cidr, entry, flag, get, live, prop, refers_to, text};
use crate::import::resource::Resource;
use crate::import::write::Ctx;
use crate::import::write::props::{Props, Use, Use::*};
use crate::import::yaml::{Item, Node};
use ipnetwork::Ipv4Network;

const NO_IPV6: Use = Lost("the lab has no IPv6", "");

/// An `AWS::EC2::Subnet`'s properties.
pub(super) const PROPS: Props = &[
    ("CidrBlock", Read),
    ("VpcId", Read),
    ("AvailabilityZone", Read),
    ("MapPublicIpOnLaunch", Read),
    ("Tags", Meta),
    ("Ipv6CidrBlock", NO_IPV6),
    ("Ipv6CidrBlocks", NO_IPV6),
    ("AssignIpv6AddressOnCreation", NO_IPV6),
    ("Ipv6Native", NO_IPV6),
    ("EnableDns64", NO_IPV6),
    ("Ipv6IpamPoolId", NO_IPV6),
    ("Ipv6NetmaskLength", NO_IPV6),
    ("AvailabilityZoneId", Lost("zones are named by `availabilityZone`", "give the subnet an AvailabilityZone")),
    ("OutpostArn", Lost("the lab has no Outposts", "")),
    ("Ipv4IpamPoolId", Lost("the lab has no IPAM", "give the subnet a CidrBlock")),
    ("Ipv4NetmaskLength", Lost("the lab has no IPAM", "give the subnet a CidrBlock")),
    ("EnableLniAtDeviceIndex", Lost("the lab has no Outposts", "")),
    ("PrivateDnsNameOptionsOnLaunch", Lost("the lab names its instances its own way", "")),
];

/// A `AWS::EC2::SubnetRouteTableAssociation`'s properties.
pub(super) const ROUTE_TABLE_ASSOCIATION: Props = &[("SubnetId", Read), ("RouteTableId", Read)];

/// The `subnets` list. A subnet that cannot be written (no block, outside the VPC, overlapping
/// another) is noted and skipped, so that what names it is noted too.
pub(super) fn list(ctx: &mut Ctx, net: &Net) -> Vec<Item> {
    let mut out = vec![];
    let mut blocks: Vec<(Ipv4Network, String)> = vec![];
    let assocs = live(ctx, "AWS::EC2::SubnetRouteTableAssociation");
    for r in live(ctx, SUBNET) {
        let Some(block) = subnet_cidr(ctx, net, r, &blocks) else {
            ctx.skipped.insert(r.id.clone());
            continue;
        };
        let comment = ctx.from(r);
        let name = ctx.name(r, "subnet");
        blocks.push((block, name.clone()));
        let mut m = vec![entry("name", Node::str(&name)), entry("cidr", Node::str(block.to_string()))];
        if let Some(az) = zone(ctx, r) {
            m.push(entry("availabilityZone", Node::str(az)));
        }
        if let Some(rt) = route_table(ctx, net, r, &assocs) {
            m.push(rt);
        }
        if flag(ctx, r, "MapPublicIpOnLaunch") == Some(true) {
            ctx.public_subnets.insert(r.id.clone());
        }
        out.push(Node::Map(m).with_comment(comment));
    }
    out
}

/// The subnet's block: inside the VPC's, /16 to /28, not overlapping an earlier subnet.
fn subnet_cidr(ctx: &mut Ctx, net: &Net, r: &Resource, earlier: &[(Ipv4Network, String)]) -> Option<Ipv4Network> {
    let Some(s) = text(ctx, r, "CidrBlock") else {
        if prop(r, "CidrBlock").is_none() {
            ctx.note(&r.origin, "the subnet has no CidrBlock: not carried over", "give it a CidrBlock");
        }
        return None;
    };
    let c = cidr(ctx, r, "CidrBlock", &s)?;
    if net.cidr.is_some_and(|v| !c.is_subnet_of(v)) || !(16..=28).contains(&c.prefix()) {
        let what = format!("CidrBlock {c} is not a /16-/28 block inside the VPC's: not carried over");
        ctx.note(&r.origin, what, "");
        return None;
    }
    if let Some((_, other)) = earlier.iter().find(|(b, _)| b.overlaps(c)) {
        let what = format!("The CIDR '{c}' conflicts with another subnet ({other}): not carried over");
        ctx.note(&r.origin, what, "");
        return None;
    }
    Some(c)
}

/// The zone, when known: of the scenario's region (`REGION` and one letter), else the
/// region's zone of the same letter (another region's `us-west-2b`, the CDK's `dummy1b`
/// placeholder), so that subnets in distinct zones stay in distinct zones.
fn zone(ctx: &mut Ctx, r: &Resource) -> Option<String> {
    let az = text(ctx, r, "AvailabilityZone")?;
    let ok = az.strip_prefix(ctx.region.as_str()).is_some_and(|l| l.len() == 1 && l.as_bytes()[0].is_ascii_lowercase());
    if !ok {
        let letter = az.chars().last().filter(char::is_ascii_lowercase).unwrap_or('a');
        let what = format!("AvailabilityZone {az} is not a zone of {0}: written {0}{letter}", ctx.region);
        ctx.note(&r.origin, what, "give --region REGION for the stack's own region");
        return Some(format!("{}{letter}", ctx.region));
    }
    Some(az)
}

/// `routeTable` from the subnet's association (commented with it); None: the main table.
fn route_table(ctx: &mut Ctx, net: &Net, r: &Resource, assocs: &[&Resource]) -> Option<(String, Item)> {
    let mine: Vec<&Resource> = assocs.iter().copied().filter(|a| refers_to(prop(a, "SubnetId"), &r.id)).collect();
    for extra in mine.iter().skip(1) {
        ctx.note(&extra.origin, "a second route table association of one subnet, which AWS refuses", "");
        ctx.used.insert(extra.id.clone());
    }
    let a = mine.first()?;
    let v = get(ctx, a, "RouteTableId")?;
    let name = super::route_table::name_of(ctx, net, v);
    let comment = ctx.from(a);
    match name {
        Some(n) => Some(("routeTable".to_string(), Node::str(n).with_comment(comment))),
        None => {
            let what = "the route table it associates is not carried over: the subnet uses the main route table";
            ctx.note(&a.origin, what, "");
            None
        }
    }
}
