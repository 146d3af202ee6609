//! A name, asked from a node, as `ecsnet explain --dns` and a `dns:` expectation ask it: the
//! query's way to the resolver and its answer ([`resolver::ask`]) from the lab's zones, with
//! the Cloud Map records of the tasks registered now.

use super::resolver;
use crate::model::Lab;
use crate::model::dns;
use crate::scenario::Node;
use std::net::Ipv4Addr;

pub use super::resolver::{NameAnalysis, resolvers_of};

/// The lab's zones as its resolvers serve them: a Cloud Map service holds the tasks that run
/// and started (ECS registers a task once it is RUNNING).
pub fn zones(lab: &Lab) -> dns::Zones {
    let mut z = dns::zones(lab);
    let mut records = crate::model::service_discovery::records(lab, &|ti| started(lab, ti));
    for r in records.iter_mut().filter(|r| r.zone == dns::Zone::CloudMap && r.vpc.is_empty() && r.srv.is_empty()) {
        if let Some(why) = why_none(lab, &r.name) {
            r.note = format!("{}: {why}", r.note);
        }
    }
    z.records.extend(records);
    z
}

/// Why a Cloud Map service has no instance: each of its ECS services' tasks, not placed,
/// stopped, or stopped at its start with ECS's reason (a name that answers NXDOMAIN because
/// its tasks cannot pull their image says so).
fn why_none(lab: &Lab, name: &str) -> Option<String> {
    let cm = &lab.cloud_map;
    let ci = cm.services.iter().position(|c| c.dns_name == name)?;
    let mut parts = vec![];
    for r in cm.registrations.iter().filter(|r| r.service == ci) {
        for &ti in &lab.services[r.ecs_service].tasks {
            let t = &lab.tasks[ti];
            let state = match &t.placement {
                Err(f) => format!("not placed ({})", f.reason()),
                Ok(()) if t.is_stopping() => "stopped".to_string(),
                Ok(()) => {
                    let p = super::pull::predicted(lab, &t.name);
                    let Some(why) = p.reason.filter(|_| !p.started) else { continue };
                    format!("did not start: {why}")
                }
            };
            parts.push(format!("task/{} {state}", t.name));
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The instances of Cloud Map service `ci` now: the tasks that run and started.
pub fn registered(lab: &Lab, ci: usize) -> Vec<crate::model::service_discovery::Instance> {
    crate::model::service_discovery::registered(lab, ci, &|ti| started(lab, ti))
}

fn started(lab: &Lab, ti: usize) -> bool {
    super::pull::predicted(lab, &lab.tasks[ti].name).started
}

/// The analysis of a query for `name` from `from`, to `server` or to the first resolver of the
/// source's resolv.conf.
pub fn analyze_name(lab: &Lab, from: &Node, name: &str, server: Option<Ipv4Addr>) -> NameAnalysis {
    resolver::ask(lab, &zones(lab), from, name, server)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testing::lab;
    use crate::model::dns;

    #[test]
    fn a_task_asks_the_vpc_resolver_and_the_internet_sees_the_public_view() {
        let l = lab("scenarios/01-bridge-vs-awsvpc.yaml");
        let inst = &l.instances[0];
        let ip = l.instance_ip(inst);
        let private = crate::model::ids::private_dns_name(&l.region, ip);
        for from in ["task/web-bridge", "task/web-awsvpc", "instance/ecs-1"] {
            let n = analyze_name(&l, &from.parse().unwrap(), &private, None);
            assert_eq!(n.server, Some(l.vpc.dns.resolver), "{from}");
            assert_eq!(n.answer.as_ref().map(|a| a.addrs.clone()), Some(vec![ip]), "{from}: {}", n.why);
        }
        let n = analyze_name(&l, &Node::Internet, &private, None);
        assert_eq!(n.server, Some(dns::INTERNET_RESOLVER));
        assert!(n.answer.as_ref().is_some_and(|a| a.nxdomain), "{}", n.why);
    }

    #[test]
    fn a_cloud_map_name_without_instances_says_why_its_tasks_are_not_registered() {
        let y = std::fs::read_to_string("scenarios/30-service-discovery.yaml").unwrap().replace(
            "{ name: app, image: ecsnet/responder, memory: 128, portMappings: [{ containerPort: 8080 }] }",
            "{ name: app, image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1, memory: 128, portMappings: [{ containerPort: 8080 }] }",
        )
        .replace("aws:\n  roles:", "aws:\n  repositories: [{ name: other }]\n  roles:");
        let s = crate::scenario::load_str(std::path::Path::new("t.yaml"), &y).expect("scenario");
        let l = crate::model::build(&s).expect("model");
        let n = analyze_name(&l, &"task/web".parse().unwrap(), "api.corp.local", None);
        let a = n.answer.expect("answered");
        assert!(a.nxdomain, "{}", n.why);
        assert!(n.why.contains("task/api-1 did not start: CannotPullContainerError"), "{}", n.why);
        let srv = analyze_name(&l, &"task/web".parse().unwrap(), "worker.corp.local", None);
        assert_eq!(srv.answer.map(|a| a.srv.len()), Some(2), "worker still answers");
    }

    #[test]
    fn a_flow_to_a_name_asks_the_resolver_then_walks_to_its_first_address() {
        use crate::analyze::Reason;
        use crate::scenario::{Outcome, ProbeProto};
        let l = lab("scenarios/30-service-discovery.yaml");
        let web: Node = "task/web".parse().unwrap();
        let walk =
            |to: &str| crate::analyze::analyze(&l, &web, &to.parse().unwrap(), Some(8080), ProbeProto::Tcp, None);
        let a = walk("api.corp.local");
        assert_eq!(a.outcome, Some(Outcome::Connected), "{}", a.explanation);
        assert!(a.steps[0].component.starts_with("DNS api.corp.local (10.30.0.2)"), "{:?}", a.steps[0]);
        assert!(matches!(&a.served_by, Some(n) if n.task_name().is_some_and(|t| t.starts_with("api-"))));
        let none = walk("nothing.corp.local");
        assert_eq!((none.outcome, none.code), (None, Some(Reason::DnsNameNotResolved)));
        assert!(none.explanation.contains("has no record of that name"), "{}", none.explanation);
        // SRV records only: an A query gets no address.
        assert_eq!(walk("worker.corp.local").code, Some(Reason::DnsNameNotResolved));
        // The VPC's resolver off: the query times out, for the reason it does.
        let y = std::fs::read_to_string("scenarios/30-service-discovery.yaml").unwrap();
        let y = y.replacen("vpc:\n", "vpc:\n  enableDnsSupport: false\n  enableDnsHostnames: false\n", 1);
        let s = crate::scenario::load_str(std::path::Path::new("t.yaml"), &y).expect("scenario");
        let off = crate::model::build(&s).expect("model");
        let a =
            crate::analyze::analyze(&off, &web, &"api.corp.local".parse().unwrap(), Some(8080), ProbeProto::Tcp, None);
        assert_eq!(a.code, Some(Reason::DnsSupportDisabled), "{}", a.explanation);
    }
}
