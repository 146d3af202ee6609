//! Network ACLs need no resolving: rules, numbers and subnets are used as written (evaluated in
//! `analyze/network_acl.rs`, enforced by `plan/network_acl.rs`).

use crate::scenario::{NetworkAcl, Scenario};

pub(super) fn resolve(s: &Scenario) -> Vec<NetworkAcl> {
    s.vpc.network_acls.clone()
}
