//! Checks a running lab's expectations: plans a probe per expectation, sends them all at once
//! (`probe`), analyzes each flow on the model (`analyze`) and judges the pair (`judge`).

use crate::analyze::analyze;
use crate::judge::{self, Planned, Verdict};
use crate::model::Lab;
use crate::scenario::{ExpectKind, Expectation, Never};
use crate::sys::neigh::arp_table_fulls;

/// Probe every expectation of a lab (concurrently) and judge them, in file order.
pub async fn run(lab: &Lab, expects: &[Expectation]) -> Vec<Verdict> {
    let planned: Vec<Option<Planned>> = expects
        .iter()
        .enumerate()
        .map(|(i, e)| match &e.kind {
            ExpectKind::Reach(r) => Some(judge::plan_reach(lab, i, r)),
            _ => None,
        })
        .collect();
    let specs = planned.iter().flatten().filter_map(|p| if let Planned::Probe(s) = p { Some(s.clone()) } else { None });
    let fulls = arp_table_fulls();
    let results = crate::probe::run(specs.collect()).await;
    let overflowed = arp_table_fulls() > fulls;
    let mut verdicts = vec![];
    for (i, e) in expects.iter().enumerate() {
        match (&e.kind, &planned[i]) {
            (ExpectKind::Placement(p), _) => verdicts.push(judge::judge_placement(lab, i, e, p)),
            (ExpectKind::HostPort(h), _) => verdicts.push(judge::judge_host_port(lab, i, e, h)),
            (ExpectKind::Never(n), _) => verdicts.push(check_never(lab, i, e, n).await),
            (ExpectKind::Reach(r), Some(plan)) => {
                let probe = results.iter().find(|x| x.id == i);
                let a = analyze(lab, &r.from.value, &r.to.value, r.port, r.protocol, r.via);
                verdicts.push(judge::reach_verdict(lab, (i, e, r), plan, probe, &a, overflowed));
            }
            (ExpectKind::Reach(_), None) => {}
        }
    }
    verdicts
}

/// A `never:` assertion: its cases probed at once, then judged.
pub async fn check_never(lab: &Lab, index: usize, e: &Expectation, n: &Never) -> Verdict {
    let cases = judge::never::cases(lab, n);
    let results = crate::probe::run(cases.iter().map(|c| c.spec.clone()).collect()).await;
    judge::never::verdict(index, e, n, &cases, &results)
}
