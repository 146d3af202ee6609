//! The VPC: its id, its router's namespace, its internet gateway, and the parts resolved by
//! their own files (subnets, route tables, security groups). Network ACLs need no resolving:
//! the model carries them as written.

use super::ids;
use super::route_table::RouteTable;
use super::subnet::Subnet;
use crate::scenario::{self, Scenario, SecurityGroup};
use ipnetwork::Ipv4Network;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Vpc {
    pub id: String,
    pub cidr: Ipv4Network,
    pub router_ns: String,
    /// The internet gateway's namespace when the VPC has one.
    pub igw_ns: Option<String>,
    pub subnets: Vec<Subnet>,
    pub route_tables: Vec<RouteTable>,
    pub security_groups: Vec<SecurityGroup>,
    pub network_acls: Vec<scenario::NetworkAcl>,
}

/// The VPC around its resolved parts. The internet gateway is only a namespace: it has no
/// address pool, ENI or state of its own.
pub(super) fn resolve(
    lab: &str,
    s: &Scenario,
    subnets: Vec<Subnet>,
    route_tables: Vec<RouteTable>,
    security_groups: Vec<SecurityGroup>,
) -> Vpc {
    Vpc {
        id: format!("vpc-{}", ids::hex(&[lab, "vpc"], 17)),
        cidr: s.vpc.cidr.value,
        router_ns: ids::ns_name(lab, "vpc", ""),
        igw_ns: s.vpc.internet_gateway.then(|| ids::ns_name(lab, "igw", "")),
        subnets,
        route_tables,
        security_groups,
        network_acls: s.vpc.network_acls.clone(),
    }
}
