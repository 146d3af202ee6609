//! ELBv2 load balancers, with their listeners, listener rules and certificates ->
//! `loadBalancers` (application and network).

use super::target_group::elb_name;
use super::{Ctx, convert, names_node, number, of, prop, sg_names, subnet_names, text};
use crate::import::resource::{Resource, Value};
use crate::import::write::props::{Props, Use::*};
use crate::import::yaml::{Item, Node};

/// An `AWS::ElasticLoadBalancingV2::LoadBalancer`'s properties.
pub(super) const PROPS: Props = &[
    ("Name", Read),
    ("Type", Read),
    ("Scheme", Read),
    ("Subnets", Read),
    ("SubnetMappings", Read),
    ("SecurityGroups", Read),
    // The attributes the scenario does not model are noted by the writer, one by one.
    ("LoadBalancerAttributes", Read),
    ("IpAddressType", Read),
    ("Tags", Meta),
    ("MinimumLoadBalancerCapacity", Lost("the lab's load balancers have no capacity units", "")),
    (
        "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic",
        Lost("the lab has no PrivateLink to its load balancers", ""),
    ),
    ("EnablePrefixForIpv6SourceNat", Lost("the lab has no IPv6", "")),
    ("Ipv4IpamPoolId", Lost("the lab has no IPAM", "")),
];

/// An `AWS::ElasticLoadBalancingV2::Listener`'s properties.
pub(super) const LISTENER: Props = &[
    ("LoadBalancerArn", Read),
    ("Port", Read),
    ("Protocol", Read),
    ("Certificates", Read),
    ("SslPolicy", Read),
    ("DefaultActions", Read),
    ("AlpnPolicy", Lost("the scenario's listeners negotiate no ALPN", "")),
    ("MutualAuthentication", Lost("the scenario's listeners do not verify client certificates", "")),
    ("ListenerAttributes", Lost("the scenario models no listener attributes", "")),
];

pub(super) fn lb_name(ctx: &mut Ctx, r: &Resource) -> String {
    elb_name(ctx, r, "load-balancer")
}

pub(super) fn load_balancers(ctx: &mut Ctx) -> Vec<Item> {
    let mut out = vec![];
    for r in of(ctx, "AWS::ElasticLoadBalancingV2::LoadBalancer") {
        out.extend(load_balancer(ctx, r));
    }
    out
}

fn load_balancer(ctx: &mut Ctx, r: &Resource) -> Option<Item> {
    let kind = prop(r, "Type").and_then(|v| text(ctx, r, "Type", v)).unwrap_or("application".into());
    if kind != "application" && kind != "network" {
        ctx.note(&r.origin, format!("a {kind} load balancer: the scenario has application and network ones"), "");
        return None;
    }
    let comment = ctx.from(r);
    let mut m: Vec<(String, Item)> = vec![("name".into(), Node::Str(lb_name(ctx, r)).into())];
    m.push(("type".into(), Node::str(kind.as_str()).into()));
    if let Some(s) = prop(r, "Scheme").and_then(|v| text(ctx, r, "Scheme", v)) {
        m.push(("scheme".into(), Node::Str(s).into()));
    }
    let mut subnets = subnet_names(ctx, r, "Subnets", prop(r, "Subnets"));
    if let Some(maps) = prop(r, "SubnetMappings") {
        for (i, s) in maps.list().iter().enumerate() {
            let at = format!("SubnetMappings[{i}]");
            let one = Value::List(s.get("SubnetId").into_iter().cloned().collect());
            subnets.extend(subnet_names(ctx, r, &format!("{at}.SubnetId"), Some(&one)));
            if s.get("AllocationId").is_some() || s.get("PrivateIPv4Address").is_some() {
                ctx.note(
                    &r.origin,
                    format!("{at}: its Elastic IP or private address left out (the lab gives the node its own)"),
                    "",
                );
            }
        }
    }
    m.push(("subnets".into(), names_node(&subnets).into()));
    if prop(r, "SecurityGroups").is_some() {
        let groups = sg_names(ctx, r, "SecurityGroups", prop(r, "SecurityGroups"));
        m.push(("securityGroups".into(), names_node(&groups).into()));
    }
    for a in prop(r, "LoadBalancerAttributes").map(Value::list).unwrap_or_default() {
        let (Some(k), Some(v)) = (a.get("Key").and_then(Value::str), a.get("Value")) else { continue };
        let Some(val) = text(ctx, r, &format!("LoadBalancerAttributes {k}"), v) else { continue };
        if k == "load_balancing.cross_zone.enabled" {
            let attr = Node::map([(k, Node::Bool(val == "true"))]);
            m.push(("attributes".into(), attr.into()));
        } else if !matches!(
            k,
            "idle_timeout.timeout_seconds" | "deletion_protection.enabled" | "access_logs.s3.enabled"
        ) {
            ctx.note(
                &r.origin,
                format!("LoadBalancerAttributes {k} = {val} left out: not modelled by the scenario"),
                "",
            );
        }
    }
    if prop(r, "IpAddressType").and_then(Value::str).is_some_and(|t| t != "ipv4") {
        ctx.note(&r.origin, "IpAddressType left out: the scenario's load balancers are IPv4 only", "");
    }
    let listeners = listeners(ctx, r);
    if !listeners.is_empty() {
        m.push(("listeners".into(), Node::List(listeners).into()));
    }
    Some(Node::Map(m).with_comment(comment))
}

