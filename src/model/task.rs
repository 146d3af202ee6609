//! Tasks, placed in file order as ECS places them one RunTask at a time, then wired by network
//! mode: awsvpc (a task ENI, a task namespace shared with the pause container, a veth on
//! ecs-bridge), bridge (per container a namespace, a docker0 address and published ports), host
//! (the instance's namespace and ports), none (per container a namespace with loopback only).
//! A FARGATE task has no instance: it runs in a microVM of its own whose only VPC interface is
//! the task ENI, with the Fargate agent's endpoints behind `fargate-bridge` ([`place_fargate`]).

use super::container::{self, Container, OwningTask, PortBinding};
use super::eni::{Eni, EniOwner};
use super::error::{ModelError, ModelErrorKind};
use super::fabric::Fabric;
use super::instance::Instance;
use super::placement::{self, InstanceState, PlacementFailure};
use super::security_group::DEFAULT_GROUP;
use super::{ACCOUNT, ids};
use crate::scenario::{self, ContainerDefinition, LaunchType, NetworkMode, Node, Scenario, TaskDefinition};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Task {
    pub name: String,
    /// 32 hex, as the last part of a task ARN.
    pub id: String,
    pub arn: String,
    pub family: String,
    pub revision: u32,
    pub mode: NetworkMode,
    /// Where the task runs: a container instance (EC2) or a Fargate microVM. Flattened so an
    /// EC2 task's JSON keeps its `instance` index.
    #[serde(flatten)]
    pub launch: Launch,
    pub placement: Result<(), PlacementFailure>,
    pub task_role_arn: Option<String>,
    /// The definition's execution role (the agent's calls for the task); unset when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<String>,
    /// Task-level CPU units and memory (MiB) from the definition; left out of the model's JSON
    /// when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<u32>,
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
    /// The service that started the task (`services:`); none for a standalone task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// ECS's task group (`service:NAME` for a service's task), as DescribeTasks shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Who started it (`ecs-svc/...` for a service's deployment), as DescribeTasks shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
    /// Stopped while the lab runs (StopTask, or the service scheduler): why and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<TaskStop>,
}

/// Why and when a task stopped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskStop {
    /// ECS's stopCode: `UserInitiated` or `ServiceSchedulerInitiated`.
    pub code: String,
    /// ECS's stoppedReason.
    pub reason: String,
    /// When it was asked to stop (Unix seconds).
    pub stopping_at: u64,
    /// How long its targets drain: the longest deregistration delay of its groups (0: none).
    #[serde(default)]
    pub drain_seconds: u32,
    /// When it stopped: containers gone, ENI deleted. None while its targets drain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<u64>,
}

impl TaskStop {
    /// DescribeTasks' lastStatus: DEACTIVATING while its targets drain, then STOPPED.
    pub fn last_status(&self) -> &'static str {
        if self.stopped_at.is_some() { "STOPPED" } else { "DEACTIVATING" }
    }
}

/// Where a task runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Launch {
    /// On container instance `instance` (index in `Lab::instances`).
    Ec2 { instance: usize },
    /// In a Fargate microVM of its own.
    Fargate(FargateHost),
}

/// A Fargate task's microVM: the namespace that stands for it (the Fargate agent, with the task
/// metadata and credentials endpoints at 169.254.170.2 reached over `fargate-bridge`, the
/// netlib path: 169.254.172.1/22 on the bridge, the task's end 169.254.172.2/32; ECS-FACTS
/// §1.11). The task's own namespace holds the task ENI, as on EC2.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FargateHost {
    /// The microVM's namespace (fargate-bridge and the agent's endpoints).
    pub vm_ns: String,
    /// The platform version it runs (LATEST is 1.4.0, the one ecsnet emulates).
    pub platform_version: String,
    /// The availability zone of the task's subnet.
    pub availability_zone: String,
}

