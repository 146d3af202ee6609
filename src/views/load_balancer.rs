//! Load balancers as `ps` shows them after the instances: scheme and DNS name, each node with
//! its zone and addresses, the listeners and their rules, and each target group's targets with
//! their health as DescribeTargetHealth gives it (state, reason code, description). A target is
//! `healthy` when every node sees it so; else the state one node sees otherwise.

use super::Runtime;
use super::ps::tabulate;
use crate::model::Lab;
use crate::model::load_balancer::listener_summary;
use crate::services::load_balancer::TargetHealth;

/// Every load balancer of the lab, each under a header line; empty without any.
pub fn table(lab: &Lab, rt: &Runtime) -> String {
    let mut out = String::new();
    for (x, lb) in lab.load_balancers.iter().enumerate() {
        out.push_str(&format!("\n== {} ({}, {}) ==\n", lb.node_name(), lb.scheme.as_str(), lb.dns_name));
        let mut lines = vec![vec!["NODE".into(), "ZONE".into(), "PRIVATE".into(), "PUBLIC".into(), "ENI".into()]];
        for &k in &lb.nodes {
            let e = &lab.enis[k];
            let public = e.public_ip.map(|p| p.to_string()).unwrap_or_else(|| "-".into());
            let az = lab.vpc.subnets[e.subnet].az.clone();
            lines.push(vec![lb.node_name(), az, e.ip.to_string(), public, e.id.clone()]);
        }
        out.push_str(&tabulate(&lines));
        for l in &lb.listeners {
            out.push_str(&format!("listener {} :{}: {}\n", l.protocol.as_str(), l.port.value, listener_summary(l)));
        }
        out.push_str(&targets(lab, rt, x));
    }
    out
}

fn targets(lab: &Lab, rt: &Runtime, x: usize) -> String {
    let mut lines =
        vec![vec!["TARGET GROUP".into(), "TARGET".into(), "ID".into(), "PORT".into(), "STATE".into(), "REASON".into()]];
    for g in lab.target_groups.iter().filter(|g| g.load_balancer == Some(x)) {
        for t in &g.targets {
            let node = t.node.to_string();
            let seen = node_view(lab, rt, (x, g, t));
            let (state, reason) = match seen {
                Some(h) => (h.state.clone(), reason(h)),
                None => ("-".to_string(), String::new()),
            };
            lines.push(vec![g.name.clone(), node, t.id.clone(), t.port.to_string(), state, reason]);
        }
        for h in unlisted(lab, rt, x, g) {
            let row = [&g.name, &h.target, &h.id, &h.port.to_string(), &h.state, &reason(h)];
            lines.push(row.iter().map(|c| c.to_string()).collect());
        }
    }
    tabulate(&lines)
}

fn reason(h: &TargetHealth) -> String {
    match (&h.reason, &h.description) {
        (Some(r), Some(d)) => format!("{r} ({d})"),
        (Some(r), None) => r.clone(),
        _ => String::new(),
    }
}

/// `inspect alb/NAME`: the load balancer as ELBv2's DescribeLoadBalancers shows it, with its
/// listeners (DescribeListeners, DescribeRules in short) and each target group's
/// DescribeTargetHealth as the nodes see it. None: no such load balancer.
pub fn describe(lab: &Lab, rt: &Runtime, name: &str) -> Option<serde_json::Value> {
    use serde_json::json;
    let x = lab.load_balancers.iter().position(|l| l.name == name)?;
    let lb = &lab.load_balancers[x];
    let zones: Vec<_> = lb
        .nodes
        .iter()
        .map(|&k| {
            let e = &lab.enis[k];
            let sn = &lab.vpc.subnets[e.subnet];
            let addr = e.public_ip.map(|p| json!([{ "IpAddress": p.to_string() }])).unwrap_or_else(|| json!([]));
            json!({ "ZoneName": sn.az, "SubnetId": sn.id, "LoadBalancerAddresses": addr,
                    "ecsnet": { "NetworkInterfaceId": e.id, "PrivateIpAddress": e.ip.to_string() } })
        })
        .collect();
    let listeners: Vec<_> = lb
        .listeners
        .iter()
        .map(|l| {
            let mut j = json!({ "Port": l.port.value, "Protocol": l.protocol.as_str(), "Rules": listener_summary(l) });
            if let Some(policy) = &l.ssl_policy {
                // DescribeListeners' Certificates and SslPolicy (HTTPS listeners).
                let certs: Vec<_> = l.certificates.iter().map(|c| json!({ "CertificateArn": c.value })).collect();
                j["Certificates"] = json!(certs);
                j["SslPolicy"] = json!(policy);
                j["ecsnet"] = json!({ "ServedCertificate": format!("{} (issued by the lab CA)", lb.dns_name) });
            }
            j
        })
        .collect();
    let groups: Vec<_> = lab
        .target_groups
        .iter()
        .filter(|g| g.load_balancer == Some(x))
        .map(|g| json!({ "TargetGroupName": g.name, "TargetGroupArn": g.arn, "TargetHealthDescriptions": health_of(lab, rt, x, g) }))
        .collect();
    Some(json!({
        "LoadBalancerArn": lb.arn, "DNSName": lb.dns_name, "LoadBalancerName": lb.name,
        "Scheme": lb.scheme.as_str(), "Type": lb.lb_type.as_str(), "State": { "Code": "active" },
        "IpAddressType": "ipv4", "SecurityGroups": lb.security_groups, "AvailabilityZones": zones,
        "Listeners": listeners, "TargetGroups": groups,
    }))
}

