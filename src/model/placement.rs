//! Placement: the checks ECS makes before it runs a task on its instance, in ECS's words, and
//! what each instance has already given to the tasks placed on it (ECS places one RunTask at a
//! time, in file order): ENI attachment points, ecs-bridge and docker0 addresses, host ports,
//! the dynamic port cursor, veth names.

use super::instance::Instance;
use super::subnet::{self, Subnet};
use super::{ECS_BRIDGE_GW, INTROSPECTION_PORT, TMDS_LISTEN_PORT, ids};
use crate::scenario::{self, NetworkMode, Proto, TaskDefinition};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::Ipv4Addr;

/// The last address ecs-bridge's IPAM hands out (169.254.172.0/22).
const ECS_BRIDGE_LAST: Ipv4Addr = Ipv4Addr::new(169, 254, 175, 254);

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
    /// The instance's agent does not register a capability the task needs (a task role, in
    /// host mode too): the agent setting that turned it off.
    MissingCapability { instance_id: String, attribute: String, setting: String },
    /// The instance never registered with the cluster: its agent cannot reach the ECS control
    /// plane (`controlPlane: strict`).
    NotRegistered { instance_id: String, cluster: String },
    /// The instance has fewer CPU units left than the task needs.
    InsufficientCpu { instance_id: String },
    /// The instance has less memory left than the task needs.
    InsufficientMemory { instance_id: String },
    /// RunTask refused the task: the trust policy of its task or execution role (declared in
    /// `aws.roles`) does not let `ecs-tasks.amazonaws.com` assume it.
    RoleNotAssumable { role_arn: String },
    /// The service scheduler found no instance for a service's task: the check the closest
    /// matching instance failed, and the service event ECS records.
    ServiceUnplaced { check: super::ecs_service::Check, event: String },
}

impl PlacementFailure {
    /// ECS's reason: `RESOURCE:PORTS`, `RESOURCE:ENI` or `MissingAttribute`; RunTask's error
    /// code (`ClientException`) for a task it refuses outright.
    pub fn reason(&self) -> &'static str {
        match self {
            PlacementFailure::PortInUse { .. }
            | PlacementFailure::Docker0Full
            | PlacementFailure::DynamicPortsExhausted => "RESOURCE:PORTS",
            PlacementFailure::MissingAttribute { .. } | PlacementFailure::MissingCapability { .. } => {
                "MissingAttribute"
            }
            PlacementFailure::NotRegistered { .. } => "MISSING",
            // RunTask's failure reasons (Developer Guide, "API failure reasons").
            PlacementFailure::InsufficientCpu { .. } => "RESOURCE:CPU",
            PlacementFailure::InsufficientMemory { .. } => "RESOURCE:MEMORY",
            // RunTask's own error: the task is refused before it is scheduled.
            PlacementFailure::RoleNotAssumable { .. } => "ClientException",
            PlacementFailure::ServiceUnplaced { check, .. } => check.name(),
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
            PlacementFailure::MissingCapability { instance_id, attribute, setting } => format!(
                "The closest matching container-instance {instance_id} is missing an attribute required by your task ({attribute}: the agent runs with {setting}=false)."
            ),
            PlacementFailure::InsufficientCpu { instance_id } => {
                format!("The closest matching container-instance {instance_id} has insufficient CPU units available.")
            }
            PlacementFailure::InsufficientMemory { instance_id } => {
                format!("The closest matching container-instance {instance_id} has insufficient memory available.")
            }
            PlacementFailure::RoleNotAssumable { role_arn } => format!(
                "ECS was unable to assume the role '{role_arn}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role."
            ),
            PlacementFailure::ServiceUnplaced { event, .. } => event.clone(),
            PlacementFailure::NotRegistered { instance_id, cluster } => format!(
                "{instance_id} is not a container instance of cluster {cluster}: its ECS agent cannot reach the ECS control plane (ecs, ecs-agent), so it never registered"
            ),
        }
    }
}

/// A host port on the instance.
pub(super) type HostPort = (Proto, u16);

/// The static host ports a task needs on its instance: bridge mappings with a host port, and
/// every mapping of host mode. Checked before anything is taken.
pub(super) fn static_host_ports(mode: NetworkMode, td: &TaskDefinition) -> Vec<HostPort> {
    let mut wanted = vec![];
    if !matches!(mode, NetworkMode::Bridge | NetworkMode::Host) {
        return wanted;
    }
    for pm in td.container_definitions.iter().flat_map(|cd| &cd.port_mappings) {
        let host_port = match mode {
            NetworkMode::Host => Some(pm.container_port.value),
            _ => pm.host_port.as_ref().map(|h| h.value).filter(|p| *p != 0),
        };
        if let Some(port) = host_port {
            wanted.push((pm.protocol, port));
        }
    }
    wanted
}

