//! What runs in the VPC and what it uses: instances (EC2 instances, Auto Scaling groups),
//! task definitions, services, load balancers and target groups, IAM roles and the `aws:`
//! block (buckets, log groups, secrets, parameters).
//!
//! Each kind has its module; this one holds what they share: how a property's value becomes
//! scenario text (a reference as the name or ARN the scenario gives its resource), and the
//! names of the resources that others name (roles, buckets, log groups, ...), decided once so
//! that a task definition's `executionRoleArn` and the role in `aws.roles` always agree.

mod aws;
pub(super) mod cluster;
mod instance;
mod load_balancer;
mod role;
mod service;
mod service_discovery;
mod target_group;
mod task_definition;
#[cfg(test)]
mod tests;

use super::Ctx;
use super::props::Kinds;
use crate::import::resource::{Resource, Value};
use crate::import::yaml::{Item, Node};

/// The properties each kind's writer reads ([`props`](crate::import::write::props)).
pub const PROPS: Kinds = &[
    ("AWS::ECS::TaskDefinition", task_definition::PROPS),
    ("AWS::ECS::Service", service::PROPS),
    (service_discovery::NAMESPACE, service_discovery::NAMESPACE_PROPS),
    (service_discovery::SERVICE, service_discovery::SERVICE_PROPS),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", load_balancer::PROPS),
    ("AWS::ElasticLoadBalancingV2::Listener", load_balancer::LISTENER),
    ("AWS::ElasticLoadBalancingV2::TargetGroup", target_group::PROPS),
];

/// The lab's account, which the scenario's ARNs name.
const ACCOUNT: &str = "123456789012";

/// The top-level entries after `vpc:`.
pub fn top_level(ctx: &mut Ctx) -> Vec<(String, Item)> {
    let mut top: Vec<(String, Item)> = vec![];
    clusters(ctx);
    let instances = instance::instances(ctx);
    let defs = task_definition::task_definitions(ctx);
    let discovery = service_discovery::discovery(ctx);
    let given = service::Given { defs: &defs, instances: instances.len(), registries: &discovery.registries };
    let services = service::services(ctx, &given);
    let target_groups = target_group::target_groups(ctx);
    let load_balancers = load_balancer::load_balancers(ctx);
    let aws = aws::aws(ctx, &defs.named);
    let entries = [
        ("instances", list(instances)),
        ("taskDefinitions", list(defs.items)),
        // Before the services that register in it.
        ("serviceDiscovery", discovery.node),
        ("services", list(services)),
        ("targetGroups", list(target_groups)),
        ("loadBalancers", list(load_balancers)),
    ];
    top.extend(entries.into_iter().filter_map(|(k, n)| Some((k.to_string(), n?.into()))));
    if let Some(aws) = aws {
        top.push(("aws".into(), aws.into()));
    }
    top
}

/// A list's node, None when empty.
fn list(items: Vec<Item>) -> Option<Node> {
    (!items.is_empty()).then_some(Node::List(items))
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
        // Every cluster of the input is the lab's one cluster (see `clusters`).
        ("AWS::ECS::Cluster", None) => format!("ecsnet-{}", ctx.lab),
        ("AWS::ECS::Cluster", Some("Arn")) => format!("arn:aws:ecs:{region}:{ACCOUNT}:cluster/ecsnet-{}", ctx.lab),
        ("AWS::SQS::Queue", Some("Arn")) => format!("arn:aws:sqs:{region}:{ACCOUNT}:{}", plain_name(t, "QueueName")),
        ("AWS::SQS::Queue", None | Some("QueueUrl")) => {
            format!("https://sqs.{region}.amazonaws.com/{ACCOUNT}/{}", plain_name(t, "QueueName"))
        }
        ("AWS::SNS::Topic", None | Some("TopicArn")) => {
            format!("arn:aws:sns:{region}:{ACCOUNT}:{}", plain_name(t, "TopicName"))
        }
        ("AWS::SQS::Queue", Some("QueueName")) => plain_name(t, "QueueName"),
        ("AWS::SNS::Topic", Some("TopicName")) => plain_name(t, "TopicName"),
        _ => return None,
    })
}

