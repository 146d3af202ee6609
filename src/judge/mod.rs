//! Expectations → probe specs, and probe results → verdicts. Pure: no packets, no clock.

use crate::analyze::Reason;
use crate::model::{Lab, resolve};
use crate::probe::{ProbeResult, ProbeSpec};
use crate::scenario::{Expectation, Node, Outcome, Placement, Reach};
use serde::Serialize;
use std::time::Duration;

#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Verdict {
    pub index: usize,
    pub title: String,
    /// `file:line:col` of the expectation.
    pub at: String,
    pub pass: bool,
    pub outcome: Option<Outcome>,
    /// Who answered (`task/web/app`), when a responder did.
    pub served_by: Option<String>,
    /// The source address the responder saw.
    pub source_seen: Option<String>,
    /// Why it failed, or what was observed.
    pub detail: String,
    pub elapsed_ms: f64,
    /// The analyzer's explanation code for a blocked path.
    pub reason: Option<Reason>,
    /// The probe and the analyzer disagree (a bug in ecsnet).
    pub mismatch: bool,
}

impl Verdict {
    /// A failing verdict with nothing observed yet.
    pub fn new(index: usize, title: String, e: &Expectation) -> Self {
        Verdict {
            index,
            title,
            at: e.loc.to_string(),
            pass: false,
            outcome: None,
            served_by: None,
            source_seen: None,
            detail: String::new(),
            elapsed_ms: 0.0,
            reason: None,
            mismatch: false,
        }
    }
}

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
    let (dst, port) = match resolve::destination(lab, &r.to.value, r.port, r.via) {
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
        timeout: Duration::from_millis(r.timeout_ms),
    })
}

fn node_matches(served: &crate::services::responder::Identity, want: &Node) -> bool {
    match want {
        Node::Task { task, container } => {
            served.task.as_deref() == Some(task.as_str())
                && container.as_ref().is_none_or(|c| served.container.as_deref() == Some(c.as_str()))
        }
        Node::InternetHost(_) => served.node == want.to_string(),
        _ => false,
    }
}

