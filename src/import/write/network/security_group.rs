//! Security groups, with the standalone SecurityGroupIngress / SecurityGroupEgress resources
//! merged into the group they name (each such rule commented with its resource).
//!
//! Egress as AWS makes it: a group gets the allow-all egress rule unless CloudFormation lists
//! `SecurityGroupEgress` (the list replaces it) or Terraform declared the group without egress
//! (`EcsnetDefaultEgress: false`: the provider removes AWS's rule). Standalone egress rules add
//! to the default rule, so it is written out with them.
//!
//! Names: GroupName, else the Name tag, else the id; never `sg-*` (AWS keeps that for ids) and
//! never `default`, which is the VPC's own group (`GetAtt VPC.DefaultSecurityGroup`).

use super::{
    Net, SECURITY_GROUP, VPC_ENDPOINT, cidr, entry, get, icmp_widened, int, known, live, ports, prop, protocol,
    refers_to,
};
use crate::import::names::kebab;
use crate::import::resource::{Resource, Value};
use crate::import::write::Ctx;
use crate::import::write::props::{Props, Use::*};
use crate::import::yaml::{Item, Node};

const KIND: &str = "sg";

/// A rule's properties, in a group's list or a standalone rule's (`peer` notes the peers the
/// scenario cannot carry: IPv6 blocks, a group by name).
macro_rules! rule_props {
    ($($extra:expr),* $(,)?) => {
        &[
            ("IpProtocol", Read),
            ("FromPort", Read),
            ("ToPort", Read),
            ("CidrIp", Read),
            ("CidrIpv6", Read),
            ("Description", Meta),
            // The lab has one account: a group named by id is that account's.
            ("SourceSecurityGroupOwnerId", Meta),
            ("SourceSecurityGroupId", Read),
            ("SourceSecurityGroupName", Read),
            ("SourcePrefixListId", Read),
            ("DestinationSecurityGroupId", Read),
            ("DestinationPrefixListId", Read),
            $($extra),*
        ]
    };
}

/// An `AWS::EC2::SecurityGroup`'s properties.
pub(super) const PROPS: Props = &[
    ("GroupName", Read),
    ("GroupDescription", Read),
    ("VpcId", Read),
    ("SecurityGroupIngress", Nested(rule_props!())),
    ("SecurityGroupEgress", Nested(rule_props!())),
    ("EcsnetDefaultEgress", Read),
    ("Tags", Meta),
];

/// An `AWS::EC2::SecurityGroupIngress`'s or `AWS::EC2::SecurityGroupEgress`'s properties.
pub(super) const STANDALONE: Props = rule_props!(("GroupId", Read), ("GroupName", Read));
const INGRESS: &str = "AWS::EC2::SecurityGroupIngress";
const EGRESS: &str = "AWS::EC2::SecurityGroupEgress";

fn default_key(net: &Net) -> String {
    format!("{}.DefaultSecurityGroup", net.vpc.map(|v| v.id.as_str()).unwrap_or("vpc"))
}

/// Name every group before anything refers to one: `default` first, for the VPC's group.
pub(super) fn reserve_names(ctx: &mut Ctx, net: &Net) {
    ctx.names.assign(KIND, &default_key(net), Some("default"));
    for r in live(ctx, SECURITY_GROUP) {
        let preferred = preferred_name(ctx, r);
        ctx.names.assign(KIND, &r.id, Some(&preferred));
    }
}

/// The first of GroupName, Name tag and the id's name part that gives a name not `sg-*`.
fn preferred_name(ctx: &Ctx, r: &Resource) -> String {
    let group = prop(r, "GroupName").and_then(Value::str).map(str::to_string);
    let id = ctx.names.shown(&r.id);
    let head = id.split('[').next().unwrap_or(id);
    let from_id = format!("{}{}", head.rsplit('.').next().unwrap_or(head), &id[head.len()..]);
    let candidates = [group, ctx.name_tag(r), Some(from_id)];
    for c in candidates.into_iter().flatten() {
        let mut k = kebab(&c);
        while let Some(rest) = k.strip_prefix("sg-") {
            k = rest.to_string();
        }
        if !k.is_empty() {
            return k;
        }
    }
    "group".to_string()
}

