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
    z.records.extend(crate::model::service_discovery::records(lab, &|ti| started(lab, ti)));
    z
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
}
