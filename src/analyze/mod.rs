//! A Reachability-Analyzer-style static analysis of the model (pure: no packets, no root). For a
//! source, destination, protocol and port it walks the path a packet would take (the sender's
//! security group egress, the subnet's ACL out, the route table, gateways and their
//! translations, the ACL in, the receiver's security group ingress, a listener or not, and the
//! ACLs on the way back) and gives the verdict the probe should see, with the hops and, when
//! blocked, an explanation code. AWS's codes where they exist; ecsnet's own for ECS cases.
//! `test` compares it with the real packets: a disagreement is a bug in ecsnet.
//!
//! One file per hop, named after it, holds what that hop does to a packet: `eni`,
//! `security_group`, `network_acl`, `route_table`, `internet_gateway`, `nat_gateway`,
//! `internet`, `instance`, `container`, `task`, `service`. `walk` holds the state of one walk
//! and its end, `render` the `explain` table. A hop returns where the packet goes next
//! (`walk::Next`) rather than calling the next hop, and `follow` chains them, so that no two
//! hops use each other although a packet may leave the VPC and come back in.

pub mod call;
mod container;
pub mod control_plane;
pub mod dns;
pub mod ecs_service;
mod eni;
pub mod iam;
mod instance;
mod internet;
mod internet_gateway;
pub mod load_balancer;
mod nat_gateway;
mod network_acl;
pub mod network_load_balancer;
pub mod policy;
pub mod pull;
pub mod reason;
mod render;
pub mod resolver;
pub mod role;
mod route_table;
mod security_group;
mod service;
mod task;
#[cfg(test)]
mod testing;
mod walk;

pub use reason::Reason;
pub use render::{render, render_in};
pub use walk::{Analysis, DropSite, Step, rule_traffic};

use crate::model::Lab;
use crate::model::resolve::{self, ResolveError};
use crate::scenario::{Node, ProbeProto, Via};
use load_balancer::Pick;
use walk::{Blocked, Next, Onward, Served, Walk};

/// Analyze one flow on the model.
pub fn analyze(lab: &Lab, from: &Node, to: &Node, port: Option<u16>, proto: ProbeProto, via: Option<Via>) -> Analysis {
    analyze_path(lab, (from, to), port, proto, via, "/")
}

/// The same for an HTTP request for `path` (what a load balancer's rules look at).
pub fn analyze_path(
    lab: &Lab,
    ends: (&Node, &Node),
    port: Option<u16>,
    proto: ProbeProto,
    via: Option<Via>,
    path: &str,
) -> Analysis {
    analyze_request(lab, ends, (port, proto, via), (path, false))
}

/// The same for an HTTP request for `path`, over TLS when `tls` (`http: { scheme: https }`):
/// only a load balancer's HTTPS listener completes the handshake; anything else that answers
/// fails it (`refused`, as the client gives up).
pub fn analyze_request(
    lab: &Lab,
    (from, to): (&Node, &Node),
    (port, proto, via): (Option<u16>, ProbeProto, Option<Via>),
    (path, tls): (&str, bool),
) -> Analysis {
    let mut w = Walk::new(lab, proto, port);
    w.path = path.to_string();
    w.tls = tls;
    walk_from(w, (from, to), (proto, port, via))
}

/// The same HTTP request with the load balancer's node forwarding it to `pick`, one of the
/// targets its round robin covers (`load_balancer::request_picks`): a request may get any of
/// them, and each may end differently (one target's reply blocked, another's not).
pub fn analyze_pick(lab: &Lab, (from, to): (&Node, &Node), port: Option<u16>, path: &str, pick: Pick) -> Analysis {
    let mut w = Walk::new(lab, ProbeProto::Http, port);
    w.path = path.to_string();
    w.pick = Some(pick);
    walk_from(w, (from, to), (ProbeProto::Http, port, None))
}

/// A walk from `from` to `to` with the walk's protocol, port and path.
fn walk_from(
    mut w: Walk,
    (from, to): (&Node, &Node),
    (proto, port, via): (ProbeProto, Option<u16>, Option<Via>),
) -> Analysis {
    let lab = w.lab;
    let icmp = proto == ProbeProto::Icmp;
    if let Err(e) = resolve::source(lab, from) {
        return w.unresolved(Reason::TaskNotPlaced, e.to_string());
    }
    if let Node::Name(name) = to {
        return by_name(w, (from, name), (proto, port, via));
    }
    let (dst, dport) = match resolve::destination(lab, to, port, via, proto) {
        Ok(d) => d,
        Err(e) => return w.unresolved(unresolved(&e), e.to_string()),
    };
    w.aim(dport);
    let first = match from {
        Node::Internet | Node::InternetHost(_) => {
            let src = resolve::source(lab, from).ok().and_then(|s| s.bind).unwrap_or(lab.internet.client);
            Ok(Next::Internet { src, dst })
        }
        Node::Instance(name) => {
            let ii = lab.instances.iter().position(|i| i.name == *name).unwrap_or(0);
            instance::send(&mut w, ii, dst)
        }
        Node::Task { task: name, container } => {
            let Some(t) = lab.task(name) else {
                return w.unresolved(Reason::TaskNotPlaced, format!("no task {name}"));
            };
            task::send(&mut w, t, container.as_deref(), dst)
        }
        other => return w.unresolved(Reason::InvalidSource, format!("{other} cannot be a source")),
    };
    let end = follow(&mut w, first);
    let end = network_acl::replies(&mut w, end);
    let end = load_balancer::tls_end(&w, end);
    if let (true, None, Ok(Served { by: Some(n), .. })) = (w.http, w.status, &end) {
        w.status = Some(load_balancer::responder_status(lab, n, &w.path));
    }
    let forwarded = w.forwarded_by.take();
    // A stopped task's namespace stays: its kernel still answers a ping.
    let a = if icmp { w.finish(end) } else { pull::not_started(lab, w.finish(end)) };
    load_balancer::bad_gateway(a, forwarded)
}