/// The Fargate platform version ecsnet emulates.
pub const FARGATE_PLATFORM_VERSION: &str = "1.4.0";
/// The task's end of fargate-bridge (the gateway is [`super::ECS_BRIDGE_GW`]).
pub const FARGATE_TASK_BRIDGE_IP: Ipv4Addr = Ipv4Addr::new(169, 254, 172, 2);

impl Launch {
    /// The container instance of an EC2 task; none for Fargate.
    pub fn instance(&self) -> Option<usize> {
        match self {
            Launch::Ec2 { instance } => Some(*instance),
            Launch::Fargate(_) => None,
        }
    }
    pub fn fargate(&self) -> Option<&FargateHost> {
        match self {
            Launch::Fargate(f) => Some(f),
            Launch::Ec2 { .. } => None,
        }
    }
}

impl Task {
    /// The container instance the task runs on (EC2 only).
    pub fn instance(&self) -> Option<usize> {
        self.launch.instance()
    }
    /// Whether the task runs on instance `ii`.
    pub fn on_instance(&self, ii: usize) -> bool {
        self.instance() == Some(ii)
    }
    pub fn is_fargate(&self) -> bool {
        matches!(self.launch, Launch::Fargate(_))
    }
    /// Placed, and not stopped since: its namespaces, links and processes exist (a task that is
    /// stopping still runs while its targets drain).
    pub fn is_running(&self) -> bool {
        self.placement.is_ok() && self.stop.as_ref().is_none_or(|s| s.stopped_at.is_none())
    }
    /// Whether it was asked to stop (desiredStatus STOPPED), stopped or not yet.
    pub fn is_stopping(&self) -> bool {
        self.stop.is_some()
    }
    /// RunTask's launch type.
    pub fn launch_type(&self) -> LaunchType {
        if self.is_fargate() { LaunchType::Fargate } else { LaunchType::Ec2 }
    }
}

/// What RunTask is given for one FARGATE task (a standalone task, or one a service starts).
pub(super) struct FargateRun<'a> {
    pub name: &'a str,
    /// Index of the task in `Lab::tasks` (its ENI's owner).
    pub index: usize,
    pub definition: &'a TaskDefinition,
    pub subnet: usize,
    pub security_groups: Vec<String>,
    pub assign_public_ip: bool,
    /// Where a model error (the public IP pool exhausted) is reported.
    pub at: &'a crate::scenario::Loc,
}

/// The placer for a lab's tasks: every instance as freshly booted.
pub(super) fn placer<'a, 'f>(
    s: &'a Scenario,
    cluster: &'a str,
    instances: &'a [Instance],
    fabric: &'a mut Fabric<'f>,
    unregistered: &'a [usize],
) -> Placer<'a, 'f> {
    let states = instances.iter().map(InstanceState::new).collect();
    Placer { lab: fabric.lab, s, cluster, instances, fabric, states, unregistered }
}

impl Placer<'_, '_> {
    /// Every task in file order: placed and wired, or carrying ECS's reason for not placing it.
    pub(super) fn place_all(&mut self) -> Result<Vec<Task>, ModelError> {
        let s = self.s;
        s.tasks.iter().enumerate().map(|(ti, t)| self.place(ti, t)).collect()
    }
}

/// What placing a task reads (the lab resolved so far) and uses up (subnet addresses, ENIs,
/// what each instance has left).
pub(super) struct Placer<'a, 'f> {
    pub(super) lab: &'a str,
    pub(super) s: &'a Scenario,
    pub(super) cluster: &'a str,
    pub(super) instances: &'a [Instance],
    pub(super) fabric: &'a mut Fabric<'f>,
    pub(super) states: Vec<InstanceState>,
    /// Instances that never registered with the cluster (`controlPlane: strict`).
    pub(super) unregistered: &'a [usize],
}

