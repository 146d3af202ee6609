//! Reachability expectations: the probe an expectation asks for, and its verdict from what the
//! probe saw.

use super::Verdict;
use super::answer;
use super::cross_check::{cross_check, neighbour_overflow};
use crate::analyze::Analysis;
use crate::model::{Lab, resolve};
use crate::probe::{ProbeResult, ProbeSpec};
use crate::scenario::{Expectation, Node, Outcome, Reach};
use std::time::Duration;

/// A probe to run for expectation `index`, or the reason it cannot be run.
pub enum Planned {
    Probe(ProbeSpec),
    /// The destination does not exist as an address (no public IP, unplaced task, ...).
    Unreachable(String),
    /// The source cannot send (unplaced task...): the expectation fails.
    Error(String),
}

pub fn plan_reach(lab: &Lab, id: usize, r: &Reach) -> Planned {
    let src = match resolve::source(lab, &r.from.value) {
        Ok(s) => s,
        Err(e) => return Planned::Error(e.to_string()),
    };
    let (dst, port) = match resolve::destination(lab, &r.to.value, r.port, r.via, r.protocol) {
        Ok(d) => d,
        Err(e) => return Planned::Unreachable(e.to_string()),
    };
    Planned::Probe(ProbeSpec {
        id,
        src_ns: src.ns,
        bind: src.bind,
        dst,
        port,
        proto: r.protocol,
        path: r.path.clone(),
        // A name asked is the Host a client sends (`curl http://api.local:8080/`).
        host: r.asked.clone().or_else(|| resolve::host_header(lab, &r.to.value)),
        timeout: Duration::from_millis(r.timeout_ms),
    })
}

fn node_matches(lab: &Lab, served: &crate::services::responder::Identity, want: &Node) -> bool {
    match want {
        // Any task of the service.
        Node::Service(s) => {
            served.task.as_deref().and_then(|t| lab.task(t)).is_some_and(|t| t.service.as_deref() == Some(s.as_str()))
        }
        Node::Task { task, container } => {
            served.task.as_deref() == Some(task.as_str())
                && container.as_ref().is_none_or(|c| served.container.as_deref() == Some(c.as_str()))
        }
        Node::InternetHost(_) => served.node == want.to_string(),
        _ => false,
    }
}

/// Through a load balancer, the targets its round robin covers (see
/// `analyze::load_balancer::serving_set`); empty for any other destination.
fn alb_set(lab: &Lab, r: &Reach) -> Vec<Node> {
    let Some(name) = r.to.value.load_balancer_name() else { return vec![] };
    let Some(x) = lab.load_balancers.iter().position(|lb| lb.name == name) else { return vec![] };
    let Some(p) = r.port else { return vec![] };
    if lab.load_balancers[x].is_network() {
        let udp = r.protocol == crate::scenario::ProbeProto::Udp;
        return crate::analyze::network_load_balancer::serving_set(lab, x, p, udp);
    }
    crate::analyze::load_balancer::serving_set(lab, x, p, &r.path)
}

/// `servedBy` through a load balancer means "one of": the task named and the task that
/// answered are both targets the round robin covers (which one answers a single request is the
/// round robin's turn, as on AWS).
fn one_of(set: &[Node], served: &crate::services::responder::Identity, want: &Node) -> bool {
    let has = |t: Option<&str>| t.is_some_and(|t| set.contains(&Node::task(t)));
    has(want.task_name()) && has(served.task.as_deref())
}

/// The analyzer's walk with the responder the packets saw, when both are targets the load
/// balancer's round robin covers: the walk follows the first, the proxy takes turns.
fn turn_of_round_robin(lab: &Lab, r: &Reach, a: &Analysis, probe: Option<&ProbeResult>) -> Option<Analysis> {
    let id = probe?.identity.as_ref()?;
    let set = alb_set(lab, r);
    let task = id.task.as_deref()?;
    let predicted = a.served_by.as_ref()?.task_name()?;
    if set.len() < 2 || !set.contains(&Node::task(task)) || !set.contains(&Node::task(predicted)) {
        return None;
    }
    let node = match id.container.as_deref() {
        Some(c) => Node::container(task, c),
        None => Node::task(task),
    };
    Some(Analysis { served_by: Some(node), ..a.clone() })
}

