//! The VPC block: subnets, route tables, the internet gateway, NAT gateways, security groups,
//! network ACLs and VPC endpoints. One module per kind; what they share is here: the VPC the
//! scenario is about ([`Net`]), reading properties (an unknown value is noted, never guessed),
//! CIDR blocks, protocols and ports as the scenario writes them.

mod nat_gateway;
mod network_acl;
mod route_table;
mod security_group;
mod subnet;
#[cfg(test)]
mod tests;
mod vpc;
mod vpc_endpoint;

use super::Ctx;
use super::props::Kinds;
use crate::import::resource::{Resource, Value};
use crate::import::yaml::{Item, Node};
use ipnetwork::Ipv4Network;

pub(super) const VPC: &str = "AWS::EC2::VPC";
pub(super) const SUBNET: &str = "AWS::EC2::Subnet";
pub(super) const ROUTE_TABLE: &str = "AWS::EC2::RouteTable";
pub(super) const NAT_GATEWAY: &str = "AWS::EC2::NatGateway";
pub(super) const SECURITY_GROUP: &str = "AWS::EC2::SecurityGroup";
pub(super) const VPC_ENDPOINT: &str = "AWS::EC2::VPCEndpoint";

/// The properties each kind's writer reads ([`props`](crate::import::write::props)).
pub const PROPS: Kinds = &[
    (SUBNET, subnet::PROPS),
    ("AWS::EC2::SubnetRouteTableAssociation", subnet::ROUTE_TABLE_ASSOCIATION),
    (ROUTE_TABLE, route_table::PROPS),
    ("AWS::EC2::Route", route_table::ROUTE),
    (NAT_GATEWAY, nat_gateway::PROPS),
    (SECURITY_GROUP, security_group::PROPS),
    ("AWS::EC2::SecurityGroupIngress", security_group::STANDALONE),
    ("AWS::EC2::SecurityGroupEgress", security_group::STANDALONE),
    ("AWS::EC2::NetworkAcl", network_acl::PROPS),
    ("AWS::EC2::NetworkAclEntry", network_acl::ENTRY),
    ("AWS::EC2::SubnetNetworkAclAssociation", network_acl::ASSOCIATION),
    (VPC_ENDPOINT, vpc_endpoint::PROPS),
];

/// The VPC the scenario describes, and what the kinds need to know of it.
pub(super) struct Net<'a> {
    pub vpc: Option<&'a Resource>,
    pub cidr: Option<Ipv4Network>,
    /// The internet gateway attached to it.
    pub igw: Option<&'a Resource>,
}

impl Net<'_> {
    /// `v` is `GetAtt` of this VPC's attribute `attr` (compared without case and `_`, so that
    /// CloudFormation's `DefaultSecurityGroup` and Terraform's `default_security_group_id`
    /// both match `defaultsecuritygroup`).
    pub fn vpc_attribute(&self, v: &Value, attr: &str) -> bool {
        match (v, self.vpc) {
            (Value::Ref { id, attribute: Some(a) }, Some(vpc)) if *id == vpc.id => {
                let a: String = a.chars().filter(|c| *c != '_').collect::<String>().to_ascii_lowercase();
                a.starts_with(attr)
            }
            _ => false,
        }
    }
}

