//! The scheduler on small labs: where each service task lands and the event for one that
//! does not.

use super::fargate_subnet;
use crate::model::{Lab, build};
use crate::scenario::load_str;
use std::path::Path;

/// Three instances: ecs-1 and ecs-2 in us-east-1a, ecs-3 (m5.large) in us-east-1b.
const BASE: &str = "\
version: 1
name: sch
vpc:
  cidr: 10.0.0.0/16
  subnets:
    - { name: a, cidr: 10.0.1.0/24, availabilityZone: us-east-1a }
    - { name: b, cidr: 10.0.2.0/24, availabilityZone: us-east-1b }
instances:
  - { name: ecs-1, subnet: a }
  - { name: ecs-2, subnet: a }
  - { name: ecs-3, subnet: b, instanceType: m5.large }
taskDefinitions:
  - { family: web, networkMode: bridge, memory: 512, containerDefinitions: [{ name: app, image: nginx, portMappings: [{ containerPort: 80 }] }] }
  - { family: fixed, networkMode: bridge, containerDefinitions: [{ name: app, image: nginx, portMappings: [{ containerPort: 80, hostPort: 80 }] }] }
  - { family: hosted, networkMode: host, containerDefinitions: [{ name: app, image: nginx, portMappings: [{ containerPort: 8080 }] }] }
  - { family: api, networkMode: awsvpc, containerDefinitions: [{ name: app, image: nginx, portMappings: [{ containerPort: 8080 }] }] }
services:
";

fn lab(services: &str) -> Lab {
    let s = load_str(Path::new("sch.yaml"), &format!("{BASE}{services}")).unwrap_or_else(|d| panic!("{d}"));
    build(&s).unwrap()
}

/// The instance of each task of service `svc`, in order.
fn where_(l: &Lab, svc: &str) -> Vec<String> {
    let s = l.service(svc).unwrap();
    s.tasks.iter().map(|ti| l.host_of(&l.tasks[*ti]).trim_start_matches("instance/").to_string()).collect()
}

fn last_event(l: &Lab, svc: &str) -> String {
    l.service(svc).unwrap().events.iter().find(|e| e.contains("unable")).cloned().unwrap_or_default()
}

#[test]
fn spread_by_zone_then_instance() {
    let l = lab(
        "  - serviceName: s\n    taskDefinition: web\n    desiredCount: 4\n    placementStrategy: [{ type: spread, field: 'attribute:ecs.availability-zone' }, { type: spread, field: instanceId }]\n",
    );
    assert_eq!(where_(&l, "s"), ["ecs-1", "ecs-3", "ecs-2", "ecs-3"]);
    let t = &l.tasks[l.service("s").unwrap().tasks[0]];
    assert_eq!(t.name, "s-1");
    assert_eq!(t.group.as_deref(), Some("service:s"));
    assert!(t.started_by.as_deref().is_some_and(|s| s.starts_with("ecs-svc/") && s.len() == 8 + 19));
    let svc = l.service("s").unwrap();
    assert_eq!(svc.running_count(&l.tasks), 4);
    assert!(svc.events.last().unwrap().ends_with("has reached a steady state."));
}

#[test]
fn the_default_strategy_spreads_over_zones() {
    let l = lab("  - { serviceName: s, taskDefinition: web, desiredCount: 3 }\n");
    assert_eq!(where_(&l, "s"), ["ecs-1", "ecs-3", "ecs-1"]);
}

#[test]
fn binpack_memory_fills_the_fullest_instance_first() {
    // c5.large registers 4096 MiB, m5.large 8192: eight 512 MiB tasks fill ecs-1, the ninth
    // goes to ecs-2.
    let l = lab(
        "  - { serviceName: s, taskDefinition: web, desiredCount: 9, placementStrategy: [{ type: binpack, field: memory }] }\n",
    );
    let w = where_(&l, "s");
    assert!(w[..8].iter().all(|i| i == "ecs-1"), "{w:?}");
    assert_eq!(w[8], "ecs-2");
}