fn health_of(
    lab: &Lab,
    rt: &Runtime,
    x: usize,
    g: &crate::model::load_balancer::TargetGroup,
) -> Vec<serde_json::Value> {
    let gone = unlisted(lab, rt, x, g).into_iter().map(|h| {
        serde_json::json!({
            "Target": { "Id": h.id, "Port": h.port },
            "TargetHealth": { "State": h.state, "Reason": h.reason, "Description": h.description },
            "ecsnet": { "Node": h.target },
        })
    });
    let registered: Vec<serde_json::Value> = g
        .targets
        .iter()
        .map(|t| {
            let node = t.node.to_string();
            let seen = node_view(lab, rt, (x, g, t));
            let health = match seen {
                Some(h) => serde_json::json!({ "State": h.state, "Reason": h.reason, "Description": h.description }),
                None => serde_json::json!({ "State": "initial", "Reason": "Elb.RegistrationInProgress" }),
            };
            serde_json::json!({
                "Target": { "Id": t.id, "Port": t.port, "AvailabilityZone": t.az },
                "HealthCheckPort": g.health_check_port(t).to_string(),
                "TargetHealth": health,
                "ecsnet": { "Node": node },
            })
        })
        .collect();
    registered.into_iter().chain(gone).collect()
}

/// What the nodes of load balancer `x` report in group `g` that the lab's model does not
/// register: targets deregistered while the lab runs, draining until their group's
/// deregistration delay has passed. One per target (as [`node_view`] picks it).
fn unlisted<'a>(
    lab: &Lab,
    rt: &'a Runtime,
    x: usize,
    g: &crate::model::load_balancer::TargetGroup,
) -> Vec<&'a TargetHealth> {
    let listed = |h: &TargetHealth| g.targets.iter().any(|t| t.node.to_string() == h.target && t.port == h.port);
    let mut out: Vec<&TargetHealth> = vec![];
    let seen = rt.target_health.iter().filter(|r| r.lb == lab.load_balancers[x].name).flat_map(|r| &r.targets);
    for h in seen.filter(|h| h.group == g.name && !listed(h)) {
        match out.iter_mut().find(|o| (&o.target, &o.id, o.port) == (&h.target, &h.id, h.port)) {
            Some(o) if o.state == "healthy" => *o = h,
            Some(_) => {}
            None => out.push(h),
        }
    }
    out
}

