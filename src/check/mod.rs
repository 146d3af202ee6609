//! Checks a running lab's expectations: plans a probe per expectation, sends them all at once
//! (`probe`), analyzes each flow on the model (`analyze`) and judges the pair (`judge`).

pub mod names;

use crate::judge::{self, Planned, Verdict};
use crate::model::Lab;
use crate::model::resolve;
use crate::scenario::{Diagnostic, ExpectKind, Expectation, MAX_NEVER_PROBES, MAX_RUN_PROBES, Never, Node, Reach};
use crate::sys::neigh::arp_table_fulls;

/// Probe every expectation of a lab (concurrently) and judge them, in file order.
pub async fn run(lab: &Lab, expects: &[Expectation]) -> Vec<Verdict> {
    let (expanded, origin) = expand_services(lab, expects);
    let (expanded, asked) = names::resolve(lab, expanded).await;
    let verdicts = run_expanded(lab, &expanded).await;
    verdicts
        .into_iter()
        .map(|v| match asked.iter().find(|a| a.index == v.index) {
            Some(a) => judge::by_name::annotate(v, a),
            None => v,
        })
        .map(|mut v| {
            v.index = origin.get(v.index).copied().unwrap_or(v.index);
            v
        })
        .collect()
}

/// `service/NAME` in a reachability check's `from` or `to` stands for every task of the
/// service: one check per task (per pair when both are services), each titled with its task.
/// Also gives, for each check, the index of the expectation it came from.
pub fn expand_services(lab: &Lab, expects: &[Expectation]) -> (Vec<Expectation>, Vec<usize>) {
    let tasks_of = |n: &Node| -> Vec<Node> {
        match n {
            Node::Service(s) => lab
                .service(s)
                .map(|svc| svc.tasks.iter().map(|ti| Node::task(&lab.tasks[*ti].name)).collect())
                .unwrap_or_default(),
            other => vec![other.clone()],
        }
    };
    let (mut out, mut origin) = (vec![], vec![]);
    for (i, e) in expects.iter().enumerate() {
        if let ExpectKind::TargetHealth(t @ crate::scenario::TargetHealthCheck { service: Some(_), .. }) = &e.kind {
            for t in service_target_health(lab, t) {
                out.push(Expectation { kind: ExpectKind::TargetHealth(t), loc: e.loc.clone() });
                origin.push(i);
            }
            continue;
        }
        let ExpectKind::Reach(r) = &e.kind else {
            out.push(e.clone());
            origin.push(i);
            continue;
        };
        for from in tasks_of(&r.from.value) {
            for to in tasks_of(&r.to.value) {
                let mut r = r.clone();
                r.from.value = from.clone();
                r.to.value = to;
                out.push(Expectation { kind: ExpectKind::Reach(r), loc: e.loc.clone() });
                origin.push(i);
            }
        }
    }
    (out, origin)
}

/// `targetHealth: { service: NAME }`: one check per task of the service and target group it
/// is registered in (the groups whose targets name one of its tasks).
fn service_target_health(lab: &Lab, t: &crate::scenario::TargetHealthCheck) -> Vec<crate::scenario::TargetHealthCheck> {
    use crate::scenario::Located;
    let Some(svc) = t.service.as_ref().and_then(|s| lab.service(&s.value)) else { return vec![] };
    let loc = t.target.loc.clone();
    let mut out = vec![];
    for g in &lab.target_groups {
        for &ti in &svc.tasks {
            let node = Node::task(&lab.tasks[ti].name);
            if g.targets.iter().any(|x| x.node == node) {
                out.push(crate::scenario::TargetHealthCheck {
                    target_group: Located::new(g.name.clone(), loc.clone()),
                    target: Located::new(node.to_string(), loc.clone()),
                    service: None,
                    ..t.clone()
                });
            }
        }
    }
    out
}

