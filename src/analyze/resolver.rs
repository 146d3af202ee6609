//! A name, asked from a node: the path of the query to the resolver the node asks (the same
//! walk as any flow, to 53/udp), then what that resolver answers and why, from the zones given
//! ([`crate::model::dns::Zones::answer`], which the resolvers serve too). The lab's zones with
//! its Cloud Map records are `analyze::dns`'s: a task's start (`pull`) asks AWS's names here.

use super::{Analysis, analyze};
use crate::model::Lab;
use crate::model::dns::{self, Answer, DNS_PORT, View};
use crate::model::docker;
use crate::model::resolve::ResolveError;
use crate::scenario::{Node, Outcome, ProbeProto};
use std::net::Ipv4Addr;

/// What a query for a name comes to.
#[derive(Clone, Debug)]
pub struct NameAnalysis {
    /// The resolver asked (None: the source asks none, or has no address).
    pub server: Option<Ipv4Addr>,
    /// The query's way to the resolver.
    pub path: Option<Analysis>,
    /// The answer, when a resolver ecsnet serves answers.
    pub answer: Option<Answer>,
    /// The query reached something on 53/udp that is not a DNS server (a responder).
    pub not_dns: Option<Node>,
    /// No answer at all: how the query ended.
    pub failure: Option<Outcome>,
    /// In a sentence: who answered and why, or why nobody did.
    pub why: String,
}

/// The analysis of a query for `name` from `from`, to `server` or to the first resolver of the
/// source's resolv.conf, answered from `zones`.
pub fn ask(lab: &Lab, zones: &dns::Zones, from: &Node, name: &str, server: Option<Ipv4Addr>) -> NameAnalysis {
    let mut n = NameAnalysis { server, path: None, answer: None, not_dns: None, failure: None, why: String::new() };
    let server = match server {
        Some(s) => s,
        None => match resolvers_of(lab, from) {
            Ok(list) if !list.is_empty() => list[0],
            Ok(_) => {
                n.failure = Some(Outcome::Timeout);
                n.why = format!("{from} has no nameserver in its resolv.conf");
                return n;
            }
            Err(e) => {
                n.why = e.to_string();
                return n;
            }
        },
    };
    n.server = Some(server);
    let path = analyze(lab, from, &Node::Ip(server), Some(DNS_PORT), ProbeProto::Udp, None);
    let view = match (&path.outcome, &path.served_by) {
        (Some(Outcome::Connected), Some(Node::Dns)) => Some(View::Vpc),
        (Some(Outcome::Connected), Some(Node::Ip(ip))) if dns::is_internet_resolver(lab, *ip) => Some(View::Internet),
        _ => None,
    };
    match (view, path.outcome) {
        (Some(view), _) => {
            let a = zones.answer(name, view);
            let who = match view {
                View::Vpc => format!("the VPC's Amazon-provided DNS server at {server}"),
                View::Internet => format!("the internet's resolver at {server} (outside the VPC)"),
            };
            n.why = format!("{who}: {}", a.why);
            n.answer = Some(a);
        }
        (None, Some(Outcome::Connected)) => {
            let who = path.served_by.clone().unwrap_or(Node::Ip(server));
            n.why = format!("{who} answers {server}:{DNS_PORT}/udp, but it is not a DNS server (ecsnet's responder)");
            n.not_dns = Some(who);
        }
        (None, o) => {
            n.failure = o.or(Some(Outcome::Timeout));
            n.why = format!("the query to {server}:{DNS_PORT}/udp gets no answer: {}", path.explanation);
        }
    }
    n.path = Some(path);
    n
}

/// The resolvers `from` asks, in its resolv.conf's order: a task's (or container's) own file,
/// its instance's, the internet's.
pub fn resolvers_of(lab: &Lab, from: &Node) -> Result<Vec<Ipv4Addr>, ResolveError> {
    let conf = match from {
        Node::Internet | Node::InternetHost(_) => return Ok(vec![dns::INTERNET_RESOLVER]),
        Node::Instance(n) => {
            let i = lab.instance(n).ok_or_else(|| ResolveError::NoInstance(n.clone()))?;
            docker::instance_etc(lab, i).resolv_conf
        }
        Node::Task { task, container } => {
            let ti = lab
                .tasks
                .iter()
                .position(|t| t.name == *task)
                .ok_or_else(|| ResolveError::NoTask { task: task.clone(), lab: lab.name.clone() })?;
            let all = docker::task_containers(lab, ti);
            let c = all
                .iter()
                .filter(|c| matches!(c.kind, docker::ContainerKind::App(_)))
                .find(|c| container.as_ref().is_none_or(|n| *n == c.model().name))
                .ok_or_else(|| ResolveError::NoContainers(task.clone()))?;
            c.etc_files().resolv_conf
        }
        _ => return Err(ResolveError::NotASource(from.clone())),
    };
    Ok(conf.lines().filter_map(|l| l.strip_prefix("nameserver ")).filter_map(|a| a.trim().parse().ok()).collect())
}
