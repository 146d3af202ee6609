//! ECS's service scheduler: each service in file order places `desiredCount` tasks one at a
//! time (Developer Guide, "How Amazon ECS places tasks"): the registered instances that pass
//! every check (the agent's attributes, CPU, memory, ports, an ENI attachment point, then the
//! constraints) are the candidates, the strategies narrow them in order, the first left in file
//! order wins. The checks are `placement`'s and `task`'s own, run dry; the chosen instance then
//! gets the task through `Placer::place`, as a standalone task would.

use super::ecs_service::{self, Check, EcsService, LoadBalancer, Step, Trace, Unplaced};
use super::error::{ModelError, ModelErrorKind};
use super::placement::{self, PlacementFailure};
use super::subnet::{self, Subnet};
use super::task::{self, Launch, Placer, Task};
use super::{ACCOUNT, ids};
use crate::scenario::cluster_query::Attribute;
use crate::scenario::service::{Constraint, LaunchType, Resource, Service, SpreadField, Strategy};
use crate::scenario::{self, Located, TaskDefinition};

/// Every service's tasks, appended to `tasks`; the services as DescribeServices shows them.
pub(super) fn place_services(p: &mut Placer, tasks: &mut Vec<Task>) -> Result<Vec<EcsService>, ModelError> {
    let services = p.s.services.iter();
    services.map(|svc| place_service(p, svc, tasks)).collect()
}

fn place_service(p: &mut Placer, svc: &Service, tasks: &mut Vec<Task>) -> Result<EcsService, ModelError> {
    let td = p.s.task_def_of_service(svc).ok_or_else(|| {
        ModelErrorKind::UnknownTaskDefinition(svc.task_definition.value.family.clone()).at(&svc.task_definition.loc)
    })?;
    if svc.launch_type.value == LaunchType::Fargate {
        return place_fargate_service(p, svc, td, tasks);
    }
    let mut out = new_service(p, svc, td);
    for n in 1..=svc.desired_count.value {
        place_ec2_task(p, (svc, td), n, tasks, &mut out)?;
    }
    finish_events(&mut out, tasks);
    Ok(out)
}

/// Task `n` of an EC2 service: on the instance `choose` picks, or (none taking it) kept
/// unplaced with ECS's event.
fn place_ec2_task(
    p: &mut Placer,
    (svc, td): (&Service, &TaskDefinition),
    n: u32,
    tasks: &mut Vec<Task>,
    out: &mut EcsService,
) -> Result<(), ModelError> {
    let st = scenario_task(svc, n, "");
    let mut trace = Trace { n, ..Trace::default() };
    let chosen = choose(p, svc, td, &st, tasks, &mut trace);
    out.traces.push(trace);
    match chosen {
        Ok(ii) => {
            let st = scenario_task(svc, n, &p.instances[ii].name);
            let mut t = p.place(tasks.len(), &st)?;
            t.service = Some(svc.name.value.clone());
            t.group = Some(format!("service:{}", svc.name.value));
            t.started_by = Some(out.started_by.clone());
            out.tasks.push(tasks.len());
            tasks.push(t);
        }
        Err(closest) => {
            let id =
                closest.map(|(ii, c)| (super::control_plane::container_instance_id(p.lab, &p.instances[ii].name), c));
            let event = ecs_service::unable_to_place(&svc.name.value, id.as_ref().map(|(i, c)| (i.as_str(), *c)));
            if let Some((ii, check)) = closest {
                let failure = PlacementFailure::ServiceUnplaced { check, event: event.clone() };
                tasks.push(unplaced_task(p, svc, td, out, (n, ii), failure));
            }
            push_event(&mut out.events, event);
            out.unplaced.push(Unplaced { n, closest });
        }
    }
    Ok(())
}

