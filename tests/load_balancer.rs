//! Application load balancers on real packets (root): a client on the lab's internet reaches
//! awsvpc tasks through the ALB's DNS name, the tasks see a node's private address with the
//! client's in X-Forwarded-For, a direct hit on a task fails, and the nodes' health checks move
//! targets through DescribeTargetHealth's states within the configured intervals (scenario 24).

mod common;
use common::*;
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

/// `ecsnet exec LAB NODE -- ARGS...`: (success, stdout).
fn exec(lab: &str, node: &str, args: &[&str]) -> (bool, String) {
    let o = Command::new(bin()).args(["exec", lab, node, "--"]).args(args).output().expect("exec");
    (o.status.success(), String::from_utf8_lossy(&o.stdout).to_string())
}

/// A GET from the internet's client: the identity JSON a target's responder answered with.
fn get(lab: &str, url: &str) -> Option<Value> {
    let (ok, out) = exec(lab, "internet", &["curl", "--noproxy", "*", "-s", "-m", "5", url]);
    if !ok {
        return None;
    }
    serde_json::from_str(out.trim()).ok()
}

/// Every node's view of `target` in `group`: (state, reason).
fn health(lab: &str, group: &str, target: &str) -> Vec<(String, Option<String>)> {
    let mut out = vec![];
    for e in std::fs::read_dir(format!("/run/ecsnet/{lab}")).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if !name.starts_with("target-health.") {
            continue;
        }
        let Ok(v) = serde_json::from_slice::<Value>(&std::fs::read(e.path()).unwrap_or_default()) else { continue };
        for t in v["targets"].as_array().into_iter().flatten() {
            if t["group"] == group && t["target"] == target {
                out.push((t["state"].as_str().unwrap_or("").to_string(), t["reason"].as_str().map(str::to_string)));
            }
        }
    }
    out
}

