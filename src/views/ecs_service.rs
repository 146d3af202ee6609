//! ECS services as a user looks at them: `ps`'s services section (what `aws ecs
//! list-services` / the console's service table show: launch type, desired, running and
//! pending counts, the strategy, the last events, each task with its instance and zone) and
//! `inspect service/NAME` in DescribeServices' shape (ECS API Reference, DescribeServices:
//! serviceName, serviceArn, clusterArn, status, desiredCount, runningCount, pendingCount,
//! launchType, placementStrategy, placementConstraints, loadBalancers, networkConfiguration,
//! events with id and createdAt, deployments).

use super::Runtime;
use crate::i18n::tr;
use crate::model::ecs_service::EcsService;
use crate::model::{Lab, ids};
use crate::scenario::service::{Constraint, SpreadField, Strategy};
use crate::sys::time::rfc3339_nano;
use serde_json::{Value, json};

/// The events `ps` shows per service.
const PS_EVENTS: usize = 3;

/// The tasks of the service that run: placed, and not stopped at their start.
fn running(lab: &Lab, svc: &EcsService, rt: &Runtime) -> u32 {
    let up = |ti: &usize| {
        lab.tasks.get(*ti).is_some_and(|t| t.placement.is_ok() && !t.is_stopping() && !rt.stopped.contains_key(&t.name))
    };
    svc.tasks.iter().filter(|ti| up(ti)).count() as u32
}

/// `ps`'s services section, empty without services.
pub fn ps_section(lab: &Lab, rt: &Runtime) -> String {
    if lab.services.is_empty() {
        return String::new();
    }
    let mut rows =
        vec![["SERVICE", "LAUNCH TYPE", "DESIRED", "RUNNING", "PENDING", "STRATEGY"].map(String::from).to_vec()];
    for s in &lab.services {
        let strategy: Vec<String> = s.placement_strategy.iter().map(|x| x.to_string()).collect();
        rows.push(vec![
            format!("service/{}", s.name),
            s.launch_type.clone(),
            s.desired_count.to_string(),
            running(lab, s, rt).to_string(),
            s.pending_count().to_string(),
            strategy.join(", "),
        ]);
    }
    let mut out = format!("\n== services (cluster {}) ==\n", lab.cluster);
    out.push_str(&super::ps::tabulate(&rows));
    for (si, s) in lab.services.iter().enumerate() {
        out.push_str(&tasks_line(lab, s));
        out.push_str(&discovery_line(lab, rt, si));
        for e in s.last_events(PS_EVENTS) {
            out.push_str(&format!("  {e}\n"));
        }
    }
    out
}

/// `service/NAME tasks: task/NAME-1 instance/ecs-1 us-east-1a, ...`.
fn tasks_line(lab: &Lab, s: &EcsService) -> String {
    let of = || lab.tasks.iter().filter(|t| t.service.as_deref() == Some(s.name.as_str()));
    let stopped = |t: &&crate::model::Task| t.stop.as_ref().is_some_and(|x| x.stopped_at.is_some());
    let tasks: Vec<String> = of()
        .filter(|t| !stopped(t))
        .map(|t| match (&t.placement, &t.stop) {
            // DescribeTasks' lastStatus of a task asked to stop: DEACTIVATING, then STOPPED.
            (Ok(()), Some(stop)) => format!("task/{} {} ({})", t.name, stop.last_status(), stop.reason),
            (Ok(()), None) => {
                format!("task/{} {} {}", t.name, lab.host_of(t), lab.az_of(t))
            }
            (Err(f), _) => format!("task/{} NOT PLACED ({})", t.name, f.reason()),
        })
        .collect();
    let none = || tr!("ps-service-no-tasks", "none");
    let list = if tasks.is_empty() { none() } else { tasks.join(", ") };
    let mut line = format!("service/{} {}\n", s.name, tr!("ps-service-tasks", "tasks: { $tasks }", tasks = list));
    // The stopped ones by name, the latest few (why: under each instance, and in `inspect`).
    let gone: Vec<String> = of().filter(stopped).map(|t| format!("task/{}", t.name)).collect();
    if !gone.is_empty() {
        let shown = gone[gone.len().saturating_sub(STOPPED_SHOWN)..].join(", ");
        let text = tr!("ps-service-stopped", "stopped: { $count } ({ $latest })", count = gone.len(), latest = shown);
        line.push_str(&format!("service/{} {text}\n", s.name));
    }
    line
}

