//! A load balancer's node, hop by hop as the node's proxy does it: the listener on the port
//! (none: dropped), the rule the request's path matches (else the default action), then either
//! the node answers itself (fixed response, redirect, 503 without a target in use) or it opens
//! a new connection from its own ENI to a target, which the walk follows through the node's
//! security groups (egress), the network ACLs, the routes and the target's groups (ingress):
//! what the target sees is the node's private address. The targets a request may get are every
//! group of weight > 0's healthy ones in use (all of them when none is healthy: each group fails
//! open), `picks`; the walk takes the first, or the one `Walk::pick` names, health
//! being predicted the way the nodes check it: a walk from each node to the target's health
//! check port, and the status its responder gives the path.

use super::walk::{Analysis, Blocked, L4, Next, Onward, Served, Walk};
use super::{Reason, follow};
use crate::model::Lab;
use crate::model::load_balancer::{Target, TargetGroup, action_for, in_use, registered_by_service};
use crate::scenario::{Action, Node, Outcome, ProbeProto};
use std::net::Ipv4Addr;

/// A packet from `src` delivered to node ENI `eni` of load balancer `x`.
pub fn arrive<'a>(w: &mut Walk<'a>, x: usize, eni: usize, src: Ipv4Addr) -> Onward<'a> {
    let lab = w.lab;
    let lb = &lab.load_balancers[x];
    let node = Node::LoadBalancer(lb.name.clone());
    let ip = lab.enis[eni].ip;
    let az = &lab.vpc.subnets[lab.enis[eni].subnet].az;
    let at = format!("{node} (node in {az}, {ip})");
    let Some(l) = lb.listeners.iter().find(|l| Some(l.port.value) == w.port).filter(|_| w.l4 == L4::Tcp) else {
        w.step(at, format!("{node} has no listener there"), src, ip);
        return Err(Blocked::timeout(
            Reason::NoListener,
            format!("{node} listens only on its listeners' ports (TCP); anything else is dropped"),
        ));
    };
    if !w.http {
        // The node accepts the connection, but it speaks HTTP: what a probe of another
        // protocol sends is no request, and it answers nothing the probe can read.
        w.step(
            at,
            format!("listener {} :{}: accepts; not an HTTP request, no answer", l.protocol.as_str(), l.port.value),
            src,
            ip,
        );
        return Ok(Next::Served(Served { by: None, source_seen: src }));
    }
    if let Some(stop) = scheme_mismatch(w, l) {
        w.step(at, format!("listener {} :{}: {}", l.protocol.as_str(), l.port.value, stop.why), src, ip);
        return Err(stop);
    }
    w.tls_terminated = w.tls;
    let path = w.path.clone();
    // The Host a client sends: the name it resolved (resolve::host_header, as the probes).
    let action = action_for(l, &path, &lb.dns_name);
    let rule = l.rules.iter().find(|r| r.actions.first() == action).map(|r| format!("rule {}", r.priority.value));
    let which = rule.unwrap_or_else(|| "the default action".to_string());
    w.step(at, format!("listener {} :{}, path {path}: {which}", l.protocol.as_str(), l.port.value), src, ip);
    match action {
        Some(Action::Forward(weighted)) => forward(w, (x, eni), weighted, src),
        Some(Action::FixedResponse { status_code, .. }) => {
            w.status = Some(*status_code);
            answers(w, &node, format!("fixed response {status_code}"), src)
        }
        Some(Action::Redirect(r)) => {
            w.status = Some(r.status_code);
            answers(w, &node, format!("redirect {}", r.status_code), src)
        }
        None => {
            w.status = Some(404);
            answers(w, &node, "404".to_string(), src)
        }
    }
}

/// An HTTP request to an HTTPS listener, or a TLS handshake to an HTTP one: the node's TLS
/// server answers plain text with an alert and closes (the client reads no HTTP answer:
/// refused); an HTTP listener waits for a request line the client never sends, while the
/// client waits for the server's hello (timeout).
fn scheme_mismatch(w: &Walk<'_>, l: &crate::scenario::Listener) -> Option<Blocked> {
    use crate::scenario::ElbProtocol;
    match (l.protocol, w.tls) {
        (ElbProtocol::Https, false) => Some(Blocked::refused(
            crate::analyze::Reason::NoListener,
            "an HTTP request to an HTTPS listener: the TLS handshake fails and the node closes",
        )),
        (ElbProtocol::Http, true) => Some(Blocked::timeout(
            crate::analyze::Reason::NoListener,
            "a TLS handshake to an HTTP listener: the node waits for a request, the client for its hello",
        )),
        _ => None,
    }
}