/// Wait until every node sees `target` in `state`, at most `within`.
fn wait_state(lab: &str, group: &str, target: &str, state: &str, within: Duration) -> Vec<(String, Option<String>)> {
    let start = Instant::now();
    loop {
        let h = health(lab, group, target);
        if h.len() == 2 && h.iter().all(|(s, _)| s == state) {
            return h;
        }
        assert!(start.elapsed() < within, "{group}/{target} not {state} within {within:?}: {h:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn the_alb_proxies_from_its_nodes_and_checks_its_targets() {
    need_root!();
    let lab = "alb-t1";
    let _g = up_copy("scenarios/24-alb-awsvpc.yaml", lab);
    let model = lab_json(lab);
    let lb = &model["load_balancers"][0];
    let name = lb["dns_name"].as_str().unwrap().to_string();
    assert!(name.starts_with("web-") && name.ends_with(".ap-northeast-1.elb.amazonaws.com"), "{name}");
    let enis = model["enis"].as_array().unwrap();
    let node = |k: &Value| &enis[k.as_u64().unwrap() as usize];
    let privates: Vec<String> =
        lb["nodes"].as_array().unwrap().iter().map(|k| node(k)["ip"].as_str().unwrap().into()).collect();
    let publics: Vec<String> =
        lb["nodes"].as_array().unwrap().iter().map(|k| node(k)["public_ip"].as_str().unwrap().into()).collect();

    // The name resolves to the nodes' public addresses, on the internet and inside the VPC.
    for from in ["internet", "task/web-a"] {
        let (ok, out) = exec(lab, from, &["getent", "ahostsv4", &name]);
        assert!(ok, "{from}: {out}");
        for p in &publics {
            assert!(out.contains(p.as_str()), "{from}: {name} -> {out}");
        }
    }

    // Through the name: a target answers, seeing a node's private address, the client in XFF.
    let id = get(lab, &format!("http://{name}/")).expect("an answer through the ALB");
    assert!(id["node"].as_str().unwrap().starts_with("task/web-"), "{id}");
    let peer = id["peer"].as_str().unwrap().split(':').next().unwrap().to_string();
    assert!(privates.contains(&peer), "the source is a node's private address: {peer} not in {privates:?}");
    assert_eq!(id["forwarded"]["x-forwarded-for"], "203.0.113.10", "{id}");
    assert_eq!(id["forwarded"]["x-forwarded-proto"], "http");
    assert_eq!(id["forwarded"]["x-forwarded-port"], "80");
    // The path rule.
    let id = get(lab, &format!("http://{name}/api/orders")).expect("api");
    assert_eq!(id["node"], "task/api-a/app", "{id}");
    // Round robin (cross-zone): both web tasks answer.
    let served: Vec<String> = (0..6)
        .filter_map(|_| get(lab, &format!("http://{}/", publics[0])))
        .map(|v| v["task"].as_str().unwrap().into())
        .collect();
    assert!(served.contains(&"web-a".to_string()) && served.contains(&"web-c".to_string()), "{served:?}");

    // The task has no public address and admits only the ALB's group.
    let task = enis.iter().find(|e| e["owner"]["Task"] == 0).expect("task/web-a's ENI");
    assert!(get(lab, &format!("http://{}/", task["ip"].as_str().unwrap())).is_none(), "a direct hit is blocked");
    let (ok, _) = exec(lab, "task/api-a", &["curl", "--noproxy", "*", "-s", "-m", "2", "http://10.24.11.5/"]);
    assert!(!ok, "a peer task outside the ALB's group is blocked");

    // Health: web passes its first check (interval 5 s); api's /health answers 404 and two
    // failures (unhealthy threshold 2, interval 5 s) make it unhealthy, and the ALB fails open.
    wait_state(lab, "web", "task/web-a", "healthy", Duration::from_secs(8));
    let h = wait_state(lab, "api", "task/api-a", "unhealthy", Duration::from_secs(16));
    assert!(h.iter().all(|(_, r)| r.as_deref() == Some("Target.ResponseCodeMismatch")), "{h:?}");
    let id = get(lab, &format!("http://{name}/api/orders")).expect("fail open");
    assert_eq!(id["node"], "task/api-a/app", "{id}");
}

#[test]
fn a_group_without_targets_gets_503_and_fixed_responses_come_from_the_node() {
    need_root!();
    let lab = "alb-t2";
    let body = r#"version: 1
name: alb-t2
vpc:
  cidr: 10.25.0.0/16
  internetGateway: true
  subnets:
    - { name: a, cidr: 10.25.0.0/24, availabilityZone: us-east-1a, routeTable: public }
    - { name: b, cidr: 10.25.1.0/24, availabilityZone: us-east-1b, routeTable: public }
  routeTables:
    - name: public
      routes: [{ destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway }]
  securityGroups:
    - name: alb
      ingress: [{ protocol: tcp, ports: 80, source: 0.0.0.0/0 }]
targetGroups:
  - { name: empty, port: 80, targetType: ip }
loadBalancers:
  - name: edge
    subnets: [a, b]
    securityGroups: [alb]
    listeners:
      - port: 80
        defaultActions: [{ type: forward, targetGroupArn: empty }]
        rules:
          - priority: 1
            conditions: [{ field: path-pattern, values: [/maintenance] }]
            actions: [{ type: fixed-response, fixedResponseConfig: { statusCode: "503", messageBody: down } }]
          - priority: 2
            conditions: [{ field: path-pattern, values: [/old/*] }]
            actions: [{ type: redirect, redirectConfig: { statusCode: HTTP_302, path: "/new/#{path}" } }]
"#;
    let file = write_scenario(lab, body);
    let _ = ecsnet(&["down", lab]);
    let _g = LabGuard(lab.to_string());
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "up: {}", text(&o));
    let model = lab_json(lab);
    let name = model["load_balancers"][0]["dns_name"].as_str().unwrap().to_string();
    let curl = |path: &str| {
        let url = format!("http://{name}{path}");
        exec(lab, "internet", &["curl", "--noproxy", "*", "-s", "-m", "5", "-i", &url]).1
    };
    let out = curl("/");
    assert!(out.starts_with("HTTP/1.1 503 Service Unavailable\r\n") && out.contains("Server: awselb/2.0"), "{out}");
    let out = curl("/maintenance");
    assert!(out.starts_with("HTTP/1.1 503 ") && out.ends_with("down"), "{out}");
    let out = curl("/old/page");
    assert!(out.starts_with("HTTP/1.1 302 Found\r\n"), "{out}");
    assert!(out.contains(&format!("Location: http://{name}/new/old/page\r\n")), "{out}");
}

/// Every node's view of group `group`: (target, id, port, state, reason).
fn targets(lab: &str, group: &str) -> Vec<(String, String, u64, String, Option<String>)> {
    let mut out = vec![];
    for e in std::fs::read_dir(format!("/run/ecsnet/{lab}")).unwrap().flatten() {
        let n = e.file_name().to_string_lossy().to_string();
        // Not the `.tmp` a node is writing: it would count that node twice.
        if !n.starts_with("target-health.") || !n.ends_with(".json") {
            continue;
        }
        let Ok(v) = serde_json::from_slice::<Value>(&std::fs::read(e.path()).unwrap_or_default()) else { continue };
        for t in v["targets"].as_array().into_iter().flatten().filter(|t| t["group"] == group) {
            let s = |k: &str| t[k].as_str().unwrap_or("").to_string();
            out.push((
                s("target"),
                s("id"),
                t["port"].as_u64().unwrap_or(0),
                s("state"),
                t["reason"].as_str().map(str::to_string),
            ));
        }
    }
    out
}

#[test]
fn bridge_tasks_on_dynamic_host_ports_are_instance_targets() {
    need_root!();
    let lab = "alb-t3";
    let _g = up_copy("scenarios/25-alb-bridge-dynamic-ports.yaml", lab);
    let name = lab_json(lab)["load_balancers"][0]["dns_name"].as_str().unwrap().to_string();
    // Registered as the instance id and the host port the agent chose.
    let t = targets(lab, "web");
    assert_eq!(t.len(), 4, "two targets seen by two nodes: {t:?}");
    for (target, id, port, _, _) in &t {
        assert!(id.starts_with("i-"), "{t:?}");
        let want = if target == "task/web-1" { 32768 } else { 32769 };
        assert_eq!(*port, want, "{t:?}");
    }
    // Traffic arrives at the containers through the instance's host ports.
    let served: Vec<String> = (0..6)
        .filter_map(|_| get(lab, &format!("http://{name}/")))
        .map(|v| v["node"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(served.contains(&"task/web-1/app".into()) && served.contains(&"task/web-2/app".into()), "{served:?}");
    wait_state(lab, "web", "task/web-1", "healthy", Duration::from_secs(10));
    drop(_g);

    // An instance group admitting only port 80 from the ALB: the health checks to the dynamic
    // ports time out.
    let lab = "alb-t4";
    let text25 = std::fs::read_to_string(scenario_copy("scenarios/25-alb-bridge-dynamic-ports.yaml", lab)).unwrap();
    let file = write_scenario(lab, &text25.replace("ports: 32768-65535, source: sg/alb", "ports: 80, source: sg/alb"));
    let _ = ecsnet(&["down", lab]);
    let _g = LabGuard(lab.to_string());
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "up: {}", text(&o));
    let h = wait_state(lab, "web", "task/web-1", "unhealthy", Duration::from_secs(20));
    assert!(h.iter().all(|(_, r)| r.as_deref() == Some("Target.Timeout")), "{h:?}");
}

/// An application's own HTTP client (Python's urllib, not curl) in a task of a private subnet
/// reaches the internet-facing ALB by its DNS name, out through the NAT gateway and back in
/// through the internet gateway, as on AWS: the ALB sees the NAT's Elastic IP as the client (in
/// X-Forwarded-For), the target a node's private address, and the requests spread over both
/// web tasks.
#[test]
fn a_python_client_in_a_task_reaches_the_internet_facing_alb_through_the_nat() {
    need_root!();
    let lab = "alb-py";
    let _g = up_copy("scenarios/24-alb-awsvpc.yaml", lab);
    let model = lab_json(lab);
    let lb = &model["load_balancers"][0];
    let name = lb["dns_name"].as_str().unwrap().to_string();
    let enis = model["enis"].as_array().unwrap();
    let privates: Vec<&str> = lb["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| enis[k.as_u64().unwrap() as usize]["ip"].as_str().unwrap())
        .collect();
    let eip = model["nats"][0]["eip"].as_str().expect("the NAT gateway's EIP").to_string();

    let client = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/alb_client.py");
    let url = format!("http://{name}/");
    let (ok, out) = exec(lab, "task/web-a", &["python3", client.to_str().unwrap(), &url, "6"]);
    assert!(ok, "the client ran: {out}");
    let seen: Vec<Value> = serde_json::from_str(out.trim()).expect("the client's JSON");
    assert_eq!(seen.len(), 6, "{out}");
    for r in &seen {
        assert_eq!(r["status"], 200, "{r}");
        assert_eq!(r["forwarded"]["x-forwarded-for"], eip.as_str(), "the client is the NAT's EIP: {r}");
        let peer = r["peer"].as_str().unwrap().split(':').next().unwrap();
        assert!(privates.contains(&peer), "the target sees a node's private address: {peer} not in {privates:?}");
    }
    let tasks: std::collections::BTreeSet<&str> = seen.iter().filter_map(|r| r["task"].as_str()).collect();
    assert_eq!(tasks, ["web-a", "web-c"].into_iter().collect(), "round robin over both targets: {out}");
}

/// A service whose tasks do not start (scenario 26 without its logs endpoint: the awslogs
/// stream cannot be created) has no target registered: ECS registers a task once it runs.
/// DescribeTargetHealth answers `unused` (`Target.NotRegistered`) for it, the ALB answers 503
/// itself, and `test` says so at once instead of waiting for health checks that never come.
#[test]
fn a_service_whose_tasks_do_not_start_registers_no_target() {
    need_root!();
    let lab = "alb-nostart";
    let logs = "    - { name: logs, service: logs, subnets: [private-a, private-c], securityGroups: [endpoints] }\n";
    let file = scenario_with("scenarios/26-fargate-service-alb.yaml", lab, &[(logs, "")]);
    let body = std::fs::read_to_string(&file).unwrap();
    let head = body.split("\nexpect:").next().unwrap();
    let expect = r#"
expect:
  - { task: api-1, started: false, error: ResourceInitializationError }
  - { service: api, runningCount: 0 }
  - { targetHealth: { service: api, state: unused, reason: Target.NotRegistered } }
  - { from: internet, to: alb/web:443, reachable: true, http: { scheme: https, status: 503 }, timeoutMs: 2000 }
"#;
    let file = write_scenario(lab, &format!("{head}{expect}"));
    let _ = ecsnet(&["down", lab]);
    let _g = LabGuard(lab.to_string());
    let o = ecsnet(&["test", file.to_str().unwrap()]);
    let out = text(&o);
    assert!(o.status.success(), "test: {out}");
    assert!(out.contains("not registered: its task did not start: unused (Target.NotRegistered)"), "{out}");
    assert!(!out.contains("DISAGREES") && !out.contains("MISMATCH"), "{out}");
}
