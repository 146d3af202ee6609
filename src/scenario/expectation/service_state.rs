//! A service-state check, in DescribeServices' terms: `{ service: api, runningCount: 4 }`,
//! `{ service: api, spread: { us-east-1a: 2, us-east-1b: 2 } }` (its running tasks per
//! availability zone), `{ service: solo, event: "was unable to place a task" }` (a text of one
//! of its events). The judge checks the model's service and the tasks the lab really runs.

use super::super::fields::{Shape, Table, opt, req};
use super::super::located::Located;
use super::super::walk::*;
use super::{ExpectKind, Expectation};
use crate::i18n::tr;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ServiceState {
    pub service: Located<String>,
    /// DescribeServices' `runningCount`.
    pub running_count: Option<u32>,
    /// DescribeServices' `pendingCount`.
    pub pending_count: Option<u32>,
    /// Running tasks per availability zone, as written (a zone left out is not checked).
    pub spread: Vec<(String, u32)>,
    /// A text one of the service's events contains.
    pub event: Option<String>,
    /// Where each zone of `spread` is written.
    #[serde(default)]
    pub spread_at: Vec<Loc>,
}

pub(crate) static SERVICE_STATE: Table = Table {
    id: "serviceExpectation",
    doc: "A service-state check (DescribeServices): its running and pending counts, its tasks per availability zone, an event.",
    strict: true,
    rules: &[],
    fields: &[
        req("service", Shape::Name, "The service (`serviceName`)."),
        opt("runningCount", Shape::Int { min: 0, max: 100 }, "How many of its tasks run."),
        opt("pendingCount", Shape::Int { min: 0, max: 100 }, "How many are pending (placed, not started)."),
        opt(
            "spread",
            Shape::TextMap,
            "Availability zone -> how many of its tasks run there (`{ us-east-1a: 2, us-east-1b: 2 }`).",
        ),
        opt("event", Shape::Text, "A text one of its events contains (`was unable to place a task`)."),
    ],
};

const CHECKS: [&str; 4] = ["runningCount", "pendingCount", "spread", "event"];

pub(super) fn parse(cx: &mut Reader, m: Block<'_>) -> Option<Expectation> {
    m.strict(cx, &SERVICE_STATE);
    let service = m
        .req(cx, "service", "api")
        .and_then(|v| cx.string(&v))
        .and_then(|s| check_name(cx, &s, "service").then_some(s));
    let mut ok = true;
    let mut count = |cx: &mut Reader, key: &str| {
        let v = m.get(key)?;
        let n = cx.uint(&v, 0, 100);
        ok &= n.is_some();
        n.map(|n| n.value as u32)
    };
    let running_count = count(cx, "runningCount");
    let pending_count = count(cx, "pendingCount");
    let spread = spread(cx, &m, &mut ok);
    let event = m.get("event").and_then(|v| cx.nonempty(&v)).map(|e| e.value);
    if !CHECKS.iter().any(|k| m.get(k).is_some()) {
        cx.err(
            &m.loc,
            tr!("expect-service-nothing", "a service expectation needs something to check"),
            tr!(
                "expect-service-nothing-help",
                "add `runningCount`, `pendingCount`, `spread` or `event`, e.g. `{ service: api, runningCount: 2 }`"
            ),
        );
        return None;
    }
    let (spread, spread_at) = spread.into_iter().unzip();
    let s = ServiceState { service: service?, running_count, pending_count, spread, event, spread_at };
    ok.then_some(Expectation { kind: ExpectKind::Service(s), loc: m.loc.clone() })
}

/// `spread`: zone -> count.
fn spread(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> Vec<((String, u32), Loc)> {
    let mut out = vec![];
    let Some(v) = m.get("spread") else { return out };
    let Some(zones) = cx.map(&v, "availability zone: count") else {
        *ok = false;
        return out;
    };
    for (k, val) in zones.map.iter() {
        let vv = Value { node: val, key: Some(k), field: k.as_str().to_string() };
        match cx.uint(&vv, 0, 100) {
            Some(n) => out.push(((k.as_str().to_string(), n.value as u32), cx.vloc(&vv))),
            None => *ok = false,
        }
    }
    out
}

/// Every zone `spread` names must be one of the scenario's subnets' zones.
pub(super) fn check_zones(cx: &mut Reader, s: &ServiceState, zones: &[String]) {
    for ((zone, _), at) in s.spread.iter().zip(&s.spread_at) {
        if zones.iter().any(|z| z == zone) {
            continue;
        }
        let mut known: Vec<&str> = zones.iter().map(String::as_str).collect();
        known.sort();
        known.dedup();
        cx.err(
            at,
            tr!(
                "expect-spread-zone",
                "`spread` names `{ $zone }`, a zone none of the scenario's subnets is in",
                zone = zone
            ),
            tr!("expect-spread-zone-help", "the scenario's zones: { $zones }", zones = known.join(", ")),
        );
    }
}
