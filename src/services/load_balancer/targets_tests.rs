use super::*;
use crate::services::load_balancer::health::Outcome;

fn target(name: &str, last: u8) -> GroupTarget {
    GroupTarget {
        node: format!("task/{name}"),
        id: format!("10.0.1.{last}"),
        ip: std::net::Ipv4Addr::new(10, 0, 1, last),
        port: 80,
        health_check_port: 80,
        in_use: true,
        in_rotation: true,
        by_service: true,
    }
}

fn group(targets: Vec<GroupTarget>, delay: u32) -> Group {
    Group {
        name: "web".into(),
        health_check: HealthCheck::default(),
        targets,
        preserve_client_ip: false,
        deregistration_delay_seconds: delay,
    }
}

/// (node, state, reason) of every target, in the table's order.
fn states(t: &Targets) -> Vec<(String, String, Option<String>)> {
    t.all().into_iter().map(|h| (h.target, h.state, h.reason)).collect()
}

fn serial_of(t: &Targets, node: &str) -> u64 {
    t.entries.iter().find(|e| e.target.node == node && !e.draining()).map(|e| e.serial).expect(node)
}

fn healthy(t: &mut Targets, node: &str) {
    let s = serial_of(t, node);
    t.update(s, &HealthCheck::default(), Outcome::Success);
}

#[test]
fn a_kept_target_keeps_its_health_and_a_new_one_registers() {
    let now = Instant::now();
    let mut t = Targets::new(&[group(vec![target("a", 5)], 3)]);
    healthy(&mut t, "task/a");
    let a = serial_of(&t, "task/a");
    let changes = t.register(&[group(vec![target("a", 5), target("b", 6)], 3)], now);
    assert_eq!(serial_of(&t, "task/a"), a, "same checker");
    assert_eq!(changes, Changes { fresh: vec![serial_of(&t, "task/b")], drains: vec![] });
    let s = states(&t);
    assert_eq!(s[0], ("task/a".into(), "healthy".into(), None));
    assert_eq!(s[1], ("task/b".into(), "initial".into(), Some("Elb.RegistrationInProgress".into())));
    assert_eq!(t.all()[1].description.as_deref(), Some("Target registration is in progress"));
    // Its first check failed: still initial, now checking.
    let b = serial_of(&t, "task/b");
    t.update(b, &HealthCheck::default(), Outcome::Timeout);
    assert_eq!(states(&t)[1].2.as_deref(), Some("Elb.InitialHealthChecking"));
    assert_eq!(t.checkers(), vec![a, b]);
}

#[test]
fn a_deregistered_target_drains_for_the_delay_then_leaves() {
    let now = Instant::now();
    let mut t = Targets::new(&[group(vec![target("a", 5), target("b", 6)], 3)]);
    healthy(&mut t, "task/a");
    healthy(&mut t, "task/b");
    let b = serial_of(&t, "task/b");
    let changes = t.register(&[group(vec![target("a", 5)], 3)], now);
    assert_eq!(changes, Changes { fresh: vec![], drains: vec![Duration::from_secs(3)] });
    let h = t.all().into_iter().find(|h| h.target == "task/b").expect("still listed");
    assert_eq!(h.state, "draining");
    assert_eq!(h.reason.as_deref(), Some("Target.DeregistrationInProgress"));
    assert_eq!(h.description.as_deref(), Some("Target deregistration is in progress"));
    assert_eq!(t.checked(b), None, "no more health checks");
    t.update(b, &HealthCheck::default(), Outcome::Success);
    assert_eq!(t.all()[1].state, "draining", "a late check does not revive it");
    for _ in 0..10 {
        assert_eq!(t.pick("web").map(|g| g.node), Some("task/a".into()), "no new request");
    }
    assert!(!t.purge(now + Duration::from_millis(2999)));
    assert_eq!(t.all().len(), 2);
    assert!(t.purge(now + Duration::from_secs(3)));
    assert_eq!(states(&t), vec![("task/a".into(), "healthy".into(), None)]);
}

#[test]
fn a_delay_of_zero_ends_the_drain_at_once() {
    let mut t = Targets::new(&[group(vec![target("a", 5), target("b", 6)], 0)]);
    t.register(&[group(vec![target("a", 5)], 0)], Instant::now());
    assert_eq!(t.all().len(), 1);
}

