//! A target-health check: `{ targetHealth: { targetGroup: web, target: task/a, state: healthy,
//! reason: Target.ResponseCodeMismatch } }`. The state a registered target settles in, as
//! DescribeTargetHealth names it (initial, healthy, unhealthy, unused, draining; API_TargetHealth.html),
//! and optionally its reason code. Judged on the nodes' health checks (what they write) and on
//! the analyzer's prediction of the same checks.

use super::super::fields::{Shape, Table, opt, req};
use super::super::located::Located;
use super::super::reference::{self, TARGET_GROUP};
use super::super::target_group::TargetGroup;
use super::super::walk::*;
use super::{ExpectKind, Expectation, Lookup};
use crate::i18n::tr;
use serde::{Deserialize, Serialize};

/// DescribeTargetHealth's states (TargetHealth.State).
pub const TARGET_STATES: &[&str] = &["initial", "healthy", "unhealthy", "unused", "draining", "unavailable"];

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TargetHealthCheck {
    pub target_group: Located<String>,
    /// `task/NAME` or `instance/NAME`, as registered in the group.
    pub target: Located<String>,
    pub state: Located<String>,
    /// TargetHealth.Reason (`Target.ResponseCodeMismatch`, `Target.Timeout`, ...).
    pub reason: Option<String>,
}

const TARGET: Shape = Shape::Pattern("^(task|instance)/[a-z0-9-]{1,40}$");

pub(crate) static TARGET_HEALTH_ENTRY: Table = Table {
    id: "targetHealthExpectation",
    doc: "A target-health check: the state a registered target settles in, as DescribeTargetHealth gives it.",
    strict: true,
    rules: &[],
    fields: &[req("targetHealth", Shape::Block(&TARGET_HEALTH), "The target and the state it must settle in.")],
};

pub(crate) static TARGET_HEALTH: Table = Table {
    id: "targetHealth",
    doc: "A registered target of a target group and its expected TargetHealth.",
    strict: true,
    rules: &[],
    fields: &[
        req("targetGroup", Shape::Name, "The target group."),
        req("target", TARGET, "The target as registered in the group: `task/NAME` or `instance/NAME`."),
        req(
            "state",
            Shape::Enum(TARGET_STATES),
            "The state it must settle in: `initial`, `healthy`, `unhealthy`, `unused`, `draining` (or `unavailable` when health checks are disabled).",
        ),
        opt(
            "reason",
            Shape::Text,
            "The reason code DescribeTargetHealth gives (`Target.ResponseCodeMismatch`, `Target.Timeout`, `Target.NotInUse`, ...).",
        ),
    ],
};

pub(super) fn parse(cx: &mut Reader, outer: Block<'_>) -> Option<Expectation> {
    outer.strict(cx, &TARGET_HEALTH_ENTRY);
    let v = outer.req(cx, "targetHealth", "{ targetGroup: web, target: task/web, state: healthy }")?;
    let m = cx.entry_map(&v, "`targetHealth`", "{ targetGroup: web, target: task/web, state: healthy }")?;
    let m = Block { what: "`targetHealth`".to_string(), ..m };
    m.strict(cx, &TARGET_HEALTH);
    let group = m
        .req(cx, "targetGroup", "web")
        .and_then(|v| cx.string(&v))
        .and_then(|s| check_name(cx, &s, "target group").then_some(s));
    let target = m.req(cx, "target", "task/web").and_then(|v| cx.string(&v)).and_then(|s| target_ref(cx, s));
    let state = m.req(cx, "state", "healthy").and_then(|v| cx.choice(&v, TARGET_STATES));
    let reason = m.get("reason").and_then(|v| cx.nonempty(&v));
    Some(Expectation {
        kind: ExpectKind::TargetHealth(TargetHealthCheck {
            target_group: group?,
            target: target?,
            state: state.map(|s| Located::new(s.value.to_string(), s.loc))?,
            reason: reason.map(|r| r.value),
        }),
        loc: outer.loc.clone(),
    })
}

/// `task/NAME` or `instance/NAME`.
fn target_ref(cx: &mut Reader, s: Located<String>) -> Option<Located<String>> {
    let ok = s.value.split_once('/').is_some_and(|(k, n)| (k == "task" || k == "instance") && !n.is_empty());
    if !ok {
        cx.err(
            &s.loc,
            tr!(
                "expect-target-ref",
                "`target` must be `task/NAME` or `instance/NAME`, found `{ $target }`",
                target = s.value
            ),
            tr!("expect-target-ref-help", "name the target as the group's `targets` registers it"),
        );
        return None;
    }
    Some(s)
}

/// The group is declared and the target is registered in it.
pub(super) fn check(cx: &mut Reader, t: &TargetHealthCheck, l: &Lookup<'_>) {
    let names: Vec<&str> = l.target_groups.iter().map(|g| g.name.value.as_str()).collect();
    if !reference::reference(cx, &t.target_group, TARGET_GROUP, &names, l.seen) {
        return;
    }
    let Some(g) = l.target_groups.iter().find(|g| g.name.value == t.target_group.value) else { return };
    registered(cx, t, g);
}

fn registered(cx: &mut Reader, t: &TargetHealthCheck, g: &TargetGroup) {
    if g.targets.iter().any(|r| r.id.value == t.target.value) {
        return;
    }
    let ids: Vec<&str> = g.targets.iter().map(|r| r.id.value.as_str()).collect();
    let help = if ids.is_empty() {
        tr!("expect-target-none-registered", "no target is registered in it")
    } else {
        tr!("expect-target-registered", "its targets: { $targets }", targets = names_list(ids.iter().copied()))
    };
    cx.err(
        &t.target.loc,
        tr!(
            "expect-target-not-registered",
            "`{ $target }` is not registered in target group `{ $group }`",
            target = t.target.value,
            group = t.target_group.value
        ),
        help,
    );
}
