//! What runs in the VPC and what it uses: instances (EC2 instances, Auto Scaling groups),
//! task definitions, services, load balancers and target groups, IAM roles and the `aws:`
//! block (buckets, log groups, secrets, parameters).
//!
//! Each kind has its module; this one holds what they share: how a property's value becomes
//! scenario text (a reference as the name or ARN the scenario gives its resource), and the
//! names of the resources that others name (roles, buckets, log groups, ...), decided once so
//! that a task definition's `executionRoleArn` and the role in `aws.roles` always agree.

mod aws;
mod instance;
mod load_balancer;
mod role;
mod service;
mod target_group;
mod task_definition;
#[cfg(test)]
mod tests;

use super::Ctx;
use crate::import::resource::{Resource, Value};
use crate::import::yaml::{Item, Node};

/// The lab's account, which the scenario's ARNs name.
const ACCOUNT: &str = "123456789012";

/// The top-level entries after `vpc:`.
pub fn top_level(ctx: &mut Ctx) -> Vec<(String, Item)> {
    let mut top: Vec<(String, Item)> = vec![];
    clusters(ctx);
    let instances = instance::instances(ctx);
    let defs = task_definition::task_definitions(ctx);
    let services = service::services(ctx, &defs, !instances.is_empty());
    let target_groups = target_group::target_groups(ctx);
    let load_balancers = load_balancer::load_balancers(ctx);
    let aws = aws::aws(ctx, &defs.named);
    for (key, items) in [
        ("instances", instances),
        ("taskDefinitions", defs.items),
        ("services", services),
        ("targetGroups", target_groups),
        ("loadBalancers", load_balancers),
    ] {
        if !items.is_empty() {
            top.push((key.into(), Node::List(items).into()));
        }
    }
    if let Some(aws) = aws {
        top.push(("aws".into(), aws.into()));
    }
    top
}

/// A scenario is one cluster (`ecsnet-LAB`): the clusters themselves carry nothing else the
/// lab models, so they are taken as read; a second one is merged into it, and said so.
fn clusters(ctx: &mut Ctx) {
    let clusters = of(ctx, "AWS::ECS::Cluster");
    for (i, c) in clusters.iter().enumerate() {
        ctx.used.insert(c.id.clone());
        if i > 0 {
            ctx.note(
                &c.origin,
                "a second ECS cluster: the scenario has one, so its services share the first's instances",
                "import each cluster's resources into a scenario of its own",
            );
        }
    }
    // Wiring the scenario expresses otherwise (instances of the cluster, capacity providers
    // read by the services) is carried over with what it wires.
    for kind in ["AWS::ECS::CapacityProvider", "AWS::ECS::ClusterCapacityProviderAssociations", "AWS::ECR::Repository"]
    {
        for r in of(ctx, kind) {
            ctx.used.insert(r.id.clone());
        }
    }
}

/// The input's resources of one type (collected, so that `ctx` can be changed meanwhile).
fn of<'a>(ctx: &Ctx<'a>, kind: &'static str) -> Vec<&'a Resource> {
    ctx.of_kind(kind).collect()
}

/// A property of a resource, absent when null.
fn prop<'a>(r: &'a Resource, key: &str) -> Option<&'a Value> {
    r.properties.get(key).filter(|v| !matches!(v, Value::Null))
}

/// Note a value not known before deployment: which property of which resource, and the fix
/// the reader gave.
fn unknown(ctx: &mut Ctx, r: &Resource, what: &str, why: &str, fix: &str) {
    ctx.note(&r.origin, format!("{what} is not known ({why})"), fix);
}

