//! Comparing the analyzer with the packets: a mismatch and its signature.

use super::cases::NameCase;
use super::cases::{Case, addr_kind, node_kind};
use ecsnet::analyze::Analysis;
use ecsnet::analyze::dns::NameAnalysis;
use ecsnet::model::Lab;
use ecsnet::probe::ProbeResult;
use ecsnet::probe::dns::{DnsOutcome, DnsResult};
use ecsnet::scenario::{Node, Outcome, ProbeProto};
use std::path::Path;

/// A disagreement: its signature (what kind of bug) and the line that shows it.
pub struct Mismatch {
    pub signature: String,
    pub line: String,
    /// The command that explains it and the analyzer's hops, for the `.txt`.
    pub detail: Vec<String>,
}

fn outcome_and_code(a: &Analysis) -> String {
    let o = a.outcome.map(|o| o.to_string()).unwrap_or_default();
    match a.code {
        Some(c) => format!("{o}[{}]", c.code()),
        None => o,
    }
}

fn served_kind(lab: &Lab, n: Option<&str>) -> String {
    match n {
        None => "nobody".into(),
        Some(s) => s.parse::<Node>().map(|n| node_kind(lab, &n, None)).unwrap_or_else(|_| s.to_string()),
    }
}

/// A server that is not a responder (no identity line): the ECS agent's endpoints (the task
/// metadata endpoint, introspection on the instance) and the instance metadata service.
fn agent_service(lab: &Lab, n: Option<&Node>) -> bool {
    match n {
        Some(
            Node::Metadata | Node::InstanceMetadata | Node::Instance(_) | Node::Dns | Node::Aws(_) | Node::Endpoint(_),
        ) => true,
        Some(Node::Ip(ip)) => ecsnet::model::dns::is_internet_resolver(lab, *ip),
        _ => false,
    }
}

/// The mismatch of a case, if the packets and the analyzer disagree on the outcome, or when
/// both connected on who served or the source seen (not for the agent's endpoints and the
/// instance metadata service, which send no identity). A probe that could not run counts too (`probe error`).
pub fn compare(lab: &Lab, c: &Case, a: &Analysis, r: &ProbeResult) -> Option<Mismatch> {
    let head = format!("{} -> {} {}", c.src_kind, c.dst_kind, c.proto);
    let analyzer = format!(
        "analyzer {} served {} seen {}",
        outcome_and_code(a),
        a.served_by.as_ref().map(|n| n.to_string()).unwrap_or("-".into()),
        a.source_seen.map(|s| s.to_string()).unwrap_or("-".into())
    );
    let packets = format!(
        "packets {} ({}) served {} seen {}",
        r.outcome,
        r.detail,
        r.identity.as_ref().map(|i| i.node.as_str()).unwrap_or("-"),
        r.identity.as_ref().map(|i| i.peer.ip().to_string()).unwrap_or("-".into())
    );
    let line = format!("{}: {analyzer}; {packets}", c.name());
    let signature = if let Some(e) = &r.error {
        format!("{head}: probe error {e}")
    } else if a.outcome != Some(r.outcome) {
        format!("{head}: analyzer {} / packets {}", outcome_and_code(a), r.outcome)
    } else if let (Some(site), None) = (&a.drop_site, &r.seen_dropped) {
        // Both time out, but the packet was not dropped by the rule the analyzer names.
        let rule: Vec<&str> = site.prefix.split(' ').take(3).collect();
        format!("{head}: timeout, not seen dropped by `{}`", rule.join(" "))
    } else if r.outcome != Outcome::Connected || (agent_service(lab, a.served_by.as_ref()) && r.identity.is_none()) {
        return None;
    } else {
        let want = a.served_by.as_ref().map(|n| n.to_string());
        let got = r.identity.as_ref().map(|i| i.node.clone());
        let seen = r.identity.as_ref().map(|i| *i.peer.ip());
        if c.proto != ProbeProto::Icmp && want != got {
            let (w, g) = (served_kind(lab, want.as_deref()), served_kind(lab, got.as_deref()));
            format!("{head}: connected, served by analyzer {w} / packets {g}")
        } else if let (Some(w), Some(g)) = (a.source_seen, seen.filter(|s| Some(*s) != a.source_seen)) {
            format!("{head}: connected, source seen analyzer {} / packets {}", addr_kind(lab, w), addr_kind(lab, g))
        } else {
            return None;
        }
    };
    Some(Mismatch { signature, line, detail: vec![] })
}

/// How to look at a mismatch again: `ecsnet explain` on the saved file, and the hops.
pub fn detail(c: &Case, a: &Analysis, stem: &str) -> Vec<String> {
    let file = Path::new("target/differential").join(format!("{stem}.yaml"));
    let mut v = vec![c.explain_command(&file)];
    v.extend(a.steps.iter().map(|s| format!("  {}: {} => {}", s.component, s.decision, s.packet)));
    v
}

/// The mismatch of a name, if what the resolver answered is not what the analyzer says.
pub fn compare_name(c: &NameCase, a: &NameAnalysis, r: &DnsResult) -> Option<Mismatch> {
    let want = ecsnet::judge::dns::predicted(a, c.srv);
    let head = format!("{} dns {}", c.src_kind, c.name_kind);
    let signature = if let Some(e) = &r.error {
        format!("{head}: probe error {e}")
    } else if !ecsnet::judge::dns::agrees(a, c.srv, &r.outcome) {
        let kind = |o: &DnsOutcome| match o {
            DnsOutcome::Answer { rcode, addrs, srv } => {
                format!("{rcode}/{}", if addrs.is_empty() && srv.is_empty() { "none" } else { "records" })
            }
            DnsOutcome::NotDns(_) => "not-dns".into(),
            DnsOutcome::Failed(o, _) => o.to_string(),
        };
        format!("{head}: analyzer {} / packets {}", kind(&want), kind(&r.outcome))
    } else {
        return None;
    };
    let line = format!(
        "{} dns {}: analyzer {} ({}); packets {}",
        c.from,
        c.name,
        ecsnet::judge::dns::describe(&want),
        a.why,
        ecsnet::judge::dns::describe(&r.outcome)
    );
    Some(Mismatch { signature, line, detail: vec![] })
}
