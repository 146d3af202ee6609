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
    /// `service: NAME` instead of `targetGroup` and `target`: every task of the service, in
    /// every target group it registers in (`check` expands it into one check each; the group
    /// and the target are then empty).
    #[serde(default)]
    pub service: Option<Located<String>>,
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
        opt("targetGroup", Shape::Name, "The target group (required unless `service`)."),
        opt(
            "target",
            TARGET,
            "The target as registered in the group: `task/NAME` or `instance/NAME` (required unless `service`).",
        ),
        opt(
            "service",
            Shape::Name,
            "Instead of `targetGroup` and `target`: every task of this service, in every target group it registers in.",
        ),
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
    if let Some(sv) = m.get("service") {
        return service_form(cx, &m, &outer, &sv);
    }
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
            service: None,
        }),
        loc: outer.loc.clone(),
    })
}

/// `{ service: api, state: healthy }`: no `targetGroup` nor `target` beside it.
fn service_form(cx: &mut Reader, m: &Block<'_>, outer: &Block<'_>, sv: &Value<'_>) -> Option<Expectation> {
    let service = cx.string(sv).and_then(|s| check_name(cx, &s, "service").then_some(s));
    if let Some(extra) = m.get("targetGroup").or_else(|| m.get("target")) {
        cx.err(
            &cx.vloc(&extra),
            tr!(
                "expect-target-health-service",
                "`service` checks every task of the service in every target group it registers in: `targetGroup` and `target` do not go with it"
            ),
            tr!("expect-target-health-service-help", "keep `service`, or name one `targetGroup` and `target`"),
        );
        return None;
    }
    let state = m.req(cx, "state", "healthy").and_then(|v| cx.choice(&v, TARGET_STATES));
    let reason = m.get("reason").and_then(|v| cx.nonempty(&v));
    let service = service?;
    let empty = Located::new(String::new(), service.loc.clone());
    Some(Expectation {
        kind: ExpectKind::TargetHealth(TargetHealthCheck {
            target_group: empty.clone(),
            target: empty,
            state: state.map(|s| Located::new(s.value.to_string(), s.loc))?,
            reason: reason.map(|r| r.value),
            service: Some(service),
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
    if let Some(s) = &t.service {
        return check_service(cx, s, l);
    }
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

/// The service is declared and registers its tasks in a target group (`loadBalancers`).
fn check_service(cx: &mut Reader, s: &Located<String>, l: &Lookup<'_>) {
    if !reference::reference(cx, s, reference::SERVICE, &l.declared.services, l.seen) {
        return;
    }
    let registers = l.services.iter().find(|x| x.name.value == s.value).is_some_and(|x| !x.load_balancers.is_empty());
    if !registers {
        cx.err(
            &s.loc,
            tr!(
                "expect-target-health-no-group",
                "service `{ $service }` registers its tasks in no target group",
                service = s.value
            ),
            tr!(
                "expect-target-health-no-group-help",
                "give the service loadBalancers: [{ targetGroupArn, containerName, containerPort }]"
            ),
        );
    }
}
