//! VPC endpoints. CloudFormation's and Terraform's defaults differ from the scenario's, so
//! they are written out: the type is Gateway when not given, and private DNS is off.
//! The policy document becomes JSON text, checked as the scenario checks it.

use super::{Net, SUBNET, VPC_ENDPOINT, entry, get, live, names_entry, prop, text};
use crate::import::resource::{Resource, Value};
use crate::import::write::Ctx;
use crate::import::write::props::{Props, Use::*};
use crate::import::yaml::{Item, Node};

/// An `AWS::EC2::VPCEndpoint`'s properties.
pub(super) const PROPS: Props = &[
    ("ServiceName", Read),
    ("VpcEndpointType", Read),
    ("VpcId", Read),
    ("RouteTableIds", Read),
    ("SubnetIds", Read),
    ("SecurityGroupIds", Read),
    ("PrivateDnsEnabled", Read),
    ("PolicyDocument", Read),
    ("Tags", Meta),
    ("IpAddressType", LostUnless("ipv4", "the lab has no IPv6", "")),
    ("DnsOptions", Lost("the scenario's endpoints have one DNS setting, privateDnsEnabled", "")),
    ("ServiceRegion", Lost("the scenario's endpoints serve the lab's region", "")),
    ("ServiceNetworkArn", Lost("the lab has no VPC Lattice", "")),
    ("ResourceConfigurationArn", Lost("the lab has no VPC Lattice", "")),
];
use crate::scenario::aws_service::AwsService;
use crate::scenario::policy::{PolicyKind, parse_policy};

/// The `vpcEndpoints` list.
pub(super) fn list(ctx: &mut Ctx, net: &Net) -> Vec<Item> {
    let mut out = vec![];
    for e in live(ctx, VPC_ENDPOINT) {
        let _ = get(ctx, e, "VpcId");
        if let Some(item) = endpoint(ctx, net, e) {
            out.push(item);
        }
    }
    out
}

fn endpoint(ctx: &mut Ctx, net: &Net, e: &Resource) -> Option<Item> {
    let service = service(ctx, e)?;
    let kind = match prop(e, "VpcEndpointType").and_then(Value::str) {
        None => "Gateway",
        Some(t) if t.eq_ignore_ascii_case("gateway") => "Gateway",
        Some(t) if t.eq_ignore_ascii_case("interface") => "Interface",
        Some(t) => {
            ctx.note(&e.origin, format!("a {t} endpoint: the scenario's are Interface or Gateway"), "");
            return None;
        }
    };
    let comment = ctx.from(e);
    let name = ctx.name(e, "endpoint");
    let mut m = vec![entry("name", Node::str(name)), entry("service", Node::str(service.id()))];
    if kind == "Gateway" {
        if !matches!(service, AwsService::S3 | AwsService::DynamoDb) {
            let what = format!("a Gateway endpoint to {}, which AWS refuses (S3 and DynamoDB only)", service.id());
            ctx.note(&e.origin, what, "set VpcEndpointType: Interface");
            return None;
        }
        m.push(entry("type", Node::str("Gateway")));
        let tables = refs(ctx, e, "RouteTableIds", |ctx, v| super::route_table::name_of(ctx, net, v));
        if tables.is_empty() {
            ctx.note(&e.origin, "a gateway endpoint with no route table routes nothing", "give it RouteTableIds");
            return None;
        }
        names_entry(&mut m, "routeTables", tables);
    } else {
        m.push(entry("type", Node::str("Interface")));
        let subnets = one_per_zone(ctx, e);
        if subnets.is_empty() {
            ctx.note(&e.origin, "an interface endpoint with no subnet has no ENI", "give it SubnetIds");
            return None;
        }
        names_entry(&mut m, "subnets", subnets);
        let groups = refs(ctx, e, "SecurityGroupIds", |ctx, v| super::security_group::name_of(ctx, net, v));
        names_entry(&mut m, "securityGroups", groups);
        let dns = get(ctx, e, "PrivateDnsEnabled").and_then(Value::bool).unwrap_or(false);
        let node = Node::Bool(dns);
        m.push(match prop(e, "PrivateDnsEnabled") {
            None => ("privateDnsEnabled".to_string(), node.with_comment("CloudFormation's and Terraform's default")),
            Some(_) => entry("privateDnsEnabled", node),
        });
    }
    if let Some(p) = policy(ctx, e) {
        m.push(entry("policy", Node::Text(p)));
    }
    // Named by a policy (a bucket's `aws:SourceVpce`): the id its `Ref` reads as.
    if ctx.input.resources.iter().any(|r| refers(&r.properties, &e.id)) {
        m.push(entry("vpcEndpointId", Node::str(crate::import::names::vpce_id(&e.id))));
    }
    Some(Node::Map(m).with_comment(comment))
}

/// Whether `v` holds a reference to resource `id`.
fn refers(v: &Value, id: &str) -> bool {
    match v {
        Value::Ref { id: to, .. } => to == id,
        Value::List(l) => l.iter().any(|x| refers(x, id)),
        Value::Map(m) => m.iter().any(|(_, x)| refers(x, id)),
        _ => false,
    }
}

