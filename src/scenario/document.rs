//! The scenario file as a whole: its top-level fields, then each kind's block in file order
//! (`draft`), then each kind's cross-reference checks in order (`finish`).

use super::builder::Builder;
use super::expectation::{self, Expectation};
use super::fields::{Shape, Table, def, opt, req};
use super::instance::{self, Instance};
use super::internet::{self, Internet, InternetHost};
use super::located::{Loc, Located};
use super::reference::Declared;
use super::service::{self, Service};
use super::task::{self, Task};
use super::task_definition::{self, TaskDefinition};
use super::vpc::{self, Vpc, VpcDraft};
use super::walk::*;
use super::{nat_gateway, network_acl, public_address, route_table, security_group, subnet};
use crate::i18n::tr;
use marked_yaml::Node as YamlNode;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Scenario {
    pub file: PathBuf,
    pub version: u32,
    pub name: Located<String>,
    pub description: Option<String>,
    pub region: String,
    pub vpc: Vpc,
    pub internet: Internet,
    pub instances: Vec<Instance>,
    pub task_definitions: Vec<TaskDefinition>,
    pub tasks: Vec<Task>,
    /// ECS services (`services:`), placed by the service scheduler after the tasks.
    #[serde(default)]
    pub services: Vec<Service>,
    pub expect: Vec<Expectation>,
    /// What the lab's AWS services hold (`aws:`).
    #[serde(default)]
    pub aws: super::aws::Data,
    /// `controlPlane: strict`: tasks are not placed on an instance that cannot reach the ECS
    /// control plane (on AWS it would never register); `warn` (the default) only says so.
    #[serde(default)]
    pub control_plane_strict: bool,
    /// ELBv2 load balancers (`loadBalancers:`).
    #[serde(default)]
    pub load_balancers: Vec<super::load_balancer::LoadBalancer>,
    /// ELBv2 target groups and their registered targets (`targetGroups:`).
    #[serde(default)]
    pub target_groups: Vec<super::target_group::TargetGroup>,
    /// Cloud Map namespaces and services (`serviceDiscovery:`).
    #[serde(default)]
    pub service_discovery: super::service_discovery::ServiceDiscovery,
}

pub(crate) static TABLE: Table = Table {
    id: "scenario",
    doc: "An ecsnet scenario: a VPC, container instances, task definitions, tasks and expectations.",
    strict: true,
    rules: &[],
    fields: &[
        req("version", Shape::Enum(&["1"]), "The format version: 1."),
        req(
            "name",
            Shape::Pattern("^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$"),
            "The lab's name: 1-20 of [a-z0-9-], not starting or ending with '-'; unique per machine.",
        ),
        opt("description", Shape::Text, "Free text."),
        def(
            "region",
            Shape::Pattern("^[a-z]{2}(-[a-z]+)+-[0-9]$"),
            "\"us-east-1\"",
            "The AWS region, used in availability zones, DNS names and ARNs.",
        ),
        req("vpc", Shape::Block(&vpc::TABLE), "The VPC."),
        opt("internet", Shape::Block(&internet::TABLE), "Public servers on the emulated internet."),
        opt("instances", Shape::List(&Shape::Block(&instance::TABLE)), "EC2 container instances."),
        opt("taskDefinitions", Shape::List(&task_definition::ENTRY), "Task definitions, inline or `file:` JSON."),
        opt("tasks", Shape::List(&Shape::Block(&task::TABLE)), "Tasks and the instance each runs on."),
        opt(
            "loadBalancers",
            Shape::List(&Shape::Block(&super::load_balancer::TABLE)),
            "ELBv2 application load balancers: nodes in subnets, security groups, listeners and rules.",
        ),
        opt(
            "targetGroups",
            Shape::List(&Shape::Block(&super::target_group::TABLE)),
            "ELBv2 target groups: health check settings and registered targets.",
        ),
        opt(
            "services",
            Shape::List(&Shape::Block(&service::TABLE)),
            "ECS services: desiredCount tasks each, placed by the service scheduler after the tasks.",
        ),
        opt(
            "serviceDiscovery",
            Shape::Block(&super::service_discovery::TABLE),
            "AWS Cloud Map: private DNS namespaces and the services ECS registers tasks in.",
        ),
        opt("expect", Shape::List(&expectation::ENTRY), "What must (not) be reachable, and placement outcomes."),
        opt(
            "aws",
            Shape::Block(&super::aws::TABLE),
            "What the lab's AWS services hold: ECR repositories, S3 buckets, log groups, secrets, parameters.",
        ),
        def(
            "controlPlane",
            Shape::Enum(&["warn", "strict"]),
            "\"warn\"",
            "An instance that cannot reach the ECS control plane (ecs, ecs-a, ecs-t) would never register on AWS: `warn` says so and places its tasks all the same, `strict` leaves them unplaced.",
        ),
    ],
};