/// A FARGATE service: no instance to choose, each task a microVM with its ENI in the subnet
/// `fargate_subnet` picks (round the zones of the service's subnets), placed as RunTask would.
fn place_fargate_service(
    p: &mut Placer,
    svc: &Service,
    td: &TaskDefinition,
    tasks: &mut Vec<Task>,
) -> Result<EcsService, ModelError> {
    let mut out = new_service(p, svc, td);
    for n in 1..=svc.desired_count.value {
        place_fargate_task(p, (svc, td), n, tasks, &mut out)?;
    }
    finish_events(&mut out, tasks);
    Ok(out)
}

/// Task `n` of a FARGATE service, in the subnet `fargate_subnet` picks for it.
fn place_fargate_task(
    p: &mut Placer,
    (svc, td): (&Service, &TaskDefinition),
    n: u32,
    tasks: &mut Vec<Task>,
    out: &mut EcsService,
) -> Result<(), ModelError> {
    let listed = listed_subnets(svc, p.fabric.subnets);
    let aw = svc.awsvpc.as_ref();
    let name = svc.task_name(n);
    let pick = fargate_subnet(&listed, n).and_then(|i| subnet::index(p.fabric.subnets, listed[i].0));
    let subnet = pick.ok_or_else(|| ModelErrorKind::UnknownSubnet(svc.name.value.clone()).at(&svc.loc))?;
    let run = task::FargateRun {
        name: &name,
        index: tasks.len(),
        definition: td,
        subnet,
        security_groups: aw.map(|c| c.security_groups.iter().map(|g| g.value.clone()).collect()).unwrap_or_default(),
        assign_public_ip: aw.is_some_and(|c| c.assign_public_ip.value),
        at: &svc.loc,
    };
    let mut t = task::place_fargate(p.fabric, (&p.s.region, p.cluster), &p.s.aws.roles, &run)?;
    t.service = Some(svc.name.value.clone());
    t.group = Some(format!("service:{}", svc.name.value));
    t.started_by = Some(out.started_by.clone());
    out.tasks.push(tasks.len());
    tasks.push(t);
    Ok(())
}

/// A task in place of one the service stopped: the next number no task has, placed as the
/// service's tasks were (the stopped task's resources are free again), with ECS's event.
pub(super) fn place_replacement(p: &mut Placer, out: &mut EcsService, tasks: &mut Vec<Task>) -> Result<(), ModelError> {
    let Some(svc) = p.s.services.iter().find(|s| s.name.value == out.name) else { return Ok(()) };
    let Some(td) = p.s.task_def_of_service(svc) else { return Ok(()) };
    let n = (1..).find(|n| !tasks.iter().any(|t| t.name == svc.task_name(*n))).unwrap_or(1);
    let before = tasks.len();
    if svc.launch_type.value == LaunchType::Fargate {
        place_fargate_task(p, (svc, td), n, tasks, out)?;
    } else {
        place_ec2_task(p, (svc, td), n, tasks, out)?;
    }
    let placed: Vec<&str> = tasks[before..].iter().filter(|t| t.placement.is_ok()).map(|t| t.id.as_str()).collect();
    if !placed.is_empty() {
        push_event(&mut out.events, ecs_service::started(&out.name, &placed));
    }
    Ok(())
}

/// What task `t` held on its instance is free again (it was asked to stop).
pub(super) fn release(p: &mut Placer, t: &Task) {
    let Some(ii) = t.instance().filter(|_| t.placement.is_ok()) else { return };
    let td = p.s.task_definitions.iter().find(|d| d.family.value == t.family && d.revision == t.revision);
    let resources = td.map(placement::task_resources).unwrap_or((0, 0));
    let ports: Vec<placement::HostPort> =
        t.containers.iter().flat_map(|c| c.ports.iter()).filter_map(|b| Some((b.proto, b.host_port?))).collect();
    p.states[ii].release(resources, &ports, t.eni.is_some() && t.ns.is_some());
}