/// The end of a walk of a TLS probe: what answered it without an HTTPS listener's handshake
/// (a task's responder speaks plain HTTP) fails the handshake: refused, as the client gives up.
pub(super) fn tls_end(w: &Walk<'_>, end: Result<Served, Blocked>) -> Result<Served, Blocked> {
    match end {
        Ok(_) if w.tls && !w.tls_terminated => {
            Err(Blocked::refused(crate::analyze::Reason::NoListener, "nothing there speaks TLS: the handshake fails"))
        }
        other => other,
    }
}

/// The node answers itself.
fn answers<'a>(w: &mut Walk<'a>, node: &Node, what: String, src: Ipv4Addr) -> Onward<'a> {
    w.step(node.to_string(), format!("the node answers: {what}"), src, src);
    Ok(Next::served_by(node.clone(), src))
}

pub use super::walk::Pick;

/// Every target a forward's round robin may send a request to: the proxy picks a group by
/// weight for each request (groups of weight 0 never), then a target of that group's rotation
/// (its healthy targets in use, all of them when none is: each group fails open on its own), as
/// ELB's weighted target groups do (load-balancer-listeners.html#forward-actions). The
/// analyzer's walk takes the first, or `Walk::pick` when it is one of them.
pub fn picks(lab: &Lab, x: usize, weighted: &[crate::scenario::Weighted]) -> Vec<Pick> {
    let mut out = vec![];
    for w in weighted.iter().filter(|g| g.weight > 0) {
        let Some(gi) = lab.target_groups.iter().position(|t| t.name == w.target_group.value) else { continue };
        let g = &lab.target_groups[gi];
        let set: Vec<usize> = round_robin(lab, x, g)
            .0
            .iter()
            .filter_map(|t| g.targets.iter().position(|u| std::ptr::eq(u, *t)))
            .collect();
        match set.is_empty() {
            true => out.push((gi, None)),
            false => out.extend(set.into_iter().map(|ti| (gi, Some(ti)))),
        }
    }
    out.dedup();
    out
}

/// A new connection from the node to the chosen target (see `picks`).
fn forward<'a>(
    w: &mut Walk<'a>,
    (x, eni): (usize, usize),
    weighted: &[crate::scenario::Weighted],
    src: Ipv4Addr,
) -> Onward<'a> {
    let lab = w.lab;
    let node = Node::LoadBalancer(lab.load_balancers[x].name.clone());
    let all = picks(lab, x, weighted);
    let Some((gi, ti)) = w.pick.filter(|p| all.contains(p)).or_else(|| all.first().copied()) else {
        w.status = Some(503);
        return answers(w, &node, "503: no target group".into(), src);
    };
    let group = &lab.target_groups[gi];
    let Some(t) = ti.map(|ti| &group.targets[ti]) else {
        w.status = Some(503);
        let why = unused_reasons(lab, x, group);
        return answers(w, &node, format!("503: target group {} has no target in use{why}", group.name), src);
    };
    // DescribeTargetHealth's state and reason code of the target, as the nodes would see it.
    let state = match health(lab, x, group, t) {
        ("healthy", _) => "healthy".to_string(),
        (s, r) => format!("{s}, {}: none healthy, fails open", r.unwrap_or("-")),
    };
    let from = lab.enis[eni].ip;
    w.step(
        node.to_string(),
        format!(
            "forward to target group {}: {} {}:{} ({state}), a new connection from {from}",
            group.name, t.node, t.ip, t.port
        ),
        from,
        t.ip,
    );
    w.aim(Some(t.port));
    w.forwarded_by = Some((node, src));
    Ok(Next::LeaveEni { eni, dst: t.ip })
}

/// The registered targets of a group none of which is in use, with DescribeTargetHealth's
/// reason (`Target.NotInUse`: in a zone the load balancer is not in); empty without targets.
fn unused_reasons(lab: &Lab, x: usize, g: &TargetGroup) -> String {
    let each: Vec<String> =
        g.targets.iter().map(|t| format!("{} {}", t.node, health(lab, x, g, t).1.unwrap_or("-"))).collect();
    if each.is_empty() { " (no target registered)".into() } else { format!(" ({})", each.join(", ")) }
}

/// The end of a path a node forwarded: a target that refuses the node's connection (nothing
/// listens, or its task, registered by hand, never started) gets the client ELB's 502 Bad
/// Gateway from the node;
/// anything else ends as it ended.
pub(super) fn bad_gateway(a: Analysis, forwarded: Option<(Node, Ipv4Addr)>) -> Analysis {
    match forwarded {
        Some((node, src)) if a.outcome == Some(Outcome::Refused) => Analysis {
            outcome: Some(Outcome::Connected),
            code: None,
            explanation: format!(
                "{node} answers 502 Bad Gateway: the target refused its connection ({})",
                a.explanation
            ),
            served_by: Some(node),
            source_seen: Some(src),
            http_status: Some(502),
            ..a
        },
        _ => a,
    }
}