#[test]
fn distinct_instance_leaves_a_task_unplaced_with_ecs_event() {
    let l = lab(
        "  - { serviceName: s, taskDefinition: web, desiredCount: 4, placementConstraints: [{ type: distinctInstance }] }\n",
    );
    assert_eq!(where_(&l, "s").len(), 3);
    let svc = l.service("s").unwrap();
    assert_eq!(svc.unplaced.len(), 1);
    assert_eq!(svc.unplaced[0].n, 4);
    let id = crate::model::control_plane::container_instance_id("sch", "ecs-1");
    assert_eq!(
        last_event(&l, "s"),
        format!(
            "service s was unable to place a task because no container instance met all of its requirements. The closest matching container-instance {id} encountered error \"DistinctInstance placement constraint unsatisfied.\". For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
        )
    );
    // Kept as a task RunTask refused (so that expectations can name it), on the closest
    // matching instance, with the event as its reason; not one of the service's tasks.
    let t = l.task("s-4").expect("s-4 is named");
    assert_eq!(l.host_of(t), "instance/ecs-1");
    let f = t.placement.as_ref().unwrap_err();
    assert_eq!((f.reason(), f.message()), ("distinctInstance", last_event(&l, "s")));
    assert!(!svc.tasks.contains(&l.tasks.iter().position(|t| t.name == "s-4").unwrap()));
    assert!(!svc.events.iter().any(|e| e.contains("steady state")));
}

#[test]
fn member_of_keeps_the_matching_instances() {
    let l = lab(
        "  - { serviceName: s, taskDefinition: web, desiredCount: 2, placementConstraints: [{ type: memberOf, expression: 'attribute:ecs.availability-zone == us-east-1b' }] }\n",
    );
    assert_eq!(where_(&l, "s"), ["ecs-3", "ecs-3"]);
    let l = lab(
        "  - { serviceName: s, taskDefinition: web, desiredCount: 1, placementConstraints: [{ type: memberOf, expression: 'attribute:ecs.instance-type == t3.*' }] }\n",
    );
    assert!(last_event(&l, "s").contains("MemberOf placement constraint unsatisfied."));
}

#[test]
fn random_is_the_same_every_time() {
    let text = "  - { serviceName: s, taskDefinition: web, desiredCount: 6, placementStrategy: [{ type: random }] }\n";
    let a = where_(&lab(text), "s");
    assert_eq!(a, where_(&lab(text), "s"));
    assert!(a.iter().any(|i| i != &a[0]), "a shuffle, not always the first: {a:?}");
}

#[test]
fn eni_attachment_points_run_out() {
    // c5.large and m5.large take 2 task ENIs each: 6 tasks fit, the 7th does not.
    let l = lab(
        "  - { serviceName: s, taskDefinition: api, desiredCount: 7, networkConfiguration: { awsvpcConfiguration: { subnets: [a, b] } } }\n",
    );
    assert_eq!(where_(&l, "s").len(), 6);
    assert!(last_event(&l, "s").contains("encountered error \"RESOURCE:ENI\"."), "{}", last_event(&l, "s"));
    // A subnet only in us-east-1a: ecs-3 is missing the attribute.
    let l = lab(
        "  - { serviceName: s, taskDefinition: api, desiredCount: 5, networkConfiguration: { awsvpcConfiguration: { subnets: [a] } } }\n",
    );
    // The default spreads over zones only: ties go to the first instance in the file.
    assert_eq!(where_(&l, "s"), ["ecs-1", "ecs-1", "ecs-2", "ecs-2"]);
    assert!(last_event(&l, "s").contains("RESOURCE:ENI"), "ecs-1 got further than ecs-3");
}

#[test]
fn static_ports_conflict_on_bridge_and_host() {
    let l = lab("  - { serviceName: s, taskDefinition: fixed, desiredCount: 4 }\n");
    assert_eq!(where_(&l, "s").len(), 3);
    assert!(last_event(&l, "s").contains("is already using a port required by your task."));
    let l = lab(
        "  - { serviceName: h, taskDefinition: hosted, desiredCount: 4, placementStrategy: [{ type: spread, field: host }] }\n",
    );
    assert_eq!(where_(&l, "h"), ["ecs-1", "ecs-2", "ecs-3"]);
    assert!(last_event(&l, "h").contains("is already using a port required by your task."));
}

#[test]
fn fargate_tasks_go_round_the_zones() {
    let listed = [("a1", "us-east-1a"), ("a2", "us-east-1a"), ("b1", "us-east-1b")];
    let picks: Vec<usize> = (1..=5).map(|n| fargate_subnet(&listed, n).unwrap()).collect();
    assert_eq!(picks, [0, 2, 1, 2, 0]);
    assert_eq!(fargate_subnet(&[], 1), None);
}
