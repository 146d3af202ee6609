//! How an EC2 container instance's ECS agent joins its cluster, as the agent does it at boot:
//! `RegisterContainerInstance` and `DiscoverPollEndpoint` on `ecs`, then the ACS websocket on
//! `ecs-a` (task delivery) and the TCS websocket on `ecs-t` (metrics). Pure: the services in
//! the agent's order, how a registration ended, and the agent's log line for each failure.
//! The analyzer predicts a [`Registration`] per instance; the lab's agent makes one on packets.

use super::pull::{Failure, dial_cause};
use crate::scenario::aws_service::AwsService;
use serde::{Deserialize, Serialize};

/// The control plane's services, in the order the agent dials them.
pub const SERVICES: [AwsService; 3] = [AwsService::Ecs, AwsService::EcsAgent, AwsService::EcsTelemetry];

/// The name the agent dials for `service`: `ecs.<r>`, and the ACS and TCS names
/// DiscoverPollEndpoint hands back (`ecs-a.<r>`, `ecs-t.<r>`, which the ecs-agent and
/// ecs-telemetry endpoints' private DNS covers).
pub fn host(service: AwsService, region: &str) -> String {
    service.hostnames(region, super::ACCOUNT).swap_remove(0)
}

/// The ARN ECS gives instance `ii` when it registers (the introspection API and
/// `RegisterContainerInstance` both answer it).
pub fn container_instance_arn(lab: &super::Lab, ii: usize) -> String {
    let id = container_instance_id(&lab.name, &lab.instances[ii].name);
    format!("arn:aws:ecs:{}:{}:container-instance/{}/{id}", lab.region, super::ACCOUNT, lab.cluster)
}

/// The id part of the container instance ARN of instance `instance` (service events name it).
pub fn container_instance_id(lab: &str, instance: &str) -> String {
    super::ids::hex(&[lab, "container-instance", instance], 32)
}

/// A service of the control plane an instance's agent could not reach.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Miss {
    pub service: AwsService,
    /// The name it dialled.
    pub host: String,
    pub failure: Failure,
}

impl Miss {
    /// What the ECS agent logs.
    pub fn agent_log(&self) -> String {
        let cause = match &self.failure {
            Failure::Api { code, message, .. } => format!("{code}: {message}"),
            f => dial_cause(&self.host, f).unwrap_or_default(),
        };
        match self.service {
            // The service answered: the SDK's error is the service's, not a RequestError.
            AwsService::Ecs if matches!(self.failure, Failure::Api { .. }) => {
                format!("Unable to register as a container instance with ECS: {cause}")
            }
            AwsService::Ecs => format!(
                "Unable to register as a container instance with ECS: RequestError: send request failed\ncaused by: Post \"https://{}/\": {cause}",
                self.host
            ),
            AwsService::EcsAgent => format!("Error connecting to ACS: {cause}"),
            _ => format!("Error connecting to TCS: {cause}"),
        }
    }

    /// Whether it keeps the instance from running tasks (registration or task delivery).
    pub fn keeps_tasks_off(&self) -> bool {
        matches!(self.service, AwsService::Ecs | AwsService::EcsAgent)
    }
}

/// A cluster's ARN from its name (or its ARN as given).
pub fn cluster_arn(region: &str, account: &str, cluster: &str) -> String {
    if cluster.starts_with("arn:") {
        return cluster.to_string();
    }
    format!("arn:aws:ecs:{region}:{account}:cluster/{cluster}")
}

/// How one instance's agent fared: the services it could not reach, in the agent's order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub instance: String,
    #[serde(default)]
    pub misses: Vec<Miss>,
    /// The ARN `RegisterContainerInstance` answered with (packets only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_instance_arn: Option<String>,
}

impl Registration {
    /// Registered and connected to ACS: the instance can be given tasks
    /// (DescribeContainerInstances' `status: ACTIVE` with `agentConnected: true`).
    pub fn connected(&self) -> bool {
        !self.misses.iter().any(Miss::keeps_tasks_off)
    }

    /// Whether `RegisterContainerInstance` went through.
    pub fn registered(&self) -> bool {
        !self.misses.iter().any(|m| m.service == AwsService::Ecs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn the_agent_logs_each_service_in_its_own_words() {
        let m = |service, failure| Miss { service, host: host(service, "ap-northeast-1"), failure };
        let t = Failure::Timeout { ip: Ipv4Addr::new(198, 18, 8, 10) };
        assert_eq!(
            m(AwsService::Ecs, t.clone()).agent_log(),
            "Unable to register as a container instance with ECS: RequestError: send request failed\ncaused by: Post \"https://ecs.ap-northeast-1.amazonaws.com/\": dial tcp 198.18.8.10:443: i/o timeout"
        );
        assert_eq!(
            m(AwsService::EcsAgent, t.clone()).agent_log(),
            "Error connecting to ACS: dial tcp 198.18.8.10:443: i/o timeout"
        );
        let tcs = m(AwsService::EcsTelemetry, t);
        assert!(tcs.agent_log().starts_with("Error connecting to TCS: "));
        let r = Registration { instance: "i".into(), misses: vec![tcs], container_instance_arn: None };
        assert!(r.connected() && r.registered(), "metrics alone keep no task off");
    }
}
