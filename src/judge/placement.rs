//! Placement expectations: was the task placed, or refused for the reason ECS gives? Where
//! the instance's agent joined the cluster on packets (`registrations`), the analyzer's
//! prediction of that registration is the cross-check: on AWS it decides whether the
//! instance runs tasks at all (`controlPlane: strict`).

use super::Verdict;
use crate::analyze::control_plane::{agree, predicted_at};
use crate::model::Lab;
use crate::model::control_plane::Registration;
use crate::scenario::{Expectation, Node, Placement};

pub fn judge_placement(
    lab: &Lab,
    index: usize,
    e: &Expectation,
    p: &Placement,
    registrations: Option<&[Registration]>,
) -> Verdict {
    let title = format!("{} placed: {}", Node::task(&p.task.value), p.placed);
    let mut v = Verdict::new(index, title, e);
    let Some(t) = lab.task(&p.task.value) else {
        // A service's task when no instance is registered at all: only the service's event.
        match unplaced_without_instance(lab, &p.task.value) {
            Some(event) => (v.pass, v.detail) = (!p.placed, format!("not placed: {event}")),
            None => v.detail = format!("no task `{}`", p.task.value),
        }
        return v;
    };
    match (&t.placement, p.placed) {
        (Ok(()), true) => {
            v.pass = true;
            v.detail = format!("placed on {}", lab.host_of(t));
        }
        (Ok(()), false) => v.detail = format!("expected not placed, but it was placed on {}", lab.host_of(t)),
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
    // A Fargate task registers nothing: no instance to judge.
    let Some(ii) = t.instance() else { return v };
    let inst = &lab.instances[ii].name;
    // Only this instance's dials: a lab's placements are judged one by one.
    let seen = registrations.and_then(|r| r.iter().find(|r| &r.instance == inst));
    if let Some(seen) = seen
        && let model = predicted_at(lab, ii)
        && !agree(&model, seen)
    {
        v.mismatch = true;
        let say = |r: &Registration| match r.misses.first() {
            None => "it joined the cluster".to_string(),
            Some(m) => m.agent_log().replace('\n', " "),
        };
        v.detail = format!(
            "{}; ANALYZER DISAGREES (a bug in ecsnet): instance/{inst}'s agent on packets: {}; the model says: {}",
            v.detail,
            say(seen),
            say(&model)
        );
    }
    v
}

/// ECS's event for service task `name` (`SERVICE-n`) placed nowhere because the cluster had no
/// registered instance.
fn unplaced_without_instance(lab: &Lab, name: &str) -> Option<String> {
    let svc = lab.services.iter().find(|s| s.unplaced.iter().any(|u| format!("{}-{}", s.name, u.n) == name))?;
    Some(crate::model::ecs_service::unable_to_place(&svc.name, None))
}
