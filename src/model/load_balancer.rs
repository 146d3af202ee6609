//! Application load balancers (AWS-SERVICES §4). A load balancer has one node per enabled
//! availability zone: an ENI in the subnet it names there, with the load balancer's security
//! groups (the VPC's `default` when none), in a namespace of its own where its proxy runs, and
//! when internet-facing a public address behind the internet gateway (1:1, as an instance's).
//! Its DNS name (`NAME-ID.REGION.elb.amazonaws.com`, `internal-…` when internal) resolves to the
//! nodes' public addresses (internet-facing) or private ones (internal), the same answer inside
//! the VPC and out, as ELB's public zone gives it.
//!
//! A target group's targets are resolved where traffic goes: an `ip` target is an awsvpc
//! task's ENI address and a port; an `instance` target is an instance's address and a port,
//! the host port of a task's container port for a task (dynamic ports included). A target
//! in an availability zone no node is in is `unused` (Target.NotInUse). [`register_task`] is
//! what an ECS service calls for each of its tasks.
//!
//! ENIs are allocated after every task's and endpoint's, so a load balancer added to a
//! scenario moves no other address.

use super::ecs_service::EcsService;
use super::eni::{Eni, EniOwner};
use super::error::ModelError;
use super::fabric::Fabric;
use super::{ACCOUNT, Instance, Task, ids, subnet};
use crate::scenario::{self, LbType, Listener, Node, Scenario, Scheme, TargetType};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoadBalancer {
    pub name: String,
    pub arn: String,
    /// `NAME-ID.REGION.elb.amazonaws.com` (application), `NAME-ID.elb.REGION.amazonaws.com`
    /// (network), `internal-NAME-ID.…` when internal.
    pub dns_name: String,
    #[serde(default)]
    pub lb_type: LbType,
    /// Each node uses the targets of every enabled zone (always for an application load
    /// balancer; a network one's `load_balancing.cross_zone.enabled`, default off).
    #[serde(default)]
    pub cross_zone: bool,
    pub scheme: Scheme,
    /// Its nodes' ENIs (indexes into `Lab::enis`), one per availability zone, in file order.
    pub nodes: Vec<usize>,
    pub security_groups: Vec<String>,
    pub listeners: Vec<Listener>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TargetGroup {
    pub name: String,
    pub arn: String,
    pub protocol: scenario::ElbProtocol,
    pub port: u16,
    /// A network load balancer's targets see the client's address (`preserve_client_ip.enabled`).
    #[serde(default)]
    pub preserve_client_ip: bool,
    /// Its `load_balancing.cross_zone.enabled`, None: the load balancer's.
    #[serde(default)]
    pub cross_zone: Option<bool>,
    pub target_type: TargetType,
    pub health_check: scenario::HealthCheck,
    pub deregistration_delay_seconds: u32,
    /// The load balancer whose listeners forward to it (index into `Lab::load_balancers`).
    pub load_balancer: Option<usize>,
    pub targets: Vec<Target>,
}

/// A registered target, resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// What registered it: `task/web` or `instance/ecs-1`.
    pub node: Node,
    /// As DescribeTargetHealth shows it: the IP address (ip) or the instance id (instance).
    pub id: String,
    /// Where a node connects.
    pub ip: Ipv4Addr,
    pub port: u16,
    pub az: String,
}

impl TargetGroup {
    /// The port a health check of `t` goes to.
    pub fn health_check_port(&self, t: &Target) -> u16 {
        match self.health_check.port {
            scenario::HealthCheckPort::TrafficPort => t.port,
            scenario::HealthCheckPort::Port(p) => p,
        }
    }
}

impl LoadBalancer {
    /// `alb/NAME` or `nlb/NAME`.
    pub fn node_name(&self) -> String {
        format!("{}/{}", self.lb_type.prefix(), self.name)
    }
    /// `alb/NAME` or `nlb/NAME` as a node.
    pub fn node(&self) -> Node {
        match self.lb_type {
            LbType::Application => Node::LoadBalancer(self.name.clone()),
            LbType::Network => Node::NetworkLoadBalancer(self.name.clone()),
        }
    }
    pub fn is_network(&self) -> bool {
        self.lb_type == LbType::Network
    }
    /// Its nodes' availability zones, in node order.
    pub fn zones<'a>(&self, enis: &'a [Eni], subnets: &'a [super::Subnet]) -> Vec<&'a str> {
        self.nodes.iter().map(|&k| subnets[enis[k].subnet].az.as_str()).collect()
    }
}

