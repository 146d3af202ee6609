//! The internet gateway: only a namespace of its own (1:1 NAT between private and public
//! addresses is planned in `plan/internet_gateway.rs`); it has no address, ENI or state here.

use super::ids;
use crate::scenario::Scenario;

/// The gateway's namespace, when the VPC has one.
pub(super) fn resolve(lab: &str, s: &Scenario) -> Option<String> {
    s.vpc.internet_gateway.then(|| ids::ns_name(lab, "igw", ""))
}
