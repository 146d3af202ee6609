//! Checks a running lab's expectations: plans a probe per expectation, sends them all at once
//! (`probe`), analyzes each flow on the model (`analyze`) and judges the pair (`judge`).

use crate::judge::{NEIGHBOUR_OVERFLOW, Planned, Verdict, cross_check, judge_placement, judge_reach, plan_reach};
use crate::model::{Lab, resolve};
use crate::probe::ProbeSpec;
use crate::scenario::{ExpectKind, Expectation, Node, Outcome};
use std::time::Duration;

/// Probe every expectation of a lab (concurrently) and judge them, in file order.
pub async fn run(lab: &Lab, expects: &[Expectation]) -> Vec<Verdict> {
    let mut planned = vec![];
    let mut specs = vec![];
    for (i, e) in expects.iter().enumerate() {
        if let ExpectKind::Reach(r) = &e.kind {
            match plan_reach(lab, i, r) {
                Planned::Probe(s) => {
                    specs.push(s);
                    planned.push((i, None));
                }
                Planned::Unreachable(why) => planned.push((i, Some(Ok(why)))),
                Planned::Error(why) => planned.push((i, Some(Err(why)))),
            }
        }
    }
    let fulls = neighbour_table_fulls();
    let results = crate::probe::run(specs).await;
    let overflowed = neighbour_table_fulls() > fulls;
    let analyses: Vec<Option<crate::analyze::Analysis>> = expects
        .iter()
        .map(|e| match &e.kind {
            ExpectKind::Reach(r) => {
                Some(crate::analyze::analyze(lab, &r.from.value, &r.to.value, r.port, r.protocol, r.via))
            }
            _ => None,
        })
        .collect();
    let mut verdicts = vec![];
    for (i, e) in expects.iter().enumerate() {
        match &e.kind {
            ExpectKind::Placement(p) => verdicts.push(judge_placement(lab, i, e, p)),
            ExpectKind::Never(n) => verdicts.push(check_never(lab, i, e, n).await),
            ExpectKind::Reach(r) => {
                let pl = planned.iter().find(|(x, _)| *x == i).and_then(|(_, p)| p.clone());
                let v = match pl {
                    None => match results.iter().find(|x| x.id == i) {
                        Some(res) => judge_reach(lab, i, e, r, Ok(res)),
                        None => judge_reach(lab, i, e, r, Err("probe did not run")),
                    },
                    Some(Ok(why)) => judge_reach(lab, i, e, r, Err(&why)),
                    Some(Err(why)) => {
                        let mut v = judge_reach(lab, i, e, r, Err(&why));
                        v.pass = false;
                        v
                    }
                };
                let probe = results.iter().find(|x| x.id == i).filter(|x| x.error.is_none());
                let mut v = match &analyses[i] {
                    Some(a) => cross_check(v, r, a, probe),
                    None => v,
                };
                if overflowed && !v.pass && v.outcome == Some(Outcome::Timeout) {
                    // Not ecsnet's model nor the lab: the kernel dropped packets it could not
                    // resolve, because every namespace shares one ARP table.
                    v.mismatch = false;
                    v.detail = format!("{NEIGHBOUR_OVERFLOW}; {}", v.detail.replace("MODEL/DATAPLANE MISMATCH: ", ""));
                }
                verdicts.push(v);
            }
        }
    }
    verdicts
}

/// A `never:` assertion: every matching (source, destination, declared port) is checked by the
/// analyzer and probed with packets; none may connect, and the two must agree.
pub async fn check_never(lab: &Lab, index: usize, e: &Expectation, n: &crate::scenario::Never) -> Verdict {
    use crate::scenario::{ProbeProto, Proto, glob};
    let excluded = |ep: &Node| n.except.iter().any(|x| glob(x, &ep.to_string()));
    let (srcs, dsts) = resolve::nodes(lab);
    let mut cases = vec![];
    let mut specs = vec![];
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
                let a = crate::analyze::analyze(lab, s, d, port, proto, None);
                specs.push(ProbeSpec {
                    id: cases.len(),
                    src_ns: source.ns.clone(),
                    bind: source.bind,
                    dst: ip,
                    port,
                    proto,
                    path: "/".into(),
                    timeout: Duration::from_millis(300),
                });
                cases.push((format!("{s} -> {d}:{}/{proto}", pp.port), a));
            }
        }
    }
    let results = crate::probe::run(specs).await;
    let mut violations = vec![];
    let mut mismatches = vec![];
    for r in &results {
        let (name, a) = &cases[r.id];
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
        let shown: Vec<&String> = violations.iter().take(5).collect();
        v.detail = format!(
            "{} of {} flows connect: {}",
            violations.len(),
            cases.len(),
            shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    if !mismatches.is_empty() {
        v.detail = format!("MODEL/DATAPLANE MISMATCH: {}; {}", mismatches.join(", "), v.detail);
    }
    v
}

/// `table_fulls` of the kernel's ARP cache (/proc/net/stat/arp_cache, hex, per CPU).
pub fn neighbour_table_fulls() -> u64 {
    let Ok(s) = std::fs::read_to_string("/proc/net/stat/arp_cache") else { return 0 };
    let mut lines = s.lines();
    let Some(head) = lines.next() else { return 0 };
    let Some(col) = head.split_whitespace().position(|c| c == "table_fulls") else { return 0 };
    lines.filter_map(|l| l.split_whitespace().nth(col).and_then(|x| u64::from_str_radix(x, 16).ok())).sum()
}