/// What its DNS name resolves to, everywhere: the nodes' public addresses when internet-facing,
/// their private ones when internal (ELB's zone is public, so an internal name resolves from
/// the internet too, to addresses it cannot reach).
pub fn addresses(lab: &super::Lab, lb: &LoadBalancer) -> Vec<Ipv4Addr> {
    let enis = lb.nodes.iter().map(|k| &lab.enis[*k]);
    match lb.scheme {
        Scheme::InternetFacing => enis.filter_map(|e| e.public_ip).collect(),
        Scheme::Internal => enis.map(|e| e.ip).collect(),
    }
}

/// Whether `t` is in an availability zone the load balancer `lb` is enabled in: otherwise
/// ELB leaves it `unused` (Target.NotInUse), cross-zone load balancing notwithstanding.
pub fn in_use(lb: &LoadBalancer, t: &Target, enis: &[Eni], subnets: &[super::Subnet]) -> bool {
    lb.zones(enis, subnets).contains(&t.az.as_str())
}

/// Whether a node in availability zone `az` of load balancer `lb` sends group `g`'s flows to
/// target `t`: a target in use, in the node's own zone unless cross-zone load balancing is on
/// (the group's attribute, else the load balancer's; network-load-balancers.html).
pub fn in_rotation(lb: &LoadBalancer, g: &TargetGroup, t: &Target, az: &str, w: (&[Eni], &[super::Subnet])) -> bool {
    in_use(lb, t, w.0, w.1) && (g.cross_zone.unwrap_or(lb.cross_zone) || t.az == az)
}

/// Whether task `task` is a target of group `g` because a service of it names the group: ECS
/// registers such a target once the task is running (Task lifecycle, ACTIVATING), so a task
/// that does not start is never registered. A target registered by hand is registered anyway.
pub fn registered_by_service(services: &[EcsService], tasks: &[Task], g: &TargetGroup, task: &str) -> bool {
    services.iter().any(|s| {
        s.tasks.iter().any(|&ti| tasks.get(ti).is_some_and(|t| t.name == task))
            && s.load_balancers
                .iter()
                .any(|lb| scenario::target_group::target_group_name(&lb.target_group_arn) == g.name)
    })
}

/// Every load balancer with its nodes (their ENIs), in file order.
pub(super) fn resolve_nodes(s: &Scenario, fabric: &mut Fabric) -> Result<Vec<LoadBalancer>, ModelError> {
    s.load_balancers.iter().enumerate().map(|(li, lb)| resolve(s, fabric, li, lb)).collect()
}

/// Every target group with its targets, once every task is placed.
pub(super) fn resolve_groups(
    s: &Scenario,
    fabric: &Fabric,
    tasks: &[Task],
    instances: &[Instance],
    services: &[EcsService],
) -> Vec<TargetGroup> {
    let world = World { tasks, instances, enis: &fabric.enis, subnets: fabric.subnets };
    s.target_groups.iter().map(|g| target_group(s, fabric, g, &world, services)).collect()
}

fn resolve(
    s: &Scenario,
    fabric: &mut Fabric,
    li: usize,
    lb: &scenario::LoadBalancer,
) -> Result<LoadBalancer, ModelError> {
    let lab = fabric.lab;
    let name = lb.name.value.clone();
    let groups: Vec<String> = match &lb.security_groups {
        Some(g) => g.iter().map(|x| x.value.clone()).collect(),
        None if lb.lb_type == LbType::Network => vec![],
        None => vec!["default".to_string()],
    };
    let kind = lb.lb_type.prefix();
    let mut nodes = vec![];
    for sn in &lb.subnets {
        let si = subnet::find(fabric.subnets, sn)?;
        let ip = fabric.private_ip(si, &sn.loc)?;
        let az = fabric.subnets[si].az.clone();
        let ns = ids::ns_name(lab, kind, &format!("{name}.{az}"));
        let node = match lb.lb_type {
            LbType::Application => Node::LoadBalancer(format!("{name}/{az}")),
            LbType::Network => Node::NetworkLoadBalancer(format!("{name}/{az}")),
        };
        let mut eni = Eni::new(lab, &node, EniOwner::LoadBalancer(li), ns, ip, si);
        eni.security_groups = groups.clone();
        if lb.scheme == Scheme::InternetFacing {
            eni.public_ip = Some(fabric.public_ip(&sn.loc)?);
        }
        nodes.push(fabric.attach(eni));
    }
    let id = ids::hex(&[lab, kind, &name], 16);
    let prefix = if lb.scheme == Scheme::Internal { "internal-" } else { "" };
    let (dns_name, arn_kind) = match lb.lb_type {
        // ELB's DNS names carry a number after an application load balancer's name
        // (`web-1234567890.REGION.elb.…`), a hex id after a network one's (`web-0123….elb.REGION.…`).
        LbType::Application => {
            let number = u64::from_str_radix(&id[..8], 16).unwrap_or(0) % 9_000_000_000 + 1_000_000_000;
            (format!("{prefix}{name}-{number}.{}.elb.amazonaws.com", s.region), "app")
        }
        LbType::Network => (format!("{prefix}{name}-{id}.elb.{}.amazonaws.com", s.region), "net"),
    };
    Ok(LoadBalancer {
        dns_name,
        arn: format!("arn:aws:elasticloadbalancing:{}:{ACCOUNT}:loadbalancer/{arn_kind}/{name}/{id}", s.region),
        lb_type: lb.lb_type,
        cross_zone: lb.cross_zone,
        name,
        scheme: lb.scheme,
        nodes,
        security_groups: groups,
        listeners: lb.listeners.clone(),
    })
}

