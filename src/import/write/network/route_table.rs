//! Route tables and their routes. The scenario's routes go to the internet gateway or a NAT
//! gateway; every other target is noted per route. The VPC's main route table is the one
//! named `main`: the table the Terraform reader marks `EcsnetMain` takes that name, else it is
//! kept for the VPC's implicit main table (declared, empty, only when something names it), so
//! that no other table is taken for the main one by its Name tag.

use super::{NAT_GATEWAY, Net, ROUTE_TABLE, VPC_ENDPOINT, cidr, entry, get, live, prop, refers_to, text};
use crate::import::resource::{Resource, Value};
use crate::import::write::Ctx;
use crate::import::write::props::{Props, Use::*};
use crate::import::yaml::{Item, Node};
use ipnetwork::Ipv4Network;

const KIND: &str = "route-table";
const MAIN: &str = "main";

/// The targets the scenario has no place for.
const OTHER_TARGETS: &[&str] = &[
    "TransitGatewayId",
    "VpcPeeringConnectionId",
    "NetworkInterfaceId",
    "InstanceId",
    "VpcEndpointId",
    "EgressOnlyInternetGatewayId",
    "CarrierGatewayId",
    "LocalGatewayId",
    "CoreNetworkArn",
];

/// An `AWS::EC2::RouteTable`'s properties.
pub(super) const PROPS: Props = &[("VpcId", Read), ("EcsnetMain", Read), ("Tags", Meta)];

/// An `AWS::EC2::Route`'s properties (the targets of [`OTHER_TARGETS`] noted by the writer).
pub(super) const ROUTE: Props = &[
    ("RouteTableId", Read),
    ("DestinationCidrBlock", Read),
    ("DestinationIpv6CidrBlock", Read),
    ("DestinationPrefixListId", Read),
    ("GatewayId", Read),
    ("NatGatewayId", Read),
    ("TransitGatewayId", Read),
    ("VpcPeeringConnectionId", Read),
    ("NetworkInterfaceId", Read),
    ("InstanceId", Read),
    ("VpcEndpointId", Read),
    ("EgressOnlyInternetGatewayId", Read),
    ("CarrierGatewayId", Read),
    ("LocalGatewayId", Read),
    ("CoreNetworkArn", Read),
];

fn is_main(r: &Resource) -> bool {
    prop(r, "EcsnetMain").and_then(Value::bool) == Some(true)
}

/// The key the VPC's implicit main table is named under.
fn implicit_key(net: &Net) -> String {
    format!("{}.MainRouteTable", net.vpc.map(|v| v.id.as_str()).unwrap_or("vpc"))
}

/// Give `main` to the main table before any table is named.
pub(super) fn reserve_main(ctx: &mut Ctx, net: &Net) {
    let key = match live(ctx, ROUTE_TABLE).into_iter().find(|r| is_main(r)) {
        Some(r) => r.id.clone(),
        None => implicit_key(net),
    };
    ctx.names.assign(KIND, &key, Some(MAIN));
}

/// The scenario name of the route table `v` refers to (the VPC's main table is `main`).
pub(super) fn name_of(ctx: &mut Ctx, net: &Net, v: &Value) -> Option<String> {
    if net.vpc_attribute(v, "mainroutetable") {
        return Some(MAIN.to_string());
    }
    ctx.name_of(v, ROUTE_TABLE, KIND)
}

/// Does any resource name the VPC's implicit main route table?
fn names_implicit_main(ctx: &Ctx, net: &Net) -> bool {
    fn walk(v: &Value, net: &Net) -> bool {
        match v {
            Value::List(l) => l.iter().any(|x| walk(x, net)),
            Value::Map(m) => m.iter().any(|(_, x)| walk(x, net)),
            v => net.vpc_attribute(v, "mainroutetable"),
        }
    }
    ctx.input.resources.iter().any(|r| !ctx.skipped.contains(&r.id) && walk(&r.properties, net))
}

