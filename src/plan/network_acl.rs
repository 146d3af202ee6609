//! Network ACLs: stateless, so they sit in base chains of their own that see every packet,
//! replies included (hence the ephemeral-port trap), between the security groups' egress and
//! ingress gates. Only traffic that crosses a subnet boundary is evaluated; rules are taken by
//! number, the first match decides, and what no rule matches is denied.

use super::nft::{self, Side, TableBuilder};
use crate::model::network_acl as acl_model;
use crate::model::vpc::DROP_LOG_GROUP;
use crate::model::{Lab, Subnet};
use crate::scenario::{AclAction, AclRule, NetworkAcl};
use nftables::types::{NfChainPolicy as Policy, NfChainType as Ty, NfHook as Hook};

/// The `nacl` base chain and an inbound and an outbound chain per associated subnet; nothing
/// when the VPC has no network ACL.
pub(super) fn chains(t: &mut TableBuilder, lab: &Lab) {
    if lab.vpc.network_acls.is_empty() {
        return;
    }
    // The sending subnet's outbound rules, then the receiving subnet's inbound rules, after the
    // security groups' egress gate (prerouting) and before their ingress gate (0): AWS's order.
    t.base(OUTBOUND_BASE, Ty::Filter, Hook::Forward, -15, Policy::Accept);
    t.base(INBOUND_BASE, Ty::Filter, Hook::Forward, -10, Policy::Accept);
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
    numbered_rules(t, (acl, &sn.id), &acl.ingress, &inbound, Side::Source);
    numbered_rules(t, (acl, &sn.id), &acl.egress, &outbound, Side::Destination);
    for (chain, inbound) in [(&inbound, true), (&outbound, false)] {
        let log = nft::log(acl_model::drop_log_prefix(&sn.id, inbound, None), DROP_LOG_GROUP);
        t.rule(chain, vec![nft::counter(), log, nft::drop()], Some("nacl: no rule matches (*)"));
    }
    for l in &links {
        let c = subnet_comment(sn);
        t.rule(OUTBOUND_BASE, vec![nft::iifname(l), nft::ifname_not_in(true, &links), nft::jump(&outbound)], Some(&c));
        t.rule(INBOUND_BASE, vec![nft::oifname(l), nft::ifname_not_in(false, &links), nft::jump(&inbound)], Some(&c));
    }
}

/// The base chains of every subnet's outbound and inbound rules.
const OUTBOUND_BASE: &str = "nacl-outbound";
const INBOUND_BASE: &str = "nacl-inbound";

fn subnet_comment(sn: &Subnet) -> String {
    format!("subnet {} ({})", sn.name, sn.id)
}

/// One direction's rules in rule-number order, the peer (`cidr_block`) matched on `peer_side`
/// (the source: inbound).
fn numbered_rules(
    t: &mut TableBuilder,
    (acl, subnet_id): (&NetworkAcl, &str),
    rules: &[AclRule],
    chain: &str,
    peer_side: Side,
) {
    let inbound = matches!(peer_side, Side::Source);
    let dir = if inbound { "inbound" } else { "outbound" };
    let mut sorted: Vec<&AclRule> = rules.iter().collect();
    sorted.sort_by_key(|r| r.rule_number);
    for r in sorted {
        let comment = format!("nacl/{} {dir} rule {}", acl.name.value, r.rule_number);
        let mut v = vec![];
        if r.cidr_block.prefix() > 0 {
            v.push(nft::ip_addr(peer_side, nft::prefix(r.cidr_block)));
        }
        v.extend(nft::proto_ports(r.protocol, r.ports));
        v.push(nft::counter());
        if r.rule_action == AclAction::Allow {
            v.push(nft::ret());
        } else {
            v.push(nft::log(acl_model::drop_log_prefix(subnet_id, inbound, Some(r.rule_number)), DROP_LOG_GROUP));
            v.push(nft::drop());
        }
        t.rule(chain, v, Some(&comment));
    }
}
