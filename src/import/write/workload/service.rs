//! ECS services -> `services`: CreateService's fields as the scenario names them.

use super::task_definition::Defs;
use super::{Ctx, count, names_node, of, prop, sg_names, subnet_names, text};
use crate::import::resource::{Resource, Value};
use crate::import::write::props::{Props, Use::*};
use crate::import::yaml::{Item, Node};
use std::collections::HashMap;

/// An `AWS::ECS::Service`'s properties.
pub(super) const PROPS: Props = &[
    ("ServiceName", Read),
    ("Cluster", Read),
    ("TaskDefinition", Read),
    ("DesiredCount", Read),
    ("LaunchType", Read),
    ("CapacityProviderStrategy", Read),
    ("SchedulingStrategy", Read),
    ("NetworkConfiguration", Read),
    ("PlacementStrategies", Read),
    ("PlacementConstraints", Read),
    ("LoadBalancers", Read),
    ("HealthCheckGracePeriodSeconds", Read),
    ("Tags", Meta),
    ("PropagateTags", Meta),
    ("EnableECSManagedTags", Meta),
    // A redeployment's trigger, and the role ECS once needed to register targets (the lab
    // registers them itself).
    ("ForceNewDeployment", Meta),
    ("Role", Meta),
    // ECS's defaults say nothing (almost every template writes them): only a setting that
    // would change a deployment is noted.
    (
        "DeploymentConfiguration",
        Nested(&[
            ("MaximumPercent", LostUnless("200", NO_DEPLOYMENTS, "")),
            ("MinimumHealthyPercent", LostUnless("100", NO_DEPLOYMENTS, "")),
            ("DeploymentCircuitBreaker", Nested(&[("Enable", Lost(NO_DEPLOYMENTS, "")), ("Rollback", Meta)])),
            ("Alarms", Nested(&[("Enable", Lost(NO_DEPLOYMENTS, "")), ("Rollback", Meta), ("AlarmNames", Meta)])),
        ]),
    ),
    // ECS's own controller, the default, says nothing.
    ("DeploymentController", Nested(&[("Type", LostUnless("ECS", NO_DEPLOYMENTS, ""))])),
    ("AvailabilityZoneRebalancing", Lost("the lab does not move running tasks between zones", "")),
    (
        "EnableExecuteCommand",
        Lost("the lab has no ECS Exec", "run commands in a task with `ecsnet exec LAB task/NAME -- CMD`"),
    ),
    ("PlatformVersion", Lost("the lab's Fargate has no platform versions", "")),
    (
        "ServiceRegistries",
        Nested(&[("RegistryArn", Read), ("ContainerName", Read), ("ContainerPort", Read), ("Port", Read)]),
    ),
    ("ServiceConnectConfiguration", Lost("the lab has no Service Connect", "")),
    ("VolumeConfigurations", Lost("the lab's tasks have no EBS volumes", "")),
    ("VpcLatticeConfigurations", Lost("the lab has no VPC Lattice", "")),
];

const NO_DEPLOYMENTS: &str = "the lab starts the service's tasks once, it has no deployments";

/// The scenario's most tasks per service.
const MAX_DESIRED: u64 = 100;

/// What a service's writer needs of the others': the task definitions, how many instances,
/// the Cloud Map services' registry names (by resource id).
pub(super) struct Given<'a> {
    pub defs: &'a Defs,
    pub instances: usize,
    pub registries: &'a HashMap<String, String>,
}

pub(super) fn services(ctx: &mut Ctx, given: &Given) -> Vec<Item> {
    let mut out = vec![];
    for r in of(ctx, "AWS::ECS::Service") {
        out.extend(service(ctx, r, given));
    }
    out
}

