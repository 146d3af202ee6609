//! `vpc.vpcEndpoints`: VPC endpoints to AWS services (CreateVpcEndpoint). An interface
//! endpoint puts one ENI in each chosen subnet (at most one per availability zone) with its
//! security groups (the VPC's `default` when none), and with private DNS the service's public
//! names resolve to those ENIs inside the VPC. A gateway endpoint (S3, DynamoDB) adds a route
//! to the service's prefix list in the chosen route tables. The policy is kept as written.

use super::aws_service::AwsService;
use super::builder::{Builder, MAX_OBJECTS};
use super::fields::{Shape, Table, def, opt, req};
use super::located::Located;
use super::reference::{self, Declared, ROUTE_TABLE, SECURITY_GROUP, SUBNET, Seen};
use super::subnet::Subnet;
use super::walk::*;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EndpointType {
    Interface,
    Gateway,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VpcEndpoint {
    pub name: Located<String>,
    pub service: Located<AwsService>,
    pub kind: EndpointType,
    pub subnets: Vec<Located<String>>,
    /// None: the VPC's default group.
    pub security_groups: Option<Vec<Located<String>>>,
    pub private_dns_enabled: bool,
    pub route_tables: Vec<Located<String>>,
    /// The endpoint policy as written (JSON text); None: the default, which allows all.
    pub policy: Option<String>,
    /// Its `vpce-…` id as written, so that a bucket policy can name it (`aws:SourceVpce`);
    /// None: one derived from the lab and the name.
    #[serde(default)]
    pub id: Option<Located<String>>,
}

pub(crate) static TABLE: Table = Table {
    id: "vpcEndpoint",
    doc: "A VPC endpoint to an AWS service: interface (ENIs in subnets) or gateway (S3, DynamoDB: routes).",
    strict: true,
    rules: &[],
    fields: &[
        req("name", Shape::Name, "The endpoint's name, used as `endpoint/NAME`."),
        req(
            "service",
            Shape::Text,
            "The service: `ecr.api`, `ecr.dkr`, `s3`, `logs`, `sts`, `secretsmanager`, `ssm`, `ecs`, `ecs-agent`, `ecs-telemetry`, `dynamodb` (or its full name `com.amazonaws.REGION.ecr.api`).",
        ),
        def(
            "type",
            Shape::Enum(&["Interface", "Gateway"]),
            "\"Interface\"",
            "Interface (ENIs) or Gateway (S3 and DynamoDB: a route).",
        ),
        opt(
            "subnets",
            Shape::List(&Shape::Name),
            "Interface: the subnets of its ENIs, at most one per availability zone.",
        ),
        opt(
            "securityGroups",
            Shape::List(&Shape::Name),
            "Interface: the ENIs' security groups (default: the VPC's `default`).",
        ),
        def(
            "privateDnsEnabled",
            Shape::Bool,
            "true",
            "Interface: the service's public names resolve to the ENIs inside the VPC (needs both DNS attributes).",
        ),
        opt("routeTables", Shape::List(&Shape::Name), "Gateway: the route tables that get the prefix list's route."),
        opt("policy", Shape::Text, "The endpoint policy (JSON), kept as written; the default allows all."),
        opt(
            "vpcEndpointId",
            Shape::Text,
            "Its id (`vpce-` and 17 hex digits), for a policy that names it in `aws:SourceVpce` (default: one derived from the lab and the name).",
        ),
    ],
};

pub(crate) fn parse_all(b: &mut Builder, v: &Value<'_>, region: &str) -> Vec<VpcEndpoint> {
    let items = b.cx.items(v, MAX_OBJECTS).unwrap_or_default();
    let mut uniq = UniqueNames::default();
    let out: Vec<VpcEndpoint> = items.iter().filter_map(|it| parse(b, it, region, &mut uniq)).collect();
    // An id names one endpoint: a policy's aws:SourceVpce could not tell two apart.
    for (i, e) in out.iter().enumerate() {
        let Some(id) = &e.id else { continue };
        if out[..i].iter().any(|o| o.id.as_ref().is_some_and(|x| x.value == id.value)) {
            b.cx.err(
                &id.loc,
                tr!("vpce-duplicate-id", "another endpoint already has the id { $id }", id = id.value.as_str()),
                tr!("vpce-duplicate-id-help", "give each endpoint its own vpcEndpointId"),
            );
        }
    }
    out
}

fn parse(b: &mut Builder, v: &Value<'_>, region: &str, uniq: &mut UniqueNames) -> Option<VpcEndpoint> {
    let m = b.cx.entry_map(v, "a VPC endpoint", "{ name: ecr-api, service: ecr.api, subnets: [private-a] }")?;
    m.strict(&mut b.cx, &TABLE);
    let name = b.object_name(&m, super::reference::ENDPOINT, "ecr-api", uniq);
    let service = m.req(&mut b.cx, "service", "ecr.api").and_then(|v| service(&mut b.cx, &v, region));
    let kind = match m.get("type").and_then(|v| b.cx.choice(&v, &["Interface", "Gateway"])) {
        Some(t) if t.value == "Gateway" => EndpointType::Gateway,
        _ => EndpointType::Interface,
    };
    let subnets = m.get("subnets").and_then(|v| b.ref_list(&v, SUBNET, 16)).unwrap_or_default();
    let security_groups = m.get("securityGroups").and_then(|v| b.ref_list(&v, SECURITY_GROUP, 5));
    let private_dns_enabled = m.get("privateDnsEnabled").and_then(|v| b.cx.boolean(&v)).is_none_or(|x| x.value);
    let route_tables = m.get("routeTables").and_then(|v| b.ref_list(&v, ROUTE_TABLE, 200)).unwrap_or_default();
    let policy = m.get("policy").and_then(|v| b.cx.string(&v)).and_then(|p| policy(&mut b.cx, p));
    let id = m.get("vpcEndpointId").and_then(|v| b.cx.string(&v));
    let id_ok = id.as_ref().is_none_or(|i| endpoint_id(&mut b.cx, i));
    let (name, service) = (name?, service?);
    let cx = &mut b.cx;
    if !id_ok {
        return None;
    }
    let gateway_ok = matches!(service.value, AwsService::S3 | AwsService::DynamoDb);
    match kind {
        EndpointType::Gateway if !gateway_ok => {
            cx.err(
                &service.loc,
                tr!(
                    "vpce-gateway-service",
                    "The Vpc Endpoint Service '{ $service }' does not support vpc endpoint type 'Gateway'.",
                    service = service.value.service_name(region).unwrap_or_default()
                ),
                tr!("vpce-gateway-service-help", "gateway endpoints exist for s3 and dynamodb; use type: Interface"),
            );
            return None;
        }
        EndpointType::Gateway if route_tables.is_empty() => {
            cx.err(
                &name.loc,
                tr!("vpce-gateway-tables", "a gateway endpoint needs `routeTables`: the route tables that route to it"),
                tr!("vpce-gateway-tables-help", "add routeTables: [private]"),
            );
            return None;
        }
        EndpointType::Interface if subnets.is_empty() => {
            cx.err(
                &name.loc,
                tr!("vpce-interface-subnets", "an interface endpoint needs `subnets`: where its ENIs are"),
                tr!("vpce-interface-subnets-help", "add subnets: [private-a, private-c], one per availability zone"),
            );
            return None;
        }
        _ => {}
    }
    Some(VpcEndpoint { name, service, kind, subnets, security_groups, private_dns_enabled, route_tables, policy, id })
}

/// `vpce-` and 17 (or, for old endpoints, 8) lower-case hex digits, as EC2 makes them.
fn endpoint_id(cx: &mut Reader, id: &Located<String>) -> bool {
    let hex = id.value.strip_prefix("vpce-").unwrap_or_default();
    let ok = matches!(hex.len(), 8 | 17) && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !ok {
        cx.err(
            &id.loc,
            tr!(
                "vpce-bad-id",
                "InvalidVpcEndpointId.Malformed: Invalid Id: '{ $id }' (expecting 'vpce-...; the Id may only contain lowercase alphanumeric characters and a single dash')",
                id = id.value.as_str()
            ),
            tr!("vpce-bad-id-help", "write vpce- and 17 lower-case hex digits, e.g. vpce-0a1b2c3d4e5f67890"),
        );
    }
    ok
}

/// `ecr.api`, or `com.amazonaws.REGION.ecr.api` of this region.
fn service(cx: &mut Reader, v: &Value<'_>, region: &str) -> Option<Located<AwsService>> {
    let s = cx.nonempty(v)?;
    let prefix = format!("com.amazonaws.{region}.");
    let id = s.value.strip_prefix(&prefix).unwrap_or(&s.value);
    match AwsService::from_id(id).filter(|x| *x != AwsService::StsGlobal) {
        Some(svc) => Some(Located::new(svc, s.loc)),
        None => {
            cx.err(
                &s.loc,
                tr!(
                    "vpce-unknown-service",
                    "The Vpc Endpoint Service '{ $service }' does not exist",
                    service = if s.value.starts_with("com.amazonaws.") { s.value.clone() } else { format!("{prefix}{}", s.value) }
                ),
                tr!(
                    "vpce-unknown-service-help",
                    "ecsnet serves ecr.api, ecr.dkr, s3, logs, sts, secretsmanager, ssm, ecs, ecs-agent, ecs-telemetry, dynamodb (of this region)"
                ),
            );
            None
        }
    }
}

/// The endpoint policy, checked with IAM's grammar for endpoint policies (a Principal each).
fn policy(cx: &mut Reader, p: Located<String>) -> Option<String> {
    super::policy::read_policy(cx, &p, super::policy::PolicyKind::Endpoint).map(|_| p.value)
}

/// Every reference is declared; an interface endpoint has one subnet per availability zone.
pub(crate) fn check(cx: &mut Reader, eps: &[VpcEndpoint], subnets: &[Subnet], declared: &Declared<'_>, seen: &Seen) {
    for e in eps {
        for s in &e.subnets {
            reference::reference(cx, s, SUBNET, &declared.subnets, seen);
        }
        for g in e.security_groups.iter().flatten() {
            reference::reference(cx, g, SECURITY_GROUP, &declared.security_groups, seen);
        }
        for t in &e.route_tables {
            reference::reference(cx, t, ROUTE_TABLE, &declared.route_tables, seen);
        }
        let mut zones: Vec<&str> = vec![];
        for s in &e.subnets {
            let Some(sn) = subnets.iter().find(|x| x.name.value == s.value) else { continue };
            let az = sn.availability_zone.value.as_str();
            if zones.contains(&az) {
                cx.err(
                    &s.loc,
                    tr!(
                        "vpce-same-zone",
                        "Found another VPC endpoint subnet in the availability zone of { $subnet }. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.",
                        subnet = s.value.as_str()
                    ),
                    tr!("vpce-same-zone-help", "keep one subnet per availability zone"),
                );
            }
            zones.push(az);
        }
    }
}