impl Placer<'_, '_> {
    /// Task `ti`: ECS's checks first (nothing is taken from a task that fails them: the static
    /// host ports here, the ENI checks in `wire_awsvpc`), then the wiring of its network mode,
    /// then the environment of its containers.
    pub(super) fn place(&mut self, ti: usize, t: &scenario::Task) -> Result<Task, ModelError> {
        let td = self.s.task_definition(&t.task_definition.value).ok_or_else(|| {
            ModelErrorKind::UnknownTaskDefinition(t.task_definition.value.family.clone()).at(&t.task_definition.loc)
        })?;
        let Some(inst) = &t.instance else { return self.place_standalone_fargate(ti, t, td) };
        let ii = self
            .instances
            .iter()
            .position(|i| i.name == inst.value)
            .ok_or_else(|| ModelErrorKind::UnknownInstance(inst.value.clone()).at(&inst.loc))?;
        let mut task =
            unplaced(self.lab, &self.s.region, self.cluster, &t.name.value, td, Launch::Ec2 { instance: ii });
        // RunTask checks that ECS can assume the task's roles before anything is scheduled.
        if let Some(role_arn) = unassumable_role(&self.s.aws.roles, &task) {
            task.placement = Err(PlacementFailure::RoleNotAssumable { role_arn });
            return Ok(task);
        }
        if self.unregistered.contains(&ii) {
            task.placement = Err(PlacementFailure::NotRegistered {
                instance_id: self.instances[ii].id.clone(),
                cluster: self.cluster.to_string(),
            });
            return Ok(task);
        }
        // The scheduler only looks at instances whose agent has the capabilities the task needs.
        if let Some(failure) = missing_capability(&self.instances[ii], &task) {
            task.placement = Err(failure);
            return Ok(task);
        }
        let resources = placement::task_resources(td);
        let wanted = placement::static_host_ports(task.mode, td);
        let checked = self.states[ii]
            .check_resources(&self.instances[ii], resources)
            .and_then(|()| self.states[ii].check_host_ports(&self.instances[ii], &wanted));
        if let Err(failure) = checked {
            task.placement = Err(failure);
            return Ok(task);
        }
        self.states[ii].take_resources(resources);
        self.states[ii].take_host_ports(&wanted);
        // Programs of a host-mode task that ECS does not know (`x-ecsnet.listen`) are in use
        // once it runs: the agent's bind test skips them when it picks a dynamic host port.
        if task.mode == NetworkMode::Host {
            let extras: Vec<_> = td
                .container_definitions
                .iter()
                .filter(|c| c.x_ecsnet.command.is_none())
                .flat_map(|c| c.x_ecsnet.listen.iter().map(|pp| (pp.proto, pp.port)))
                .collect();
            self.states[ii].take_host_ports(&extras);
        }
        let arn = task.arn.clone();
        let owner = OwningTask { lab: self.lab, name: &t.name.value, cluster: self.cluster, arn: &arn, definition: td };
        match task.mode {
            NetworkMode::Awsvpc => self.wire_awsvpc(&mut task, ti, t, &owner),
            NetworkMode::Bridge => wire_bridge(&mut task, &mut self.states[ii], &owner),
            NetworkMode::Host => wire_host(&mut task, &self.instances[ii], &owner),
            NetworkMode::None => wire_none(&mut task, &owner),
        }
        let has_role = task.task_role_arn.is_some();
        container::add_ecs_environment(&mut task.containers, self.lab, owner.name, &self.s.region, has_role);
        Ok(task)
    }

    /// A standalone FARGATE task: its ENI goes in the first of its subnets. RunTask leaves the
    /// choice to Fargate, which spreads tasks over the subnets' zones; with one task there is
    /// nothing to spread, and the first subnet keeps the lab the same from run to run.
    fn place_standalone_fargate(
        &mut self,
        ti: usize,
        t: &scenario::Task,
        td: &TaskDefinition,
    ) -> Result<Task, ModelError> {
        let aw = t.awsvpc.as_ref();
        let first = aw.and_then(|c| c.subnets.first());
        let si = first.and_then(|n| super::subnet::index(self.fabric.subnets, &n.value)).ok_or_else(|| {
            let name = first.map(|n| n.value.clone()).unwrap_or_default();
            ModelErrorKind::UnknownSubnet(name).at(&t.loc)
        })?;
        let run = FargateRun {
            name: &t.name.value,
            index: ti,
            definition: td,
            subnet: si,
            security_groups: aw
                .map(|c| c.security_groups.iter().map(|g| g.value.clone()).collect())
                .unwrap_or_default(),
            assign_public_ip: aw.is_some_and(|c| c.assign_public_ip.value),
            at: &t.loc,
        };
        place_fargate(self.fabric, (&self.s.region, self.cluster), &self.s.aws.roles, &run)
    }

