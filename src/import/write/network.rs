//! The VPC block: subnets, route tables, the internet gateway, NAT gateways, security groups,
//! network ACLs and VPC endpoints.

use super::Ctx;
use crate::import::yaml::Item;

/// The `vpc:` entry (nothing when the input has no VPC: noted).
pub fn top_level(ctx: &mut Ctx) -> Vec<(String, Item)> {
    let _ = ctx;
    vec![]
}
