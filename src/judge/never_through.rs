//! `never: { …, onlyThrough: alb/NAME }`: the destinations are reachable only through a load
//! balancer. The `never` cases (each destination's own address and ports) must not connect, as
//! in any `never`; besides, from every source, a request to one of the load balancer's
//! listeners (HTTPS ones over verified TLS) must be answered by a destination `to` matches.
//! A `never` alone already probes a target's own address only: the load balancer is another
//! node, and its path is never counted as a violation.

use super::never::matches_in;
use crate::analyze::Analysis;
use crate::model::{Lab, resolve};
use crate::probe::ProbeResult;
use crate::probe::https::HttpsProbe;
use crate::scenario::{ElbProtocol, Never, Node, Outcome, ProbeProto};
use std::time::Duration;

/// A request through the load balancer from one source.
pub struct ThroughCase {
    /// The source, as `from` matched it.
    pub source: Node,
    /// `internet -> alb/web:443/https`
    pub name: String,
    /// The probe, with the name to verify when the listener is HTTPS.
    pub probe: HttpsProbe,
    pub tls: bool,
    pub analysis: Analysis,
}

/// Every source's requests to every listener of the load balancer `onlyThrough` names.
pub fn cases(lab: &Lab, n: &Never, ca_pem: &str) -> Vec<ThroughCase> {
    let Some(name) = &n.only_through else { return vec![] };
    let Some(lb) = lab.load_balancers.iter().find(|lb| lb.name == name.value) else { return vec![] };
    let alb = Node::LoadBalancer(lb.name.clone());
    let excluded = |ep: &Node| n.except.iter().any(|x| matches_in(lab, x, ep));
    let (srcs, _) = resolve::nodes(lab);
    let mut out = vec![];
    for s in srcs.iter().filter(|s| matches_in(lab, &n.from.value, s) && !excluded(s)) {
        let Ok(source) = resolve::source(lab, s) else { continue };
        for l in &lb.listeners {
            let port = l.port.value;
            let Ok((dst, port)) = resolve::destination(lab, &alb, Some(port), None, ProbeProto::Http) else { continue };
            let tls = l.protocol == ElbProtocol::Https;
            let spec = crate::probe::ProbeSpec {
                id: out.len(),
                src_ns: source.ns.clone(),
                bind: source.bind,
                dst,
                port,
                proto: ProbeProto::Http,
                path: "/".into(),
                host: Some(lb.dns_name.clone()),
                timeout: Duration::from_millis(2000),
            };
            let analysis = crate::analyze::analyze_request(lab, (s, &alb), (port, ProbeProto::Http, None), ("/", tls));
            let scheme = if tls { "https" } else { "http" };
            let name = format!("{s} -> {alb}:{}/{scheme}", port.unwrap_or(0));
            let probe = HttpsProbe { spec, server_name: lb.dns_name.clone(), ca_pem: ca_pem.to_string() };
            out.push(ThroughCase { source: s.clone(), name, probe, tls, analysis });
        }
    }
    out
}

/// What the requests through the load balancer came to: (the sources that reach no
/// destination through it, the cases where the analyzer and the packets disagree).
pub fn tally(lab: &Lab, n: &Never, cases: &[ThroughCase], results: &[ProbeResult]) -> (Vec<String>, Vec<String>) {
    let wanted = |task: Option<&str>| task.is_some_and(|t| matches_in(lab, &n.to.value, &Node::task(t)));
    let mut sources: Vec<&Node> = cases.iter().map(|c| &c.source).collect();
    sources.dedup();
    let (mut unreached, mut mismatches) = (vec![], vec![]);
    for s in sources {
        let mine = || cases.iter().enumerate().filter(move |(_, c)| &c.source == s);
        let packets = mine().any(|(i, _)| {
            results.get(i).is_some_and(|r| {
                r.outcome == Outcome::Connected && wanted(r.identity.as_ref().and_then(|id| id.task.as_deref()))
            })
        });
        let model = mine().any(|(_, c)| {
            c.analysis.outcome == Some(Outcome::Connected)
                && wanted(c.analysis.served_by.as_ref().and_then(|n| n.task_name()))
        });
        if !packets {
            unreached.push(format!("{s} does not reach {} through alb/{}", n.to.value, name_of(n)));
        }
        if packets != model {
            mismatches.push(format!(
                "{s} through alb/{}: analyzer {}, packets {}",
                name_of(n),
                if model { "reaches" } else { "does not reach" },
                if packets { "reach" } else { "do not reach" }
            ));
        }
    }
    (unreached, mismatches)
}

fn name_of(n: &Never) -> &str {
    n.only_through.as_ref().map_or("", |l| l.value.as_str())
}
