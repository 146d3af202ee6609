//! Targets deregistered and registered while a load balancer node runs, on real packets (root).
//! The lab's agent serves its own nodes in another process; this test starts one more node of
//! the ALB in its own process (`start_node`), in the node's namespace, on a second listener port
//! the ALB's security group admits, and drives its registrations through the `NodeHandle`:
//! a deregistered target gets no new request, is `draining`, and leaves after the group's
//! deregistration delay (3 s here); registered again, it is checked and healthy again.

mod common;
use common::*;
use ecsnet::services::bind::{Listen, bind_all};
use ecsnet::services::load_balancer::{Group, NodeHandle, node_spec, start_node};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// The extra listener port of the test's node.
const PORT: u16 = 8081;

/// Scenario 24 with a 3 s deregistration delay for group `web`.
fn scenario(lab: &str) -> std::path::PathBuf {
    let delay = "    healthyThresholdCount: 2\n    deregistrationDelayTimeoutSeconds: 3\n";
    scenario_with("scenarios/24-alb-awsvpc.yaml", lab, &[("    healthyThresholdCount: 2\n", delay)])
}

/// The task that answered a GET to the test node's listener, if one did. The client is in
/// the node's namespace (its firewall admits only the lab's listener ports from outside, and
/// everything on `lo`).
fn served(ns: &str, to: std::net::SocketAddrV4) -> Option<String> {
    let body = ecsnet::sys::netns::run_in(ns, move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect_timeout(&to.into(), Duration::from_secs(5))?;
        s.set_read_timeout(Some(Duration::from_secs(5)))?;
        s.write_all(format!("GET / HTTP/1.1\r\nHost: {to}\r\nConnection: close\r\n\r\n").as_bytes())?;
        let mut out = String::new();
        s.read_to_string(&mut out)?;
        Ok(out)
    });
    let out = body.ok()?;
    let Some(v) = out.split_once("\r\n\r\n").and_then(|(_, b)| serde_json::from_str::<serde_json::Value>(b).ok())
    else {
        eprintln!("{to}: {out}");
        return None;
    };
    v["task"].as_str().map(str::to_string)
}

fn served_by(ns: &str, to: std::net::SocketAddrV4, n: usize) -> BTreeSet<String> {
    (0..n).filter_map(|_| served(ns, to)).collect()
}

/// (state, reason) of `target` in group `web`, as the node reports it.
fn seen(node: &NodeHandle, target: &str) -> Option<(String, Option<String>)> {
    let r = node.report();
    r.targets.into_iter().find(|h| h.group == "web" && h.target == target).map(|h| (h.state, h.reason))
}

