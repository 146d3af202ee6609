//! What runs in the VPC and what it uses: instances (EC2 instances, Auto Scaling groups),
//! task definitions, services, load balancers and target groups, IAM roles and the `aws:`
//! block (buckets, log groups, secrets, parameters).

use super::Ctx;
use crate::import::yaml::Item;

/// The top-level entries after `vpc:`.
pub fn top_level(ctx: &mut Ctx) -> Vec<(String, Item)> {
    let _ = ctx;
    vec![]
}