/// The CPU units and memory (MiB) a task reserves on its instance: the task-level values, else
/// the sum of its containers' (ECS's placement arithmetic).
pub(super) fn task_resources(td: &TaskDefinition) -> (u32, u32) {
    let sum = |f: fn(&crate::scenario::ContainerDefinition) -> Option<u32>| {
        td.container_definitions.iter().filter_map(f).fold(0u32, u32::saturating_add)
    };
    (td.cpu.unwrap_or_else(|| sum(|c| c.cpu)), td.memory.unwrap_or_else(|| sum(|c| c.memory)))
}

/// What an instance has given to the tasks placed on it so far.
pub(super) struct InstanceState {
    /// CPU units and memory (MiB) not yet reserved by a task.
    pub(super) cpu_left: u32,
    pub(super) memory_left: u32,
    task_enis: u32,
    bridge_next: u32,
    docker_next: u32,
    /// The last address Docker hands out on docker0 (before its broadcast address).
    docker_last: u32,
    host_ports: HashMap<Proto, BTreeSet<u16>>,
    /// The agent's dynamic host port range and its cursor.
    dyn_range: (u16, u16),
    dyn_next: u16,
    veths: HashSet<String>,
}

impl InstanceState {
    /// A freshly booted instance: the agent's reserved ports taken, both bridges' IPAM at their
    /// first address after the gateway.
    pub(super) fn new(instance: &Instance) -> Self {
        let (cpu, memory) = crate::scenario::instance_types::registered_resources(&instance.instance_type)
            .unwrap_or((u32::MAX, u32::MAX));
        InstanceState { cpu_left: cpu, memory_left: memory, ..Self::with(instance.docker0, &instance.agent_config) }
    }

    fn with(docker0: ipnetwork::Ipv4Network, agent: &crate::scenario::AgentConfig) -> Self {
        InstanceState {
            cpu_left: u32::MAX,
            memory_left: u32::MAX,
            task_enis: 0,
            bridge_next: u32::from(ECS_BRIDGE_GW) + 1,
            // Docker's IPAM: the gateway first, then the containers in order.
            docker_next: u32::from(docker0.network()) + 2,
            docker_last: u32::from(docker0.broadcast()) - 1,
            host_ports: HashMap::from([
                // The agent's own ports are in use whatever ECS_RESERVED_PORTS says: it listens there.
                (
                    Proto::Tcp,
                    agent.reserved_ports.iter().copied().chain([INTROSPECTION_PORT, TMDS_LISTEN_PORT]).collect(),
                ),
                (Proto::Udp, agent.reserved_ports_udp.iter().copied().collect()),
            ]),
            dyn_range: agent.dynamic_ports,
            dyn_next: agent.dynamic_ports.0,
            veths: HashSet::new(),
        }
    }

    /// ECS's resource checks: CPU units, then memory.
    pub(super) fn check_resources(
        &self,
        instance: &Instance,
        (cpu, memory): (u32, u32),
    ) -> Result<(), PlacementFailure> {
        let instance_id = instance.id.clone();
        if cpu > self.cpu_left {
            return Err(PlacementFailure::InsufficientCpu { instance_id });
        }
        if memory > self.memory_left {
            return Err(PlacementFailure::InsufficientMemory { instance_id });
        }
        Ok(())
    }

    /// Reserve a placed task's CPU units and memory.
    pub(super) fn take_resources(&mut self, (cpu, memory): (u32, u32)) {
        self.cpu_left = self.cpu_left.saturating_sub(cpu);
        self.memory_left = self.memory_left.saturating_sub(memory);
    }

    /// ECS's first check: no static host port the task needs is in use on the instance.
    pub(super) fn check_host_ports(&self, instance: &Instance, wanted: &[HostPort]) -> Result<(), PlacementFailure> {
        match wanted.iter().find(|(proto, port)| self.host_ports.get(proto).is_some_and(|s| s.contains(port))) {
            Some(&(proto, port)) => Err(PlacementFailure::PortInUse { instance_id: instance.id.clone(), port, proto }),
            None => Ok(()),
        }
    }