/// The `routeTables` list.
pub(super) fn list(ctx: &mut Ctx, net: &Net) -> Vec<Item> {
    let tables = live(ctx, ROUTE_TABLE);
    let routes = live(ctx, "AWS::EC2::Route");
    let mut out = vec![];
    if !tables.iter().any(|r| is_main(r)) && names_implicit_main(ctx, net) {
        let mine: Vec<&Resource> = routes
            .iter()
            .copied()
            .filter(|r| prop(r, "RouteTableId").is_some_and(|v| net.vpc_attribute(v, "mainroutetable")))
            .collect();
        let mut m = vec![entry("name", Node::str(MAIN))];
        push_routes(ctx, net, &mut m, &mine);
        let origin = net.vpc.map(|v| v.origin.as_str()).unwrap_or("the VPC");
        out.push(Node::Map(m).with_comment(format!("the main route table of {origin}")));
    }
    for t in tables {
        let comment = ctx.from(t);
        let name = ctx.name(t, KIND);
        let mine: Vec<&Resource> =
            routes.iter().copied().filter(|r| refers_to(prop(r, "RouteTableId"), &t.id)).collect();
        let mut m = vec![entry("name", Node::str(name))];
        push_routes(ctx, net, &mut m, &mine);
        out.push(Node::Map(m).with_comment(comment));
    }
    out
}

fn push_routes(ctx: &mut Ctx, net: &Net, m: &mut Vec<(String, Item)>, routes: &[&Resource]) {
    let mut seen = vec![];
    let items: Vec<Item> = routes.iter().filter_map(|r| route(ctx, net, r, &mut seen)).collect();
    if !items.is_empty() {
        m.push(("routes".to_string(), Node::List(items).into()));
    }
}

/// One route, or None (noted, unless it is a route the scenario makes by itself).
fn route(ctx: &mut Ctx, net: &Net, r: &Resource, seen: &mut Vec<Ipv4Network>) -> Option<Item> {
    let gateway_endpoint = prop(r, "VpcEndpointId")
        .and_then(|v| ctx.target(v))
        .is_some_and(|e| e.kind == VPC_ENDPOINT && super::is_gateway(e));
    let local = matches!(prop(r, "GatewayId"), Some(Value::String(s)) if s == "local");
    if gateway_endpoint || local {
        // The endpoint's routes come from its routeTables; the local route is implicit.
        ctx.used.insert(r.id.clone());
        return None;
    }
    for key in ["DestinationIpv6CidrBlock", "DestinationPrefixListId"] {
        if prop(r, key).is_some() {
            ctx.note(&r.origin, format!("a route to a {key}: the scenario's routes go to IPv4 blocks"), "");
            return None;
        }
    }
    let Some(d) = text(ctx, r, "DestinationCidrBlock") else {
        if prop(r, "DestinationCidrBlock").is_none() {
            ctx.note(&r.origin, "a route with no DestinationCidrBlock", "");
        }
        return None;
    };
    let dest = cidr(ctx, r, "DestinationCidrBlock", &d)?;
    if net.cidr.is_some_and(|v| dest.is_subnet_of(v)) {
        ctx.note(&r.origin, format!("a route to {dest}, inside the VPC: the local route covers it"), "");
        return None;
    }
    if seen.contains(&dest) {
        ctx.note(&r.origin, format!("The route identified by {dest} already exists."), "");
        return None;
    }
    let target = target(ctx, net, r, dest)?;
    seen.push(dest);
    let m = vec![entry("destinationCidrBlock", Node::str(dest.to_string())), target];
    Some(Node::Map(m).with_comment(ctx.from(r)))
}

/// `gateway: internet-gateway` or `natGateway: NAME`; any other target is noted.
fn target(ctx: &mut Ctx, net: &Net, r: &Resource, dest: Ipv4Network) -> Option<(String, Item)> {
    if let Some(v) = get(ctx, r, "GatewayId") {
        if net.igw.is_some_and(|g| refers_to(Some(v), &g.id)) {
            return Some(entry("gateway", Node::str("internet-gateway")));
        }
        let what = format!("a route to {dest} via a gateway that is not the VPC's internet gateway (a VPN gateway?)");
        ctx.note(&r.origin, what, "");
        return None;
    }
    if let Some(v) = get(ctx, r, "NatGatewayId") {
        if let Some(n) = ctx.name_of(v, NAT_GATEWAY, "nat") {
            return Some(entry("natGateway", Node::str(n)));
        }
        ctx.note(&r.origin, format!("a route to {dest} via a NAT gateway that is not carried over"), "");
        return None;
    }
    match OTHER_TARGETS.iter().find(|k| prop(r, k).is_some()) {
        Some(k) => {
            let what =
                format!("a route to {dest} via {k}: the scenario's routes go to the internet gateway or a NAT gateway");
            ctx.note(&r.origin, what, "");
        }
        // An unknown target was noted by `get`.
        None if prop(r, "GatewayId").is_some() || prop(r, "NatGatewayId").is_some() => {}
        None => ctx.note(&r.origin, format!("a route to {dest} with no target"), ""),
    }
    None
}
