//! The task metadata endpoint's v4 documents (ECS-FACTS §2.5), computed from the model: field
//! names, order and shapes as the agent marshals them. awsvpc containers (the pause included, as
//! `CNI_PAUSE`) report the task ENI; bridge containers their docker0 address.

use super::{TmdsContainer, TmdsCredentials, TmdsInstance, TmdsTask};
use crate::model::docker::containers;
use crate::model::ids::{image_id, private_dns_name, uuid_like};
use crate::model::{Lab, Task};
use crate::scenario::{NetworkMode, Node};
use crate::sys::time::rfc3339_nano;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize)]
pub struct TaskDoc {
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
    #[serde(rename = "PullStartedAt")]
    pub pull_started_at: String,
    #[serde(rename = "PullStoppedAt")]
    pub pull_stopped_at: String,
    #[serde(rename = "AvailabilityZone")]
    pub availability_zone: String,
    #[serde(rename = "LaunchType")]
    pub launch_type: &'static str,
    #[serde(rename = "Containers")]
    pub containers: Vec<ContainerDoc>,
    #[serde(rename = "VPCID")]
    pub vpc_id: String,
    #[serde(rename = "FaultInjectionEnabled")]
    pub fault_injection_enabled: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ContainerDoc {
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
    #[serde(rename = "ContainerARN", skip_serializing_if = "Option::is_none")]
    pub container_arn: Option<String>,
    #[serde(rename = "Networks")]
    pub networks: Vec<NetworkDoc>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Limits {
    #[serde(rename = "CPU")]
    pub cpu: u32,
    #[serde(rename = "Memory")]
    pub memory: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct PortDoc {
    #[serde(rename = "ContainerPort")]
    pub container_port: u16,
    #[serde(rename = "Protocol")]
    pub protocol: String,
    #[serde(rename = "HostPort")]
    pub host_port: u16,
    #[serde(rename = "HostIp", skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct NetworkDoc {
    #[serde(rename = "NetworkMode")]
    pub network_mode: String,
    #[serde(rename = "IPv4Addresses")]
    pub ipv4_addresses: Vec<String>,
    #[serde(rename = "AttachmentIndex", skip_serializing_if = "Option::is_none")]
    pub attachment_index: Option<u32>,
    #[serde(rename = "MACAddress", skip_serializing_if = "Option::is_none")]
    pub mac_address: Option<String>,
    #[serde(rename = "IPv4SubnetCIDRBlock", skip_serializing_if = "Option::is_none")]
    pub ipv4_subnet_cidr_block: Option<String>,
    #[serde(rename = "PrivateDNSName", skip_serializing_if = "Option::is_none")]
    pub private_dns_name: Option<String>,
    #[serde(rename = "SubnetGatewayIpv4Address", skip_serializing_if = "Option::is_none")]
    pub subnet_gateway_ipv4_address: Option<String>,
}

/// The v4 task document of a placed task; container times count from `created_ns`.
pub fn task_doc(lab: &Lab, task: &Task, created_ns: u64) -> TaskDoc {
    let ctrs: Vec<_> = containers(lab).into_iter().filter(|c| c.task().is_some_and(|t| t.name == task.name)).collect();
    let network = |mode: NetworkMode, ip: Option<std::net::Ipv4Addr>| -> NetworkDoc {
        match (mode, task.eni.map(|e| &lab.enis[e])) {
            (NetworkMode::Awsvpc, Some(eni)) => {
                let sn = &lab.vpc.subnets[eni.subnet];
                NetworkDoc {
                    network_mode: "awsvpc".into(),
                    ipv4_addresses: vec![eni.ip.to_string()],
                    attachment_index: Some(0),
                    mac_address: Some(eni.mac.clone()),
                    ipv4_subnet_cidr_block: Some(sn.cidr.to_string()),
                    private_dns_name: Some(private_dns_name(&lab.region, eni.ip)),
                    subnet_gateway_ipv4_address: Some(format!("{}/{}", sn.gateway, sn.cidr.prefix())),
                }
            }
            (mode, _) => NetworkDoc {
                network_mode: mode.to_string(),
                ipv4_addresses: vec![ip.map(|i| i.to_string()).unwrap_or_default()],
                attachment_index: None,
                mac_address: None,
                ipv4_subnet_cidr_block: None,
                private_dns_name: None,
                subnet_gateway_ipv4_address: None,
            },
        }
    };
    let docs = ctrs
        .iter()
        .map(|c| {
            let m = c.model();
            let pause = m.pause;
            let at = rfc3339_nano(c.created_ns(created_ns));
            let mut ports = vec![];
            for p in &m.ports {
                match task.mode {
                    // Docker publishes on IPv4 and IPv6: two entries per port (ECS-FACTS §2.5).
                    NetworkMode::Bridge => {
                        for ip in ["0.0.0.0", "::"] {
                            ports.push(PortDoc {
                                container_port: p.container_port,
                                protocol: p.proto.to_string(),
                                host_port: p.host_port.unwrap_or(0),
                                host_ip: Some(ip.into()),
                            });
                        }
                    }
                    _ => ports.push(PortDoc {
                        container_port: p.container_port,
                        protocol: p.proto.to_string(),
                        host_port: p.host_port.unwrap_or(p.container_port),
                        host_ip: None,
                    }),
                }
            }
            ContainerDoc {
                docker_id: m.docker_id.clone(),
                name: m.name.clone(),
                docker_name: m.docker_name.clone(),
                image: m.image.clone(),
                image_id: if pause { String::new() } else { image_id(&m.image) },
                ports,
                labels: c.labels(),
                desired_status: if pause { "RESOURCES_PROVISIONED" } else { "RUNNING" },
                known_status: if pause { "RESOURCES_PROVISIONED" } else { "RUNNING" },
                limits: Limits { cpu: 0, memory: 0 },
                created_at: at.clone(),
                started_at: at,
                kind: if pause { "CNI_PAUSE" } else { "NORMAL" },
                container_arn: (!pause).then(|| {
                    format!(
                        "arn:aws:ecs:{}:{}:container/{}/{}/{}",
                        lab.region,
                        crate::model::ACCOUNT,
                        lab.cluster,
                        task.id,
                        uuid_like(&[&lab.name, "container-arn", &task.name, &m.name])
                    )
                }),
                networks: vec![network(task.mode, m.ip)],
            }
        })
        .collect();
    let start = rfc3339_nano(created_ns);
    TaskDoc {
        cluster: lab.cluster.clone(),
        task_arn: task.arn.clone(),
        family: task.family.clone(),
        revision: task.revision.to_string(),
        desired_status: "RUNNING",
        known_status: "RUNNING",
        pull_started_at: start.clone(),
        pull_stopped_at: start,
        availability_zone: lab.instances[task.instance].az.clone(),
        launch_type: "EC2",
        containers: docs,
        vpc_id: lab.vpc.id.clone(),
        fault_injection_enabled: false,
    }
}

/// What each instance's endpoint serves, in the agent's compact form.
pub fn tmds_config(lab: &Lab, created_ns: u64) -> Vec<TmdsInstance> {
    const MARK: &str = "\"Containers\":[";
    lab.instances
        .iter()
        .enumerate()
        .map(|(ii, inst)| {
            let tasks =
                lab.tasks
                    .iter()
                    .filter(|t| t.placement.is_ok() && t.instance == ii)
                    .map(|t| {
                        let mut doc = task_doc(lab, t, created_ns);
                        let ctrs = std::mem::take(&mut doc.containers);
                        let shell = serde_json::to_string(&doc).unwrap_or_default();
                        // `"Containers":[]` appears once: a string value cannot hold an unescaped quote.
                        let cut = shell.find(MARK).map(|i| i + MARK.len()).unwrap_or(shell.len());
                        let models: Vec<_> = t.pause.iter().chain(t.containers.iter()).collect();
                        TmdsTask {
                            bridge_ip: t.bridge_ip,
                            head: shell[..cut].to_string(),
                            tail: shell[cut..].to_string(),
                            containers: ctrs
                                .iter()
                                .zip(models)
                                .map(|(d, m)| TmdsContainer {
                                    endpoint_id: if m.pause { String::new() } else { m.v3_id.clone() },
                                    docker_id: m.docker_id.clone(),
                                    doc: serde_json::to_string(d).unwrap_or_default(),
                                })
                                .collect(),
                            credentials: t.task_role_arn.as_ref().and_then(|arn| {
                                credentials_id(t).map(|id| TmdsCredentials { id, role_arn: arn.clone() })
                            }),
                        }
                    })
                    .collect();
            TmdsInstance { node: Node::instance(&inst.name).to_string(), ns: inst.ns.clone(), tasks }
        })
        .collect()
}

/// The credentials id the model put in the task's AWS_CONTAINER_CREDENTIALS_RELATIVE_URI.
pub fn credentials_id(t: &Task) -> Option<String> {
    t.containers.iter().flat_map(|c| c.env.iter()).find_map(|(k, v)| {
        (k == "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").then(|| v.trim_start_matches("/v2/credentials/").to_string())
    })
}

/// `ECS_CONTAINER_METADATA_URI_V4` of a container, from its environment.
pub fn metadata_uri_v4(c: &crate::model::Container) -> Option<&str> {
    c.env.iter().find(|(k, _)| k == "ECS_CONTAINER_METADATA_URI_V4").map(|(_, v)| v.as_str())
}
