//! Issue 17: probes through the lab's load balancers. After the nodes' health checks settle,
//! every source asks `alb/NAME:PORT` for a few paths over HTTP; the packets must agree with
//! the analyzer on the outcome and the status, and the target that answered must be one of
//! the group's targets the analyzer says are in rotation (nodes use them round robin).

use super::compare::Mismatch;
use super::report::LabReport;
use ecsnet::analyze::load_balancer::request_picks;
use ecsnet::analyze::network_load_balancer::flow_picks;
use ecsnet::analyze::{Analysis, analyze_path, analyze_pick};
use ecsnet::model::{Lab, resolve};
use ecsnet::probe::{ProbeResult, ProbeSpec, run};
use ecsnet::scenario::{Node, Outcome, ProbeProto};
use std::path::Path;
use std::time::{Duration, Instant};

const PATHS: &[&str] = &["/", "/api/x", "/health"];
const TIMEOUT: Duration = Duration::from_millis(1500);

/// One flow through a load balancer.
struct AlbCase {
    from: Node,
    lb: usize,
    port: u16,
    path: &'static str,
}

/// The longest a target takes to leave `initial`: unhealthyThresholdCount checks, each an
/// interval apart and at most a timeout long, plus a second of slack; the wait ends earlier
/// when no node reports a target `initial` any more.
fn settle(lab: &Lab) {
    let longest = lab
        .target_groups
        .iter()
        .map(|g| {
            let h = &g.health_check;
            u64::from(h.interval_seconds) * u64::from(h.unhealthy_threshold.max(1)) + u64::from(h.timeout_seconds)
        })
        .max()
        .unwrap_or(0);
    let until = Instant::now() + Duration::from_secs(longest + 1);
    let dir = format!("/run/ecsnet/{}", lab.name);
    while Instant::now() < until {
        let files: Vec<String> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with("target-health."))
                    .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default();
        if files.len() >= lab.load_balancers.iter().map(|l| l.nodes.len()).sum::<usize>()
            && files.iter().all(|f| !f.contains("\"initial\""))
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn cases(lab: &Lab) -> Vec<AlbCase> {
    let (sources, _) = resolve::nodes(lab);
    // A task of network mode none reaches nothing: the main cases probe it already.
    let sources: Vec<Node> =
        sources.into_iter().filter(|s| resolve::source(lab, s).is_ok() && !mode_none(lab, s)).collect();
    let mut out = vec![];
    for (x, lb) in lab.load_balancers.iter().enumerate() {
        let ports: Vec<u16> = lb.listeners.iter().map(|l| l.port.value).collect();
        let closed = if ports.contains(&80) { 8080 } else { 80 };
        // A network load balancer forwards the flow as it is: one path tells all.
        let paths = if lb.is_network() { &PATHS[..1] } else { PATHS };
        for (k, from) in sources.iter().enumerate() {
            for &port in &ports {
                for path in paths {
                    out.push(AlbCase { from: from.clone(), lb: x, port, path });
                }
            }
            // A port with no listener, from every fourth source: the ALB's group mostly drops
            // it already, and one path is enough.
            if k % 4 == 0 {
                out.push(AlbCase { from: from.clone(), lb: x, port: closed, path: PATHS[0] });
            }
        }
    }
    out
}

fn mode_none(lab: &Lab, n: &Node) -> bool {
    let task = match n {
        Node::Task { task, .. } => lab.task(task),
        _ => None,
    };
    task.is_some_and(|t| t.mode == ecsnet::scenario::NetworkMode::None)
}

/// `alb/NAME` or `nlb/NAME`.
fn lb_node(lab: &Lab, x: usize) -> Node {
    lab.load_balancers[x].node()
}

fn analysis(lab: &Lab, c: &AlbCase) -> Analysis {
    let to = lb_node(lab, c.lb);
    analyze_path(lab, (&c.from, &to), Some(c.port), ProbeProto::Http, None, c.path)
}

fn spec(lab: &Lab, id: usize, c: &AlbCase) -> Option<ProbeSpec> {
    let to = lb_node(lab, c.lb);
    super::cases::probe_spec(lab, id, (&c.from, &to), (Some(c.port), ProbeProto::Http, None), c.path, TIMEOUT)
}

/// What the analyzer predicts for the lab's load balancer cases, without a lab: (cases, answered
/// by a target, why the others are not, counted by the analyzer's code or the node's status).
pub fn predicted(lab: &Lab) -> (usize, usize, Vec<String>) {
    let cases = cases(lab);
    let mut served = 0;
    let mut why = vec![];
    for c in &cases {
        let a = analysis(lab, c);
        let kind = if lab.load_balancers[c.lb].is_network() { "nlb: " } else { "" };
        match (&a.served_by, a.outcome) {
            (Some(Node::LoadBalancer(_) | Node::NetworkLoadBalancer(_)), _) => {
                why.push(format!("{kind}the node answers {:?}", a.http_status))
            }
            (Some(_), Some(Outcome::Connected)) => served += 1,
            _ => {
                let past = a.steps.iter().any(|s| s.component.starts_with("alb/") || s.component.starts_with("nlb/"));
                why.push(format!("{kind}{:?} {:?}{}", a.outcome, a.code, if past { " past the node" } else { "" }))
            }
        }
    }
    (cases.len(), served, why)
}

/// The analyzer's walk, then one per target the node's round robin may forward the request to
/// (`request_picks`: every group of weight > 0): each request gets one of them, and each may
/// end differently (seed 14: one target's reset blocked by its subnet's ACL, the others' not).
/// Through a network load balancer, every target of the first node's rotation the flow's hash
/// may pick (`flow_picks`).
fn analyses(lab: &Lab, c: &AlbCase) -> Vec<Analysis> {
    let to = lb_node(lab, c.lb);
    let mut all = vec![analysis(lab, c)];
    let picks = match lab.load_balancers[c.lb].is_network() {
        true => flow_picks(lab, c.lb, c.port, false),
        false => request_picks(lab, c.lb, c.port, c.path),
    };
    for pick in picks {
        all.push(analyze_pick(lab, (&c.from, &to), Some(c.port), c.path, pick));
    }
    all
}

/// The disagreement of one probe with every walk the request may take, if it agrees with none:
/// the one's with the target that answered, else the analyzer's own.
fn disagreement(all: &[Analysis], r: &ProbeResult) -> Option<String> {
    if let Some(e) = &r.error {
        return Some(format!("probe error {e}"));
    }
    let whys: Vec<String> = all.iter().filter_map(|a| with_walk(a, r)).collect();
    if whys.len() < all.len() {
        return None;
    }
    let got = r.identity.as_ref().map(|i| task_of(&i.node));
    let same = all.iter().position(|a| a.served_by.as_ref().map(|n| task_of(&n.to_string())) == got);
    let rotation: Vec<String> =
        all.iter().skip(1).filter_map(|a| a.served_by.as_ref().map(|n| n.to_string())).collect();
    let why = whys[same.unwrap_or(0)].clone();
    Some(if got.is_some() && same.is_none() { format!("{why}, not in rotation {rotation:?}") } else { why })
}

fn task_of(node: &str) -> String {
    node.split('/').take(2).collect::<Vec<_>>().join("/")
}

/// One walk against the packets: outcome, status, who answered, the source it saw.
fn with_walk(a: &Analysis, r: &ProbeResult) -> Option<String> {
    if a.outcome != Some(r.outcome) {
        return Some(format!("analyzer {:?} / packets {}", a.outcome, r.outcome));
    }
    if r.outcome != Outcome::Connected {
        return None;
    }
    if a.http_status != r.http_status {
        return Some(format!("status analyzer {:?} / packets {:?}", a.http_status, r.http_status));
    }
    let got = r.identity.as_ref().map(|i| i.node.clone());
    match (&a.served_by, got) {
        (Some(Node::LoadBalancer(_)), None) => None,
        (Some(Node::LoadBalancer(_)), Some(g)) => Some(format!("analyzer: the node answers / packets: {g}")),
        (_, None) => Some("analyzer: a target answers / packets: no identity".into()),
        (Some(n), Some(g)) if task_of(&n.to_string()) != task_of(&g) => {
            Some(format!("served by analyzer {n} / packets {g}"))
        }
        (_, Some(_)) => {
            // Both sides send to the first address of the name (the probe resolves it as the
            // analyzer does), so the target sees that node's private address.
            let seen = r.identity.as_ref().map(|i| *i.peer.ip());
            (seen != a.source_seen).then(|| format!("source seen analyzer {:?} / packets {seen:?}", a.source_seen))
        }
    }
}

/// Every case through the lab's load balancers, probed after the health checks settle.
pub fn check_albs(rt: &tokio::runtime::Runtime, lab: &Lab, stem: &str, rep: &mut LabReport) {
    if lab.load_balancers.is_empty() {
        return;
    }
    settle(lab);
    let cases = cases(lab);
    let analyses: Vec<Vec<Analysis>> = cases.iter().map(|c| analyses(lab, c)).collect();
    let specs: Vec<ProbeSpec> = cases.iter().enumerate().filter_map(|(i, c)| spec(lab, i, c)).collect();
    rep.alb_probes += specs.len();
    rep.probes += specs.len();
    let network = lab.load_balancers.iter().any(|l| l.is_network());
    if network {
        rep.nlb_probes += specs.len();
    }
    let file = Path::new("target/differential").join(format!("{stem}.yaml"));
    for r in rt.block_on(run(specs)) {
        let (c, a) = (&cases[r.id], &analyses[r.id]);
        if r.identity.is_some() {
            rep.alb_served += 1;
            rep.nlb_served += usize::from(network);
        }
        let Some(what) = disagreement(a, &r) else { continue };
        let a = &a[0];
        let to = format!("{}:{}", lb_node(lab, c.lb), c.port);
        let mut detail = vec![format!(
            "ecsnet explain {} {} {to} --protocol http (request path {})",
            file.display(),
            c.from,
            c.path
        )];
        detail.extend(a.steps.iter().map(|s| format!("  {}: {} => {}", s.component, s.decision, s.packet)));
        rep.mismatches.push(Mismatch {
            signature: format!(
                "lb {} -> {to}: {}",
                super::cases::node_kind(lab, &c.from, None),
                what.split(':').next().unwrap_or("")
            ),
            line: format!("{} -> {to} {}: {what} ({})", c.from, c.path, r.detail),
            detail,
        });
    }
}
