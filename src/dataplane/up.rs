//! `up`, over any kernel: claim the lab's name, write the journal listing every namespace before
//! the first exists (so `down` can find everything even if `up` is killed), apply the plan phase
//! by phase, and on failure remove exactly what this `up` created.

use super::kernel::{ApplyError, Kernel};
use super::state::{Journal, ProcRecord, Store};
use crate::i18n::tr;
use crate::model::Lab;
use crate::model::ids;
use crate::plan::Plan;
use crate::plan::process::ProcessKind;
use futures::FutureExt;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum UpError {
    #[error("{}", already_up(.0))]
    AlreadyUp(String),
    #[error("{0}")]
    Apply(#[from] ApplyError),
    #[error("{}", cancelled(.0))]
    Cancelled(String),
    #[error("{0}")]
    State(String),
    /// A bug: `up` panicked; what it built was removed all the same.
    #[error("{}", panicked(.0))]
    Panicked(String),
}

// The messages of `UpError`, in the user's language.
fn already_up(lab: &str) -> String {
    tr!(
        "up-already-up",
        "lab `{ $lab }` is already up (run `ecsnet down { $lab }` first, or pick another name)",
        lab = lab
    )
}

fn cancelled(phase: &str) -> String {
    tr!("up-interrupted-during", "interrupted during { $phase }; everything built so far was removed", phase = phase)
}

fn panicked(error: &str) -> String {
    tr!(
        "up-internal-error",
        "internal error (a bug in ecsnet, please report it): { $error }; everything built so far was removed",
        error = error
    )
}

/// Called between phases; returning `true` aborts (Ctrl-C, test hooks).
pub type Cancel = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Wall time of each phase, for `-v` and the benchmark.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Timings(pub Vec<(String, Duration)>);

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
        UpOptions { cancel: Arc::new(|_| false), stop_after: None, progress: false }
    }
}

/// Build the lab. On any failure, cancellation or panic everything built so far is removed.
/// The lab's lock is held throughout, so a `down` of the same lab waits for this to finish.
pub async fn up<K: Kernel>(
    kernel: &K,
    store: &Store,
    lab: &Lab,
    plan: &Plan,
    opts: UpOptions,
) -> Result<Timings, UpError> {
    let waiting = |pid: Option<i32>| super::state::warn_busy(&lab.name, pid);
    let cancel = || (opts.cancel)("lock");
    let lock = store.lock(&lab.name, waiting, &cancel).map_err(|e| UpError::State(e.to_string()))?;
    let dir = match store.claim(&lab.name) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(UpError::AlreadyUp(lab.name.clone())),
        Err(e) => return Err(UpError::State(format!("{}: {e}", store.dir(&lab.name).display()))),
    };
    // What already carried the lab's name (a stale leftover) is not this `up`'s to remove.
    let before = kernel.namespaces(&ids::ns_prefix(&lab.name));
    let mut journal = Journal {
        lab: lab.name.clone(),
        namespaces: plan.namespaces.clone(),
        processes: vec![],
        complete: false,
        created_unix: crate::sys::time::now_unix(),
        scenario_file: lab.scenario_file.clone(),
        owner: super::state::this_process(),
        user: Some(super::state::invoking_user()),
    };
    let mut created = vec![];
    let r = AssertUnwindSafe(async {
        let st = |e: std::io::Error| UpError::State(format!("{}: {e}", dir.display()));
        let files = Instant::now();
        store.save_journal(&journal).map_err(st)?;
        store.save_lab(lab).map_err(st)?;
        super::sandbox::write_files(&dir, lab).map_err(st)?;
        // The lab's controller rebuilds the model from the same scenario while the lab runs
        // (a scenario in memory, in tests, has no file: the lab then never changes).
        if let Ok(text) = std::fs::read(&lab.scenario_file) {
            super::state::write_atomic(&dir.join(super::state::SCENARIO_COPY), &text).map_err(st)?;
        }
        fault("files");
        if opts.progress {
            let ms = files.elapsed().as_secs_f64() * 1000.0;
            let _ = writeln!(std::io::stderr(), "  {:<12} {ms:>8.1} ms", "files");
        }
        build(kernel, store, lab, plan, &opts, &mut journal, &mut created).await
    })
    .catch_unwind()
    .await
    .unwrap_or_else(|p| Err(UpError::Panicked(panic_text(p.as_ref()))));
    match r {
        Ok(t) => Ok(t),
        Err(UpError::Cancelled(p)) if opts.stop_after.is_some() => Err(UpError::Cancelled(p)),
        Err(e) => {
            let msg = tr!("up-rolling-back", "up of { $lab } failed, rolling back", lab = lab.name);
            tracing::warn!("{msg}");
            // Here, not on a thread of its own: the machine may refuse one (that may be why
            // `up` failed), and the rollback must happen all the same.
            rollback(kernel, store, &lab.name, &created, &before, &journal.processes);
            lock.remove();
            Err(e)
        }
    }
}

/// The text of a panic's payload.
pub(super) fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// Test hook of the reliability suite: `ECSNET_TEST_PANIC=PHASE` panics `up` as it reaches
/// PHASE (`files`, a phase name, or `probing` in `test`), to prove a panic leaves nothing.
pub fn fault(phase: &str) {
    if std::env::var("ECSNET_TEST_PANIC").is_ok_and(|p| p == phase) {
        panic!("ECSNET_TEST_PANIC at {phase}");
    }
}

