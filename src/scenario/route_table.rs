//! Route tables: routes from a destination CIDR block to the internet gateway or a NAT
//! gateway. The implicit `local` route (the VPC's own block) is not written.

use super::builder::{Builder, MAX_OBJECTS, MAX_RULES};
use super::fields::{Rule, Shape, Table, opt, req};
use super::located::Located;
use super::reference::{self, Declared, NAT_GATEWAY, ROUTE_TABLE, Seen};
use super::walk::*;
use crate::i18n::tr;
use ipnetwork::Ipv4Network;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RouteTable {
    pub name: Located<String>,
    pub routes: Vec<Route>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Route {
    pub destination: Located<Ipv4Network>,
    pub target: Located<RouteTarget>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RouteTarget {
    InternetGateway,
    NatGateway(String),
    /// A gateway VPC endpoint's route (`pl-… -> vpce-…`), which AWS adds to the route tables
    /// the endpoint names: never written in a scenario's routes.
    VpcEndpoint(String),
}

pub(crate) static TABLE: Table = Table {
    id: "routeTable",
    doc: "A route table; subnets name it in `routeTable`.",
    strict: true,
    rules: &[],
    fields: &[
        req("name", Shape::Name, "The route table's name (`main` is the VPC's implicit one)."),
        opt("routes", Shape::List(&Shape::Block(&ROUTE)), "Routes besides the implicit local route."),
    ],
};

pub(crate) static ROUTE: Table = Table {
    id: "route",
    doc: "A route: a destination outside the VPC and exactly one target.",
    strict: true,
    rules: &[Rule::ExactlyOne(&["gateway", "natGateway"])],
    fields: &[
        req("destinationCidrBlock", Shape::Cidr, "The destination, outside the VPC's CIDR block (e.g. 0.0.0.0/0)."),
        opt("gateway", Shape::Enum(&["internet-gateway"]), "Target: the VPC's internet gateway."),
        opt("natGateway", Shape::Name, "Target: a NAT gateway, by name."),
    ],
};

/// The `routeTables` list.
pub(crate) fn parse_all(
    b: &mut Builder,
    v: &Value<'_>,
    igw: bool,
    vpc: Option<&Located<Ipv4Network>>,
) -> Vec<RouteTable> {
    let mut uniq = UniqueNames::default();
    b.each(v, MAX_OBJECTS, |b, it| parse(b, it, igw, vpc, &mut uniq))
}

fn parse(
    b: &mut Builder,
    v: &Value<'_>,
    igw: bool,
    vpc: Option<&Located<Ipv4Network>>,
    uniq: &mut UniqueNames,
) -> Option<RouteTable> {
    let m = b.cx.entry_map(v, "a route table", "{ name: public, routes: [...] }")?;
    m.strict(&mut b.cx, &TABLE);
    let name = b.object_name(&m, ROUTE_TABLE, "public", uniq);
    let mut routes = Vec::new();
    let mut ok = true;
    if let Some(rv) = m.get("routes") {
        let items = b.cx.items(&rv, MAX_RULES).unwrap_or_default();
        let mut dests: HashMap<Ipv4Network, usize> = HashMap::new();
        for it in items {
            let Some(r) = route(b, &it, igw, vpc) else {
                ok = false;
                continue;
            };
            if let Some(line) = dests.get(&r.destination.value) {
                b.cx.err(
                    &r.destination.loc,
                    format!("The route identified by {} already exists.", r.destination.value),
                    tr!(
                        "route-duplicate-help",
                        "this route table already has a route to { $destination } (line { $line }); keep one",
                        destination = r.destination.value,
                        line = line
                    ),
                );
                ok = false;
            } else {
                dests.insert(r.destination.value, r.destination.loc.line);
            }
            routes.push(r);
        }
    }
    let name = name?;
    ok.then_some(RouteTable { name, routes })
}

fn route(b: &mut Builder, v: &Value<'_>, igw: bool, vpc: Option<&Located<Ipv4Network>>) -> Option<Route> {
    let cx = &mut b.cx;
    let m = cx.entry_map(v, "a route", "{ destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway }")?;
    m.strict(cx, &ROUTE);
    let dest = m.req(cx, "destinationCidrBlock", "0.0.0.0/0").and_then(|v| cx.cidr(&v));
    if let (Some(d), Some(vc)) = (&dest, vpc) {
        if d.value.is_subnet_of(vc.value) {
            cx.err(
                &d.loc,
                tr!(
                    "route-inside-vpc",
                    "route destination { $destination } is inside the VPC CIDR block { $vpc }: the local route already covers it",
                    destination = d.value,
                    vpc = vc.value
                ),
                tr!(
                    "route-inside-vpc-help",
                    "remove this route (AWS only lets routes this specific target a network interface)"
                ),
            );
            return None;
        }
    }
    let target = target(b, &m, igw)?;
    Some(Route { destination: dest?, target })
}

/// `gateway: internet-gateway` or `natGateway: NAME`, exactly one.
fn target(b: &mut Builder, m: &Block<'_>, igw: bool) -> Option<Located<RouteTarget>> {
    let cx = &mut b.cx;
    match (m.get("gateway"), m.get("natGateway")) {
        (Some(_), Some(n)) => {
            let loc = cx.vloc(&n);
            cx.err(
                &loc,
                tr!(
                    "route-two-targets",
                    "a route has exactly one target, but this one has both `gateway` and `natGateway`"
                ),
                tr!(
                    "route-two-targets-help",
                    "split it into two routes with different destinations, or remove one target"
                ),
            );
            None
        }
        (None, None) => {
            cx.err(
                &m.loc,
                tr!("route-no-target", "missing route target"),
                tr!("route-no-target-help", "add `gateway: internet-gateway` or `natGateway: NAME`"),
            );
            None
        }
        (Some(g), None) => {
            let s = cx.string(&g)?;
            if s.value != "internet-gateway" {
                cx.err(
                    &s.loc,
                    tr!("route-unknown-gateway", "unknown gateway `{ $name }`", name = short(&s.value)),
                    tr!(
                        "route-unknown-gateway-help",
                        "the only gateway is `internet-gateway` (the VPC's internet gateway); for a NAT gateway write `natGateway: NAME`"
                    ),
                );
                return None;
            }
            if !igw {
                cx.err(
                    &s.loc,
                    tr!("route-no-igw", "this route targets the internet gateway, but the VPC has none"),
                    tr!("vpc-set-igw", "set `internetGateway: true` in the vpc block"),
                );
                return None;
            }
            Some(Located::new(RouteTarget::InternetGateway, s.loc))
        }
        (None, Some(n)) => {
            let s = b.ref_name(&n, NAT_GATEWAY)?;
            Some(Located::new(RouteTarget::NatGateway(s.value), s.loc))
        }
    }
}

/// Every NAT gateway a route targets is declared.
pub(crate) fn check(cx: &mut Reader, route_tables: &[RouteTable], declared: &Declared<'_>, seen: &Seen) {
    for rt in route_tables {
        for r in &rt.routes {
            if let RouteTarget::NatGateway(n) = &r.target.value {
                let name = Located::new(n.clone(), r.target.loc.clone());
                reference::reference(cx, &name, NAT_GATEWAY, &declared.nat_gateways, seen);
            }
        }
    }
}

impl super::Scenario {
    pub fn route_table(&self, name: &str) -> Option<&RouteTable> {
        self.vpc.route_tables.iter().find(|s| s.name.value == name)
    }
}
