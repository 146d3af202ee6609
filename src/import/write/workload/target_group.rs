//! ELBv2 target groups -> `targetGroups`: CreateTargetGroup's fields as the scenario names
//! them (health check settings, attributes), and targets registered by hand.

use super::{Ctx, number, of, prop, text};
use crate::import::resource::{Resource, Value};
use crate::import::write::props::{Props, Use::*};
use crate::import::yaml::{Item, Node};

/// ELB's longest target group and load balancer name.
const MAX_ELB_NAME: usize = 32;

/// A name for ELB: `Name`, else one from the id, in ecsnet's rule, at most 32 characters.
pub(super) fn elb_name(ctx: &mut Ctx, r: &Resource, kind: &str) -> String {
    let preferred = prop(r, "Name").and_then(Value::str);
    let n = ctx.names.assign(kind, &r.id, preferred);
    let n = n.get(..MAX_ELB_NAME).unwrap_or(&n).trim_end_matches('-');
    // ELB refuses a load balancer named `internal-…` (its DNS names start so).
    n.strip_prefix("internal-").unwrap_or(n).to_string()
}

pub(super) fn tg_name(ctx: &mut Ctx, r: &Resource) -> String {
    elb_name(ctx, r, "target-group")
}

/// The health check settings, CloudFormation's name -> the scenario's.
const HEALTH: &[(&str, &str)] = &[
    ("HealthCheckEnabled", "healthCheckEnabled"),
    ("HealthCheckProtocol", "healthCheckProtocol"),
    ("HealthCheckPort", "healthCheckPort"),
    ("HealthCheckPath", "healthCheckPath"),
    ("HealthCheckIntervalSeconds", "healthCheckIntervalSeconds"),
    ("HealthCheckTimeoutSeconds", "healthCheckTimeoutSeconds"),
    ("HealthyThresholdCount", "healthyThresholdCount"),
    ("UnhealthyThresholdCount", "unhealthyThresholdCount"),
];

/// An `AWS::ElasticLoadBalancingV2::TargetGroup`'s properties.
pub(super) const PROPS: Props = &[
    ("Name", Read),
    ("Protocol", Read),
    ("Port", Read),
    ("TargetType", Read),
    ("HealthCheckEnabled", Read),
    ("HealthCheckProtocol", Read),
    ("HealthCheckPort", Read),
    ("HealthCheckPath", Read),
    ("HealthCheckIntervalSeconds", Read),
    ("HealthCheckTimeoutSeconds", Read),
    ("HealthyThresholdCount", Read),
    ("UnhealthyThresholdCount", Read),
    ("Matcher", Nested(&[("HttpCode", Read), ("GrpcCode", Lost("the scenario's health checks are HTTP ones", ""))])),
    // The attributes the scenario does not model are noted by the writer, one by one.
    ("TargetGroupAttributes", Read),
    ("Targets", Read),
    // The scenario's one VPC.
    ("VpcId", Read),
    ("Tags", Meta),
    ("ProtocolVersion", LostUnless("HTTP1", "the scenario's target groups speak HTTP/1.1", "")),
    ("IpAddressType", LostUnless("ipv4", "the lab has no IPv6", "")),
];

pub(super) fn target_groups(ctx: &mut Ctx) -> Vec<Item> {
    let mut out = vec![];
    for r in of(ctx, "AWS::ElasticLoadBalancingV2::TargetGroup") {
        out.extend(target_group(ctx, r));
    }
    out
}

