//! Network ACLs: stateless, numbered allow/deny rules per direction, associated with subnets
//! (a subnet with exactly one ACL; without one, the default ACL allows everything).

use super::builder::{Builder, MAX_OBJECTS, MAX_RULES};
use super::fields::{Shape, Table, opt, req};
use super::located::{Loc, Located};
use super::reference::{self, Declared, NETWORK_ACL, SUBNET, Seen};
use super::rule::{self, PortRange, RuleProto};
use super::walk::*;
use crate::i18n::tr;
use ipnetwork::Ipv4Network;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NetworkAcl {
    pub name: Located<String>,
    pub subnets: Vec<Located<String>>,
    pub ingress: Vec<AclRule>,
    pub egress: Vec<AclRule>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AclRule {
    pub rule_number: u32,
    pub protocol: RuleProto,
    pub ports: Option<PortRange>,
    pub cidr_block: Ipv4Network,
    pub rule_action: AclAction,
    pub loc: Loc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AclAction {
    Allow,
    Deny,
}

/// The words of `ruleAction`.
const ACTIONS: &[&str] = &["allow", "deny"];

pub(crate) static TABLE: Table = Table {
    id: "networkAcl",
    doc: "A network ACL and the subnets associated with it.",
    strict: true,
    rules: &[],
    fields: &[
        req("name", Shape::Name, "The ACL's name."),
        req("subnets", Shape::List(&Shape::Name), "The subnets it applies to (a subnet has at most one ACL)."),
        opt(
            "ingress",
            Shape::List(&Shape::Block(&RULE)),
            "Inbound rules, evaluated by ruleNumber; what none matches is denied.",
        ),
        opt(
            "egress",
            Shape::List(&Shape::Block(&RULE)),
            "Outbound rules, evaluated by ruleNumber; what none matches is denied.",
        ),
    ],
};

pub(crate) static RULE: Table = Table {
    id: "networkAclRule",
    doc: "A network ACL rule; the lowest matching number decides.",
    strict: true,
    rules: rule::PORTS_RULES,
    fields: &[
        req(
            "ruleNumber",
            Shape::Int { min: 1, max: 32766 },
            "1 to 32766, unique per direction; lower numbers are evaluated first.",
        ),
        rule::PROTOCOL_FIELD,
        rule::ports_field("A port or a range like 1024-65535; required for tcp and udp, not allowed otherwise."),
        req("cidrBlock", Shape::Cidr, "The remote side: source for ingress, destination for egress."),
        req("ruleAction", Shape::Enum(ACTIONS), "`allow` or `deny`."),
    ],
};

/// The `networkAcls` list of the vpc block.
pub(crate) fn parse_all(b: &mut Builder, v: &Value<'_>) -> Vec<NetworkAcl> {
    let mut uniq = UniqueNames::default();
    b.each(v, MAX_OBJECTS, |b, it| parse(b, it, &mut uniq))
}

fn parse(b: &mut Builder, v: &Value<'_>, uniq: &mut UniqueNames) -> Option<NetworkAcl> {
    let m = b.cx.entry_map(v, "a network ACL", "{ name: private, subnets: [private-a], ingress: [...] }")?;
    m.strict(&mut b.cx, &TABLE);
    let name = b.object_name(&m, NETWORK_ACL, "private", uniq);
    let subnets = m.req(&mut b.cx, "subnets", "[private-a]").and_then(|v| b.ref_list(&v, SUBNET, MAX_OBJECTS));
    let cx = &mut b.cx;
    let ingress = direction(cx, &m, "ingress");
    let egress = direction(cx, &m, "egress");
    let (name, subnets) = (name?, subnets?);
    Some(NetworkAcl { name, subnets, ingress: ingress?, egress: egress? })
}

/// The rules of one direction; rule numbers are unique within it. None: some rule had errors.
fn direction(cx: &mut Reader, m: &Block<'_>, dir: &str) -> Option<Vec<AclRule>> {
    let mut rules = Vec::new();
    let Some(rv) = m.get(dir) else { return Some(rules) };
    let mut ok = true;
    let mut numbers: HashMap<u32, usize> = HashMap::new();
    for it in cx.items(&rv, MAX_RULES).unwrap_or_default() {
        let Some((r, num_loc)) = acl_rule(cx, &it) else {
            ok = false;
            continue;
        };
        if let Some(line) = numbers.get(&r.rule_number) {
            cx.err(
                &num_loc,
                format!("The network acl entry identified by {} already exists.", r.rule_number),
                tr!(
                    "nacl-duplicate-number-help",
                    "rule number { $number } is already used by another { $direction } rule (line { $line }); numbers must be unique per direction",
                    number = r.rule_number,
                    direction = dir,
                    line = line
                ),
            );
            ok = false;
        } else {
            numbers.insert(r.rule_number, num_loc.line);
        }
        rules.push(r);
    }
    ok.then_some(rules)
}

fn acl_rule(cx: &mut Reader, v: &Value<'_>) -> Option<(AclRule, Loc)> {
    let m = cx.entry_map(
        v,
        "a network ACL rule",
        "{ ruleNumber: 100, protocol: tcp, ports: 443, cidrBlock: 0.0.0.0/0, ruleAction: allow }",
    )?;
    m.strict(cx, &RULE);
    let num = m.req(cx, "ruleNumber", "100").and_then(|v| cx.uint(&v, 1, 32766));
    let (proto, ports) = rule::protocol_and_ports(cx, &m);
    let cidr = m.req(cx, "cidrBlock", "0.0.0.0/0").and_then(|v| cx.cidr(&v));
    let action = m.req(cx, "ruleAction", "allow").and_then(|v| cx.choice(&v, ACTIONS));
    let num = num?;
    let rule = AclRule {
        rule_number: u32::try_from(num.value).ok()?,
        protocol: proto?,
        ports: ports?,
        cidr_block: cidr?.value,
        rule_action: if action?.value == "allow" { AclAction::Allow } else { AclAction::Deny },
        loc: m.loc.clone(),
    };
    Some((rule, num.loc))
}

/// Every associated subnet is declared, and associated with only one ACL.
pub(crate) fn check(cx: &mut Reader, acls: &[NetworkAcl], declared: &Declared<'_>, seen: &Seen) {
    let mut acl_of: HashMap<&str, &str> = HashMap::new();
    for acl in acls {
        for s in &acl.subnets {
            if !reference::reference(cx, s, SUBNET, &declared.subnets, seen) {
                continue;
            }
            if let Some(other) = acl_of.get(s.value.as_str()) {
                cx.err(
                    &s.loc,
                    tr!(
                        "nacl-subnet-twice",
                        "subnet `{ $subnet }` is already associated with network ACL `{ $other }`",
                        subnet = s.value,
                        other = other
                    ),
                    tr!(
                        "nacl-subnet-twice-help",
                        "a subnet is associated with exactly one network ACL; remove it from one of them"
                    ),
                );
            } else {
                acl_of.insert(&s.value, &acl.name.value);
            }
        }
    }
}

impl super::Scenario {
    pub fn network_acl_of(&self, subnet: &str) -> Option<&NetworkAcl> {
        self.vpc.network_acls.iter().find(|a| a.subnets.iter().any(|s| s.value == subnet))
    }
}
