//! Name checks: what a real query got against what the expectation says, cross-checked with
//! the analyzer's answer for the same name from the same node.

use super::Verdict;
use crate::analyze::dns::NameAnalysis;
use crate::model::Lab;
use crate::model::resolve;
use crate::probe::dns::{DnsOutcome, DnsResult, SrvAnswer};
use crate::scenario::{DnsCheck, Expectation, Outcome, ResolvesTo};
use std::net::Ipv4Addr;

/// What the analyzer says the query gets, in the probe's terms (`srv`: an SRV query; an A
/// query otherwise), every record the name holds (a limited answer holds some of them).
pub fn predicted(a: &NameAnalysis, srv: bool) -> DnsOutcome {
    if let Some(ans) = &a.answer {
        let rcode = if ans.nxdomain { "NXDOMAIN" } else { "NOERROR" };
        let (addrs, srv) = if srv { (vec![], srv_of(ans)) } else { (sorted(&ans.addrs), vec![]) };
        return DnsOutcome::Answer { rcode: rcode.into(), addrs, srv };
    }
    if let Some(n) = &a.not_dns {
        return DnsOutcome::NotDns(n.to_string());
    }
    DnsOutcome::Failed(a.failure.unwrap_or(Outcome::Timeout), a.why.clone())
}

fn srv_of(ans: &crate::model::dns::Answer) -> Vec<SrvAnswer> {
    let mut v: Vec<SrvAnswer> =
        ans.srv.iter().map(|(s, ip)| SrvAnswer { port: s.port, target: s.target.clone(), addr: *ip }).collect();
    v.sort();
    v
}

fn sorted<T: Ord + Clone>(v: &[T]) -> Vec<T> {
    let mut v = v.to_vec();
    v.sort();
    v
}

/// Whether what came back is what the analyzer says: the same code and records; for a name
/// answered with at most `limit` of its records at random (Cloud Map), that many of them.
pub fn agrees(a: &NameAnalysis, srv: bool, got: &DnsOutcome) -> bool {
    let want = predicted(a, srv);
    let limit = a.answer.as_ref().and_then(|x| x.limit);
    match (&want, got) {
        (
            DnsOutcome::Answer { rcode: r1, addrs: a1, srv: s1 },
            DnsOutcome::Answer { rcode: r2, addrs: a2, srv: s2 },
        ) => r1 == r2 && some_of(a1, a2, limit) && some_of(s1, s2, limit),
        (DnsOutcome::NotDns(_), DnsOutcome::NotDns(_)) => true,
        (DnsOutcome::Failed(o1, _), DnsOutcome::Failed(o2, _)) => o1 == o2,
        _ => false,
    }
}

/// `got` is `all` (any order), or, when `all` has more than `limit`, `limit` distinct of them.
fn some_of<T: Ord + Clone>(all: &[T], got: &[T], limit: Option<usize>) -> bool {
    let got = sorted(got);
    match limit {
        Some(k) if all.len() > k => {
            got.len() == k && got.windows(2).all(|w| w[0] != w[1]) && got.iter().all(|g| all.contains(g))
        }
        _ => sorted(all) == got,
    }
}

/// `NOERROR 10.0.1.5`, `NOERROR 8080 ab12….web.corp.local (10.0.1.5)`, `NXDOMAIN`, `timeout`.
/// The records in order, whatever order they came in (a Cloud Map answer's is random).
pub fn describe(o: &DnsOutcome) -> String {
    match o {
        DnsOutcome::Answer { rcode, addrs, srv } if addrs.is_empty() && srv.is_empty() => rcode.clone(),
        DnsOutcome::Answer { rcode, addrs, srv } => {
            let mut parts: Vec<String> = sorted(addrs).iter().map(|a| a.to_string()).collect();
            parts.extend(sorted(srv).iter().map(|s| match s.addr {
                Some(ip) => format!("{} {} ({ip})", s.port, s.target),
                None => format!("{} {}", s.port, s.target),
            }));
            format!("{rcode} {}", parts.join(", "))
        }
        DnsOutcome::NotDns(s) => format!("a reply that is not DNS ({s})"),
        DnsOutcome::Failed(o, d) => format!("{o} ({d})"),
    }
}

