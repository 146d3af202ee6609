//! What happens to a lab's tasks after `up`: StopTask, and the service scheduler stopping a task
//! that fails its load balancer's health checks and starting another in its place. The lab keeps
//! this as a history of events; the model of a running lab is its scenario's model with the
//! history replayed ([`super::build_lab`]), so `ps`, `inspect`, `explain` and `test` see the lab
//! as it is now, and the dataplane changes by the difference of two plans.
//!
//! A task's life here follows ECS's (Developer Guide, "Task lifecycle"): asked to stop, a task
//! registered in target groups is deregistered and drains for the groups' deregistration delay
//! while it still runs (lastStatus DEACTIVATING, desiredStatus STOPPED); then its containers stop
//! and its ENI is deleted (STOPPED). A service's replacement is placed as soon as the task is
//! asked to stop, as the scheduler does to keep the desired count.

use super::ecs_service::EcsService;
use super::error::ModelError;
use super::scheduler;
pub use super::task::TaskStop;
use super::task::{Placer, Task};
use serde::{Deserialize, Serialize};

/// The file in a lab's state directory that holds its [`History`].
pub const HISTORY_FILE: &str = "lifecycle.json";

/// ECS's stopCode of a task stopped with StopTask.
pub const USER_INITIATED: &str = "UserInitiated";
/// ECS's stopCode of a task the service scheduler stopped.
pub const SERVICE_SCHEDULER_INITIATED: &str = "ServiceSchedulerInitiated";
/// StopTask's `reason` when the caller gives none (what DescribeTasks shows as stoppedReason).
pub const STOPPED_BY_USER: &str = "Task stopped by user";

/// The folder of a lab's state directory where `ecsnet stop` leaves StopTask requests for the
/// lab's agent, one JSON [`StopRequest`] per file.
pub const REQUESTS_DIR: &str = "requests";

/// StopTask: the task to stop and the reason to record (none: [`STOPPED_BY_USER`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopRequest {
    pub task: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What happened since `up`, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    pub events: Vec<Event>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Event {
    /// Task `task` asked to stop (desiredStatus STOPPED): its targets are deregistered and
    /// drain for `drain` seconds; `event`: the service event that says why (health checks).
    Stop {
        task: String,
        code: String,
        reason: String,
        at: u64,
        #[serde(default)]
        drain: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event: Option<String>,
    },
    /// Task `task` stopped: its containers and its ENI are gone.
    Stopped { task: String, at: u64 },
    /// Service `service` placed a task to keep its desired count.
    Start { service: String, at: u64 },
}

impl History {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
    /// Read from a lab's state directory; none when the lab never changed.
    pub fn load(dir: &std::path::Path) -> History {
        std::fs::read(dir.join(HISTORY_FILE)).ok().and_then(|d| serde_json::from_slice(&d).ok()).unwrap_or_default()
    }
}

/// Replay `history` on the tasks and services placed at `up`. An event naming a task or service
/// the lab does not have is skipped (the history belongs to the same scenario).
pub(super) fn replay(
    p: &mut Placer,
    tasks: &mut Vec<Task>,
    services: &mut [EcsService],
    history: &History,
) -> Result<(), ModelError> {
    for e in &history.events {
        match e {
            Event::Stop { task, code, reason, at, drain, event } => {
                let Some(ti) = tasks.iter().position(|t| &t.name == task && t.stop.is_none()) else { continue };
                let (code, reason) = (code.clone(), reason.clone());
                tasks[ti].stop =
                    Some(TaskStop { code, reason, stopping_at: *at, drain_seconds: *drain, stopped_at: None });
                scheduler::release(p, &tasks[ti]);
                scheduler::stopped_event(services, &tasks[ti], event.as_deref());
            }
            Event::Stopped { task, at } => {
                let Some(t) = tasks.iter_mut().find(|t| &t.name == task) else { continue };
                let Some(stop) = t.stop.as_mut().filter(|s| s.stopped_at.is_none()) else { continue };
                stop.stopped_at = Some(*at);
                if let Some(k) = t.eni {
                    let e = &mut p.fabric.enis[k];
                    e.released = true;
                    p.fabric.pools.release_private(e.subnet, e.ip);
                    if let Some(public) = e.public_ip {
                        p.fabric.pools.release_public(public);
                    }
                }
            }
            Event::Start { service, .. } => {
                if let Some(si) = services.iter().position(|s| &s.name == service) {
                    scheduler::place_replacement(p, &mut services[si], tasks)?;
                }
            }
        }
    }
    Ok(())
}

