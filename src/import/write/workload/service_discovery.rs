//! Cloud Map -> `serviceDiscovery`: the private DNS namespaces of the lab's VPC and the DNS
//! services in them, each with the name an ECS service's `serviceRegistries` gives it. What
//! the lab's DNS does not answer (HTTP and public namespaces, AAAA and CNAME records, Route 53
//! health checks) is noted.

#[cfg(test)]
mod tests;

use super::{Ctx, number, of, prop, text};
use crate::import::resource::{Resource, Value};
use crate::import::write::props::{Props, Use::*};
use crate::import::yaml::{Item, Node};
use std::collections::HashMap;

pub(super) const NAMESPACE: &str = "AWS::ServiceDiscovery::PrivateDnsNamespace";
pub(super) const SERVICE: &str = "AWS::ServiceDiscovery::Service";

/// An `AWS::ServiceDiscovery::PrivateDnsNamespace`'s properties.
pub(super) const NAMESPACE_PROPS: Props = &[
    ("Name", Read),
    ("Vpc", Read),
    ("Description", Read),
    ("Tags", Meta),
    ("Properties", Lost("the lab's namespaces have no SOA record to set", "")),
];

/// An `AWS::ServiceDiscovery::Service`'s properties.
pub(super) const SERVICE_PROPS: Props = &[
    ("Name", Read),
    ("NamespaceId", Read),
    ("Description", Read),
    ("DnsConfig", Nested(&[("DnsRecords", Read), ("RoutingPolicy", Read), ("NamespaceId", Read)])),
    ("HealthCheckCustomConfig", Nested(&[("FailureThreshold", Read)])),
    (
        "HealthCheckConfig",
        Lost("Route 53 health checks are for public DNS namespaces, which the lab does not have", ""),
    ),
    ("Type", Lost("the lab's Cloud Map services are DNS services", "")),
    ("ServiceAttributes", Lost("the lab's Cloud Map has no service attributes", "")),
    ("Tags", Meta),
];

/// Namespace types the lab does not emulate, and why.
const NOT_EMULATED: &[(&str, &str)] = &[
    ("AWS::ServiceDiscovery::HttpNamespace", "an HTTP namespace is found by API calls, and the lab emulates DNS only"),
    ("AWS::ServiceDiscovery::PublicDnsNamespace", "the lab emulates private DNS namespaces only (its VPC's DNS)"),
];

/// The `serviceDiscovery` block, and the name the ECS services' `serviceRegistries` give each
/// Cloud Map service written (by resource id).
pub(super) struct Discovery {
    pub node: Option<Node>,
    pub registries: HashMap<String, String>,
}

/// A Cloud Map service written: its resource id, name, namespace's name and entry.
struct Written {
    id: String,
    name: String,
    namespace: String,
    item: Item,
}

pub(super) fn discovery(ctx: &mut Ctx) -> Discovery {
    for (kind, why) in NOT_EMULATED {
        for r in of(ctx, kind) {
            ctx.note(&r.origin, format!("{kind} is not carried over: {why}"), "");
        }
    }
    let (spaces, by_id) = namespaces(ctx);
    let written = services(ctx, &by_id);
    let registries = registry_names(&written);
    let mut m: Vec<(String, Item)> = vec![];
    if !spaces.is_empty() {
        m.push(("namespaces".into(), Node::List(spaces).into()));
    }
    if !written.is_empty() {
        m.push(("services".into(), Node::List(written.into_iter().map(|w| w.item).collect()).into()));
    }
    Discovery { node: (!m.is_empty()).then_some(Node::Map(m)), registries }
}

/// A service's `name`, or `NAME.NAMESPACE` when another written service has its name.
fn registry_names(written: &[Written]) -> HashMap<String, String> {
    let shared = |w: &Written| written.iter().filter(|o| o.name.eq_ignore_ascii_case(&w.name)).count() > 1;
    written
        .iter()
        .map(|w| {
            let name = if shared(w) { format!("{}.{}", w.name, w.namespace) } else { w.name.clone() };
            (w.id.clone(), name)
        })
        .collect()
}