/// The scenario name of the group `v` refers to (the VPC's default group is `default`).
pub(super) fn name_of(ctx: &mut Ctx, net: &Net, v: &Value) -> Option<String> {
    if net.vpc_attribute(v, "defaultsecuritygroup") {
        return Some("default".to_string());
    }
    ctx.name_of(v, SECURITY_GROUP, KIND)
}

/// The `securityGroups` list.
pub(super) fn list(ctx: &mut Ctx, net: &Net) -> Vec<Item> {
    let ing = live(ctx, INGRESS);
    let egr = live(ctx, EGRESS);
    let mut out = vec![];
    let targets_default =
        |r: &&Resource| prop(r, "GroupId").is_some_and(|v| net.vpc_attribute(v, "defaultsecuritygroup"));
    let (d_ing, d_egr): (Vec<&Resource>, Vec<&Resource>) =
        (ing.iter().copied().filter(targets_default).collect(), egr.iter().copied().filter(targets_default).collect());
    let restrict = live(ctx, RESTRICT_DEFAULT)
        .into_iter()
        .find(|r| prop(r, "DefaultSecurityGroupId").is_some_and(|v| net.vpc_attribute(v, "defaultsecuritygroup")));
    if !d_ing.is_empty() || !d_egr.is_empty() || restrict.is_some() {
        out.push(default_group(ctx, net, &d_ing, &d_egr, restrict));
    }
    for r in live(ctx, SECURITY_GROUP) {
        let i: Vec<&Resource> = ing.iter().copied().filter(|s| refers_to(prop(s, "GroupId"), &r.id)).collect();
        let e: Vec<&Resource> = egr.iter().copied().filter(|s| refers_to(prop(s, "GroupId"), &r.id)).collect();
        out.push(group(ctx, net, r, &i, &e));
    }
    for s in ing.iter().chain(egr.iter()) {
        if ctx.used.contains(&s.id) {
            continue;
        }
        match prop(s, "GroupId") {
            None => ctx.note(&s.origin, "the rule names its group by GroupName (the default VPC's)", ""),
            Some(Value::Unknown { why, fix }) => {
                ctx.note(&s.origin, format!("GroupId is not known ({why})"), fix.clone())
            }
            Some(_) => ctx.note(&s.origin, "the rule's group is not carried over", ""),
        }
    }
    out
}

/// The CDK's custom resource that removes AWS's two rules from the VPC's default group
/// (`restrictDefaultSecurityGroup`, on in every project `cdk init` makes).
const RESTRICT_DEFAULT: &str = "Custom::VpcRestrictDefaultSG";

/// The VPC's default group, declared because rules are added to it (AWS's own rules first)
/// or because `restrict` removes AWS's rules from it.
fn default_group(ctx: &mut Ctx, net: &Net, ing: &[&Resource], egr: &[&Resource], restrict: Option<&Resource>) -> Item {
    let mut ingress = vec![];
    if restrict.is_none() {
        ingress.push(allow_all("source", "sg/default", "AWS's rule of the default group: its own members"));
    }
    ingress.extend(standalone(ctx, net, ing, true));
    let mut m = vec![entry("name", Node::str("default")), ("ingress".to_string(), Node::List(ingress).into())];
    let mut egress = standalone(ctx, net, egr, false);
    if restrict.is_none() && !egress.is_empty() {
        egress.insert(0, allow_all("destination", "0.0.0.0/0", "AWS's default egress rule"));
    }
    if restrict.is_some() || !egress.is_empty() {
        m.push(("egress".to_string(), Node::List(egress).into()));
    }
    let origin = net.vpc.map(|v| v.origin.as_str()).unwrap_or("the VPC");
    let mut comment = format!("the default security group of {origin}");
    if let Some(r) = restrict {
        ctx.used.insert(r.id.clone());
        comment = format!("{comment}, without AWS's rules: {} removes them", r.origin);
    }
    Node::Map(m).with_comment(comment)
}