/// A target group with its targets: those registered by hand (`targets`), then the tasks of
/// every service whose `loadBalancers` name it, as ECS registers them.
fn target_group(
    s: &Scenario,
    fabric: &Fabric,
    g: &scenario::TargetGroup,
    world: &World<'_>,
    services: &[EcsService],
) -> TargetGroup {
    let (tasks, instances) = (world.tasks, world.instances);
    let name = g.name.value.clone();
    let id = ids::hex(&[fabric.lab, "targetgroup", &name], 16);
    let load_balancer = s.load_balancers.iter().position(|lb| {
        lb.listeners.iter().flat_map(|l| l.all_actions()).flat_map(|a| a.target_groups()).any(|t| t.value == name)
    });
    let mut tg = TargetGroup {
        arn: format!("arn:aws:elasticloadbalancing:{}:{ACCOUNT}:targetgroup/{name}/{id}", s.region),
        name,
        protocol: g.protocol,
        port: g.port.value,
        preserve_client_ip: g.protocol.is_network() && g.preserves_client_ip(),
        cross_zone: g.cross_zone,
        target_type: g.target_type,
        health_check: g.health_check.clone(),
        deregistration_delay_seconds: g.deregistration_delay_seconds,
        load_balancer,
        targets: vec![],
    };
    let mut found = vec![];
    for t in &g.targets {
        let port = t.port.as_ref().map(|p| p.value);
        found.push(match t.kind_and_name() {
            ("task", n) => tasks.iter().position(|x| x.name == n).and_then(|ti| register_task(&tg, world, ti, port)),
            (_, n) => instances.iter().position(|x| x.name == n).map(|ii| register_instance(&tg, world, ii, port)),
        });
    }
    for svc in services {
        let entries = svc
            .load_balancers
            .iter()
            .filter(|lb| scenario::target_group::target_group_name(&lb.target_group_arn) == tg.name);
        // A task the service stopped is deregistered (it drains on the nodes, not in the model).
        let live = svc.tasks.iter().filter(|&&ti| !tasks[ti].is_stopping());
        for lb in entries {
            found.extend(live.clone().map(|&ti| register_task(&tg, world, ti, Some(lb.container_port))));
        }
    }
    for target in found.into_iter().flatten() {
        if !tg.targets.contains(&target) {
            tg.targets.push(target);
        }
    }
    tg
}

/// What target resolution reads of the lab.
pub struct World<'a> {
    pub tasks: &'a [Task],
    pub instances: &'a [Instance],
    pub enis: &'a [Eni],
    pub subnets: &'a [super::Subnet],
}

/// The target task `ti` is in group `tg` for its container port `port` (default: the group's
/// port), as ECS registers a service's task: `ip`, the task ENI's address and the port;
/// `instance`, its instance and the host port the container port is published on. None when
/// the task is not placed, or has no such address or port (a bridge task in an `ip` group).
pub fn register_task(tg: &TargetGroup, w: &World<'_>, ti: usize, port: Option<u16>) -> Option<Target> {
    let t = w.tasks.get(ti)?;
    t.placement.as_ref().ok()?;
    let port = port.unwrap_or(tg.port);
    let node = Node::task(&t.name);
    match tg.target_type {
        TargetType::Ip => {
            let eni = &w.enis[t.eni?];
            let az = w.subnets[eni.subnet].az.clone();
            Some(Target { node, id: eni.ip.to_string(), ip: eni.ip, port, az })
        }
        TargetType::Instance => {
            let host_port = t
                .containers
                .iter()
                .flat_map(|c| c.ports.iter())
                .find(|p| p.container_port == port && p.proto == group_proto(tg.protocol))
                .and_then(|p| p.host_port)?;
            let inst = w.instances.get(t.instance()?)?;
            Some(Target { node, ..instance_target(w, inst, host_port) })
        }
    }
}