    /// The awsvpc checks, in ECS's order: one of the task's subnets is in the instance's
    /// availability zone (the first such is the ENI's), an ENI attachment point is free, and
    /// ecs-bridge has an address left. Gives the ENI's subnet.
    pub(super) fn check_awsvpc(
        &self,
        instance: &Instance,
        subnets: &[Subnet],
        task: &scenario::Task,
    ) -> Result<usize, PlacementFailure> {
        let named = task.awsvpc.iter().flat_map(|c| &c.subnets);
        let in_az = named.filter_map(|n| subnet::index(subnets, &n.value)).find(|si| subnets[*si].az == instance.az);
        let Some(si) = in_az else {
            return Err(PlacementFailure::MissingAttribute {
                instance: instance.name.clone(),
                az: instance.az.clone(),
            });
        };
        if self.task_enis >= instance.max_task_enis {
            return Err(PlacementFailure::NoEniAttachmentPoint {
                instance: instance.name.clone(),
                max: instance.max_task_enis,
            });
        }
        if self.bridge_next > u32::from(ECS_BRIDGE_LAST) {
            return Err(PlacementFailure::EcsBridgeFull);
        }
        Ok(si)
    }

    /// Take the static host ports of a task that passed the checks.
    /// Give back what a stopped task held: its CPU and memory, its host ports, its ENI slot.
    pub(super) fn release(&mut self, (cpu, memory): (u32, u32), ports: &[HostPort], eni: bool) {
        self.cpu_left = self.cpu_left.saturating_add(cpu);
        self.memory_left = self.memory_left.saturating_add(memory);
        for (proto, port) in ports {
            if let Some(set) = self.host_ports.get_mut(proto) {
                set.remove(port);
            }
        }
        if eni {
            self.task_enis = self.task_enis.saturating_sub(1);
        }
    }

    pub(super) fn take_host_ports(&mut self, wanted: &[HostPort]) {
        for (proto, port) in wanted {
            self.host_ports.entry(*proto).or_default().insert(*port);
        }
    }

    /// Take an ENI attachment point and the next ecs-bridge address (`check_awsvpc` saw both
    /// free).
    pub(super) fn take_awsvpc_slot(&mut self) -> Ipv4Addr {
        self.task_enis += 1;
        let ip = Ipv4Addr::from(self.bridge_next);
        self.bridge_next += 1;
        ip
    }

    /// The next docker0 address.
    pub(super) fn take_docker0_ip(&mut self) -> Result<Ipv4Addr, PlacementFailure> {
        if self.docker_next > self.docker_last {
            return Err(PlacementFailure::Docker0Full);
        }
        let ip = Ipv4Addr::from(self.docker_next);
        self.docker_next += 1;
        Ok(ip)
    }

    /// A dynamic host port, as the agent picks one: the next free one of the range, wrapping.
    pub(super) fn take_dynamic_port(&mut self, proto: Proto) -> Result<u16, PlacementFailure> {
        next_dynamic(self.host_ports.entry(proto).or_default(), &mut self.dyn_next, self.dyn_range)
            .ok_or(PlacementFailure::DynamicPortsExhausted)
    }

    /// A host-side veth name (`veth` + `n` hex) not yet used on this instance.
    pub(super) fn unique_veth(&mut self, lab: &str, task: &str, ctr: &str, n: usize) -> String {
        let mut salt = 0u64;
        loop {
            let name = format!("veth{}", ids::hex(&[lab, "veth", task, ctr, &salt.to_string()], n));
            if self.veths.insert(name.clone()) {
                return name;
            }
            salt += 1;
        }
    }
}

