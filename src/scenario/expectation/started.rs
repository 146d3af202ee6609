//! A task-state check: `{ task: web, started: false, error: CannotPullContainerError }`. Whether
//! the task's start (what the ECS agent fetches from AWS: secrets, its images, its log streams)
//! succeeded, and if not, with which error: ECS's error name, or any text of its reason (a dial
//! address, `i/o timeout`).

use super::super::fields::{Shape, Table, opt, req};
use super::super::located::Located;
use super::super::walk::*;
use super::{ExpectKind, Expectation, check_name};
use crate::i18n::tr;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Started {
    pub task: Located<String>,
    pub started: bool,
    /// With `started: false`: ECS's error name, or a text its reason contains.
    pub error: Option<String>,
}

pub(crate) static STARTED: Table = Table {
    id: "startedExpectation",
    doc: "A task-state check: whether the task starts (its secrets, images and log streams fetched from AWS), and if not, with which error.",
    strict: true,
    rules: &[],
    fields: &[
        req("task", Shape::Name, "The task."),
        req("started", Shape::Bool, "Whether it must start."),
        opt(
            "error",
            Shape::Text,
            "With `started: false`: ECS's error (`CannotPullContainerError`, `CannotPullECRContainerError`, `ResourceInitializationError`, `CannotStartContainerError`) or a text of its reason.",
        ),
    ],
};

pub(super) fn parse(cx: &mut Reader, m: Block<'_>) -> Option<Expectation> {
    m.strict(cx, &STARTED);
    let task =
        m.req(cx, "task", "web").and_then(|v| cx.string(&v)).and_then(|s| check_name(cx, &s, "task").then_some(s));
    let started = m.req(cx, "started", "false").and_then(|v| cx.boolean(&v));
    let error = m.get("error").and_then(|v| cx.nonempty(&v));
    if let (Some(s), Some(e)) = (&started, &error) {
        if s.value {
            cx.err(
                &e.loc,
                tr!("expect-error-needs-not-started", "`error` is only used with `started: false`"),
                tr!("expect-error-needs-not-started-help", "remove `error`, or expect `started: false`"),
            );
            return None;
        }
    }
    Some(Expectation {
        kind: ExpectKind::Started(Started { task: task?, started: started?.value, error: error.map(|e| e.value) }),
        loc: m.loc.clone(),
    })
}
