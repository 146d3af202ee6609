//! The lab's controller, in its agent: what ECS's service scheduler and StopTask do to a running
//! lab, decided once a second from the StopTask requests (`ecsnet stop`), the load balancer
//! nodes' health reports and the clock ([`decide`], pure), then applied: the model rebuilt with
//! the new history, the dataplane taken to the new plan, the nodes given their new
//! registrations, the new tasks' services started.
//!
//! ECS's rules followed (Developer Guide, "Health checks for load balancers": a service's task
//! whose target is unhealthy, once the service's `healthCheckGracePeriodSeconds` since the task
//! started are over, is stopped and replaced; "Task lifecycle": a task in target groups is
//! deregistered and drains before it stops). The service events and the stoppedReason are
//! ECS's: "(service api) (task ID) (port 8080) is unhealthy in (target-group api) due to
//! (reason Health checks failed with these codes: [404])", "Task failed ELB health checks in
//! (target-group ARN)".

use super::load_balancer::HealthReport;
use crate::model::Lab;
use crate::model::lifecycle::{Event, SERVICE_SCHEDULER_INITIATED, STOPPED_BY_USER, StopRequest, USER_INITIATED};
use std::collections::HashMap;

/// What the controller knows besides the model: when each task started (Unix seconds).
pub type Born = HashMap<String, u64>;

/// The events of this second: the requests' stops, the unhealthy service tasks' stops, each
/// service task's replacement, and the stops whose draining is over.
pub fn decide(lab: &Lab, reports: &[HealthReport], requests: &[StopRequest], born: &Born, now: u64) -> Vec<Event> {
    let mut out = vec![];
    for r in requests {
        let Some(t) = lab.task(&r.task).filter(|t| t.is_running() && !t.is_stopping()) else { continue };
        let reason = r.reason.clone().unwrap_or_else(|| STOPPED_BY_USER.to_string());
        stop(&mut out, lab, &t.name, (USER_INITIATED, reason, None), now);
    }
    for (task, reason, event) in unhealthy(lab, reports, born, now) {
        if !out.iter().any(|e| matches!(e, Event::Stop { task: t, .. } if *t == task)) {
            stop(&mut out, lab, &task, (SERVICE_SCHEDULER_INITIATED, reason, Some(event)), now);
        }
    }
    for t in &lab.tasks {
        let Some(s) = t.stop.as_ref().filter(|s| s.stopped_at.is_none()) else { continue };
        if now >= s.stopping_at + u64::from(s.drain_seconds) {
            out.push(Event::Stopped { task: t.name.clone(), at: now });
        }
    }
    out
}

/// Stop `task` (`code`, `reason`, the service's `event`), and start its service's replacement.
fn stop(out: &mut Vec<Event>, lab: &Lab, task: &str, (code, reason, event): (&str, String, Option<String>), now: u64) {
    let drain = drain_seconds(lab, task);
    out.push(Event::Stop { task: task.to_string(), code: code.to_string(), reason, at: now, drain, event });
    if let Some(service) = lab.task(task).and_then(|t| t.service.clone()) {
        out.push(Event::Start { service, at: now });
    }
}

/// The longest deregistration delay of the groups `task` is registered in (0: in none).
pub fn drain_seconds(lab: &Lab, task: &str) -> u32 {
    let node = crate::scenario::Node::task(task);
    let groups = lab.target_groups.iter().filter(|g| g.targets.iter().any(|t| t.node == node));
    groups.map(|g| g.deregistration_delay_seconds).max().unwrap_or(0)
}

