//! Security groups: stateful allow rules, ingress from a source and egress to a destination,
//! each a CIDR block or another group (`sg/NAME`).

use super::builder::{Builder, MAX_OBJECTS, MAX_RULES};
use super::fields::{Shape, Table, opt, req};
use super::located::{Loc, Located};
use super::reference::{self, Declared, SECURITY_GROUP, Seen};
use super::rule::{self, PortRange, RuleProto};
use super::walk::*;
use crate::i18n::tr;
use ipnetwork::Ipv4Network;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SecurityGroup {
    pub name: Located<String>,
    pub description: Option<String>,
    pub ingress: Vec<SgRule>,
    /// None: allow all outbound, as AWS creates a group.
    pub egress: Option<Vec<SgRule>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SgRule {
    pub protocol: RuleProto,
    /// None: all ports (only valid with icmp/all, or meaning 0-65535).
    pub ports: Option<PortRange>,
    /// `source` for ingress, `destination` for egress.
    pub peer: Located<Peer>,
    pub description: Option<String>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Peer {
    Cidr(Ipv4Network),
    /// `sg/NAME`: every ENI that carries that group.
    Sg(String),
    /// `pl/s3`, `pl/dynamodb`: the AWS-managed prefix list of the service in the region (what a
    /// gateway endpoint routes), as a rule names `pl-…`.
    PrefixList(super::aws_service::AwsService),
}

pub(crate) static TABLE: Table = Table {
    id: "securityGroup",
    doc: "A security group: stateful rules that allow traffic (everything else is denied).",
    strict: true,
    rules: &[],
    fields: &[
        req(
            "name",
            Shape::Name,
            "The group's name (not `sg-*`, which AWS keeps for group IDs); `default` is the VPC's own.",
        ),
        opt("description", Shape::Text, "Free text."),
        opt("ingress", Shape::List(&Shape::Block(&INGRESS)), "Inbound allow rules (default: none)."),
        opt(
            "egress",
            Shape::List(&Shape::Block(&EGRESS)),
            "Outbound allow rules (omitted: allow all outbound, as AWS creates a group; `[]`: none).",
        ),
    ],
};

/// A rule's peer: a CIDR block or `sg/NAME`.
const PEER: Shape =
    Shape::AnyOf(&[Shape::Cidr, Shape::Pattern("^sg/[a-z0-9-]{1,40}$"), Shape::Pattern("^pl/(s3|dynamodb)$")]);

pub(crate) static INGRESS: Table = Table {
    id: "ingressRule",
    doc: "An inbound security group rule.",
    strict: true,
    rules: rule::PORTS_RULES,
    fields: &[
        rule::PROTOCOL_FIELD,
        rule::ports_field("A port or a range like 8000-8010; required for tcp and udp, not allowed otherwise."),
        req("source", PEER, "Who may connect: a CIDR block, or `sg/NAME` (every ENI that carries that group)."),
        opt("description", Shape::Text, "Free text."),
    ],
};

pub(crate) static EGRESS: Table = Table {
    id: "egressRule",
    doc: "An outbound security group rule.",
    strict: true,
    rules: rule::PORTS_RULES,
    fields: &[
        rule::PROTOCOL_FIELD,
        rule::ports_field("A port or a range like 8000-8010; required for tcp and udp, not allowed otherwise."),
        req(
            "destination",
            PEER,
            "Where to: a CIDR block, `sg/NAME` (every ENI that carries that group), or `pl/s3`, `pl/dynamodb` (the service's prefix list, as a gateway endpoint routes it).",
        ),
        opt("description", Shape::Text, "Free text."),
    ],
};

/// The `securityGroups` list of the vpc block.
pub(crate) fn parse_all(b: &mut Builder, v: &Value<'_>) -> Vec<SecurityGroup> {
    let mut uniq = UniqueNames::default();
    b.each(v, MAX_OBJECTS, |b, it| parse(b, it, &mut uniq))
}

fn parse(b: &mut Builder, v: &Value<'_>, uniq: &mut UniqueNames) -> Option<SecurityGroup> {
    let m = b.cx.entry_map(v, "a security group", "{ name: web, ingress: [...] }")?;
    m.strict(&mut b.cx, &TABLE);
    let name = b.object_name(&m, SECURITY_GROUP, "web", uniq);
    if let Some(n) = &name {
        if n.value.starts_with("sg-") {
            b.cx.err(
                &n.loc,
                tr!(
                    "sg-name-sg",
                    "invalid security group name `{ $name }`: group names may not be in the format sg-*",
                    name = n.value
                ),
                tr!("sg-name-sg-help", "AWS reserves sg-* for group IDs; choose another name"),
            );
        }
    }
    let cx = &mut b.cx;
    let description = m.get("description").and_then(|v| cx.string(&v)).map(|s| s.value);
    let mut ok = true;
    let mut ingress = Vec::new();
    if let Some(iv) = m.get("ingress") {
        for it in cx.items(&iv, MAX_RULES).unwrap_or_default() {
            match sg_rule(cx, &it, true) {
                Some(r) => ingress.push(r),
                None => ok = false,
            }
        }
    }
    let egress = match m.get("egress") {
        Some(ev) => {
            let mut out = Vec::new();
            for it in cx.items(&ev, MAX_RULES).unwrap_or_default() {
                match sg_rule(cx, &it, false) {
                    Some(r) => out.push(r),
                    None => ok = false,
                }
            }
            Some(out)
        }
        None => None,
    };
    let name = name?;
    ok.then_some(SecurityGroup { name, description, ingress, egress })
}

fn sg_rule(cx: &mut Reader, v: &Value<'_>, ingress: bool) -> Option<SgRule> {
    let (what, table, peer_key, wrong_key, hint): (&str, &Table, &str, &str, String) = if ingress {
        (
            "an ingress rule",
            &INGRESS,
            "source",
            "destination",
            tr!("sg-ingress-destination", "ingress rules use `source`; `destination` is for egress rules"),
        )
    } else {
        (
            "an egress rule",
            &EGRESS,
            "destination",
            "source",
            tr!("sg-egress-source", "egress rules use `destination`; `source` is for ingress rules"),
        )
    };
    let m = cx.entry_map(v, what, &format!("{{ protocol: tcp, ports: 443, {peer_key}: 0.0.0.0/0 }}"))?;
    m.strict_with(cx, table, &[(wrong_key, &hint)]);
    let (proto, ports) = rule::protocol_and_ports(cx, &m);
    let peer = m.req(cx, peer_key, "0.0.0.0/0").and_then(|pv| peer(cx, &pv, peer_key));
    let description = m.get("description").and_then(|v| cx.string(&v)).map(|s| s.value);
    Some(SgRule { protocol: proto?, ports: ports?, peer: peer?, description, loc: m.loc.clone() })
}

fn peer(cx: &mut Reader, v: &Value<'_>, peer_key: &str) -> Option<Located<Peer>> {
    let s = cx.string(v)?;
    if let Some(n) = s.value.strip_prefix("pl/") {
        use super::aws_service::AwsService;
        return match AwsService::from_id(n).filter(|x| matches!(x, AwsService::S3 | AwsService::DynamoDb)) {
            Some(svc) => Some(Located::new(Peer::PrefixList(svc), s.loc)),
            None => {
                cx.err(
                    &s.loc,
                    tr!("sg-bad-prefix-list", "The prefix list `{ $name }` does not exist", name = s.value.as_str()),
                    tr!("sg-bad-prefix-list-help", "AWS-managed prefix lists: pl/s3, pl/dynamodb"),
                );
                None
            }
        };
    }
    if let Some(n) = s.value.strip_prefix("sg/") {
        let ns = Located::new(n.to_string(), s.loc.clone());
        return check_name(cx, &ns, "security group").then(|| Located::new(Peer::Sg(n.to_string()), s.loc));
    }
    match parse_cidr(&s.value) {
        Ok(net) => Some(Located::new(Peer::Cidr(net), s.loc)),
        Err((msg, help)) => {
            cx.err(
                &s.loc,
                format!("`{peer_key}`: {msg}"),
                tr!("sg-peer-help", "{ $help }, or `sg/NAME` for a security group", help = help),
            );
            None
        }
    }
}

/// Every group a rule names as its peer is declared.
pub(crate) fn check(cx: &mut Reader, groups: &[SecurityGroup], declared: &Declared<'_>, seen: &Seen) {
    for sg in groups {
        for r in sg.ingress.iter().chain(sg.egress.iter().flatten()) {
            if let Peer::Sg(n) = &r.peer.value {
                let name = Located::new(n.clone(), r.peer.loc.clone());
                reference::reference(cx, &name, SECURITY_GROUP, &declared.security_groups, seen);
            }
        }
    }
}

impl super::Scenario {
    /// A declared security group (the implicit `default` group is not in the list).
    pub fn security_group(&self, name: &str) -> Option<&SecurityGroup> {
        self.vpc.security_groups.iter().find(|s| s.name.value == name)
    }
}
