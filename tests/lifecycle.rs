//! A running lab whose tasks change, on real packets (root): `ecsnet stop` (StopTask) drains a
//! service task's target for the group's deregistration delay while the ALB sends it nothing
//! new, then stops it (its namespace and its ENI's link on the VPC router gone) while the
//! service scheduler's replacement, with a new ENI and address, registers and turns healthy;
//! and scenario 28, whose service fails its health checks, replaced by ECS on its own.

mod common;
use common::*;
use std::time::{Duration, Instant};

const SCENARIO: &str = "scenarios/28-service-health-replacement.yaml";

/// The task `name` of the lab's model now (`lab.json`), if any.
fn task(lab: &str, name: &str) -> Option<serde_json::Value> {
    lab_json(lab)["tasks"].as_array()?.iter().find(|t| t["name"] == name).cloned()
}

/// Polls `f` every 200 ms for at most `limit`.
fn wait_for(limit: Duration, what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Who answered `n` requests through the ALB (the responder's `task` field).
fn served(lab: &str, n: usize) -> Vec<String> {
    let dns = lab_json(lab)["load_balancers"][0]["dns_name"].as_str().unwrap().to_string();
    (0..n)
        .map(|_| {
            let o = ecsnet(&["exec", lab, "internet", "--", "curl", "-s", "-m", "5", &format!("http://{dns}/")]);
            let v: serde_json::Value = serde_json::from_str(text(&o).trim()).unwrap_or_default();
            v["task"].as_str().unwrap_or("none").to_string()
        })
        .collect()
}

fn ns_exists(ns: &str) -> bool {
    std::path::Path::new("/run/netns").join(ns).exists()
}

#[test]
fn stop_task_drains_stops_and_the_service_replaces_it() {
    need_root!();
    let lab = "lc-stop";
    // A web-only copy: api's health checks would have ECS replacing tasks beside the test.
    let file = scenario_with(
        SCENARIO,
        lab,
        &[
            ("deregistrationDelayTimeoutSeconds: 5", "deregistrationDelayTimeoutSeconds: 4"),
            ("taskDefinition: web\n    desiredCount: 1", "taskDefinition: web\n    desiredCount: 2"),
            ("x-ecsnet: { httpStatus: { /health: 404 } }", "x-ecsnet: { httpStatus: { /health: 200 } }"),
        ],
    );
    let _ = ecsnet(&["down", lab]);
    let _g = LabGuard(lab.to_string());
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "up: {}", text(&o));
    let web1 = task(lab, "web-1").expect("web-1");
    let ns = web1["ns"].as_str().unwrap().to_string();
    let eni = web1["eni"].as_u64().unwrap() as usize;
    let link = lab_json(lab)["enis"][eni]["router_link"].as_str().unwrap().to_string();
    // Both targets healthy first (interval 5, healthy threshold 2).
    wait_for(Duration::from_secs(30), "web-1 and web-2 serving", || {
        let s = served(lab, 4);
        s.contains(&"web-1".to_string()) && s.contains(&"web-2".to_string())
    });

    let o = ecsnet(&["stop", lab, "task/web-1", "--reason", "scaling in by hand"]);
    let out = text(&o);
    assert!(o.status.success() && out.contains("DEACTIVATING") && out.contains("4 s"), "{out}");
    // Draining: the ALB sends it no new request; it still runs.
    let during = served(lab, 6);
    assert!(!during.contains(&"web-1".to_string()), "{during:?}");
    let ps = text(&ecsnet(&["ps", lab]));
    assert!(ps.contains("task/web-1 DEACTIVATING (scaling in by hand)"), "{ps}");
    assert!(ns_exists(&ns), "it runs while its target drains");
    let health = std::fs::read_dir(format!("/run/ecsnet/{lab}")).unwrap().flatten().any(|e| {
        e.file_name().to_string_lossy().starts_with("target-health.")
            && std::fs::read_to_string(e.path()).unwrap_or_default().contains("Target.DeregistrationInProgress")
    });
    assert!(health, "a node reports web-1 draining");

    // The delay over: STOPPED, its namespace and its ENI's router link gone.
    wait_for(Duration::from_secs(15), "web-1 STOPPED", || {
        task(lab, "web-1").is_some_and(|t| !t["stop"]["stopped_at"].is_null())
    });
    wait_for(Duration::from_secs(5), "web-1's namespace gone", || !ns_exists(&ns));
    let links = sh(&format!("ip -n ecsnet.{lab}.vpc -o link show"));
    assert!(!links.contains(&link), "{link} still on the router: {links}");
    let ps = text(&ecsnet(&["ps", lab]));
    assert!(ps.contains("STOPPED") && ps.contains("scaling in by hand"), "{ps}");

    // The replacement: a new task with a new address, registered, healthy, serving.
    let web3 = task(lab, "web-3").expect("the service placed web-3");
    let ip3 = lab_json(lab)["enis"][web3["eni"].as_u64().unwrap() as usize]["ip"].as_str().unwrap().to_string();
    assert_ne!(ip3, lab_json(lab)["enis"][eni]["ip"].as_str().unwrap(), "a new address");
    wait_for(Duration::from_secs(30), "web-3 serving", || served(lab, 4).contains(&"web-3".to_string()));
    let events = lab_json(lab)["services"][0]["events"].to_string();
    assert!(events.contains("has stopped 1 running tasks") && events.contains("has started 1 tasks"), "{events}");
    // The running lab agrees with its model.
    let o = ecsnet(&["check", lab]);
    assert!(!text(&o).contains("MISMATCH"), "{}", text(&o));
    let o = ecsnet(&["down", lab]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(leftovers(lab).is_empty(), "{:?}", leftovers(lab));
}

#[test]
fn ecs_replaces_service_tasks_that_fail_their_health_checks() {
    need_root!();
    let lab = "lc-health";
    let _g = up_copy(SCENARIO, lab);
    let api1 = task(lab, "api-1").unwrap();
    let ns = api1["ns"].as_str().unwrap().to_string();
    // Unhealthy after 2 checks 5 s apart; deregistration delay 0.
    wait_for(Duration::from_secs(40), "api-1 stopped by the scheduler", || {
        task(lab, "api-1").is_some_and(|t| !t["stop"]["stopped_at"].is_null())
    });
    let t = task(lab, "api-1").unwrap();
    assert_eq!(t["stop"]["code"], "ServiceSchedulerInitiated");
    let reason = t["stop"]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:"),
        "{reason}"
    );
    wait_for(Duration::from_secs(5), "api-1's namespace gone", || !ns_exists(&ns));
    assert!(task(lab, "api-3").is_some(), "a replacement");
    let svc = lab_json(lab)["services"].as_array().unwrap().iter().find(|s| s["name"] == "api").cloned().unwrap();
    let events = svc["events"].to_string();
    assert!(
        events.contains(
            "is unhealthy in (target-group api) due to (reason Health checks failed with these codes: [404])"
        ),
        "{events}"
    );
    // The healthy service is left alone.
    assert!(task(lab, "web-1").is_some_and(|t| t["stop"].is_null()));
}