async fn run_expanded(lab: &Lab, expects: &[Expectation]) -> Vec<Verdict> {
    // How the tasks' starts went on packets (the agent made the calls at `up`).
    let starts = crate::dataplane::state::load_starts(&lab.name);
    // How the instances joined the cluster, which placements are cross-checked against: the
    // agent writes it shortly after `up` (a blocked instance takes its connect timeouts).
    let registrations = if expects.iter().any(|e| matches!(e.kind, ExpectKind::Placement(_))) {
        let name = lab.name.clone();
        let wait = move || crate::dataplane::state::wait_registrations(&name, REGISTRATION_WAIT);
        Some(tokio::task::spawn_blocking(wait))
    } else {
        None
    };
    // Target health settles on the nodes' checks: waited for beside the probes.
    let target_health = spawn_target_health(lab, expects);
    let planned: Vec<Option<Planned>> = expects
        .iter()
        .enumerate()
        .map(|(i, e)| match &e.kind {
            ExpectKind::Reach(r) => Some(judge::plan_reach(lab, i, r)),
            _ => None,
        })
        .collect();
    // A check with `requests: N` is sent apart, after the others ([`spread_probes`]).
    let (https, specs) = https_probes(lab, expects, &planned, |id| spread_of(expects, id).is_none());
    let fulls = arp_table_fulls();
    let dns_checks: Vec<(usize, &crate::scenario::DnsCheck)> = expects
        .iter()
        .enumerate()
        .filter_map(|(i, e)| if let ExpectKind::Dns(d) = &e.kind { Some((i, d)) } else { None })
        .collect();
    let names: Vec<_> = dns_checks
        .iter()
        .map(|(i, d)| (*i, crate::analyze::dns::analyze_name(lab, &d.from.value, &d.name.value, d.server)))
        .collect();
    let dns_probes = dns_checks.iter().zip(&names).filter_map(|((i, d), (_, a))| {
        let src = resolve::source(lab, &d.from.value).ok()?;
        Some(crate::probe::dns::DnsProbe {
            id: *i,
            src_ns: src.ns,
            bind: src.bind,
            server: a.server?,
            name: d.name.value.clone(),
            srv: d.srv,
            timeout: std::time::Duration::from_millis(d.timeout_ms),
        })
    });
    let calls = plan_calls(lab, expects);
    let call_probes = calls.iter().filter_map(|(_, p, _)| p.as_ref().ok().cloned()).collect();
    // Each reachability check's flow on the model, once: it judges the probe, and names where
    // a blocked probe's packet is dropped, so that it ends as soon as it is seen dropped there.
    let analyses: Vec<Option<crate::analyze::Analysis>> = expects
        .iter()
        .map(|e| if let ExpectKind::Reach(r) = &e.kind { Some(analyze_reach(lab, r)) } else { None })
        .collect();
    let sites =
        specs.iter().filter_map(|sp| Some((sp.id, analyses.get(sp.id)?.as_ref()?.drop_site.clone()?))).collect();
    let (mut results, dns_results, call_results, https_results) = tokio::join!(
        crate::probe::run_watched(specs.clone(), sites),
        crate::probe::dns::run(dns_probes.collect()),
        crate::probe::call::run(call_probes),
        crate::probe::https::run(https)
    );
    confirm_timeouts(expects, &analyses, &specs, &mut results).await;
    results.extend(https_results);
    results.extend(spread_probes(lab, expects, &planned).await);
    let overflowed = arp_table_fulls() > fulls;
    // Waited for beside the probes.
    let registrations = match registrations {
        Some(h) => h.await.ok().flatten(),
        None => None,
    };
    let mut target_health = match target_health {
        Some(h) => h.await.unwrap_or_default(),
        None => vec![],
    };
    let mut verdicts = vec![];
    for (i, e) in expects.iter().enumerate() {
        match (&e.kind, &planned[i]) {
            (ExpectKind::Placement(p), _) => {
                verdicts.push(judge::judge_placement(lab, i, e, p, registrations.as_deref()))
            }
            (ExpectKind::TargetHealth(_), _) => {
                if let Some(k) = target_health.iter().position(|v| v.index == i) {
                    verdicts.push(target_health.swap_remove(k));
                }
            }
            (ExpectKind::Started(s), _) => verdicts.push(judge::judge_started(lab, i, e, s, &starts)),
            (ExpectKind::Service(s), _) => verdicts.push(service_eventually(lab, i, e, s, &starts).await),
            (ExpectKind::HostPort(h), _) => verdicts.push(judge::judge_host_port(lab, i, e, h)),
            (ExpectKind::Dns(d), _) => {
                let Some((_, a)) = names.iter().find(|(k, _)| *k == i) else { continue };
                verdicts.push(judge::judge_dns(lab, i, e, d, dns_results.iter().find(|r| r.id == i), a));
            }
            (ExpectKind::Never(n), _) => verdicts.push(check_never(lab, i, e, n).await),
            (ExpectKind::Call(c), _) => {
                let Some((_, p, a)) = calls.iter().find(|(k, _, _)| *k == i) else { continue };
                let seen = call_results.iter().find(|r| r.id == i);
                verdicts.push(judge::judge_call(i, e, c, p.as_ref(), seen, a));
            }
            (ExpectKind::Reach(r @ Reach { spread: Some(sp), .. }), Some(_)) => {
                let Some(Some(a)) = analyses.get(i) else { continue };
                let mine: Vec<&crate::probe::ProbeResult> = results.iter().filter(|x| x.id == i).collect();
                verdicts.push(judge::judge_spread(lab, (i, e, r, sp), &mine, a));
            }
            (ExpectKind::Reach(r), Some(plan)) => {
                let Some(Some(a)) = analyses.get(i) else { continue };
                let probe = results.iter().find(|x| x.id == i);
                verdicts.push(judge::reach_verdict(lab, (i, e, r), plan, probe, a, overflowed));
            }
            (ExpectKind::Reach(_), None) => {}
        }
    }
    verdicts
}