/// Whether `got` is what `want` asks for. An SRV answer's targets stand for the tasks they
/// name (`TASKID.SERVICE.NAMESPACE`) and resolve to their addresses.
pub fn satisfies(lab: &Lab, want: &ResolvesTo, got: &DnsOutcome) -> bool {
    let (addrs, srv): (Vec<Ipv4Addr>, &[SrvAnswer]) = match got {
        DnsOutcome::Answer { rcode, addrs, srv } if rcode == "NOERROR" => {
            (addrs.iter().copied().chain(srv.iter().filter_map(|s| s.addr)).collect(), srv)
        }
        DnsOutcome::Answer { rcode, .. } if rcode == "NXDOMAIN" => return *want == ResolvesTo::Nxdomain,
        DnsOutcome::Failed(Outcome::Timeout, _) => return *want == ResolvesTo::Timeout,
        _ => return false,
    };
    let in_vpc = |ip: &Ipv4Addr| lab.vpc.cidr.contains(*ip);
    let any = !addrs.is_empty();
    match want {
        ResolvesTo::Nxdomain | ResolvesTo::Timeout => false,
        ResolvesTo::Addresses(want) => sorted(&addrs) == sorted(want),
        ResolvesTo::Node(n) if !srv.is_empty() => srv.iter().all(|s| target_is(lab, &s.target, n)),
        ResolvesTo::Node(n) => {
            let of = resolve::addresses_of(lab, n);
            any && addrs.iter().all(|ip| of.contains(ip))
        }
        ResolvesTo::Public => any && addrs.iter().all(|ip| !in_vpc(ip) && !ip.is_private()),
        ResolvesTo::Private => any && addrs.iter().all(in_vpc),
    }
}

/// Whether an SRV target (`TASKID.…`) names a task of `n` (`task/NAME` or `service/NAME`).
fn target_is(lab: &Lab, target: &str, n: &crate::scenario::Node) -> bool {
    let id = target.split('.').next().unwrap_or_default();
    let Some(t) = lab.tasks.iter().find(|t| t.id == id) else { return false };
    match n {
        crate::scenario::Node::Task { task, .. } => *task == t.name,
        crate::scenario::Node::Service(s) => {
            lab.service(s).is_some_and(|svc| svc.tasks.iter().any(|ti| lab.tasks[*ti].id == id))
        }
        _ => false,
    }
}

pub fn judge_dns(
    lab: &Lab,
    index: usize,
    e: &Expectation,
    d: &DnsCheck,
    probe: Option<&DnsResult>,
    a: &NameAnalysis,
) -> Verdict {
    let mut v = Verdict::new(index, d.title(), e);
    let want = predicted(a, d.srv);
    let Some(p) = probe else {
        v.detail = format!("not probed; the analyzer says {}: {}", describe(&want), a.why);
        return v;
    };
    if let Some(err) = &p.error {
        v.detail = format!("the query could not be sent: {err}");
        return v;
    }
    v.elapsed_ms = p.elapsed.as_secs_f64() * 1000.0;
    v.outcome = Some(match &p.outcome {
        DnsOutcome::Answer { .. } | DnsOutcome::NotDns(_) => Outcome::Connected,
        DnsOutcome::Failed(o, _) => *o,
    });
    v.served_by = a.server.map(|s| s.to_string());
    v.reason = a.path.as_ref().and_then(|p| p.code).filter(|_| a.failure.is_some());
    v.pass = satisfies(lab, &d.resolves_to.value, &p.outcome);
    let mut detail = format!("{}: {}", describe(&p.outcome), a.why);
    if !v.pass {
        detail = format!("expected {}, got {detail}", d.resolves_to.value);
    }
    if !agrees(a, d.srv, &p.outcome) {
        v.mismatch = true;
        detail = format!(
            "MODEL/DATAPLANE MISMATCH: the analyzer says {}, the packets say {}; {detail}",
            describe(&want),
            describe(&p.outcome)
        );
    }
    v.detail = detail;
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::dns::Answer;

    fn analysis(addrs: &[u8], limit: Option<usize>) -> NameAnalysis {
        let addrs = addrs.iter().map(|n| Ipv4Addr::new(10, 0, 1, *n)).collect();
        NameAnalysis {
            server: None,
            path: None,
            answer: Some(Answer { addrs, limit, ..Default::default() }),
            not_dns: None,
            failure: None,
            why: String::new(),
        }
    }

    fn got(addrs: &[u8]) -> DnsOutcome {
        let addrs = addrs.iter().map(|n| Ipv4Addr::new(10, 0, 1, *n)).collect();
        DnsOutcome::Answer { rcode: "NOERROR".into(), addrs, srv: vec![] }
    }

    #[test]
    fn a_limited_answer_agrees_when_it_holds_that_many_of_the_records() {
        let weighted = analysis(&[4, 5, 6], Some(1));
        assert!(agrees(&weighted, false, &got(&[5])));
        assert!(!agrees(&weighted, false, &got(&[5, 6])), "WEIGHTED answers one");
        assert!(!agrees(&weighted, false, &got(&[7])), "not a registered task");
        let multivalue = analysis(&[4, 5], Some(8));
        assert!(agrees(&multivalue, false, &got(&[5, 4])), "under the limit: all of them");
        assert!(!agrees(&multivalue, false, &got(&[4])));
        // An SRV query of a name with only A records: an empty answer.
        assert!(agrees(&multivalue, true, &got(&[])));
    }
}
