//! The VPC: its id, its router's namespace, and the parts resolved by their own files
//! (subnets, route tables, security groups, network ACLs, the internet gateway).

use super::dns::DnsSettings;
use super::ids;
use super::route_table::RouteTable;
use super::subnet::Subnet;
use crate::scenario::{self, Scenario, SecurityGroup};
use ipnetwork::Ipv4Network;
use serde::{Deserialize, Serialize};

/// The NFLOG group the VPC router's logged drops go to (security groups, network ACLs): `check`
/// listens on it to conclude a probe's timeout as soon as its packet is dropped where the
/// analyzer said. Nothing listens otherwise, and an unbound group costs a lookup per drop.
pub const DROP_LOG_GROUP: u16 = 7465;

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
    /// Its DNS attributes and DHCP options.
    pub dns: DnsSettings,
}

/// The VPC around its resolved parts.
pub(super) fn resolve(
    lab: &str,
    s: &Scenario,
    (subnets, route_tables, security_groups): (Vec<Subnet>, Vec<RouteTable>, Vec<SecurityGroup>),
    dns: DnsSettings,
) -> Vpc {
    Vpc {
        id: format!("vpc-{}", ids::hex(&[lab, "vpc"], 17)),
        cidr: s.vpc.cidr.value,
        router_ns: ids::ns_name(lab, "vpc", ""),
        igw_ns: super::internet_gateway::resolve(lab, s),
        subnets,
        route_tables,
        security_groups,
        network_acls: super::network_acl::resolve(s),
        dns,
    }
}