/// Everything read from the file, before cross-checks.
pub(crate) struct Draft {
    pub version: Option<u32>,
    pub name: Option<Located<String>>,
    pub description: Option<String>,
    pub region: String,
    pub vpc: VpcDraft,
    pub hosts: Vec<InternetHost>,
    pub instances: Vec<Instance>,
    pub task_definitions: Vec<TaskDefinition>,
    pub tasks: Vec<Task>,
    /// Where each task's `networkConfiguration` key is (parallel to `tasks`).
    pub task_netconf: Vec<Option<Loc>>,
    pub services: Vec<Service>,
    pub expect: Vec<Expectation>,
    pub aws: super::aws::Data,
    pub control_plane_strict: bool,
    pub load_balancers: Vec<super::load_balancer::LoadBalancer>,
    pub target_groups: Vec<super::target_group::TargetGroup>,
    pub service_discovery: super::service_discovery::ServiceDiscovery,
}

/// Read every block of the file; each kind checks what it can on its own.
pub(crate) fn draft(b: &mut Builder, root: &YamlNode) -> Draft {
    let mut d = Draft {
        version: None,
        name: None,
        description: None,
        region: "us-east-1".to_string(),
        vpc: VpcDraft::new(),
        hosts: Vec::new(),
        instances: Vec::new(),
        task_definitions: Vec::new(),
        tasks: Vec::new(),
        task_netconf: Vec::new(),
        services: Vec::new(),
        expect: Vec::new(),
        aws: Default::default(),
        control_plane_strict: false,
        load_balancers: Vec::new(),
        target_groups: Vec::new(),
        service_discovery: Default::default(),
    };
    let rv = Value::root(root, "scenario");
    let Some(top) = b.cx.entry_map(&rv, "the scenario", "version: 1") else { return d };
    let top = Block { what: "the scenario (top level)".to_string(), ..top };
    top.strict(&mut b.cx, &TABLE);
    let cx = &mut b.cx;
    d.version = top.req(cx, "version", "1").and_then(|v| version(cx, &v));
    d.name = top.req(cx, "name", "my-lab").and_then(|v| lab_name(cx, &v));
    if let Some(v) = top.get("description") {
        d.description = cx.string(&v).map(|s| s.value);
    }
    if let Some(r) = top.get("region").and_then(|v| region(cx, &v)) {
        d.region = r;
    }
    if let Some(v) = top.req(cx, "vpc", "{ cidr: 10.0.0.0/16 }") {
        vpc::parse(b, &v, &d.region, &mut d.vpc);
    }
    if let Some(v) = top.get("internet") {
        d.hosts = internet::parse(b, &v);
    }
    if let Some(v) = top.get("instances") {
        d.instances = instance::parse_all(b, &v);
    }
    if let Some(v) = top.get("taskDefinitions") {
        d.task_definitions = task_definition::parse_all(b, &v);
    }
    if let Some(v) = top.get("tasks") {
        (d.tasks, d.task_netconf) = task::parse_all(b, &v).into_iter().map(|t| (t.task, t.netconf)).unzip();
    }
    if let Some(v) = top.get("targetGroups") {
        d.target_groups = super::target_group::parse_all(b, &v);
    }
    if let Some(v) = top.get("loadBalancers") {
        d.load_balancers = super::load_balancer::parse_all(b, &v, &d.region);
    }
    if let Some(v) = top.get("serviceDiscovery") {
        d.service_discovery = super::service_discovery::parse(b, &v);
    }
    if let Some(v) = top.get("services") {
        d.services = service::parse_all(b, &v);
    }
    if let Some(v) = top.get("expect") {
        d.expect = expectation::parse_all(b, &v);
    }
    if let Some(v) = top.get("aws") {
        d.aws = super::aws::parse(&mut b.cx, &v);
    }
    if let Some(v) = top.get("controlPlane") {
        d.control_plane_strict = b.cx.choice(&v, &["warn", "strict"]).is_some_and(|c| c.value == "strict");
    }
    d
}