/// What the nodes of load balancer `x` report of target `t` of group `g`: the first node that
/// does not see it healthy, else the first node (so one unhealthy view shows).
fn node_view<'a>(
    lab: &Lab,
    rt: &'a Runtime,
    (x, g, t): (usize, &crate::model::load_balancer::TargetGroup, &crate::model::load_balancer::Target),
) -> Option<&'a TargetHealth> {
    let node = t.node.to_string();
    let views: Vec<&TargetHealth> = rt
        .target_health
        .iter()
        .filter(|r| r.lb == lab.load_balancers[x].name)
        .flat_map(|r| &r.targets)
        .filter(|h| h.group == g.name && h.target == node && h.port == t.port)
        .collect();
    views.iter().find(|h| h.state != "healthy").or(views.first()).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::load_balancer::HealthReport;

    #[test]
    fn nodes_listeners_and_target_health() {
        let s = crate::scenario::load(std::path::Path::new("scenarios/24-alb-awsvpc.yaml")).expect("scenario");
        let lab = crate::model::build(&s).expect("model");
        let report: HealthReport = serde_json::from_value(serde_json::json!({
            "lb": "web", "az": "ap-northeast-1a",
            "targets": [{ "group": "api", "target": "task/api-a", "id": "10.24.10.6", "port": 80, "state": "unhealthy",
                          "reason": "Target.ResponseCodeMismatch", "description": "Health checks failed with these codes: [404]" }]
        }))
        .expect("report");
        let rt = Runtime { target_health: vec![report], ..Runtime::default() };
        let out = table(&lab, &rt);
        assert!(out.contains("== alb/web (internet-facing, web-"), "{out}");
        assert!(out.contains("ap-northeast-1c"), "{out}");
        assert!(
            out.contains("listener HTTP :80: rule 10 path-pattern /api/* -> forward api; default -> forward web"),
            "{out}"
        );
        assert!(out.contains("Target.ResponseCodeMismatch (Health checks failed with these codes: [404])"), "{out}");
        let d = describe(&lab, &rt, "web").expect("alb/web");
        assert_eq!(d["Scheme"], "internet-facing");
        assert_eq!(d["AvailabilityZones"].as_array().map(Vec::len), Some(2));
        let api = &d["TargetGroups"][1]["TargetHealthDescriptions"][0];
        assert_eq!(api["TargetHealth"]["Reason"], "Target.ResponseCodeMismatch", "{d}");
        assert!(describe(&lab, &rt, "nope").is_none());
    }

    #[test]
    fn a_deregistered_target_shows_draining_with_its_reason() {
        let s = crate::scenario::load(std::path::Path::new("scenarios/24-alb-awsvpc.yaml")).expect("scenario");
        let lab = crate::model::build(&s).expect("model");
        let report: HealthReport = serde_json::from_value(serde_json::json!({
            "lb": "web", "az": "ap-northeast-1a",
            "targets": [
                { "group": "web", "target": "task/web-a", "id": "10.24.10.5", "port": 80, "state": "draining",
                  "reason": "Target.DeregistrationInProgress", "description": "Target deregistration is in progress" },
                { "group": "web", "target": "task/web-old", "id": "10.24.10.99", "port": 80, "state": "draining",
                  "reason": "Target.DeregistrationInProgress", "description": "Target deregistration is in progress" }]
        }))
        .expect("report");
        let rt = Runtime { target_health: vec![report], ..Runtime::default() };
        let out = table(&lab, &rt);
        let row = |who: &str| out.lines().find(|l| l.contains(who)).unwrap_or_default().to_string();
        assert!(
            row("task/web-a")
                .contains("draining   Target.DeregistrationInProgress (Target deregistration is in progress)"),
            "{out}"
        );
        assert!(
            row("task/web-old").contains("10.24.10.99"),
            "a target the model no longer registers still shows: {out}"
        );
        let d = describe(&lab, &rt, "web").expect("alb/web");
        let web = d["TargetGroups"][0]["TargetHealthDescriptions"].as_array().cloned().unwrap_or_default();
        let old = web.iter().find(|t| t["ecsnet"]["Node"] == "task/web-old").expect("listed");
        assert_eq!(old["TargetHealth"]["State"], "draining", "{d}");
        assert_eq!(old["Target"]["Id"], "10.24.10.99");
    }

    #[test]
    fn a_network_load_balancer_reads_as_nlb() {
        let s = crate::scenario::load(std::path::Path::new("scenarios/27-nlb.yaml")).expect("scenario");
        let lab = crate::model::build(&s).expect("model");
        let out = table(&lab, &Runtime::default());
        assert!(out.contains("== nlb/web (internet-facing, web-"), "{out}");
        assert!(out.contains(".elb.ap-northeast-1.amazonaws.com"), "NLB's DNS name format: {out}");
        assert!(out.contains("listener UDP :53: default -> forward dns"), "{out}");
        let d = describe(&lab, &Runtime::default(), "web").expect("nlb/web");
        assert_eq!((d["Type"].as_str(), d["SecurityGroups"].as_array().map(Vec::len)), (Some("network"), Some(0)));
        assert!(d["LoadBalancerArn"].as_str().is_some_and(|a| a.contains(":loadbalancer/net/web/")), "{d}");
    }
}
