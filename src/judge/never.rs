//! `never:` assertions (Network Access Analyzer style): every matching source, destination and
//! declared port is a case, walked by the analyzer and probed with packets; none may connect,
//! and the two must agree.

use super::Verdict;
use crate::analyze::{Analysis, analyze};
use crate::model::{Lab, resolve};
use crate::probe::{ProbeResult, ProbeSpec};
use crate::scenario::{Expectation, NetworkMode, Never, Node, Outcome, PortProto, ProbeProto, Proto, Via, glob};
use std::time::Duration;

/// How long a `never:` probe waits: a path that connects answers in microseconds here.
const NEVER_TIMEOUT: Duration = Duration::from_millis(300);

/// One flow a `never:` covers.
pub struct Case {
    /// `task/web -> task/db:5432/tcp`
    pub name: String,
    /// The probe to send; its `id` is the case's index.
    pub spec: ProbeSpec,
    pub analysis: Analysis,
}

/// Whether `node` matches pattern `p`: by its name, or, for one container of a task, by the
/// task's (`task/db` covers the containers of a bridge task).
fn matches(p: &str, node: &Node) -> bool {
    glob(p, &node.to_string()) || node.task_name().is_some_and(|t| glob(p, &Node::task(t).to_string()))
}

/// `matches`, where a `service/NAME` pattern also covers the service's tasks.
pub(crate) fn matches_in(lab: &Lab, p: &str, node: &Node) -> bool {
    let service = || node.task_name().and_then(|t| lab.task(t)).and_then(|t| t.service.clone());
    matches(p, node) || (p.starts_with("service/") && service().is_some_and(|s| glob(p, &format!("service/{s}"))))
}

/// Every way to reach destination `d` on a port it declares: its own address, and, where it
/// has them, the host ports that publish it (on the instance's private and public address) or
/// the instance's public address of a host-mode task. A flow through any of them is a flow to
/// `d`.
pub(crate) fn ways_in(lab: &Lab, d: &Node) -> Vec<(Node, Option<Via>, PortProto)> {
    let own = resolve::declared_ports(lab, d);
    let mut v: Vec<(Node, Option<Via>, PortProto)> = own.iter().map(|pp| (d.clone(), None, *pp)).collect();
    let Some(t) = d.task_name().and_then(|n| lab.task(n)).filter(|t| t.is_running()) else { return v };
    let Some(inst) = t.instance().map(|ii| &lab.instances[ii]) else { return v };
    let container = match d {
        Node::Task { container, .. } => container.as_deref(),
        _ => None,
    };
    match t.mode {
        NetworkMode::Bridge => {
            let published = t
                .containers
                .iter()
                .filter(|c| container.is_none_or(|n| n == c.name))
                .flat_map(|c| c.ports.iter().filter(|b| b.host_port.is_some()))
                .map(|b| PortProto { port: b.container_port, proto: b.proto });
            for pp in published {
                v.push((d.clone(), Some(Via::HostPort), pp));
                if inst.public_ip.is_some() {
                    v.push((d.clone(), Some(Via::PublicHostPort), pp));
                }
            }
        }
        NetworkMode::Host if inst.public_ip.is_some() => {
            v.extend(own.iter().map(|pp| (Node::InstancePublic(inst.name.clone()), None, *pp)));
        }
        _ => {}
    }
    v
}

/// Every flow the assertion covers, with the analyzer's verdict of each.
pub fn cases(lab: &Lab, n: &Never) -> Vec<Case> {
    let excluded = |ep: &Node| n.except.iter().any(|x| matches_in(lab, x, ep));
    let (srcs, dsts) = resolve::nodes(lab);
    let mut cases = vec![];
    for s in srcs.iter().filter(|s| matches_in(lab, &n.from.value, s) && !excluded(s)) {
        let Ok(source) = resolve::source(lab, s) else { continue };
        for d in dsts.iter().filter(|d| *d != s && matches_in(lab, &n.to.value, d) && !excluded(d)) {
            for (to, via, pp) in ways_in(lab, d) {
                let proto = match (n.protocol, pp.proto) {
                    (Some(p), _) => p,
                    (None, Proto::Tcp) => ProbeProto::Tcp,
                    (None, Proto::Udp) => ProbeProto::Udp,
                };
                let Ok((ip, port)) = resolve::destination(lab, &to, Some(pp.port), via, proto) else { continue };
                let spec = ProbeSpec {
                    id: cases.len(),
                    src_ns: source.ns.clone(),
                    bind: source.bind,
                    dst: ip,
                    port,
                    proto,
                    path: "/".into(),
                    host: None,
                    timeout: NEVER_TIMEOUT,
                };
                let analysis = analyze(lab, s, &to, Some(pp.port), proto, via);
                let how = match via {
                    Some(Via::HostPort) => " via hostPort",
                    Some(Via::PublicHostPort) => " via publicHostPort",
                    None => "",
                };
                cases.push(Case { name: format!("{s} -> {to}:{}/{proto}{how}", pp.port), spec, analysis });
            }
        }
    }
    cases
}

