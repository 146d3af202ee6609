//! The task metadata endpoint's documents (ECS-FACTS §2.5), computed from the model: field
//! names, order and shapes as the agent marshals them. v4 here; v2 and v3 answer the agent's
//! older shape ([`v2`]). awsvpc containers (the pause included, as `CNI_PAUSE`) report the task
//! ENI; bridge containers their docker0 address.

pub mod introspection;
pub mod v2;

use super::stats::{NetworkSource, StatsSource};
use super::{GoFloat, TmdsContainer, TmdsCredentials, TmdsInstance, TmdsTask};
use crate::model::docker::ContainerRef;
use crate::model::ids::{image_id, private_dns_name, uuid_like};
use crate::model::{Lab, Task};
use crate::scenario::{NetworkMode, Node};
use crate::sys::time::rfc3339_nano;
use serde::Serialize;
use std::collections::BTreeMap;

/// The agent's v4 TaskResponse: its v2 fields (those of a running EC2 task), then its own.
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
    #[serde(rename = "Limits", skip_serializing_if = "Option::is_none")]
    pub limits: Option<TaskLimits>,
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
    #[serde(rename = "AvailabilityZoneID", skip_serializing_if = "String::is_empty")]
    pub availability_zone_id: String,
    /// Fargate only: the microVM's clock against Amazon Time Sync.
    #[serde(rename = "ClockDrift", skip_serializing_if = "Option::is_none")]
    pub clock_drift: Option<ClockDrift>,
    /// Fargate only: the task's ephemeral storage in MiB (20 GiB by default).
    #[serde(rename = "EphemeralStorageMetrics", skip_serializing_if = "Option::is_none")]
    pub ephemeral_storage_metrics: Option<EphemeralStorageMetrics>,
}

/// Fargate's `ClockDrift` (the task metadata endpoint v4 docs for Fargate).
#[derive(Clone, Debug, Serialize)]
pub struct ClockDrift {
    #[serde(rename = "ClockErrorBound")]
    pub clock_error_bound: GoFloat,
    #[serde(rename = "ReferenceTimestamp")]
    pub reference_timestamp: String,
    #[serde(rename = "ClockSynchronizationStatus")]
    pub clock_synchronization_status: &'static str,
}

/// Fargate's `EphemeralStorageMetrics`, MiB.
#[derive(Clone, Debug, Serialize)]
pub struct EphemeralStorageMetrics {
    #[serde(rename = "Utilized")]
    pub utilized: u64,
    #[serde(rename = "Reserved")]
    pub reserved: u64,
}

/// The task-level limits: CPU in vCPUs (the agent's `task.CPU`), memory in MiB; each only when
/// the task definition gives it, the whole only when one is given.
#[derive(Clone, Debug, Serialize)]
pub struct TaskLimits {
    #[serde(rename = "CPU", skip_serializing_if = "Option::is_none")]
    pub cpu: Option<GoFloat>,
    #[serde(rename = "Memory", skip_serializing_if = "Option::is_none")]
    pub memory: Option<u32>,
}

/// The agent's v4 ContainerResponse: its v2 fields, `Networks` after them.
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
    #[serde(rename = "LogDriver", skip_serializing_if = "Option::is_none")]
    pub log_driver: Option<String>,
    /// Go marshals a map with its keys sorted.
    #[serde(rename = "LogOptions", skip_serializing_if = "BTreeMap::is_empty")]
    pub log_options: BTreeMap<String, String>,
    #[serde(rename = "ContainerARN", skip_serializing_if = "Option::is_none")]
    pub container_arn: Option<String>,
    #[serde(rename = "Networks")]
    pub networks: Vec<NetworkDoc>,
}

/// A container's limits: CPU units (at least the agent's minimum of 2) and memory in MiB.
#[derive(Clone, Debug, Serialize)]
pub struct Limits {
    #[serde(rename = "CPU")]
    pub cpu: u32,
    #[serde(rename = "Memory")]
    pub memory: u32,
}