/// The targets the nodes' round robin covers, and whether they are healthy: the healthy
/// targets in use, else (ELB fails open) every target in use.
pub fn round_robin<'a>(lab: &Lab, x: usize, g: &'a TargetGroup) -> (Vec<&'a Target>, bool) {
    // Each target's health once: `unused` is a target not registered or in no zone of the
    // load balancer's (health's first checks), which no node sends anything.
    let seen: Vec<(&Target, &str)> =
        g.targets.iter().map(|t| (t, health(lab, x, g, t).0)).filter(|(_, s)| *s != "unused").collect();
    split_healthy(seen)
}

/// The targets a node covers: the healthy ones, else (fail open) all of them; whether healthy.
pub(super) fn split_healthy<'a>(seen: Vec<(&'a Target, &str)>) -> (Vec<&'a Target>, bool) {
    let healthy: Vec<&Target> = seen.iter().filter(|(_, s)| *s == "healthy").map(|(t, _)| *t).collect();
    if healthy.is_empty() { (seen.into_iter().map(|(t, _)| t).collect(), false) } else { (healthy, true) }
}

/// What a request for `path` to load balancer `x` on `port` may be forwarded to (`picks`);
/// empty when the node answers itself, or nothing listens.
pub fn request_picks(lab: &Lab, x: usize, port: u16, path: &str) -> Vec<Pick> {
    let Some(lb) = lab.load_balancers.get(x) else { return vec![] };
    let Some(l) = lb.listeners.iter().find(|l| l.port.value == port) else { return vec![] };
    let Some(Action::Forward(weighted)) = action_for(l, path, &lb.dns_name) else { return vec![] };
    picks(lab, x, weighted)
}

/// The nodes that may answer a request for `path` to load balancer `x` on `port`: the targets
/// the round robin covers, over every group of weight > 0 (see `picks`).
pub fn serving_set(lab: &Lab, x: usize, port: u16, path: &str) -> Vec<Node> {
    let mut out: Vec<Node> = vec![];
    for (gi, ti) in request_picks(lab, x, port, path) {
        let Some(t) = ti.map(|ti| &lab.target_groups[gi].targets[ti]) else { continue };
        if !out.contains(&t.node) {
            out.push(t.node.clone());
        }
    }
    out
}

/// Whether target `t` of group `g` is registered: a service's task that does not start never
/// is (ECS registers it once it runs); DescribeTargetHealth answers `unused`
/// (`Target.NotRegistered`) when asked about it, and no node sends it anything.
pub fn registered(lab: &Lab, g: &TargetGroup, t: &Target) -> bool {
    let Some(task) = t.node.task_name() else { return true };
    !registered_by_service(&lab.services, &lab.tasks, g, task) || super::pull::predicted(lab, task).started
}

/// A target's health as the nodes of load balancer `x` would see it: (state, reason).
pub fn health(lab: &Lab, x: usize, g: &TargetGroup, t: &Target) -> (&'static str, Option<&'static str>) {
    let lb = &lab.load_balancers[x];
    if !registered(lab, g, t) {
        return ("unused", Some("Target.NotRegistered"));
    }
    if !in_use(lb, t, &lab.enis, &lab.vpc.subnets) {
        return ("unused", Some("Target.NotInUse"));
    }
    if !g.health_check.enabled {
        return ("unavailable", Some("Target.HealthCheckDisabled"));
    }
    let port = g.health_check_port(t);
    // A network load balancer's TCP check only opens a connection.
    let tcp = g.health_check.protocol == crate::scenario::ElbProtocol::Tcp;
    let proto = if tcp { ProbeProto::Tcp } else { ProbeProto::Http };
    for &eni in &lb.nodes {
        let mut w = Walk::new(lab, proto, Some(port));
        let end = follow(&mut w, Ok(Next::LeaveEni { eni, dst: t.ip }));
        let end = super::network_acl::replies(&mut w, end);
        match end {
            Err(b) if b.outcome == Outcome::Timeout => return ("unhealthy", Some("Target.Timeout")),
            Err(_) => return ("unhealthy", Some("Target.FailedHealthChecks")),
            Ok(_) if tcp => {}
            Ok(served) => {
                let status = served.by.as_ref().map_or(200, |n| responder_status(lab, n, &g.health_check.path));
                if !g.health_check.matches(status) {
                    return ("unhealthy", Some("Target.ResponseCodeMismatch"));
                }
            }
        }
    }
    ("healthy", None)
}