/// The service events when the scheduler stops task `t` (or it was stopped for it).
pub(super) fn stopped_event(services: &mut [EcsService], t: &Task, why: Option<&str>) {
    let Some(out) = t.service.as_ref().and_then(|n| services.iter_mut().find(|s| &s.name == n)) else { return };
    if let Some(why) = why {
        push_event(&mut out.events, why.to_string());
    }
    push_event(&mut out.events, ecs_service::stopped(&out.name, &[t.id.as_str()]));
}

/// Task `n` that no instance took, kept (as a standalone task RunTask refused) so that
/// `task/NAME-n` names it: on the closest matching instance `ii`, with ECS's event.
fn unplaced_task(
    p: &Placer,
    svc: &Service,
    td: &TaskDefinition,
    out: &EcsService,
    (n, ii): (u32, usize),
    failure: PlacementFailure,
) -> Task {
    let st = scenario_task(svc, n, &p.instances[ii].name);
    let mut t = task::unplaced(p.lab, &p.s.region, p.cluster, &st.name.value, td, Launch::Ec2 { instance: ii });
    t.placement = Err(failure);
    t.service = Some(svc.name.value.clone());
    t.group = Some(format!("service:{}", svc.name.value));
    t.started_by = Some(out.started_by.clone());
    t
}

/// The service before any task: its ARN, placement, `startedBy`.
fn new_service(p: &Placer, svc: &Service, td: &TaskDefinition) -> EcsService {
    let name = &svc.name.value;
    // A deployment id: 19 digits, as in `ecs-svc/1234567890123456789`.
    let deployment = ids::fnv64(&[p.lab, "ecs-svc", name]) % 9_000_000_000_000_000_000 + 1_000_000_000_000_000_000;
    EcsService {
        name: name.clone(),
        arn: format!("arn:aws:ecs:{}:{ACCOUNT}:service/{}/{name}", p.s.region, p.cluster),
        launch_type: svc.launch_type.value.to_string(),
        task_definition: format!("{}:{}", td.family.value, td.revision),
        desired_count: svc.desired_count.value,
        placement_strategy: svc.strategy(),
        placement_constraints: svc.placement_constraints.iter().map(|c| c.value.clone()).collect(),
        tasks: vec![],
        unplaced: vec![],
        events: vec![],
        started_by: format!("ecs-svc/{deployment}"),
        load_balancers: svc
            .load_balancers
            .iter()
            .map(|lb| LoadBalancer {
                target_group_arn: lb.target_group_arn.value.clone(),
                container_name: lb.container_name.value.clone(),
                container_port: lb.container_port.value,
            })
            .collect(),
        health_check_grace_period_seconds: svc.health_check_grace_period_seconds,
        traces: vec![],
    }
}

/// The `started` and `steady state` events, once the service's tasks are placed.
fn finish_events(out: &mut EcsService, tasks: &[Task]) {
    let ids: Vec<&str> = out.tasks.iter().map(|ti| tasks[*ti].id.as_str()).collect();
    if !ids.is_empty() {
        let started = ecs_service::started(&out.name, &ids);
        out.events.push(started);
    }
    if out.running_count(tasks) == out.desired_count {
        out.events.push(ecs_service::steady(&out.name));
    }
}

/// ECS leaves out an event that repeats one it already shows.
fn push_event(events: &mut Vec<String>, e: String) {
    if !events.contains(&e) {
        events.push(e);
    }
}

/// Task `n` of the service as a RunTask on instance `instance`.
fn scenario_task(svc: &Service, n: u32, instance: &str) -> scenario::Task {
    scenario::Task {
        name: Located::new(svc.task_name(n), svc.name.loc.clone()),
        task_definition: svc.task_definition.clone(),
        launch_type: svc.launch_type.clone(),
        instance: Some(Located::new(instance.to_string(), svc.loc.clone())),
        platform_version: None,
        awsvpc: svc.awsvpc.clone(),
        loc: svc.loc.clone(),
    }
}

