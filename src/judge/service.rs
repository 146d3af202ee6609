//! Service-state expectations: DescribeServices' counts, the running tasks per availability
//! zone and the events, as the model has them, and the same counts over the tasks the lab
//! really runs (their programs up): a lab that differs from its model is a bug in ecsnet.

use super::Verdict;
use crate::model::ecs_service::EcsService;
use crate::model::{Lab, Task};
use crate::scenario::{Expectation, ServiceState};

/// `up`: the names of the tasks whose programs run in the lab.
pub fn judge_service(lab: &Lab, index: usize, e: &Expectation, s: &ServiceState, up: &[String]) -> Verdict {
    let name = &s.service.value;
    let mut v = Verdict::new(index, title(s), e);
    let Some(svc) = lab.service(name) else {
        v.detail = format!("no service `{name}`");
        return v;
    };
    // A placed task that the analyzer says cannot start (an image, a secret or a log stream
    // it cannot fetch) stops with its error, as on AWS: it is not RUNNING.
    let mine = || svc.tasks.iter().filter_map(|ti| lab.tasks.get(*ti));
    // Each task's start analysed once (it walks every call the agent makes).
    let started: std::collections::HashSet<&str> = mine()
        .filter(|t| t.placement.is_ok() && crate::analyze::pull::predicted(lab, &t.name).started)
        .map(|t| t.name.as_str())
        .collect();
    let starts = |t: &&Task| started.contains(t.name.as_str());
    let placed: Vec<&Task> = mine().filter(|t| t.is_running()).filter(starts).collect();
    let live: Vec<&Task> = placed.iter().copied().filter(|t| up.contains(&t.name)).collect();
    let (mut wrong, mut seen) = (vec![], vec![]);
    if let Some(n) = s.running_count {
        let model = mine().filter(|t| t.placement.is_ok() && !t.is_stopping()).filter(starts).count() as u32;
        compare(&mut wrong, "runningCount", model, n);
        seen.push(format!("runningCount {model}"));
        if live.len() as u32 != model {
            v.mismatch = true;
        }
    }
    if let Some(n) = s.pending_count {
        compare(&mut wrong, "pendingCount", svc.pending_count(), n);
        seen.push(format!("pendingCount {}", svc.pending_count()));
    }
    for (az, n) in &s.spread {
        let model = in_zone(lab, &placed, az);
        compare(&mut wrong, az, model, *n);
        seen.push(format!("{az}: {model}"));
        if in_zone(lab, &live, az) != model {
            v.mismatch = true;
        }
    }
    if let Some(text) = &s.event {
        event(svc, text, &mut wrong, &mut seen);
    }
    v.pass = wrong.is_empty();
    v.detail = if v.pass { seen.join(", ") } else { wrong.join("; ") };
    // Why fewer run than expected: the first placed task that stops at its start, in ECS's words.
    let stopped = mine().find(|t| t.placement.is_ok() && !starts(t));
    if let (false, Some(t)) = (v.pass, stopped) {
        let r = crate::analyze::pull::predicted(lab, &t.name);
        v.detail = format!("{}; task/{} stops: {}", v.detail, t.name, r.reason.unwrap_or_default());
    }
    if v.mismatch {
        let names: Vec<String> = live.iter().map(|t| format!("{} in {}", t.name, lab.az_of(t))).collect();
        v.detail = format!(
            "{}; THE LAB DISAGREES (a bug in ecsnet): its running tasks are {}",
            v.detail,
            if names.is_empty() { "none".to_string() } else { names.join(", ") }
        );
    }
    v
}

fn title(s: &ServiceState) -> String {
    let mut parts = vec![];
    if let Some(n) = s.running_count {
        parts.push(format!("runningCount {n}"));
    }
    if let Some(n) = s.pending_count {
        parts.push(format!("pendingCount {n}"));
    }
    if !s.spread.is_empty() {
        let zones: Vec<String> = s.spread.iter().map(|(az, n)| format!("{az}: {n}")).collect();
        parts.push(format!("spread {}", zones.join(", ")));
    }
    if let Some(t) = &s.event {
        parts.push(format!("event \"{t}\""));
    }
    format!("service/{} {}", s.service.value, parts.join(", "))
}

fn compare(wrong: &mut Vec<String>, what: &str, got: u32, want: u32) {
    if got != want {
        wrong.push(format!("{what} is {got}, expected {want}"));
    }
}

fn in_zone(lab: &Lab, tasks: &[&Task], az: &str) -> u32 {
    tasks.iter().filter(|t| lab.az_of(t) == az).count() as u32
}

fn event(svc: &EcsService, text: &str, wrong: &mut Vec<String>, seen: &mut Vec<String>) {
    match svc.events.iter().rev().find(|e| e.contains(text)) {
        Some(e) => seen.push(e.clone()),
        None => {
            let last = svc.last_events(1).first().map(|e| e.to_string()).unwrap_or_else(|| "none".into());
            wrong.push(format!("no event contains \"{text}\" (the last: {last})"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::ExpectKind;

    #[test]
    fn counts_zones_and_events_of_the_model_and_the_lab() {
        let s = crate::scenario::load(std::path::Path::new("scenarios/23-service-placement.yaml")).unwrap();
        let lab = crate::model::build(&s).unwrap();
        let up: Vec<String> = lab.tasks.iter().filter(|t| t.is_running()).map(|t| t.name.clone()).collect();
        let services: Vec<(&Expectation, &ServiceState)> = s
            .expect
            .iter()
            .filter_map(|e| if let ExpectKind::Service(st) = &e.kind { Some((e, st)) } else { None })
            .collect();
        for (e, st) in &services {
            let v = judge_service(&lab, 0, e, st, &up);
            assert!(v.pass && !v.mismatch, "{}: {}", v.title, v.detail);
        }
        // api's tasks not up: the lab disagrees with its model.
        let v = judge_service(&lab, 0, services[0].0, services[0].1, &[]);
        assert!(v.pass && v.mismatch && v.detail.contains("THE LAB DISAGREES"), "{}", v.detail);
        let mut wrong = services[0].1.clone();
        wrong.spread = vec![("us-east-1a".into(), 3)];
        let v = judge_service(&lab, 0, services[0].0, &wrong, &up);
        assert!(!v.pass && v.detail.contains("us-east-1a is 2, expected 3"), "{}", v.detail);
    }
}