/// The agent reports a container's CPU as at least 2 units (agent/handlers/v2/response.go,
/// `minimumCPUUnit`), the least CPU shares the kernel takes.
pub const MINIMUM_CPU_UNITS: u32 = 2;

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
    let ctrs = containers_of(lab, task);
    let start = rfc3339_nano(created_ns);
    let fargate = task.launch.fargate();
    let az = match (fargate, task.instance()) {
        (Some(f), _) => f.availability_zone.as_str(),
        (None, Some(ii)) => lab.instances[ii].az.as_str(),
        (None, None) => "",
    };
    TaskDoc {
        cluster: lab.cluster.clone(),
        task_arn: task.arn.clone(),
        family: task.family.clone(),
        revision: task.revision.to_string(),
        desired_status: "RUNNING",
        known_status: "RUNNING",
        limits: task_limits(task),
        pull_started_at: start.clone(),
        pull_stopped_at: start,
        availability_zone: az.to_string(),
        launch_type: if fargate.is_some() { "FARGATE" } else { "EC2" },
        containers: ctrs.iter().map(|c| container_doc(lab, task, c, created_ns)).collect(),
        vpc_id: lab.vpc.id.clone(),
        fault_injection_enabled: false,
        availability_zone_id: availability_zone_id(az),
        clock_drift: fargate.map(|_| ClockDrift {
            clock_error_bound: GoFloat(0.5),
            reference_timestamp: rfc3339_nano(created_ns),
            clock_synchronization_status: "SYNCHRONIZED",
        }),
        // 20 GiB, Fargate's default ephemeral storage; a fresh task has used little of it.
        ephemeral_storage_metrics: fargate.map(|_| EphemeralStorageMetrics { utilized: 261, reserved: 20496 }),
    }
}

/// The task's containers as Docker lists them: the pause first.
fn containers_of<'a>(lab: &'a Lab, task: &Task) -> Vec<ContainerRef<'a>> {
    let ti = lab.tasks.iter().position(|t| std::ptr::eq(t, task) || t.name == task.name);
    ti.map(|ti| crate::model::docker::task_containers(lab, ti)).unwrap_or_default()
}

/// The agent's task-level limits: from ACS, CPU in vCPUs (units / 1024).
fn task_limits(task: &Task) -> Option<TaskLimits> {
    let cpu = task.cpu.filter(|c| *c != 0).map(|c| GoFloat(f64::from(c) / 1024.0));
    let memory = task.memory.filter(|m| *m != 0);
    (cpu.is_some() || memory.is_some()).then_some(TaskLimits { cpu, memory })
}

fn container_doc(lab: &Lab, task: &Task, c: &ContainerRef, created_ns: u64) -> ContainerDoc {
    let m = c.model();
    let pause = m.pause;
    let at = rfc3339_nano(c.created_ns(created_ns));
    ContainerDoc {
        docker_id: m.docker_id.clone(),
        name: m.name.clone(),
        docker_name: m.docker_name.clone(),
        image: m.image.clone(),
        image_id: if pause { String::new() } else { image_id(&m.image) },
        // Fargate omits Ports (aws/amazon-ecs-agent issue #4291).
        ports: if task.is_fargate() { vec![] } else { port_docs(task.mode, m) },
        labels: c.labels(),
        desired_status: if pause { "RESOURCES_PROVISIONED" } else { "RUNNING" },
        known_status: if pause { "RESOURCES_PROVISIONED" } else { "RUNNING" },
        limits: Limits { cpu: m.cpu.max(MINIMUM_CPU_UNITS), memory: m.memory.unwrap_or(0) },
        created_at: at.clone(),
        started_at: at,
        kind: if pause { "CNI_PAUSE" } else { "NORMAL" },
        log_driver: m.log_driver.clone(),
        log_options: m.log_options.iter().cloned().collect(),
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
        networks: vec![network_doc(lab, task, m.ip)],
    }
}