/// Judge one reachability expectation against what the probe saw.
pub fn judge_reach(lab: &Lab, index: usize, e: &Expectation, r: &Reach, res: Result<&ProbeResult, &str>) -> Verdict {
    let mut v = Verdict::new(index, r.title(), e);
    let res = match res {
        Ok(p) => p,
        Err(why) => {
            // No address to send to: nothing can be reached.
            v.pass = !r.reachable && r.result.is_none();
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
    let mut problems = vec![];
    if reached != r.reachable {
        problems.push(format!(
            "expected {}, got {}",
            if r.reachable { "reachable" } else { "unreachable" },
            res.outcome
        ));
    }
    if let Some(want) = r.result {
        if want != res.outcome && reached == r.reachable {
            problems.push(format!("expected {want}, got {}", res.outcome));
        }
    }
    if reached {
        if let Some(want) = &r.served_by {
            match &res.identity {
                Some(id) if node_matches(id, &want.value) => {}
                Some(id) => problems.push(format!("served by {}, expected {}", id.node, want.value)),
                None => problems.push(format!("no ecsnet responder answered, expected {}", want.value)),
            }
        }
        if let Some(want) = &r.source_seen_as {
            let addrs = resolve::addresses_of(lab, &want.value);
            match &v.source_seen {
                Some(seen) if addrs.iter().any(|a| a.to_string() == *seen) => {}
                Some(seen) => problems.push(format!(
                    "source seen as {seen}, expected {} ({})",
                    want.value,
                    addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
                )),
                None => problems.push(format!("the responder did not report a source, expected {}", want.value)),
            }
        }
    }
    v.pass = problems.is_empty();
    v.detail = if problems.is_empty() {
        let mut d = res.detail.clone();
        if let (Some(s), Some(src)) = (&v.served_by, &v.source_seen) {
            d = format!("served by {s}, source seen as {src}");
        }
        d
    } else {
        let mut d = problems.join("; ");
        if !res.detail.is_empty() {
            d.push_str(&format!(" ({})", res.detail));
        }
        d
    };
    v
}

pub fn judge_placement(lab: &Lab, index: usize, e: &Expectation, p: &Placement) -> Verdict {
    let title = format!("{} placed: {}", Node::task(&p.task.value), p.placed);
    let mut v = Verdict::new(index, title, e);
    let Some(t) = lab.task(&p.task.value) else {
        v.detail = format!("no task `{}`", p.task.value);
        return v;
    };
    match (&t.placement, p.placed) {
        (Ok(()), true) => {
            v.pass = true;
            v.detail = format!("placed on instance/{}", lab.instances[t.instance].name);
        }
        (Ok(()), false) => {
            v.detail = format!("expected not placed, but it was placed on instance/{}", lab.instances[t.instance].name)
        }
        (Err(f), true) => v.detail = format!("not placed: {}: {}", f.reason(), f.message()),
        (Err(f), false) => match &p.reason {
            Some(r) if r != f.reason() => {
                v.detail = format!("not placed with {}, expected {r}: {}", f.reason(), f.message())
            }
            _ => {
                v.pass = true;
                v.detail = format!("{}: {}", f.reason(), f.message());
            }
        },
    }
    v
}

/// Give the verdict its reason, check `reason:`, and compare the analyzer with the packets.
pub fn cross_check(mut v: Verdict, r: &Reach, a: &crate::analyze::Analysis, probe: Option<&ProbeResult>) -> Verdict {
    v.reason = a.code;
    let mut problems = vec![];
    if let Some(p) = probe {
        if a.outcome.is_some_and(|o| o != p.outcome) {
            problems.push(format!(
                "MODEL/DATAPLANE MISMATCH: the analyzer says {} [{}], the packets say {}",
                a.outcome.map(|o| o.to_string()).unwrap_or_default(),
                a.code.map(Reason::code).unwrap_or("-"),
                p.outcome
            ));
        } else if p.outcome == Outcome::Connected {
            if let (Some(want), Some(id)) = (&a.served_by, &p.identity) {
                if *want != Node::Metadata && want.to_string() != id.node {
                    problems.push(format!(
                        "MODEL/DATAPLANE MISMATCH: the analyzer says served by {want}, the packets by {}",
                        id.node
                    ));
                }
            }
            if let (Some(want), Some(id)) = (a.source_seen, &p.identity) {
                if a.served_by != Some(Node::Metadata) && want != *id.peer.ip() {
                    problems.push(format!(
                        "MODEL/DATAPLANE MISMATCH: the analyzer says source seen as {want}, the packets {}",
                        id.peer.ip()
                    ));
                }
            }
        }
    }
    if !problems.is_empty() {
        v.mismatch = true;
    }
    if let Some(want) = &r.reason {
        if a.code.map(Reason::code) != Some(want.as_str()) {
            problems.push(format!(
                "expected reason {want}, the path's reason is {}",
                a.code.map(Reason::code).unwrap_or("none (connected)")
            ));
        }
    }
    if !problems.is_empty() {
        v.pass = false;
        let prev = std::mem::take(&mut v.detail);
        v.detail = if prev.is_empty() { problems.join("; ") } else { format!("{}; {prev}", problems.join("; ")) };
    }
    if let Some(code) = v.reason {
        if !v.detail.contains(code.code()) {
            v.detail = format!("[{code}] {}", v.detail);
        }
    }
    v
}

/// What a verdict says when the kernel's shared neighbour table overflowed during the probes.
pub const NEIGHBOUR_OVERFLOW: &str = "KERNEL NEIGHBOUR TABLE OVERFLOW during the probes (the ARP cache is shared by all namespaces and capped by the root namespace's net.ipv4.neigh.default.gc_thresh3, which ecsnet does not change): this timeout may be the kernel's, not the lab's";