/// The `vpc:` entry (nothing when the input has no VPC and nothing that goes in one: noted).
pub fn top_level(ctx: &mut Ctx) -> Vec<(String, Item)> {
    let vpcs: Vec<&Resource> = ctx.of_kind(VPC).collect();
    let vpc = vpcs.first().copied();
    for other in vpcs.iter().skip(1) {
        ctx.note(
            &other.origin,
            "a second VPC: a scenario has one VPC, so this one and what is in it are not carried over",
            "import the other VPC's resources into a scenario of their own",
        );
        ctx.skipped.insert(other.id.clone());
    }
    skip_dependents(ctx);
    let members = [SUBNET, SECURITY_GROUP, ROUTE_TABLE, VPC_ENDPOINT];
    if vpc.is_none() && !ctx.input.resources.iter().any(|r| members.contains(&r.kind.as_str())) {
        ctx.note("input", "no AWS::EC2::VPC: the scenario needs a vpc block", "add `vpc: { cidr: ... }` by hand");
        return vec![];
    }
    let mut net = Net { vpc, cidr: None, igw: None };
    let mut entries = vpc::head(ctx, &mut net);
    route_table::reserve_main(ctx, &net);
    security_group::reserve_names(ctx, &net);
    let subnets = subnet::list(ctx, &net);
    let nats = nat_gateway::list(ctx, &net);
    let groups = security_group::list(ctx, &net);
    let endpoints = vpc_endpoint::list(ctx, &net);
    let tables = route_table::list(ctx, &net);
    let acls = network_acl::list(ctx, &net);
    let lists = [
        ("subnets", subnets),
        ("routeTables", tables),
        ("natGateways", nats),
        ("securityGroups", groups),
        ("networkAcls", acls),
        ("vpcEndpoints", endpoints),
    ];
    for (key, items) in lists {
        if !items.is_empty() {
            entries.push((key.to_string(), Node::List(items).into()));
        }
    }
    entries.extend(vpc::tail(ctx, &net));
    vpc::notes(ctx, &net);
    let node = Node::Map(entries);
    let item = match vpc {
        Some(v) => node.with_comment(ctx.from(v)),
        None => node.into(),
    };
    vec![("vpc".to_string(), item)]
}

/// The EC2 resources that name a skipped one (a subnet of another VPC, the route of its route
/// table, ...) are skipped too, each noted.
fn skip_dependents(ctx: &mut Ctx) {
    if ctx.skipped.is_empty() {
        return;
    }
    let input = ctx.input;
    loop {
        let mut changed = false;
        for r in &input.resources {
            if ctx.skipped.contains(&r.id) || !r.kind.starts_with("AWS::EC2::") {
                continue;
            }
            let Value::Map(m) = &r.properties else { continue };
            let hit = m.iter().find_map(|(_, v)| match v {
                Value::Ref { id, .. } if ctx.skipped.contains(id) => Some(id.clone()),
                _ => None,
            });
            if let Some(id) = hit {
                ctx.note(&r.origin, format!("{} refers to {id}, which is not in the scenario's VPC", r.kind), "");
                ctx.skipped.insert(r.id.clone());
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// The input's resources of `kind` that are not skipped, in input order.
pub(super) fn live<'a>(ctx: &Ctx<'a>, kind: &'static str) -> Vec<&'a Resource> {
    ctx.of_kind(kind).filter(|r| !ctx.skipped.contains(&r.id)).collect()
}

/// A property of `r`; null is absent.
pub(super) fn prop<'a>(r: &'a Resource, key: &str) -> Option<&'a Value> {
    r.properties.get(key).filter(|v| **v != Value::Null)
}

/// `v` when it is known; an unknown value is noted against `r`'s `what`.
pub(super) fn known<'v>(ctx: &mut Ctx, r: &Resource, what: &str, v: Option<&'v Value>) -> Option<&'v Value> {
    match v {
        Some(Value::Unknown { why, fix }) => {
            ctx.note(&r.origin, format!("{what} is not known ({why})"), fix.clone());
            None
        }
        Some(Value::Null) | None => None,
        Some(v) => Some(v),
    }
}

/// A known property of `r`.
pub(super) fn get<'a>(ctx: &mut Ctx, r: &'a Resource, key: &str) -> Option<&'a Value> {
    known(ctx, r, key, prop(r, key))
}

/// A known text (or number) property.
pub(super) fn text(ctx: &mut Ctx, r: &Resource, key: &str) -> Option<String> {
    get(ctx, r, key).and_then(Value::str).map(str::to_string)
}

/// A known boolean property.
pub(super) fn flag(ctx: &mut Ctx, r: &Resource, key: &str) -> Option<bool> {
    get(ctx, r, key).and_then(Value::bool)
}

/// Does `v` refer to resource `id`?
pub(super) fn refers_to(v: Option<&Value>, id: &str) -> bool {
    matches!(v, Some(Value::Ref { id: i, .. }) if i == id)
}

/// Note each property of `r` the scenario has no place for (IPv6 blocks, ...) when it is set
/// to something other than its default.
pub(super) fn note_unsupported(ctx: &mut Ctx, r: &Resource, props: &[(&str, &str)]) {
    for (key, why) in props {
        match prop(r, key) {
            None | Some(Value::Bool(false)) => {}
            Some(Value::List(l)) if l.is_empty() => {}
            Some(_) => ctx.note(&r.origin, format!("{key} is not carried over: {why}"), ""),
        }
    }
}

