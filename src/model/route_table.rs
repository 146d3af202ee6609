//! Route tables of the VPC router: the main table first (local route only) unless one is
//! declared as `main`, then the declared ones in file order, each a kernel table of its own.

use crate::scenario::{RouteTarget, Scenario};
use ipnetwork::Ipv4Network;
use serde::{Deserialize, Serialize};

/// The table a subnet uses when it names none.
const MAIN: &str = "main";
/// Kernel table id of the first route table in the router namespace.
const FIRST_TABLE_ID: u32 = 100;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RouteTable {
    pub name: String,
    /// Kernel table id in the router namespace.
    pub table_id: u32,
    pub routes: Vec<(Ipv4Network, RouteTarget)>,
}

/// The VPC's route tables, the main table included, each with the routes of the gateway
/// endpoints that name it (to the service's prefix list).
pub(super) fn resolve(s: &Scenario) -> Vec<RouteTable> {
    let mut tables = declared(s);
    for e in s.vpc.vpc_endpoints.iter().filter(|e| e.kind == crate::scenario::vpc_endpoint::EndpointType::Gateway) {
        for rt in tables.iter_mut().filter(|t| e.route_tables.iter().any(|n| n.value == t.name)) {
            rt.routes.push((e.service.value.public_net(), RouteTarget::VpcEndpoint(e.name.value.clone())));
        }
    }
    tables
}

fn declared(s: &Scenario) -> Vec<RouteTable> {
    let mut tables = vec![];
    if !s.vpc.route_tables.iter().any(|r| r.name.value == MAIN) {
        tables.push(RouteTable { name: MAIN.into(), table_id: FIRST_TABLE_ID, routes: vec![] });
    }
    for rt in &s.vpc.route_tables {
        let table_id = FIRST_TABLE_ID + tables.len() as u32;
        tables.push(RouteTable {
            name: rt.name.value.clone(),
            table_id,
            routes: rt.routes.iter().map(|r| (r.destination.value, r.target.value.clone())).collect(),
        });
    }
    tables
}

/// The index of the table named `name`, if any.
pub(super) fn index(tables: &[RouteTable], name: &str) -> Option<usize> {
    tables.iter().position(|t| t.name == name)
}

/// The index of the main route table.
pub(super) fn main_index(tables: &[RouteTable]) -> usize {
    index(tables, MAIN).unwrap_or(0)
}