/// How long a timeout the analyzer did not predict is given again before it counts.
const CONFIRM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// A timeout is no proof of a block: on a loaded machine an answer can take longer than the
/// probe's timeout (at 1,000 tasks, 214 of 10,000 connected pairs once timed out at 300 ms
/// while the matrix kept both CPUs busy). So a probe that timed out where the analyzer
/// predicts an answer is sent again once the others are done, with a longer timeout, and its second result
/// stands: a path is never called blocked that is not. Where the analyzer predicts the
/// timeout, the first result stands (no cost for blocked pairs).
async fn confirm_timeouts(
    expects: &[Expectation],
    analyses: &[Option<crate::analyze::Analysis>],
    specs: &[crate::probe::ProbeSpec],
    results: &mut [crate::probe::ProbeResult],
) {
    use crate::scenario::Outcome;
    let predicts_answer = |id: usize| match (expects.get(id).map(|e| &e.kind), analyses.get(id)) {
        (Some(ExpectKind::Reach(r)), Some(Some(a))) if r.spread.is_none() => {
            a.outcome.is_some_and(|o| o != Outcome::Timeout)
        }
        _ => false,
    };
    let again: Vec<crate::probe::ProbeSpec> = results
        .iter()
        .filter(|res| res.outcome == Outcome::Timeout && res.error.is_none() && predicts_answer(res.id))
        .filter_map(|res| specs.iter().find(|sp| sp.id == res.id))
        .map(|sp| crate::probe::ProbeSpec { timeout: sp.timeout.max(CONFIRM_TIMEOUT), ..sp.clone() })
        .collect();
    if again.is_empty() {
        return;
    }
    for second in crate::probe::run(again).await {
        if let Some(first) = results.iter_mut().find(|r| r.id == second.id) {
            *first = second;
        }
    }
}

/// A reachability check's flow on the model, as its probe goes (HTTPS too).
fn analyze_reach(lab: &Lab, r: &Reach) -> crate::analyze::Analysis {
    let request = (r.path.as_str(), r.http.as_ref().is_some_and(|h| h.https));
    crate::analyze::analyze_request(lab, (&r.from.value, &r.to.value), (r.port, r.protocol, r.via), request)
}

/// The planned probes: those of `http: { scheme: https }` checks as HTTPS probes (to the load
/// balancer's DNS name, or the address, trusting the lab CA), the others as they are.
fn https_probes(
    lab: &Lab,
    expects: &[Expectation],
    planned: &[Option<Planned>],
    keep: impl Fn(usize) -> bool,
) -> (Vec<crate::probe::https::HttpsProbe>, Vec<crate::probe::ProbeSpec>) {
    let is_https = |id: usize| match expects.get(id).map(|e| &e.kind) {
        Some(ExpectKind::Reach(r)) => r.http.as_ref().is_some_and(|h| h.https),
        _ => false,
    };
    let all = planned
        .iter()
        .flatten()
        .filter_map(|p| if let Planned::Probe(s) = p { Some(s.clone()) } else { None })
        .filter(|s| keep(s.id));
    let (https, plain): (Vec<_>, Vec<_>) = all.partition(|s| is_https(s.id));
    if https.is_empty() {
        return (vec![], plain);
    }
    let ca = lab_ca(lab);
    let https = https
        .into_iter()
        .map(|spec| {
            let server_name = match expects.get(spec.id).map(|e| &e.kind) {
                Some(ExpectKind::Reach(r)) => {
                    r.asked.clone().unwrap_or_else(|| resolve::server_name(lab, &r.to.value, spec.dst))
                }
                _ => spec.dst.to_string(),
            };
            crate::probe::https::HttpsProbe { spec, server_name, ca_pem: ca.clone() }
        })
        .collect();
    (https, plain)
}

