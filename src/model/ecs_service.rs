//! ECS services as the lab runs them: what DescribeServices shows (desired and running counts,
//! the placement, the events) and the tasks the service scheduler placed (`scheduler`).
//! (`model::service` is another thing: the services the lab's agent hosts.)

use crate::scenario::service::{Constraint, Strategy};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EcsService {
    pub name: String,
    pub arn: String,
    /// `EC2` or `FARGATE`.
    pub launch_type: String,
    /// `family:revision`.
    pub task_definition: String,
    pub desired_count: u32,
    /// The strategy followed (ECS's default when the file gives none).
    pub placement_strategy: Vec<Strategy>,
    pub placement_constraints: Vec<Constraint>,
    /// Indices into `Lab::tasks` of the tasks the scheduler placed (running or stopped).
    pub tasks: Vec<usize>,
    /// The tasks it could not place: their number and why.
    pub unplaced: Vec<Unplaced>,
    /// The service events, oldest first, each once (ECS leaves out repeats).
    pub events: Vec<String>,
    /// `ecs-svc/...`: the deployment that started the tasks.
    pub started_by: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_balancers: Vec<LoadBalancer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_grace_period_seconds: Option<u32>,
    /// How the scheduler chose each task, in task order (what `explain --placement` shows).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traces: Vec<Trace>,
}

/// How the scheduler placed task `n`: each registered instance and the check it failed (none:
/// a candidate), then each strategy with the candidates' scores and those it kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    pub n: u32,
    pub checked: Vec<(usize, Option<Check>)>,
    pub steps: Vec<Step>,
}

/// One strategy's narrowing: the score of each candidate (spread: the service's tasks that
/// share its value; binpack: what it has left; random: none) and the candidates kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub strategy: String,
    pub scores: Vec<(usize, Option<u64>)>,
    pub kept: Vec<usize>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoadBalancer {
    pub target_group_arn: String,
    pub container_name: String,
    pub container_port: u16,
}

/// A task the scheduler could not place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unplaced {
    /// Its number (`NAME-n`).
    pub n: u32,
    /// The closest matching instance (index) and the check it failed; none when no instance
    /// is registered.
    pub closest: Option<(usize, Check)>,
}

/// The scheduler's checks, in the order it makes them: an instance that fails a later one
/// matches more closely (Developer Guide, "How Amazon ECS places tasks": resources, then
/// constraints, then strategies).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Check {
    /// The agent lacks a capability, or no subnet of the service is in the instance's zone.
    Attribute,
    Cpu,
    Memory,
    Ports,
    Eni,
    DistinctInstance,
    MemberOf,
}

impl Check {
    /// How ECS's event ends for the closest matching instance (after its id).
    fn ending(self) -> &'static str {
        match self {
            Check::Attribute => "is missing an attribute required by your task.",
            Check::Cpu => "has insufficient CPU units available.",
            Check::Memory => "has insufficient memory available.",
            Check::Ports => "is already using a port required by your task.",
            Check::Eni => "encountered error \"RESOURCE:ENI\".",
            Check::DistinctInstance => "encountered error \"DistinctInstance placement constraint unsatisfied.\".",
            Check::MemberOf => "encountered error \"MemberOf placement constraint unsatisfied.\".",
        }
    }
    /// The short name shown by `ps` and `explain`.
    pub fn name(self) -> &'static str {
        match self {
            Check::Attribute => "MissingAttribute",
            Check::Cpu => "RESOURCE:CPU",
            Check::Memory => "RESOURCE:MEMORY",
            Check::Ports => "RESOURCE:PORTS",
            Check::Eni => "RESOURCE:ENI",
            Check::DistinctInstance => "distinctInstance",
            Check::MemberOf => "memberOf",
        }
    }
}

const TROUBLESHOOTING: &str =
    "For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.";

/// ECS's event for a task it could not place (Developer Guide, "Service event messages").
/// `closest`: the closest matching container instance's id and the check it failed.
pub fn unable_to_place(service: &str, closest: Option<(&str, Check)>) -> String {
    let head = format!(
        "service {service} was unable to place a task because no container instance met all of its requirements."
    );
    match closest {
        None => format!("{head} Reason: No Container Instances were found in your cluster. {TROUBLESHOOTING}"),
        Some((id, check)) => {
            format!("{head} The closest matching container-instance {id} {} {TROUBLESHOOTING}", check.ending())
        }
    }
}

/// ECS's event when the scheduler started tasks: `(task ID)` each.
pub fn started(service: &str, task_ids: &[&str]) -> String {
    let ids: Vec<String> = task_ids.iter().map(|id| format!("(task {id})")).collect();
    format!("service {service} has started {} tasks: {}.", task_ids.len(), ids.join(" "))
}

/// ECS's event when the scheduler stopped tasks: `(task ID)` each.
pub fn stopped(service: &str, task_ids: &[&str]) -> String {
    let ids: Vec<String> = task_ids.iter().map(|id| format!("(task {id})")).collect();
    format!("service {service} has stopped {} running tasks: {}.", task_ids.len(), ids.join(" "))
}

/// ECS's event when the service runs its desired count.
pub fn steady(service: &str) -> String {
    format!("service {service} has reached a steady state.")
}

impl EcsService {
    /// Tasks running: placed ones (a task whose wiring failed after the choice is stopped).
    pub fn running_count(&self, tasks: &[super::Task]) -> u32 {
        self.tasks.iter().filter(|ti| tasks.get(**ti).is_some_and(|t| t.placement.is_ok() && !t.is_stopping())).count()
            as u32
    }
    /// ECS's pendingCount: the tasks it placed that have not started. ecsnet's placed tasks start
    /// with the lab, so none.
    pub fn pending_count(&self) -> u32 {
        0
    }
    /// The last `n` events, newest first (as DescribeServices lists them).
    pub fn last_events(&self, n: usize) -> Vec<&str> {
        self.events.iter().rev().take(n).map(String::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_ecs_texts() {
        assert_eq!(
            unable_to_place("api", None),
            "service api was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
        );
        assert_eq!(
            unable_to_place("api", Some(("abc", Check::Eni))),
            "service api was unable to place a task because no container instance met all of its requirements. The closest matching container-instance abc encountered error \"RESOURCE:ENI\". For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
        );
        assert_eq!(started("api", &["a", "b"]), "service api has started 2 tasks: (task a) (task b).");
        assert!(Check::Attribute < Check::MemberOf);
    }
}