/// CloudFormation's names that are not the API's with a capital first letter: the ECS API's
/// `efsVolumeConfiguration.fileSystemId`, `authorizationConfig.iam`, ...
const API_NAMES: &[(&str, &str)] = &[
    ("EFSVolumeConfiguration", "efsVolumeConfiguration"),
    ("FSxWindowsFileServerVolumeConfiguration", "fsxWindowsFileServerVolumeConfiguration"),
    ("FilesystemId", "fileSystemId"),
    ("IAM", "iam"),
];

/// The name of a resource the scenario does not hold (a queue, a topic): its name property,
/// else its logical id, as the reader names it in strings.
fn plain_name(t: &Resource, key: &str) -> String {
    match prop(t, key).and_then(Value::str) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => t.id.rsplit('/').next().unwrap_or(&t.id).to_string(),
    }
}

/// What a reference stands for inside a policy document, where a resource is an ARN: the
/// scenario's target groups, load balancers and listeners by ARN with their lab-made id as a
/// wildcard (the lab derives it from its name), the rest as [`ref_text`] gives it.
fn policy_ref(ctx: &mut Ctx, t: &Resource, attr: Option<&str>) -> Option<String> {
    let (region, elb) = (ctx.region.clone(), "arn:aws:elasticloadbalancing");
    Some(match (t.kind.as_str(), attr) {
        ("AWS::ElasticLoadBalancingV2::TargetGroup", None | Some("TargetGroupArn")) => {
            format!("{elb}:{region}:{ACCOUNT}:targetgroup/{}/*", target_group::tg_name(ctx, t))
        }
        ("AWS::ElasticLoadBalancingV2::LoadBalancer", None | Some("LoadBalancerArn")) => {
            format!("{elb}:{region}:{ACCOUNT}:loadbalancer/{}/{}/*", lb_kind(t), load_balancer::lb_name(ctx, t))
        }
        ("AWS::ElasticLoadBalancingV2::Listener", None | Some("ListenerArn")) => {
            let lb = prop(t, "LoadBalancerArn").and_then(|v| ctx.target(v))?;
            let name = load_balancer::lb_name(ctx, lb);
            format!("{elb}:{region}:{ACCOUNT}:listener/{}/{name}/*", lb_kind(lb))
        }
        ("AWS::EC2::VPCEndpoint", None | Some("Id")) => crate::import::names::vpce_id(&t.id),
        // A task definition's Ref is its ARN (a scheduled task's role may `ecs:RunTask` it);
        // elsewhere in the scenario it is its family.
        ("AWS::ECS::TaskDefinition", None | Some("TaskDefinitionArn")) => {
            format!("arn:aws:ecs:{region}:{ACCOUNT}:task-definition/{}:1", task_definition::family(ctx, t))
        }
        _ => {
            return ref_text(ctx, t, attr).or_else(|| {
                // Anything else with an ARN (a DynamoDB table, a Lambda function): the ARN the
                // reader gives it in strings, as a task role's policy names it.
                let a = crate::import::cloudformation::physical(t, attr, &region);
                a.starts_with("arn:").then_some(a)
            });
        }
    })
}

/// `app` or `net`, as a load balancer's ARN says its type.
fn lb_kind(lb: &Resource) -> &'static str {
    if prop(lb, "Type").and_then(Value::str) == Some("network") { "net" } else { "app" }
}

/// `ContainerPort` -> `containerPort`: CloudFormation's property names are the API's with a
/// capital first letter (but for [`API_NAMES`]).
fn lower_camel(key: &str) -> String {
    if let Some((_, api)) = API_NAMES.iter().find(|(cfn, _)| *cfn == key) {
        return api.to_string();
    }
    let mut c = key.chars();
    match c.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// Maps whose keys are the user's and whose values are text: a log driver's options, Docker
/// labels, a Docker volume's driver options and labels.
const FREE_FORM: &[&str] = &["Options", "DockerLabels", "DriverOpts", "Labels"];

/// A value as a scenario node, keys lower-camel-cased except inside the [`FREE_FORM`] maps.
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
                let node = if FREE_FORM.iter().any(|f| f.eq_ignore_ascii_case(k)) {
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
        Value::String(x) => Some(typed(what, x).unwrap_or_else(|| Node::Str(x.clone()))),
        Value::Ref { .. } | Value::Unknown { .. } => text(ctx, r, what, v).map(Node::Str),
    }
}

