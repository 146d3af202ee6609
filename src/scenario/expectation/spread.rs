//! `requests: N` on a reachability check: N real requests, and `servedBy` the set of targets
//! that must answer them (a list of tasks, or `service/NAME`: every running task of the
//! service). The verdict passes when every target named answered at least one request and no
//! other answered any: what a load balancer's round robin spreads (its rotation).

use super::super::located::Located;
use super::super::walk::*;
use super::{Node, endpoint_no_port};
use crate::i18n::tr;
use serde::{Deserialize, Serialize};

/// The most requests one check sends.
pub const MAX_REQUESTS: u64 = 100;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spread {
    pub requests: u32,
    /// Tasks and services, each of whose tasks must answer.
    pub served_by: Vec<Located<Node>>,
}

/// `requests` and the `servedBy` list (or one node) it needs; None without `requests`.
pub(super) fn parse(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> Option<Spread> {
    let rv = m.get("requests")?;
    let requests = cx.uint(&rv, 1, MAX_REQUESTS);
    let Some(sv) = m.get("servedBy") else {
        cx.err(
            &cx.vloc(&rv),
            tr!(
                "expect-requests-served-by",
                "`requests` sends several requests to see who answers them: it needs `servedBy`"
            ),
            tr!("expect-requests-served-by-help", "add servedBy: [task/web-1, task/web-2], or servedBy: service/NAME"),
        );
        *ok = false;
        return None;
    };
    let entries = if matches!(sv.node, marked_yaml::Node::Sequence(_)) {
        cx.items(&sv, 100).unwrap_or_default()
    } else {
        vec![sv]
    };
    let parsed: Vec<Option<Located<Node>>> = entries.iter().map(|e| target(cx, e)).collect();
    let served_by: Option<Vec<_>> = parsed.into_iter().collect();
    match (requests, served_by) {
        (Some(n), Some(s)) if !s.is_empty() => Some(Spread { requests: n.value as u32, served_by: s }),
        _ => {
            *ok = false;
            None
        }
    }
}

fn target(cx: &mut Reader, v: &Value<'_>) -> Option<Located<Node>> {
    let e = endpoint_no_port(cx, v)?;
    if matches!(e.value, Node::Task { .. } | Node::Service(_)) {
        return Some(e);
    }
    cx.err(
        &e.loc,
        tr!("expect-served-by-task", "`servedBy` must name a task, found `{ $endpoint }`", endpoint = e.value),
        tr!("expect-served-by-task-help", "write `task/NAME`, `task/NAME/CONTAINER` or `service/NAME`"),
    );
    None
}

/// A `servedBy` list without `requests`: one request has one answerer.
pub(super) fn list_needs_requests(cx: &mut Reader, m: &Block<'_>) -> bool {
    match m.get("servedBy") {
        Some(v) if matches!(v.node, marked_yaml::Node::Sequence(_)) && m.get("requests").is_none() => {
            cx.err(
                &cx.vloc(&v),
                tr!("expect-served-by-list", "a list in `servedBy` needs `requests`: one request has one answerer"),
                tr!("expect-served-by-list-help", "add requests: 6 (each listed target must answer at least one)"),
            );
            false
        }
        _ => true,
    }
}
