//! Reachability to a DNS name (`to: api.local:8080`): a check asks the source's resolver on
//! packets first, as a client's `getaddrinfo` does, and probes the first address it answers.
//! What the packets' resolver answered must be what the analyzer's answers (the same records,
//! or as many of them at random as a Cloud Map name gives); the verdict says which address
//! was probed, and a disagreement is a MODEL/DATAPLANE MISMATCH like any other.

use super::Verdict;
use super::dns::{agrees, describe, predicted};
use crate::analyze::resolver::NameAnalysis;
use crate::probe::dns::{DnsOutcome, DnsResult};
use std::net::Ipv4Addr;

/// One reachability check written with a name, as the packets and the analyzer resolved it.
pub struct Asked {
    /// The check's index (among the checks of a run).
    pub index: usize,
    pub name: String,
    /// The analyzer's query: its resolver, answer and why.
    pub analysis: NameAnalysis,
    /// The packets' query; None when it could not be asked (no source, no resolver).
    pub result: Option<DnsResult>,
}

impl Asked {
    /// The first address the packets' resolver answered: the one a client connects to.
    pub fn first(&self) -> Option<Ipv4Addr> {
        match self.result.as_ref().map(|r| &r.outcome) {
            Some(DnsOutcome::Answer { addrs, .. }) => addrs.first().copied(),
            _ => None,
        }
    }

    /// Whether the packets' answer is the analyzer's. A query that could not be sent (an
    /// unplaced source) is no verdict about the network: nothing to compare.
    fn agrees(&self) -> bool {
        match &self.result {
            Some(r) if r.error.is_none() => agrees(&self.analysis, false, &r.outcome),
            _ => true,
        }
    }
}

/// What the packets' resolver answered (`NOERROR 10.0.1.5, 10.0.2.7`), or why it was not asked.
fn got(asked: &Asked) -> String {
    match &asked.result {
        Some(r) if r.error.is_none() => describe(&r.outcome),
        Some(r) => format!("not asked: {}", r.error.clone().unwrap_or_default()),
        None => format!("not asked: {}", asked.analysis.why),
    }
}

/// How the name resolved on packets: `api.local -> 10.0.1.5 (NOERROR 10.0.1.5 from 10.0.0.2)`.
pub fn line(asked: &Asked) -> String {
    let got = got(asked);
    let server = asked.analysis.server.map(|s| format!(" from {s}")).unwrap_or_default();
    match asked.first() {
        Some(ip) => format!("{} -> {ip} ({got}{server})", asked.name),
        None => format!("{}: {got}{server}", asked.name),
    }
}

/// A query that got no answer at all (a timeout), which a busy machine can cause.
pub fn silent(r: &DnsResult) -> bool {
    r.error.is_none() && matches!(r.outcome, DnsOutcome::Failed(crate::scenario::Outcome::Timeout, _))
}

/// The verdict of a check to a name, with how the name resolved in front of its detail, and
/// a MODEL/DATAPLANE MISMATCH when the two resolvers disagree.
pub fn annotate(mut v: Verdict, asked: &Asked) -> Verdict {
    let head = line(asked);
    let got = got(asked);
    v.probed = asked.first().map(|ip| ip.to_string());
    v.detail = if v.detail.is_empty() { head } else { format!("{head}; {}", v.detail) };
    if !asked.agrees() {
        v.mismatch = true;
        v.pass = false;
        v.detail.push_str(&format!(
            "; MODEL/DATAPLANE MISMATCH: the analyzer says {} answers {}, the packets {got}",
            asked.name,
            describe(&predicted(&asked.analysis, false))
        ));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Outcome;
    use std::time::Duration;

    fn asked(outcome: DnsOutcome) -> Asked {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/30-service-discovery.yaml");
        let l = crate::model::build(&crate::scenario::load(&p).unwrap()).unwrap();
        let analysis = crate::analyze::dns::analyze_name(&l, &"task/web".parse().unwrap(), "api.corp.local", None);
        let result = DnsResult { id: 3, outcome, elapsed: Duration::from_millis(1), error: None };
        Asked { index: 3, name: "api.corp.local".into(), analysis, result: Some(result) }
    }

    fn verdict() -> Verdict {
        let e = crate::scenario::Expectation {
            kind: crate::scenario::ExpectKind::Placement(crate::scenario::Placement {
                task: crate::scenario::Located::bare("web".into()),
                placed: true,
                reason: None,
            }),
            loc: crate::scenario::Loc::none(),
        };
        let mut v = Verdict::new(3, "t".into(), &e);
        v.pass = true;
        v.detail = "served by task/api-1/app".into();
        v
    }

    #[test]
    fn the_packets_answer_is_said_and_compared_with_the_analyzers() {
        let ip = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        let both = vec![ip("10.30.2.5"), ip("10.30.1.5")];
        let a = asked(DnsOutcome::Answer { rcode: "NOERROR".into(), addrs: both, srv: vec![] });
        assert_eq!(a.first(), Some(ip("10.30.2.5")), "the first address answered is probed");
        let v = annotate(verdict(), &a);
        assert!(v.pass && !v.mismatch, "{}", v.detail);
        assert_eq!(
            v.detail,
            "api.corp.local -> 10.30.2.5 (NOERROR 10.30.1.5, 10.30.2.5 from 10.30.0.2); served by task/api-1/app"
        );
        // An address the analyzer does not give, or no answer where it gives one: a bug.
        let odd = asked(DnsOutcome::Answer { rcode: "NOERROR".into(), addrs: vec![ip("10.30.9.9")], srv: vec![] });
        let v = annotate(verdict(), &odd);
        assert!(!v.pass && v.mismatch, "{}", v.detail);
        assert!(v.detail.contains("MODEL/DATAPLANE MISMATCH: the analyzer says api.corp.local answers NOERROR 10.30.1.5, 10.30.2.5, the packets NOERROR 10.30.9.9"), "{}", v.detail);
        let silent = asked(DnsOutcome::Failed(Outcome::Timeout, "no answer in 300 ms".into()));
        assert!(silent.first().is_none() && annotate(verdict(), &silent).mismatch);
    }
}