/// Fields the scenario types as booleans, and as whole numbers, that CloudFormation also
/// takes as strings (`Essential: "true"`, `Cpu: "10"`).
const BOOLEANS: &[&str] =
    &["Essential", "DisableNetworking", "ReadonlyRootFilesystem", "Privileged", "Interactive", "PseudoTerminal"];
const NUMBERS: &[&str] =
    &["Cpu", "Memory", "MemoryReservation", "ContainerPort", "HostPort", "Weight", "DurationSeconds"];

/// A string at `what` (`ContainerDefinitions[0].Essential`) as the boolean or number its
/// field is typed as, when it reads as one.
fn typed(what: &str, s: &str) -> Option<Node> {
    let field = what.rsplit('.').next().unwrap_or(what);
    let is = |list: &[&str]| list.iter().any(|f| f.eq_ignore_ascii_case(field));
    if is(BOOLEANS) {
        return Value::String(s.to_string()).bool().map(Node::Bool);
    }
    let t = s.trim();
    (is(NUMBERS) && !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())).then(|| Node::Num(t.to_string()))
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

/// A policy document (a map, or its JSON text) as pretty JSON text, its keys in the order
/// written. A statement with a part the scenario cannot give (an unknown, a reference to
/// nothing) is left out and noted: a half statement would allow or deny something else.
fn policy_text(ctx: &mut Ctx, r: &Resource, what: &str, v: &Value) -> Option<String> {
    match v {
        // JSON text (Terraform's `jsonencode`, a template's string) is kept as written.
        Value::String(s) if serde_json::from_str::<serde_json::Value>(s).is_ok() => Some(s.clone()),
        Value::String(_) => {
            ctx.note(&r.origin, format!("{what} is not JSON"), "write it as a JSON policy document");
            None
        }
        Value::Map(m) => {
            let mut out = vec![];
            for (k, x) in m {
                let resolved = if k == "Statement" { Ok(statements(ctx, r, what, x)) } else { resolve(ctx, x) };
                // IAM refuses a policy without statements: with none left, the policy goes.
                if k == "Statement" && matches!(&resolved, Ok(Value::List(l)) if l.is_empty()) {
                    ctx.note(&r.origin, format!("{what} left out: none of its statements is left"), "");
                    return None;
                }
                match resolved {
                    Ok(j) => out.push((k.clone(), j)),
                    Err(e) => ctx.note(&r.origin, format!("{what}.{k} left out: {e}"), ""),
                }
            }
            let mut text = String::new();
            pretty(&mut text, &Value::Map(out), 0);
            Some(text)
        }
        Value::Unknown { why, fix } => {
            unknown(ctx, r, what, why, fix);
            None
        }
        _ => {
            ctx.note(&r.origin, format!("{what} is not a policy document"), "");
            None
        }
    }
}

fn statements(ctx: &mut Ctx, r: &Resource, what: &str, v: &Value) -> Value {
    let one = !matches!(v, Value::List(_));
    let list: Vec<&Value> = if one { vec![v] } else { v.list().iter().collect() };
    let mut kept = vec![];
    for (i, s) in list.into_iter().enumerate() {
        match resolve(ctx, s) {
            Ok(j) => kept.push(j),
            Err(e) => ctx.note(
                &r.origin,
                format!("{what}: statement {} left out: {e}", i + 1),
                "supply the value and import again, or add the statement to the scenario by hand",
            ),
        }
    }
    if one && kept.len() == 1 { kept.remove(0) } else { Value::List(kept) }
}

