//! Name checks: what a real query got against what the expectation says, cross-checked with
//! the analyzer's answer for the same name from the same node.

use super::Verdict;
use crate::analyze::dns::NameAnalysis;
use crate::model::Lab;
use crate::model::resolve;
use crate::probe::dns::{DnsOutcome, DnsResult};
use crate::scenario::{DnsCheck, Expectation, Outcome, ResolvesTo};
use std::net::Ipv4Addr;

/// What the analyzer says the query gets, in the probe's terms.
pub fn predicted(a: &NameAnalysis) -> DnsOutcome {
    if let Some(ans) = &a.answer {
        let rcode = if ans.nxdomain { "NXDOMAIN" } else { "NOERROR" };
        return DnsOutcome::Answer { rcode: rcode.into(), addrs: sorted(&ans.addrs) };
    }
    if let Some(n) = &a.not_dns {
        return DnsOutcome::NotDns(n.to_string());
    }
    DnsOutcome::Failed(a.failure.unwrap_or(Outcome::Timeout), a.why.clone())
}

fn sorted(v: &[Ipv4Addr]) -> Vec<Ipv4Addr> {
    let mut v = v.to_vec();
    v.sort();
    v
}

/// Whether two outcomes are the same verdict (answers by code and addresses, failures by kind).
pub fn same(a: &DnsOutcome, b: &DnsOutcome) -> bool {
    match (a, b) {
        (DnsOutcome::Answer { rcode: r1, addrs: a1 }, DnsOutcome::Answer { rcode: r2, addrs: a2 }) => {
            r1 == r2 && sorted(a1) == sorted(a2)
        }
        (DnsOutcome::NotDns(_), DnsOutcome::NotDns(_)) => true,
        (DnsOutcome::Failed(o1, _), DnsOutcome::Failed(o2, _)) => o1 == o2,
        _ => false,
    }
}

/// `NOERROR 10.0.1.5`, `NXDOMAIN`, `timeout`, as a line says it.
pub fn describe(o: &DnsOutcome) -> String {
    match o {
        DnsOutcome::Answer { rcode, addrs } if addrs.is_empty() => rcode.clone(),
        DnsOutcome::Answer { rcode, addrs } => {
            format!("{rcode} {}", addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", "))
        }
        DnsOutcome::NotDns(s) => format!("a reply that is not DNS ({s})"),
        DnsOutcome::Failed(o, d) => format!("{o} ({d})"),
    }
}

/// Whether `got` is what `want` asks for.
pub fn satisfies(lab: &Lab, want: &ResolvesTo, got: &DnsOutcome) -> bool {
    let answer = match got {
        DnsOutcome::Answer { rcode, addrs } if rcode == "NOERROR" => Some(addrs),
        _ => None,
    };
    let in_vpc = |ip: &Ipv4Addr| lab.vpc.cidr.contains(*ip);
    match want {
        ResolvesTo::Nxdomain => matches!(got, DnsOutcome::Answer { rcode, .. } if rcode == "NXDOMAIN"),
        ResolvesTo::Timeout => matches!(got, DnsOutcome::Failed(Outcome::Timeout, _)),
        ResolvesTo::Addresses(want) => answer.is_some_and(|a| sorted(a) == sorted(want)),
        ResolvesTo::Node(n) => {
            let of = resolve::addresses_of(lab, n);
            answer.is_some_and(|a| !a.is_empty() && a.iter().all(|ip| of.contains(ip)))
        }
        ResolvesTo::Public => {
            answer.is_some_and(|a| !a.is_empty() && a.iter().all(|ip| !in_vpc(ip) && !ip.is_private()))
        }
        ResolvesTo::Private => answer.is_some_and(|a| !a.is_empty() && a.iter().all(in_vpc)),
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
    let want = predicted(a);
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
    if !same(&want, &p.outcome) {
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
