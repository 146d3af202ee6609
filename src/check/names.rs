//! Reachability checks written with a DNS name (`to: api.local:8080`): the source's resolver is
//! asked on packets first, as a client does, and the check then probes the first address it
//! answered, which the analyzer walks too (`judge::by_name` compares the two resolvers).

use crate::judge::by_name::Asked;
use crate::model::{Lab, resolve};
use crate::probe::dns::DnsProbe;
use crate::scenario::{ExpectKind, Expectation, Node};
use std::time::Duration;

/// How long a query the analyzer says is answered is given again before its silence counts,
/// as a reachability probe's timeout is (see `confirm_timeouts`).
const CONFIRM: Duration = Duration::from_secs(2);

/// Ask every name of `expects` from its check's source, and put the first address answered
/// in the name's place. A name nothing answered stays: the check has nothing to connect to.
pub async fn resolve(lab: &Lab, mut expects: Vec<Expectation>) -> (Vec<Expectation>, Vec<Asked>) {
    let mut asked = vec![];
    let mut probes = vec![];
    for (i, e) in expects.iter().enumerate() {
        let ExpectKind::Reach(r) = &e.kind else { continue };
        let Node::Name(name) = &r.to.value else { continue };
        let (a, p) = plan(lab, i, &r.from.value, name, Duration::from_millis(r.timeout_ms));
        asked.push(a);
        probes.extend(p);
    }
    if asked.is_empty() {
        return (expects, asked);
    }
    let results = run(&asked, probes).await;
    for a in &mut asked {
        a.result = results.iter().find(|r| r.id == a.index).cloned();
        let (Some(ip), Some(Expectation { kind: ExpectKind::Reach(r), .. })) = (a.first(), expects.get_mut(a.index))
        else {
            continue;
        };
        r.asked = Some(a.name.clone());
        r.to.value = Node::Ip(ip);
    }
    (expects, asked)
}

/// `name` asked from `from` on packets, as `ecsnet probe LAB FROM NAME:PORT` does first.
pub async fn ask(lab: &Lab, from: &Node, name: &str, timeout: Duration) -> Asked {
    let (mut a, p) = plan(lab, 0, from, name, timeout);
    a.result = run(std::slice::from_ref(&a), p.into_iter().collect()).await.into_iter().next();
    a
}

/// The analyzer's answer for the name, and the query the packets send: to the resolver the
/// analyzer says the source asks (none when the source cannot send, or asks nobody).
fn plan(lab: &Lab, id: usize, from: &Node, name: &str, timeout: Duration) -> (Asked, Option<DnsProbe>) {
    let analysis = crate::analyze::dns::analyze_name(lab, from, name, None);
    let probe = match (resolve::source(lab, from), analysis.server) {
        (Ok(src), Some(server)) => {
            Some(DnsProbe { id, src_ns: src.ns, bind: src.bind, server, name: name.to_string(), srv: false, timeout })
        }
        _ => None,
    };
    (Asked { index: id, name: name.to_string(), analysis, result: None }, probe)
}

/// The queries at once; one that got nothing where the analyzer says an answer comes is asked
/// again, longer: a loaded machine can be slow, and a name is never called unresolved that is not.
async fn run(asked: &[Asked], probes: Vec<DnsProbe>) -> Vec<crate::probe::dns::DnsResult> {
    let mut results = crate::probe::dns::run(probes.clone()).await;
    let again: Vec<DnsProbe> = probes
        .into_iter()
        .filter(|p| {
            let silent = results.iter().any(|r| r.id == p.id && crate::judge::by_name::silent(r));
            silent && asked.iter().any(|a| a.index == p.id && a.analysis.answer.is_some())
        })
        .map(|p| DnsProbe { timeout: p.timeout.max(CONFIRM), ..p })
        .collect();
    for second in crate::probe::dns::run(again).await {
        if let Some(first) = results.iter_mut().find(|r| r.id == second.id) {
            *first = second;
        }
    }
    results
}
