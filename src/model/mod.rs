//! Layer 2: the model. Turns a validated scenario into the emulated world: where every task is
//! placed, which addresses, MACs, names and host ports it gets, as AWS and ECS would assign them.
//! Pure: no I/O, unit-tested without root.

pub mod container;
pub mod ids;
pub mod resolve;
pub mod service;
#[cfg(test)]
mod tests;

use crate::scenario::{
    self, NetworkMode, Node, PortProto, Proto, RouteTarget, Scenario, SecurityGroup, TaskDefinition,
};
use ipnetwork::Ipv4Network;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};
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
pub const DOCKER0_GW: Ipv4Addr = Ipv4Addr::new(172, 17, 0, 1);
pub const DOCKER0_PREFIX: u8 = 16;
/// ECS_RESERVED_PORTS default (ECS-FACTS §3.3).
pub const RESERVED_TCP_PORTS: [u16; 5] = [22, 2375, 2376, 51678, 51679];
/// The kernel's default ip_local_port_range, which the agent reads for dynamic host ports.
pub const DYNAMIC_PORTS: (u16, u16) = (32768, 60999);
/// Transit links of the fabric (never inside a VPC: AWS forbids 169.254.0.0/16 as a VPC CIDR).
pub const RTR_IGW: (Ipv4Addr, Ipv4Addr) = (Ipv4Addr::new(169, 254, 255, 1), Ipv4Addr::new(169, 254, 255, 2));
pub const IGW_INET: (Ipv4Addr, Ipv4Addr) = (Ipv4Addr::new(169, 254, 255, 5), Ipv4Addr::new(169, 254, 255, 6));
pub const TRANSIT_PREFIX: u8 = 30;
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
    pub enis: Vec<Eni>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Vpc {
    pub id: String,
    pub cidr: Ipv4Network,
    pub router_ns: String,
    /// The internet gateway's namespace when the VPC has one.
    pub igw_ns: Option<String>,
    pub subnets: Vec<Subnet>,
    pub route_tables: Vec<RouteTable>,
    pub security_groups: Vec<SecurityGroup>,
    pub network_acls: Vec<scenario::NetworkAcl>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Subnet {
    pub name: String,
    pub id: String,
    pub cidr: Ipv4Network,
    pub az: String,
    /// The VPC router's address in the subnet (base + 1).
    pub gateway: Ipv4Addr,
    /// Index into `Vpc::route_tables`.
    pub route_table: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RouteTable {
    pub name: String,
    /// Kernel table id in the router namespace.
    pub table_id: u32,
    pub routes: Vec<(Ipv4Network, RouteTarget)>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Internet {
    pub ns: String,
    pub client: Ipv4Addr,
    pub hosts: Vec<scenario::InternetHost>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EniOwner {
    Instance(usize),
    Task(usize),
    Nat(usize),
}

/// An elastic network interface: in the emulation a veth whose `eth0` end is in the owner's
/// namespace and whose other end (named after the ENI id) is in the VPC router.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Eni {
    /// `eni-` + 17 hex, as AWS shows it.
    pub id: String,
    /// The router-side link name (≤ 15 chars).
    pub router_link: String,
    pub mac: String,
    pub ip: Ipv4Addr,
    pub subnet: usize,
    pub security_groups: Vec<String>,
    pub owner: EniOwner,
    /// The namespace holding `eth0`.
    pub ns: String,
    pub public_ip: Option<Ipv4Addr>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Instance {
    pub name: String,
    pub id: String,
    pub ns: String,
    pub subnet: usize,
    pub az: String,
    pub eni: usize,
    pub public_ip: Option<Ipv4Addr>,
    pub elastic_ip: bool,
    pub instance_type: String,
    /// Maximum awsvpc tasks (ENIs minus the primary, or the trunking limit).
    pub max_task_enis: u32,
    pub docker0_mac: String,
    pub ecs_bridge_mac: String,
    pub agent: Container,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NatGateway {
    pub name: String,
    pub id: String,
    pub ns: String,
    pub eni: usize,
    pub eip: Ipv4Addr,
}

/// Why ECS could not place a task, with ECS's reason and message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlacementFailure {
    /// A static host port the task needs is taken on its instance.
    PortInUse { instance_id: String, port: u16, proto: Proto },
    /// docker0 has no free address for a bridge container.
    Docker0Full,
    /// No dynamic host port is left.
    DynamicPortsExhausted,
    /// None of the task's subnets is in its instance's availability zone.
    MissingAttribute { instance: String, az: String },
    /// The instance has no ENI left for awsvpc tasks.
    NoEniAttachmentPoint { instance: String, max: u32 },
    /// ecs-bridge's /22 has no address left.
    EcsBridgeFull,
    /// The task's subnet has no free address for its ENI.
    SubnetFull { subnet: String },
}

impl PlacementFailure {
    /// ECS's reason: `RESOURCE:PORTS`, `RESOURCE:ENI` or `MissingAttribute`.
    pub fn reason(&self) -> &'static str {
        match self {
            PlacementFailure::PortInUse { .. }
            | PlacementFailure::Docker0Full
            | PlacementFailure::DynamicPortsExhausted => "RESOURCE:PORTS",
            PlacementFailure::MissingAttribute { .. } => "MissingAttribute",
            PlacementFailure::NoEniAttachmentPoint { .. }
            | PlacementFailure::EcsBridgeFull
            | PlacementFailure::SubnetFull { .. } => "RESOURCE:ENI",
        }
    }

    /// ECS's message.
    pub fn message(&self) -> String {
        match self {
            PlacementFailure::PortInUse { instance_id, port, proto } => format!(
                "The closest matching container-instance {instance_id} is already using a port required by your task ({port}/{proto})."
            ),
            PlacementFailure::Docker0Full => "docker0 has no free address".into(),
            PlacementFailure::DynamicPortsExhausted => {
                "a host port is unavailable (dynamic host port range exhausted)".into()
            }
            PlacementFailure::MissingAttribute { instance, az } => format!(
                "Container instance missing required attribute: instance {instance} is in {az}, none of the task's subnets is."
            ),
            PlacementFailure::NoEniAttachmentPoint { instance, max } => format!(
                "your cluster does not have any available elastic network interface attachment points, which are required for tasks that use the awsvpc network mode (instance {instance} has {max} for tasks)."
            ),
            PlacementFailure::EcsBridgeFull => "ecs-ipam: failed to find available ip addresses in the subnet".into(),
            PlacementFailure::SubnetFull { subnet } => {
                format!("subnet `{subnet}` has no free IP address for the task ENI")
            }
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Task {
    pub name: String,
    /// 32 hex, as the last part of a task ARN.
    pub id: String,
    pub arn: String,
    pub family: String,
    pub revision: u32,
    pub mode: NetworkMode,
    pub instance: usize,
    pub placement: Result<(), PlacementFailure>,
    pub task_role_arn: Option<String>,
    /// awsvpc: the task ENI.
    pub eni: Option<usize>,
    /// awsvpc: the task namespace (shared by pause and every container).
    pub ns: Option<String>,
    /// awsvpc: `ecs-eth0`'s address on ecs-bridge.
    pub bridge_ip: Option<Ipv4Addr>,
    pub bridge_mac: Option<String>,
    /// awsvpc: the host-side veth on ecs-bridge.
    pub veth_host: Option<String>,
    pub pause: Option<Container>,
    pub containers: Vec<Container>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortBinding {
    pub container_port: u16,
    /// Published host port (bridge); for awsvpc/host equal to the container port and not
    /// published (awsvpc) or bound directly (host).
    pub host_port: Option<u16>,
    pub proto: Proto,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Container {
    pub name: String,
    pub docker_name: String,
    /// 64 hex.
    pub docker_id: String,
    pub image: String,
    pub cmd: Vec<String>,
    /// The namespace the container's processes run in.
    pub ns: String,
    /// bridge: its docker0 address.
    pub ip: Option<Ipv4Addr>,
    pub mac: Option<String>,
    pub veth_host: Option<String>,
    pub ports: Vec<PortBinding>,
    /// What the built-in responder listens on (empty when `command` is set).
    pub listen: Vec<PortProto>,
    pub command: Option<Vec<String>>,
    pub env: Vec<(String, String)>,
    /// Shared by ECS_CONTAINER_METADATA_URI (v3) and _V4.
    pub v3_id: String,
    pub pause: bool,
    pub labels: Vec<(String, String)>,
}

impl Lab {
    pub fn task(&self, name: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.name == name)
    }
    pub fn instance(&self, name: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.name == name)
    }
    pub fn nat(&self, name: &str) -> Option<&NatGateway> {
        self.nats.iter().find(|n| n.name == name)
    }
    pub fn instance_ip(&self, i: &Instance) -> Ipv4Addr {
        self.enis[i.eni].ip
    }
    /// Every namespace the lab creates, in creation order.
    pub fn namespaces(&self) -> Vec<String> {
        let mut v = vec![self.vpc.router_ns.clone()];
        if let Some(igw) = &self.vpc.igw_ns {
            v.push(igw.clone());
        }
        v.push(self.internet.ns.clone());
        v.extend(self.nats.iter().map(|n| n.ns.clone()));
        v.extend(self.instances.iter().map(|i| i.ns.clone()));
        for t in self.tasks.iter().filter(|t| t.placement.is_ok()) {
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

/// Hands out addresses of a block in order, skipping those already taken. A subnet's first
/// address is base + 4 (AWS reserves the network address, +1 router, +2 DNS, +3 future use);
/// the broadcast address is never given out.
struct AddrPool {
    last: u32,
    used: HashSet<Ipv4Addr>,
    next: u32,
}

impl AddrPool {
    fn new(net: Ipv4Network, skip: u32) -> Self {
        AddrPool { last: u32::from(net.broadcast()), used: HashSet::new(), next: u32::from(net.network()) + skip }
    }
    fn take(&mut self, ip: Ipv4Addr) {
        self.used.insert(ip);
    }
    fn alloc(&mut self) -> Option<Ipv4Addr> {
        while self.next < self.last {
            let ip = Ipv4Addr::from(self.next);
            self.next += 1;
            if self.used.insert(ip) {
                return Some(ip);
            }
        }
        None
    }
}

/// A model error: something valid on paper that cannot be built (an exhausted pool).
#[derive(Debug, thiserror::Error)]
#[error("{loc}: error: {message}")]
pub struct ModelError {
    pub loc: scenario::Loc,
    pub message: String,
}

/// ECS strips a container name to `[A-Za-z0-9-]` in docker names.
fn docker_safe(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect()
}

/// A container name made safe and short for a namespace file name.
fn ns_safe(s: &str) -> String {
    let mut v: String =
        s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c.to_ascii_lowercase() } else { '-' }).collect();
    v.truncate(40);
    v
}

fn find_taskdef<'a>(s: &'a Scenario, r: &scenario::TaskDefRef) -> Option<&'a TaskDefinition> {
    s.task_definitions
        .iter()
        .filter(|d| d.family.value == r.family && r.revision.is_none_or(|rev| d.revision == rev))
        .max_by_key(|d| d.revision)
}

/// Build the lab model from a validated scenario.
pub fn build(s: &Scenario) -> Result<Lab, ModelError> {
    let lab = s.name.value.clone();
    let l = lab.as_str();
    let err = |loc: &scenario::Loc, m: String| ModelError { loc: loc.clone(), message: m };
    let cluster = format!("ecsnet-{lab}");

    // Security groups: the declared ones, plus the VPC's default group unless declared.
    let mut sgs = s.vpc.security_groups.clone();
    if !sgs.iter().any(|g| g.name.value == "default") {
        sgs.push(SecurityGroup {
            name: scenario::Located::bare("default".into()),
            description: Some("default VPC security group".into()),
            ingress: vec![scenario::SgRule {
                protocol: scenario::RuleProto::All,
                ports: None,
                peer: scenario::Located::bare(scenario::Peer::Sg("default".into())),
                description: None,
                loc: scenario::Loc::none(),
            }],
            egress: None,
        });
    }

    // Route tables: the main table (local route only) is table 0 unless one is named `main`.
    let mut route_tables = vec![];
    let has_main = s.vpc.route_tables.iter().any(|r| r.name.value == "main");
    if !has_main {
        route_tables.push(RouteTable { name: "main".into(), table_id: 100, routes: vec![] });
    }
    for rt in &s.vpc.route_tables {
        let id = 100 + route_tables.len() as u32;
        route_tables.push(RouteTable {
            name: rt.name.value.clone(),
            table_id: id,
            routes: rt.routes.iter().map(|r| (r.destination.value, r.target.value.clone())).collect(),
        });
    }
    let rt_index: HashMap<&str, usize> = route_tables.iter().enumerate().map(|(i, r)| (r.name.as_str(), i)).collect();
    let main_rt = rt_index.get("main").copied().unwrap_or(0);

    let subnets: Vec<Subnet> = s
        .vpc
        .subnets
        .iter()
        .map(|sn| Subnet {
            name: sn.name.value.clone(),
            id: format!("subnet-{}", ids::hex(&[l, "subnet", &sn.name.value], 17)),
            cidr: sn.cidr.value,
            az: sn.availability_zone.value.clone(),
            gateway: Ipv4Addr::from(u32::from(sn.cidr.value.network()) + 1),
            route_table: sn
                .route_table
                .as_ref()
                .and_then(|r| rt_index.get(r.value.as_str()).copied())
                .unwrap_or(main_rt),
        })
        .collect();
    let subnet_idx: HashMap<&str, usize> = subnets.iter().enumerate().map(|(i, sn)| (sn.name.as_str(), i)).collect();
    let mut allocs: Vec<AddrPool> = subnets.iter().map(|sn| AddrPool::new(sn.cidr, 4)).collect();

    // Addresses written in the file are taken first, so allocation never hands them out.
    for inst in &s.instances {
        if let (Some(ip), Some(&si)) = (&inst.private_ip, subnet_idx.get(inst.subnet.value.as_str())) {
            allocs[si].take(ip.value);
        }
    }
    let mut pool = AddrPool::new(s.vpc.public_ip_pool.value, 1);
    pool.take(INTERNET_CLIENT);
    for h in &s.internet.hosts {
        pool.take(h.ip.value);
    }
    for inst in &s.instances {
        if let Some(e) = &inst.elastic_ip {
            pool.take(e.value);
        }
    }
    for n in &s.vpc.nat_gateways {
        if let Some(e) = &n.elastic_ip {
            pool.take(e.value);
        }
    }

    let mut enis: Vec<Eni> = vec![];
    let new_eni = |enis: &mut Vec<Eni>,
                   key: &str,
                   ip: Ipv4Addr,
                   subnet: usize,
                   sgs: Vec<String>,
                   owner: EniOwner,
                   ns: String,
                   public_ip: Option<Ipv4Addr>| {
        let h = ids::hex(&[l, "eni", key], 17);
        let id = format!("eni-{h}");
        let router_link = format!("eni-{}", &h[..11]);
        let mac = ids::mac_str(&ids::mac(0x0e, &[l, "eni", key]));
        enis.push(Eni { id, router_link, mac, ip, subnet, security_groups: sgs, owner, ns, public_ip });
        enis.len() - 1
    };

    // Instances.
    let mut instances = vec![];
    for (ii, inst) in s.instances.iter().enumerate() {
        let si = *subnet_idx
            .get(inst.subnet.value.as_str())
            .ok_or_else(|| err(&inst.subnet.loc, format!("unknown subnet `{}`", inst.subnet.value)))?;
        let ip = match &inst.private_ip {
            Some(ip) => ip.value,
            None => allocs[si]
                .alloc()
                .ok_or_else(|| err(&inst.loc, format!("subnet `{}` has no free address left", subnets[si].name)))?,
        };
        let (public_ip, elastic) = match (&inst.elastic_ip, inst.public_ip) {
            (Some(e), _) => (Some(e.value), true),
            (None, true) => (
                Some(pool.alloc().ok_or_else(|| err(&inst.loc, "the public IP pool is exhausted".to_string()))?),
                false,
            ),
            (None, false) => (None, false),
        };
        let ns = ids::ns_name(l, "i", &inst.name.value);
        let sg_names = match &inst.security_groups {
            Some(v) => v.iter().map(|g| g.value.clone()).collect(),
            None => vec!["default".to_string()],
        };
        let eni = new_eni(
            &mut enis,
            &Node::instance(&inst.name.value).to_string(),
            ip,
            si,
            sg_names,
            EniOwner::Instance(ii),
            ns.clone(),
            public_ip,
        );
        let max_task_enis = match inst.max_enis {
            Some(n) => n.saturating_sub(1),
            None => match scenario::instance_types::eni_limits(&inst.instance_type.value) {
                Some((enis, trunk)) => {
                    if inst.eni_trunking && trunk > 0 {
                        trunk
                    } else {
                        enis.saturating_sub(1)
                    }
                }
                None => 2,
            },
        };
        let agent_id = ids::hex(&[l, "agent", &inst.name.value], 64);
        instances.push(Instance {
            name: inst.name.value.clone(),
            id: format!("i-{}", ids::hex(&[l, "instance", &inst.name.value], 17)),
            ns,
            subnet: si,
            az: subnets[si].az.clone(),
            eni,
            public_ip,
            elastic_ip: elastic,
            instance_type: inst.instance_type.value.clone(),
            max_task_enis,
            docker0_mac: ids::mac_str(&ids::mac(0x02, &[l, "docker0", &inst.name.value])),
            // ecs-bridge: a static random locally administered MAC (ECS-FACTS §1.7 step 1).
            ecs_bridge_mac: ids::mac_str(&ids::mac(0x0a, &[l, "ecs-bridge", &inst.name.value])),
            agent: Container {
                name: "ecs-agent".into(),
                docker_name: "ecs-agent".into(),
                docker_id: agent_id,
                image: AGENT_IMAGE.into(),
                cmd: vec!["/agent".into()],
                ns: String::new(),
                ip: None,
                mac: None,
                veth_host: None,
                ports: vec![],
                listen: vec![],
                command: None,
                env: vec![],
                v3_id: String::new(),
                pause: false,
                labels: vec![],
            },
        });
    }

    // NAT gateways: an ENI in their public subnet and an Elastic IP.
    let mut nats = vec![];
    for (ni, n) in s.vpc.nat_gateways.iter().enumerate() {
        let si = *subnet_idx
            .get(n.subnet.value.as_str())
            .ok_or_else(|| err(&n.subnet.loc, format!("unknown subnet `{}`", n.subnet.value)))?;
        let ip = allocs[si]
            .alloc()
            .ok_or_else(|| err(&n.name.loc, format!("subnet `{}` has no free address left", subnets[si].name)))?;
        let eip = match &n.elastic_ip {
            Some(e) => e.value,
            None => pool.alloc().ok_or_else(|| err(&n.name.loc, "the public IP pool is exhausted".into()))?,
        };
        let ns = ids::ns_name(l, "nat", &n.name.value);
        let eni = new_eni(
            &mut enis,
            &Node::nat(&n.name.value).to_string(),
            ip,
            si,
            vec![],
            EniOwner::Nat(ni),
            ns.clone(),
            Some(eip),
        );
        nats.push(NatGateway {
            name: n.name.value.clone(),
            id: format!("nat-{}", ids::hex(&[l, "nat", &n.name.value], 17)),
            ns,
            eni,
            eip,
        });
    }

    // Tasks, placed in file order as ECS would place them one RunTask at a time.
    struct InstState {
        task_enis: u32,
        bridge_next: u32,
        docker_next: u32,
        host_ports: HashMap<Proto, BTreeSet<u16>>,
        dyn_next: u16,
        veths: HashSet<String>,
    }
    let mut ist: Vec<InstState> = instances
        .iter()
        .map(|_| InstState {
            task_enis: 0,
            bridge_next: u32::from(ECS_BRIDGE_GW) + 1,
            docker_next: u32::from(DOCKER0_GW) + 1,
            host_ports: HashMap::from([
                (Proto::Tcp, RESERVED_TCP_PORTS.iter().copied().collect()),
                (Proto::Udp, BTreeSet::new()),
            ]),
            dyn_next: DYNAMIC_PORTS.0,
            veths: HashSet::new(),
        })
        .collect();
    let inst_idx: HashMap<&str, usize> = instances.iter().enumerate().map(|(i, x)| (x.name.as_str(), i)).collect();
    let bridge_last = u32::from(Ipv4Addr::new(169, 254, 175, 254));
    let docker_last = u32::from(Ipv4Addr::new(172, 17, 255, 254));

    let mut tasks = vec![];
    for (ti, t) in s.tasks.iter().enumerate() {
        let td = find_taskdef(s, &t.task_definition.value).ok_or_else(|| {
            err(&t.task_definition.loc, format!("unknown task definition `{}`", t.task_definition.value.family))
        })?;
        let ii = *inst_idx
            .get(t.instance.value.as_str())
            .ok_or_else(|| err(&t.instance.loc, format!("unknown instance `{}`", t.instance.value)))?;
        let mode = td.network_mode.value;
        let task_id = ids::hex(&[l, "task", &t.name.value], 32);
        let arn = format!("arn:aws:ecs:{}:{ACCOUNT}:task/{cluster}/{task_id}", s.region);
        let mut tm = Task {
            name: t.name.value.clone(),
            id: task_id.clone(),
            arn: arn.clone(),
            family: td.family.value.clone(),
            revision: td.revision,
            mode,
            instance: ii,
            placement: Ok(()),
            task_role_arn: td.task_role_arn.clone(),
            eni: None,
            ns: None,
            bridge_ip: None,
            bridge_mac: None,
            veth_host: None,
            pause: None,
            containers: vec![],
        };
        let st = &mut ist[ii];

        // Host ports this task needs (bridge static + host mode), checked before anything is taken.
        let mut wanted: Vec<(Proto, u16)> = vec![];
        if matches!(mode, NetworkMode::Bridge | NetworkMode::Host) {
            for cd in &td.container_definitions {
                for pm in &cd.port_mappings {
                    let hp = match mode {
                        NetworkMode::Host => Some(pm.container_port.value),
                        _ => pm.host_port.as_ref().map(|h| h.value).filter(|p| *p != 0),
                    };
                    if let Some(hp) = hp {
                        wanted.push((pm.protocol, hp));
                    }
                }
            }
        }
        let taken: Vec<_> =
            wanted.iter().filter(|(p, port)| st.host_ports.get(p).is_some_and(|s| s.contains(port))).collect();
        if !taken.is_empty() {
            let (p, port) = taken[0];
            tm.placement =
                Err(PlacementFailure::PortInUse { instance_id: instances[ii].id.clone(), port: *port, proto: *p });
        }
        let mut subnet_for_eni = None;
        if tm.placement.is_ok() && mode == NetworkMode::Awsvpc {
            let cfg = t.awsvpc.as_ref();
            let az = &instances[ii].az;
            subnet_for_eni = cfg.and_then(|c| {
                c.subnets
                    .iter()
                    .filter_map(|n| subnet_idx.get(n.value.as_str()).copied())
                    .find(|si| &subnets[*si].az == az)
            });
            if subnet_for_eni.is_none() {
                tm.placement =
                    Err(PlacementFailure::MissingAttribute { instance: instances[ii].name.clone(), az: az.clone() });
            } else if st.task_enis >= instances[ii].max_task_enis {
                tm.placement = Err(PlacementFailure::NoEniAttachmentPoint {
                    instance: instances[ii].name.clone(),
                    max: instances[ii].max_task_enis,
                });
            } else if st.bridge_next > bridge_last {
                tm.placement = Err(PlacementFailure::EcsBridgeFull);
            }
        }
        if tm.placement.is_err() {
            tasks.push(tm);
            continue;
        }
        for (p, port) in &wanted {
            st.host_ports.entry(*p).or_default().insert(*port);
        }

        let inst_ns = instances[ii].ns.clone();
        let task_ns = ids::ns_name(l, "t", &t.name.value);
        let family_safe = docker_safe(&td.family.value);
        let mk_container = |cd: &scenario::ContainerDefinition, ns: String| -> Container {
            let hexs = ids::hex(&[l, "docker-name", &t.name.value, &cd.name.value], 20);
            let v3 = ids::uuid_like(&[l, "v3", &t.name.value, &cd.name.value]);
            let mut labels = vec![
                ("com.amazonaws.ecs.cluster".to_string(), cluster.clone()),
                ("com.amazonaws.ecs.container-name".to_string(), cd.name.value.clone()),
                ("com.amazonaws.ecs.task-arn".to_string(), arn.clone()),
                ("com.amazonaws.ecs.task-definition-family".to_string(), td.family.value.clone()),
                ("com.amazonaws.ecs.task-definition-version".to_string(), td.revision.to_string()),
            ];
            labels.extend(cd.docker_labels.iter().cloned());
            let mut listen: Vec<PortProto> = vec![];
            if cd.x_ecsnet.command.is_none() {
                for pm in &cd.port_mappings {
                    let pp = PortProto { port: pm.container_port.value, proto: pm.protocol };
                    if !listen.contains(&pp) {
                        listen.push(pp);
                    }
                }
                for pp in &cd.x_ecsnet.listen {
                    if !listen.contains(pp) {
                        listen.push(*pp);
                    }
                }
            }
            let mut cmd = cd.entry_point.clone();
            cmd.extend(cd.command.iter().cloned());
            if let Some(c) = &cd.x_ecsnet.command {
                cmd = c.clone();
            }
            Container {
                name: cd.name.value.clone(),
                docker_name: format!("ecs-{family_safe}-{}-{}-{hexs}", td.revision, docker_safe(&cd.name.value)),
                docker_id: ids::hex(&[l, "docker-id", &t.name.value, &cd.name.value], 64),
                image: cd.image.clone(),
                cmd,
                ns,
                ip: None,
                mac: None,
                veth_host: None,
                ports: vec![],
                listen,
                command: cd.x_ecsnet.command.clone(),
                env: cd.environment.clone(),
                v3_id: v3,
                pause: false,
                labels,
            }
        };

        match mode {
            NetworkMode::Awsvpc => {
                let si = subnet_for_eni.unwrap_or(0);
                let ip = allocs[si].alloc();
                let Some(ip) = ip else {
                    tm.placement = Err(PlacementFailure::SubnetFull { subnet: subnets[si].name.clone() });
                    tasks.push(tm);
                    continue;
                };
                st.task_enis += 1;
                let sgs = t
                    .awsvpc
                    .as_ref()
                    .map(|c| c.security_groups.iter().map(|g| g.value.clone()).collect::<Vec<_>>())
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| vec!["default".into()]);
                let eni = new_eni(
                    &mut enis,
                    &Node::task(&t.name.value).to_string(),
                    ip,
                    si,
                    sgs,
                    EniOwner::Task(ti),
                    task_ns.clone(),
                    None,
                );
                let bip = Ipv4Addr::from(st.bridge_next);
                st.bridge_next += 1;
                tm.eni = Some(eni);
                tm.ns = Some(task_ns.clone());
                tm.bridge_ip = Some(bip);
                let o = bip.octets();
                // CNI sets the veth MAC from the IP: 0a:58 + the four IPv4 bytes (ECS-FACTS §1.7).
                tm.bridge_mac = Some(ids::mac_str(&[0x0a, 0x58, o[0], o[1], o[2], o[3]]));
                tm.veth_host = Some(unique_veth(&mut st.veths, l, &t.name.value, "", 8));
                let hexs = ids::hex(&[l, "docker-name", &t.name.value, "~pause"], 20);
                tm.pause = Some(Container {
                    name: "~internal~ecs~pause".into(),
                    docker_name: format!("ecs-{family_safe}-{}-internalecspause-{hexs}", td.revision),
                    docker_id: ids::hex(&[l, "docker-id", &t.name.value, "~pause"], 64),
                    image: PAUSE_IMAGE.into(),
                    cmd: vec!["/pause".into()],
                    ns: task_ns.clone(),
                    ip: None,
                    mac: None,
                    veth_host: None,
                    ports: vec![],
                    listen: vec![],
                    command: None,
                    env: vec![],
                    v3_id: ids::uuid_like(&[l, "v3", &t.name.value, "~pause"]),
                    pause: true,
                    labels: vec![],
                });
                for cd in &td.container_definitions {
                    let mut c = mk_container(cd, task_ns.clone());
                    c.ports = same_port_bindings(cd);
                    tm.containers.push(c);
                }
            }
            NetworkMode::Bridge => {
                for cd in &td.container_definitions {
                    let cns = unique_ns(l, &t.name.value, &cd.name.value, &tm.containers);
                    let mut c = mk_container(cd, cns);
                    if st.docker_next > docker_last {
                        tm.placement = Err(PlacementFailure::Docker0Full);
                        break;
                    }
                    let ip = Ipv4Addr::from(st.docker_next);
                    st.docker_next += 1;
                    let o = ip.octets();
                    c.ip = Some(ip);
                    // Docker derives container MACs from the IP: 02:42 + the four IPv4 bytes.
                    c.mac = Some(ids::mac_str(&[0x02, 0x42, o[0], o[1], o[2], o[3]]));
                    c.veth_host = Some(unique_veth(&mut st.veths, l, &t.name.value, &cd.name.value, 7));
                    for pm in &cd.port_mappings {
                        let hp = match pm.host_port.as_ref().map(|h| h.value).filter(|p| *p != 0) {
                            Some(p) => p,
                            None => match next_dynamic(st.host_ports.entry(pm.protocol).or_default(), &mut st.dyn_next)
                            {
                                Some(p) => p,
                                None => {
                                    tm.placement = Err(PlacementFailure::DynamicPortsExhausted);
                                    break;
                                }
                            },
                        };
                        c.ports.push(PortBinding {
                            container_port: pm.container_port.value,
                            host_port: Some(hp),
                            proto: pm.protocol,
                        });
                    }
                    tm.containers.push(c);
                }
            }
            NetworkMode::Host => {
                for cd in &td.container_definitions {
                    let mut c = mk_container(cd, inst_ns.clone());
                    c.ports = same_port_bindings(cd);
                    tm.containers.push(c);
                }
            }
            NetworkMode::None => {
                for cd in &td.container_definitions {
                    let cns = unique_ns(l, &t.name.value, &cd.name.value, &tm.containers);
                    tm.containers.push(mk_container(cd, cns));
                }
            }
        }
        // Environment ECS gives every container (ECS-FACTS §2.3).
        let region = s.region.clone();
        let cred_id = ids::uuid_like(&[l, "credentials", &t.name.value]);
        for c in tm.containers.iter_mut() {
            let mut env = vec![
                ("ECS_CONTAINER_METADATA_URI".to_string(), format!("http://{METADATA_IP}/v3/{}", c.v3_id)),
                ("ECS_CONTAINER_METADATA_URI_V4".to_string(), format!("http://{METADATA_IP}/v4/{}", c.v3_id)),
                ("ECS_AGENT_URI".to_string(), format!("http://{METADATA_IP}/api/{}", c.v3_id)),
                ("AWS_EXECUTION_ENV".to_string(), "AWS_ECS_EC2".to_string()),
                ("AWS_REGION".to_string(), region.clone()),
                ("AWS_DEFAULT_REGION".to_string(), region.clone()),
            ];
            if tm.task_role_arn.is_some() {
                env.push(("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI".into(), format!("/v2/credentials/{cred_id}")));
            }
            env.append(&mut c.env);
            c.env = env;
        }
        tasks.push(tm);
    }

    let router_ns = ids::ns_name(l, "vpc", "");
    Ok(Lab {
        name: lab.clone(),
        region: s.region.clone(),
        scenario_file: s.file.clone(),
        cluster,
        vpc: Vpc {
            id: format!("vpc-{}", ids::hex(&[l, "vpc"], 17)),
            cidr: s.vpc.cidr.value,
            router_ns,
            igw_ns: s.vpc.internet_gateway.then(|| ids::ns_name(l, "igw", "")),
            subnets,
            route_tables,
            security_groups: sgs,
            network_acls: s.vpc.network_acls.clone(),
        },
        internet: Internet {
            ns: ids::ns_name(l, "internet", ""),
            client: INTERNET_CLIENT,
            hosts: s.internet.hosts.clone(),
        },
        instances,
        nats,
        tasks,
        enis,
    })
}

/// awsvpc and host mode: the host port is the container port (and, for awsvpc, not published).
fn same_port_bindings(cd: &scenario::ContainerDefinition) -> Vec<PortBinding> {
    cd.port_mappings
        .iter()
        .map(|pm| PortBinding {
            container_port: pm.container_port.value,
            host_port: Some(pm.container_port.value),
            proto: pm.protocol,
        })
        .collect()
}

fn next_dynamic(used: &mut BTreeSet<u16>, next: &mut u16) -> Option<u16> {
    let (lo, hi) = DYNAMIC_PORTS;
    let span = u32::from(hi - lo) + 1;
    for _ in 0..span {
        let p = *next;
        *next = if p >= hi { lo } else { p + 1 };
        if used.insert(p) {
            return Some(p);
        }
    }
    None
}

fn unique_veth(used: &mut HashSet<String>, lab: &str, task: &str, ctr: &str, n: usize) -> String {
    for salt in 0u32.. {
        let s = salt.to_string();
        let name = format!("veth{}", ids::hex(&[lab, "veth", task, ctr, &s], n));
        if used.insert(name.clone()) {
            return name;
        }
    }
    unreachable!("the salt loop always finds a free name")
}

fn unique_ns(lab: &str, task: &str, ctr: &str, others: &[Container]) -> String {
    let base = ids::ns_name(lab, "c", &format!("{task}.{}", ns_safe(ctr)));
    if !others.iter().any(|c| c.ns == base) {
        return base;
    }
    format!("{base}-{}", others.len())
}
