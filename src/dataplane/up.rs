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
    let _ = kernel.delete_namespaces(&ours);
    // Made by the containers' programs this `up` started, named after the lab.
    let _ = kernel.remove_cgroups(lab);
    let _ = store.remove(lab);
}

/// The phases. The namespaces first, each with its sysctls; then, at once, the network
/// (links, addresses, routes: netlink requests the kernel serialises under its RTNL lock) and
/// what needs only the namespaces (each namespace's nftables table, which has a lock of its
/// own, and the pause holders): the second CPU would otherwise spin waiting for RTNL. The
/// other processes last: they use the network.
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
    let ph = Phases::new(&lab.name, opts);
    ph.run("namespaces", kernel.create_namespaces(&plan.namespaces, &plan.sysctls, created)).await?;
    // Joined, not raced: neither branch is dropped half way, so a rollback never meets a
    // ruleset or a holder still being made.
    let beside = async {
        ph.run("firewall", kernel.firewalls(plan)).await?;
        ph.run("holders", start_holders(kernel, store, lab, plan, journal)).await
    };
    match tokio::join!(network(kernel, plan, &ph), beside) {
        (Ok(()), Ok(())) => {}
        // The branch that failed first, not the other one's stop that followed.
        (Err(e), Err(UpError::Cancelled(_))) | (Err(UpError::Cancelled(_)), Err(e)) | (Err(e), _) | (_, Err(e)) => {
            return Err(e);
        }
    }
    ph.run("processes", start_processes(kernel, store, lab, plan, journal)).await?;
    journal.complete = true;
    store.save_journal(journal).map_err(|e| UpError::State(e.to_string()))?;
    let mut timings = ph.into_timings();
    timings.0.push(("total".into(), total.elapsed()));
    Ok(timings)
}

/// Links, addresses and routes. The netlink connections live for these phases only: open
/// sockets keep namespaces alive, so they are closed before anything else happens.
async fn network<K: Kernel>(kernel: &K, plan: &Plan, ph: &Phases<'_>) -> Result<(), UpError> {
    let links = async {
        let nl = kernel.connect(plan).await?;
        kernel.links(&nl, plan).await.map(|()| nl)
    };
    let nl = ph.run("links", links).await?;
    let addresses = async {
        kernel.addresses(&nl, plan).await?;
        kernel.link_sysctls(&nl, plan, &plan.link_sysctls).await
    };
    ph.run("addresses", addresses).await?;
    let routes = async {
        kernel.routes(&nl, plan).await?;
        kernel.neighbours(&nl, plan).await?;
        // Last, when the kernel has had the most time: a link it has not activated yet drops
        // every packet, and `up` returns to a `check`.
        kernel.links_active(&nl, plan).await
    };
    ph.run("routes", routes).await?;
    Ok(())
}

/// The pause holders, each a quick spawn, journalled together. Every process started is in
/// `journal.processes` at once, so a rollback stops it even before the journal on disk lists it.
async fn start_holders<K: Kernel>(
    kernel: &K,
    store: &Store,
    lab: &Lab,
    plan: &Plan,
    journal: &mut Journal,
) -> Result<(), UpError> {
    let pauses: Vec<_> = plan.processes.iter().filter(|p| matches!(p.kind, ProcessKind::Pause { .. })).collect();
    kernel.spawn_pauses(&lab.name, &pauses, &mut journal.processes).await?;
    store.save_journal(journal).map_err(|e| UpError::State(e.to_string()))
}

/// The other processes one at a time, each journalled as it starts. The agent runs the tasks'
/// starts before it reports ready; a task that did not start runs no program.
async fn start_processes<K: Kernel>(
    kernel: &K,
    store: &Store,
    lab: &Lab,
    plan: &Plan,
    journal: &mut Journal,
) -> Result<(), UpError> {
    let dir = store.dir(&lab.name);
    let save = |j: &Journal| store.save_journal(j).map_err(|e| UpError::State(e.to_string()));
    let mut stopped: Vec<String> = vec![];
    for p in plan.processes.iter().filter(|p| !matches!(p.kind, ProcessKind::Pause { .. })) {
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

/// Between phases: cancellation, the `stop_after` hook, timing and progress lines. Shared by
/// the branches `build` runs at once (each phase is timed on its own).
struct Phases<'a> {
    lab: &'a str,
    opts: &'a UpOptions,
    /// Phases done, and their times.
    done: std::sync::Mutex<(usize, Timings)>,
    /// A phase failed: the other branch starts no new one.
    failed: std::sync::atomic::AtomicBool,
}

impl<'a> Phases<'a> {
    fn new(lab: &'a str, opts: &'a UpOptions) -> Self {
        let done = std::sync::Mutex::new((0, Timings::default()));
        Phases { lab, opts, done, failed: std::sync::atomic::AtomicBool::new(false) }
    }

    /// `work`, as phase `name`: refused when cancelled, when another phase failed (or past the
    /// `stop_after` hook), timed when done.
    async fn run<T, E>(&self, name: &'static str, work: impl Future<Output = Result<T, E>>) -> Result<T, UpError>
    where
        UpError: From<E>,
    {
        use std::sync::atomic::Ordering::SeqCst;
        fault(name);
        let done = self.done.lock().map(|d| d.0).unwrap_or(0);
        let failed = self.failed.load(SeqCst);
        if failed || (self.opts.cancel)(name) || self.opts.stop_after.is_some_and(|n| done >= n) {
            self.failed.store(true, SeqCst);
            return Err(UpError::Cancelled(name.to_string()));
        }
        let start = Instant::now();
        let out = work.await.inspect_err(|_| self.failed.store(true, SeqCst))?;
        let took = start.elapsed();
        if let Ok(mut d) = self.done.lock() {
            d.0 += 1;
            d.1.0.push((name.to_string(), took));
        }
        let ms = took.as_secs_f64() * 1000.0;
        tracing::debug!(lab = %self.lab, "{name} done in {ms:.1} ms");
        if self.opts.progress {
            // A closed terminal or pipe must not abort a half-built lab: the error is ignored.
            let _ = writeln!(std::io::stderr(), "  {name:<12} {ms:>8.1} ms");
        }
        Ok(out)
    }

    fn into_timings(self) -> Timings {
        self.done.into_inner().map(|d| d.1).unwrap_or_default()
    }
}
