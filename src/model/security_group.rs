//! Security groups: the declared ones, plus the VPC's default group unless one is declared.

use crate::scenario::{Loc, Located, Peer, RuleProto, Scenario, SecurityGroup, SgRule};

/// The group AWS creates with every VPC, and the one an ENI carries when none is named.
pub(super) const DEFAULT_GROUP: &str = "default";

/// The VPC's security groups in file order, the default group last when not declared.
pub(super) fn resolve(s: &Scenario) -> Vec<SecurityGroup> {
    let mut groups = s.vpc.security_groups.clone();
    if !groups.iter().any(|g| g.name.value == DEFAULT_GROUP) {
        groups.push(default_group());
    }
    groups
}

/// The default group as AWS creates it: members reach each other on everything; outbound is
/// open (no egress list).
fn default_group() -> SecurityGroup {
    SecurityGroup {
        name: Located::bare(DEFAULT_GROUP.into()),
        description: Some("default VPC security group".into()),
        ingress: vec![SgRule {
            protocol: RuleProto::All,
            ports: None,
            peer: Located::bare(Peer::Sg(DEFAULT_GROUP.into())),
            description: None,
            loc: Loc::none(),
        }],
        egress: None,
    }
}

/// The NFLOG prefix of the drop that ends an ENI's egress or ingress gate in the VPC router
/// (`plan/security_group.rs` logs it; `check` matches a probe's drop against it).
pub fn drop_log_prefix(router_link: &str, egress: bool) -> String {
    format!("ecsnet sg {} {router_link}", if egress { "egress" } else { "ingress" })
}