fn next_dynamic(used: &mut BTreeSet<u16>, next: &mut u16, (lo, hi): (u16, u16)) -> Option<u16> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_ecs_reasons() {
        let ports = PlacementFailure::PortInUse { instance_id: "i-1".into(), port: 80, proto: Proto::Tcp };
        assert_eq!(ports.reason(), "RESOURCE:PORTS");
        assert_eq!(
            ports.message(),
            "The closest matching container-instance i-1 is already using a port required by your task (80/tcp)."
        );
        assert_eq!(PlacementFailure::Docker0Full.reason(), "RESOURCE:PORTS");
        assert_eq!(PlacementFailure::DynamicPortsExhausted.reason(), "RESOURCE:PORTS");
        let az = PlacementFailure::MissingAttribute { instance: "i".into(), az: "us-east-1a".into() };
        assert_eq!(az.reason(), "MissingAttribute");
        assert_eq!(PlacementFailure::NoEniAttachmentPoint { instance: "i".into(), max: 2 }.reason(), "RESOURCE:ENI");
        assert_eq!(PlacementFailure::EcsBridgeFull.reason(), "RESOURCE:ENI");
        assert_eq!(PlacementFailure::SubnetFull { subnet: "a".into() }.reason(), "RESOURCE:ENI");
    }

    #[test]
    fn dynamic_ports_skip_used_ones_wrap_and_run_out() {
        let (lo, hi) = crate::scenario::agent_config::DEFAULT_DYNAMIC_PORTS;
        let r = (lo, hi);
        let mut used = BTreeSet::from([lo + 1]);
        let mut next = lo;
        assert_eq!(next_dynamic(&mut used, &mut next, r), Some(lo));
        assert_eq!(next_dynamic(&mut used, &mut next, r), Some(lo + 2), "a used port is skipped");
        next = hi;
        assert_eq!(next_dynamic(&mut used, &mut next, r), Some(hi));
        assert_eq!(next_dynamic(&mut used, &mut next, r), Some(lo + 3), "the cursor wraps to the bottom");
        used.extend(lo..=hi);
        assert_eq!(next_dynamic(&mut used, &mut next, r), None);
        let mut st = InstanceState::with("172.17.0.0/16".parse().unwrap(), &Default::default());
        st.host_ports.insert(Proto::Udp, (lo..=hi).collect());
        assert_eq!(st.take_dynamic_port(Proto::Udp), Err(PlacementFailure::DynamicPortsExhausted));
        assert_eq!(st.take_dynamic_port(Proto::Tcp), Ok(lo), "each protocol has its own ports");
    }

    #[test]
    fn bridges_hand_out_addresses_after_their_gateway_until_full() {
        let mut st = InstanceState::with("172.17.0.0/16".parse().unwrap(), &Default::default());
        assert_eq!(st.take_docker0_ip(), Ok(Ipv4Addr::new(172, 17, 0, 2)));
        assert_eq!(st.take_awsvpc_slot(), Ipv4Addr::new(169, 254, 172, 2));
        assert_eq!(st.task_enis, 1);
        let last = Ipv4Addr::new(172, 17, 255, 254);
        st.docker_next = u32::from(last);
        assert_eq!(st.take_docker0_ip(), Ok(last));
        assert_eq!(st.take_docker0_ip(), Err(PlacementFailure::Docker0Full));
    }

    #[test]
    fn reserved_ports_and_taken_ports_are_in_use() {
        let mut st = InstanceState::with("172.17.0.0/16".parse().unwrap(), &Default::default());
        assert!(st.host_ports[&Proto::Tcp].contains(&51678), "the agent's ports are reserved");
        st.take_host_ports(&[(Proto::Udp, 53)]);
        assert!(st.host_ports[&Proto::Udp].contains(&53));
        assert!(!st.host_ports[&Proto::Tcp].contains(&53), "a UDP port leaves TCP free");
    }

    #[test]
    fn the_agent_settings_decide_reserved_and_dynamic_ports() {
        let agent = crate::scenario::AgentConfig {
            reserved_ports: vec![22],
            reserved_ports_udp: vec![53],
            dynamic_ports: (40000, 40001),
            ..Default::default()
        };
        let mut st = InstanceState::with("172.17.0.0/16".parse().unwrap(), &agent);
        assert!(!st.host_ports[&Proto::Tcp].contains(&2375), "the list replaces the default");
        assert!(st.host_ports[&Proto::Tcp].contains(&51678), "the agent listens there whatever the list");
        assert!(st.host_ports[&Proto::Udp].contains(&53));
        assert_eq!(st.take_dynamic_port(Proto::Tcp), Ok(40000));
        assert_eq!(st.take_dynamic_port(Proto::Tcp), Ok(40001));
        assert_eq!(st.take_dynamic_port(Proto::Tcp), Err(PlacementFailure::DynamicPortsExhausted));
    }

    #[test]
    fn veth_names_are_unique_per_instance() {
        let mut st = InstanceState::with("172.17.0.0/16".parse().unwrap(), &Default::default());
        let a = st.unique_veth("lab", "t", "c", 1);
        let b = st.unique_veth("lab", "t", "c", 1);
        assert_ne!(a, b, "a clash is resolved with a salt");
        assert_eq!(a.len(), "veth".len() + 1);
    }
}
