//! Teaching views of a lab, as a learner sees them on a real container instance: `docker ps`
//! ([`ps`]) and `docker inspect` ([`inspect`]). Pure functions over the model and a snapshot of the lab's processes
//! ([`Runtime`]), so they are tested with golden files and no root.
//!
//! Every container of an instance is listed as Docker would: the `ecs-agent` container first
//! created, then each placed task in file order (its pause container first for awsvpc).

pub mod cloud_map;
pub mod ecs_service;
pub mod inspect;
pub mod load_balancer;
pub mod ps;

use crate::model::docker::ContainerRef;
use std::collections::BTreeMap;

/// What is known about one of the lab's processes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcState {
    pub pid: i32,
    pub running: bool,
    /// When the process started (ns since the epoch), when known.
    pub started_ns: Option<u64>,
}

/// The lab's processes and clock, as read from its journal and /proc (or made up by a test).
#[derive(Clone, Debug, Default)]
pub struct Runtime {
    /// When `up` started (ns since the epoch): the containers' creation time.
    pub created_ns: u64,
    /// The time the view is rendered at.
    pub now_ns: u64,
    /// By journal role: `agent`, `pause task/NAME`, `command task/NAME/CONTAINER`.
    pub procs: BTreeMap<String, ProcState>,
    /// The tasks that did not start, by name: what stopped them (the agent's `starts.json`).
    pub stopped: BTreeMap<String, crate::model::pull::StartResult>,
    /// How each instance's agent joined the cluster (the agent's `registrations.json`);
    /// `None` while it is still trying.
    pub registrations: Option<Vec<crate::model::control_plane::Registration>>,
    /// Each load balancer node's view of its targets' health (its `target-health.*.json`).
    pub target_health: Vec<crate::services::load_balancer::HealthReport>,
}

impl Runtime {
    /// The runtime of `lab`, with the tasks stopped since `up` (StopTask, the service
    /// scheduler) among the stopped, with ECS's stoppedReason.
    pub fn with_lifecycle(mut self, lab: &crate::model::Lab) -> Runtime {
        for t in &lab.tasks {
            let Some(stop) = t.stop.as_ref().filter(|s| s.stopped_at.is_some()) else { continue };
            let mut r = crate::model::pull::StartResult::started(&t.name);
            (r.started, r.reason) = (false, Some(stop.reason.clone()));
            self.stopped.entry(t.name.clone()).or_insert(r);
        }
        self
    }

    /// Whether the agent of instance `name` could not register (known once it has tried).
    pub fn unregistered(&self, name: &str) -> bool {
        self.registrations.iter().flatten().any(|r| r.instance == name && !r.registered())
    }

    /// Why the task of container `c` did not start (ECS's reason), when it did not.
    pub fn stopped_reason(&self, c: &ContainerRef<'_>) -> Option<&str> {
        self.stopped.get(&c.task()?.name).and_then(|r| r.reason.as_deref())
    }
}

pub use crate::sys::time::NS_PER_SEC;

/// Pid, running, started (ns) of the process that plays container `c`.
pub fn state(c: &ContainerRef<'_>, rt: &Runtime) -> (i32, bool, u64) {
    let created = c.created_ns(rt.created_ns);
    if rt.stopped_reason(c).is_some() {
        return (0, false, created);
    }
    match rt.procs.get(&c.role()) {
        Some(p) => (p.pid, p.running, p.started_ns.unwrap_or(created).max(created)),
        None => (0, false, created),
    }
}

/// The addresses Docker publishes a bridge container's port on: 0.0.0.0, and [::] where the
/// instance has IPv6 (docker-proxy listens on both).
pub fn host_ips(c: &ContainerRef<'_>) -> &'static [&'static str] {
    if c.inst().is_some_and(|i| i.has_ipv6()) { &["0.0.0.0", "::"] } else { &["0.0.0.0"] }
}

/// The instances of Cloud Map service `ci` registered now in a running lab: the analyzer's,
/// less the tasks the lab's agent saw stop at their start.
pub(crate) fn registered_now(
    lab: &crate::model::Lab,
    rt: &Runtime,
    ci: usize,
) -> Vec<crate::model::service_discovery::Instance> {
    let mut v = crate::analyze::dns::registered(lab, ci);
    v.retain(|i| !rt.stopped.contains_key(&lab.tasks[i.task].name));
    v
}