/// Remove exactly what this `up` built: the namespaces it created, and any of the lab's that
/// appeared since it began (a namespace whose creation was cut short); a stale leftover that
/// was there before is not ours to delete (`ecsnet down LAB` removes it on request).
fn rollback<K: Kernel>(
    kernel: &K,
    store: &Store,
    lab: &str,
    created: &[String],
    before: &[String],
    procs: &[ProcRecord],
) {
    kernel.stop(procs);
    let mut ours: Vec<String> = created.to_vec();
    for n in kernel.namespaces(&ids::ns_prefix(lab)) {
        if !before.contains(&n) && !ours.contains(&n) && ids::is_lab_ns(lab, &n) {
            ours.push(n);
        }
    }
    for n in &ours {
        let _ = kernel.delete_namespace(n);
    }
    // Made by the containers' programs this `up` started, named after the lab.
    let _ = kernel.remove_cgroups(lab);
    let _ = store.remove(lab);
}

/// The phases in order. The netlink connections live from `links` to `routes` only: open
/// sockets keep namespaces alive, so they are closed before anything else happens.
async fn build<K: Kernel>(
    kernel: &K,
    store: &Store,
    lab: &Lab,
    plan: &Plan,
    opts: &UpOptions,
    journal: &mut Journal,
    created: &mut Vec<String>,
) -> Result<Timings, UpError> {
    let total = Instant::now();
    let mut ph = Phases::new(&lab.name, opts);
    ph.begin("namespaces")?;
    kernel.create_namespaces(&plan.namespaces, created).await?;
    ph.end();
    ph.begin("sysctls")?;
    kernel.sysctls(plan, &plan.sysctls).await?;
    ph.end();
    let nl = kernel.connect(plan).await?;
    ph.begin("links")?;
    kernel.links(&nl, plan).await?;
    ph.end();
    ph.begin("addresses")?;
    kernel.addresses(&nl, plan).await?;
    kernel.sysctls(plan, &plan.link_sysctls).await?;
    ph.end();
    ph.begin("routes")?;
    kernel.routes(&nl, plan).await?;
    kernel.neighbours(&nl, plan).await?;
    ph.end();
    drop(nl);
    ph.begin("firewall")?;
    kernel.firewalls(plan).await?;
    ph.end();
    ph.begin("processes")?;
    start_processes(kernel, store, lab, plan, journal, opts.progress).await?;
    ph.end();
    journal.complete = true;
    store.save_journal(journal).map_err(|e| UpError::State(e.to_string()))?;
    let mut timings = ph.timings;
    timings.0.push(("total".into(), total.elapsed()));
    Ok(timings)
}

/// The pause holders first (each a quick spawn, journalled together), then the others one at a
/// time, each journalled as it starts. Every process started is in `journal.processes` at once,
/// so a rollback stops it even before the journal on disk lists it.
async fn start_processes<K: Kernel>(
    kernel: &K,
    store: &Store,
    lab: &Lab,
    plan: &Plan,
    journal: &mut Journal,
    progress: bool,
) -> Result<(), UpError> {
    let dir = store.dir(&lab.name);
    let save = |j: &Journal| store.save_journal(j).map_err(|e| UpError::State(e.to_string()));
    let (pauses, others): (Vec<_>, Vec<_>) =
        plan.processes.iter().partition(|p| matches!(p.kind, ProcessKind::Pause { .. }));
    let t = Instant::now();
    kernel.spawn_pauses(&lab.name, &pauses, &mut journal.processes).await?;
    save(journal)?;
    if progress {
        // Inside `processes`: how much of it the pause holders take (the rest is the agent).
        let _ = writeln!(std::io::stderr(), "    {:<10} {:>8.1} ms", "holders", t.elapsed().as_secs_f64() * 1000.0);
    }
    // The agent runs the tasks' starts before it reports ready; a task that did not start
    // runs no program.
    let mut stopped: Vec<String> = vec![];
    for p in others {
        if let ProcessKind::Command { .. } = p.kind
            && stopped.iter().any(|t| p.role.starts_with(&format!("command task/{t}/")))
        {
            continue;
        }
        journal.processes.push(kernel.spawn(&lab.name, &dir, p).await?);
        save(journal)?;
        if let ProcessKind::Agent = p.kind {
            stopped = not_started(&dir);
        }
    }
    Ok(())
}

/// The tasks whose start the agent stopped (its `starts.json`).
pub(super) fn not_started(dir: &std::path::Path) -> Vec<String> {
    super::state::load_starts_at(dir).into_iter().filter(|r| !r.started).map(|r| r.task).collect()
}

/// Between phases: cancellation, the `stop_after` hook, timing and progress lines.
struct Phases<'a> {
    lab: &'a str,
    opts: &'a UpOptions,
    done: usize,
    current: Option<(&'static str, Instant)>,
    timings: Timings,
}

impl<'a> Phases<'a> {
    fn new(lab: &'a str, opts: &'a UpOptions) -> Self {
        Phases { lab, opts, done: 0, current: None, timings: Timings::default() }
    }

    fn begin(&mut self, name: &'static str) -> Result<(), UpError> {
        fault(name);
        if (self.opts.cancel)(name) || self.opts.stop_after.is_some_and(|n| self.done >= n) {
            return Err(UpError::Cancelled(name.to_string()));
        }
        self.current = Some((name, Instant::now()));
        Ok(())
    }

    fn end(&mut self) {
        let Some((name, start)) = self.current.take() else { return };
        let took = start.elapsed();
        self.timings.0.push((name.to_string(), took));
        let ms = took.as_secs_f64() * 1000.0;
        tracing::debug!(lab = %self.lab, "{name} done in {ms:.1} ms");
        if self.opts.progress {
            // A closed terminal or pipe must not abort a half-built lab: the error is ignored.
            let _ = writeln!(std::io::stderr(), "  {name:<12} {ms:>8.1} ms");
        }
        self.done += 1;
    }
}
