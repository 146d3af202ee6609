//! Whether an EC2 container instance's ECS agent reaches the ECS control plane, from the
//! instance, as it dials it: `ecs` (RegisterContainerInstance, DiscoverPollEndpoint), `ecs-a`
//! (ACS, the websocket that delivers tasks) and `ecs-t` (TCS, metrics). On AWS an instance
//! that cannot reach `ecs` never joins its cluster, and one that cannot reach `ecs-a` never
//! gets a task; without a public IP or a NAT gateway it needs the three interface endpoints.
//! ecsnet places tasks on such an instance all the same unless the scenario asks for the strict
//! behaviour (`controlPlane: strict`), and says so in the agent's words.

use super::pull::{Dial, dial, same_kind};
use crate::model::Lab;
use crate::model::control_plane::{Miss, Registration, SERVICES, host};
use crate::scenario::Node;
use crate::scenario::aws_service::AwsService;

/// A service of the control plane an instance cannot reach.
#[derive(Clone, Debug)]
pub struct Unreachable {
    /// Index in `Lab::instances`.
    pub instance: usize,
    pub service: AwsService,
    pub dial: Dial,
}

impl Unreachable {
    fn miss(&self) -> Miss {
        let failure = self.dial.failure.clone().unwrap_or(crate::model::pull::Failure::Other { text: String::new() });
        Miss { service: self.service, host: self.dial.host.clone(), failure }
    }

    /// What the ECS agent logs.
    pub fn agent_log(&self) -> String {
        self.miss().agent_log()
    }

    /// Whether it keeps the instance from running tasks (registration or task delivery).
    pub fn keeps_tasks_off(&self) -> bool {
        self.miss().keeps_tasks_off()
    }
}

/// Every control-plane service each instance cannot reach, in instance order.
pub fn check(lab: &Lab) -> Vec<Unreachable> {
    let mut v = vec![];
    for (ii, inst) in lab.instances.iter().enumerate() {
        let from = Node::instance(&inst.name);
        for service in SERVICES {
            let d = dial(lab, &from, &host(service, &lab.region));
            if d.failure.is_some() {
                v.push(Unreachable { instance: ii, service, dial: d });
            }
        }
    }
    v
}

/// The instances that would never run a task on AWS.
pub fn unregistered(lab: &Lab) -> Vec<usize> {
    let mut v: Vec<usize> = check(lab).iter().filter(|u| u.keeps_tasks_off()).map(|u| u.instance).collect();
    v.dedup();
    v
}

/// Each instance's registration as the analyzer predicts it, in instance order: what the
/// lab's agent, dialling from the instance, must find on packets.
pub fn predicted(lab: &Lab) -> Vec<Registration> {
    let all = check(lab);
    lab.instances
        .iter()
        .enumerate()
        .map(|(ii, inst)| Registration {
            instance: inst.name.clone(),
            misses: all.iter().filter(|u| u.instance == ii).map(Unreachable::miss).collect(),
            container_instance_arn: None,
        })
        .collect()
}

/// Whether the model's registration and the packets' agree: the same services missed, each
/// in the same way (not the same wording).
pub fn agree(model: &Registration, seen: &Registration) -> bool {
    model.misses.len() == seen.misses.len()
        && model
            .misses
            .iter()
            .zip(&seen.misses)
            .all(|(a, b)| a.service == b.service && same_kind(&a.failure, &b.failure))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testing::lab_from_str;

    #[test]
    fn a_private_instance_without_endpoints_cannot_register() {
        let base = "version: 1\nname: cp\nregion: ap-northeast-1\nvpc:\n  cidr: 10.20.0.0/16\n  subnets: [{ name: a, cidr: 10.20.1.0/24, availabilityZone: ap-northeast-1a }]\n  securityGroups: [{ name: all, ingress: [{ protocol: tcp, ports: 443, source: 10.20.0.0/16 }] }]\n";
        let inst = "instances: [{ name: i, subnet: a, securityGroups: [all] }]\n";
        let l = lab_from_str("cp.yaml", &format!("{base}{inst}"));
        let u = check(&l);
        assert_eq!(u.len(), 3);
        assert!(
            u[0].agent_log().starts_with("Unable to register as a container instance with ECS: "),
            "{}",
            u[0].agent_log()
        );
        assert!(u[0].agent_log().ends_with("dial tcp 198.18.8.10:443: i/o timeout"), "{}", u[0].agent_log());
        assert_eq!(unregistered(&l), vec![0]);
        let eps = "  vpcEndpoints:\n    - { name: ecs, service: ecs, subnets: [a], securityGroups: [all] }\n    - { name: ecs-agent, service: ecs-agent, subnets: [a], securityGroups: [all] }\n    - { name: ecs-telemetry, service: ecs-telemetry, subnets: [a], securityGroups: [all] }\n";
        let l = lab_from_str("cp.yaml", &format!("{base}{eps}{inst}"));
        assert!(check(&l).is_empty(), "{:?}", check(&l).iter().map(|u| u.agent_log()).collect::<Vec<_>>());
    }
}