/// Whether `v` refers to resource `r`.
fn refers(v: Option<&Value>, r: &Resource) -> bool {
    matches!(v, Some(Value::Ref { id, .. }) if *id == r.id)
}

/// The listeners of `lb`, each with its rules and extra certificates.
fn listeners(ctx: &mut Ctx, lb: &Resource) -> Vec<Item> {
    let mut out = vec![];
    for l in of(ctx, "AWS::ElasticLoadBalancingV2::Listener") {
        if !refers(prop(l, "LoadBalancerArn"), lb) {
            continue;
        }
        let comment = ctx.from(l);
        let mut m: Vec<(String, Item)> = vec![];
        if let Some(p) = prop(l, "Port").and_then(|v| number(ctx, l, "Port", v)) {
            m.push(("port".into(), p.into()));
        }
        let mut protocol = prop(l, "Protocol").and_then(|v| text(ctx, l, "Protocol", v));
        if protocol.as_deref() == Some("TLS") {
            ctx.note(&l.origin, "a TLS listener written as TCP: the scenario does not model TLS listeners yet", "");
            protocol = Some("TCP".into());
        }
        if let Some(p) = &protocol {
            m.push(("protocol".into(), Node::str(p.as_str()).into()));
        }
        let certs = certificates(ctx, l);
        if !certs.is_empty() && protocol.as_deref() != Some("TCP") {
            m.push(("certificates".into(), Node::List(certs).into()));
        }
        if let Some(p) = prop(l, "SslPolicy").and_then(|v| text(ctx, l, "SslPolicy", v)) {
            if protocol.as_deref() == Some("HTTPS") {
                m.push(("sslPolicy".into(), Node::Str(p).into()));
            }
        }
        let actions = actions(ctx, l, "DefaultActions", prop(l, "DefaultActions"));
        m.push(("defaultActions".into(), Node::List(actions).into()));
        let rules = rules(ctx, l);
        if !rules.is_empty() {
            m.push(("rules".into(), Node::List(rules).into()));
        }
        out.push(Node::Map(m).with_comment(comment));
    }
    out
}

/// The listener's `Certificates` and those of `AWS::ElasticLoadBalancingV2::ListenerCertificate`.
fn certificates(ctx: &mut Ctx, l: &Resource) -> Vec<Item> {
    let mut out = vec![];
    let mut add = |ctx: &mut Ctx, r: &Resource, list: &[Value]| {
        for (i, c) in list.iter().enumerate() {
            let Some(v) = c.get("CertificateArn") else { continue };
            if let Some(arn) = text(ctx, r, &format!("Certificates[{i}].CertificateArn"), v) {
                out.push(Node::map([("certificateArn", Node::Str(arn))]).into());
            }
        }
    };
    add(ctx, l, prop(l, "Certificates").map(Value::list).unwrap_or_default());
    for c in of(ctx, "AWS::ElasticLoadBalancingV2::ListenerCertificate") {
        if refers(prop(c, "ListenerArn"), l) {
            ctx.from(c);
            add(ctx, c, prop(c, "Certificates").map(Value::list).unwrap_or_default());
        }
    }
    out
}

/// An action list: the scenario takes exactly one action, so authentication actions (which
/// come before the final one) are left out, noted; the final action is kept.
fn actions(ctx: &mut Ctx, r: &Resource, what: &str, v: Option<&Value>) -> Vec<Item> {
    let mut kept = vec![];
    for (i, a) in v.map(Value::list).unwrap_or_default().iter().enumerate() {
        let kind = a.get("Type").and_then(Value::str).unwrap_or("");
        if kind.starts_with("authenticate-") {
            ctx.note(
                &r.origin,
                format!("{what}[{i}]: the {kind} action left out: the lab has no identity provider"),
                "",
            );
            continue;
        }
        // Stickiness picks a group per client, which the lab does not model.
        let a = strip(a, &["ForwardConfig", "TargetGroupStickinessConfig"]);
        let Some(a) = known_targets(ctx, r, &format!("{what}[{i}]"), a) else { continue };
        kept.extend(convert(ctx, r, &format!("{what}[{i}]"), &a).map(Item::from));
    }
    if kept.len() > 1 {
        ctx.note(&r.origin, format!("{what}: more than one action; the last is written"), "");
        kept.drain(..kept.len() - 1);
    }
    kept
}

