//! Subnets: their AWS ids, the VPC router's address in each, and the route table each uses.

use super::error::{ModelError, ModelErrorKind};
use super::ids;
use super::route_table::{self, RouteTable};
use crate::scenario::{Located, Scenario};
use ipnetwork::Ipv4Network;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Subnet {
    pub name: String,
    pub id: String,
    pub cidr: Ipv4Network,
    pub az: String,
    /// The VPC router's address in the subnet (base + 1).
    pub gateway: Ipv4Addr,
    /// Index into `Vpc::route_tables`.
    pub route_table: usize,
}

/// The VPC's subnets in file order; one naming no route table uses the main table.
pub(super) fn resolve(lab: &str, s: &Scenario, route_tables: &[RouteTable]) -> Vec<Subnet> {
    let main = route_table::main_index(route_tables);
    s.vpc
        .subnets
        .iter()
        .map(|sn| Subnet {
            name: sn.name.value.clone(),
            id: format!("subnet-{}", ids::hex(&[lab, "subnet", &sn.name.value], 17)),
            cidr: sn.cidr.value,
            az: sn.availability_zone.value.clone(),
            gateway: Ipv4Addr::from(u32::from(sn.cidr.value.network()) + 1),
            route_table: sn
                .route_table
                .as_ref()
                .and_then(|r| route_table::index(route_tables, &r.value))
                .unwrap_or(main),
        })
        .collect()
}

/// The index of the subnet named `name`, if any.
pub(super) fn index(subnets: &[Subnet], name: &str) -> Option<usize> {
    subnets.iter().position(|sn| sn.name == name)
}

/// The index of the subnet a reference in the file names.
pub(super) fn find(subnets: &[Subnet], name: &Located<String>) -> Result<usize, ModelError> {
    index(subnets, &name.value).ok_or_else(|| ModelErrorKind::UnknownSubnet(name.value.clone()).at(&name.loc))
}
