//! `never:` assertions (Network Access Analyzer style): every matching source, destination and
//! declared port is a case, walked by the analyzer and probed with packets; none may connect,
//! and the two must agree.

use super::Verdict;
use crate::analyze::{Analysis, analyze};
use crate::model::{Lab, resolve};
use crate::probe::{ProbeResult, ProbeSpec};
use crate::scenario::{Expectation, Never, Node, Outcome, ProbeProto, Proto, glob};
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

/// Every flow the assertion covers, with the analyzer's verdict of each.
pub fn cases(lab: &Lab, n: &Never) -> Vec<Case> {
    let excluded = |ep: &Node| n.except.iter().any(|x| glob(x, &ep.to_string()));
    let (srcs, dsts) = resolve::nodes(lab);
    let mut cases = vec![];
    for s in srcs.iter().filter(|s| glob(&n.from.value, &s.to_string()) && !excluded(s)) {
        let Ok(source) = resolve::source(lab, s) else { continue };
        for d in dsts.iter().filter(|d| *d != s && glob(&n.to.value, &d.to_string()) && !excluded(d)) {
            for pp in resolve::declared_ports(lab, d) {
                let proto = match (n.protocol, pp.proto) {
                    (Some(p), _) => p,
                    (None, Proto::Tcp) => ProbeProto::Tcp,
                    (None, Proto::Udp) => ProbeProto::Udp,
                };
                let Ok((ip, port)) = resolve::destination(lab, d, Some(pp.port), None) else { continue };
                let spec = ProbeSpec {
                    id: cases.len(),
                    src_ns: source.ns.clone(),
                    bind: source.bind,
                    dst: ip,
                    port,
                    proto,
                    path: "/".into(),
                    timeout: NEVER_TIMEOUT,
                };
                let analysis = analyze(lab, s, d, port, proto, None);
                cases.push(Case { name: format!("{s} -> {d}:{}/{proto}", pp.port), spec, analysis });
            }
        }
    }
    cases
}

/// The verdict of the assertion from its cases and their probes' results.
pub fn verdict(index: usize, e: &Expectation, n: &Never, cases: &[Case], results: &[ProbeResult]) -> Verdict {
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
    let mut v = Verdict::new(index, format!("never {} -> {}", n.from.value, n.to.value), e);
    v.pass = violations.is_empty() && mismatches.is_empty();
    v.detail = format!("{} flows checked, none connects", cases.len());
    v.elapsed_ms = results.iter().map(|r| r.elapsed.as_secs_f64() * 1000.0).fold(0.0, f64::max);
    v.mismatch = !mismatches.is_empty();
    if !violations.is_empty() {
        let shown: Vec<&str> = violations.iter().take(5).map(String::as_str).collect();
        v.detail = format!("{} of {} flows connect: {}", violations.len(), cases.len(), shown.join(", "));
    }
    if !mismatches.is_empty() {
        v.detail = format!("MODEL/DATAPLANE MISMATCH: {}; {}", mismatches.join(", "), v.detail);
    }
    v
}