/// `service/api discovery: api.corp.local (A, MULTIVALUE): 10.30.1.5, 10.30.2.5`: the Cloud
/// Map service its tasks are registered in, and the instances registered now.
fn discovery_line(lab: &Lab, rt: &Runtime, si: usize) -> String {
    let Some(r) = lab.cloud_map.registration_of(si) else { return String::new() };
    let c = &lab.cloud_map.services[r.service];
    let now: Vec<_> = super::registered_now(lab, rt, r.service);
    let mut kinds = c.record_types();
    kinds.push(c.routing_policy.as_str());
    let list: Vec<String> = now
        .iter()
        .map(|i| match (c.srv_ttl, i.port) {
            (Some(_), Some(p)) => format!("{}:{p}", i.ipv4),
            _ => i.ipv4.to_string(),
        })
        .collect();
    let list = if list.is_empty() { tr!("ps-service-no-tasks", "none") } else { list.join(", ") };
    let text = tr!(
        "ps-service-discovery",
        "discovery: { $name } ({ $kinds }): { $instances }",
        name = c.dns_name.as_str(),
        kinds = kinds.join(", "),
        instances = list
    );
    format!("service/{} {text}\n", lab.services[si].name)
}

/// How many stopped tasks `ps` names per service.
const STOPPED_SHOWN: usize = 3;

/// DescribeServices' response for the services named (without `service/`); unknown names are
/// `failures` with reason MISSING, as ECS answers.
pub fn describe(lab: &Lab, rt: &Runtime, names: &[&str]) -> Value {
    let mut services = vec![];
    let mut failures = vec![];
    for n in names {
        match lab.service(n) {
            Some(s) => services.push(service(lab, rt, s)),
            None => failures.push(json!({
                "arn": format!("arn:aws:ecs:{}:{}:service/{}/{n}", lab.region, crate::model::ACCOUNT, lab.cluster),
                "reason": "MISSING"
            })),
        }
    }
    json!({ "services": services, "failures": failures })
}

/// DescribeServices' `serviceRegistries`: the Cloud Map service's ARN and what the file gave.
fn service_registries(lab: &Lab, s: &EcsService) -> Vec<Value> {
    let Some(si) = lab.services.iter().position(|x| x.name == s.name) else { return vec![] };
    let Some(r) = lab.cloud_map.registration_of(si) else { return vec![] };
    let mut v = json!({ "registryArn": lab.cloud_map.services[r.service].arn });
    if let Some(n) = &r.container_name {
        v["containerName"] = json!(n);
    }
    if let Some(p) = r.container_port {
        v["containerPort"] = json!(p);
    }
    if let Some(p) = r.port {
        v["port"] = json!(p);
    }
    vec![v]
}

fn service(lab: &Lab, rt: &Runtime, s: &EcsService) -> Value {
    let created = rfc3339_nano(rt.created_ns);
    let cluster_arn = format!("arn:aws:ecs:{}:{}:cluster/{}", lab.region, crate::model::ACCOUNT, lab.cluster);
    let task_definition =
        format!("arn:aws:ecs:{}:{}:task-definition/{}", lab.region, crate::model::ACCOUNT, s.task_definition);
    let running = running(lab, s, rt);
    let deployment_id = s.started_by.trim_start_matches("ecs-svc/");
    json!({
        "serviceArn": s.arn,
        "serviceName": s.name,
        "clusterArn": cluster_arn,
        "loadBalancers": s.load_balancers.iter().map(|lb| json!({
            "targetGroupArn": lb.target_group_arn,
            "containerName": lb.container_name,
            "containerPort": lb.container_port,
        })).collect::<Vec<_>>(),
        "status": "ACTIVE",
        "desiredCount": s.desired_count,
        "runningCount": running,
        "pendingCount": s.pending_count(),
        "launchType": s.launch_type,
        "taskDefinition": task_definition,
        "deployments": [{
            "id": format!("ecs-svc/{deployment_id}"),
            "status": "PRIMARY",
            "taskDefinition": task_definition,
            "desiredCount": s.desired_count,
            "pendingCount": s.pending_count(),
            "runningCount": running,
            "createdAt": created,
            "launchType": s.launch_type,
            "rolloutState": if running == s.desired_count { "COMPLETED" } else { "IN_PROGRESS" },
        }],
        "events": events(lab, s, &created),
        "createdAt": created,
        "placementConstraints": s.placement_constraints.iter().map(constraint).collect::<Vec<_>>(),
        "placementStrategy": s.placement_strategy.iter().map(strategy).collect::<Vec<_>>(),
        "networkConfiguration": network_configuration(lab, s),
        "healthCheckGracePeriodSeconds": s.health_check_grace_period_seconds,
        "serviceRegistries": service_registries(lab, s),
        "schedulingStrategy": "REPLICA",
    })
}