/// A forward action without the weighted target groups whose ARN is not known (a scenario's
/// weighted target group needs one); `None`, noted, when it is left with no target group.
fn known_targets(ctx: &mut Ctx, r: &Resource, what: &str, a: Value) -> Option<Value> {
    let Value::Map(mut m) = a else { return Some(a) };
    let known = |v: Option<&Value>| matches!(v, Some(Value::String(_) | Value::Ref { .. }));
    let single = known(m.iter().find(|(k, _)| k == "TargetGroupArn").map(|(_, v)| v));
    let Some((_, Value::Map(fc))) = m.iter_mut().find(|(k, _)| k == "ForwardConfig") else {
        return Some(Value::Map(m));
    };
    if let Some((_, Value::List(groups))) = fc.iter_mut().find(|(k, _)| k == "TargetGroups") {
        for (j, g) in groups.iter().enumerate().filter(|(_, g)| !known(g.get("TargetGroupArn"))) {
            let why = match g.get("TargetGroupArn") {
                Some(Value::Unknown { why, .. }) => format!(" ({why})"),
                _ => String::new(),
            };
            ctx.note(&r.origin, format!("{what}: weighted target group [{j}] left out: its ARN is not known{why}"), "");
        }
        groups.retain(|g| known(g.get("TargetGroupArn")));
    }
    let groups = fc.iter().find(|(k, _)| k == "TargetGroups").map_or(0, |(_, g)| g.list().len());
    if groups == 0 {
        fc.retain(|(k, _)| k != "TargetGroups");
        let fc_empty = fc.iter().all(|(k, _)| k == "TargetGroupStickinessConfig");
        if fc_empty && !single {
            ctx.note(&r.origin, format!("{what}: a forward action left out: none of its target groups is known"), "");
            return None;
        }
        if fc_empty {
            m.retain(|(k, _)| k != "ForwardConfig");
        }
    }
    Some(Value::Map(m))
}

/// `v` without the entry at `path` (a map key inside a map key).
fn strip(v: &Value, path: &[&str]) -> Value {
    match (v, path) {
        (Value::Map(m), [first, rest @ ..]) => Value::Map(
            m.iter()
                .filter(|(k, _)| !(rest.is_empty() && k == first))
                .map(|(k, x)| (k.clone(), if k == first { strip(x, rest) } else { x.clone() }))
                .collect(),
        ),
        _ => v.clone(),
    }
}

/// The listener's rules. A rule with a condition the scenario does not match on (HTTP
/// headers, query strings, methods, source IPs) is left out whole, noted: without that
/// condition it would take requests it does not take on AWS.
fn rules(ctx: &mut Ctx, l: &Resource) -> Vec<Item> {
    let mut out = vec![];
    for r in of(ctx, "AWS::ElasticLoadBalancingV2::ListenerRule") {
        if !refers(prop(r, "ListenerArn"), l) {
            continue;
        }
        let conditions = prop(r, "Conditions").map(Value::list).unwrap_or_default();
        let other = conditions
            .iter()
            .filter_map(|c| c.get("Field").and_then(Value::str))
            .find(|f| *f != "path-pattern" && *f != "host-header");
        if let Some(f) = other {
            ctx.note(&r.origin, format!("a rule on {f} left out: the scenario's rules match on paths and hosts"), "");
            continue;
        }
        let comment = ctx.from(r);
        let mut m: Vec<(String, Item)> = vec![];
        if let Some(p) = prop(r, "Priority").and_then(|v| number(ctx, r, "Priority", v)) {
            m.push(("priority".into(), p.into()));
        }
        let conds = conditions.iter().enumerate().filter_map(|(i, c)| convert(ctx, r, &format!("Conditions[{i}]"), c));
        let conds: Vec<Node> = conds.collect();
        m.push(("conditions".into(), Node::list(conds).into()));
        let actions = actions(ctx, r, "Actions", prop(r, "Actions"));
        // A rule with no action is not a rule: it is left out rather than written invalid.
        if actions.is_empty() {
            ctx.note(&r.origin, "left out: none of its actions is known", "");
            continue;
        }
        m.push(("actions".into(), Node::List(actions).into()));
        out.push(Node::Map(m).with_comment(comment));
    }
    out
}