/// A value as scenario text: a string or number as written, a reference as what its
/// resource is in the scenario (a role's ARN, a bucket's name, a target group's name, ...).
/// What cannot be given (an unknown, a reference to something not carried over) is noted
/// under `what` and gives nothing.
fn text(ctx: &mut Ctx, r: &Resource, what: &str, v: &Value) -> Option<String> {
    match v {
        Value::String(s) | Value::Number(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Unknown { why, fix } => {
            unknown(ctx, r, what, why, fix);
            None
        }
        Value::Ref { id, attribute } => {
            let t = ctx.target(v);
            let got = t.and_then(|t| ref_text(ctx, t, attribute.as_deref()));
            if got.is_none() {
                let to = match (t, attribute) {
                    (Some(t), Some(a)) => format!("{a} of {} ({})", t.origin, t.kind),
                    (Some(t), None) => format!("{} ({})", t.origin, t.kind),
                    (None, _) => id.clone(),
                };
                ctx.note(&r.origin, format!("{what} refers to {to}, which has no value in the scenario"), "");
            }
            got
        }
        Value::Null | Value::List(_) | Value::Map(_) => None,
    }
}

/// What a reference to resource `t` (its `Ref`, or its attribute `attr`) stands for in the
/// scenario, when it stands for something.
fn ref_text(ctx: &mut Ctx, t: &Resource, attr: Option<&str>) -> Option<String> {
    let region = ctx.region.clone();
    Some(match (t.kind.as_str(), attr) {
        ("AWS::IAM::Role", None | Some("RoleName")) => role::role_name(ctx, t),
        ("AWS::IAM::Role", Some("Arn")) => role::role_arn(ctx, t),
        ("AWS::IAM::InstanceProfile", None) => instance::profile_name(ctx, t),
        ("AWS::IAM::InstanceProfile", Some("Arn")) => {
            format!("arn:aws:iam::{ACCOUNT}:instance-profile/{}", instance::profile_name(ctx, t))
        }
        ("AWS::S3::Bucket", None) => aws::bucket_name(ctx, t),
        ("AWS::S3::Bucket", Some("Arn")) => format!("arn:aws:s3:::{}", aws::bucket_name(ctx, t)),
        ("AWS::S3::Bucket", Some("DomainName")) => format!("{}.s3.amazonaws.com", aws::bucket_name(ctx, t)),
        ("AWS::S3::Bucket", Some("RegionalDomainName")) => {
            format!("{}.s3.{region}.amazonaws.com", aws::bucket_name(ctx, t))
        }
        ("AWS::Logs::LogGroup", None) => aws::log_group_name(ctx, t),
        ("AWS::Logs::LogGroup", Some("Arn")) => {
            format!("arn:aws:logs:{region}:{ACCOUNT}:log-group:{}:*", aws::log_group_name(ctx, t))
        }
        ("AWS::SecretsManager::Secret", None | Some("Id")) => aws::secret_arn(ctx, t),
        ("AWS::SSM::Parameter", None | Some("Name")) => aws::parameter_name(ctx, t),
        ("AWS::ECR::Repository", None) => aws::repository_name(ctx, t),
        ("AWS::ECR::Repository", Some("Arn")) => {
            format!("arn:aws:ecr:{region}:{ACCOUNT}:repository/{}", aws::repository_name(ctx, t))
        }
        ("AWS::ECR::Repository", Some("RepositoryUri")) => {
            format!("{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{}", aws::repository_name(ctx, t))
        }
        ("AWS::ElasticLoadBalancingV2::TargetGroup", None | Some("TargetGroupArn" | "TargetGroupName")) => {
            target_group::tg_name(ctx, t)
        }
        ("AWS::ElasticLoadBalancingV2::LoadBalancer", Some("LoadBalancerName")) => load_balancer::lb_name(ctx, t),
        ("AWS::ECS::TaskDefinition", None) => task_definition::family(ctx, t),
        ("AWS::ECS::Cluster", None | Some("Arn")) => ctx.names.assign("cluster", &t.id, None),
        _ => return None,
    })
}

/// `ContainerPort` -> `containerPort`: CloudFormation's property names are the API's with a
/// capital first letter.
fn lower_camel(key: &str) -> String {
    let mut c = key.chars();
    match c.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// A value as a scenario node, keys lower-camel-cased except inside the free-form maps
/// (`Options`, `DockerLabels`, whose keys are the user's and whose values are text).
/// Unknowns are noted and left out.
fn convert(ctx: &mut Ctx, r: &Resource, what: &str, v: &Value) -> Option<Node> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(Node::Bool(*b)),
        Value::Number(n) => Some(Node::Num(n.clone())),
        Value::List(l) => Some(Node::List(
            l.iter()
                .enumerate()
                .filter_map(|(i, x)| convert(ctx, r, &format!("{what}[{i}]"), x))
                .map(Item::from)
                .collect(),
        )),
        Value::Map(m) => {
            let mut out = vec![];
            for (k, x) in m {
                let at = format!("{what}.{k}");
                let node = if matches!(k.as_str(), "Options" | "DockerLabels" | "options" | "dockerLabels") {
                    free_form(ctx, r, &at, x)
                } else {
                    convert(ctx, r, &at, x)
                };
                if let Some(n) = node {
                    out.push((lower_camel(k), Item::from(n)));
                }
            }
            Some(Node::Map(out))
        }
        Value::String(_) | Value::Ref { .. } | Value::Unknown { .. } => text(ctx, r, what, v).map(Node::Str),
    }
}

/// A map of text whose keys are kept as written.
fn free_form(ctx: &mut Ctx, r: &Resource, what: &str, v: &Value) -> Option<Node> {
    let Value::Map(m) = v else { return convert(ctx, r, what, v) };
    let mut out = vec![];
    for (k, x) in m {
        if let Some(s) = text(ctx, r, &format!("{what}.{k}"), x) {
            out.push((k.clone(), Item::from(Node::Str(s))));
        }
    }
    Some(Node::Map(out))
}

/// A number (`80` or `"80"`) as a node; anything else is noted under `what`.
fn number(ctx: &mut Ctx, r: &Resource, what: &str, v: &Value) -> Option<Node> {
    let s = text(ctx, r, what, v)?;
    if s.parse::<f64>().is_ok() {
        Some(Node::Num(s))
    } else {
        ctx.note(&r.origin, format!("{what} is not a number: {s:?}"), "");
        None
    }
}

/// A whole number property.
fn count(r: &Resource, key: &str) -> Option<u64> {
    prop(r, key)?.str()?.trim().parse().ok()
}