/// The container's ports as the agent knows its bindings.
fn port_docs(mode: NetworkMode, m: &crate::model::Container) -> Vec<PortDoc> {
    let mut ports = vec![];
    for p in &m.ports {
        match mode {
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
    ports
}

/// awsvpc: the task ENI with its properties; other modes Docker's network of the container.
fn network_doc(lab: &Lab, task: &Task, ip: Option<std::net::Ipv4Addr>) -> NetworkDoc {
    match (task.mode, task.eni.map(|e| &lab.enis[e])) {
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
}

/// A plausible AZ id for a zone name, as EC2's `placement/availability-zone-id` gives the agent
/// (`ap-northeast-1a` -> `apne1-az1`): the region's short code, and the zone letter's place.
/// EC2 maps letters to ids differently per account; this mapping is only stable.
pub fn availability_zone_id(az: &str) -> String {
    let Some(letter) = az.chars().last().filter(char::is_ascii_lowercase) else { return String::new() };
    let region = &az[..az.len() - 1];
    if !region.ends_with(|c: char| c.is_ascii_digit()) {
        return String::new();
    }
    let mut parts: Vec<&str> = region.split('-').collect();
    let number = parts.pop().unwrap_or("");
    let mut code = parts.first().copied().unwrap_or("").to_string();
    for word in parts.iter().skip(1) {
        match *word {
            "northeast" => code.push_str("ne"),
            "northwest" => code.push_str("nw"),
            "southeast" => code.push_str("se"),
            "southwest" => code.push_str("sw"),
            w => code.extend(w.chars().next()),
        }
    }
    format!("{code}{number}-az{}", u32::from(letter) - u32::from('a') + 1)
}

/// What each instance's endpoint serves, in the agent's compact form.
pub fn tmds_config(lab: &Lab, created_ns: u64) -> Vec<TmdsInstance> {
    lab.instances
        .iter()
        .enumerate()
        .map(|(ii, inst)| {
            let tasks = lab
                .tasks
                .iter()
                .filter(|t| t.is_running() && t.on_instance(ii))
                .map(|t| tmds_task(lab, t, created_ns))
                .collect();
            TmdsInstance {
                node: Node::instance(&inst.name).to_string(),
                ns: inst.ns.clone(),
                tasks,
                agent: introspection::agent_identity(lab, ii),
                fargate: false,
            }
        })
        .collect()
}

/// The endpoint of Fargate task `ti`'s microVM: the agent there knows only its task.
pub fn fargate_tmds(lab: &Lab, ti: usize, created_ns: u64) -> TmdsInstance {
    let t = &lab.tasks[ti];
    TmdsInstance {
        node: format!("{} (Fargate)", Node::task(&t.name)),
        ns: t.launch.fargate().map(|f| f.vm_ns.clone()).unwrap_or_default(),
        tasks: vec![tmds_task(lab, t, created_ns)],
        agent: Default::default(),
        fargate: true,
    }
}

/// One task: its documents cut around `Containers`, each container's documents and stats.
fn tmds_task(lab: &Lab, t: &Task, created_ns: u64) -> TmdsTask {
    let mut doc = task_doc(lab, t, created_ns);
    let docs = std::mem::take(&mut doc.containers);
    let (head, tail) = cut(&serde_json::to_string(&doc).unwrap_or_default());
    let (head_v3, tail_v3) = cut(&serde_json::to_string(&v2::task_doc(&doc)).unwrap_or_default());
    let refs = containers_of(lab, t);
    // The task's traffic counts from when its namespace (the pause) was made.
    let task_since = refs.iter().find(|c| c.model().pause).map(|c| c.created_ns(created_ns));
    // A Fargate microVM's stats are those of the smallest general-purpose size.
    let instance_type = t.instance().map(|ii| lab.instances[ii].instance_type.as_str()).unwrap_or("m5.large");
    let containers = docs
        .iter()
        .zip(&refs)
        .map(|(d, c)| {
            let m = c.model();
            let since = c.created_ns(created_ns);
            let network = network_source(t, m, task_since.unwrap_or(since));
            TmdsContainer {
                endpoint_id: if m.pause { String::new() } else { m.v3_id.clone() },
                docker_id: m.docker_id.clone(),
                doc: serde_json::to_string(d).unwrap_or_default(),
                doc_v3: serde_json::to_string(&v2::container_doc(d, true)).unwrap_or_default(),
                doc_v2: (t.mode != NetworkMode::Awsvpc)
                    .then(|| serde_json::to_string(&v2::container_doc(d, false)).unwrap_or_default()),
                stats: StatsSource::new(instance_type, m, since, network),
            }
        })
        .collect();
    TmdsTask {
        introspection: introspection::task_entry(lab, t, &docs),
        bridge_ip: t.bridge_ip,
        arn: t.arn.clone(),
        head,
        tail,
        head_v3,
        tail_v3,
        containers,
        credentials: t
            .task_role_arn
            .as_ref()
            .and_then(|arn| credentials_id(t).map(|id| TmdsCredentials { id, role_arn: arn.clone() })),
    }
}

/// The document before and after the contents of its (empty) `Containers` array: the marker
/// appears once, as a string value cannot hold an unescaped quote.
fn cut(shell: &str) -> (String, String) {
    const MARK: &str = "\"Containers\":[";
    let at = shell.find(MARK).map(|i| i + MARK.len()).unwrap_or(shell.len());
    (shell[..at].to_string(), shell[at..].to_string())
}

/// The interface Docker's stats show a container's traffic on, counting from `since_ns`: bridge
/// its own `eth0`; awsvpc the task ENI, `eth0` of the task namespace, the same for every
/// container of the task (the agent puts the task's network stats in each); host and none none.
fn network_source(t: &Task, m: &crate::model::Container, since_ns: u64) -> Option<NetworkSource> {
    let seed = match t.mode {
        NetworkMode::Awsvpc => t.arn.clone(),
        NetworkMode::Bridge => m.docker_id.clone(),
        NetworkMode::Host | NetworkMode::None => return None,
    };
    Some(NetworkSource { interface: "eth0".into(), seed, since_ns })
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