    /// awsvpc: after ECS's ENI checks, the task ENI in the first of the task's subnets in the
    /// instance's zone, the task namespace held by the pause container, `ecs-eth0` on
    /// ecs-bridge; every container in the task namespace.
    fn wire_awsvpc(&mut self, task: &mut Task, ti: usize, t: &scenario::Task, owner: &OwningTask) {
        let Some(ii) = task.instance() else { return };
        let checked = self.states[ii].check_awsvpc(&self.instances[ii], self.fabric.subnets, t);
        let si = match checked {
            Ok(si) => si,
            Err(failure) => {
                task.placement = Err(failure);
                return;
            }
        };
        let Some(ip) = self.fabric.pools.private_ip(si) else {
            task.placement = Err(PlacementFailure::SubnetFull { subnet: self.fabric.subnets[si].name.clone() });
            return;
        };
        let st = &mut self.states[ii];
        let bridge_ip = st.take_awsvpc_slot();
        let ns = ids::ns_name(self.lab, "t", owner.name);
        let security_groups = t
            .awsvpc
            .as_ref()
            .map(|c| c.security_groups.iter().map(|g| g.value.clone()).collect::<Vec<_>>())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| vec![DEFAULT_GROUP.into()]);
        let eni = Eni::new(self.lab, &Node::task(owner.name), EniOwner::Task(ti), ns.clone(), ip, si);
        task.eni = Some(self.fabric.attach(Eni { security_groups, ..eni }));
        task.ns = Some(ns.clone());
        task.bridge_ip = Some(bridge_ip);
        let o = bridge_ip.octets();
        // CNI sets the veth MAC from the IP: 0a:58 + the four IPv4 bytes (ECS-FACTS §1.7).
        task.bridge_mac = Some(ids::mac_str(&[0x0a, 0x58, o[0], o[1], o[2], o[3]]));
        task.veth_host = Some(st.unique_veth(self.lab, owner.name, "", 8));
        task.pause = Some(Container::pause(owner, ns.clone()));
        for cd in &owner.definition.container_definitions {
            let mut c = Container::of_definition(owner, cd, ns.clone());
            c.ports = container::same_port_bindings(cd);
            task.containers.push(c);
        }
    }
}

/// The first of the task's roles (task role, then execution role) that the lab's account
/// declares and whose trust policy does not let `ecs-tasks.amazonaws.com` assume it, with the
/// task's ARN as `aws:SourceArn`. A role of another account, or not declared, is not checked.
fn unassumable_role(roles: &[crate::scenario::role::Role], task: &Task) -> Option<String> {
    let declared = |arn: &str| {
        let name = arn.strip_prefix(&format!("arn:aws:iam::{ACCOUNT}:role/"))?.rsplit('/').next()?;
        roles.iter().find(|r| r.name.eq_ignore_ascii_case(name))
    };
    [&task.task_role_arn, &task.execution_role_arn].into_iter().flatten().find_map(|arn| {
        let r = declared(arn)?;
        (!super::iam::trusts(r, ACCOUNT, "ecs-tasks.amazonaws.com", Some(&task.arn))).then(|| arn.clone())
    })
}

