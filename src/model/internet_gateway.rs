//! The internet gateway: only a namespace of its own (1:1 NAT between private and public
//! addresses is planned in `plan/internet_gateway.rs`); it has no address, ENI or state here.

use super::ids;
use crate::scenario::Scenario;

/// The gateway's namespace, when the VPC has one.
pub(super) fn resolve(lab: &str, s: &Scenario) -> Option<String> {
    s.vpc.internet_gateway.then(|| ids::ns_name(lab, "igw", ""))
}

/// The NFLOG prefixes of the gateway's drops the analyzer names: a packet from an ENI without a
/// public IP (not translated), and one from the internet to an address that is no public IP.
pub const DROP_NO_PUBLIC_IP: &str = "ecsnet igw egress no-public-ip";
pub const DROP_NOT_PUBLIC: &str = "ecsnet igw inbound not-a-public-ip";
