//! Call checks: the real signed call a task or instance made against what the expectation
//! says, and against the analyzer's prediction of the same call (the path, then IAM's
//! evaluation with the keys that path brings). The verdict says where the call stopped: on
//! the network, on the credentials, on the signature or on IAM.

use super::Verdict;
use crate::analyze::call::CallAnalysis;
use crate::model::Lab;
use crate::model::call::{CallOutcome, agree};
use crate::model::pull::Failure;
use crate::model::resolve;
use crate::probe::call::{CallProbe, CallResult};
use crate::scenario::{CallCheck, CallDef, Expectation, Node, Outcome};

/// The call to make for `c`, from where its caller lives; Err: why it cannot be made.
pub fn plan_call(lab: &Lab, id: usize, c: &CallCheck, ca_pem: &str) -> Result<CallProbe, String> {
    let def = *c.def().ok_or_else(|| format!("ecsnet cannot make `{}`", c.action.value))?;
    let timeout = std::time::Duration::from_millis(c.timeout_ms.max(MIN_CONNECT_MS));
    plan(lab, id, (&c.from.value, def, c.resource.as_ref().map(|r| r.value.as_str())), ca_pem, timeout)
}

/// Call `def` on `resource` from `from`: its namespace, its first nameserver, and for a task
/// with a role, the credentials path ECS gave its containers.
pub fn plan(
    lab: &Lab,
    id: usize,
    (from, def, resource): (&Node, CallDef, Option<&str>),
    ca_pem: &str,
    timeout: std::time::Duration,
) -> Result<CallProbe, String> {
    let src = resolve::source(lab, from).map_err(|e| e.to_string())?;
    let resolver = crate::analyze::dns::resolvers_of(lab, from).ok().and_then(|r| r.first().copied());
    let credentials_uri = from.task_name().and_then(|n| lab.task(n)).and_then(|t| {
        crate::services::task_metadata::documents::credentials_id(t).map(|id| format!("/v2/credentials/{id}"))
    });
    Ok(CallProbe {
        id,
        ns: src.ns,
        resolver,
        region: lab.region.clone(),
        def,
        resource: resource.map(str::to_string),
        credentials_uri,
        ca_pem: ca_pem.to_string(),
        timeout,
    })
}

/// A call's connection gets at least this long: TLS and a signed request take longer than a
/// probe's SYN.
const MIN_CONNECT_MS: u64 = 1500;

pub fn judge_call(
    index: usize,
    e: &Expectation,
    c: &CallCheck,
    planned: Result<&CallProbe, &String>,
    seen: Option<&CallResult>,
    a: &CallAnalysis,
) -> Verdict {
    let mut v = Verdict::new(index, c.title(), e);
    if let Err(why) = planned {
        v.detail = format!("not made: {why}; the analyzer says {}", a.outcome.describe());
        return v;
    }
    let Some(r) = seen else {
        v.detail = format!("not made; the analyzer says {}", a.outcome.describe());
        return v;
    };
    v.elapsed_ms = r.elapsed.as_secs_f64() * 1000.0;
    v.outcome = Some(match &r.outcome {
        CallOutcome::Answered { .. } => Outcome::Connected,
        CallOutcome::Failed(Failure::Refused { .. }) => Outcome::Refused,
        CallOutcome::Failed(_) | CallOutcome::NoCredentials(_) => Outcome::Timeout,
    });
    v.served_by = a.via.as_ref().map(|e| format!("endpoint/{e}")).or_else(|| {
        a.dial.as_ref().and_then(|d| d.path.as_ref()).and_then(|p| p.served_by.as_ref()).map(|n| n.to_string())
    });
    v.source_seen = a.source_ip.map(|i| i.to_string());
    if matches!(r.outcome, CallOutcome::Failed(_)) {
        v.reason = a.dial.as_ref().and_then(|d| d.path.as_ref()).and_then(|p| p.code);
    }
    v.pass = r.outcome.satisfies(&c.expect.value);
    let mut detail = r.outcome.describe();
    if !r.outcome.allowed() {
        detail = format!("{detail} (stopped by {})", r.outcome.stage());
    }
    if !v.pass {
        detail = format!("expected {}, got {detail}", c.expect.value);
    }
    if !agree(&a.outcome, &r.outcome) {
        v.mismatch = true;
        detail = format!("{detail}; ANALYZER DISAGREES (a bug in ecsnet): the model says {}", a.outcome.describe());
    }
    v.detail = detail;
    v
}
