//! The documents of v2 and v3: the agent's v2 response types as its v2 and v3 handlers fill them
//! (`includeV4Metadata=false`, agent/handlers/v2/response.go): no LaunchType, VPCID,
//! AvailabilityZoneID, FaultInjectionEnabled, ContainerARN, LogDriver, LogOptions or HostIp,
//! networks with only their mode and addresses, and `Containers` before `Limits`. Made from the
//! v4 documents, which hold every field of these.

use super::{ContainerDoc, Limits, NetworkDoc, PortDoc, TaskDoc, TaskLimits};
use serde::Serialize;
use std::collections::BTreeMap;

/// The agent's v2 TaskResponse.
#[derive(Clone, Debug, Serialize)]
pub struct TaskDocV2 {
    #[serde(rename = "Cluster")]
    pub cluster: String,
    #[serde(rename = "TaskARN")]
    pub task_arn: String,
    #[serde(rename = "Family")]
    pub family: String,
    #[serde(rename = "Revision")]
    pub revision: String,
    #[serde(rename = "DesiredStatus")]
    pub desired_status: &'static str,
    #[serde(rename = "KnownStatus")]
    pub known_status: &'static str,
    #[serde(rename = "Containers")]
    pub containers: Vec<ContainerDocV2>,
    #[serde(rename = "Limits", skip_serializing_if = "Option::is_none")]
    pub limits: Option<TaskLimits>,
    #[serde(rename = "PullStartedAt")]
    pub pull_started_at: String,
    #[serde(rename = "PullStoppedAt")]
    pub pull_stopped_at: String,
    #[serde(rename = "AvailabilityZone")]
    pub availability_zone: String,
}

/// The agent's v2 ContainerResponse.
#[derive(Clone, Debug, Serialize)]
pub struct ContainerDocV2 {
    #[serde(rename = "DockerId")]
    pub docker_id: String,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "DockerName")]
    pub docker_name: String,
    #[serde(rename = "Image")]
    pub image: String,
    #[serde(rename = "ImageID")]
    pub image_id: String,
    #[serde(rename = "Ports", skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<PortDoc>,
    #[serde(rename = "Labels", skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(rename = "DesiredStatus")]
    pub desired_status: &'static str,
    #[serde(rename = "KnownStatus")]
    pub known_status: &'static str,
    #[serde(rename = "Limits")]
    pub limits: Limits,
    #[serde(rename = "CreatedAt")]
    pub created_at: String,
    #[serde(rename = "StartedAt")]
    pub started_at: String,
    #[serde(rename = "Type")]
    pub kind: &'static str,
    #[serde(rename = "Networks", skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<NetworkDoc>,
}

/// The v2/v3 task document of a v4 one (its containers are taken as they are, usually none).
pub fn task_doc(d: &TaskDoc) -> TaskDocV2 {
    TaskDocV2 {
        cluster: d.cluster.clone(),
        task_arn: d.task_arn.clone(),
        family: d.family.clone(),
        revision: d.revision.clone(),
        desired_status: d.desired_status,
        known_status: d.known_status,
        containers: d.containers.iter().map(|c| container_doc(c, true)).collect(),
        limits: d.limits.clone(),
        pull_started_at: d.pull_started_at.clone(),
        pull_stopped_at: d.pull_stopped_at.clone(),
        availability_zone: d.availability_zone.clone(),
    }
}

/// The v2/v3 document of a container. `with_networks`: v3, and v2 of an awsvpc container (the
/// task ENI's address); v2 leaves a Docker network out (its handler does not look it up).
pub fn container_doc(d: &ContainerDoc, with_networks: bool) -> ContainerDocV2 {
    let ports = d.ports.iter().map(|p| PortDoc { host_ip: None, ..p.clone() }).collect();
    let networks = d
        .networks
        .iter()
        .filter(|_| with_networks)
        .map(|n| NetworkDoc {
            network_mode: n.network_mode.clone(),
            ipv4_addresses: n.ipv4_addresses.clone(),
            attachment_index: None,
            mac_address: None,
            ipv4_subnet_cidr_block: None,
            private_dns_name: None,
            subnet_gateway_ipv4_address: None,
        })
        .collect();
    ContainerDocV2 {
        docker_id: d.docker_id.clone(),
        name: d.name.clone(),
        docker_name: d.docker_name.clone(),
        image: d.image.clone(),
        image_id: d.image_id.clone(),
        ports,
        labels: d.labels.clone(),
        desired_status: d.desired_status,
        known_status: d.known_status,
        limits: d.limits.clone(),
        created_at: d.created_at.clone(),
        started_at: d.started_at.clone(),
        kind: d.kind,
        networks,
    }
}
