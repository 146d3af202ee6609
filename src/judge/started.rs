//! Task-state expectations: did the task start (its secrets, images and log streams fetched
//! from AWS on packets by the agent at `up`), and if not, with the error expected? The
//! analyzer's prediction of the same start is the cross-check: a different step, or a
//! different way of failing, is a bug in ecsnet.

use super::Verdict;
use crate::analyze::pull::{agree, predicted};
use crate::model::Lab;
use crate::model::pull::{StartResult, error_matches};
use crate::scenario::{Expectation, Node, Started};

pub fn judge_started(lab: &Lab, index: usize, e: &Expectation, s: &Started, starts: &[StartResult]) -> Verdict {
    let title = format!("{} started: {}", Node::task(&s.task.value), s.started);
    let mut v = Verdict::new(index, title, e);
    let Some(t) = lab.task(&s.task.value) else {
        v.detail = format!("no task `{}`", s.task.value);
        return v;
    };
    if let Err(f) = &t.placement {
        v.detail = format!("not placed: {}: {}", f.reason(), f.message());
        return v;
    }
    let model = predicted(lab, &t.name);
    // A task that fetched nothing from AWS is not in the agent's list: it started.
    let seen = starts.iter().find(|r| r.task == t.name).cloned().unwrap_or_else(|| StartResult::started(&t.name));
    v.mismatch = !agree(&model, &seen);
    let reason = seen.reason.as_deref().unwrap_or("").replace('\n', " ");
    v.pass = match (&seen.error, s.started) {
        (None, true) => true,
        (None, false) => {
            v.detail = "expected not to start, but it started".into();
            false
        }
        (Some(_), true) => {
            v.detail = format!("did not start: {reason}");
            false
        }
        (Some(err), false) => match &s.error {
            Some(want) if !error_matches(want, err, &reason) => {
                v.detail = format!("did not start with {err}, expected {want}: {reason}");
                false
            }
            _ => true,
        },
    };
    if v.pass {
        v.detail = if seen.started { "started: every call to AWS succeeded".into() } else { reason };
    }
    if v.mismatch {
        let said = model.reason.as_deref().unwrap_or("started").replace('\n', " ");
        v.detail = format!("{}; ANALYZER DISAGREES (a bug in ecsnet): the model says {said}", v.detail);
    }
    v
}