/// The instance the scheduler picks for the next task, or the closest matching one (the one
/// that failed the latest check; the first in file order among equals) and its failed check;
/// `Err(None)` when no instance is registered.
fn choose(
    p: &Placer,
    svc: &Service,
    td: &TaskDefinition,
    st: &scenario::Task,
    tasks: &[Task],
    trace: &mut Trace,
) -> Result<usize, Option<(usize, Check)>> {
    let registered: Vec<usize> = (0..p.instances.len()).filter(|ii| !p.unregistered.contains(ii)).collect();
    let verdicts: Vec<(usize, Result<(), Check>)> =
        registered.iter().map(|&ii| (ii, dry_run(p, svc, td, st, tasks, ii))).collect();
    trace.checked = verdicts.iter().map(|(ii, v)| (*ii, v.err())).collect();
    let candidates: Vec<usize> = verdicts.iter().filter(|(_, v)| v.is_ok()).map(|(ii, _)| *ii).collect();
    if candidates.is_empty() {
        let closest = verdicts.iter().filter_map(|(ii, v)| v.err().map(|c| (*ii, c))).rev().max_by_key(|(_, c)| *c);
        return Err(closest);
    }
    Ok(rank(p, svc, tasks, candidates, st, &mut trace.steps))
}

/// Whether instance `ii` could take the task now: the checks of `Placer::place` without taking
/// anything, then the service's constraints.
fn dry_run(
    p: &Placer,
    svc: &Service,
    td: &TaskDefinition,
    st: &scenario::Task,
    tasks: &[Task],
    ii: usize,
) -> Result<(), Check> {
    let inst = &p.instances[ii];
    let state = &p.states[ii];
    let probe = task::unplaced(p.lab, &p.s.region, p.cluster, &st.name.value, td, Launch::Ec2 { instance: ii });
    if task::missing_capability(inst, &probe).is_some() {
        return Err(Check::Attribute);
    }
    state.check_resources(inst, placement::task_resources(td)).map_err(|f| match f {
        PlacementFailure::InsufficientCpu { .. } => Check::Cpu,
        _ => Check::Memory,
    })?;
    let wanted = placement::static_host_ports(probe.mode, td);
    state.check_host_ports(inst, &wanted).map_err(|_| Check::Ports)?;
    if probe.mode == crate::scenario::NetworkMode::Awsvpc {
        state.check_awsvpc(inst, p.fabric.subnets, st).map_err(|f| match f {
            PlacementFailure::MissingAttribute { .. } => Check::Attribute,
            _ => Check::Eni,
        })?;
    }
    constraints_met(p, svc, tasks, ii)
}

fn constraints_met(p: &Placer, svc: &Service, tasks: &[Task], ii: usize) -> Result<(), Check> {
    for c in &svc.placement_constraints {
        match &c.value {
            Constraint::DistinctInstance if group_on(svc, tasks).any(|t| t.on_instance(ii)) => {
                return Err(Check::DistinctInstance);
            }
            Constraint::MemberOf(q) if !q.matches(&|a| attribute_values(p, ii, a)) => return Err(Check::MemberOf),
            _ => {}
        }
    }
    Ok(())
}

/// The service's running tasks so far.
fn group_on<'t>(svc: &Service, tasks: &'t [Task]) -> impl Iterator<Item = &'t Task> {
    let name = svc.name.value.clone();
    tasks.iter().filter(move |t| t.service.as_deref() == Some(name.as_str()) && t.placement.is_ok() && !t.is_stopping())
}

/// What an instance has for an attribute (a subnet by its name and its id).
fn attribute_values(p: &Placer, ii: usize, a: Attribute) -> Vec<String> {
    let inst = &p.instances[ii];
    let sub: &Subnet = &p.fabric.subnets[inst.subnet];
    match a {
        Attribute::AvailabilityZone => vec![inst.az.clone()],
        Attribute::InstanceType => vec![inst.instance_type.clone()],
        Attribute::SubnetId => vec![sub.name.clone(), sub.id.clone()],
    }
}