/// A value with its references replaced by their scenario text. An unknown or a reference
/// to nothing is an error saying which.
fn resolve(ctx: &mut Ctx, v: &Value) -> Result<Value, String> {
    Ok(match v {
        Value::List(l) => Value::List(l.iter().map(|x| resolve(ctx, x)).collect::<Result<_, _>>()?),
        Value::Map(m) => {
            Value::Map(m.iter().map(|(k, x)| Ok((k.clone(), resolve(ctx, x)?))).collect::<Result<_, String>>()?)
        }
        Value::Ref { id, attribute } => {
            let t = ctx.target(v).ok_or_else(|| format!("it refers to {id}, which is not in the scenario"))?;
            let attr = attribute.as_deref();
            let got = policy_ref(ctx, t, attr);
            let of = attr.map(|a| format!("{a} of ")).unwrap_or_default();
            Value::String(
                got.ok_or_else(|| format!("it refers to {of}{}, which has no value in the scenario", t.origin))?,
            )
        }
        Value::Unknown { why, fix } => return Err(format!("a value is not known ({why}; {fix})")),
        other => other.clone(),
    })
}

/// JSON text of a resolved value, two spaces per level, keys in the order written.
fn pretty(out: &mut String, v: &Value, at: usize) {
    let pad = |out: &mut String, n: usize| out.extend(std::iter::repeat_n(' ', n));
    match v {
        Value::Null | Value::Ref { .. } | Value::Unknown { .. } => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if serde_json::from_str::<serde_json::Value>(n).is_ok_and(|j| j.is_number()) => {
            out.push_str(n)
        }
        Value::Number(s) | Value::String(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
        Value::List(l) if l.is_empty() => out.push_str("[]"),
        Value::Map(m) if m.is_empty() => out.push_str("{}"),
        Value::List(l) => {
            out.push_str("[\n");
            for (i, x) in l.iter().enumerate() {
                pad(out, at + 2);
                pretty(out, x, at + 2);
                out.push_str(if i + 1 < l.len() { ",\n" } else { "\n" });
            }
            pad(out, at);
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("{\n");
            for (i, (k, x)) in m.iter().enumerate() {
                pad(out, at + 2);
                out.push_str(&serde_json::Value::String(k.clone()).to_string());
                out.push_str(": ");
                pretty(out, x, at + 2);
                out.push_str(if i + 1 < m.len() { ",\n" } else { "\n" });
            }
            pad(out, at);
            out.push('}');
        }
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn json_keeps_the_order_written_and_escapes() {
        let v = Value::Map(vec![
            ("Version".into(), Value::String("2012-10-17".into())),
            ("N".into(), Value::Number("5".into())),
            ("S".into(), Value::List(vec![Value::String("a\"b".into()), Value::Bool(true)])),
        ]);
        let mut out = String::new();
        pretty(&mut out, &v, 0);
        assert_eq!(
            out,
            "{\n  \"Version\": \"2012-10-17\",\n  \"N\": 5,\n  \"S\": [\n    \"a\\\"b\",\n    true\n  ]\n}"
        );
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["S"][0], "a\"b");
    }

    #[test]
    fn strings_of_typed_fields_are_written_as_their_type() {
        assert_eq!(typed("ContainerDefinitions[0].Essential", "true"), Some(Node::Bool(true)));
        assert_eq!(typed("ContainerDefinitions[0].essential", "False"), Some(Node::Bool(false)));
        assert_eq!(typed("ContainerDefinitions[0].Cpu", "10"), Some(Node::Num("10".into())));
        assert_eq!(typed("ContainerDefinitions[0].PortMappings[0].ContainerPort", " 80"), Some(Node::Num("80".into())));
        // Not a number or boolean: written as the string it is (the scenario says what is wrong).
        assert_eq!(typed("ContainerDefinitions[0].Memory", "lots"), None);
        assert_eq!(typed("ContainerDefinitions[0].Essential", "yes"), None);
        // Text fields stay text.
        assert_eq!(typed("ContainerDefinitions[0].Environment[0].Value", "true"), None);
    }

    #[test]
    fn keys_are_lower_camel_cased() {
        assert_eq!(lower_camel("ContainerPort"), "containerPort");
        assert_eq!(lower_camel(""), "");
    }
}
