//! `requests: N` with a `servedBy` set: who answered the N requests. The verdict passes when
//! every task the set names (a service: each of its running tasks) answered at least one and
//! no other task answered any. The analyzer's side is a load balancer's rotation (the healthy
//! targets in use, all in use when it fails open): a task answering outside it, or, once the
//! requests are at least as many as the rotation, a rotation member never answering, is a
//! disagreement between the analyzer and the packets (a bug in ecsnet).

use super::Verdict;
use crate::analyze::Analysis;
use crate::model::Lab;
use crate::probe::ProbeResult;
use crate::scenario::{Expectation, Node, Outcome, Reach, Spread};
use std::collections::{BTreeMap, BTreeSet};

/// The tasks the set names: each task, and each placed task of each service.
pub fn expected(lab: &Lab, s: &Spread) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for n in &s.served_by {
        match &n.value {
            Node::Service(name) => {
                let tasks = lab.service(name).map(|svc| svc.tasks.clone()).unwrap_or_default();
                out.extend(tasks.iter().map(|&ti| &lab.tasks[ti]).filter(|t| t.is_running()).map(|t| t.name.clone()));
            }
            other => out.extend(other.task_name().map(str::to_string)),
        }
    }
    out
}

/// The analyzer's set: a load balancer's rotation for the check's port and path, else the
/// one task its walk ends at.
pub fn predicted(lab: &Lab, r: &Reach, a: &Analysis) -> BTreeSet<String> {
    if let Node::LoadBalancer(name) = &r.to.value {
        if let (Some(x), Some(port)) = (lab.load_balancers.iter().position(|lb| &lb.name == name), r.port) {
            let set = crate::analyze::load_balancer::serving_set(lab, x, port, &r.path);
            return set.iter().filter_map(|n| n.task_name().map(str::to_string)).collect();
        }
    }
    a.served_by.iter().filter_map(|n| n.task_name().map(str::to_string)).collect()
}

/// The verdict of a spread check from the results of its requests.
pub fn judge_spread(
    lab: &Lab,
    (index, e, r, s): (usize, &Expectation, &Reach, &Spread),
    results: &[&ProbeResult],
    a: &Analysis,
) -> Verdict {
    let mut v = Verdict::new(index, r.title(), e);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut failed: Vec<String> = vec![];
    for p in results {
        match (&p.outcome, p.identity.as_ref().and_then(|id| id.task.clone())) {
            (Outcome::Connected, Some(t)) => *counts.entry(t).or_default() += 1,
            (o, _) => failed.push(format!("{o} ({})", p.detail)),
        }
    }
    v.outcome = results.first().map(|p| p.outcome);
    let want = expected(lab, s);
    let got: BTreeSet<String> = counts.keys().cloned().collect();
    let mut problems = vec![];
    if results.len() < s.requests as usize {
        problems.push(format!("{} of {} requests ran", results.len(), s.requests));
    }
    if !failed.is_empty() {
        problems.push(format!("{} requests got no answer from a task: {}", failed.len(), failed[0]));
    }
    let missing: Vec<&String> = want.difference(&got).collect();
    let extra: Vec<&String> = got.difference(&want).collect();
    if !missing.is_empty() {
        problems.push(format!("never answered: {}", join(missing)));
    }
    if !extra.is_empty() {
        problems.push(format!("answered but not expected: {}", join(extra)));
    }
    let rotation = predicted(lab, r, a);
    let outside: Vec<&String> = got.difference(&rotation).collect();
    let unseen = results.len() >= rotation.len() && failed.is_empty() && got != rotation;
    if !outside.is_empty() || unseen || a.outcome != Some(Outcome::Connected) {
        v.mismatch = true;
        problems.push(format!(
            "MODEL/DATAPLANE MISMATCH: the analyzer's rotation is {} ({}), the packets were answered by {}",
            join(rotation.iter().collect()),
            a.outcome.map(|o| o.to_string()).unwrap_or_default(),
            join(got.iter().collect())
        ));
    }
    let answered: Vec<String> = counts.iter().map(|(t, n)| format!("task/{t} x{n}")).collect();
    v.pass = problems.is_empty();
    v.detail = if problems.is_empty() {
        // Without the counts: which task takes which turn is the round robin's (and goldens stay put).
        format!("{} requests answered by {}", results.len(), join(got.iter().collect()))
    } else {
        format!(
            "{}; answered by {}",
            problems.join("; "),
            if answered.is_empty() { "none".into() } else { answered.join(", ") }
        )
    };
    v
}

fn join(v: Vec<&String>) -> String {
    if v.is_empty() {
        return "none".to_string();
    }
    v.iter().map(|t| format!("task/{t}")).collect::<Vec<_>>().join(", ")
}
