//! `ecsnet stop LAB task/NAME [--reason TEXT] [--wait]`: ECS's StopTask on a running lab. The
//! request goes to the lab's agent (a file in its state directory), whose controller stops the
//! task as ECS does: its targets drain for their groups' deregistration delay, then its
//! containers stop and its ENI is deleted; a service's task is replaced at once. Like StopTask,
//! the command returns once the stop is under way (`--wait`: once the task is STOPPED).

use super::{CliError, Exit, Outcome};
use crate::dataplane::state;
use crate::i18n::tr;
use crate::model::lifecycle::{REQUESTS_DIR, StopRequest, TaskStop};
use std::time::{Duration, Instant};

/// How long the agent may take to pick a request up.
const PICKUP: Duration = Duration::from_secs(10);

pub async fn run(lab: &str, task: &str, reason: Option<String>, wait: bool) -> Outcome {
    super::check_environment()?;
    let l = state::load_lab(lab).map_err(|e| CliError::Failed(e.to_string()))?;
    let name = task.strip_prefix("task/").unwrap_or(task);
    let Some(t) = l.task(name) else {
        let known: Vec<String> = l.tasks.iter().map(|t| format!("task/{}", t.name)).collect();
        return Err(CliError::Invalid(tr!(
            "stop-no-such-task",
            "lab { $lab } has no task `{ $task }` (its tasks: { $known })",
            lab = lab,
            task = task,
            known = known.join(", ")
        )));
    };
    if let Some(stop) = &t.stop {
        println!("task/{name} {} ({})", stop.last_status(), stop.reason);
        return Ok(Exit::Ok);
    }
    if !t.is_running() {
        return Err(CliError::Invalid(tr!("stop-not-running", "task/{ $task } is not running", task = name)));
    }
    let dir = state::dir(lab).join(REQUESTS_DIR);
    let request = StopRequest { task: name.to_string(), reason };
    let file = dir.join(format!("stop-{}.json", crate::sys::time::now_unix_nanos()));
    let data = serde_json::to_vec(&request).map_err(|e| CliError::Failed(e.to_string()))?;
    state::create_private_dir(&dir)
        .and_then(|()| state::write_atomic(&file, &data))
        .map_err(|e| CliError::Failed(format!("{}: {e}", file.display())))?;
    let stop = until(lab, name, PICKUP, |_| true).await.ok_or_else(|| {
        CliError::Failed(tr!(
            "stop-not-picked-up",
            "the lab's agent did not take the request within { $seconds } s (is the lab up? `ecsnet ls`)",
            seconds = PICKUP.as_secs()
        ))
    })?;
    say(name, &stop);
    if wait && stop.stopped_at.is_none() {
        let limit = Duration::from_secs(u64::from(stop.drain_seconds) + 30);
        let stop = until(lab, name, limit, |s| s.stopped_at.is_some()).await.ok_or_else(|| {
            CliError::Failed(tr!("stop-wait-timeout", "task/{ $task } did not stop in time", task = name))
        })?;
        say(name, &stop);
    }
    Ok(Exit::Ok)
}

fn say(name: &str, stop: &TaskStop) {
    if stop.stopped_at.is_none() && stop.drain_seconds > 0 {
        let msg = tr!(
            "stop-draining",
            "task/{ $task } DEACTIVATING: its targets drain for { $seconds } s (deregistration delay), then it stops",
            task = name,
            seconds = stop.drain_seconds
        );
        println!("{msg}");
    } else {
        println!("task/{name} {} ({})", stop.last_status(), stop.reason);
    }
}

/// The task's stop once the lab's model shows one that `done` accepts, polling until `limit`.
async fn until(lab: &str, name: &str, limit: Duration, done: impl Fn(&TaskStop) -> bool) -> Option<TaskStop> {
    let start = Instant::now();
    while start.elapsed() < limit {
        let stop = state::load_lab(lab).ok().and_then(|l| l.task(name).and_then(|t| t.stop.clone()));
        if let Some(s) = stop.filter(|s| done(s)) {
            return Some(s);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    None
}
