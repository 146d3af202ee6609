//! The analyzer is the oracle: every verdict is compared with the analyzer's walk of the same
//! flow, and any disagreement is reported as a bug in ecsnet.

use super::Verdict;
use crate::analyze::{Analysis, Reason};
use crate::probe::ProbeResult;
use crate::scenario::{Node, Outcome, Reach};

/// Give the verdict its reason, check `reason:`, and compare the analyzer with the packets.
pub fn cross_check(mut v: Verdict, r: &Reach, a: &Analysis, probe: Option<&ProbeResult>) -> Verdict {
    v.reason = a.code;
    let mut problems = vec![];
    if let Some(p) = probe {
        if a.outcome.is_some_and(|o| o != p.outcome) {
            problems.push(format!(
                "MODEL/DATAPLANE MISMATCH: the analyzer says {} [{}], the packets say {}",
                a.outcome.map(|o| o.to_string()).unwrap_or_default(),
                a.code.map(Reason::code).unwrap_or("-"),
                p.outcome
            ));
        } else if p.outcome == Outcome::Connected {
            if let (Some(want), Some(id)) = (&a.served_by, &p.identity) {
                if !is_metadata(want) && want.to_string() != id.node {
                    problems.push(format!(
                        "MODEL/DATAPLANE MISMATCH: the analyzer says served by {want}, the packets by {}",
                        id.node
                    ));
                }
            }
            if let (Some(want), Some(id)) = (a.source_seen, &p.identity) {
                if !a.served_by.as_ref().is_some_and(is_metadata) && want != *id.peer.ip() {
                    problems.push(format!(
                        "MODEL/DATAPLANE MISMATCH: the analyzer says source seen as {want}, the packets {}",
                        id.peer.ip()
                    ));
                }
            }
        }
    }
    if !problems.is_empty() {
        v.mismatch = true;
    }
    if let Some(want) = &r.reason {
        if a.code.map(Reason::code) != Some(want.as_str()) {
            problems.push(format!(
                "expected reason {want}, the path's reason is {}",
                a.code.map(Reason::code).unwrap_or("none (connected)")
            ));
        }
    }
    if !problems.is_empty() {
        v.pass = false;
        let prev = std::mem::take(&mut v.detail);
        v.detail = if prev.is_empty() { problems.join("; ") } else { format!("{}; {prev}", problems.join("; ")) };
    }
    if let Some(code) = v.reason {
        if !v.detail.contains(code.code()) {
            v.detail = format!("[{code}] {}", v.detail);
        }
    }
    v
}

/// What a verdict says when the kernel's shared neighbour table overflowed during the probes.
pub const NEIGHBOUR_OVERFLOW: &str = "KERNEL NEIGHBOUR TABLE OVERFLOW during the probes (the ARP cache is shared by all namespaces and capped by the root namespace's net.ipv4.neigh.default.gc_thresh3, which ecsnet does not change): this timeout may be the kernel's, not the lab's";

/// A timeout while the kernel's neighbour table overflowed is not ecsnet's model nor the lab:
/// the kernel dropped packets it could not resolve, because every namespace shares one ARP table.
pub fn neighbour_overflow(mut v: Verdict) -> Verdict {
    if !v.pass && v.outcome == Some(Outcome::Timeout) {
        v.mismatch = false;
        v.detail = format!("{NEIGHBOUR_OVERFLOW}; {}", v.detail.replace("MODEL/DATAPLANE MISMATCH: ", ""));
    }
    v
}

/// The metadata endpoints answer HTTP, the resolvers DNS and AWS's endpoints HTTPS, not the
/// responders' identity line.
fn is_metadata(n: &Node) -> bool {
    matches!(n, Node::Metadata | Node::InstanceMetadata | Node::Dns | Node::Aws(_) | Node::Endpoint(_))
}