/// A task role needs the `task-iam-role` capability, and in host mode also
/// `task-iam-role-network-host`; the agent registers each only when its setting is on.
pub(super) fn missing_capability(inst: &Instance, task: &Task) -> Option<PlacementFailure> {
    task.task_role_arn.as_ref()?;
    let cfg = &inst.agent_config;
    let missing = |attribute: &str, setting: &str| PlacementFailure::MissingCapability {
        instance_id: inst.id.clone(),
        attribute: format!("com.amazonaws.ecs.capability.{attribute}"),
        setting: setting.to_string(),
    };
    if !cfg.task_iam_role {
        return Some(missing("task-iam-role", "ECS_ENABLE_TASK_IAM_ROLE"));
    }
    if task.mode == NetworkMode::Host && !cfg.task_iam_role_network_host {
        return Some(missing("task-iam-role-network-host", "ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST"));
    }
    None
}

/// One FARGATE task, as RunTask (or a service's scheduler) starts it: the task ENI in `subnet`
/// with the given groups (the VPC's default group when none) and, with `assign_public_ip`, a
/// public IP from the lab's pool (as an instance's); the task namespace with every container;
/// the microVM with fargate-bridge. A role ECS cannot assume, or a full subnet, leaves it
/// unplaced, as on EC2; an exhausted public pool is a model error at `run.at`.
pub(super) fn place_fargate(
    fabric: &mut Fabric,
    (region, cluster): (&str, &str),
    roles: &[crate::scenario::role::Role],
    run: &FargateRun,
) -> Result<Task, ModelError> {
    let lab = fabric.lab;
    let host = FargateHost {
        vm_ns: ids::ns_name(lab, "f", run.name),
        platform_version: FARGATE_PLATFORM_VERSION.to_string(),
        availability_zone: fabric.subnets[run.subnet].az.clone(),
    };
    let mut task = unplaced(lab, region, cluster, run.name, run.definition, Launch::Fargate(host));
    if let Some(role_arn) = unassumable_role(roles, &task) {
        task.placement = Err(PlacementFailure::RoleNotAssumable { role_arn });
        return Ok(task);
    }
    let Some(ip) = fabric.pools.private_ip(run.subnet) else {
        task.placement = Err(PlacementFailure::SubnetFull { subnet: fabric.subnets[run.subnet].name.clone() });
        return Ok(task);
    };
    let ns = ids::ns_name(lab, "t", run.name);
    let security_groups =
        if run.security_groups.is_empty() { vec![DEFAULT_GROUP.to_string()] } else { run.security_groups.clone() };
    let eni = Eni::new(lab, &Node::task(run.name), EniOwner::Task(run.index), ns.clone(), ip, run.subnet);
    let public_ip = if run.assign_public_ip { Some(fabric.public_ip(run.at)?) } else { None };
    task.eni = Some(fabric.attach(Eni { security_groups, public_ip, ..eni }));
    task.ns = Some(ns);
    task.bridge_ip = Some(FARGATE_TASK_BRIDGE_IP);
    let o = FARGATE_TASK_BRIDGE_IP.octets();
    task.bridge_mac = Some(ids::mac_str(&[0x0a, 0x58, o[0], o[1], o[2], o[3]]));
    task.veth_host = Some(format!("veth{}", ids::hex(&[lab, "veth", run.name, "fargate"], 8)));
    fargate_containers(&mut task, (lab, region, cluster), run);
    Ok(task)
}

/// A Fargate task's containers, all in its namespace, with the environment Fargate gives them.
fn fargate_containers(task: &mut Task, (lab, region, cluster): (&str, &str, &str), run: &FargateRun) {
    let arn = task.arn.clone();
    let ns = task.ns.clone().unwrap_or_default();
    let owner = OwningTask { lab, name: run.name, cluster, arn: &arn, definition: run.definition };
    for cd in &run.definition.container_definitions {
        let mut c = Container::of_definition(&owner, cd, ns.clone());
        c.ports = container::same_port_bindings(cd);
        task.containers.push(c);
    }
    let has_role = task.task_role_arn.is_some();
    container::add_ecs_environment(&mut task.containers, lab, run.name, region, has_role);
    // What the SDKs' user agent reports on Fargate.
    for (_, v) in task.containers.iter_mut().flat_map(|c| c.env.iter_mut()).filter(|(k, _)| k == "AWS_EXECUTION_ENV") {
        *v = "AWS_ECS_FARGATE".to_string();
    }
}

