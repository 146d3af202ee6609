//! Target-health expectations: the state a registered target settles in, as every node of its
//! load balancer sees it (what the nodes' health checks write), waited for as long as the
//! group's health check settings need (interval x threshold + timeout, bounded), and the
//! analyzer's prediction of the same checks: a settled state that differs from the prediction
//! is a bug in ecsnet.

use super::Verdict;
use crate::model::Lab;
use crate::model::load_balancer::TargetGroup;
use crate::scenario::{Expectation, HealthCheck, TargetHealthCheck};
use crate::services::load_balancer::load_reports;
use std::time::{Duration, Instant};

/// The longest a target-health check waits for the nodes to settle.
pub const MAX_SETTLE: Duration = Duration::from_secs(60);

/// How long the nodes need to settle a target: the longer threshold's worth of intervals and
/// one timeout, at most [`MAX_SETTLE`].
pub fn settle_time(hc: &HealthCheck) -> Duration {
    let checks = u64::from(hc.healthy_threshold.max(hc.unhealthy_threshold));
    let secs = u64::from(hc.interval_seconds) * checks + u64::from(hc.timeout_seconds);
    Duration::from_secs(secs).min(MAX_SETTLE)
}

/// (state, reason) as DescribeTargetHealth gives them.
type Health = (String, Option<String>);

/// The analyzer's prediction: the state the nodes settle in.
pub fn predicted(lab: &Lab, g: &TargetGroup, target: &str) -> Option<Health> {
    let t = g.targets.iter().find(|t| t.node.to_string() == target)?;
    let own = |(s, r): (&str, Option<&str>)| (s.to_string(), r.map(str::to_string));
    Some(match g.load_balancer {
        // ELB: a group no listener forwards to receives no traffic (Target.NotInUse).
        None => own(("unused", Some("Target.NotInUse"))),
        Some(x) => own(crate::analyze::load_balancer::health(lab, x, g, t)),
    })
}

/// What every node of the group's load balancer last wrote about `target`: (zone, health).
fn observed(lab: &Lab, g: &TargetGroup, target: &str) -> Vec<(String, Health)> {
    let Some(lb) = g.load_balancer.and_then(|x| lab.load_balancers.get(x)) else { return vec![] };
    let dir = crate::dataplane::state::dir(&lab.name);
    let mut out = vec![];
    for r in load_reports(&dir, &lb.name) {
        for h in r.targets.iter().filter(|h| h.group == g.name && h.target == target) {
            out.push((r.az.clone(), (h.state.clone(), h.reason.clone())));
        }
    }
    out
}

fn fits(t: &TargetHealthCheck, h: &Health) -> bool {
    h.0 == t.state.value && t.reason.as_ref().is_none_or(|r| h.1.as_deref() == Some(r.as_str()))
}

fn show(h: &Health) -> String {
    match &h.1 {
        Some(r) => format!("{} ({r})", h.0),
        None => h.0.clone(),
    }
}

/// Judge one `targetHealth:` expectation, waiting for the nodes to settle (blocking).
pub fn judge_target_health(lab: &Lab, index: usize, e: &Expectation, t: &TargetHealthCheck) -> Verdict {
    let title = format!("target group {} {}: {}", t.target_group.value, t.target.value, t.state.value);
    let mut v = Verdict::new(index, title, e);
    let Some(g) = lab.target_groups.iter().find(|g| g.name == t.target_group.value) else {
        v.detail = format!("no target group `{}`", t.target_group.value);
        return v;
    };
    let prediction = predicted(lab, g, &t.target.value);
    let seen = wait(lab, g, t, prediction.as_ref());
    // A target deregistered while the lab runs is no longer the model's, but the nodes still
    // report it while it drains: judged on what they see.
    let Some(model) = prediction.or_else(|| seen.first().map(|(_, h)| h.clone())) else {
        v.detail = format!("{} is not a target of {} (not placed, or no such port)", t.target.value, g.name);
        return v;
    };
    v.pass = !seen.is_empty() && seen.iter().all(|(_, h)| fits(t, h));
    if seen.is_empty() {
        // No node checks it (no listener forwards to the group): as the model says.
        v.pass = fits(t, &model);
    }
    let views: Vec<String> = seen.iter().map(|(az, h)| format!("node in {az}: {}", show(h))).collect();
    v.detail = match (views.is_empty(), model.1.as_deref()) {
        (true, Some("Target.NotRegistered")) => format!("not registered: its task did not start: {}", show(&model)),
        (true, _) => format!("no node checks it: {}", show(&model)),
        (false, _) => views.join("; "),
    };
    // The analyzer predicts the checks' outcome: neither a target still being checked nor one
    // deregistered while the lab runs (draining) has one.
    let settled: Vec<&Health> = seen.iter().map(|(_, h)| h).filter(|h| settles(h)).collect();
    v.mismatch = settled.iter().any(|h| **h != model);
    if v.mismatch {
        v.detail = format!("{}; ANALYZER DISAGREES (a bug in ecsnet): the model says {}", v.detail, show(&model));
    } else if !v.pass && settled.is_empty() && !seen.is_empty() && model.0 != t.state.value {
        // Still being checked (an NLB's 30 s interval): the why is known before the checks end.
        v.detail = format!("{}; not settled yet: the analyzer predicts {}", v.detail, show(&model));
    }
    v
}

/// A state the checks end in: neither one still being checked nor one draining.
fn settles(h: &Health) -> bool {
    h.0 != "initial" && h.0 != "draining"
}

/// Poll the nodes' health files until every node sees what `t` expects, or every node has
/// settled where the analyzer predicts something else (nothing will change it), or the
/// group's settle time has passed.
fn wait(lab: &Lab, g: &TargetGroup, t: &TargetHealthCheck, model: Option<&Health>) -> Vec<(String, Health)> {
    let deadline = Instant::now() + settle_time(&g.health_check);
    let other = |h: &Health| settles(h) && model == Some(h) && !fits(t, h);
    loop {
        let seen = observed(lab, g, &t.target.value);
        let done = !seen.is_empty() && (seen.iter().all(|(_, h)| fits(t, h)) || seen.iter().all(|(_, h)| other(h)));
        if done || seen.is_empty() || Instant::now() >= deadline {
            return seen;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settle_time_follows_the_settings_and_is_bounded() {
        let hc =
            HealthCheck { interval_seconds: 5, timeout_seconds: 2, healthy_threshold: 2, ..HealthCheck::default() };
        assert_eq!(settle_time(&hc), Duration::from_secs(12));
        assert_eq!(settle_time(&HealthCheck::default()), MAX_SETTLE);
    }

    #[test]
    fn the_prediction_of_scenario_24() {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/24-alb-awsvpc.yaml");
        let s = crate::scenario::load_str(&p, &std::fs::read_to_string(&p).unwrap()).unwrap();
        let l = crate::model::build(&s).unwrap();
        let api = &l.target_groups[1];
        let p = predicted(&l, api, "task/api-a");
        assert_eq!(p, Some(("unhealthy".to_string(), Some("Target.ResponseCodeMismatch".to_string()))));
        assert_eq!(predicted(&l, api, "task/web-a"), None);
    }
}