/// The services that are short of their desired count, by name, with how many tasks each
/// misses: what the service scheduler starts next.
pub fn short(services: &[EcsService], tasks: &[Task]) -> Vec<(String, u32)> {
    services
        .iter()
        .filter_map(|s| {
            let live = s.tasks.iter().filter(|&&ti| tasks[ti].placement.is_ok() && !tasks[ti].is_stopping()).count();
            let missing = s.desired_count.saturating_sub(live as u32);
            (missing > 0 && s.unplaced.is_empty()).then(|| (s.name.clone(), missing))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EniOwner, Lab, build_lab};

    fn lab(history: &[Event]) -> Lab {
        let s = crate::scenario::load(std::path::Path::new("scenarios/26-fargate-service-alb.yaml")).unwrap();
        build_lab(&s, &[], &History { events: history.to_vec() }).unwrap()
    }

    fn stop(task: &str) -> Event {
        let code = SERVICE_SCHEDULER_INITIATED.into();
        Event::Stop { task: task.into(), code, reason: "r".into(), at: 10, drain: 5, event: None }
    }

    #[test]
    fn a_stopped_service_task_is_deregistered_drains_then_releases_its_eni_and_is_replaced() {
        let before = lab(&[]);
        let api = |l: &Lab| l.target_groups.iter().find(|g| g.name == "api").unwrap().targets.clone();
        assert_eq!(api(&before).len(), 2);
        let start = Event::Start { service: "api".into(), at: 10 };
        let draining = lab(&[stop("api-1"), start.clone()]);
        let t1 = draining.task("api-1").unwrap();
        assert_eq!(t1.stop.as_ref().map(TaskStop::last_status), Some("DEACTIVATING"));
        assert!(t1.is_running(), "it runs while its targets drain");
        let names: Vec<String> = api(&draining).iter().map(|t| t.node.to_string()).collect();
        assert_eq!(names, ["task/api-2", "task/api-3"], "deregistered, and the replacement registered");
        let svc = draining.service("api").unwrap();
        assert_eq!(svc.running_count(&draining.tasks), 2);
        assert!(svc.events.iter().any(|e| e.contains("has stopped 1 running tasks")), "{:?}", svc.events);
        // Every ENI up made keeps its index and address; the replacement's comes last.
        for (a, b) in before.enis.iter().zip(&draining.enis) {
            assert_eq!((a.ip, &a.id), (b.ip, &b.id));
        }
        assert_eq!(draining.enis.len(), before.enis.len() + 1);
        let new = draining.enis.last().unwrap();
        assert!(matches!(new.owner, EniOwner::Task(ti) if draining.tasks[ti].name == "api-3"));
        assert!(!before.enis.iter().any(|e| e.ip == new.ip), "a new address");

        let stopped = lab(&[stop("api-1"), start, Event::Stopped { task: "api-1".into(), at: 15 }]);
        let t1 = stopped.task("api-1").unwrap();
        assert!(!t1.is_running());
        assert!(stopped.enis[t1.eni.unwrap()].released);
        let ns = t1.ns.clone().unwrap();
        assert!(!stopped.namespaces().contains(&ns), "its namespace goes");
        assert!(before.namespaces().contains(&ns));
    }

    #[test]
    fn events_for_unknown_tasks_are_skipped() {
        let l = lab(&[stop("nope"), Event::Stopped { task: "api-1".into(), at: 1 }]);
        assert!(l.task("api-1").unwrap().is_running(), "Stopped without Stop does nothing");
    }
}
