//! Layer 3: the dataplane, the only code that touches the kernel. `up` applies a plan (journal
//! first, so that `down` can find everything even if `up` is killed); `down` removes a lab from
//! its journal, or from its marks alone when the journal is gone.

pub mod apply;
pub mod procs;
pub mod state;

use crate::model::{Lab, ids};
use crate::plan::Plan;
use crate::plan::process::ProcessKind;
use crate::sys::netns;
use apply::{ApplyError, Cancel, Handles, Indexes, Timings};
use state::Journal;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum UpError {
    #[error("lab `{0}` is already up (run `ecsnet down {0}` first, or pick another name)")]
    AlreadyUp(String),
    #[error("{0}")]
    Apply(#[from] ApplyError),
    #[error("interrupted during {0}; everything built so far was removed")]
    Cancelled(String),
    #[error("{0}")]
    State(String),
}

pub struct UpOptions {
    /// Checked between phases; `true` stops and rolls back.
    pub cancel: Cancel,
    /// Test hook: stop (as if killed) after this many phases, leaving everything in place.
    pub stop_after: Option<usize>,
    /// One line per phase on stderr.
    pub progress: bool,
}

impl Default for UpOptions {
    fn default() -> Self {
        UpOptions { cancel: std::sync::Arc::new(|_| false), stop_after: None, progress: false }
    }
}

/// Build the lab. On any failure or cancellation everything built so far is removed.
pub async fn up(lab: &Lab, plan: &Plan, opts: UpOptions) -> Result<Timings, UpError> {
    let dir = match state::claim(&lab.name) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(UpError::AlreadyUp(lab.name.clone())),
        Err(e) => return Err(UpError::State(format!("{}: {e}", state::dir(&lab.name).display()))),
    };
    let mut journal = Journal {
        lab: lab.name.clone(),
        namespaces: plan.namespaces.clone(),
        processes: vec![],
        complete: false,
        created_unix: crate::sys::time::now_unix(),
        scenario_file: lab.scenario_file.clone(),
    };
    let st = |e: std::io::Error| UpError::State(format!("{}: {e}", dir.display()));
    state::save_journal(&journal).map_err(st)?;
    state::save_lab(lab).map_err(st)?;

    let mut created = vec![];
    let r = build(lab, plan, &opts, &mut journal, &mut created).await;
    match r {
        Ok(t) => Ok(t),
        Err(UpError::Cancelled(p)) if opts.stop_after.is_some() => Err(UpError::Cancelled(p)),
        Err(e) => {
            // Remove exactly what this `up` built: a stale leftover that made it fail is
            // not ours to delete (`ecsnet down LAB` removes it on request).
            let (name, procs) = (lab.name.clone(), journal.processes.clone());
            tracing::warn!("up of {name} failed, rolling back {} namespaces", created.len());
            let _ = tokio::task::spawn_blocking(move || rollback(&name, &created, &procs)).await;
            Err(e)
        }
    }
}

fn rollback(lab: &str, created: &[String], recs: &[state::ProcRecord]) {
    procs::stop(recs);
    for n in created {
        let _ = netns::delete(n);
    }
    let _ = std::fs::remove_dir_all(state::dir(lab));
}

async fn build(
    lab: &Lab,
    plan: &Plan,
    opts: &UpOptions,
    journal: &mut Journal,
    created: &mut Vec<String>,
) -> Result<Timings, UpError> {
    let mut t = Timings::default();
    let mut phase = 0usize;
    let total = Instant::now();
    macro_rules! step {
        ($name:expr, $body:expr) => {{
            if (opts.cancel)($name) {
                return Err(UpError::Cancelled($name.to_string()));
            }
            if opts.stop_after.is_some_and(|n| phase >= n) {
                return Err(UpError::Cancelled($name.to_string()));
            }
            let s = Instant::now();
            $body;
            t.0.push(($name.to_string(), s.elapsed()));
            tracing::debug!(lab = %lab.name, "{} done in {:.1} ms", $name, s.elapsed().as_secs_f64() * 1000.0);
            if opts.progress {
                eprintln!("  {:<12} {:>8.1} ms", $name, s.elapsed().as_secs_f64() * 1000.0);
            }
            #[allow(unused_assignments)]
            {
                phase += 1;
            }
        }};
    }
    step!("namespaces", apply::create_namespaces(&plan.namespaces, created).await?);
    step!("sysctls", apply::sysctls(plan, &plan.sysctls).await?);
    let idx = Indexes::of(plan);
    let handles = Handles::open(&plan.namespaces).await?;
    step!("links", apply::links(plan, &handles, &idx).await?);
    step!("addresses", {
        apply::addresses(plan, &handles, &idx).await?;
        apply::sysctls(plan, &plan.link_sysctls).await?
    });
    step!("routes", {
        apply::routes(plan, &handles, &idx).await?;
        apply::neighbours(plan, &handles, &idx).await?
    });
    // Open netlink sockets keep namespaces alive: close them before anything else.
    drop(handles);
    step!("firewall", apply::firewalls(plan).await?);
    step!("processes", start_processes(lab, plan, journal).await?);
    journal.complete = true;
    state::save_journal(journal).map_err(|e| UpError::State(e.to_string()))?;
    t.0.push(("total".into(), total.elapsed()));
    Ok(t)
}