/// The number of requests of expectation `id`, when it is a `requests: N` check.
fn spread_of(expects: &[Expectation], id: usize) -> Option<usize> {
    match expects.get(id).map(|e| &e.kind) {
        Some(ExpectKind::Reach(Reach { spread: Some(s), .. })) => Some(s.requests as usize),
        _ => None,
    }
}

/// The requests of the `requests: N` checks, once every other probe is done: each check's N
/// requests one after another (each result carries its id), so that no other request takes a
/// turn of the load balancer's round robin between them (sent with the others, two checks'
/// requests interleave, and one of them may see every other target only).
async fn spread_probes(
    lab: &Lab,
    expects: &[Expectation],
    planned: &[Option<Planned>],
) -> Vec<crate::probe::ProbeResult> {
    let mut out = vec![];
    for id in (0..expects.len()).filter(|&i| matches!(planned.get(i), Some(Some(Planned::Probe(_))))) {
        let Some(n) = spread_of(expects, id) else { continue };
        // The same probe as a plain or an HTTPS one, as any other check's.
        let (https, plain) = https_probes(lab, expects, planned, |x| x == id);
        for _ in 0..n {
            let (a, b) = tokio::join!(crate::probe::https::run(https.clone()), crate::probe::run(plain.clone()));
            out.extend(a.into_iter().chain(b));
        }
    }
    out
}

/// The lab CA's certificate (PEM), as `up` wrote it; empty when there is none.
fn lab_ca(lab: &Lab) -> String {
    use crate::dataplane::sandbox::{CA_CERT, ca_dir};
    std::fs::read_to_string(ca_dir(&crate::dataplane::state::dir(&lab.name)).join(CA_CERT)).unwrap_or_default()
}

/// A service expectation judged on the lab as it is when its `event` appears: an event of the
/// service scheduler while the lab runs (a task replaced after failing its health checks) is
/// waited for, at most as long as ECS would take ([`event_deadline`]).
async fn service_eventually(
    lab: &Lab,
    i: usize,
    e: &Expectation,
    s: &crate::scenario::ServiceState,
    starts: &[crate::model::pull::StartResult],
) -> judge::Verdict {
    let has = |l: &Lab| {
        let svc = l.service(&s.service.value);
        s.event.as_ref().is_none_or(|t| svc.is_none_or(|svc| svc.events.iter().any(|x| x.contains(t.as_str()))))
    };
    let mut now = lab.clone();
    let deadline = std::time::Instant::now() + event_deadline(lab, &s.service.value);
    while !has(&now) && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        if let Ok(l) = crate::dataplane::state::load_lab(&lab.name) {
            now = l;
        }
    }
    judge::judge_service(&now, i, e, s, &tasks_up(&now, starts))
}

/// How long the scheduler may take to act on service `name`: its grace period, then its
/// groups' health checks settling to unhealthy, then its longest deregistration delay, and a
/// few seconds more; at most two minutes. No group: nothing to wait for.
pub fn event_deadline(lab: &Lab, name: &str) -> std::time::Duration {
    let Some(svc) = lab.service(name) else { return std::time::Duration::ZERO };
    let groups: Vec<_> = lab
        .target_groups
        .iter()
        .filter(|g| {
            svc.load_balancers
                .iter()
                .any(|l| crate::scenario::target_group::target_group_name(&l.target_group_arn) == g.name)
        })
        .collect();
    let settle = groups.iter().map(|g| {
        let h = &g.health_check;
        u64::from(h.interval_seconds) * u64::from(h.unhealthy_threshold) + u64::from(h.timeout_seconds)
    });
    let Some(settle) = settle.max() else { return std::time::Duration::ZERO };
    let drain = groups.iter().map(|g| u64::from(g.deregistration_delay_seconds)).max().unwrap_or(0);
    let grace = u64::from(svc.health_check_grace_period_seconds.unwrap_or(0));
    std::time::Duration::from_secs((grace + settle + drain + 10).min(120))
}