/// A task as ECS knows it before placement: ids, definition, where it runs, no wiring yet.
pub(super) fn unplaced(
    lab: &str,
    region: &str,
    cluster: &str,
    name: &str,
    td: &TaskDefinition,
    launch: Launch,
) -> Task {
    let id = ids::hex(&[lab, "task", name], 32);
    Task {
        name: name.to_string(),
        arn: format!("arn:aws:ecs:{region}:{ACCOUNT}:task/{cluster}/{id}"),
        id,
        family: td.family.value.clone(),
        revision: td.revision,
        mode: td.network_mode.value,
        launch,
        placement: Ok(()),
        task_role_arn: td.task_role_arn.clone(),
        execution_role_arn: td.execution_role_arn.clone(),
        cpu: td.cpu,
        memory: td.memory,
        eni: None,
        ns: None,
        bridge_ip: None,
        bridge_mac: None,
        veth_host: None,
        pause: None,
        containers: vec![],
        service: None,
        group: None,
        started_by: None,
        stop: None,
    }
}

/// bridge: each container in its own namespace with a docker0 address and its ports published.
/// A container that finds docker0 full is not created; one whose dynamic port runs out keeps
/// the ports it got; either way the task is not placed.
fn wire_bridge(task: &mut Task, st: &mut InstanceState, owner: &OwningTask) {
    for cd in &owner.definition.container_definitions {
        let ns = container::unique_ns(owner.lab, owner.name, &cd.name.value, &task.containers);
        let mut c = Container::of_definition(owner, cd, ns);
        let ip = match st.take_docker0_ip() {
            Ok(ip) => ip,
            Err(failure) => {
                task.placement = Err(failure);
                break;
            }
        };
        let o = ip.octets();
        c.ip = Some(ip);
        // Docker derives container MACs from the IP: 02:42 + the four IPv4 bytes.
        c.mac = Some(ids::mac_str(&[0x02, 0x42, o[0], o[1], o[2], o[3]]));
        c.veth_host = Some(st.unique_veth(owner.lab, owner.name, &cd.name.value, 7));
        if let Err(failure) = publish_ports(&mut c, st, cd) {
            task.placement = Err(failure);
        }
        task.containers.push(c);
    }
}

/// The host ports of a bridge container: the written one, or a dynamic one (0 or none).
fn publish_ports(c: &mut Container, st: &mut InstanceState, cd: &ContainerDefinition) -> Result<(), PlacementFailure> {
    for pm in &cd.port_mappings {
        let host_port = match pm.host_port.as_ref().map(|h| h.value).filter(|p| *p != 0) {
            Some(p) => p,
            None => st.take_dynamic_port(pm.protocol)?,
        };
        c.ports.push(PortBinding {
            container_port: pm.container_port.value,
            host_port: Some(host_port),
            proto: pm.protocol,
        });
    }
    Ok(())
}

/// host: every container in the instance's namespace, on its container ports.
fn wire_host(task: &mut Task, instance: &Instance, owner: &OwningTask) {
    for cd in &owner.definition.container_definitions {
        let mut c = Container::of_definition(owner, cd, instance.ns.clone());
        c.ports = container::same_port_bindings(cd);
        task.containers.push(c);
    }
}

/// none: each container in a namespace of its own, with loopback only.
fn wire_none(task: &mut Task, owner: &OwningTask) {
    for cd in &owner.definition.container_definitions {
        let ns = container::unique_ns(owner.lab, owner.name, &cd.name.value, &task.containers);
        task.containers.push(Container::of_definition(owner, cd, ns));
    }
}