/// An IPv4 CIDR block as AWS takes it (host bits zero); anything else is noted.
pub(super) fn cidr(ctx: &mut Ctx, r: &Resource, what: &str, s: &str) -> Option<Ipv4Network> {
    let Ok(net) = s.trim().parse::<Ipv4Network>() else {
        ctx.note(&r.origin, format!("{what} `{s}` is not an IPv4 CIDR block"), "");
        return None;
    };
    if net.network() != net.ip() {
        let fix = format!("write {}/{}", net.network(), net.prefix());
        ctx.note(&r.origin, format!("{what} `{s}` has host bits set, which AWS refuses"), fix);
        return None;
    }
    Some(net)
}

/// A rule's protocol (`IpProtocol`, an ACL entry's `Protocol`) as the scenario names it: tcp,
/// udp, icmp, all; another protocol is noted.
pub(super) fn protocol(ctx: &mut Ctx, r: &Resource, what: &str, v: Option<&Value>) -> Option<&'static str> {
    let s = known(ctx, r, what, v)?.str()?.to_ascii_lowercase();
    match s.as_str() {
        "tcp" | "6" => Some("tcp"),
        "udp" | "17" => Some("udp"),
        "icmp" | "1" => Some("icmp"),
        "-1" | "all" => Some("all"),
        _ => {
            let fix = "the scenario's rules carry tcp, udp, icmp or all";
            ctx.note(&r.origin, format!("{what}: protocol {s} is not carried over"), fix);
            None
        }
    }
}

/// A number property, as an integer.
pub(super) fn int(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::str).and_then(|s| s.trim().parse::<i64>().ok())
}

/// Ports `from..to` of tcp or udp as the scenario writes them (`443`, `8000-8010`); None (noted)
/// when they are missing or outside 0-65535.
pub(super) fn ports(ctx: &mut Ctx, r: &Resource, what: &str, from: Option<i64>, to: Option<i64>) -> Option<Node> {
    match (from, to) {
        (Some(-1), Some(-1)) | (Some(0), Some(65535)) => Some(Node::str("0-65535")),
        (Some(a), Some(b)) if (0..=65535).contains(&a) && (a..=65535).contains(&b) => {
            Some(if a == b { Node::num(a) } else { Node::str(format!("{a}-{b}")) })
        }
        _ => {
            let fix = "tcp and udp rules need a port range from 0-65535";
            ctx.note(&r.origin, format!("{what}: ports {from:?}-{to:?} are not a port range"), fix);
            None
        }
    }
}

/// An icmp rule matches every type in the scenario: a narrower one is noted as widened.
pub(super) fn icmp_widened(ctx: &mut Ctx, r: &Resource, what: &str, icmp_type: Option<i64>) {
    if icmp_type.is_some_and(|t| t != -1) {
        let t = icmp_type.unwrap_or(-1);
        ctx.note(&r.origin, format!("{what}: icmp type {t} is written as every icmp type"), "");
    }
}

/// A list entry `key: [names]`, omitted when empty.
pub(super) fn names_entry(entries: &mut Vec<(String, Item)>, key: &str, names: Vec<String>) {
    if !names.is_empty() {
        entries.push((key.to_string(), Node::list(names.into_iter().map(Node::Str)).into()));
    }
}

/// A map entry.
pub(super) fn entry(key: &str, node: Node) -> (String, Item) {
    (key.to_string(), node.into())
}

// Facts about an endpoint that the route tables and security groups need too (here, so that
// the kinds' files do not use each other in a circle).
/// Gateway, CloudFormation's and Terraform's default, unless `VpcEndpointType` says otherwise.
pub(super) fn is_gateway(e: &Resource) -> bool {
    prop(e, "VpcEndpointType").and_then(Value::str).is_none_or(|t| t.eq_ignore_ascii_case("gateway"))
}

/// `s3` or `dynamodb` for a gateway endpoint to one of them (whose prefix list rules name).
pub(super) fn gateway_service(e: &Resource) -> Option<&'static str> {
    let name = prop(e, "ServiceName").and_then(Value::str)?;
    let svc = name.strip_prefix("com.amazonaws.")?.split_once('.')?.1;
    let s = ["s3", "dynamodb"].into_iter().find(|s| *s == svc)?;
    is_gateway(e).then_some(s)
}