/// The tasks that run in the lab: started (`starts`), and every container's program up (the
/// process that plays it: its own command, else the agent that answers for it).
fn tasks_up(lab: &Lab, starts: &[crate::model::pull::StartResult]) -> Vec<String> {
    let Ok(j) = crate::dataplane::state::load_journal(&lab.name) else { return vec![] };
    let alive: std::collections::HashSet<&str> =
        j.processes.iter().filter(|r| crate::dataplane::procs::alive(r)).map(|r| r.role.as_str()).collect();
    let stopped = |t: &str| starts.iter().any(|s| s.task == t && !s.started);
    let containers = crate::model::docker::containers(lab);
    let up = |t: &crate::model::Task| {
        let mine = containers.iter().filter(|c| c.task().is_some_and(|x| x.name == t.name));
        t.is_running() && !stopped(&t.name) && mine.into_iter().all(|c| alive.contains(c.role().as_str()))
    };
    lab.tasks.iter().filter(|t| up(t)).map(|t| t.name.clone()).collect()
}

/// Judge the `targetHealth:` expectations on a blocking thread (each waits for its group's
/// health checks to settle), None when there are none.
fn spawn_target_health(lab: &Lab, expects: &[Expectation]) -> Option<tokio::task::JoinHandle<Vec<Verdict>>> {
    let checks: Vec<(usize, Expectation, crate::scenario::TargetHealthCheck)> = expects
        .iter()
        .enumerate()
        .filter_map(
            |(i, e)| if let ExpectKind::TargetHealth(t) = &e.kind { Some((i, e.clone(), t.clone())) } else { None },
        )
        .collect();
    if checks.is_empty() {
        return None;
    }
    let lab = lab.clone();
    let judge = move || checks.iter().map(|(i, e, t)| judge::judge_target_health(&lab, *i, e, t)).collect();
    Some(tokio::task::spawn_blocking(judge))
}

/// Each `call:` expectation: the call to make (or why it cannot be), and the analyzer's walk.
type PlannedCall = (usize, Result<crate::probe::call::CallProbe, String>, crate::analyze::call::CallAnalysis);

fn plan_calls(lab: &Lab, expects: &[Expectation]) -> Vec<PlannedCall> {
    let calls: Vec<(usize, &crate::scenario::CallCheck)> = expects
        .iter()
        .enumerate()
        .filter_map(|(i, e)| if let ExpectKind::Call(c) = &e.kind { Some((i, c)) } else { None })
        .collect();
    if calls.is_empty() {
        return vec![];
    }
    let ca = lab_ca(lab);
    calls
        .into_iter()
        .filter_map(|(i, c)| {
            let def = c.def()?;
            let a = crate::analyze::call::analyze_call(
                lab,
                &c.from.value,
                def,
                c.resource.as_ref().map(|r| r.value.as_str()),
            );
            Some((i, judge::plan_call(lab, i, c, &ca), a))
        })
        .collect()
}

/// The longest the agent takes to register a lab's instances: for a blocked one, the connect
/// timeout on `ecs`, then the one on ACS and TCS.
const REGISTRATION_WAIT: std::time::Duration = std::time::Duration::from_secs(6);

/// How many probes a `never:` expands to, counted without building them: matching sources
/// times, per matching destination, its declared ports and the host ports that publish them
/// (as `judge::never` walks them). An upper bound: a pair with no address is skipped later.
pub fn never_count(lab: &Lab, n: &Never) -> usize {
    let hit = |p: &str, node: &Node| crate::judge::never::matches_in(lab, p, node);
    let keep = |p: &str, node: &Node| hit(p, node) && !n.except.iter().any(|x| hit(x, node));
    let (srcs, dsts) = resolve::nodes(lab);
    let srcs: Vec<&Node> = srcs.iter().filter(|s| keep(&n.from.value, s)).collect();
    let mut total = 0usize;
    for d in dsts.iter().filter(|d| keep(&n.to.value, d)) {
        let senders = srcs.len() - usize::from(srcs.contains(&d));
        total = total.saturating_add(senders.saturating_mul(ways_in_count(lab, d)));
    }
    total
}

/// The number of ways into `d`: the same list the expansion walks, so the two never disagree.
fn ways_in_count(lab: &Lab, d: &Node) -> usize {
    crate::judge::never::ways_in(lab, d).len()
}