fn allow_all(key: &str, peer: &str, why: &str) -> Item {
    Node::map([("protocol", Node::str("all")), (key, Node::str(peer))]).with_comment(why)
}

/// Rules of standalone resources, each commented with its resource.
fn standalone(ctx: &mut Ctx, net: &Net, rules: &[&Resource], ingress: bool) -> Vec<Item> {
    let mut out = vec![];
    for s in rules {
        let node = rule(ctx, net, s, "the rule", &s.properties, ingress);
        let comment = ctx.from(s);
        if let Some(n) = node {
            out.push(n.with_comment(comment));
        }
    }
    out
}

/// A group and its rules.
fn group(ctx: &mut Ctx, net: &Net, r: &Resource, ing: &[&Resource], egr: &[&Resource]) -> Item {
    let comment = ctx.from(r);
    let name = ctx.name(r, KIND);
    if prop(r, "VpcId").is_none() && net.vpc.is_some() {
        let what = "no VpcId: AWS creates the group in the region's default VPC; written into the scenario's VPC";
        ctx.note(&r.origin, what, "give the group its VpcId");
    }
    let _ = get(ctx, r, "VpcId");
    if prop(r, "GroupName").and_then(Value::str) == Some("default") {
        let what = format!("Cannot use reserved security group name: default (AWS refuses it): written as {name}");
        ctx.note(&r.origin, what, "give the group another GroupName");
    }
    let mut m = vec![entry("name", Node::str(name))];
    if let Some(d) = get(ctx, r, "GroupDescription").and_then(Value::str) {
        m.push(entry("description", Node::str(d)));
    }
    let mut ingress = inline(ctx, net, r, "SecurityGroupIngress", true);
    ingress.extend(standalone(ctx, net, ing, true));
    if !ingress.is_empty() {
        m.push(("ingress".to_string(), Node::List(ingress).into()));
    }
    let listed = !prop(r, "SecurityGroupEgress").is_none_or(|v| matches!(v, Value::List(l) if l.is_empty()));
    let aws_default = !listed && prop(r, "EcsnetDefaultEgress").and_then(Value::bool) != Some(false);
    let mut egress = inline(ctx, net, r, "SecurityGroupEgress", false);
    egress.extend(standalone(ctx, net, egr, false));
    match (aws_default, egress.is_empty()) {
        (true, true) => {}
        (true, false) => {
            egress.insert(0, allow_all("destination", "0.0.0.0/0", "AWS's default egress rule"));
            m.push(("egress".to_string(), Node::List(egress).into()));
        }
        (false, true) => {
            let placeholder = prop(r, "SecurityGroupEgress").is_some_and(|v| v.list().iter().any(allows_nothing));
            let why = if placeholder {
                "no egress rule: the CDK's \"Disallow all traffic\" rule (icmp 252/86 to 255.255.255.255/32) allows nothing"
            } else if listed {
                "no egress rule"
            } else {
                "no egress rule: Terraform removes AWS's default one"
            };
            m.push(("egress".to_string(), Node::List(vec![]).with_comment(why)));
        }
        (false, false) => m.push(("egress".to_string(), Node::List(egress).into())),
    }
    Node::Map(m).with_comment(comment)
}

/// The rules listed in the group's own property.
fn inline(ctx: &mut Ctx, net: &Net, r: &Resource, key: &str, ingress: bool) -> Vec<Item> {
    let Some(list) = get(ctx, r, key) else { return vec![] };
    let mut out = vec![];
    for (i, v) in list.list().iter().enumerate() {
        let what = format!("{key}[{i}]");
        if allows_nothing(v) {
            continue;
        }
        if let Some(v) = known(ctx, r, &what, Some(v)) {
            out.extend(rule(ctx, net, r, &what, v, ingress).map(Item::from));
        }
    }
    out
}