/// What the responder of `node` answers for `path` (200 unless `httpStatus` names it).
pub(super) fn responder_status(lab: &Lab, node: &Node, path: &str) -> u16 {
    let Node::Task { task, container } = node else { return 200 };
    let Some(t) = lab.task(task) else { return 200 };
    let c = t.containers.iter().find(|c| container.as_deref().is_none_or(|n| n == c.name));
    c.and_then(|c| c.http_status.iter().find(|(p, _)| p == path).map(|(_, s)| *s)).unwrap_or(200)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testing::{is, lab, tcp};

    #[test]
    fn through_the_alb_to_a_target_from_the_nodes_address() {
        let l = lab("scenarios/24-alb-awsvpc.yaml");
        let a = crate::analyze::analyze(
            &l,
            &Node::Internet,
            &Node::LoadBalancer("web".into()),
            Some(80),
            ProbeProto::Http,
            None,
        );
        assert_eq!(a.outcome, Some(Outcome::Connected), "{a:?}");
        assert_eq!(a.served_by, Some(Node::container("web-a", "app")));
        let node_ip = l.enis[l.load_balancers[0].nodes[0]].ip;
        assert_eq!(a.source_seen, Some(node_ip), "the target sees the node's private address");
        let api = crate::analyze::analyze_path(
            &l,
            (&Node::Internet, &Node::LoadBalancer("web".into())),
            Some(80),
            ProbeProto::Http,
            None,
            "/api/x",
        );
        assert_eq!(api.served_by, Some(Node::container("api-a", "app")), "the path rule, failing open");
        let forward = api.steps.iter().find(|s| s.decision.starts_with("forward to")).map(|s| s.decision.as_str());
        assert!(
            forward.is_some_and(|d| d.contains("(unhealthy, Target.ResponseCodeMismatch: none healthy, fails open)")),
            "explain names DescribeTargetHealth's state and reason: {forward:?}"
        );
        assert_eq!((a.http_status, api.http_status), (Some(200), Some(200)), "the responders' status");
        let g = &l.target_groups[1];
        assert_eq!(health(&l, 0, g, &g.targets[0]), ("unhealthy", Some("Target.ResponseCodeMismatch")));
        let g = &l.target_groups[0];
        assert_eq!(health(&l, 0, g, &g.targets[0]), ("healthy", None));
        let both = vec![Node::task("web-a"), Node::task("web-c")];
        assert_eq!(serving_set(&l, 0, 80, "/"), both, "both healthy web targets share the round robin");
        assert_eq!(serving_set(&l, 0, 80, "/api/x"), vec![Node::task("api-a")], "failing open");
        assert_eq!(tcp(&l, "internet", "alb/web:8080"), is(Outcome::Timeout, "ENI_SG_RULES_MISMATCH"));
    }

    #[test]
    fn a_weighted_forward_may_reach_every_group_with_weight() {
        // ELB picks a group by weight per request, then a target of that group's rotation:
        // the round robin covers both groups' (web's two healthy, api's failing open), and a
        // group of weight 0 none of its targets.
        let mut l = lab("scenarios/24-alb-awsvpc.yaml");
        let weighted = |web: u32, api: u32| {
            let g = |name: &str, weight| crate::scenario::Weighted {
                target_group: crate::scenario::Located::new(name.to_string(), crate::scenario::Loc::none()),
                weight,
            };
            vec![Action::Forward(vec![g("web", web), g("api", api)])]
        };
        l.load_balancers[0].listeners[0].default_actions = weighted(1, 3);
        let all = vec![Node::task("web-a"), Node::task("web-c"), Node::task("api-a")];
        assert_eq!(serving_set(&l, 0, 80, "/"), all);
        assert_eq!(request_picks(&l, 0, 80, "/"), vec![(0, Some(0)), (0, Some(1)), (1, Some(0))]);
        let to = Node::LoadBalancer("web".into());
        let api = crate::analyze::analyze_pick(&l, (&Node::Internet, &to), Some(80), "/", (1, Some(0)));
        assert_eq!(api.served_by, Some(Node::container("api-a", "app")), "the walk follows the pick");
        l.load_balancers[0].listeners[0].default_actions = weighted(0, 1);
        assert_eq!(serving_set(&l, 0, 80, "/"), vec![Node::task("api-a")], "weight 0: never");
    }

    #[test]
    fn a_client_asks_for_the_load_balancers_dns_name() {
        // The Host header the probes send is the name the analyzer matches host-header
        // conditions against; any other destination is asked for by its address.
        let l = lab("scenarios/24-alb-awsvpc.yaml");
        let host = crate::model::resolve::host_header(&l, &Node::LoadBalancer("web".into()));
        assert_eq!(host.as_deref(), Some(l.load_balancers[0].dns_name.as_str()));
        assert_eq!(crate::model::resolve::host_header(&l, &Node::task("web-a")), None);
    }
}