fn version(cx: &mut Reader, v: &Value<'_>) -> Option<u32> {
    let s = cx.string(v)?;
    if s.value.trim() == "1" {
        return Some(1);
    }
    cx.err(
        &s.loc,
        tr!("scenario-bad-version", "unsupported scenario format version `{ $version }`", version = short(&s.value)),
        tr!("scenario-bad-version-help", "this ecsnet reads `version: 1` files"),
    );
    None
}

fn lab_name(cx: &mut Reader, v: &Value<'_>) -> Option<Located<String>> {
    let s = cx.string(v)?;
    match check_lab_name(&s.value) {
        Ok(()) => Some(s),
        Err(e) => {
            cx.err(
                &s.loc,
                e,
                tr!(
                    "lab-name-help",
                    "lab names are 1-20 characters from [a-z0-9-], not starting or ending with '-', e.g. `{ $example }`",
                    example = sanitize_name(&s.value, 20)
                ),
            );
            None
        }
    }
}

fn region(cx: &mut Reader, v: &Value<'_>) -> Option<String> {
    let s = cx.string(v)?;
    if region_ok(&s.value) {
        return Some(s.value);
    }
    cx.err(
        &s.loc,
        tr!("scenario-bad-region", "invalid region `{ $region }`", region = short(&s.value)),
        tr!("scenario-bad-region-help", "write an AWS region name like `us-east-1` or `ap-northeast-1`"),
    );
    None
}

fn region_ok(r: &str) -> bool {
    // ^[a-z]{2}(-[a-z]+)+-\d$
    let parts: Vec<&str> = r.split('-').collect();
    r.len() <= 30
        && parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..parts.len() - 1].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts.last().is_some_and(|p| p.len() == 1 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Lab names: `[a-z0-9-]`, 1-20 characters, not starting or ending with '-'.
pub fn check_lab_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(tr!("lab-name-empty", "the lab name is empty"));
    }
    if name.contains('\0') || name.contains('/') || name.contains("..") {
        return Err(tr!(
            "lab-name-bad-path",
            "invalid lab name `{ $name }`: it must not contain `/`, `..` or NUL (it becomes part of file and namespace names)",
            name = short(name)
        ));
    }
    if name.chars().count() > 20 {
        return Err(tr!(
            "lab-name-too-long",
            "invalid lab name `{ $name }`: at most 20 characters",
            name = short(name)
        ));
    }
    if !name_ok(name, 20) {
        return Err(tr!(
            "lab-name-bad-letters",
            "invalid lab name `{ $name }`: use only lowercase letters, digits and '-'",
            name = short(name)
        ));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err(tr!(
            "lab-name-dash",
            "invalid lab name `{ $name }`: it must not start or end with '-'",
            name = short(name)
        ));
    }
    Ok(())
}

fn names<'d>(it: impl Iterator<Item = &'d Located<String>>) -> Vec<&'d str> {
    it.map(|n| n.value.as_str()).collect()
}

/// The names each kind declares, for reference checks.
fn declared(d: &Draft) -> Declared<'_> {
    let mut security_groups = names(d.vpc.security_groups.iter().map(|s| &s.name));
    if !security_groups.contains(&"default") {
        security_groups.push("default");
    }
    let mut families = names(d.task_definitions.iter().map(|t| &t.family));
    families.dedup();
    Declared {
        subnets: names(d.vpc.subnets.iter().map(|s| &s.name)),
        route_tables: names(d.vpc.route_tables.iter().map(|s| &s.name)),
        nat_gateways: names(d.vpc.nat_gateways.iter().map(|s| &s.name)),
        endpoints: names(d.vpc.vpc_endpoints.iter().map(|s| &s.name)),
        load_balancers: names(d.load_balancers.iter().map(|s| &s.name)),
        network_load_balancers: names(
            d.load_balancers.iter().filter(|s| s.lb_type == super::load_balancer::LbType::Network).map(|s| &s.name),
        ),
        security_groups,
        internet_hosts: names(d.hosts.iter().map(|s| &s.name)),
        instances: names(d.instances.iter().map(|s| &s.name)),
        tasks: names(d.tasks.iter().map(|s| &s.name)),
        services: names(d.services.iter().map(|s| &s.name)),
        families,
    }
}

