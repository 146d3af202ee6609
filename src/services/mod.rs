//! Processes that ecsnet runs inside a lab: the per-lab agent that hosts every built-in responder
//! (`ecsnet __agent LAB_STATE_DIR`), and the pause holder that keeps a task's namespace occupied the way
//! ECS's pause container does (`ecsnet __pause NETNS`). Both entry points run before any tokio
//! runtime or extra thread exists (RUST-NOTES §5).

pub mod agent;
pub mod bind;
pub mod control_plane;
pub mod controller;
pub mod dns;
pub mod front_door;
pub mod holder;
pub mod instance_metadata;
pub mod load_balancer;
pub mod pull;
pub mod responder;
pub mod task_metadata;

pub use agent::{AgentConfig, AgentError, agent_main, serve};
pub use bind::BindError;
pub use holder::pause_main;
pub use responder::Identity;

use crate::model::Lab;
use crate::model::service::{ServiceKind, services};
use serde::{Deserialize, Serialize};
use std::io;
use std::sync::Arc;

/// A service the agent hosts. Adding a kind: a variant here, its file with `listens` and
/// `start`, the model piece that says where it listens (`model::service`), the analyzer hop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum ServiceSpec {
    Responder(responder::Spec),
    TaskMetadata(task_metadata::TmdsInstance),
    InstanceMetadata(instance_metadata::ImdsConfig),
    Dns(dns::Spec),
    FrontDoor(front_door::Spec),
    LoadBalancer(load_balancer::Spec),
}

impl ServiceSpec {
    /// The sockets it needs, bound by the agent for every service at once.
    pub fn listens(&self) -> Vec<bind::Listen> {
        match self {
            ServiceSpec::Responder(s) => s.listens(),
            ServiceSpec::TaskMetadata(s) => s.listens(),
            ServiceSpec::InstanceMetadata(s) => s.listens(),
            ServiceSpec::Dns(s) => s.listens(),
            ServiceSpec::FrontDoor(s) => s.listens(),
            ServiceSpec::LoadBalancer(s) => s.listens(),
        }
    }

    /// A load balancer node's spec.
    pub fn load_balancer(&self) -> Option<&load_balancer::Spec> {
        match self {
            ServiceSpec::LoadBalancer(s) => Some(s),
            _ => None,
        }
    }

    /// Whether it waits for the tasks' starts (`waiting`: the tasks that fetch from AWS): the
    /// responders of those tasks, and the task metadata endpoints (which report the outcome).
    pub fn waits_for_starts(&self, waiting: &std::collections::HashSet<&str>) -> bool {
        match self {
            ServiceSpec::Responder(s) => s.task.as_deref().is_some_and(|t| waiting.contains(t)),
            ServiceSpec::TaskMetadata(_) => !waiting.is_empty(),
            _ => false,
        }
    }

    /// Serve it on its sockets (in the order of `listens`), on the current runtime.
    pub fn start(&self, lab: Arc<str>, sockets: Vec<bind::Socket>) -> io::Result<()> {
        match self {
            ServiceSpec::Responder(s) => responder::start(s, lab, sockets),
            ServiceSpec::TaskMetadata(s) => task_metadata::start(s, lab, sockets),
            ServiceSpec::InstanceMetadata(s) => instance_metadata::start(s, lab, sockets),
            ServiceSpec::Dns(s) => dns::start(s, lab, sockets),
            ServiceSpec::FrontDoor(s) => front_door::start(s, lab, sockets),
            ServiceSpec::LoadBalancer(s) => load_balancer::start(s, lab, sockets),
        }
    }
}