#[test]
fn a_target_registered_again_while_draining_starts_over() {
    let now = Instant::now();
    let mut t = Targets::new(&[group(vec![target("a", 5), target("b", 6)], 300)]);
    healthy(&mut t, "task/b");
    let old = serial_of(&t, "task/b");
    t.register(&[group(vec![target("a", 5)], 300)], now);
    let changes = t.register(&[group(vec![target("a", 5), target("b", 6)], 300)], now + Duration::from_secs(1));
    let new = serial_of(&t, "task/b");
    assert_ne!(new, old);
    assert_eq!(changes.fresh, vec![new]);
    assert_eq!(t.checked(old), None, "the old checker stops");
    assert_eq!(states(&t)[1], ("task/b".into(), "initial".into(), Some("Elb.RegistrationInProgress".into())));
    assert!(!t.purge(now + Duration::from_secs(301)), "no drain left");
    assert_eq!(t.all().len(), 2);
}

#[test]
fn fail_open_never_includes_a_draining_target() {
    let now = Instant::now();
    let mut t = Targets::new(&[group(vec![target("a", 5), target("b", 6), target("c", 7)], 300)]);
    healthy(&mut t, "task/c");
    t.register(&[group(vec![target("a", 5), target("b", 6)], 300)], now);
    // c, the only healthy one, drains: a and b (neither healthy) are the pool.
    let pool: Vec<String> = t.pool("web", |g| g.in_rotation).into_iter().map(|g| g.node).collect();
    assert_eq!(pool, vec!["task/a".to_string(), "task/b".to_string()]);
    t.register(&[group(vec![], 300)], now);
    assert!(t.pool("web", |g| g.in_rotation).is_empty(), "everything draining: nothing to send to");
    assert_eq!(t.pick("web"), None);
    assert_eq!(t.all().iter().filter(|h| h.state == "draining").count(), 3);
}

#[test]
fn a_group_no_longer_listed_drains_with_its_own_delay() {
    let now = Instant::now();
    let mut t = Targets::new(&[group(vec![target("a", 5)], 7)]);
    let changes = t.register(&[], now);
    assert_eq!(changes.drains, vec![Duration::from_secs(7)]);
    assert!(t.group("web").is_none());
    assert!(t.purge(now + Duration::from_secs(7)));
}

#[test]
fn the_delay_defaults_to_elbs_and_comes_from_the_model() {
    let j = serde_json::json!({ "name": "web", "health_check": HealthCheck::default(), "targets": [] });
    let g: Group = serde_json::from_value(j).expect("group");
    assert_eq!(g.deregistration_delay_seconds, 300);
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/24-alb-awsvpc.yaml");
    let mut lab = crate::model::build(&crate::scenario::load(&p).expect("scenario")).expect("model");
    lab.target_groups[0].deregistration_delay_seconds = 3;
    let node = lab.load_balancers[0].nodes[0];
    let spec = crate::services::load_balancer::node_spec(&lab, 0, node);
    let g = spec.groups.iter().find(|g| g.name == lab.target_groups[0].name).expect("group");
    assert_eq!(g.deregistration_delay_seconds, 3);
}

/// A node without listeners, in no namespace: what needs neither root nor a lab.
fn bare(groups: Vec<Group>) -> crate::services::load_balancer::Spec {
    crate::services::load_balancer::Spec {
        ns: String::new(),
        lb: "web".into(),
        az: "ap-northeast-1a".into(),
        ip: std::net::Ipv4Addr::LOCALHOST,
        dns_name: "web.example".into(),
        network: false,
        listeners: vec![],
        groups,
        health_file: None,
        ca: (String::new(), String::new()),
    }
}

#[tokio::test]
async fn a_running_node_ends_a_drain_on_its_own() {
    let mut unused = target("a", 5);
    unused.in_use = false; // not checked: no connection is tried
    let spec = bare(vec![group(vec![unused], 1)]);
    let node = crate::services::load_balancer::start_node(&spec, "t".into(), vec![]).expect("node");
    assert_eq!(node.report().targets[0].state, "unused");
    node.register(vec![group(vec![], 1)]);
    assert_eq!(node.report().targets[0].state, "draining");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // The timer dropped it (report() would too: check the table itself).
    assert!(node.0.targets.lock().expect("table").all().is_empty());
}

#[test]
fn a_node_needs_a_runtime_and_says_so() {
    let spec = bare(vec![]);
    assert!(crate::services::load_balancer::start_node(&spec, "t".into(), vec![]).is_err());
}

#[test]
fn a_service_task_that_did_not_start_is_never_registered() {
    let by_hand = GroupTarget { by_service: false, ..target("c", 7) };
    let groups = vec![group(vec![target("a", 5), target("b", 6), by_hand], 300)];
    let not_started: std::collections::HashSet<&str> = ["b", "c"].into_iter().collect();
    let kept = crate::services::load_balancer::registered(&groups, &not_started);
    let names: Vec<&str> = kept[0].targets.iter().map(|t| t.node.as_str()).collect();
    // b was the service's: ECS never registered it; c was registered by hand: it stays.
    assert_eq!(names, ["task/a", "task/c"]);
}