/// Newest first, as DescribeServices lists them; each with a stable id.
fn events(lab: &Lab, s: &EcsService, created: &str) -> Vec<Value> {
    let ev = s.events.iter().enumerate().rev();
    ev.map(|(i, m)| {
        let id = ids::hex(&[&lab.name, "service-event", &s.name, &i.to_string()], 32);
        let id = format!("{}-{}-{}-{}-{}", &id[..8], &id[8..12], &id[12..16], &id[16..20], &id[20..32]);
        json!({ "id": id, "createdAt": created, "message": m })
    })
    .collect()
}

fn strategy(s: &Strategy) -> Value {
    match s {
        Strategy::Spread(SpreadField::InstanceId) => json!({ "type": "spread", "field": "instanceId" }),
        Strategy::Spread(SpreadField::Attribute(a)) => json!({ "type": "spread", "field": format!("attribute:{a}") }),
        Strategy::Binpack(r) => {
            let field = if *r == crate::scenario::service::Resource::Cpu { "cpu" } else { "memory" };
            json!({ "type": "binpack", "field": field })
        }
        Strategy::Random => json!({ "type": "random" }),
    }
}

fn constraint(c: &Constraint) -> Value {
    match c {
        Constraint::DistinctInstance => json!({ "type": "distinctInstance" }),
        Constraint::MemberOf(q) => json!({ "type": "memberOf", "expression": q.to_string() }),
    }
}

/// awsvpc services: the subnets (ids) and groups (names) their tasks' ENIs have.
fn network_configuration(lab: &Lab, s: &EcsService) -> Value {
    let enis: Vec<&crate::model::Eni> =
        s.tasks.iter().filter_map(|ti| lab.tasks.get(*ti)?.eni).filter_map(|e| lab.enis.get(e)).collect();
    if enis.is_empty() {
        return Value::Null;
    }
    let mut subnets: Vec<String> = enis.iter().map(|e| lab.vpc.subnets[e.subnet].id.clone()).collect();
    subnets.dedup();
    // ecsnet's groups have no ids: their names, as the scenario writes them.
    let groups = enis[0].security_groups.clone();
    json!({ "awsvpcConfiguration": { "subnets": subnets, "securityGroups": groups, "assignPublicIp": "DISABLED" } })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab_rt() -> (Lab, Runtime) {
        let s = crate::scenario::load(std::path::Path::new("scenarios/23-service-placement.yaml")).unwrap();
        let rt = Runtime {
            created_ns: 1_796_000_000 * super::super::NS_PER_SEC,
            now_ns: 1_796_000_010 * super::super::NS_PER_SEC,
            procs: Default::default(),
            stopped: Default::default(),
            registrations: None,
            target_health: vec![],
        };
        (crate::model::build(&s).unwrap(), rt)
    }

    #[test]
    fn describe_services_shape() {
        let (lab, rt) = lab_rt();
        let v = describe(&lab, &rt, &["api", "nope"]);
        let api = &v["services"][0];
        assert_eq!((api["serviceName"].as_str(), api["status"].as_str()), (Some("api"), Some("ACTIVE")));
        assert_eq!((api["desiredCount"].as_u64(), api["runningCount"].as_u64()), (Some(4), Some(4)));
        assert_eq!(api["placementStrategy"][1], json!({ "type": "spread", "field": "instanceId" }));
        assert_eq!(api["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"], json!(["api"]));
        assert_eq!(api["events"][0]["message"].as_str(), Some("service api has reached a steady state."));
        assert_eq!(api["events"][0]["id"].as_str().map(str::len), Some(36));
        assert_eq!(v["failures"][0]["reason"].as_str(), Some("MISSING"));
    }

    #[test]
    fn ps_lists_each_service_with_its_tasks_and_events() {
        let (lab, rt) = lab_rt();
        let out = ps_section(&lab, &rt);
        assert!(out.contains("service/solo     EC2           4         3         0"), "{out}");
        assert!(out.contains("task/solo-4 NOT PLACED (distinctInstance)"), "{out}");
        assert!(out.contains("task/api-2 instance/ecs-3 us-east-1b"), "{out}");
    }
}