/// A DNS name as a client uses one: the source's resolver asked first, then the walk to the
/// first address it answers (a check probes the address the packets' answer gives first, and
/// walks to that one: a Cloud Map name's answer is a random subset of its records).
fn by_name(
    w: Walk,
    (from, name): (&Node, &str),
    (proto, port, via): (ProbeProto, Option<u16>, Option<Via>),
) -> Analysis {
    let n = dns::analyze_name(w.lab, from, name, None);
    let Some(ip) = n.answer.as_ref().and_then(|a| a.addrs.first().copied()) else {
        // Why the query failed, when its way was blocked (DNS_SUPPORT_DISABLED); else the name's.
        let code = n.path.as_ref().and_then(|p| p.code).filter(|_| n.answer.is_none());
        return w.unresolved(code.unwrap_or(Reason::DnsNameNotResolved), n.why);
    };
    let server = n.server.map(|s| s.to_string()).unwrap_or_default();
    let mut a = walk_from(w, (from, &Node::Ip(ip)), (proto, port, via));
    a.steps.insert(
        0,
        Step { component: format!("DNS {name} ({server})"), decision: n.why, packet: format!("{name} -> {ip}") },
    );
    a
}

/// The code of a destination that does not resolve to an address.
fn unresolved(e: &ResolveError) -> Reason {
    match e {
        ResolveError::AwsvpcPortNotPublished { .. } => Reason::AwsvpcPortNotPublishedOnHost,
        ResolveError::NoPublicIp(_) | ResolveError::ViaNoPublicIp(_) => Reason::NoPublicIp,
        ResolveError::NetworkModeNone(_) => Reason::NetworkModeNone,
        _ => Reason::TaskNotPlaced,
    }
}

/// Hands the packet from hop to hop until it is served or stopped. It ends: a packet leaves at
/// most one ENI, crosses the internet at most once, and then arrives; a load balancer's node
/// opens a second connection from its own ENI to a target, which is never a load balancer.
fn follow<'a>(w: &mut Walk<'a>, first: Onward<'a>) -> Result<Served, Blocked> {
    let mut next = first?;
    loop {
        next = match next {
            Next::LeaveEni { eni, dst } => eni::leave(w, eni, dst)?,
            Next::Forward { eni, src, dst } => eni::leave_from(w, eni, src, dst)?,
            Next::Internet { src, dst } => internet::deliver(w, src, dst)?,
            Next::ArriveAtEni { from_subnet, eni, src } => eni::arrive(w, from_subnet, eni, src)?,
            Next::Container { task, container, src } => container::receive(w, task, container, src)?,
            Next::Served(served) => return Ok(served),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Outcome;
    use testing::{lab, tcp};

    #[test]
    fn connected_paths_carry_server_and_translated_source() {
        let l = lab("scenarios/01-bridge-vs-awsvpc.yaml");
        let a =
            analyze(&l, &Node::task("web-awsvpc"), &Node::InternetHost("api".into()), Some(443), ProbeProto::Tcp, None);
        assert_eq!(a.outcome, Some(Outcome::Connected));
        assert_eq!(a.served_by, Some(Node::internet_host("api")));
        assert_eq!(a.source_seen, Some(l.nats[0].eip), "the internet sees the NAT gateway's EIP");
        let b = analyze(&l, &Node::Internet, &Node::InstancePublic("ecs-1".into()), Some(3000), ProbeProto::Tcp, None);
        assert_eq!(b.served_by, Some(Node::container("web-bridge", "DVA-EC-site")));
        assert_eq!(b.source_seen, Some(l.internet.client));
    }

    #[test]
    fn task_not_placed() {
        let m = lab("scenarios/02-awsvpc.yaml");
        let (o, c) = tcp(&m, "task/web-3", "task/web-1:80");
        assert_eq!((o, c.as_deref()), (None, Some("TASK_NOT_PLACED")));
    }
}
