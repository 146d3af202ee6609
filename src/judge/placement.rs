//! Placement expectations: was the task placed, or refused for the reason ECS gives?

use super::Verdict;
use crate::model::Lab;
use crate::scenario::{Expectation, Node, Placement};

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