async fn start_processes(lab: &Lab, plan: &Plan, journal: &mut Journal) -> Result<(), UpError> {
    let dir = state::dir(&lab.name);
    let name = lab.name.clone();
    let save = |j: &Journal| state::save_journal(j).map_err(|e| UpError::State(e.to_string()));
    // The pause holders at once (each a quick spawn), then one at a time, journalled as each starts.
    let pauses: Vec<(String, String)> = plan
        .processes
        .iter()
        .filter_map(|p| match &p.kind {
            ProcessKind::Pause { ns } => Some((ns.clone(), p.role.clone())),
            _ => None,
        })
        .collect();
    let n2 = name.clone();
    let recs = tokio::task::spawn_blocking(move || -> Result<Vec<_>, ApplyError> {
        pauses
            .into_iter()
            .map(|(ns, role)| {
                procs::spawn_pause(&n2, &ns, role.clone())
                    .map_err(|e| ApplyError { object: format!("{role} in {ns}"), reason: e.to_string() })
            })
            .collect()
    })
    .await
    .map_err(|e| UpError::State(e.to_string()))??;
    journal.processes.extend(recs);
    save(journal)?;
    for p in &plan.processes {
        match &p.kind {
            ProcessKind::Pause { .. } => {}
            ProcessKind::Agent => {
                // The agent reads the lab's model from the state directory and serves what it says.
                let log = dir.join("agent.log");
                let (n3, d3) = (name.clone(), dir.clone());
                let rec =
                    tokio::task::spawn_blocking(move || procs::spawn_agent(&n3, &d3, &log, Duration::from_secs(60)))
                        .await
                        .map_err(|e| UpError::State(e.to_string()))?
                        .map_err(|e| ApplyError { object: "agent (responders)".into(), reason: e.to_string() })?;
                journal.processes.push(rec);
                save(journal)?;
            }
            ProcessKind::Command { ns, argv, env, log } => {
                let rec = procs::spawn_command(&name, ns, argv, env, &dir.join(log), p.role.clone()).map_err(|e| {
                    ApplyError { object: format!("{}: {}", p.role, argv.join(" ")), reason: e.to_string() }
                })?;
                journal.processes.push(rec);
                save(journal)?;
            }
        }
    }
    Ok(())
}

/// What `down` removed.
#[derive(Debug, Default, serde::Serialize)]
pub struct DownReport {
    pub lab: String,
    pub processes: usize,
    pub namespaces: usize,
    pub errors: Vec<String>,
}

/// Remove everything of a lab: processes (journal + marks), namespaces (journal + prefix),
/// state. Idempotent; never touches anything that does not carry the lab's mark.
pub fn down(lab: &str) -> DownReport {
    let mut rep = DownReport { lab: lab.to_string(), ..Default::default() };
    let journal = state::load_journal(lab).ok();
    let mut recs = journal.as_ref().map(|j| j.processes.clone()).unwrap_or_default();
    for (r, _) in procs::marked(Some(lab)) {
        if !recs.iter().any(|x| x.pid == r.pid) {
            recs.push(r);
        }
    }
    rep.processes = recs.iter().filter(|r| procs::alive(r)).count();
    procs::stop(&recs);
    let mut names: Vec<String> = journal.map(|j| j.namespaces).unwrap_or_default();
    for n in netns::list(&ids::ns_prefix(lab)) {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    for n in &names {
        if netns::path(n).exists() {
            match netns::delete(n) {
                Ok(()) => rep.namespaces += 1,
                Err(e) => rep.errors.push(format!("namespace {n}: {e}")),
            }
        }
    }
    let d = state::dir(lab);
    if d.exists() {
        if let Err(e) = std::fs::remove_dir_all(&d) {
            rep.errors.push(format!("{}: {e}", d.display()));
        }
    }
    rep
}

/// Every lab known on this machine: state directories, namespaces and marked processes.
pub fn all_labs() -> Vec<String> {
    let mut v = state::labs();
    for n in netns::list(ids::NS_PREFIX) {
        if let Some(lab) = n.strip_prefix(ids::NS_PREFIX).and_then(|r| r.split('.').next()) {
            if !v.iter().any(|x| x == lab) {
                v.push(lab.to_string());
            }
        }
    }
    for (_, lab) in procs::marked(None) {
        if !v.contains(&lab) {
            v.push(lab);
        }
    }
    v.sort();
    v
}