fn wait_for(node: &NodeHandle, target: &str, state: Option<&str>, within: Duration) {
    let start = Instant::now();
    loop {
        let now = seen(node, target);
        if now.as_ref().map(|(s, _)| s.as_str()) == state {
            return;
        }
        assert!(start.elapsed() < within, "{target}: {now:?}, not {state:?} within {within:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_deregistered_alb_target_drains_then_leaves_and_comes_back() {
    need_root!();
    let lab = "dr-alb";
    let _ = ecsnet(&["down", lab]);
    let _g = LabGuard(lab.to_string());
    let o = ecsnet(&["up", scenario(lab).to_str().unwrap()]);
    assert!(o.status.success(), "up: {}", text(&o));
    let model = ecsnet::dataplane::state::load_lab(lab).expect("the lab's model");
    let eni = model.load_balancers[0].nodes[0];
    let mut spec = node_spec(&model, 0, eni);
    spec.listeners.truncate(1);
    spec.listeners[0].port.value = PORT;
    let (ns, to) = (spec.ns.clone(), std::net::SocketAddrV4::new(spec.ip, PORT));

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let listens = vec![Listen {
        ns: spec.ns.clone(),
        addr: std::net::SocketAddrV4::new(spec.ip, PORT),
        proto: ecsnet::scenario::Proto::Tcp,
        who: "test node".into(),
    }];
    let sockets = bind_all(&listens).expect("bind in the node's namespace");
    let node = rt.block_on(async { start_node(&spec, "dr-alb".into(), sockets) }).expect("node");
    wait_for(&node, "task/web-a", Some("healthy"), Duration::from_secs(8));
    wait_for(&node, "task/web-c", Some("healthy"), Duration::from_secs(8));
    assert_eq!(served_by(&ns, to, 6), BTreeSet::from(["web-a".to_string(), "web-c".to_string()]));

    // Deregister web-a: draining at once, no new request, gone after the 3 s delay.
    let all: Vec<Group> = spec.groups.clone();
    let without: Vec<Group> = all
        .iter()
        .map(|g| Group { targets: g.targets.iter().filter(|t| t.node != "task/web-a").cloned().collect(), ..g.clone() })
        .collect();
    let t0 = Instant::now();
    node.register(without.clone());
    assert_eq!(seen(&node, "task/web-a"), Some(("draining".into(), Some("Target.DeregistrationInProgress".into()))));
    assert_eq!(served_by(&ns, to, 6), BTreeSet::from(["web-c".to_string()]), "no new request to web-a");
    assert!(t0.elapsed() < Duration::from_secs(3), "the requests took the whole delay: {:?}", t0.elapsed());
    assert_eq!(seen(&node, "task/web-a").map(|s| s.0).as_deref(), Some("draining"));
    wait_for(&node, "task/web-a", None, Duration::from_secs(4));
    assert!(t0.elapsed() >= Duration::from_secs(3), "left before its delay: {:?}", t0.elapsed());
    assert_eq!(seen(&node, "task/web-c").map(|s| s.0).as_deref(), Some("healthy"), "the kept target kept its health");

    // Registered again: initial, checked at once, healthy, and served again.
    node.register(all.clone());
    let again = seen(&node, "task/web-a").expect("registered");
    assert!(again.0 == "initial" || again.0 == "healthy", "{again:?}");
    wait_for(&node, "task/web-a", Some("healthy"), Duration::from_secs(8));
    assert_eq!(served_by(&ns, to, 6), BTreeSet::from(["web-a".to_string(), "web-c".to_string()]));
    drop(rt);
}

/// Scenario 27 with a 3 s deregistration delay for group `web-ip`.
fn nlb_scenario(lab: &str) -> std::path::PathBuf {
    let targets = "    targets: [{ id: task/web-a }]\n";
    let delay = "    deregistrationDelayTimeoutSeconds: 3\n    targets: [{ id: task/web-a }]\n";
    scenario_with("scenarios/27-nlb.yaml", lab, &[(targets, delay)])
}

/// A connection from the lab's internet client to `to`, opened in its namespace.
fn connect_from_internet(lab: &str, to: std::net::SocketAddrV4) -> std::io::Result<std::net::TcpStream> {
    ecsnet::sys::netns::run_in(&format!("ecsnet.{lab}.internet"), move || {
        let s = std::net::TcpStream::connect_timeout(&to.into(), Duration::from_secs(2))?;
        s.set_read_timeout(Some(Duration::from_secs(5)))?;
        Ok(s)
    })
}

/// The task that answers a GET sent on `s`.
fn ask(mut s: std::net::TcpStream, host: std::net::SocketAddrV4) -> Option<String> {
    use std::io::{Read, Write};
    s.write_all(format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let body = out.split_once("\r\n\r\n")?.1;
    serde_json::from_str::<serde_json::Value>(body).ok()?["task"].as_str().map(str::to_string)
}

/// Every node of the lab's agent sees `target` of `group` healthy (their health files).
fn agent_sees_healthy(lab: &str, group: &str, target: &str) -> bool {
    let dir = ecsnet::dataplane::state::dir(lab);
    let reports = ecsnet::services::load_balancer::load_reports(&dir, "web");
    let views: Vec<&str> = reports
        .iter()
        .flat_map(|r| &r.targets)
        .filter(|h| h.group == group && h.target == target)
        .map(|h| h.state.as_str())
        .collect();
    !views.is_empty() && views.iter().all(|s| *s == "healthy")
}

#[test]
fn a_deregistered_nlb_target_gets_no_new_flow_and_keeps_its_established_ones() {
    need_root!();
    let lab = "dr-nlb";
    let _ = ecsnet(&["down", lab]);
    let _g = LabGuard(lab.to_string());
    let o = ecsnet(&["up", nlb_scenario(lab).to_str().unwrap()]);
    assert!(o.status.success(), "up: {}", text(&o));
    let model = ecsnet::dataplane::state::load_lab(lab).expect("the lab's model");
    // The agent's own node writes the same NAT table when its view changes: let it settle first.
    let start = Instant::now();
    while !agent_sees_healthy(lab, "web-ip", "task/web-a") {
        assert!(start.elapsed() < Duration::from_secs(10), "the agent's nodes never saw task/web-a healthy");
        std::thread::sleep(Duration::from_millis(200));
    }
    // The node in web-a's zone (cross-zone off: the other one has no target).
    let spec = model.load_balancers[0]
        .nodes
        .iter()
        .map(|&eni| node_spec(&model, 0, eni))
        .find(|s| s.groups.iter().flat_map(|g| &g.targets).any(|t| t.node == "task/web-a" && t.in_rotation))
        .expect("a node with task/web-a in its rotation");
    let eni = model.enis.iter().position(|e| e.ns == spec.ns).expect("the node's ENI");
    let to = std::net::SocketAddrV4::new(model.enis[eni].public_ip.expect("internet-facing"), 80);

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let node = rt.block_on(async { start_node(&spec, "dr-nlb".into(), vec![]) }).expect("node");
    let seen_ip = |node: &NodeHandle| {
        node.report().targets.into_iter().find(|h| h.group == "web-ip" && h.target == "task/web-a").map(|h| h.state)
    };
    let start = Instant::now();
    while seen_ip(&node).as_deref() != Some("healthy") {
        assert!(start.elapsed() < Duration::from_secs(8), "{:?}", seen_ip(&node));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(ask(connect_from_internet(lab, to).expect("a flow"), to).as_deref(), Some("web-a"));

    // A flow established before the deregistration, then web-a deregistered.
    let established = connect_from_internet(lab, to).expect("a flow before");
    let all: Vec<Group> = spec.groups.clone();
    let without: Vec<Group> = all
        .iter()
        .map(|g| Group { targets: g.targets.iter().filter(|t| t.node != "task/web-a").cloned().collect(), ..g.clone() })
        .collect();
    let t0 = Instant::now();
    node.register(without);
    assert_eq!(seen_ip(&node).as_deref(), Some("draining"));
    // The NAT table is rewritten (on a blocking thread) without web-a; the responder waits 2 s
    // for a request on a connection: ask on the established flow at once.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(ask(established, to).as_deref(), Some("web-a"), "the established flow keeps its mapping");
    assert!(connect_from_internet(lab, to).is_err(), "a new flow reached a draining target");
    let start = Instant::now();
    while seen_ip(&node).is_some() {
        assert!(start.elapsed() < Duration::from_secs(5), "still listed: {:?}", seen_ip(&node));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(t0.elapsed() >= Duration::from_secs(3), "left before its delay: {:?}", t0.elapsed());

    // Registered again: checked, healthy, and new flows reach it.
    node.register(all);
    let start = Instant::now();
    while seen_ip(&node).as_deref() != Some("healthy") {
        assert!(start.elapsed() < Duration::from_secs(8), "{:?}", seen_ip(&node));
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(ask(connect_from_internet(lab, to).expect("a new flow"), to).as_deref(), Some("web-a"));
    drop(rt);
}