/// What the agent serves for a lab, as the model says; the metadata documents count container
/// times from `created_ns`.
/// `ca`: the lab CA's certificate and key (PEM), which signs the front doors' certificate; a
/// lab without one (a configuration made by hand) gets a CA no one trusts.
pub fn config(lab: &Lab, created_ns: u64, ca: Option<(String, String)>) -> AgentConfig {
    let mut tmds = task_metadata::documents::tmds_config(lab, created_ns).into_iter();
    let mut list = vec![];
    let mut zones = None;
    for s in services(lab) {
        match s.kind {
            ServiceKind::Responder { node, task, container, http_status } => {
                list.push(ServiceSpec::Responder(responder::Spec {
                    ns: s.ns,
                    node,
                    task,
                    container,
                    bind: s.bind,
                    listen: s.listen,
                    http_status,
                }))
            }
            // One endpoint per instance, in instance order.
            ServiceKind::TaskMetadata { .. } => list.extend(tmds.next().map(ServiceSpec::TaskMetadata)),
            ServiceKind::FargateMetadata { task } => {
                list.push(ServiceSpec::TaskMetadata(task_metadata::documents::fargate_tmds(lab, task, created_ns)))
            }
            // The same agent process: the task metadata spec binds its socket too.
            ServiceKind::Introspection { .. } => {}
            ServiceKind::InstanceMetadata => list.push(ServiceSpec::InstanceMetadata(instance_metadata::imds_config(
                lab,
                created_ns / crate::sys::time::NS_PER_SEC,
            ))),
            ServiceKind::FrontDoor => {
                let (cert, key) = ca.clone().unwrap_or_default();
                list.push(ServiceSpec::FrontDoor(front_door::lab_spec(lab, &s.ns, &s.addrs, (cert, key))));
            }
            ServiceKind::LoadBalancer { lb, eni } => {
                let mut node = load_balancer::node_spec(lab, lb, eni);
                // Its HTTPS listeners' certificate comes from the lab CA.
                node.ca = ca.clone().unwrap_or_default();
                list.push(ServiceSpec::LoadBalancer(node))
            }
            ServiceKind::Resolver { view } => list.push(ServiceSpec::Dns(dns::Spec {
                ns: s.ns,
                addrs: s.addrs,
                view,
                zones: zones.get_or_insert_with(|| crate::analyze::dns::zones(lab)).clone(),
            })),
        }
    }
    let starts = pull::Starts {
        ca_pem: ca.map(|(cert, _)| cert).unwrap_or_default(),
        tasks: lab.starts.iter().map(|st| start_spec(lab, st)).collect(),
    };
    let registrations = (0..lab.instances.len()).map(|ii| registration_spec(lab, ii)).collect();
    AgentConfig { lab: lab.name.clone(), services: list, starts, results: None, registrations, registered: None }
}

/// The instance's first nameserver, which the agent on it asks.
fn instance_resolver(lab: &Lab, inst: &crate::model::Instance) -> Option<std::net::Ipv4Addr> {
    let resolv = crate::model::docker::instance_etc(lab, inst).resolv_conf;
    resolv.lines().filter_map(|l| l.strip_prefix("nameserver ")).find_map(|a| a.trim().parse().ok())
}

/// What the agent needs to register instance `ii`: signed as the instance's role.
fn registration_spec(lab: &Lab, ii: usize) -> control_plane::Spec {
    let inst = &lab.instances[ii];
    let identity = serde_json::json!({
        "accountId": crate::model::ACCOUNT,
        "availabilityZone": inst.az,
        "instanceId": inst.id,
        "instanceType": inst.instance_type,
        "region": lab.region,
    });
    control_plane::Spec {
        instance: inst.name.clone(),
        identity: identity.to_string(),
        cluster: lab.cluster.clone(),
        caller: pull::Caller {
            ns: inst.ns.clone(),
            resolver: instance_resolver(lab, inst),
            region: lab.region.clone(),
            keys: front_door::instance_principal(lab, inst).keys(),
        },
    }
}

/// What the agent needs to run a task's start: where from, which resolver, which key.
fn start_spec(lab: &Lab, st: &crate::model::pull::TaskStart) -> pull::Spec {
    let t = &lab.tasks[st.task];
    // EC2: the agent calls from its instance, with the instance's resolver. Fargate 1.4.0: from
    // the task's namespace through the task ENI, with the VPC's resolver (its resolv.conf's).
    let (ns, resolver) = match t.instance().map(|ii| &lab.instances[ii]) {
        Some(inst) => (inst.ns.clone(), instance_resolver(lab, inst)),
        None => (t.ns.clone().unwrap_or_default(), lab.vpc.dns.servers.first().copied()),
    };
    pull::Spec {
        task: t.name.clone(),
        arn: t.arn.clone(),
        mode: t.mode,
        launch: t.launch_type(),
        caller: pull::Caller {
            ns,
            resolver,
            region: lab.region.clone(),
            keys: front_door::start_principal(lab, st).keys(),
        },
        steps: st.steps.clone(),
    }
}