/// The namespaces of the lab's VPC: their entries, and their names by resource id.
fn namespaces(ctx: &mut Ctx) -> (Vec<Item>, HashMap<String, String>) {
    let (mut items, mut by_id) = (vec![], HashMap::<String, String>::new());
    for r in of(ctx, NAMESPACE) {
        if !in_the_lab_s_vpc(ctx, r) {
            continue;
        }
        let name = match prop(r, "Name").and_then(|v| text(ctx, r, "Name", v)) {
            Some(n) => n.trim_end_matches('.').to_string(),
            None => unnamed_namespace(ctx, r),
        };
        if by_id.values().any(|n| n.eq_ignore_ascii_case(&name)) {
            ctx.note(&r.origin, format!("a second namespace named {name}: left out"), "");
            continue;
        }
        let comment = ctx.from(r);
        let mut m: Vec<(String, Item)> = vec![("name".into(), Node::str(name.as_str()).into())];
        description(ctx, r, &mut m);
        items.push(Node::Map(m).with_comment(comment));
        by_id.insert(r.id.clone(), name);
    }
    (items, by_id)
}

/// A namespace without a Name (which AWS requires) is named from its logical id, under
/// `.local`: a hosted zone's name has two labels at least.
fn unnamed_namespace(ctx: &mut Ctx, r: &Resource) -> String {
    let name = format!("{}.local", ctx.names.assign("namespace", &r.id, None));
    ctx.assume(&r.origin, format!("it has no Name: named {name}"));
    name
}

/// Whether a namespace's `Vpc` is the scenario's VPC: a reference to the input's VPC. One to
/// another VPC, or a VPC id the input does not create, is not (noted); an unknown one, or any
/// id when the input has no VPC, is taken to be (said as assumed).
fn in_the_lab_s_vpc(ctx: &mut Ctx, r: &Resource) -> bool {
    let input_vpc = ctx.of_kind("AWS::EC2::VPC").any(|v| !ctx.skipped.contains(&v.id));
    let fix = "import the stack of that VPC into a scenario of its own";
    match prop(r, "Vpc") {
        Some(v @ Value::Ref { id, .. }) => {
            let ok = ctx.target(v).is_some_and(|t| t.kind == "AWS::EC2::VPC");
            if !ok {
                ctx.note(&r.origin, format!("left out: its Vpc, {id}, is not the scenario's VPC"), fix);
            }
            ok
        }
        Some(Value::String(id)) if input_vpc => {
            ctx.note(&r.origin, format!("left out: its Vpc, {id}, is not the input's VPC"), fix);
            false
        }
        Some(Value::String(id)) => {
            ctx.assume(&r.origin, format!("the input has no VPC: its Vpc, {id}, taken to be the scenario's"));
            true
        }
        Some(Value::Unknown { why, .. }) => {
            ctx.assume(&r.origin, format!("its Vpc is not known ({why}): taken to be the scenario's VPC"));
            true
        }
        _ => true,
    }
}

/// The Cloud Map services in the namespaces written.
fn services(ctx: &mut Ctx, namespaces: &HashMap<String, String>) -> Vec<Written> {
    let mut out: Vec<Written> = vec![];
    for r in of(ctx, SERVICE) {
        let Some(namespace) = namespace_of(ctx, r, namespaces) else { continue };
        let name = match prop(r, "Name").and_then(|v| text(ctx, r, "Name", v)) {
            Some(n) => n,
            None => ctx.names.assign_within("cloud-map-service", &r.id, None, 63),
        };
        let same = |w: &Written| w.name.eq_ignore_ascii_case(&name) && w.namespace.eq_ignore_ascii_case(&namespace);
        if out.iter().any(same) {
            ctx.note(&r.origin, format!("a second Cloud Map service {name}.{namespace}: left out"), "");
            continue;
        }
        let Some(dns) = dns_config(ctx, r) else { continue };
        let comment = ctx.from(r);
        let mut m: Vec<(String, Item)> = vec![
            ("name".into(), Node::str(name.as_str()).into()),
            ("namespace".into(), Node::str(namespace.as_str()).into()),
        ];
        description(ctx, r, &mut m);
        m.push(("dnsConfig".into(), dns.into()));
        if let Some(h) = custom_health(ctx, r) {
            m.push(("healthCheckCustomConfig".into(), h.into()));
        }
        let item = Node::Map(m).with_comment(comment);
        out.push(Written { id: r.id.clone(), name, namespace, item });
    }
    out
}

