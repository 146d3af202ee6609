//! Layer 2: the model. Turns a validated scenario into the emulated world: where every task is
//! placed, which addresses, MACs, names and host ports it gets, as AWS and ECS would assign them.
//! Pure: no I/O, unit-tested without root.
//!
//! One file per resource kind, each with its types and how it resolves; `build` calls them in
//! the order AWS and ECS create things (addresses written in the file first, then instances,
//! NAT gateways, and the tasks one RunTask at a time), which fixes every id and address.

mod address_pool;
pub mod call;
pub mod container;
pub mod control_plane;
pub mod dns;
pub mod docker;
pub mod ecs_service;
pub mod eni;
pub mod error;
mod fabric;
pub mod iam;
pub mod ids;
pub mod instance;
pub mod internet;
pub mod internet_gateway;
pub mod lifecycle;
pub mod load_balancer;
pub mod nat_gateway;
pub mod network_acl;
pub mod placement;
pub mod pull;
pub mod resolve;
pub mod route_table;
mod scheduler;
pub mod security_group;
pub mod service;
pub mod service_discovery;
pub mod subnet;
pub mod task;
#[cfg(test)]
mod tests;
pub mod vpc;
pub mod vpc_endpoint;

pub use container::{Container, PortBinding};
pub use eni::{Eni, EniOwner};
pub use error::{ModelError, ModelErrorKind};
pub use instance::Instance;
pub use internet::Internet;
pub use nat_gateway::NatGateway;
pub use placement::PlacementFailure;
pub use route_table::RouteTable;
pub use subnet::Subnet;
pub use task::Task;
pub use vpc::Vpc;

use crate::scenario::{NetworkMode, Scenario};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;
use std::path::PathBuf;

/// The internet client host every lab has (SCENARIO.md "The internet").
pub const INTERNET_CLIENT: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 10);
/// Where tasks reach the task metadata endpoint (ECS-FACTS §0).
pub const METADATA_IP: Ipv4Addr = Ipv4Addr::new(169, 254, 170, 2);
pub const METADATA_PORT: u16 = 80;
/// The agent's real listener, inside each instance namespace.
pub const TMDS_LISTEN_PORT: u16 = 51679;
pub const ECS_BRIDGE_GW: Ipv4Addr = Ipv4Addr::new(169, 254, 172, 1);
pub const ECS_BRIDGE_PREFIX: u8 = 22;
/// The instance metadata service, where every ENI reaches it (ECS-FACTS §1, vpc.go).
pub const IMDS_IP: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);
pub const IMDS_PORT: u16 = 80;
/// The agent's introspection API, on every address of the instance.
pub const INTROSPECTION_PORT: u16 = 51678;
/// Transit links of the fabric (never inside a VPC: AWS forbids 169.254.0.0/16 as a VPC CIDR).
pub const RTR_IGW: (Ipv4Addr, Ipv4Addr) = (Ipv4Addr::new(169, 254, 255, 1), Ipv4Addr::new(169, 254, 255, 2));
pub const IGW_INET: (Ipv4Addr, Ipv4Addr) = (Ipv4Addr::new(169, 254, 255, 5), Ipv4Addr::new(169, 254, 255, 6));
pub const TRANSIT_PREFIX: u8 = 30;
/// 169.254.0.0/16: link-local, never routed by the VPC.
pub const LINK_LOCAL: (Ipv4Addr, u8) = (Ipv4Addr::new(169, 254, 0, 0), 16);
pub const PAUSE_IMAGE: &str = "amazon/amazon-ecs-pause:0.1.0";
pub const AGENT_IMAGE: &str = "amazon/amazon-ecs-agent:latest";
pub const ACCOUNT: &str = "123456789012";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Lab {
    pub name: String,
    pub region: String,
    pub scenario_file: PathBuf,
    pub cluster: String,
    pub vpc: Vpc,
    pub internet: Internet,
    pub instances: Vec<Instance>,
    pub nats: Vec<NatGateway>,
    pub tasks: Vec<Task>,
    /// ECS services (`services:`), in file order; their tasks are in `tasks`, after the
    /// standalone ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ecs_service::EcsService>,
    pub enis: Vec<Eni>,
    /// VPC endpoints, in file order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<vpc_endpoint::VpcEndpoint>,
    /// Application load balancers, in file order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_balancers: Vec<load_balancer::LoadBalancer>,
    /// Target groups and their registered targets, in file order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_groups: Vec<load_balancer::TargetGroup>,
    /// What the lab's AWS services hold from the start (the scenario's `aws:`, with what the
    /// tasks name added to the lists it leaves out: [`pull::with_implicit`]).
    #[serde(default, skip_serializing_if = "crate::scenario::aws::Data::is_empty")]
    pub aws: crate::scenario::aws::Data,
    /// What each task's start fetches from AWS (secrets, images, log streams), in task order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starts: Vec<pull::TaskStart>,
    /// Cloud Map namespaces and services, and the ECS services that register in them.
    #[serde(default, skip_serializing_if = "service_discovery::CloudMap::is_empty")]
    pub cloud_map: service_discovery::CloudMap,
}