/// The CDK's placeholder for a group with no egress (`allowAllOutbound: false`): AWS adds its
/// allow-all rule to a group created without one, so the CDK lists this rule, which allows
/// nothing (icmp type 252 code 86 to 255.255.255.255/32), instead.
fn allows_nothing(v: &Value) -> bool {
    let is = |k: &str, want: &str| v.get(k).and_then(Value::str) == Some(want);
    is("IpProtocol", "icmp") && is("FromPort", "252") && is("ToPort", "86") && is("CidrIp", "255.255.255.255/32")
}

/// One rule (an item of the group's list, or a standalone resource's properties).
fn rule(ctx: &mut Ctx, net: &Net, r: &Resource, what: &str, v: &Value, ingress: bool) -> Option<Node> {
    let proto = protocol(ctx, r, &format!("{what} IpProtocol"), v.get("IpProtocol"))?;
    let mut m = vec![entry("protocol", Node::str(proto))];
    let from = int(known(ctx, r, &format!("{what} FromPort"), v.get("FromPort")));
    let to = int(known(ctx, r, &format!("{what} ToPort"), v.get("ToPort")));
    match proto {
        "tcp" | "udp" => m.push(entry("ports", ports(ctx, r, what, from, to)?)),
        "icmp" => icmp_widened(ctx, r, what, from),
        _ => {}
    }
    let key = if ingress { "source" } else { "destination" };
    m.push(entry(key, Node::str(peer(ctx, net, r, what, v, ingress)?)));
    if let Some(d) = v.get("Description").and_then(Value::str) {
        m.push(entry("description", Node::str(d)));
    }
    Some(Node::Map(m))
}

/// `source` / `destination`: a block, `sg/NAME`, or `pl/s3` / `pl/dynamodb`.
fn peer(ctx: &mut Ctx, net: &Net, r: &Resource, what: &str, v: &Value, ingress: bool) -> Option<String> {
    let keys: [&str; 5] = if ingress {
        ["CidrIp", "SourceSecurityGroupId", "SourcePrefixListId", "CidrIpv6", "SourceSecurityGroupName"]
    } else {
        ["CidrIp", "DestinationSecurityGroupId", "DestinationPrefixListId", "CidrIpv6", "-"]
    };
    for (i, key) in keys.iter().enumerate() {
        let Some(x) = v.get(key).filter(|x| **x != Value::Null) else { continue };
        let x = known(ctx, r, &format!("{what} {key}"), Some(x))?;
        return match i {
            0 => cidr(ctx, r, &format!("{what} {key}"), x.str()?).map(|c| c.to_string()),
            1 => match name_of(ctx, net, x) {
                Some(n) => Some(format!("sg/{n}")),
                None => {
                    ctx.note(&r.origin, format!("{what}: {key} names a group that is not carried over"), "");
                    None
                }
            },
            2 => prefix_list(ctx, r, what, x),
            3 => {
                ctx.note(&r.origin, format!("{what}: an IPv6 rule, and the lab has no IPv6"), "");
                None
            }
            _ => {
                let fix = "name the group by SourceSecurityGroupId";
                ctx.note(&r.origin, format!("{what}: a group of the default VPC by name"), fix);
                None
            }
        };
    }
    ctx.note(&r.origin, format!("{what}: the rule names no peer the scenario can carry"), "");
    None
}

/// The prefix list of a gateway endpoint (S3, DynamoDB); any other is noted.
fn prefix_list(ctx: &mut Ctx, r: &Resource, what: &str, v: &Value) -> Option<String> {
    let svc = ctx.target(v).filter(|e| e.kind == VPC_ENDPOINT).and_then(super::gateway_service);
    match svc {
        Some(s) => Some(format!("pl/{s}")),
        None => {
            let fix = "the scenario knows the gateway endpoints' prefix lists, pl/s3 and pl/dynamodb";
            ctx.note(&r.origin, format!("{what}: prefix list {} is not carried over", describe(v)), fix);
            None
        }
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Ref { id, .. } => id.clone(),
        v => v.str().unwrap_or("?").to_string(),
    }
}
