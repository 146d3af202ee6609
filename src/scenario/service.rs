//! Services: a task definition kept at `desiredCount` running tasks, placed by ECS's service
//! scheduler with the strategies and constraints given. The fields are CreateService's
//! (ECS API Reference, CreateService; Developer Guide "Task placement strategies" and
//! "Task placement constraints"); the errors are CreateService's InvalidParameterException
//! texts where ECS has one.

use super::builder::{Builder, MAX_OBJECTS};
use super::cluster_query::{self, Query};
use super::fields::{Shape, Table, def, opt, req};
use super::located::{Loc, Located};
use super::primitives::NetworkMode;
use super::reference::{Declared, SERVICE, Seen};
use super::task::{AwsvpcConfiguration, NETWORK_CONFIGURATION, network_configuration_fits, task_definition_of};
use super::task_definition::{TaskDefRef, TaskDefinition, find_task_def};
use super::walk::*;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};
use std::fmt;

/// ECS's limits on one service's placement (CreateService: "You can specify a maximum of 5
/// strategy rules", "a maximum of 10 constraints").
pub const MAX_STRATEGIES: usize = 5;
pub const MAX_CONSTRAINTS: usize = 10;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Service {
    pub name: Located<String>,
    pub task_definition: Located<TaskDefRef>,
    pub desired_count: Located<u32>,
    pub launch_type: Located<LaunchType>,
    pub awsvpc: Option<AwsvpcConfiguration>,
    /// As written; empty when none is given (the scheduler then uses ECS's default for
    /// services: spread by `attribute:ecs.availability-zone`, see [`Service::strategy`]).
    pub placement_strategy: Vec<Located<Strategy>>,
    pub placement_constraints: Vec<Located<Constraint>>,
    pub load_balancers: Vec<LoadBalancer>,
    pub health_check_grace_period_seconds: Option<u32>,
    /// At most one Cloud Map service the tasks are registered in.
    #[serde(default)]
    pub service_registries: Vec<ServiceRegistry>,
    pub loc: Loc,
}

/// A `serviceRegistries` entry (CreateService's ServiceRegistry), as written.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ServiceRegistry {
    /// The Cloud Map service: its name, `NAME.NAMESPACE` or its ARN.
    pub registry_arn: Located<String>,
    pub container_name: Option<Located<String>>,
    pub container_port: Option<Located<u16>>,
    pub port: Option<Located<u16>>,
    pub loc: Loc,
}

/// CreateService's `launchType`: RunTask's.
pub use super::primitives::LaunchType;

