//! `ecsnet ps LAB [--instance NAME] [--format json]`: what `docker ps` shows on each emulated
//! container instance (pause containers and the ecs-agent included).

use super::{CliError, Exit, Outcome};
use crate::dataplane::procs;
use crate::dataplane::state::{self, Journal};
use crate::i18n::tr;
use crate::views::{self, NS_PER_SEC, ProcState, Runtime};
use std::collections::BTreeMap;

/// Boot time (s since the epoch) and clock ticks per second, to date a process's start.
fn boot_clock() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let btime = stat.lines().find_map(|l| l.strip_prefix("btime "))?.trim().parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (hz > 0).then_some((btime, hz as u64))
}

/// The lab's processes as the views need them, from its journal and /proc.
pub fn runtime(j: &Journal) -> Runtime {
    let clock = boot_clock();
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    let mut procs_by_role = BTreeMap::new();
    for r in &j.processes {
        let running = procs::alive(r);
        let started_ns = clock.filter(|_| r.start_time > 0).map(|(btime, hz)| {
            btime * NS_PER_SEC + (u128::from(r.start_time) * u128::from(NS_PER_SEC) / u128::from(hz)) as u64
        });
        procs_by_role.insert(r.role.clone(), ProcState { pid: r.pid, running, started_ns });
    }
    let stopped = state::load_starts(&j.lab).into_iter().filter(|r| !r.started).map(|r| (r.task.clone(), r)).collect();
    let registrations = state::load_registrations(&j.lab);
    let target_health = target_health(&j.lab);
    Runtime {
        created_ns: j.created_unix * NS_PER_SEC,
        now_ns: now,
        procs: procs_by_role,
        stopped,
        registrations,
        target_health,
    }
}

/// What each load balancer node of the lab last wrote about its targets.
fn target_health(lab: &str) -> Vec<crate::services::load_balancer::HealthReport> {
    let Ok(dir) = std::fs::read_dir(state::dir(lab)) else { return vec![] };
    let mut files: Vec<std::path::PathBuf> = dir
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("target-health.")))
        .collect();
    files.sort();
    files.iter().filter_map(|p| serde_json::from_slice(&std::fs::read(p).ok()?).ok()).collect()
}

/// The lab model and its runtime.
pub fn load(lab: &str) -> Result<(crate::model::Lab, Runtime), CliError> {
    let l = state::load_lab(lab).map_err(|e| CliError::Failed(e.to_string()))?;
    // The error names the file already.
    let j = state::load_journal(lab).map_err(|e| CliError::Failed(e.to_string()))?;
    let rt = runtime(&j).with_lifecycle(&l);
    Ok((l, rt))
}

pub fn run(lab: &str, instance: Option<&str>, format: &str) -> Outcome {
    let (l, rt) = load(lab)?;
    let out = match format {
        // Every instance, then the load balancers, then the cluster's services.
        "table" if instance.is_none() => views::ps::table(&l, &rt, None)
            .map(|t| t + &views::load_balancer::table(&l, &rt) + &views::ecs_service::ps_section(&l, &rt)),
        "table" => views::ps::table(&l, &rt, instance),
        "json" => views::ps::json_lines(&l, &rt, instance),
        f => {
            return Err(CliError::Invalid(tr!(
                "ps-unknown-format",
                "unknown format `{ $format }` (table, json)",
                format = f
            )));
        }
    };
    print!("{}", out.map_err(CliError::Invalid)?);
    Ok(Exit::Ok)
}
