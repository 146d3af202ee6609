//! ECS services on a real lab (scenario 23): the tasks run where the scheduler put them (the
//! instance `docker ps` shows each task's containers on, the subnet of each awsvpc task's ENI
//! as its namespace shows it), the services' tasks reach each other on packets, and the task
//! the scheduler could not place does not exist in the lab. Lab names start with `svc-`.

mod common;
use common::*;
use serde_json::Value;

const SCENARIO: &str = "scenarios/23-service-placement.yaml";

fn json(o: &std::process::Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

/// Where the scheduler put each task of `service` (model): task name -> (instance, zone).
fn placements(file: &str, service: &str) -> Vec<(String, Option<(String, String)>)> {
    let v = json(&ecsnet(&["explain", file, &format!("service/{service}"), "--placement", "--json"]));
    let tasks = v["tasks"].as_array().expect("tasks");
    let inst = |t: &Value| {
        let i = t["instance"].as_array()?;
        Some((i[0].as_str()?.to_string(), i[1].as_str()?.to_string()))
    };
    tasks.iter().map(|t| (t["task"].as_str().unwrap_or_default().to_string(), inst(t))).collect()
}

/// The task ids of a service's started tasks, in task order (its "has started" event).
fn started_ids(lab: &str, service: &str) -> Vec<String> {
    let v = json(&ecsnet(&["inspect", lab, &format!("service/{service}")]));
    let events = v["services"][0]["events"].as_array().cloned().unwrap_or_default();
    let started = events.iter().filter_map(|e| e["message"].as_str()).find(|m| m.contains("has started")).unwrap_or("");
    started.split("(task ").skip(1).map(|s| s.trim_end_matches([')', '.', ' ']).to_string()).collect()
}

/// The instance `docker ps` shows the containers of task `id` on.
fn instance_of(ps: &[Value], id: &str) -> Vec<String> {
    let on = ps.iter().filter(|c| c["Labels"].as_str().is_some_and(|l| l.contains(&format!("/{id}"))));
    let mut v: Vec<String> = on.filter_map(|c| c["Instance"].as_str().map(String::from)).collect();
    v.dedup();
    v
}

#[test]
fn service_tasks_run_where_the_scheduler_put_them() {
    need_root!();
    let lab = "svc-it";
    let file = scenario_copy(SCENARIO, lab);
    let f = file.to_str().unwrap();
    let _g = LabGuard(lab.to_string());
    let up = ecsnet(&["up", f]);
    assert!(up.status.success(), "{}", text(&up));
    let ps: Vec<Value> = String::from_utf8_lossy(&ecsnet(&["ps", lab, "--format", "json"]).stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    for service in ["api", "web", "solo", "pinned"] {
        let model = placements(f, service);
        let placed: Vec<&(String, Option<(String, String)>)> = model.iter().filter(|(_, i)| i.is_some()).collect();
        let ids = started_ids(lab, service);
        assert_eq!(ids.len(), placed.len(), "{service}: {ids:?} {model:?}");
        assert!(!ids.is_empty(), "{service}: no task started");
        for ((task, inst), id) in placed.iter().zip(&ids) {
            let (instance, zone) = inst.clone().unwrap();
            assert_eq!(instance_of(&ps, id), std::slice::from_ref(&instance), "task/{task} (id {id})");
            if service == "api" {
                // Its ENI is in the service's subnet of the instance's zone.
                let addr = text(&ecsnet(&["exec", lab, &format!("task/{task}"), "--", "ip", "-4", "-o", "addr"]));
                let net = if zone == "us-east-1a" { "inet 10.23.1." } else { "inet 10.23.2." };
                assert!(addr.contains(net), "task/{task} on {instance} in {zone}: {addr}");
            }
        }
    }
    // solo-4: not placed, so nothing of it runs: three solo tasks' containers, no namespace.
    let solo = ps.iter().filter(|c| c["Labels"].as_str().is_some_and(|l| l.contains("task-definition-family=solo")));
    assert_eq!(solo.count(), 3);
    let none = ecsnet(&["exec", lab, "task/solo-4", "--", "true"]);
    assert!(!none.status.success(), "task/solo-4 exists: {}", text(&none));
    // Traffic between services' tasks flows on packets: every expectation of the scenario
    // (service/web -> service/api, the service states judged on the running lab).
    let check = ecsnet(&["check", lab]);
    assert!(check.status.success() && !text(&check).contains("MISMATCH"), "{}", text(&check));
    let probe = ecsnet(&["probe", lab, "task/web-2", "task/api-3:8080"]);
    assert!(probe.status.success(), "{}", text(&probe));
    drop(_g);
    assert!(leftovers(lab).is_empty(), "{:?}", leftovers(lab));
}
