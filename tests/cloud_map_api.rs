//! Cloud Map's DiscoverInstances on real packets (root): the real boto3 in scenario 30's web
//! task asks data-servicediscovery for api's instances and gets the tasks ECS registered, with
//! their ENI addresses; a StopTask takes the task out and its replacement in; a role without
//! servicediscovery:DiscoverInstances is denied in IAM's words.

mod common;
use common::*;
use serde_json::Value;
use std::time::{Duration, Instant};

const SCENARIO: &str = "scenarios/30-service-discovery.yaml";

/// DiscoverInstances for api.corp.local from web's container, with its task role.
fn discover(lab: &str, py: &std::path::Path) -> Value {
    let script = sdk::dir().join("discover_instances.py");
    sdk::run_json_in_task(lab, "task/web/app", py, &[script.to_str().unwrap(), "us-east-1", "corp.local", "api"])
}

/// Each instance id with its AWS_INSTANCE_IPV4.
fn addresses(v: &Value) -> Vec<(String, String)> {
    let m = v["discover"]["instances"].as_object().unwrap_or_else(|| panic!("no instances: {v}"));
    m.iter().map(|(id, a)| (id.clone(), a["AWS_INSTANCE_IPV4"].as_str().unwrap_or("").to_string())).collect()
}

fn registered(lab: &str, tasks: &[&str]) -> Vec<(String, String)> {
    let m = ecsnet::dataplane::state::load_lab(lab).expect("lab");
    let mut v: Vec<(String, String)> = tasks
        .iter()
        .map(|n| {
            let t = m.task(n).unwrap_or_else(|| panic!("task {n}"));
            (t.id.clone(), m.enis[t.eni.expect("awsvpc")].ip.to_string())
        })
        .collect();
    v.sort();
    v
}

#[test]
fn discover_instances_answers_the_tasks_registered_now() {
    need_root!();
    let Some(py) = sdk::python() else { return };
    let lab = "t-cloudmap-api";
    let _g = up_copy(SCENARIO, lab);
    let v = discover(lab, &py);
    assert_eq!(addresses(&v), registered(lab, &["api-1", "api-2"]), "{v}");
    assert_eq!(v["discover"]["health"], serde_json::json!(["HEALTHY"]), "{v}");
    let first = &v["discover"]["instances"].as_object().unwrap().values().next().cloned().unwrap_or_default();
    assert_eq!((first["ECS_SERVICE_NAME"].as_str(), first["REGION"].as_str()), (Some("api"), Some("us-east-1")));
    assert_eq!(v["revision"], v["discover"]["revision"], "{v}");
    assert_eq!(v["missing_service"]["error"], "ServiceNotFound", "{v}");
    assert_eq!(v["missing_namespace"]["error"], "NamespaceNotFound", "{v}");
    let before = v["revision"].as_u64().unwrap_or(0);

    // StopTask: ECS deregisters api-1; the scheduler's replacement is registered once it runs.
    let o = ecsnet(&["stop", lab, "task/api-1", "--wait"]);
    assert!(o.status.success(), "stop: {}", text(&o));
    let until = Instant::now() + Duration::from_secs(30);
    let mut last = Value::Null;
    while Instant::now() < until {
        last = discover(lab, &py);
        let m = ecsnet::dataplane::state::load_lab(lab).expect("lab");
        let now: Vec<&str> =
            m.tasks.iter().filter(|t| t.service.as_deref() == Some("api")).map(|t| t.name.as_str()).collect();
        let running: Vec<&str> = now.into_iter().filter(|n| *n != "api-1").collect();
        if running.len() == 2 && addresses(&last) == registered(lab, &running) {
            assert!(last["revision"].as_u64().unwrap_or(0) > before, "the revision grows: {last}");
            return;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!("api-1 gone, its replacement in: {last}");
}

#[test]
fn a_role_without_the_permission_is_denied() {
    need_root!();
    let Some(py) = sdk::python() else { return };
    let lab = "t-cloudmap-deny";
    let file = scenario_with(SCENARIO, lab, &[("[AWSCloudMapDiscoverInstanceAccess]", "[AmazonS3ReadOnlyAccess]")]);
    let _ = ecsnet(&["down", lab]);
    let _g = LabGuard(lab.to_string());
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "up: {}", text(&o));
    let v = discover(lab, &py);
    assert_eq!(v["discover"]["error"], "AccessDeniedException", "{v}");
    let m = v["discover"]["message"].as_str().unwrap_or("");
    assert!(
        m.contains("/discover-role/")
            && m.ends_with("because no identity-based policy allows the servicediscovery:DiscoverInstances action"),
        "{v}"
    );
}