/// The service tasks past their grace period that a target group sees unhealthy: task name,
/// ECS's stoppedReason, the service event.
fn unhealthy(lab: &Lab, reports: &[HealthReport], born: &Born, now: u64) -> Vec<(String, String, String)> {
    let mut out = vec![];
    for svc in lab.services.iter().filter(|s| !s.load_balancers.is_empty()) {
        let grace = u64::from(svc.health_check_grace_period_seconds.unwrap_or(0));
        for t in svc.tasks.iter().map(|&ti| &lab.tasks[ti]) {
            let due = born.get(&t.name).is_some_and(|b| now >= b + grace);
            if !due || !t.is_running() || t.is_stopping() {
                continue;
            }
            let node = format!("task/{}", t.name);
            for g in lab.target_groups.iter() {
                let Some(target) = g.targets.iter().find(|x| x.node.to_string() == node) else { continue };
                let Some(why) = group_verdict(reports, &g.name, &node) else { continue };
                let reason = format!("Task failed ELB health checks in (target-group {})", g.arn);
                let at = match t.instance() {
                    Some(ii) => format!("(instance {}) ", lab.instances[ii].id),
                    None => String::new(),
                };
                let event = format!(
                    "(service {}) (task {}) {at}(port {}) is unhealthy in (target-group {}) due to (reason {why})",
                    svc.name, t.id, target.port, g.name
                );
                out.push((t.name.clone(), reason, event));
                break;
            }
        }
    }
    out
}

/// Unhealthy in group `group`: every node that checks the target sees it unhealthy; the
/// description it gives.
fn group_verdict(reports: &[HealthReport], group: &str, node: &str) -> Option<String> {
    let seen: Vec<_> = reports
        .iter()
        .flat_map(|r| r.targets.iter())
        .filter(|h| h.group == group && h.target == node && h.state != "unused")
        .collect();
    if seen.is_empty() || seen.iter().any(|h| h.state != "unhealthy") {
        return None;
    }
    Some(seen[0].description.clone().unwrap_or_else(|| "Health checks failed".to_string()))
}

/// A load balancer node as the controller drives it (the agent's running nodes).
pub trait NodeControl: Send + Sync {
    /// The node's namespace: which ENI of the model it is.
    fn ns(&self) -> String;
    /// Its registrations from now on.
    fn register(&self, groups: Vec<super::load_balancer::Group>);
    /// What it sees of its targets now.
    fn report(&self) -> HealthReport;
}

impl NodeControl for super::load_balancer::NodeHandle {
    fn ns(&self) -> String {
        self.spec().ns.clone()
    }
    fn register(&self, groups: Vec<super::load_balancer::Group>) {
        super::load_balancer::NodeHandle::register(self, groups)
    }
    fn report(&self) -> HealthReport {
        super::load_balancer::NodeHandle::report(self)
    }
}

/// The controller of a running lab: the scenario it was built from, its history, its model and
/// plan now, when each task started.
pub struct Controller {
    dir: std::path::PathBuf,
    scenario: crate::scenario::Scenario,
    unregistered: Vec<usize>,
    history: crate::model::lifecycle::History,
    lab: Lab,
    plan: crate::plan::Plan,
    born: Born,
    /// The agent's configuration inputs, for the new tasks' services.
    created_ns: u64,
    ca: Option<(String, String)>,
}

impl Controller {
    /// The controller of the lab in state directory `dir` (model `lab`); none when the lab's
    /// scenario copy is missing or no longer builds the same lab (then the lab never changes).
    pub fn load(dir: &std::path::Path, lab: &Lab, created_ns: u64, ca: Option<(String, String)>) -> Option<Self> {
        let mut s = crate::scenario::load(&dir.join(crate::dataplane::state::SCENARIO_COPY)).ok()?;
        s.name.value = lab.name.clone();
        let first = crate::model::build(&s).ok()?;
        let unregistered =
            if s.control_plane_strict { crate::analyze::control_plane::unregistered(&first) } else { vec![] };
        let history = crate::model::lifecycle::History::load(dir);
        let now = crate::sys::time::now_unix();
        Some(Controller {
            dir: dir.to_path_buf(),
            scenario: s,
            unregistered,
            history,
            plan: crate::plan::plan(lab),
            born: lab.tasks.iter().map(|t| (t.name.clone(), now)).collect(),
            lab: lab.clone(),
            created_ns,
            ca,
        })
    }