impl Lab {
    /// The tasks' starts, and the AWS data they name (once the tasks are placed).
    fn with_starts(mut self, s: &Scenario) -> Lab {
        self.starts = pull::starts(s, &self);
        self.aws = pull::with_implicit(std::mem::take(&mut self.aws), &self.starts);
        self
    }
    /// What task `ti`'s start fetches from AWS, if anything.
    pub fn start_of(&self, ti: usize) -> Option<&pull::TaskStart> {
        self.starts.iter().find(|s| s.task == ti)
    }
    pub fn task(&self, name: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.name == name)
    }
    pub fn instance(&self, name: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.name == name)
    }
    /// The availability zone task `t` runs in: its instance's, or its Fargate microVM's.
    pub fn az_of<'a>(&'a self, t: &'a Task) -> &'a str {
        match (&t.launch, t.instance().and_then(|ii| self.instances.get(ii))) {
            (task::Launch::Fargate(f), _) => &f.availability_zone,
            (_, Some(i)) => &i.az,
            _ => "",
        }
    }
    /// Where task `t` runs, as a user reads it: `instance/NAME`, or `Fargate`.
    pub fn host_of(&self, t: &Task) -> String {
        match t.instance() {
            Some(ii) => crate::scenario::Node::instance(&self.instances[ii].name).to_string(),
            None => "Fargate".to_string(),
        }
    }

    pub fn service(&self, name: &str) -> Option<&ecs_service::EcsService> {
        self.services.iter().find(|s| s.name == name)
    }
    pub fn nat(&self, name: &str) -> Option<&NatGateway> {
        self.nats.iter().find(|n| n.name == name)
    }
    pub fn instance_ip(&self, i: &Instance) -> Ipv4Addr {
        self.enis[i.eni].ip
    }
    /// Whether instance `ii` has ecs-bridge: the first awsvpc task's CNI ADD creates it, so an
    /// instance without awsvpc tasks has none (nor 169.254.172.1).
    pub fn has_ecs_bridge(&self, ii: usize) -> bool {
        self.tasks.iter().any(|t| t.on_instance(ii) && t.mode == NetworkMode::Awsvpc && t.placement.is_ok())
    }
    pub fn load_balancer(&self, name: &str) -> Option<&load_balancer::LoadBalancer> {
        self.load_balancers.iter().find(|l| l.name == name)
    }
    pub fn endpoint(&self, name: &str) -> Option<&vpc_endpoint::VpcEndpoint> {
        self.endpoints.iter().find(|e| e.name == name)
    }
    /// The node an ENI belongs to (`instance/NAME`, `task/NAME`, `nat/NAME`, `endpoint/NAME`).
    pub fn owner_node(&self, e: &Eni) -> crate::scenario::Node {
        use crate::scenario::Node;
        match e.owner {
            EniOwner::Instance(i) => Node::instance(&self.instances[i].name),
            EniOwner::Task(t) => Node::task(&self.tasks[t].name),
            EniOwner::Nat(n) => Node::nat(&self.nats[n].name),
            EniOwner::Endpoint(x) => Node::Endpoint(self.endpoints[x].name.clone()),
            EniOwner::LoadBalancer(x) => self.load_balancers[x].node(),
        }
    }
    /// The ENIs that exist now: a stopped task's is released, kept in `enis` for its index only.
    pub fn live_enis(&self) -> impl Iterator<Item = &Eni> {
        self.enis.iter().filter(|e| !e.released)
    }
    /// Every namespace the lab creates, in creation order.
    pub fn namespaces(&self) -> Vec<String> {
        let mut v = vec![self.vpc.router_ns.clone()];
        if let Some(igw) = &self.vpc.igw_ns {
            v.push(igw.clone());
        }
        v.push(self.internet.ns.clone());
        v.extend(self.nats.iter().map(|n| n.ns.clone()));
        v.extend(self.enis.iter().filter(|e| matches!(e.owner, EniOwner::Endpoint(_))).map(|e| e.ns.clone()));
        v.extend(self.enis.iter().filter(|e| matches!(e.owner, EniOwner::LoadBalancer(_))).map(|e| e.ns.clone()));
        v.extend(self.endpoints.iter().filter_map(|e| e.gateway.as_ref().map(|(ns, _)| ns.clone())));
        v.extend(self.instances.iter().map(|i| i.ns.clone()));
        for t in self.tasks.iter().filter(|t| t.is_running()) {
            if let Some(f) = t.launch.fargate() {
                v.push(f.vm_ns.clone());
            }
            if let Some(ns) = &t.ns {
                v.push(ns.clone());
            }
            if matches!(t.mode, NetworkMode::Bridge | NetworkMode::None) {
                v.extend(t.containers.iter().map(|c| c.ns.clone()));
            }
        }
        v
    }
}

