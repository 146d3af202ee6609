//! Network ACLs: the ACL, its entries (`Egress` decides the direction) and the subnets its
//! SubnetNetworkAclAssociations give it. The default ACL allows everything, as the scenario's
//! does when a subnet has none, so entries added to it are noted.

use super::{Net, SUBNET, cidr, entry, get, icmp_widened, int, known, live, ports, prop, protocol, refers_to};
use crate::import::resource::{Resource, Value};
use crate::import::write::Ctx;
use crate::import::write::props::{Props, Use::*};
use crate::import::yaml::{Item, Node};

const ACL: &str = "AWS::EC2::NetworkAcl";

/// An `AWS::EC2::NetworkAcl`'s properties.
pub(super) const PROPS: Props = &[("VpcId", Read), ("Tags", Meta)];

/// An `AWS::EC2::NetworkAclEntry`'s properties (an IPv6 entry noted by the writer).
pub(super) const ENTRY: Props = &[
    ("NetworkAclId", Read),
    ("RuleNumber", Read),
    ("Protocol", Read),
    ("RuleAction", Read),
    ("Egress", Read),
    ("CidrBlock", Read),
    ("Ipv6CidrBlock", Read),
    ("PortRange", Read),
    ("Icmp", Read),
];

/// An `AWS::EC2::SubnetNetworkAclAssociation`'s properties.
pub(super) const ASSOCIATION: Props = &[("SubnetId", Read), ("NetworkAclId", Read)];

/// The `networkAcls` list.
pub(super) fn list(ctx: &mut Ctx, net: &Net) -> Vec<Item> {
    let entries = live(ctx, "AWS::EC2::NetworkAclEntry");
    let assocs = live(ctx, "AWS::EC2::SubnetNetworkAclAssociation");
    let mut taken: Vec<String> = vec![];
    let mut out = vec![];
    for acl in live(ctx, ACL) {
        let _ = get(ctx, acl, "VpcId");
        let subnets = subnets(ctx, acl, &assocs, &mut taken);
        let mine: Vec<&Resource> =
            entries.iter().copied().filter(|e| refers_to(prop(e, "NetworkAclId"), &acl.id)).collect();
        if subnets.is_empty() {
            let what = "a network ACL with no subnet: the scenario's ACLs apply to subnets";
            ctx.note(&acl.origin, what, "associate it with a subnet");
            for e in mine {
                ctx.note(&e.origin, "an entry of a network ACL with no subnet", "");
            }
            continue;
        }
        let comment = ctx.from(acl);
        let name = ctx.name(acl, "nacl");
        let subnet_nodes = subnets.into_iter().map(|(n, c)| Node::Str(n).with_comment(c)).collect();
        let mut m = vec![entry("name", Node::str(name)), ("subnets".to_string(), Node::List(subnet_nodes).into())];
        for (key, egress) in [("ingress", false), ("egress", true)] {
            let rules = direction(ctx, &mine, egress);
            if !rules.is_empty() {
                m.push((key.to_string(), Node::List(rules).into()));
            }
        }
        out.push(Node::Map(m).with_comment(comment));
    }
    for e in
        entries.iter().filter(|e| prop(e, "NetworkAclId").is_some_and(|v| net.vpc_attribute(v, "defaultnetworkacl")))
    {
        let what = "an entry of the VPC's default network ACL, which the scenario keeps allowing everything";
        ctx.note(&e.origin, what, "declare a network ACL for the subnets instead");
    }
    out
}

/// The ACL's subnets, each with the comment naming its association; a subnet already in
/// another ACL is noted (a subnet has one).
fn subnets(ctx: &mut Ctx, acl: &Resource, assocs: &[&Resource], taken: &mut Vec<String>) -> Vec<(String, String)> {
    let mut out = vec![];
    for a in assocs.iter().filter(|a| refers_to(prop(a, "NetworkAclId"), &acl.id)) {
        let Some(v) = get(ctx, a, "SubnetId") else { continue };
        let Some(n) = ctx.name_of(v, SUBNET, "subnet") else {
            ctx.note(&a.origin, "its subnet is not carried over", "");
            continue;
        };
        if taken.contains(&n) {
            ctx.note(&a.origin, format!("subnet {n} is already associated with another network ACL"), "");
            continue;
        }
        taken.push(n.clone());
        out.push((n, ctx.from(a)));
    }
    out
}

/// The rules of one direction, in input order; a rule number used twice is noted.
fn direction(ctx: &mut Ctx, entries: &[&Resource], egress: bool) -> Vec<Item> {
    let mut numbers = vec![];
    let mut out = vec![];
    for e in entries {
        if prop(e, "Egress").and_then(Value::bool).unwrap_or(false) != egress {
            continue;
        }
        let Some((n, node)) = rule(ctx, e) else { continue };
        if numbers.contains(&n) {
            ctx.note(&e.origin, format!("The network acl entry identified by {n} already exists."), "");
            continue;
        }
        numbers.push(n);
        out.push(node.with_comment(ctx.from(e)));
    }
    out
}

/// One entry: ruleNumber, protocol, ports, cidrBlock, ruleAction.
fn rule(ctx: &mut Ctx, e: &Resource) -> Option<(i64, Node)> {
    let n = int(get(ctx, e, "RuleNumber")).filter(|n| (1..=32766).contains(n));
    let Some(n) = n else {
        ctx.note(&e.origin, "RuleNumber is not a number from 1 to 32766", "");
        return None;
    };
    if prop(e, "Ipv6CidrBlock").is_some() {
        ctx.note(&e.origin, "an IPv6 entry, and the lab has no IPv6", "");
        return None;
    }
    let proto = protocol(ctx, e, "Protocol", prop(e, "Protocol"))?;
    let mut m = vec![entry("ruleNumber", Node::num(n)), entry("protocol", Node::str(proto))];
    match proto {
        "tcp" | "udp" => {
            let range = get(ctx, e, "PortRange");
            let from = int(range.and_then(|r| known(ctx, e, "PortRange.From", r.get("From"))));
            let to = int(range.and_then(|r| known(ctx, e, "PortRange.To", r.get("To"))));
            m.push(entry("ports", ports(ctx, e, "PortRange", from, to)?));
        }
        "icmp" => {
            let t = get(ctx, e, "Icmp").and_then(|i| int(i.get("Type")));
            icmp_widened(ctx, e, "Icmp", t);
        }
        _ => {}
    }
    let block = get(ctx, e, "CidrBlock").and_then(Value::str).map(str::to_string);
    let Some(block) = block else {
        if prop(e, "CidrBlock").is_none() {
            ctx.note(&e.origin, "an entry with no CidrBlock", "");
        }
        return None;
    };
    m.push(entry("cidrBlock", Node::str(cidr(ctx, e, "CidrBlock", &block)?.to_string())));
    let action = get(ctx, e, "RuleAction").and_then(Value::str).map(str::to_ascii_lowercase);
    match action.as_deref() {
        Some(a @ ("allow" | "deny")) => m.push(entry("ruleAction", Node::str(a))),
        _ => {
            ctx.note(&e.origin, "RuleAction is not allow or deny", "");
            return None;
        }
    }
    Some((n, Node::Map(m)))
}