/// The transport of a group's traffic, for a container port's host port: UDP for a UDP group.
fn group_proto(p: scenario::ElbProtocol) -> scenario::Proto {
    if p == scenario::ElbProtocol::Udp { scenario::Proto::Udp } else { scenario::Proto::Tcp }
}

/// Instance `ii` registered by hand on `port` (default: the group's).
pub fn register_instance(tg: &TargetGroup, w: &World<'_>, ii: usize, port: Option<u16>) -> Target {
    instance_target(w, &w.instances[ii], port.unwrap_or(tg.port))
}

fn instance_target(w: &World<'_>, inst: &Instance, port: u16) -> Target {
    let eni = &w.enis[inst.eni];
    Target {
        node: Node::instance(&inst.name),
        id: inst.id.clone(),
        ip: eni.ip,
        port,
        az: w.subnets[eni.subnet].az.clone(),
    }
}

/// The action a request for `path` with Host `host` gets from listener `l`: the first rule by
/// priority whose conditions all match, else the default action (listener-rules.html). Path
/// patterns are case-sensitive, host headers are not; `*` matches any characters, `?` one.
/// The nodes' proxy and the analyzer both ask this.
pub fn action_for<'a>(l: &'a Listener, path: &str, host: &str) -> Option<&'a scenario::Action> {
    l.rules
        .iter()
        .find(|r| r.conditions.iter().all(|c| condition_holds(c, path, host)))
        .and_then(|r| r.actions.first())
        .or_else(|| l.default_actions.first())
}

/// Whether a rule condition holds for a request.
pub fn condition_holds(c: &scenario::Condition, path: &str, host: &str) -> bool {
    match c {
        scenario::Condition::PathPattern(v) => v.iter().any(|p| glob(p.as_bytes(), path.as_bytes())),
        scenario::Condition::HostHeader(v) => {
            let host = host.to_ascii_lowercase();
            v.iter().any(|p| glob(p.to_ascii_lowercase().as_bytes(), host.as_bytes()))
        }
    }
}

/// `*` and `?` wildcards, iteratively (no recursion on hostile input).
pub fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// `rule 10 path-pattern /api/* -> forward api; default -> forward web`.
pub fn listener_summary(l: &Listener) -> String {
    let mut parts: Vec<String> = l
        .rules
        .iter()
        .map(|r| {
            let conds: Vec<String> = r.conditions.iter().map(condition).collect();
            format!("rule {} {} -> {}", r.priority.value, conds.join(" and "), actions(&r.actions))
        })
        .collect();
    parts.push(format!("default -> {}", actions(&l.default_actions)));
    parts.join("; ")
}

fn condition(c: &scenario::Condition) -> String {
    match c {
        scenario::Condition::PathPattern(v) => format!("path-pattern {}", v.join(",")),
        scenario::Condition::HostHeader(v) => format!("host-header {}", v.join(",")),
    }
}

fn actions(a: &[scenario::Action]) -> String {
    a.iter()
        .map(|a| match a {
            scenario::Action::Forward(w) if w.len() == 1 => format!("forward {}", w[0].target_group.value),
            scenario::Action::Forward(w) => {
                let groups: Vec<String> = w.iter().map(|x| format!("{}={}", x.target_group.value, x.weight)).collect();
                format!("forward {}", groups.join(","))
            }
            scenario::Action::FixedResponse { status_code, .. } => format!("fixed-response {status_code}"),
            scenario::Action::Redirect(r) => format!("redirect {}", r.status_code),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(glob(b"/api/*", b"/api/x"));
        assert!(glob(b"/api/*", b"/api/"));
        assert!(!glob(b"/api/*", b"/api"));
        assert!(glob(b"/img/*.png", b"/img/a/b.png"));
        assert!(glob(b"/?", b"/a"));
        assert!(!glob(b"/API/*", b"/api/x"));
        assert!(glob(b"*", b""));
    }
}