/// One placement strategy rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Strategy {
    /// `spread` over `instanceId` (`host`) or an attribute (`attribute:ecs.availability-zone`).
    Spread(SpreadField),
    /// `binpack` on `cpu` or `memory`: the instance with the least left of it first.
    Binpack(Resource),
    Random,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SpreadField {
    InstanceId,
    /// The attribute's name without `attribute:` (`ecs.availability-zone`).
    Attribute(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Resource {
    Cpu,
    Memory,
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Spread(SpreadField::InstanceId) => write!(f, "spread(instanceId)"),
            Strategy::Spread(SpreadField::Attribute(a)) => write!(f, "spread(attribute:{a})"),
            Strategy::Binpack(Resource::Cpu) => write!(f, "binpack(cpu)"),
            Strategy::Binpack(Resource::Memory) => write!(f, "binpack(memory)"),
            Strategy::Random => write!(f, "random"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Constraint {
    DistinctInstance,
    MemberOf(Query),
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Constraint::DistinctInstance => write!(f, "distinctInstance"),
            Constraint::MemberOf(q) => write!(f, "memberOf({q})"),
        }
    }
}

/// A `loadBalancers` entry. The target group is kept as written (not resolved here).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoadBalancer {
    pub target_group_arn: Located<String>,
    pub container_name: Located<String>,
    pub container_port: Located<u16>,
}

impl Service {
    /// The strategy the scheduler follows: the written one, or ECS's default for a service.
    pub fn strategy(&self) -> Vec<Strategy> {
        if self.placement_strategy.is_empty() {
            return vec![Strategy::Spread(SpreadField::Attribute("ecs.availability-zone".into()))];
        }
        self.placement_strategy.iter().map(|s| s.value.clone()).collect()
    }
    /// The name of the service's task `n` (from 1).
    pub fn task_name(&self, n: u32) -> String {
        format!("{}-{n}", self.name.value)
    }
}

const LAUNCH_TYPES: &[&str] = &["EC2", "FARGATE"];
const STRATEGY_TYPES: &[&str] = &["spread", "binpack", "random"];
const CONSTRAINT_TYPES: &[&str] = &["distinctInstance", "memberOf"];

pub(crate) static TABLE: Table = Table {
    id: "service",
    doc: "An ECS service (CreateService): desiredCount tasks placed by the service scheduler.",
    strict: true,
    rules: &[],
    fields: &[
        req(
            "serviceName",
            Shape::Name,
            "The service's name: `service/NAME` in expectations; its tasks are `NAME-1`, `NAME-2`, ...",
        ),
        req(
            "taskDefinition",
            Shape::Pattern("^(arn:[^ ]*:task-definition/)?[A-Za-z0-9_-]{1,255}(:[1-9][0-9]{0,9})?$"),
            "The task definition: `family`, `family:revision` or its ARN (default revision: the latest).",
        ),
        def("desiredCount", Shape::Int { min: 0, max: 100 }, "1", "How many tasks the scheduler places."),
        def("launchType", Shape::Enum(LAUNCH_TYPES), "\"EC2\"", "EC2 (placed on the instances) or FARGATE."),
        opt(
            "networkConfiguration",
            Shape::Block(&NETWORK_CONFIGURATION),
            "Required for awsvpc task definitions, not allowed for the other modes.",
        ),
        opt(
            "placementStrategy",
            Shape::List(&Shape::Block(&STRATEGY)),
            "At most 5 rules, applied in order (default: spread by attribute:ecs.availability-zone).",
        ),
        opt(
            "placementConstraints",
            Shape::List(&Shape::Block(&CONSTRAINT)),
            "At most 10 constraints every placement must meet.",
        ),
        opt(
            "loadBalancers",
            Shape::List(&Shape::Block(&LOAD_BALANCER)),
            "Target groups the service's tasks register in (the container and port are checked).",
        ),
        opt(
            "healthCheckGracePeriodSeconds",
            Shape::Int { min: 0, max: 2147483647 },
            "Seconds the scheduler ignores failing load balancer health checks of a new task.",
        ),
        opt(
            "serviceRegistries",
            Shape::List(&Shape::Block(&SERVICE_REGISTRY)),
            "The Cloud Map service (at most one) ECS registers the service's tasks in.",
        ),
    ],
};

pub(crate) static SERVICE_REGISTRY: Table = Table {
    id: "serviceRegistry",
    doc: "A Cloud Map service the service's tasks are registered in (ServiceRegistry).",
    strict: true,
    rules: &[],
    fields: &[
        req("registryArn", Shape::Text, "The Cloud Map service: its name, NAME.NAMESPACE, or its ARN."),
        opt("containerName", Shape::EcsName, "SRV records: the container whose port is registered."),
        opt("containerPort", Shape::Int { min: 1, max: 65535 }, "SRV records: that container's port."),
        opt(
            "port",
            Shape::Int { min: 1, max: 65535 },
            "SRV records of awsvpc tasks: the port, instead of a container's.",
        ),
    ],
};

pub(crate) static STRATEGY: Table = Table {
    id: "placementStrategy",
    doc: "A placement strategy rule.",
    strict: true,
    rules: &[],
    fields: &[
        req("type", Shape::Enum(STRATEGY_TYPES), "spread, binpack or random."),
        opt(
            "field",
            Shape::Text,
            "spread: `instanceId` (or `host`) or `attribute:NAME`; binpack: `cpu` or `memory`; random: none.",
        ),
    ],
};

pub(crate) static CONSTRAINT: Table = Table {
    id: "placementConstraint",
    doc: "A placement constraint.",
    strict: true,
    rules: &[],
    fields: &[
        req("type", Shape::Enum(CONSTRAINT_TYPES), "distinctInstance or memberOf."),
        opt("expression", Shape::Text, "memberOf: a cluster query language expression."),
    ],
};

pub(crate) static LOAD_BALANCER: Table = Table {
    id: "serviceLoadBalancer",
    doc: "A target group the service's tasks register in.",
    strict: true,
    rules: &[],
    fields: &[
        req("targetGroupArn", Shape::Text, "The target group (its ARN or name; kept as written)."),
        req("containerName", Shape::EcsName, "The container that receives the traffic."),
        req("containerPort", Shape::Int { min: 1, max: 65535 }, "Its port (a port mapping's containerPort)."),
    ],
};

/// The `services` list.
pub(crate) fn parse_all(b: &mut Builder, v: &Value<'_>) -> Vec<Service> {
    let mut uniq = UniqueNames::default();
    b.each(v, MAX_OBJECTS, |b, it| parse(b, it, &mut uniq))
}

fn parse(b: &mut Builder, v: &Value<'_>, uniq: &mut UniqueNames) -> Option<Service> {
    let m = b.cx.entry_map(v, "a service", "{ serviceName: api, taskDefinition: api, desiredCount: 2 }")?;
    m.strict(&mut b.cx, &TABLE);
    let name = service_name(b, &m, uniq);
    let cx = &mut b.cx;
    let td = m.req(cx, "taskDefinition", "api").and_then(|v| task_def_ref(cx, &v));
    let desired = match m.get("desiredCount") {
        Some(v) => cx.uint(&v, 0, 100).map(|n| Located::new(n.value as u32, n.loc)),
        None => Some(Located::bare(1)),
    };
    let launch = match m.get("launchType") {
        Some(v) => cx.choice(&v, LAUNCH_TYPES).map(|c| {
            let l = if c.value == "FARGATE" { LaunchType::Fargate } else { LaunchType::Ec2 };
            Located::new(l, c.loc)
        }),
        None => Some(Located::bare(LaunchType::Ec2)),
    };
    let fargate = launch.as_ref().is_some_and(|l| l.value == LaunchType::Fargate);
    let mut ok = true;
    let awsvpc = match m.get("networkConfiguration") {
        Some(nv) => {
            let r = super::task::awsvpc_configuration(b, &nv, fargate);
            ok &= r.is_some();
            r
        }
        None => None,
    };
    let strategies = list(b, &m, "placementStrategy", MAX_STRATEGIES, strategy, &mut ok);
    let constraints = list(b, &m, "placementConstraints", MAX_CONSTRAINTS, constraint, &mut ok);
    let load_balancers = list(b, &m, "loadBalancers", MAX_OBJECTS, load_balancer, &mut ok);
    let service_registries = list(b, &m, "serviceRegistries", 1, service_registry, &mut ok);
    let grace = m.get("healthCheckGracePeriodSeconds").map(|v| b.cx.uint(&v, 0, 2147483647));
    if grace.as_ref().is_some_and(|g| g.is_none()) {
        ok = false;
    }
    let grace = grace.flatten().map(|g| g.value as u32);
    let service = Service {
        name: name?,
        task_definition: td?,
        desired_count: desired?,
        launch_type: launch?,
        awsvpc,
        placement_strategy: strategies,
        placement_constraints: constraints,
        load_balancers,
        health_check_grace_period_seconds: grace,
        service_registries,
        loc: m.loc.clone(),
    };
    ok.then_some(service)
}

/// `serviceName`: ecsnet's name rules (its tasks' names derive from it), unique.
fn service_name(b: &mut Builder, m: &Block<'_>, uniq: &mut UniqueNames) -> Option<Located<String>> {
    let cx = &mut b.cx;
    let s = m.req(cx, "serviceName", "api").and_then(|v| cx.string(&v))?;
    let ok = check_name(cx, &s, SERVICE.kind);
    b.seen.insert(SERVICE.kind, &s.value);
    (ok && uniq.add(cx, &s, SERVICE.kind)).then_some(s)
}

fn task_def_ref(cx: &mut Reader, v: &Value<'_>) -> Option<Located<TaskDefRef>> {
    let s = cx.string(v)?;
    match super::task::parse_task_def_ref(&s.value) {
        Ok(r) => Some(Located::new(r, s.loc)),
        Err(e) => {
            cx.err(
                &s.loc,
                e,
                tr!("task-family-help", "write the family name, or family:revision, e.g. `web` or `web:2`"),
            );
            None
        }
    }
}

/// An optional list field of blocks, at most `limit` entries, each through `one`.
fn list<T>(
    b: &mut Builder,
    m: &Block<'_>,
    key: &str,
    limit: usize,
    one: fn(&mut Reader, &Value<'_>) -> Option<T>,
    ok: &mut bool,
) -> Vec<T> {
    let Some(v) = m.get(key) else { return vec![] };
    let Some(items) = b.cx.items(&v, MAX_OBJECTS) else {
        *ok = false;
        return vec![];
    };
    if items.len() > limit {
        let loc = b.cx.vloc(&v);
        b.cx.err(
            &loc,
            tr!(
                "scenario-aws-limit",
                "too many entries in `{ $field }`: { $count } (AWS allows at most { $limit })",
                field = key,
                count = items.len(),
                limit = limit
            ),
            tr!("scenario-aws-limit-help", "remove some entries"),
        );
        *ok = false;
    }
    let out: Vec<T> = items.iter().filter_map(|it| one(&mut b.cx, it)).collect();
    *ok &= out.len() == items.len();
    out
}

fn strategy(cx: &mut Reader, v: &Value<'_>) -> Option<Located<Strategy>> {
    let m = cx.map(v, "a placement strategy")?;
    let m = Block { what: "placementStrategy".to_string(), ..m };
    m.strict(cx, &STRATEGY);
    let kind = m.req(cx, "type", "spread").and_then(|v| cx.choice(&v, STRATEGY_TYPES))?;
    let field = match m.get("field") {
        Some(f) => Some(cx.string(&f)?),
        None => None,
    };
    let bad_field = |cx: &mut Reader, at: &Loc, valid: &str| {
        cx.err(
            at,
            format!("Invalid field for the {} placement strategy.", kind.value),
            tr!("service-strategy-field-help", "valid fields: { $valid }", valid = valid),
        )
    };
    let s = match (kind.value, field) {
        ("random", None) => Strategy::Random,
        ("random", Some(f)) => {
            bad_field(cx, &f.loc, "none (random takes no field)");
            return None;
        }
        ("binpack", Some(f)) if f.value.eq_ignore_ascii_case("cpu") => Strategy::Binpack(Resource::Cpu),
        ("binpack", Some(f)) if f.value.eq_ignore_ascii_case("memory") => Strategy::Binpack(Resource::Memory),
        ("spread", Some(f)) if f.value == "instanceId" || f.value == "host" => {
            Strategy::Spread(SpreadField::InstanceId)
        }
        ("spread", Some(f)) if f.value.strip_prefix("attribute:").is_some_and(|a| !a.is_empty()) => {
            Strategy::Spread(SpreadField::Attribute(f.value["attribute:".len()..].to_string()))
        }
        (k, Some(f)) => {
            let valid = if k == "binpack" { "`cpu`, `memory`" } else { "`instanceId`, `host`, `attribute:NAME`" };
            bad_field(cx, &f.loc, valid);
            return None;
        }
        (k, None) => {
            let valid = if k == "binpack" { "`cpu`, `memory`" } else { "`instanceId`, `host`, `attribute:NAME`" };
            bad_field(cx, &kind.loc, valid);
            return None;
        }
    };
    Some(Located::new(s, m.loc.clone()))
}

fn constraint(cx: &mut Reader, v: &Value<'_>) -> Option<Located<Constraint>> {
    let m = cx.map(v, "a placement constraint")?;
    let m = Block { what: "placementConstraints".to_string(), ..m };
    m.strict(cx, &CONSTRAINT);
    let kind = m.req(cx, "type", "distinctInstance").and_then(|v| cx.choice(&v, CONSTRAINT_TYPES))?;
    let expression = match m.get("expression") {
        Some(e) => Some(cx.string(&e)?),
        None => None,
    };
    let c = match (kind.value, expression) {
        ("distinctInstance", None) => Constraint::DistinctInstance,
        ("distinctInstance", Some(e)) => {
            cx.err(
                &e.loc,
                "You can't specify an expression if the constraint type is distinctInstance.",
                tr!("service-distinct-expression-help", "remove `expression`"),
            );
            return None;
        }
        (_, None) => {
            cx.err(
                &kind.loc,
                tr!("service-memberof-needs-expression", "a memberOf constraint needs an `expression`"),
                tr!(
                    "service-memberof-example",
                    "for example `expression: \"attribute:ecs.availability-zone in [us-east-1a, us-east-1b]\"`"
                ),
            );
            return None;
        }
        (_, Some(e)) => Constraint::MemberOf(expression_of(cx, &e)?),
    };
    Some(Located::new(c, m.loc.clone()))
}

/// A memberOf expression, its parse error placed at the column where it went wrong.
fn expression_of(cx: &mut Reader, e: &Located<String>) -> Option<Query> {
    if e.value.chars().count() > 2000 {
        cx.err(
            &e.loc,
            tr!("service-expression-too-long", "the expression can have a maximum length of 2000 characters"),
            "",
        );
        return None;
    }
    match cluster_query::parse(&e.value) {
        Ok(q) => Some(q),
        Err(err) => {
            let quoted = quoted_at(cx, &e.loc);
            let at = cx.at(e.loc.line, e.loc.col + err.offset + usize::from(quoted));
            cx.err(
                &at,
                tr!(
                    "service-bad-expression",
                    "invalid cluster query language expression: { $why }",
                    why = err.message
                ),
                tr!(
                    "service-expression-help",
                    "write `ATTRIBUTE == VALUE`, `ATTRIBUTE != VALUE` or `ATTRIBUTE in [A, B]`, joined with `and` / `or`, e.g. `attribute:ecs.availability-zone == us-east-1a`"
                ),
            );
            None
        }
    }
}

/// Whether the scalar at `loc` is written in quotes (its text then starts one column later).
fn quoted_at(cx: &Reader, loc: &Loc) -> bool {
    let Some(src) = &cx.source else { return false };
    let line = src.lines().nth(loc.line.saturating_sub(1)).unwrap_or("");
    matches!(line.chars().nth(loc.col.saturating_sub(1)), Some('"' | '\''))
}

fn load_balancer(cx: &mut Reader, v: &Value<'_>) -> Option<LoadBalancer> {
    let m = cx.map(v, "a load balancer")?;
    let m = Block { what: "loadBalancers".to_string(), ..m };
    m.strict(cx, &LOAD_BALANCER);
    let tg = m.req(cx, "targetGroupArn", "web-tg").and_then(|v| cx.nonempty(&v));
    let name = m.req(cx, "containerName", "web").and_then(|v| cx.nonempty(&v));
    let port = m.req(cx, "containerPort", "8080").and_then(|v| cx.port(&v, false));
    Some(LoadBalancer { target_group_arn: tg?, container_name: name?, container_port: port? })
}

fn service_registry(cx: &mut Reader, v: &Value<'_>) -> Option<ServiceRegistry> {
    let m = cx.map(v, "a service registry")?;
    let m = Block { what: "serviceRegistries".to_string(), ..m };
    m.strict(cx, &SERVICE_REGISTRY);
    let arn = m.req(cx, "registryArn", "backend").and_then(|v| cx.nonempty(&v));
    let name = m.get("containerName").map(|v| cx.nonempty(&v));
    let cport = m.get("containerPort").map(|v| cx.port(&v, false));
    let port = m.get("port").map(|v| cx.port(&v, false));
    let bad =
        [name.as_ref().map(Option::is_none), cport.as_ref().map(Option::is_none), port.as_ref().map(Option::is_none)];
    if bad.contains(&Some(true)) {
        return None;
    }
    Some(ServiceRegistry {
        registry_arn: arn?,
        container_name: name.flatten(),
        container_port: cport.flatten(),
        port: port.flatten(),
        loc: m.loc.clone(),
    })
}

/// Each service's task definition is declared and fits its launch type and network
/// configuration; its subnets, groups and load balancers' containers exist; its tasks' names
/// are free.
pub(crate) fn check(
    cx: &mut Reader,
    services: &[Service],
    task_definitions: &[TaskDefinition],
    declared: &Declared<'_>,
    seen: &Seen,
    elb: (&[super::TargetGroup], &[super::LoadBalancer]),
) {
    for s in services {
        if let Some(aw) = &s.awsvpc {
            for n in &aw.subnets {
                super::reference::reference(cx, n, super::reference::SUBNET, &declared.subnets, seen);
            }
            for g in &aw.security_groups {
                super::reference::reference(cx, g, super::reference::SECURITY_GROUP, &declared.security_groups, seen);
            }
        }
        task_names_free(cx, s, declared);
        let Some(td) = task_definition_of(cx, &s.task_definition, task_definitions, declared, seen) else { continue };
        launch_type_fits(cx, s, td);
        let netconf = s.awsvpc.as_ref().map(|_| s.loc.clone());
        network_configuration_fits(cx, &s.loc, s.awsvpc.as_ref(), netconf.as_ref(), td);
        load_balancers_fit(cx, s, td);
        target_groups_fit(cx, s, td, elb, seen);
    }
}

/// Each `targetGroupArn` names a target group of the file that a load balancer's listener
/// uses, of the target type the task definition's network mode registers (CreateService's
/// InvalidParameterException texts).
fn target_groups_fit(
    cx: &mut Reader,
    s: &Service,
    td: &TaskDefinition,
    (groups, lbs): (&[super::TargetGroup], &[super::LoadBalancer]),
    seen: &Seen,
) {
    let names: Vec<&str> = groups.iter().map(|g| g.name.value.as_str()).collect();
    for lb in &s.load_balancers {
        let arn = &lb.target_group_arn;
        let name = Located::new(super::target_group::target_group_name(&arn.value).to_string(), arn.loc.clone());
        if !super::reference::reference(cx, &name, super::reference::TARGET_GROUP, &names, seen) {
            continue;
        }
        let Some(g) = groups.iter().find(|g| g.name.value == name.value) else { continue };
        let used = lbs.iter().flat_map(|l| &l.listeners).flat_map(|l| l.all_actions()).flat_map(|a| a.target_groups());
        if !used.into_iter().any(|t| t.value == name.value) {
            cx.err(
                &arn.loc,
                format!(
                    "The target group with targetGroupArn {} does not have an associated load balancer.",
                    arn.value
                ),
                tr!(
                    "service-tg-no-lb-help",
                    "forward to it from a listener of `loadBalancers` (defaultActions or a rule)"
                ),
            );
        }
        let awsvpc = td.network_mode.value == NetworkMode::Awsvpc;
        let (kind, fits) = match g.target_type {
            super::TargetType::Ip => ("ip", awsvpc),
            super::TargetType::Instance => ("instance", !awsvpc),
        };
        if !fits {
            cx.err(
                &arn.loc,
                format!(
                    "The provided target group {} has target type {kind}, which is incompatible with the {} network mode specified in the task definition.",
                    arn.value, td.network_mode.value
                ),
                tr!(
                    "service-tg-type-help",
                    "awsvpc tasks register in `targetType: ip` groups; bridge and host tasks in `targetType: instance` groups"
                ),
            );
        }
    }
}

/// `NAME-1` .. `NAME-desiredCount` are not declared tasks, and are names (at most 40
/// characters: `probe`, `exec` and expectations name them).
fn task_names_free(cx: &mut Reader, s: &Service, declared: &Declared<'_>) {
    let last = s.task_name(s.desired_count.value.max(1));
    if last.len() > 40 {
        cx.err(
            &s.name.loc,
            tr!(
                "service-task-name-long",
                "service `{ $service }` names its tasks `{ $task }`, longer than a name's 40 characters",
                service = s.name.value,
                task = last
            ),
            tr!(
                "service-task-name-long-help",
                "shorten the service's name to { $n } characters",
                n = 40 - (last.len() - s.name.value.len())
            ),
        );
    }
    for n in 1..=s.desired_count.value {
        let name = s.task_name(n);
        if declared.tasks.contains(&name.as_str()) {
            cx.err(
                &s.name.loc,
                tr!(
                    "service-task-name-taken",
                    "service `{ $service }` names its task { $n } `{ $task }`, but a task of that name is declared",
                    service = s.name.value,
                    n = n,
                    task = name
                ),
                tr!("service-task-name-taken-help", "rename the service or the task"),
            );
        }
    }
}

/// FARGATE needs an awsvpc task definition and takes no placement strategy or constraint.
fn launch_type_fits(cx: &mut Reader, s: &Service, td: &TaskDefinition) {
    if s.launch_type.value != LaunchType::Fargate {
        return;
    }
    if td.network_mode.value != NetworkMode::Awsvpc {
        cx.err(
            &s.launch_type.loc,
            "Task definition does not support launch_type FARGATE.",
            tr!("service-fargate-awsvpc-help", "FARGATE runs only task definitions with networkMode awsvpc"),
        );
    }
    if let Some(p) = s.placement_strategy.first() {
        cx.err(
            &p.loc,
            "Placement strategies are not supported with FARGATE launch type.",
            tr!("service-fargate-placement-help", "remove the placement, or use launchType EC2"),
        );
    }
    if let Some(p) = s.placement_constraints.first() {
        cx.err(
            &p.loc,
            "Placement constraints are not supported with FARGATE launch type.",
            tr!("service-fargate-placement-help", "remove the placement, or use launchType EC2"),
        );
    }
}

/// A load balancer's container is in the task definition and maps its port;
/// `healthCheckGracePeriodSeconds` needs a load balancer.
fn load_balancers_fit(cx: &mut Reader, s: &Service, td: &TaskDefinition) {
    for lb in &s.load_balancers {
        container_port_defined(cx, td, &lb.container_name, &lb.container_port);
    }
    if s.health_check_grace_period_seconds.is_some() && s.load_balancers.is_empty() {
        cx.err(
            &s.loc,
            "Health check grace period is only valid for services configured to use load balancers",
            tr!("service-grace-help", "remove `healthCheckGracePeriodSeconds`, or add `loadBalancers`"),
        );
    }
}

/// The container `name` of `td` exists and maps `port` (CreateService's words).
pub(super) fn container_port_defined(
    cx: &mut Reader,
    td: &TaskDefinition,
    name: &Located<String>,
    port: &Located<u16>,
) -> bool {
    let Some(c) = td.container(&name.value) else {
        cx.err(
            &name.loc,
            format!("The container {} does not exist in the task definition.", name.value),
            tr!(
                "service-lb-containers",
                "task definition `{ $family }` has { $containers }",
                family = td.family.value,
                containers =
                    td.container_definitions.iter().map(|c| c.name.value.as_str()).collect::<Vec<_>>().join(", ")
            ),
        );
        return false;
    };
    if c.port_mappings.iter().any(|pm| pm.container_port.value == port.value) {
        return true;
    }
    cx.err(
        &port.loc,
        format!("The container {} did not have a container port {} defined.", c.name.value, port.value),
        tr!("service-lb-port-help", "add a port mapping with this containerPort, or name a mapped port"),
    );
    false
}

impl super::Scenario {
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name.value == name)
    }
    /// The task definition a service runs (always present in a validated scenario).
    pub fn task_def_of_service(&self, s: &Service) -> Option<&TaskDefinition> {
        find_task_def(&self.task_definitions, &s.task_definition.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Diagnostic, load_str};
    use std::path::Path;

    const BASE: &str = "\
version: 1
name: t
vpc:
  cidr: 10.0.0.0/16
  subnets:
    [{ name: a, cidr: 10.0.0.0/24, availabilityZone: us-east-1a }, { name: b, cidr: 10.0.1.0/24, availabilityZone: us-east-1b }]
instances:
  - { name: ecs-1, subnet: a }
taskDefinitions:
  - { family: web, networkMode: bridge, containerDefinitions: [{ name: app, image: nginx, portMappings: [{ containerPort: 80 }] }] }
  - { family: api, networkMode: awsvpc, containerDefinitions: [{ name: app, image: nginx }] }
tasks:
  - { name: web-2, taskDefinition: web, instance: ecs-1 }
services:
";

    /// A target group `tg` (instance targets, as the bridge `web` registers) behind an internal ALB.
    const ELB: &str = "\
targetGroups:
  - { name: tg, port: 80, targetType: instance }
loadBalancers:
  - name: lb
    scheme: internal
    subnets: [a, b]
    listeners: [{ port: 80, defaultActions: [{ type: forward, targetGroupArn: tg }] }]
";

    fn errs(extra: &str) -> Vec<Diagnostic> {
        match load_str(Path::new("t.yaml"), &format!("{BASE}{extra}")) {
            Ok(_) => panic!("loaded:\n{extra}"),
            Err(d) => d.0,
        }
    }

    #[track_caller]
    fn at(extra: &str, line: usize, col: usize, needle: &str) {
        let ds = errs(extra);
        assert!(
            ds.iter().any(|d| d.loc.line == line && d.loc.col == col && d.message.contains(needle)),
            "no {needle:?} at {line}:{col}: {ds:#?}"
        );
    }

    #[test]
    fn a_full_service_loads_with_its_defaults() {
        let s = load_str(
            Path::new("t.yaml"),
            &format!(
                "{BASE}  - serviceName: w\n    taskDefinition: web\n    desiredCount: 3\n    placementStrategy: [{{ type: binpack, field: memory }}, {{ type: spread, field: host }}, {{ type: random }}]\n    placementConstraints: [{{ type: distinctInstance }}, {{ type: memberOf, expression: 'attribute:ecs.instance-type == c5.*' }}]\n    loadBalancers: [{{ targetGroupArn: tg, containerName: app, containerPort: 80 }}]\n    healthCheckGracePeriodSeconds: 10\n  - {{ serviceName: x, taskDefinition: web }}\n{ELB}"
            ),
        )
        .unwrap_or_else(|d| panic!("{d}"));
        let w = &s.services[0];
        assert_eq!(w.desired_count.value, 3);
        assert_eq!(w.launch_type.value, LaunchType::Ec2);
        assert_eq!(w.strategy()[1], Strategy::Spread(SpreadField::InstanceId));
        assert_eq!(w.placement_constraints.len(), 2);
        assert_eq!(w.health_check_grace_period_seconds, Some(10));
        let x = &s.services[1];
        assert_eq!(x.desired_count.value, 1);
        assert_eq!(x.strategy(), vec![Strategy::Spread(SpreadField::Attribute("ecs.availability-zone".into()))]);
    }

    #[test]
    fn a_target_group_must_fit_the_network_mode_and_have_a_load_balancer() {
        let svc = "  - serviceName: a\n    taskDefinition: api\n    networkConfiguration: { awsvpcConfiguration: { subnets: [a] } }\n    loadBalancers: [{ targetGroupArn: tg, containerName: app, containerPort: 80 }]\n";
        let ds = errs(&format!("{svc}{ELB}"));
        assert!(
            ds.iter().any(|d| d
                .message
                .contains("has target type instance, which is incompatible with the awsvpc network mode")),
            "{ds:#?}"
        );
        let lonely = "targetGroups:\n  - { name: tg, port: 80, targetType: ip }\n";
        let ds = errs(&format!("{svc}{lonely}"));
        assert!(ds.iter().any(|d| d.message.contains("does not have an associated load balancer")), "{ds:#?}");
    }

    #[test]
    fn errors_are_located_in_ecs_words() {
        // Line 15 is the first service.
        at(
            "  - { serviceName: web, taskDefinition: web, desiredCount: 2 }\n",
            15,
            20,
            "a task of that name is declared",
        );
        at(
            &format!("  - {{ serviceName: {}, taskDefinition: web, desiredCount: 10 }}\n", "s".repeat(38)),
            15,
            20,
            "longer than a name's 40 characters",
        );
        at("  - { serviceName: s, taskDefinition: api }\n", 15, 7, "Network Configuration must be provided");
        at(
            "  - { serviceName: s, taskDefinition: web, placementConstraints: [{ type: memberOf, expression: 'attribute:ecs.availability-zone = x' }] }\n",
            15,
            130,
            "invalid cluster query language expression",
        );
        at(
            "  - { serviceName: s, taskDefinition: web, placementStrategy: [{ type: binpack, field: disk }] }\n",
            15,
            88,
            "Invalid field for the binpack placement strategy.",
        );
        at(
            "  - { serviceName: s, taskDefinition: web, loadBalancers: [{ targetGroupArn: t, containerName: app, containerPort: 81 }] }\n",
            15,
            116,
            "The container app did not have a container port 81 defined.",
        );
        at(
            "  - { serviceName: s, taskDefinition: web, loadBalancers: [{ targetGroupArn: t, containerName: db, containerPort: 81 }] }\n",
            15,
            96,
            "The container db does not exist in the task definition.",
        );
        at(
            "  - { serviceName: s, taskDefinition: web, launchType: FARGATE }\n",
            15,
            56,
            "does not support launch_type FARGATE",
        );
        at(
            "  - { serviceName: s, taskDefinition: web, healthCheckGracePeriodSeconds: 5 }\n",
            15,
            7,
            "Health check grace period",
        );
        at(
            "  - { serviceName: s, taskDefinition: web, placementConstraints: [{ type: distinctInstance, expression: x }] }\n",
            15,
            105,
            "You can't specify an expression",
        );
        let six = "{ type: random }, ".repeat(6);
        at(
            &format!("  - {{ serviceName: s, taskDefinition: web, placementStrategy: [{six}] }}\n"),
            15,
            63,
            "at most 5",
        );
    }
}