/// The scenario names of the subnets a list of references names (those outside the input's
/// VPC noted).
fn subnet_names(ctx: &mut Ctx, r: &Resource, what: &str, v: Option<&Value>) -> Vec<String> {
    let mut out = vec![];
    for (i, s) in v.map(Value::list).unwrap_or_default().iter().enumerate() {
        if let Value::Unknown { why, fix } = s {
            unknown(ctx, r, &format!("{what}[{i}]"), why, fix);
        } else if let Some(n) = ctx.name_of(s, "AWS::EC2::Subnet", "subnet") {
            out.push(n);
        } else {
            ctx.note(&r.origin, format!("{what}[{i}] is not a subnet of the input's VPC: left out"), "");
        }
    }
    out
}

/// The scenario names of security groups (`GetAtt VPC.DefaultSecurityGroup` is `default`).
fn sg_names(ctx: &mut Ctx, r: &Resource, what: &str, v: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for (i, g) in v.map(Value::list).unwrap_or_default().iter().enumerate() {
        let name = match g {
            Value::Unknown { why, fix } => {
                unknown(ctx, r, &format!("{what}[{i}]"), why, fix);
                continue;
            }
            Value::Ref { attribute: Some(a), .. } if a == "DefaultSecurityGroup" => Some("default".to_string()),
            _ => ctx.name_of(g, "AWS::EC2::SecurityGroup", "sg"),
        };
        match name {
            Some(n) if !out.contains(&n) => out.push(n),
            Some(_) => {}
            None => {
                ctx.note(&r.origin, format!("{what}[{i}] is not a security group of the input's VPC: left out"), "")
            }
        }
    }
    out
}

/// A list of names as a node.
fn names_node(names: &[String]) -> Node {
    Node::list(names.iter().map(|n| Node::str(n.as_str())))
}

/// A policy document (a map, or its JSON text) as pretty JSON text. A statement with a part
/// the scenario cannot give (an unknown, a reference to nothing) is left out and noted: a
/// half statement would allow or deny something else.
fn policy_text(ctx: &mut Ctx, r: &Resource, what: &str, v: &Value) -> Option<String> {
    let doc = match v {
        Value::String(s) => match serde_json::from_str::<serde_json::Value>(s) {
            Ok(j) => j,
            Err(_) => {
                ctx.note(&r.origin, format!("{what} is not JSON"), "write it as a JSON policy document");
                return None;
            }
        },
        Value::Map(m) => {
            let mut out = serde_json::Map::new();
            for (k, x) in m {
                let j = if k == "Statement" {
                    statements(ctx, r, what, x)
                } else {
                    match to_json(ctx, x) {
                        Ok(j) => j,
                        Err(e) => {
                            ctx.note(&r.origin, format!("{what}.{k}: {e}"), "");
                            continue;
                        }
                    }
                };
                out.insert(k.clone(), j);
            }
            serde_json::Value::Object(out)
        }
        Value::Unknown { why, fix } => {
            unknown(ctx, r, what, why, fix);
            return None;
        }
        _ => {
            ctx.note(&r.origin, format!("{what} is not a policy document"), "");
            return None;
        }
    };
    serde_json::to_string_pretty(&doc).ok()
}

fn statements(ctx: &mut Ctx, r: &Resource, what: &str, v: &Value) -> serde_json::Value {
    let one = !matches!(v, Value::List(_));
    let list: Vec<&Value> = if one { vec![v] } else { v.list().iter().collect() };
    let mut kept = vec![];
    for (i, s) in list.into_iter().enumerate() {
        match to_json(ctx, s) {
            Ok(j) => kept.push(j),
            Err(e) => ctx.note(
                &r.origin,
                format!("{what}: statement {} left out: {e}", i + 1),
                "supply the value and import again, or add the statement to the scenario by hand",
            ),
        }
    }
    if one && kept.len() == 1 { kept.remove(0) } else { serde_json::Value::Array(kept) }
}

/// A value as JSON; references as their scenario text. An unknown or a reference to
/// nothing is an error saying which.
fn to_json(ctx: &mut Ctx, v: &Value) -> Result<serde_json::Value, String> {
    use serde_json::Value as J;
    Ok(match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => serde_json::from_str::<J>(n).ok().filter(J::is_number).unwrap_or(J::String(n.clone())),
        Value::String(s) => J::String(s.clone()),
        Value::List(l) => J::Array(l.iter().map(|x| to_json(ctx, x)).collect::<Result<_, _>>()?),
        Value::Map(m) => {
            J::Object(m.iter().map(|(k, x)| Ok((k.clone(), to_json(ctx, x)?))).collect::<Result<_, String>>()?)
        }
        Value::Ref { id, attribute } => {
            let t = ctx.target(v).ok_or_else(|| format!("it refers to {id}, which is not in the scenario"))?;
            J::String(ref_text(ctx, t, attribute.as_deref()).ok_or_else(|| {
                format!(
                    "it refers to {}{}, which has no value in the scenario",
                    attribute.as_deref().map(|a| format!("{a} of ")).unwrap_or_default(),
                    t.origin
                )
            })?)
        }
        Value::Unknown { why, fix } => return Err(format!("a value is not known ({why}; {fix})")),
    })
}
