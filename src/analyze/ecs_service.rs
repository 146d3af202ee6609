//! Why each task of a service went where it went: the scheduler's trace (the model's
//! `EcsService::traces`) in a user's words. Per task: the instances that met every requirement
//! (and the check each other one failed), each strategy's narrowing with the candidates'
//! scores, the instance chosen; for a task no instance took, the closest matching instance,
//! the check it failed and ECS's event (Developer Guide, "How Amazon ECS places tasks";
//! "Service event messages").

use crate::i18n::tr;
use crate::model::Lab;
use crate::model::ecs_service::{Check, EcsService, Trace};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct ServicePlacement {
    pub service: String,
    pub desired_count: u32,
    pub strategy: Vec<String>,
    pub constraints: Vec<String>,
    pub tasks: Vec<TaskPlacement>,
}

/// One strategy: its name, each candidate's score, the candidates kept.
pub type StepText = (String, Vec<(String, Option<u64>)>, Vec<String>);

#[derive(Clone, Debug, Serialize)]
pub struct TaskPlacement {
    pub task: String,
    /// The instance chosen and its zone, none when no instance took it.
    pub instance: Option<(String, String)>,
    /// Instance -> the check it failed (ECS's short name); none: a candidate.
    pub checked: Vec<(String, Option<&'static str>)>,
    /// Each strategy: its name, each candidate's score, the candidates kept.
    pub steps: Vec<StepText>,
    /// With no instance: the closest matching instance and the check it failed.
    pub closest: Option<(String, &'static str)>,
    /// With no instance: the service's event.
    pub event: Option<String>,
}

/// The explanation of service `name`'s placement, none for an unknown service.
pub fn explain_service(lab: &Lab, name: &str) -> Option<ServicePlacement> {
    let svc = lab.service(name)?;
    Some(ServicePlacement {
        service: svc.name.clone(),
        desired_count: svc.desired_count,
        strategy: svc.placement_strategy.iter().map(|s| s.to_string()).collect(),
        constraints: svc.placement_constraints.iter().map(|c| c.to_string()).collect(),
        tasks: svc.traces.iter().map(|t| task(lab, svc, t)).collect(),
    })
}

fn task(lab: &Lab, svc: &EcsService, t: &Trace) -> TaskPlacement {
    let inst = |ii: usize| lab.instances.get(ii).map(|i| i.name.clone()).unwrap_or_default();
    let task = format!("{}-{}", svc.name, t.n);
    let placed = lab.task(&task).filter(|x| x.is_running());
    let unplaced = svc.unplaced.iter().find(|u| u.n == t.n);
    let closest = unplaced.and_then(|u| u.closest).map(|(ii, c): (usize, Check)| (inst(ii), c.name()));
    let event = unplaced.map(|_| {
        let failed = lab.task(&task).and_then(|x| x.placement.as_ref().err().map(|f| f.message()));
        failed.unwrap_or_else(|| crate::model::ecs_service::unable_to_place(&svc.name, None))
    });
    TaskPlacement {
        instance: placed
            .map(|x| (x.instance().map(inst).unwrap_or_else(|| "Fargate".into()), lab.az_of(x).to_string())),
        checked: t.checked.iter().map(|(ii, c)| (inst(*ii), c.map(Check::name))).collect(),
        steps: t
            .steps
            .iter()
            .map(|s| {
                let scores = s.scores.iter().map(|(ii, v)| (inst(*ii), *v)).collect();
                (s.strategy.clone(), scores, s.kept.iter().map(|ii| inst(*ii)).collect())
            })
            .collect(),
        task,
        closest,
        event,
    }
}

/// The explanation as text.
pub fn render(p: &ServicePlacement) -> String {
    let none = || "-".to_string();
    let mut out = tr!(
        "explain-service-head",
        "service/{ $service }: { $count } tasks wanted; strategy { $strategy }; constraints { $constraints }",
        service = p.service,
        count = p.desired_count,
        strategy = p.strategy.join(", "),
        constraints = if p.constraints.is_empty() { none() } else { p.constraints.join(", ") }
    );
    out.push('\n');
    out.push_str(&tr!(
        "explain-service-legend",
        "(each strategy scores the candidates: spread, the service's tasks that share the candidate's value; binpack, what the candidate has left; the lowest are kept, then the first in file order wins)"
    ));
    out.push('\n');
    for t in &p.tasks {
        out.push_str(&render_task(t));
    }
    out
}

fn render_task(t: &TaskPlacement) -> String {
    let mut out = match &t.instance {
        Some((i, az)) => tr!(
            "explain-service-placed",
            "task/{ $task } -> instance/{ $instance } ({ $az })",
            task = t.task,
            instance = i,
            az = az
        ),
        None => tr!("explain-service-unplaced", "task/{ $task }: NOT PLACED", task = t.task),
    };
    out.push('\n');
    let checked: Vec<String> = t.checked.iter().map(|(i, c)| format!("{i} {}", c.unwrap_or("ok"))).collect();
    out.push_str(&format!(
        "  {}\n",
        tr!(
            "explain-service-checked",
            "every requirement (resources, ports, ENI, constraints): { $list }",
            list = checked.join(", ")
        )
    ));
    for (strategy, scores, kept) in &t.steps {
        let scores: Vec<String> =
            scores.iter().map(|(i, v)| v.map(|v| format!("{i}={v}")).unwrap_or_else(|| i.clone())).collect();
        out.push_str(&format!(
            "  {}\n",
            tr!(
                "explain-service-step",
                "{ $strategy }: { $scores } -> keeps { $kept }",
                strategy = strategy,
                scores = scores.join(" "),
                kept = kept.join(", ")
            )
        ));
    }
    if let Some((i, check)) = &t.closest {
        out.push_str(&format!(
            "  {}\n",
            tr!(
                "explain-service-closest",
                "the closest matching instance: instance/{ $instance }, which fails { $check }",
                instance = i,
                check = *check
            )
        ));
    }
    if let Some(e) = &t.event {
        out.push_str(&format!("  {e}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_task_says_where_it_went_and_why() {
        let s = crate::scenario::load(std::path::Path::new("scenarios/23-service-placement.yaml")).unwrap();
        let lab = crate::model::build(&s).unwrap();
        let api = explain_service(&lab, "api").unwrap();
        let second = &api.tasks[1];
        assert_eq!(second.instance, Some(("ecs-3".into(), "us-east-1b".into())));
        assert_eq!(second.steps[0].2, ["ecs-3"], "the zone spread keeps the empty zone");
        let solo = explain_service(&lab, "solo").unwrap();
        let fourth = &solo.tasks[3];
        assert_eq!(
            (fourth.instance.clone(), fourth.closest.clone()),
            (None, Some(("ecs-1".into(), "distinctInstance")))
        );
        assert!(render(&solo).contains("DistinctInstance placement constraint unsatisfied."));
        assert!(explain_service(&lab, "nope").is_none());
    }
}
