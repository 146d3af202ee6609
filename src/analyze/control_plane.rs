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
    (0..lab.instances.len()).flat_map(|ii| dials(lab, ii)).filter(|u| u.dial.failure.is_some()).collect()
}

/// Instance `ii`'s agent dialling each service of the control plane, in its order; at `ecs`,
/// its registration also meets IAM as the instance's role session (a declared role must allow
/// ecs:RegisterContainerInstance on the cluster and ecs:DiscoverPollEndpoint).
pub fn dials(lab: &Lab, ii: usize) -> Vec<Unreachable> {
    let from = Node::instance(&lab.instances[ii].name);
    SERVICES
        .iter()
        .map(|&service| {
            let mut dial = dial(lab, &from, &host(service, &lab.region));
            if service == AwsService::Ecs && dial.failure.is_none() {
                dial.failure = registration_denied(lab, &from, &dial);
            }
            Unreachable { instance: ii, service, dial }
        })
        .collect()
}

/// ECS's AccessDeniedException for the agent's registration calls, when IAM denies one.
fn registration_denied(lab: &Lab, from: &Node, d: &Dial) -> Option<crate::model::pull::Failure> {
    use super::iam::{ServiceStyle, denial_message};
    let caller = super::role::caller(lab, from, super::role::Which::Task).ok()?;
    let cluster = crate::model::control_plane::cluster_arn(&lab.region, crate::model::ACCOUNT, &lab.cluster);
    let path = super::call::on_path(lab, d);
    for (action, resource) in [("ecs:RegisterContainerInstance", cluster.as_str()), ("ecs:DiscoverPollEndpoint", "*")] {
        let (_, decision) = super::call::decide_on(lab, &caller, (action, resource), (path.0.as_deref(), path.1));
        if !decision.allowed {
            let on = if resource == "*" { "" } else { resource };
            let message = denial_message(ServiceStyle::Json, &decision, &caller.session_arn, action, on);
            return Some(crate::model::pull::Failure::Api {
                status: 400,
                code: "AccessDeniedException".into(),
                message,
            });
        }
    }
    None
}

/// An instance's registration in lines, for `explain instance/NAME --start`: each service the
/// agent dials, its path, and what the agent logs where it fails.
pub fn render(lab: &Lab, ii: usize) -> String {
    use crate::model::pull::HTTPS_PORT;
    use std::fmt::Write as _;
    let inst = &lab.instances[ii];
    let mut s = String::new();
    let _ = writeln!(
        s,
        "instance/{} joins cluster {} (its ECS agent's calls, signed as its role {}):",
        inst.name, lab.cluster, inst.instance_profile
    );
    let calls = |service| match service {
        AwsService::Ecs => "RegisterContainerInstance, DiscoverPollEndpoint",
        AwsService::EcsAgent => "ACS websocket (task delivery)",
        _ => "TCS websocket (metrics)",
    };
    let all = dials(lab, ii);
    for (i, u) in all.iter().enumerate() {
        let d = &u.dial;
        let mark = if d.failure.is_some() { "FAIL" } else { "ok" };
        let _ = writeln!(s, "  {}. [{mark}] {} {} -> https://{}/", i + 1, u.service.id(), calls(u.service), d.host);
        let _ = writeln!(s, "       name: {}", d.name.why);
        if let (Some(ip), Some(p)) = (d.ip, &d.path) {
            let outcome = p.outcome.map(|o| o.to_string()).unwrap_or_else(|| "?".into());
            let code = p.code.map(|c| format!(" ({c})")).unwrap_or_default();
            let _ = writeln!(s, "       {ip}:{HTTPS_PORT}/tcp: {outcome}{code}: {}", p.explanation);
            if d.failure.is_some() {
                for step in &p.steps {
                    let _ = writeln!(s, "         - {}: {}", step.component, step.decision);
                }
            }
        }
        if d.failure.is_some() {
            let _ = writeln!(s, "       the agent logs: {}", u.agent_log().replace('\n', " "));
        }
    }
    let failed: Vec<&Unreachable> = all.iter().filter(|u| u.dial.failure.is_some()).collect();
    let _ = match (failed.iter().any(|u| u.keeps_tasks_off()), failed.is_empty()) {
        (_, true) => writeln!(s, "registered: ACTIVE, agentConnected true"),
        (false, false) => writeln!(s, "registered: ACTIVE, agentConnected true; no metrics reach CloudWatch (TCS)"),
        (true, _) => writeln!(
            s,
            "not registered: on AWS this instance never runs a task (with `controlPlane: strict` ecsnet places none on it either)"
        ),
    };
    s
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
    (0..lab.instances.len()).map(|ii| predicted_at(lab, ii)).collect()
}

/// Instance `ii`'s registration as the analyzer predicts it.
pub fn predicted_at(lab: &Lab, ii: usize) -> Registration {
    Registration {
        instance: lab.instances[ii].name.clone(),
        misses: dials(lab, ii).iter().filter(|u| u.dial.failure.is_some()).map(Unreachable::miss).collect(),
        container_instance_arn: None,
    }
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
        // Reached, but the instance's declared role may not register: IAM's answer, in ECS's words.
        let role = "aws:\n  roles:\n    - roleName: ecsInstanceRole\n      managedPolicyArns: [AmazonEC2ContainerRegistryReadOnly]\n";
        let l = lab_from_str("cp.yaml", &format!("{base}{eps}{inst}{role}"));
        let u = check(&l);
        assert_eq!(u.len(), 1, "{:?}", u.iter().map(|u| u.agent_log()).collect::<Vec<_>>());
        let id = &l.instances[0].id;
        assert_eq!(
            u[0].agent_log(),
            format!(
                "Unable to register as a container instance with ECS: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ecsInstanceRole/{id} is not authorized to perform: ecs:RegisterContainerInstance on resource: arn:aws:ecs:ap-northeast-1:123456789012:cluster/ecsnet-cp because no identity-based policy allows the ecs:RegisterContainerInstance action"
            )
        );
        // The managed policy ECS documents for the instance role lets it register.
        let role = role.replace("AmazonEC2ContainerRegistryReadOnly", "AmazonEC2ContainerServiceforEC2Role");
        let l = lab_from_str("cp.yaml", &format!("{base}{eps}{inst}{role}"));
        assert!(check(&l).is_empty(), "{:?}", check(&l).iter().map(|u| u.agent_log()).collect::<Vec<_>>());
    }
}
