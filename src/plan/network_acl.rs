//! Network ACLs: stateless, so they sit in their own base chain *before* the stateful security
//! groups and see every packet, replies included (hence the ephemeral-port trap). Only traffic
//! that crosses a subnet boundary is evaluated; rules are taken by number, the first match
//! decides, and what no rule matches is denied.

use super::nft::{self, Side, TableBuilder};
use crate::model::{Lab, Subnet};
use crate::scenario::{AclAction, AclRule, NetworkAcl};
use nftables::types::{NfChainPolicy as Policy, NfChainType as Ty, NfHook as Hook};

/// The `nacl` base chain and an inbound and an outbound chain per associated subnet; nothing
/// when the VPC has no network ACL.
pub(super) fn chains(t: &mut TableBuilder, lab: &Lab) {
    if lab.vpc.network_acls.is_empty() {
        return;
    }
    t.base("nacl", Ty::Filter, Hook::Forward, -10, Policy::Accept);
    for acl in &lab.vpc.network_acls {
        let subnets = acl.subnets.iter().filter_map(|n| lab.vpc.subnets.iter().position(|s| s.name == n.value));
        for index in subnets {
            subnet_chains(t, lab, acl, index);
        }
    }
}

/// One subnet's chains, entered only by packets that cross the subnet's boundary; nothing for
/// a subnet without ENIs.
fn subnet_chains(t: &mut TableBuilder, lab: &Lab, acl: &NetworkAcl, index: usize) {
    let sn = &lab.vpc.subnets[index];
    let links: Vec<String> = lab.live_enis().filter(|e| e.subnet == index).map(|e| e.router_link.clone()).collect();
    if links.is_empty() {
        return;
    }
    let (inbound, outbound) = (format!("nacl-in-{}", sn.name), format!("nacl-out-{}", sn.name));
    t.chain(&inbound);
    t.chain(&outbound);
    numbered_rules(t, acl, &acl.ingress, &inbound, "inbound", Side::Source);
    numbered_rules(t, acl, &acl.egress, &outbound, "outbound", Side::Destination);
    t.rule(&inbound, vec![nft::counter(), nft::drop()], Some("nacl: no rule matches (*)"));
    t.rule(&outbound, vec![nft::counter(), nft::drop()], Some("nacl: no rule matches (*)"));
    for l in &links {
        let c = subnet_comment(sn);
        t.rule("nacl", vec![nft::iifname(l), nft::ifname_not_in(true, &links), nft::jump(&outbound)], Some(&c));
        t.rule("nacl", vec![nft::oifname(l), nft::ifname_not_in(false, &links), nft::jump(&inbound)], Some(&c));
    }
}

fn subnet_comment(sn: &Subnet) -> String {
    format!("subnet {} ({})", sn.name, sn.id)
}

/// One direction's rules in rule-number order, the peer (`cidr_block`) matched on `peer_side`.
fn numbered_rules(t: &mut TableBuilder, acl: &NetworkAcl, rules: &[AclRule], chain: &str, dir: &str, peer_side: Side) {
    let mut sorted: Vec<&AclRule> = rules.iter().collect();
    sorted.sort_by_key(|r| r.rule_number);
    for r in sorted {
        let comment = format!("nacl/{} {dir} rule {}", acl.name.value, r.rule_number);
        t.rule(chain, rule_stmts(r, peer_side), Some(&comment));
    }
}

fn rule_stmts(r: &AclRule, peer_side: Side) -> Vec<nft::Stmt> {
    let mut v = vec![];
    if r.cidr_block.prefix() > 0 {
        v.push(nft::ip_addr(peer_side, nft::prefix(r.cidr_block)));
    }
    v.extend(nft::proto_ports(r.protocol, r.ports));
    v.push(nft::counter());
    v.push(if r.rule_action == AclAction::Allow { nft::ret() } else { nft::drop() });
    v
}