    /// Once a second: decide, and apply what was decided.
    pub async fn run(mut self, nodes: Vec<Box<dyn NodeControl>>) {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            every.tick().await;
            let reports: Vec<HealthReport> = nodes.iter().map(|n| n.report()).collect();
            let now = crate::sys::time::now_unix();
            let events = decide(&self.lab, &reports, &take_requests(&self.dir), &self.born, now);
            if events.is_empty() {
                continue;
            }
            if let Err(e) = self.apply(events, &nodes).await {
                log(&self.dir, &e);
            }
        }
    }

    /// The model with `events` replayed, the dataplane taken to its plan, the nodes given their
    /// registrations, the new tasks' services started; the history saved last.
    async fn apply(&mut self, events: Vec<Event>, nodes: &[Box<dyn NodeControl>]) -> Result<(), String> {
        let mut history = self.history.clone();
        history.events.extend(events);
        let mut lab =
            crate::model::build_lab(&self.scenario, &self.unregistered, &history).map_err(|e| e.to_string())?;
        lab.scenario_file = self.lab.scenario_file.clone();
        let plan = crate::plan::plan(&lab);
        crate::dataplane::update(&lab, &self.plan, &plan).await.map_err(|e| e.to_string())?;
        register(&lab, &self.dir, nodes);
        super::front_door::admit(&lab);
        super::dns::update(&crate::analyze::dns::zones(&lab));
        self.start_services(&lab)?;
        let data = serde_json::to_vec_pretty(&history).map_err(|e| e.to_string())?;
        crate::dataplane::state::write_atomic(&self.dir.join(crate::model::lifecycle::HISTORY_FILE), &data)
            .map_err(|e| e.to_string())?;
        let now = crate::sys::time::now_unix();
        for t in &lab.tasks {
            self.born.entry(t.name.clone()).or_insert(now);
        }
        (self.history, self.lab, self.plan) = (history, lab, plan);
        Ok(())
    }

    /// The services of the tasks `lab` has and the current model has not: bound and started.
    fn start_services(&self, lab: &Lab) -> Result<(), String> {
        let new_tasks: Vec<&str> =
            lab.tasks.iter().filter(|t| self.lab.task(&t.name).is_none()).map(|t| t.name.as_str()).collect();
        let config = super::config(lab, self.created_ns, self.ca.clone());
        let of_new = |s: &&super::ServiceSpec| match s {
            super::ServiceSpec::Responder(r) => r.task.as_deref().is_some_and(|t| new_tasks.contains(&t)),
            super::ServiceSpec::TaskMetadata(m) => m.fargate_task().is_some_and(|t| new_tasks.contains(&t)),
            _ => false,
        };
        // An instance's endpoint serves its tasks: a replacement placed on it is one more (and
        // the tasks that did not start at `up` still say STOPPED, as the agent made them).
        let starts = crate::dataplane::state::load_starts_at(&self.dir);
        let not_started: std::collections::HashSet<&str> =
            starts.iter().filter(|r| !r.started).filter_map(|r| lab.task(&r.task).map(|t| t.arn.as_str())).collect();
        for s in &config.services {
            if let super::ServiceSpec::TaskMetadata(m) = s
                && m.fargate_task().is_none()
            {
                super::task_metadata::update(&m.with_stopped(&not_started));
            }
        }
        let lab_name: std::sync::Arc<str> = std::sync::Arc::from(lab.name.as_str());
        for s in config.services.iter().filter(of_new) {
            let sockets = super::bind::bind_all(&s.listens()).map_err(|e| e.to_string())?;
            s.start(lab_name.clone(), sockets).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Every node's registrations in `lab`: without the services' tasks that did not start at
/// `up` (the agent's `starts.json`), which ECS never registered.
fn register(lab: &Lab, dir: &std::path::Path, nodes: &[Box<dyn NodeControl>]) {
    let starts = crate::dataplane::state::load_starts_at(dir);
    let not_started: std::collections::HashSet<&str> =
        starts.iter().filter(|r| !r.started).map(|r| r.task.as_str()).collect();
    for n in nodes {
        let ns = n.ns();
        let Some(eni) = lab.enis.iter().position(|e| e.ns == ns) else { continue };
        let crate::model::EniOwner::LoadBalancer(lb) = lab.enis[eni].owner else { continue };
        n.register(super::load_balancer::registered(
            &super::load_balancer::node_spec(lab, lb, eni).groups,
            &not_started,
        ));
    }
}

/// The StopTask requests waiting in the lab's state directory, taken (their files removed).
fn take_requests(dir: &std::path::Path) -> Vec<StopRequest> {
    let Ok(entries) = std::fs::read_dir(dir.join(crate::model::lifecycle::REQUESTS_DIR)) else { return vec![] };
    let mut files: Vec<std::path::PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
    files.sort();
    let read = |p: &std::path::PathBuf| serde_json::from_slice(&std::fs::read(p).ok()?).ok();
    let out = files.iter().filter_map(read).collect();
    for f in &files {
        let _ = std::fs::remove_file(f);
    }
    out
}

/// What went wrong applying a change, in the lab's `controller.log` (the agent has no terminal).
fn log(dir: &std::path::Path, what: &str) {
    use std::io::Write;
    if let Ok(mut f) = crate::dataplane::state::open_append(&dir.join("controller.log")) {
        let _ = writeln!(f, "{} {what}", crate::sys::time::now_unix());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::lifecycle::History;
    use crate::services::load_balancer::TargetHealth;

    fn lab(events: &[Event]) -> Lab {
        let s = crate::scenario::load(std::path::Path::new("scenarios/26-fargate-service-alb.yaml")).unwrap();
        crate::model::build_lab(&s, &[], &History { events: events.to_vec() }).unwrap()
    }

    fn report(state: &str, task: &str) -> HealthReport {
        let t: TargetHealth = serde_json::from_value(serde_json::json!({
            "group": "api", "target": format!("task/{task}"), "id": "10.0.0.1", "port": 8080, "state": state,
            "reason": "Target.ResponseCodeMismatch", "description": "Health checks failed with these codes: [404]"
        }))
        .unwrap();
        HealthReport { lb: "web".into(), az: "us-east-1a".into(), targets: vec![t] }
    }

    #[test]
    fn an_unhealthy_service_task_is_stopped_after_its_grace_period_and_replaced() {
        let l = lab(&[]);
        let born: Born = l.tasks.iter().map(|t| (t.name.clone(), 100)).collect();
        let sick = [report("unhealthy", "api-1")];
        // scenario 26: healthCheckGracePeriodSeconds 30.
        assert!(decide(&l, &sick, &[], &born, 129).is_empty(), "within the grace period");
        let e = decide(&l, &sick, &[], &born, 130);
        let Event::Stop { task, code, reason, drain, event, .. } = &e[0] else { panic!("{e:?}") };
        assert_eq!((task.as_str(), code.as_str()), ("api-1", "ServiceSchedulerInitiated"));
        assert!(reason.starts_with("Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:"));
        assert_eq!(*drain, l.target_groups.iter().find(|g| g.name == "api").unwrap().deregistration_delay_seconds);
        let event = event.as_deref().unwrap();
        assert!(event.contains("(port 8080) is unhealthy in (target-group api) due to (reason Health checks failed with these codes: [404])"), "{event}");
        assert!(matches!(&e[1], Event::Start { service, .. } if service == "api"));
        // One node still sees it healthy: not unhealthy in the group.
        assert!(decide(&l, &[report("unhealthy", "api-1"), report("healthy", "api-1")], &[], &born, 200).is_empty());
    }

    #[test]
    fn stop_task_requests_and_the_end_of_draining() {
        let l = lab(&[]);
        let req = StopRequest { task: "api-2".into(), reason: None };
        let e = decide(&l, &[], &[req], &Born::new(), 50);
        let Event::Stop { code, reason, .. } = &e[0] else { panic!("{e:?}") };
        assert_eq!((code.as_str(), reason.as_str()), ("UserInitiated", "Task stopped by user"));
        let l = lab(&e);
        assert!(decide(&l, &[], &[], &Born::new(), 51).is_empty(), "still draining");
        let drain = u64::from(drain_seconds(&lab(&[]), "api-2"));
        let done = decide(&l, &[], &[], &Born::new(), 50 + drain);
        assert_eq!(done, vec![Event::Stopped { task: "api-2".into(), at: 50 + drain }]);
        let again = StopRequest { task: "api-2".into(), reason: None };
        assert!(decide(&l, &[], &[again], &Born::new(), 52).is_empty(), "already stopping");
    }
}