fn service(ctx: &mut Ctx, r: &Resource, given: &Given) -> Option<Item> {
    let instances = given.instances;
    let Some(td) = task_definition(ctx, r, given.defs) else {
        ctx.note(
            &r.origin,
            "left out: its task definition is not in the input",
            "import the stack that defines it too",
        );
        return None;
    };
    let comment = ctx.from(r);
    let preferred = prop(r, "ServiceName").and_then(Value::str);
    // Its tasks are `NAME-1`, `NAME-2`, ...: names of at most 40 characters too.
    let name = ctx.names.assign_within("service", &r.id, preferred, 36);
    let mut m: Vec<(String, Item)> = vec![
        ("serviceName".into(), Node::str(name.as_str()).into()),
        ("taskDefinition".into(), Node::Str(td.0).into()),
    ];
    let daemon = prop(r, "SchedulingStrategy").and_then(Value::str) == Some("DAEMON");
    if daemon {
        ctx.assume(
            &r.origin,
            format!("a DAEMON service (one task per instance): written as {instances} tasks with placementConstraints distinctInstance, one on each of the scenario's instances"),
        );
    }
    // CloudFormation's default is 1 (a REPLICA service); a daemon runs one task per instance.
    let mut desired = if daemon { instances.max(1) as u64 } else { count(r, "DesiredCount").unwrap_or(1) };
    if desired > MAX_DESIRED {
        ctx.note(
            &r.origin,
            format!("DesiredCount {desired} is more than the scenario's {MAX_DESIRED}: {MAX_DESIRED} written"),
            "",
        );
        desired = MAX_DESIRED;
    }
    m.push(("desiredCount".into(), Node::num(desired).into()));
    let fargate = launch_type(ctx, r) == "FARGATE";
    m.push(("launchType".into(), Node::str(if fargate { "FARGATE" } else { "EC2" }).into()));
    if !fargate && instances == 0 {
        ctx.note(
            &r.origin,
            "an EC2 service but the input has no container instances (EC2 instances or an Auto Scaling group): its tasks are not placed",
            "add instances to the scenario's `instances`",
        );
    }
    if fargate && !td.2 {
        ctx.note(&r.origin, "FARGATE, but its task definition does not list FARGATE in RequiresCompatibilities", "");
    }
    if let Some(n) = network(ctx, r, td.1) {
        m.push(("networkConfiguration".into(), n.into()));
    }
    placement(ctx, r, fargate, &mut m);
    if daemon && !m.iter().any(|(k, _)| k == "placementConstraints") {
        let one = Node::map([("type", Node::str("distinctInstance"))]);
        m.push(("placementConstraints".into(), Node::List(vec![one.into()]).into()));
    }
    let lbs = load_balancers(ctx, r);
    let grace = prop(r, "HealthCheckGracePeriodSeconds");
    if !lbs.is_empty() {
        m.push(("loadBalancers".into(), Node::List(lbs).into()));
        if let Some(g) = grace.and_then(|v| super::number(ctx, r, "HealthCheckGracePeriodSeconds", v)) {
            m.push(("healthCheckGracePeriodSeconds".into(), g.into()));
        }
    } else if grace.is_some_and(|g| g.str() != Some("0")) {
        ctx.note(
            &r.origin,
            "HealthCheckGracePeriodSeconds is not carried over: the service has no load balancer, and the scenario takes it only with one",
            "",
        );
    }
    let registries = service_registries(ctx, r, given.registries);
    if !registries.is_empty() {
        m.push(("serviceRegistries".into(), Node::List(registries).into()));
    }
    Some(Node::Map(m).with_comment(comment))
}

/// The task definition's reference, whether it is awsvpc, whether it lists FARGATE.
fn task_definition(ctx: &mut Ctx, r: &Resource, defs: &Defs) -> Option<(String, bool, bool)> {
    let v = prop(r, "TaskDefinition")?;
    if let Some(t) = ctx.target(v) {
        let d = defs.by_id.get(&t.id)?;
        return Some((d.reference.clone(), d.awsvpc, d.fargate));
    }
    // A family or ARN written as text: one of the input's families, or nothing.
    let s = text(ctx, r, "TaskDefinition", v)?;
    let fam = s.rsplit('/').next().unwrap_or(&s);
    let base = fam.split(':').next().unwrap_or(fam);
    defs.by_id
        .values()
        .find(|d| d.reference.split(':').next() == Some(base))
        .map(|d| (fam.to_string(), d.awsvpc, d.fargate))
}