fn target_group(ctx: &mut Ctx, r: &Resource) -> Option<Item> {
    let target_type = prop(r, "TargetType").and_then(|v| text(ctx, r, "TargetType", v)).unwrap_or("instance".into());
    if target_type != "instance" && target_type != "ip" {
        ctx.note(&r.origin, format!("a target group of type {target_type}: the scenario has instance and ip ones"), "");
        return None;
    }
    let comment = ctx.from(r);
    let mut m: Vec<(String, Item)> = vec![("name".into(), Node::Str(tg_name(ctx, r)).into())];
    if let Some(p) = prop(r, "Protocol").and_then(|v| text(ctx, r, "Protocol", v)) {
        let p = if p == "TLS" {
            ctx.note(&r.origin, "Protocol TLS written as TCP: the scenario does not model TLS target groups yet", "");
            "TCP".to_string()
        } else {
            p
        };
        m.push(("protocol".into(), Node::Str(p).into()));
    }
    // The scenario needs a port; ELB needs one too for instance and ip groups.
    let port = prop(r, "Port").and_then(|v| number(ctx, r, "Port", v));
    if port.is_none() {
        ctx.note(&r.origin, "no Port: written as 80", "set the target group's port");
    }
    m.push(("port".into(), port.unwrap_or_else(|| Node::num(80)).into()));
    m.push(("targetType".into(), Node::Str(target_type).into()));
    for (key, field) in HEALTH {
        let Some(v) = prop(r, key) else { continue };
        let node = match v.bool() {
            Some(b) => Some(Node::Bool(b)),
            None if *key == "HealthCheckPort" || *key == "HealthCheckPath" || *key == "HealthCheckProtocol" => {
                text(ctx, r, key, v).map(Node::Str)
            }
            None => number(ctx, r, key, v),
        };
        if let Some(n) = node {
            m.push((field.to_string(), n.into()));
        }
    }
    if let Some(code) =
        prop(r, "Matcher").and_then(|mt| mt.get("HttpCode")).and_then(|v| text(ctx, r, "Matcher.HttpCode", v))
    {
        m.push(("matcher".into(), Node::map([("httpCode", Node::Str(code))]).into()));
    }
    attributes(ctx, r, &mut m);
    let targets = targets(ctx, r);
    if !targets.is_empty() {
        m.push(("targets".into(), Node::List(targets).into()));
    }
    Some(Node::Map(m).with_comment(comment))
}

/// `TargetGroupAttributes`: the deregistration delay and the network load balancer's
/// attributes the scenario models; the others noted.
fn attributes(ctx: &mut Ctx, r: &Resource, m: &mut Vec<(String, Item)>) {
    let mut attrs: Vec<(String, Item)> = vec![];
    for a in prop(r, "TargetGroupAttributes").map(Value::list).unwrap_or_default() {
        let (Some(k), Some(v)) = (a.get("Key").and_then(Value::str), a.get("Value")) else { continue };
        let what = format!("TargetGroupAttributes {k}");
        let Some(val) = text(ctx, r, &what, v) else { continue };
        match k {
            "deregistration_delay.timeout_seconds" if val.parse::<u32>().is_ok() => {
                m.push(("deregistrationDelayTimeoutSeconds".into(), Node::Num(val).into()));
            }
            "preserve_client_ip.enabled" => attrs.push((k.into(), bool_or_text(&val).into())),
            "load_balancing.cross_zone.enabled" => attrs.push((k.into(), bool_or_text(&val).into())),
            "stickiness.enabled" if val == "false" => {}
            _ => ctx.note(&r.origin, format!("{what} = {val} left out: not modelled by the scenario"), ""),
        }
    }
    if !attrs.is_empty() {
        m.push(("attributes".into(), Node::Map(attrs).into()));
    }
}

fn bool_or_text(v: &str) -> Node {
    match v {
        "true" => Node::Bool(true),
        "false" => Node::Bool(false),
        _ => Node::str(v),
    }
}

/// `Targets` registered by hand: instances of the input by name; an IP address is no node
/// of the scenario (ECS services register their tasks themselves).
fn targets(ctx: &mut Ctx, r: &Resource) -> Vec<Item> {
    let mut out = vec![];
    for (i, t) in prop(r, "Targets").map(Value::list).unwrap_or_default().iter().enumerate() {
        let Some(id) = t.get("Id") else { continue };
        let Some(inst) = ctx.target(id).filter(|x| x.kind == "AWS::EC2::Instance") else {
            ctx.note(&r.origin, format!("Targets[{i}] left out: only EC2 instances of the input can be targets"), "");
            continue;
        };
        let mut m: Vec<(String, Item)> =
            vec![("id".into(), Node::Str(format!("instance/{}", ctx.name(inst, "instance"))).into())];
        if let Some(p) = t.get("Port").and_then(|v| number(ctx, r, &format!("Targets[{i}].Port"), v)) {
            m.push(("port".into(), p.into()));
        }
        out.push(Node::Map(m).into());
    }
    out
}