/// The name of the written namespace a service is in (`NamespaceId`, else `DnsConfig`'s);
/// None, noted, when it is not one.
fn namespace_of(ctx: &mut Ctx, r: &Resource, namespaces: &HashMap<String, String>) -> Option<String> {
    let dns_ns = prop(r, "DnsConfig").and_then(|d| d.get("NamespaceId")).filter(|v| !matches!(v, Value::Null));
    let Some(v) = prop(r, "NamespaceId").or(dns_ns) else {
        ctx.note(&r.origin, "left out: it names no namespace (NamespaceId)", "");
        return None;
    };
    if let Value::Ref { id, .. } = v {
        if let Some(n) = namespaces.get(id) {
            return Some(n.clone());
        }
        let what = ctx.resource(id).map_or(id.clone(), |t| format!("{} ({})", t.origin, t.kind));
        ctx.note(&r.origin, format!("left out: its namespace, {what}, is not carried over"), "");
        return None;
    }
    if let Value::Unknown { why, fix } = v {
        ctx.note(&r.origin, format!("left out: its NamespaceId is not known ({why})"), fix.clone());
        return None;
    }
    let shown = v.str().unwrap_or("?");
    ctx.note(
        &r.origin,
        format!("left out: its namespace, {shown}, is not in the input"),
        "import the stack that defines it too",
    );
    None
}

/// `dnsConfig`: the A and SRV records (the others noted), the routing policy when set. None,
/// noted, when no record is left: ECS could not register a task in it.
fn dns_config(ctx: &mut Ctx, r: &Resource) -> Option<Node> {
    let Some(d) = prop(r, "DnsConfig") else {
        ctx.note(&r.origin, "left out: it has no DnsConfig (an HTTP service, found by API calls only)", "");
        return None;
    };
    let records = dns_records(ctx, r, d.get("DnsRecords").map(Value::list).unwrap_or_default());
    if records.is_empty() {
        ctx.note(
            &r.origin,
            "left out, with the ECS service registries naming it: none of its DNS records is an A or SRV record",
            "",
        );
        return None;
    }
    let mut m: Vec<(String, Item)> = vec![];
    if let Some(p) = d.get("RoutingPolicy").filter(|v| !matches!(v, Value::Null)) {
        if let Some(p) = text(ctx, r, "DnsConfig.RoutingPolicy", p) {
            m.push(("routingPolicy".into(), Node::Str(p.to_ascii_uppercase()).into()));
        }
    }
    m.push(("dnsRecords".into(), Node::List(records).into()));
    Some(Node::Map(m))
}

/// The records the lab answers: A and SRV, one of each, each with its TTL.
fn dns_records(ctx: &mut Ctx, r: &Resource, list: &[Value]) -> Vec<Item> {
    let mut seen: Vec<String> = vec![];
    let mut out = vec![];
    for (i, rec) in list.iter().enumerate() {
        let at = format!("DnsConfig.DnsRecords[{i}]");
        let Some(t) = rec.get("Type").and_then(|v| text(ctx, r, &format!("{at}.Type"), v)) else { continue };
        let t = t.to_ascii_uppercase();
        let why = match t.as_str() {
            "A" | "SRV" if seen.contains(&t) => "Cloud Map takes one record of each type",
            "A" | "SRV" => "",
            "AAAA" => "the lab's VPC has no IPv6",
            "CNAME" => "the lab's Cloud Map answers A and SRV records only",
            _ => "it is not a Cloud Map record type",
        };
        if !why.is_empty() {
            ctx.note(&r.origin, format!("{at}, a {t} record, is not carried over: {why}"), "");
            continue;
        }
        let Some(ttl) = rec.get("TTL").and_then(|v| number(ctx, r, &format!("{at}.TTL"), v)) else {
            ctx.note(&r.origin, format!("{at} left out: it has no TTL, which Cloud Map requires"), "");
            continue;
        };
        seen.push(t.clone());
        out.push(Node::map([("type", Node::Str(t)), ("ttl", ttl)]).into());
    }
    out
}

/// `healthCheckCustomConfig`, as written.
fn custom_health(ctx: &mut Ctx, r: &Resource) -> Option<Node> {
    let h = prop(r, "HealthCheckCustomConfig")?;
    let mut m: Vec<(String, Item)> = vec![];
    if let Some(f) = h.get("FailureThreshold").filter(|v| !matches!(v, Value::Null)) {
        if let Some(n) = number(ctx, r, "HealthCheckCustomConfig.FailureThreshold", f) {
            m.push(("failureThreshold".into(), n.into()));
        }
    }
    Some(Node::Map(m))
}

fn description(ctx: &mut Ctx, r: &Resource, m: &mut Vec<(String, Item)>) {
    if let Some(d) = prop(r, "Description").and_then(|v| text(ctx, r, "Description", v)) {
        m.push(("description".into(), Node::Str(d).into()));
    }
}