/// The launch type: `LaunchType`, else the capacity provider strategy's (the service's, else
/// its cluster's default): FARGATE and FARGATE_SPOT are Fargate, an Auto Scaling group's
/// provider is EC2. Without either, ECS uses EC2.
fn launch_type(ctx: &mut Ctx, r: &Resource) -> String {
    if let Some(t) = prop(r, "LaunchType").and_then(|v| text(ctx, r, "LaunchType", v)) {
        if t == "EXTERNAL" {
            ctx.note(&r.origin, "EXTERNAL launch type (ECS Anywhere): written as EC2", "");
            return "EC2".into();
        }
        return t;
    }
    let cluster = prop(r, "Cluster").and_then(|c| ctx.target(c));
    let strategy = prop(r, "CapacityProviderStrategy")
        .or_else(|| cluster.and_then(|c| prop(c, "DefaultCapacityProviderStrategy")))
        .or_else(|| {
            let assoc = of(ctx, "AWS::ECS::ClusterCapacityProviderAssociations");
            assoc.into_iter().find_map(|a| prop(a, "DefaultCapacityProviderStrategy"))
        });
    let providers: Vec<&str> = strategy
        .map(Value::list)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.get("CapacityProvider").and_then(Value::str))
        .collect();
    let on_fargate = |p: &&str| *p == "FARGATE" || *p == "FARGATE_SPOT";
    match (providers.iter().any(on_fargate), providers.iter().all(on_fargate)) {
        (true, true) => {
            if providers.contains(&"FARGATE_SPOT") {
                ctx.note(
                    &r.origin,
                    "the capacity provider FARGATE_SPOT is written as launchType FARGATE: the scenario has no capacity providers (nor Spot interruptions)",
                    "",
                );
            }
            "FARGATE".into()
        }
        (true, false) => {
            ctx.note(&r.origin, "a capacity provider strategy mixing Fargate and EC2: written as EC2", "");
            "EC2".into()
        }
        _ => "EC2".into(),
    }
}

/// `networkConfiguration.awsvpcConfiguration`, for an awsvpc task definition only (ECS
/// refuses it for the others).
fn network(ctx: &mut Ctx, r: &Resource, awsvpc: bool) -> Option<Node> {
    let c = prop(r, "NetworkConfiguration")?.get("AwsvpcConfiguration")?;
    if !awsvpc {
        ctx.note(&r.origin, "NetworkConfiguration left out: its task definition is not awsvpc", "");
        return None;
    }
    let mut m: Vec<(String, Item)> = vec![];
    let subnets = subnet_names(ctx, r, "NetworkConfiguration.AwsvpcConfiguration.Subnets", c.get("Subnets"));
    m.push(("subnets".into(), names_node(&subnets).into()));
    if c.get("SecurityGroups").is_some() {
        let groups =
            sg_names(ctx, r, "NetworkConfiguration.AwsvpcConfiguration.SecurityGroups", c.get("SecurityGroups"));
        m.push(("securityGroups".into(), names_node(&groups).into()));
    }
    if let Some(p) = c.get("AssignPublicIp").and_then(|v| text(ctx, r, "AssignPublicIp", v)) {
        m.push(("assignPublicIp".into(), Node::Str(p).into()));
    }
    Some(Node::map([("awsvpcConfiguration", Node::Map(m))]))
}

/// `placementStrategy` and `placementConstraints` (EC2 only: Fargate refuses them).
fn placement(ctx: &mut Ctx, r: &Resource, fargate: bool, m: &mut Vec<(String, Item)>) {
    for (key, field) in [("PlacementStrategies", "placementStrategy"), ("PlacementConstraints", "placementConstraints")]
    {
        let Some(v) = prop(r, key).filter(|v| !v.list().is_empty()) else { continue };
        if fargate {
            ctx.note(&r.origin, format!("{key} is not carried over: Fargate refuses placement"), "");
            continue;
        }
        if let Some(n) = super::convert(ctx, r, key, v).filter(|n| !matches!(n, Node::List(l) if l.is_empty())) {
            m.push((field.into(), n.into()));
        }
    }
}