/// How many connecting flows a verdict names.
const FLOWS_SHOWN: usize = 5;
/// How many an `expectViolated` verdict names: they are what it is there to show.
const VIOLATIONS_SHOWN: usize = 20;

/// The verdict of the assertion from its cases and their probes' results.
pub fn verdict(index: usize, e: &Expectation, n: &Never, cases: &[Case], results: &[ProbeResult]) -> Verdict {
    verdict_through(index, e, n, (cases, results), (vec![], vec![]))
}

/// The same, with what `onlyThrough`'s requests came to (see `never_through::tally`).
pub fn verdict_through(
    index: usize,
    e: &Expectation,
    n: &Never,
    (cases, results): (&[Case], &[ProbeResult]),
    (unreached, through_mismatches): (Vec<String>, Vec<String>),
) -> Verdict {
    let (violations, mut mismatches) = tally(cases, results);
    mismatches.extend(through_mismatches);
    let title = if n.expect_violated {
        format!("never {} -> {}, expected violated", n.from.value, n.to.value)
    } else {
        format!("never {} -> {}", n.from.value, n.to.value)
    };
    let mut v = Verdict::new(index, title, e);
    v.elapsed_ms = results.iter().map(|r| r.elapsed.as_secs_f64() * 1000.0).fold(0.0, f64::max);
    v.mismatch = !mismatches.is_empty();
    v.pass = violations.is_empty() != n.expect_violated && mismatches.is_empty();
    v.detail = match (violations.is_empty(), n.expect_violated) {
        (true, false) => format!("{} flows checked, none connects", cases.len()),
        (true, true) => format!("{} flows checked, none connects; expected at least one to", cases.len()),
        (false, false) => {
            let first: Vec<&str> = violations.iter().take(FLOWS_SHOWN).map(String::as_str).collect();
            format!("{} of {} flows connect: {}", violations.len(), cases.len(), first.join(", "))
        }
        (false, true) => format!(
            "{} of {} flows connect, as expected: {}",
            violations.len(),
            cases.len(),
            listed(&violations, VIOLATIONS_SHOWN)
        ),
    };
    if let Some(lb) = &n.only_through {
        v.pass &= unreached.is_empty();
        v.detail = match unreached.is_empty() {
            true => format!("{}; reached through alb/{}", v.detail, lb.value),
            false => format!("{}; {}", v.detail, unreached.join(", ")),
        };
    }
    if !mismatches.is_empty() {
        v.detail = format!("MODEL/DATAPLANE MISMATCH: {}; {}", mismatches.join(", "), v.detail);
    }
    v
}

/// The flows that connect (in the model or with packets), and where the two disagree.
fn tally(cases: &[Case], results: &[ProbeResult]) -> (Vec<String>, Vec<String>) {
    let mut violations = vec![];
    let mut mismatches = vec![];
    for r in results {
        let Some(Case { name, analysis: a, .. }) = cases.get(r.id) else { continue };
        let model = a.outcome == Some(Outcome::Connected);
        let packets = r.error.is_none() && r.outcome == Outcome::Connected;
        if model || packets {
            violations.push(name.clone());
        }
        if r.error.is_none() && a.outcome.is_some_and(|o| o != r.outcome) {
            mismatches.push(format!(
                "{name}: analyzer {} packets {}",
                a.outcome.map(|o| o.to_string()).unwrap_or_default(),
                r.outcome
            ));
        }
    }
    (violations, mismatches)
}

/// The first `max` flows, and how many more there are.
fn listed(flows: &[String], max: usize) -> String {
    let mut s = flows.iter().take(max).map(String::as_str).collect::<Vec<_>>().join(", ");
    if flows.len() > max {
        s.push_str(&format!(" and {} more", flows.len() - max));
    }
    s
}