/// Check references between blocks, kind by kind; the scenario when nothing was reported.
pub(crate) fn finish(b: &mut Builder, d: Draft, file: PathBuf) -> Option<Scenario> {
    let declared = declared(&d);
    let (cx, seen, v) = (&mut b.cx, &b.seen, &d.vpc);
    subnet::check(cx, &v.subnets, &declared, seen);
    route_table::check(cx, &v.route_tables, &declared, seen);
    nat_gateway::check(cx, &v.nat_gateways, &declared, seen);
    security_group::check(cx, &v.security_groups, &declared, seen);
    network_acl::check(cx, &v.network_acls, &declared, seen);
    super::vpc_endpoint::check(cx, &v.vpc_endpoints, &v.subnets, &declared, seen);
    instance::check(cx, &d.instances, &v.subnets, &declared, seen);
    public_address::check(cx, v.cidr.as_ref().map(|c| c.value), &v.nat_gateways, &d.hosts, &d.instances);
    task::check(cx, &d.tasks, &d.task_netconf, &d.task_definitions, &declared, seen);
    super::target_group::check(cx, &d.target_groups, &declared, seen);
    let lb_vpc = super::load_balancer::Context {
        declared: &declared,
        subnets: &v.subnets,
        internet_gateway: v.internet_gateway,
    };
    super::load_balancer::check(cx, &d.load_balancers, &d.target_groups, lb_vpc, seen);
    super::service_discovery::check(cx, &d.service_discovery, seen);
    let elb = (&d.target_groups[..], &d.load_balancers[..]);
    service::check(cx, &d.services, &d.task_definitions, &declared, seen, elb);
    super::service_registry::check(cx, &d.services, &d.task_definitions, &d.service_discovery, seen);
    // Expectations may name a service's tasks (`NAME-1` .. `NAME-desiredCount`) too.
    let service_tasks: Vec<String> =
        d.services.iter().flat_map(|s| (1..=s.desired_count.value).map(|n| s.task_name(n))).collect();
    let mut declared = declared;
    declared.tasks.extend(service_tasks.iter().map(String::as_str));
    let lookup = expectation::Lookup {
        declared: &declared,
        seen,
        tasks: &d.tasks,
        services: &d.services,
        task_definitions: &d.task_definitions,
        target_groups: &d.target_groups,
        zones: v.subnets.iter().map(|s| s.availability_zone.value.clone()).collect(),
        cloud_map: d.service_discovery.services.iter().map(|s| s.dns_name()).collect(),
    };
    expectation::check(cx, &d.expect, &lookup);
    if !cx.diags.is_empty() || cx.overflow {
        return None;
    }
    Some(Scenario {
        file,
        version: d.version?,
        name: d.name?,
        description: d.description,
        region: d.region,
        vpc: d.vpc.finish()?,
        internet: Internet { hosts: d.hosts },
        instances: d.instances,
        task_definitions: d.task_definitions,
        tasks: d.tasks,
        services: d.services,
        expect: d.expect,
        aws: d.aws,
        control_plane_strict: d.control_plane_strict,
        load_balancers: d.load_balancers,
        target_groups: d.target_groups,
        service_discovery: d.service_discovery,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        assert!(region_ok("us-east-1"));
        assert!(region_ok("ap-northeast-1"));
        assert!(region_ok("us-gov-west-1"));
        assert!(!region_ok("us-east"));
        assert!(!region_ok("useast-1"));
        assert!(!region_ok("us-east-12"));
        assert!(!region_ok("US-east-1"));
    }

    #[test]
    fn lab_names() {
        assert!(check_lab_name("bridge-vs-awsvpc").is_ok());
        assert!(check_lab_name("a").is_ok());
        assert!(check_lab_name("").is_err());
        assert!(check_lab_name("-a").is_err());
        assert!(check_lab_name("a-").is_err());
        assert!(check_lab_name("a/b").unwrap_err().contains("`/`"));
        assert!(check_lab_name("a..b").is_err());
        assert!(check_lab_name("a\0b").is_err());
        assert!(check_lab_name("abcdefghijklmnopqrstu").unwrap_err().contains("20"));
        assert!(check_lab_name("My-lab").is_err());
    }
}