/// `loadBalancers`: the target group by its scenario name. A Classic Load Balancer is not
/// one the scenario has (noted).
fn load_balancers(ctx: &mut Ctx, r: &Resource) -> Vec<Item> {
    let mut out = vec![];
    for (i, lb) in prop(r, "LoadBalancers").map(Value::list).unwrap_or_default().iter().enumerate() {
        let at = format!("LoadBalancers[{i}]");
        let Some(tg) = lb.get("TargetGroupArn") else {
            ctx.note(
                &r.origin,
                format!("{at} left out: a Classic Load Balancer, which the scenario does not have"),
                "",
            );
            continue;
        };
        let Some(tg) = text(ctx, r, &format!("{at}.TargetGroupArn"), tg) else { continue };
        let mut m: Vec<(String, Item)> = vec![("targetGroupArn".into(), Node::Str(tg).into())];
        if let Some(c) = lb.get("ContainerName").and_then(|v| text(ctx, r, &format!("{at}.ContainerName"), v)) {
            m.push(("containerName".into(), Node::Str(c).into()));
        }
        if let Some(p) = lb.get("ContainerPort").and_then(|v| super::number(ctx, r, &format!("{at}.ContainerPort"), v))
        {
            m.push(("containerPort".into(), p.into()));
        }
        out.push(Node::Map(m).into());
    }
    out
}

/// `serviceRegistries`: the Cloud Map service by the name `serviceDiscovery` gives it. One
/// that is not written (another namespace's, one with no A or SRV record) is noted.
fn service_registries(ctx: &mut Ctx, r: &Resource, names: &HashMap<String, String>) -> Vec<Item> {
    let mut out = vec![];
    for (i, reg) in prop(r, "ServiceRegistries").map(Value::list).unwrap_or_default().iter().enumerate() {
        let at = format!("ServiceRegistries[{i}]");
        if i > 0 {
            ctx.note(&r.origin, format!("{at} left out: ECS takes one service registry per service"), "");
            continue;
        }
        let Some(name) = registry(ctx, r, &at, reg.get("RegistryArn"), names) else { continue };
        let mut m: Vec<(String, Item)> = vec![("registryArn".into(), Node::Str(name).into())];
        if let Some(c) = reg.get("ContainerName").and_then(|v| text(ctx, r, &format!("{at}.ContainerName"), v)) {
            m.push(("containerName".into(), Node::Str(c).into()));
        }
        for (key, field) in [("ContainerPort", "containerPort"), ("Port", "port")] {
            let v = reg.get(key).filter(|v| !matches!(v, Value::Null));
            if let Some(p) = v.and_then(|v| super::number(ctx, r, &format!("{at}.{key}"), v)) {
                m.push((field.into(), p.into()));
            }
        }
        out.push(Node::Map(m).into());
    }
    out
}

/// The registry name of the Cloud Map service `RegistryArn` refers to; None, noted, when it
/// is not one written.
fn registry(
    ctx: &mut Ctx,
    r: &Resource,
    at: &str,
    arn: Option<&Value>,
    names: &HashMap<String, String>,
) -> Option<String> {
    let Some(arn) = arn.filter(|v| !matches!(v, Value::Null)) else {
        ctx.note(&r.origin, format!("{at} left out: it has no RegistryArn"), "");
        return None;
    };
    if let Value::Unknown { why, fix } = arn {
        ctx.note(&r.origin, format!("{at} left out: its RegistryArn is not known ({why})"), fix.clone());
        return None;
    }
    let target = ctx.target(arn).filter(|t| t.kind == super::service_discovery::SERVICE);
    match target {
        Some(t) => names.get(&t.id).cloned().or_else(|| {
            ctx.note(&r.origin, format!("{at} left out: its Cloud Map service, {}, is not carried over", t.origin), "");
            None
        }),
        None => {
            ctx.note(
                &r.origin,
                format!("{at} left out: its RegistryArn is not a Cloud Map service of the input"),
                "import the stack that defines it too",
            );
            None
        }
    }
}
