//! Network ACLs need no resolving: rules, numbers and subnets are used as written (evaluated in
//! `analyze/network_acl.rs`, enforced by `plan/network_acl.rs`).

use crate::scenario::{NetworkAcl, Scenario};

pub(super) fn resolve(s: &Scenario) -> Vec<NetworkAcl> {
    s.vpc.network_acls.clone()
}

/// The NFLOG prefix of a denying rule of a subnet's ACL in the VPC router: its number, or `*`
/// for the implicit deny (`plan/network_acl.rs` logs it; `check` matches a probe's drop).
pub fn drop_log_prefix(subnet_id: &str, inbound: bool, rule: Option<u32>) -> String {
    let rule = rule.map_or("*".to_string(), |n| n.to_string());
    format!("ecsnet nacl {} {subnet_id} {rule}", if inbound { "inbound" } else { "outbound" })
}