fn over_never_cap(e: &Expectation, count: usize) -> Diagnostic {
    Diagnostic::new(
        &e.loc,
        format!("this `never:` expands to {} probes, more than {}", thousands(count), thousands(MAX_NEVER_PROBES)),
        "narrow `from` or `to`, or add `except` or `protocol`",
    )
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The probe budget of a scenario's expectations on its lab: every `never:` within
/// `MAX_NEVER_PROBES`, the whole run within `MAX_RUN_PROBES`. Checked by `validate`, `test`,
/// `up` and `check` before anything is sent.
pub fn budget(lab: &Lab, expects: &[Expectation]) -> Result<(), Vec<Diagnostic>> {
    let mut errors = vec![];
    let mut total = 0usize;
    for e in expects {
        let n = match &e.kind {
            ExpectKind::Reach(_) => 1,
            ExpectKind::Never(nv) => never_count(lab, nv),
            _ => 0,
        };
        if matches!(e.kind, ExpectKind::Never(_)) && n > MAX_NEVER_PROBES {
            errors.push(over_never_cap(e, n));
        }
        total = total.saturating_add(n);
    }
    if errors.is_empty() && total > MAX_RUN_PROBES {
        let at = expects.first().map(|e| e.loc.clone());
        if let Some(at) = at {
            errors.push(Diagnostic::new(
                &at,
                format!(
                    "the expectations send {} probes, more than {} per run",
                    thousands(total),
                    thousands(MAX_RUN_PROBES)
                ),
                "split the expectations over several scenario files, or narrow the `never:` checks",
            ));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// A `never:` assertion: its cases probed at once, then judged.
pub async fn check_never(lab: &Lab, index: usize, e: &Expectation, n: &Never) -> Verdict {
    let count = never_count(lab, n);
    if count > MAX_NEVER_PROBES {
        let mut v = Verdict::new(index, format!("never {} -> {}", n.from.value, n.to.value), e);
        v.detail = over_never_cap(e, count).message;
        return v;
    }
    let cases = judge::never::cases(lab, n);
    let through = judge::never_through::cases(lab, n, &lab_ca(lab));
    let specs = cases.iter().map(|c| c.spec.clone()).collect();
    let sites = cases.iter().filter_map(|c| Some((c.spec.id, c.analysis.drop_site.clone()?))).collect();
    let (results, through_results) = tokio::join!(crate::probe::run_watched(specs, sites), through_probes(&through));
    let reached = judge::never_through::tally(lab, n, &through, &through_results);
    judge::never::verdict_through(index, e, n, (&cases, &results), reached)
}

/// The requests of `onlyThrough`, in order: HTTPS listeners' over TLS, the others plain.
async fn through_probes(cases: &[judge::never_through::ThroughCase]) -> Vec<crate::probe::ProbeResult> {
    let tls: Vec<_> = cases.iter().filter(|c| c.tls).map(|c| c.probe.clone()).collect();
    let plain: Vec<_> = cases.iter().filter(|c| !c.tls).map(|c| c.probe.spec.clone()).collect();
    let (tls, plain) = tokio::join!(crate::probe::https::run(tls), crate::probe::run(plain));
    let mut all: Vec<crate::probe::ProbeResult> = tls.into_iter().chain(plain).collect();
    all.sort_by_key(|r| r.id);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `targetHealth: { service: api }` in scenario 26: one check per task in group api.
    #[test]
    fn a_service_target_health_is_one_check_per_task_and_group() {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/26-fargate-service-alb.yaml");
        let s = crate::scenario::load(&p).unwrap();
        let lab = crate::model::build(&s).unwrap();
        let (out, origin) = expand_services(&lab, &s.expect);
        let checks: Vec<(String, String, usize)> = out
            .iter()
            .zip(&origin)
            .filter_map(|(e, i)| match &e.kind {
                ExpectKind::TargetHealth(t) => Some((t.target_group.value.clone(), t.target.value.clone(), *i)),
                _ => None,
            })
            .collect();
        let i = checks.first().map(|c| c.2).unwrap_or_default();
        assert_eq!(
            checks,
            vec![("api".into(), "task/api-1".into(), i), ("api".into(), "task/api-2".into(), i)],
            "both tasks, from the one expectation"
        );
    }
}