/// The service, when the scenario serves it in its region.
fn service(ctx: &mut Ctx, e: &Resource) -> Option<AwsService> {
    let Some(name) = text(ctx, e, "ServiceName") else {
        if prop(e, "ServiceName").is_none() {
            ctx.note(&e.origin, "an endpoint with no ServiceName", "");
        }
        return None;
    };
    let prefix = format!("com.amazonaws.{}.", ctx.region);
    let svc = name.strip_prefix(&prefix).and_then(AwsService::from_id).filter(|s| *s != AwsService::StsGlobal);
    if svc.is_none() {
        let fix = format!(
            "the scenario serves com.amazonaws.{}.X for X in {}",
            ctx.region,
            AwsService::ids().into_iter().filter(|s| *s != "sts-global").collect::<Vec<_>>().join(", ")
        );
        ctx.note(&e.origin, format!("the endpoint service {name} is not one the lab serves"), fix);
    }
    svc
}

/// The names of the resources a list property refers to; what names nothing carried over is
/// noted.
fn refs(ctx: &mut Ctx, e: &Resource, key: &str, name: impl Fn(&mut Ctx, &Value) -> Option<String>) -> Vec<String> {
    let Some(list) = get(ctx, e, key) else { return vec![] };
    let mut out = vec![];
    for (i, v) in list.list().iter().enumerate() {
        let what = format!("{key}[{i}]");
        let Some(v) = super::known(ctx, e, &what, Some(v)) else { continue };
        match name(ctx, v) {
            Some(n) => out.push(n),
            None => ctx.note(&e.origin, format!("{what} names nothing carried over"), ""),
        }
    }
    out
}

/// The subnets of an interface endpoint, one per availability zone (AWS refuses two).
fn one_per_zone(ctx: &mut Ctx, e: &Resource) -> Vec<String> {
    let Some(list) = get(ctx, e, "SubnetIds") else { return vec![] };
    let mut zones: Vec<String> = vec![];
    let mut out = vec![];
    for (i, v) in list.list().iter().enumerate() {
        let what = format!("SubnetIds[{i}]");
        let Some(v) = super::known(ctx, e, &what, Some(v)) else { continue };
        let subnet = ctx.target(v).filter(|r| r.kind == SUBNET);
        let (Some(s), Some(n)) = (subnet, ctx.name_of(v, SUBNET, "subnet")) else {
            ctx.note(&e.origin, format!("{what} names nothing carried over"), "");
            continue;
        };
        let default = format!("{}a", ctx.region);
        let az = prop(s, "AvailabilityZone").and_then(Value::str).unwrap_or(&default).to_string();
        if zones.contains(&az) {
            let what = format!("Found another VPC endpoint subnet in the availability zone of {n}: left out");
            ctx.note(&e.origin, what, "");
            continue;
        }
        zones.push(az);
        out.push(n);
    }
    out
}

/// The policy document as JSON text, when it is fully known and the scenario's check of an
/// endpoint policy accepts it.
fn policy(ctx: &mut Ctx, e: &Resource) -> Option<String> {
    let doc = prop(e, "PolicyDocument")?;
    let text = match doc {
        Value::String(s) => match serde_json::from_str::<serde_json::Value>(s) {
            Ok(j) => serde_json::to_string_pretty(&j).unwrap_or_else(|_| s.clone()),
            Err(_) => s.clone(),
        },
        v => {
            let mut out = String::new();
            if let Err((why, fix)) = json(v, 0, &mut out) {
                let what = format!("PolicyDocument {why}: the endpoint keeps AWS's default (allow all)");
                ctx.note(&e.origin, what, fix);
                return None;
            }
            out
        }
    };
    if let Err(errs) = parse_policy(&text, PolicyKind::Endpoint) {
        let why = errs.first().map(|x| x.message.clone()).unwrap_or_default();
        ctx.note(&e.origin, format!("PolicyDocument is not carried over: {why}"), "");
        return None;
    }
    Some(text)
}

/// `v` as pretty JSON (two spaces, keys in the order written); Err: what is not known, and
/// how to supply it.
fn json(v: &Value, at: usize, out: &mut String) -> Result<(), (String, String)> {
    let pad = |n: usize| " ".repeat(n);
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(&b.to_string()),
        Value::Number(n) if serde_json::from_str::<serde_json::Number>(n.trim()).is_ok() => out.push_str(n.trim()),
        Value::Number(s) | Value::String(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        Value::List(l) if l.is_empty() => out.push_str("[]"),
        Value::Map(m) if m.is_empty() => out.push_str("{}"),
        Value::List(l) => {
            out.push_str("[\n");
            for (i, x) in l.iter().enumerate() {
                out.push_str(&pad(at + 2));
                json(x, at + 2, out)?;
                out.push_str(if i + 1 < l.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(at));
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("{\n");
            for (i, (k, x)) in m.iter().enumerate() {
                out.push_str(&pad(at + 2));
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push_str(": ");
                json(x, at + 2, out)?;
                out.push_str(if i + 1 < m.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(at));
            out.push('}');
        }
        Value::Ref { id, .. } => {
            return Err((format!("refers to {id}, whose value is known only once deployed"), String::new()));
        }
        Value::Unknown { why, fix } => return Err((format!("holds a value not known ({why})"), fix.clone())),
    }
    Ok(())
}
