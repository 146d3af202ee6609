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
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("scenarios/24-alb-awsvpc.yaml")).expect("scenario");
    let text = text.replace("\nname: alb\n", &format!("\nname: {lab}\n")).replace(
        "    healthyThresholdCount: 2\n",
        "    healthyThresholdCount: 2\n    deregistrationDelayTimeoutSeconds: 3\n",
    );
    assert!(text.contains("deregistrationDelayTimeoutSeconds: 3") && text.contains(&format!("name: {lab}\n")));
    write_scenario(lab, &text)
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
    rt.block_on(async { node.register(without.clone()) });
    assert_eq!(seen(&node, "task/web-a"), Some(("draining".into(), Some("Target.DeregistrationInProgress".into()))));
    assert_eq!(served_by(&ns, to, 6), BTreeSet::from(["web-c".to_string()]), "no new request to web-a");
    assert!(t0.elapsed() < Duration::from_secs(3), "the requests took the whole delay: {:?}", t0.elapsed());
    assert_eq!(seen(&node, "task/web-a").map(|s| s.0).as_deref(), Some("draining"));
    wait_for(&node, "task/web-a", None, Duration::from_secs(4));
    assert!(t0.elapsed() >= Duration::from_secs(3), "left before its delay: {:?}", t0.elapsed());
    assert_eq!(seen(&node, "task/web-c").map(|s| s.0).as_deref(), Some("healthy"), "the kept target kept its health");

    // Registered again: initial, checked at once, healthy, and served again.
    rt.block_on(async { node.register(all.clone()) });
    let again = seen(&node, "task/web-a").expect("registered");
    assert!(again.0 == "initial" || again.0 == "healthy", "{again:?}");
    wait_for(&node, "task/web-a", Some("healthy"), Duration::from_secs(8));
    assert_eq!(served_by(&ns, to, 6), BTreeSet::from(["web-a".to_string(), "web-c".to_string()]));
    drop(rt);
}
