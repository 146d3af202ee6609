//! Route tables as policy routing in the VPC router: the VPC's local route first, then the
//! subnet's own table; what nothing matches is dropped silently, as on AWS.

use super::{MAIN_TABLE, Plan, Route, RouteKind, Rule, default_net};
use crate::model::{Lab, RTR_IGW, RouteTable, Subnet};
use crate::scenario::RouteTarget;
use ipnetwork::Ipv4Network;
use std::net::Ipv4Addr;

/// Rule preference of link-local destinations, which the VPC never routes.
const LINK_LOCAL_PREF: u32 = 90;
/// Rule preference of the VPC's local route; subnets' rules come after it.
const LOCAL_PREF: u32 = 100;
/// Rule preference of the first subnet's table (subnet `i` gets `SUBNET_PREF + i`).
const SUBNET_PREF: u32 = 200;

/// The VPC's local route: traffic to the VPC goes by the main table (the ENIs' /32 routes, a
/// blackhole for the rest of the VPC); the main table's default is a blackhole too, so what no
/// subnet's table routes is dropped silently.
pub(super) fn vpc_local(p: &mut Plan, lab: &Lab) {
    let rtr = lab.vpc.router_ns.as_str();
    p.rules.push(Rule {
        ns: rtr.into(),
        pref: LOCAL_PREF,
        from: None,
        to: Some(lab.vpc.cidr),
        table: MAIN_TABLE,
        fwmark: None,
    });
    p.routes.push(blackhole(rtr, lab.vpc.cidr));
    p.routes.push(blackhole(rtr, default_net()));
    // AWS does not route 169.254.0.0/16 out of a subnet (the instance metadata service and the
    // DNS at 169.254.169.253 answer at the ENI itself): whatever leaves an ENI for it is dropped.
    let link_local = super::net(crate::model::LINK_LOCAL.0, crate::model::LINK_LOCAL.1);
    p.rules.push(Rule {
        ns: rtr.into(),
        pref: LINK_LOCAL_PREF,
        from: None,
        to: Some(link_local),
        table: MAIN_TABLE,
        fwmark: None,
    });
    p.routes.push(blackhole(rtr, link_local));
}

/// A subnet's association: what leaves the subnet goes by its route table.
pub(super) fn association(p: &mut Plan, lab: &Lab, index: usize, sn: &Subnet) {
    let rt = &lab.vpc.route_tables[sn.route_table];
    p.rules.push(Rule {
        ns: lab.vpc.router_ns.clone(),
        pref: SUBNET_PREF + index as u32,
        from: Some(sn.cidr),
        to: None,
        table: rt.table_id,
        fwmark: None,
    });
}

/// A table's routes, each to its target's link in the router.
pub(super) fn routes(p: &mut Plan, lab: &Lab, rt: &RouteTable) {
    for (dst, target) in &rt.routes {
        let (gw, dev, kind) = next_hop(lab, target);
        p.routes.push(Route {
            ns: lab.vpc.router_ns.clone(),
            dst: *dst,
            gw,
            dev,
            table: rt.table_id,
            kind,
            onlink: gw.is_some(),
            src: None,
        });
    }
}

/// Where a target sends a packet: the IGW link, a NAT gateway's ENI, or nowhere (an internet
/// gateway the VPC lacks or an unknown NAT gateway drops, as a blackhole route does on AWS).
fn next_hop(lab: &Lab, target: &RouteTarget) -> (Option<Ipv4Addr>, Option<String>, RouteKind) {
    match target {
        RouteTarget::InternetGateway if lab.vpc.igw_ns.is_some() => {
            (Some(RTR_IGW.1), Some("igw0".to_string()), RouteKind::Unicast)
        }
        RouteTarget::NatGateway(n) => match lab.nat(n) {
            Some(nat) => {
                let e = &lab.enis[nat.eni];
                (Some(e.ip), Some(e.router_link.clone()), RouteKind::Unicast)
            }
            None => (None, None, RouteKind::Blackhole),
        },
        RouteTarget::InternetGateway => (None, None, RouteKind::Blackhole),
        RouteTarget::VpcEndpoint(n) => match lab.endpoint(n).and_then(|e| e.gateway.as_ref()) {
            Some((_, k)) => {
                let (_, there) = crate::model::vpc_endpoint::gateway_link(*k);
                (Some(there), Some(super::vpc_endpoint::router_link(*k)), RouteKind::Unicast)
            }
            None => (None, None, RouteKind::Blackhole),
        },
    }
}

fn blackhole(ns: &str, dst: Ipv4Network) -> Route {
    Route { kind: RouteKind::Blackhole, ..Route::main(ns, dst, None, None) }
}