/// Judge one reachability expectation against what the probe saw.
pub fn judge_reach(lab: &Lab, index: usize, e: &Expectation, r: &Reach, res: Result<&ProbeResult, &str>) -> Verdict {
    let mut v = Verdict::new(index, r.title(), e);
    let res = match res {
        Ok(p) => p,
        Err(why) => {
            // No address to send to: nothing can be reached, and nothing comes back.
            v.pass = !r.reachable && r.result.is_none() && r.icmp.is_none();
            v.detail = why.to_string();
            return v;
        }
    };
    if let Some(err) = &res.error {
        // The probe could not be carried out: that is no verdict about the network.
        v.detail = format!("probe could not run: {err}");
        return v;
    }
    v.outcome = Some(res.outcome);
    v.elapsed_ms = res.elapsed.as_secs_f64() * 1000.0;
    if let Some(id) = &res.identity {
        v.served_by = Some(id.node.clone());
        v.source_seen = Some(id.peer.ip().to_string());
    }
    let reached = res.outcome == Outcome::Connected;
    let mut problems = outcome_problems(r, res.outcome);
    if reached {
        problems.extend(responder_problems(lab, r, res));
        if let Some(check) = &r.http {
            problems.extend(answer::http_problems(check, res));
        }
    }
    problems.extend(r.icmp.as_ref().and_then(|want| answer::icmp_problem(want, res)));
    v.pass = problems.is_empty();
    v.detail = if problems.is_empty() {
        let mut d = res.detail.clone();
        if let (Some(s), Some(src)) = (&v.served_by, &v.source_seen) {
            d = format!("served by {s}, source seen as {src}");
        }
        match &r.http {
            // The probe's own detail is just the status line: the summary says more.
            Some(check) if res.identity.is_none() => answer::http_summary(check, res),
            Some(check) => format!("{d}; {}", answer::http_summary(check, res)),
            None => d,
        }
    } else {
        let mut d = problems.join("; ");
        if !res.detail.is_empty() {
            d.push_str(&format!(" ({})", res.detail));
        }
        d
    };
    v
}

/// Whether the probe connected, and how, as expected.
fn outcome_problems(r: &Reach, got: Outcome) -> Vec<String> {
    let reached = got == Outcome::Connected;
    let mut problems = vec![];
    if reached != r.reachable {
        problems.push(format!("expected {}, got {got}", if r.reachable { "reachable" } else { "unreachable" }));
    }
    if let Some(want) = r.result {
        if want != got && reached == r.reachable {
            problems.push(format!("expected {want}, got {got}"));
        }
    }
    problems
}

/// Who answered a probe that connected, and the source address it saw, as expected.
fn responder_problems(lab: &Lab, r: &Reach, res: &ProbeResult) -> Vec<String> {
    let mut problems = vec![];
    if let Some(want) = &r.served_by {
        match &res.identity {
            Some(id) if node_matches(lab, id, &want.value) => {}
            Some(id) if one_of(&alb_set(lab, r), id, &want.value) => {}
            Some(id) => problems.push(format!("served by {}, expected {}", id.node, want.value)),
            None => problems.push(format!("no ecsnet responder answered, expected {}", want.value)),
        }
    }
    if let Some(want) = &r.source_seen_as {
        let addrs = resolve::addresses_of(lab, &want.value);
        match res.identity.as_ref().map(|id| id.peer.ip().to_string()) {
            Some(seen) if addrs.iter().any(|a| a.to_string() == seen) => {}
            Some(seen) => problems.push(format!(
                "source seen as {seen}, expected {} ({})",
                want.value,
                addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
            )),
            None => problems.push(format!("the responder did not report a source, expected {}", want.value)),
        }
    }
    problems
}

/// The whole verdict of a reachability expectation: what was planned for it, what its probe saw
/// (when one ran), the analyzer's walk of the same flow, and whether the kernel's shared
/// neighbour table overflowed while probing.
pub fn reach_verdict(
    lab: &Lab,
    (index, e, r): (usize, &Expectation, &Reach),
    planned: &Planned,
    probe: Option<&ProbeResult>,
    analysis: &Analysis,
    overflowed: bool,
) -> Verdict {
    let v = match planned {
        Planned::Probe(_) => match probe {
            Some(res) => judge_reach(lab, index, e, r, Ok(res)),
            None => judge_reach(lab, index, e, r, Err("probe did not run")),
        },
        Planned::Unreachable(why) => judge_reach(lab, index, e, r, Err(why)),
        Planned::Error(why) => {
            let mut v = judge_reach(lab, index, e, r, Err(why));
            v.pass = false;
            v
        }
    };
    let turn = turn_of_round_robin(lab, r, analysis, probe);
    let v = cross_check(v, r, turn.as_ref().unwrap_or(analysis), probe.filter(|x| x.error.is_none()));
    if overflowed { neighbour_overflow(v) } else { v }
}