/// The value a spread strategy compares: the instance's id or one of its attributes (none for
/// an attribute ecsnet's instances do not have).
fn spread_value(p: &Placer, ii: usize, field: &SpreadField) -> Option<String> {
    let inst = &p.instances[ii];
    match field {
        SpreadField::InstanceId => Some(inst.id.clone()),
        SpreadField::Attribute(a) => match a.as_str() {
            "ecs.availability-zone" => Some(inst.az.clone()),
            "ecs.instance-type" => Some(inst.instance_type.clone()),
            "ecs.subnet-id" => Some(p.fabric.subnets[inst.subnet].id.clone()),
            _ => None,
        },
    }
}

/// The strategies in order, each keeping the candidates it likes best; the first left wins.
/// Each strategy's narrowing goes in `steps`.
fn rank(
    p: &Placer,
    svc: &Service,
    tasks: &[Task],
    mut candidates: Vec<usize>,
    st: &scenario::Task,
    steps: &mut Vec<Step>,
) -> usize {
    for s in svc.strategy() {
        let score = |ii: usize| -> Option<u64> {
            match &s {
                Strategy::Spread(field) => {
                    let v = spread_value(p, ii, field);
                    Some(
                        group_on(svc, tasks)
                            .filter(|t| t.instance().is_some_and(|ti| spread_value(p, ti, field) == v))
                            .count() as u64,
                    )
                }
                Strategy::Binpack(Resource::Cpu) => Some(p.states[ii].cpu_left as u64),
                Strategy::Binpack(Resource::Memory) => Some(p.states[ii].memory_left as u64),
                Strategy::Random => None,
            }
        };
        let scores: Vec<(usize, Option<u64>)> = candidates.iter().map(|&c| (c, score(c))).collect();
        candidates = match &s {
            Strategy::Random => {
                let seed = ids::fnv64(&[p.lab, "random", &svc.name.value, &st.name.value]);
                let i = (seed % candidates.len() as u64) as usize;
                vec![candidates[i]]
            }
            _ => keep_min(candidates, |c| score(c).unwrap_or(0)),
        };
        steps.push(Step { strategy: s.to_string(), scores, kept: candidates.clone() });
    }
    candidates[0]
}

/// The candidates with the lowest `score`, in their order.
fn keep_min(candidates: Vec<usize>, score: impl Fn(usize) -> u64) -> Vec<usize> {
    let best = candidates.iter().map(|&c| score(c)).min().unwrap_or(0);
    candidates.into_iter().filter(|&c| score(c) == best).collect()
}

/// The subnet of a FARGATE service's task `n` (from 1): ECS spreads a Fargate service's tasks
/// over the availability zones of its subnets in turn, and within a zone over its subnets in
/// the order given. `listed`: the service's subnets (name, zone) in order. The index returned
/// is into `listed`.
pub fn fargate_subnet(listed: &[(&str, &str)], n: u32) -> Option<usize> {
    let mut zones: Vec<&str> = vec![];
    for (_, az) in listed {
        if !zones.contains(az) {
            zones.push(az);
        }
    }
    let k = (n.max(1) - 1) as usize;
    let zone = zones.get(k % zones.len().max(1))?;
    let in_zone: Vec<usize> = (0..listed.len()).filter(|i| listed[*i].1 == *zone).collect();
    in_zone.get((k / zones.len()) % in_zone.len()).copied()
}

/// The subnets of a service, as `fargate_subnet` takes them.
pub(super) fn listed_subnets<'a>(svc: &'a Service, subnets: &'a [Subnet]) -> Vec<(&'a str, &'a str)> {
    let named = svc.awsvpc.iter().flat_map(|c| &c.subnets);
    named
        .filter_map(|n| subnet::index(subnets, &n.value))
        .map(|si| (subnets[si].name.as_str(), subnets[si].az.as_str()))
        .collect()
}

#[cfg(test)]
mod tests;