/// Build the lab model from a validated scenario.
pub fn build(s: &Scenario) -> Result<Lab, ModelError> {
    build_with(s, &[])
}

/// `build`, where the instances `unregistered` (indices) never joined the cluster: no task is
/// placed on them.
pub fn build_with(s: &Scenario, unregistered: &[usize]) -> Result<Lab, ModelError> {
    build_lab(s, unregistered, &lifecycle::History::default())
}

/// `build_with`, then what happened to the tasks since `up` (`history`): tasks stopped, their
/// ENIs released, replacements placed by the service scheduler. Every object `up` made keeps its
/// name and address: the replacements' ENIs come after every other.
pub fn build_lab(s: &Scenario, unregistered: &[usize], history: &lifecycle::History) -> Result<Lab, ModelError> {
    let lab = s.name.value.as_str();
    let cluster = format!("ecsnet-{lab}");
    let security_groups = security_group::resolve(s);
    let route_tables = route_table::resolve(s);
    let subnets = subnet::resolve(lab, s, &route_tables);
    let pools = address_pool::AddressPools::new(s, &subnets);
    let dns = dns::settings(s);
    let vpc_dns = dns.resolver;
    let mut fabric = fabric::Fabric { lab, vpc_dns, subnets: &subnets, pools, enis: vec![] };
    let instances = instance::resolve_all(s, &mut fabric)?;
    let nats = nat_gateway::resolve_all(s, &mut fabric)?;
    let mut placer = task::placer(s, &cluster, &instances, &mut fabric, unregistered);
    let mut tasks = placer.place_all()?;
    // Then the services' tasks, as ECS's service scheduler places them.
    let mut services = scheduler::place_services(&mut placer, &mut tasks)?;
    let endpoints = vpc_endpoint::resolve_all(s, placer.fabric)?;
    let load_balancers = load_balancer::resolve_nodes(s, placer.fabric)?;
    lifecycle::replay(&mut placer, &mut tasks, &mut services, history)?;
    drop(placer);
    let target_groups = load_balancer::resolve_groups(s, &fabric, &tasks, &instances, &services);
    let enis = fabric.enis;
    let cloud_map = service_discovery::resolve(s, lab, &services);
    Ok(Lab {
        name: lab.to_string(),
        region: s.region.clone(),
        scenario_file: s.file.clone(),
        cluster,
        vpc: vpc::resolve(lab, s, (subnets, route_tables, security_groups), dns),
        internet: internet::resolve(lab, s),
        instances,
        nats,
        tasks,
        services,
        enis,
        endpoints,
        load_balancers,
        target_groups,
        aws: s.aws.clone(),
        starts: vec![],
        cloud_map,
    }
    .with_starts(s))
}
