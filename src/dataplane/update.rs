//! `update`, over any kernel: take a running lab from one plan to the next (a task stopped, a
//! replacement started) by the plans' difference. What is new is made in `up`'s phase order
//! (new namespaces journalled first); the rulesets that differ are swapped atomically; the new
//! processes start. Only then does what is gone go: its processes, its objects in namespaces
//! that stay, its namespaces. A failure before that point removes what this update made and
//! leaves the lab as it was.

use super::kernel::{ApplyError, Kernel, LinkRef, Removal};
use super::state::{Journal, ProcRecord, Store};
use super::up::Timings;
use crate::i18n::tr;
use crate::model::Lab;
use crate::plan::process::{Process, ProcessKind};
use crate::plan::{Firewall, Plan, nft};
use futures::FutureExt;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// The lab's state (lock, journal) could not be read or written; nothing was changed.
    #[error("{0}")]
    State(String),
    /// An object could not be made; what this update made was removed again.
    #[error("{0}")]
    Apply(#[from] ApplyError),
    /// The new lab runs, but something of the old one could not be removed.
    #[error("{}", left_over(.0))]
    LeftOver(ApplyError),
    /// A bug: the update panicked; what it made was removed again.
    #[error("{}", panicked(.0))]
    Panicked(String),
}

/// How long an update waits for the lab's lock: briefly, since it is called from inside the
/// lab's agent, which `up` may be waiting for while it holds the lock.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

fn busy(lab: &str) -> String {
    tr!(
        "update-lab-busy",
        "lab { $lab } is busy (another ecsnet is building, updating or removing it): not updated",
        lab = lab
    )
}

fn left_over(e: &ApplyError) -> String {
    tr!("update-left-over", "the lab was updated, but a part of what it no longer has is left: { $error }", error = e)
}

fn panicked(error: &str) -> String {
    tr!(
        "update-internal-error",
        "internal error (a bug in ecsnet, please report it): { $error }; the update was undone",
        error = error
    )
}

/// What takes a running lab from one plan to another.
#[derive(Debug, Default)]
pub struct Diff {
    /// Namespaces to create, and to delete.
    pub fresh: Vec<String>,
    pub gone: Vec<String>,
    /// The objects to make, as a plan: its `namespaces` are those it touches (fresh or not),
    /// its `lo_up` the fresh ones; it has no firewalls and no processes.
    pub add: Plan,
    /// What to remove from the namespaces that stay.
    pub remove: Removal,
    /// What of `remove` is in the way of `add` (a route to an address a replacement task
    /// takes over, a link of the same name): removed before `add` is made.
    pub early: Removal,
    /// What undoes `add` in the namespaces that stay (a rollback).
    pub unadd: Removal,
    /// One replacing batch per namespace whose rulesets change; and the batches restoring them.
    pub firewalls: Vec<Firewall>,
    pub unfirewalls: Vec<Firewall>,
    /// Processes to start (pause holders first) and to stop; never the agent.
    pub start: Vec<Process>,
    pub stop: Vec<Process>,
}

/// The items of `a` that are not in `b` (compared by their JSON, so that a plan of thousands
/// of objects is diffed in linear time; all fields take part, as in `==`).
fn only_in<T: serde::Serialize + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    let key = |x: &T| serde_json::to_string(x).ok();
    let b: std::collections::HashSet<String> = b.iter().filter_map(key).collect();
    a.iter().filter(|x| key(x).is_none_or(|k| !b.contains(&k))).cloned().collect()
}

impl Diff {
    pub fn of(old: &Plan, new: &Plan) -> Diff {
        let fresh = only_in(&new.namespaces, &old.namespaces);
        let gone = only_in(&old.namespaces, &new.namespaces);
        let stay: Vec<String> = only_in(&new.namespaces, &fresh);
        let add = added(old, new, &fresh);
        let removed = added(new, old, &gone);
        let procs = |a: &Plan, b: &Plan| {
            let mut v: Vec<Process> =
                only_in(&a.processes, &b.processes).into_iter().filter(|p| p.kind != ProcessKind::Agent).collect();
            // Pause holders first, as `up` starts them: a task's programs join its namespace.
            v.sort_by_key(|p| !matches!(p.kind, ProcessKind::Pause { .. }));
            v
        };
        Diff {
            early: in_the_way(&removed, &add, &stay),
            remove: removal(&removed, &stay),
            unadd: removal(&add, &stay),
            firewalls: firewall_changes(old, new, &fresh),
            unfirewalls: firewall_changes(new, old, &[]).into_iter().filter(|f| stay.contains(&f.ns)).collect(),
            start: procs(new, old),
            stop: procs(old, new),
            fresh,
            gone,
            add,
        }
    }
}

/// The objects of `new` not in `old`, as a plan over the namespaces they touch.
fn added(old: &Plan, new: &Plan, fresh: &[String]) -> Plan {
    let mut p = Plan {
        lab: new.lab.clone(),
        sysctls: only_in(&new.sysctls, &old.sysctls),
        link_sysctls: only_in(&new.link_sysctls, &old.link_sysctls),
        bridges: only_in(&new.bridges, &old.bridges),
        veths: only_in(&new.veths, &old.veths),
        vlans: only_in(&new.vlans, &old.vlans),
        addrs: only_in(&new.addrs, &old.addrs),
        routes: only_in(&new.routes, &old.routes),
        route_dels: only_in(&new.route_dels, &old.route_dels),
        rules: only_in(&new.rules, &old.rules),
        neighbours: only_in(&new.neighbours, &old.neighbours),
        lo_up: new.lo_up.iter().filter(|n| fresh.contains(n)).cloned().collect(),
        ..Plan::default()
    };
    let touched = touched(&p);
    p.namespaces =
        new.namespaces.iter().filter(|n| fresh.contains(n) || touched.contains(&n.as_str())).cloned().collect();
    p
}

/// Every namespace an object of the plan lives in.
fn touched(p: &Plan) -> Vec<&str> {
    let mut v: Vec<&str> = vec![];
    v.extend(p.sysctls.iter().chain(&p.link_sysctls).map(|s| s.ns.as_str()));
    v.extend(p.bridges.iter().map(|b| b.ns.as_str()));
    v.extend(p.veths.iter().flat_map(|l| [l.ns.as_str(), l.peer_ns.as_str()]));
    v.extend(p.vlans.iter().flat_map(|pair| pair.ends.iter().flat_map(|e| [e.ns.as_str(), e.lower_ns.as_str()])));
    v.extend(p.addrs.iter().map(|a| a.ns.as_str()));
    v.extend(p.routes.iter().chain(&p.route_dels).map(|r| r.ns.as_str()));
    v.extend(p.rules.iter().map(|r| r.ns.as_str()));
    v.extend(p.neighbours.iter().map(|n| n.ns.as_str()));
    v
}

/// What removes `objs` (a plan's objects) from the namespaces in `stay`: each link by one end
/// that stays, and what lives on links that stay; what lives on a link that goes, or in a
/// namespace that goes, goes with it.
fn removal(objs: &Plan, stay: &[String]) -> Removal {
    let stays = |ns: &str| stay.iter().any(|s| s == ns);
    let mut ends: Vec<(&str, &str)> = objs.bridges.iter().map(|b| (b.ns.as_str(), b.name.as_str())).collect();
    let mut links: Vec<LinkRef> = vec![];
    let link = |ns: &str, name: &str| LinkRef { ns: ns.into(), name: name.into() };
    for v in &objs.veths {
        ends.extend([(v.ns.as_str(), v.name.as_str()), (v.peer_ns.as_str(), v.peer_name.as_str())]);
        if stays(&v.ns) {
            links.push(link(&v.ns, &v.name));
        } else if stays(&v.peer_ns) {
            links.push(link(&v.peer_ns, &v.peer_name));
        }
    }
    for e in objs.vlans.iter().flat_map(|pair| pair.ends.iter()) {
        ends.push((e.ns.as_str(), e.name.as_str()));
        if stays(&e.ns) {
            links.push(link(&e.ns, &e.name));
        }
    }
    links.extend(objs.bridges.iter().filter(|b| stays(&b.ns)).map(|b| link(&b.ns, &b.name)));
    let on_staying = |ns: &str, dev: Option<&str>| stays(ns) && dev.is_none_or(|d| !ends.contains(&(ns, d)));
    Removal {
        neighbours: objs.neighbours.iter().filter(|n| on_staying(&n.ns, Some(&n.dev))).cloned().collect(),
        rules: objs.rules.iter().filter(|r| stays(&r.ns)).cloned().collect(),
        routes: objs.routes.iter().filter(|r| on_staying(&r.ns, r.dev.as_deref())).cloned().collect(),
        addrs: objs.addrs.iter().filter(|a| on_staying(&a.ns, Some(&a.dev))).cloned().collect(),
        links,
    }
}

/// What of `removed` (in the namespaces that stay) the kernel would refuse `add` beside: a
/// route of the same destination and table, an address of the same link, a link of the same name.
fn in_the_way(removed: &Plan, add: &Plan, stay: &[String]) -> Removal {
    let stays = |ns: &str| stay.iter().any(|s| s == ns);
    let mut made: Vec<(&str, &str)> = add.bridges.iter().map(|b| (b.ns.as_str(), b.name.as_str())).collect();
    made.extend(
        add.veths.iter().flat_map(|v| [(v.ns.as_str(), v.name.as_str()), (v.peer_ns.as_str(), v.peer_name.as_str())]),
    );
    made.extend(add.vlans.iter().flat_map(|p| p.ends.iter().map(|e| (e.ns.as_str(), e.name.as_str()))));
    Removal {
        routes: (removed.routes.iter())
            .filter(|r| stays(&r.ns) && add.routes.iter().any(|a| a.ns == r.ns && a.dst == r.dst && a.table == r.table))
            .cloned()
            .collect(),
        addrs: (removed.addrs.iter())
            .filter(|r| stays(&r.ns) && add.addrs.iter().any(|a| a.ns == r.ns && a.dev == r.dev && a.ip == r.ip))
            .cloned()
            .collect(),
        links: removal(removed, stay)
            .links
            .into_iter()
            .filter(|l| made.contains(&(l.ns.as_str(), l.name.as_str())))
            .collect(),
        ..Removal::default()
    }
}

/// One batch per namespace of `to` (or of `from`, not fresh) whose rulesets differ: a fresh
/// namespace gets its rulesets as `up` applies them; one that exists gets them replacing its
/// tables, and the tables `to` no longer has deleted, in the same batch.
fn firewall_changes(from: &Plan, to: &Plan, fresh: &[String]) -> Vec<Firewall> {
    let of =
        |p: &Plan, ns: &str| p.firewalls.iter().filter(|f| f.ns == ns).map(|f| f.ruleset.clone()).collect::<Vec<_>>();
    let mut names: Vec<&String> = to.firewalls.iter().map(|f| &f.ns).collect();
    names.extend(from.firewalls.iter().map(|f| &f.ns).filter(|n| to.namespaces.contains(n)));
    let mut seen: Vec<&String> = vec![];
    let mut out = vec![];
    for ns in names {
        if seen.contains(&ns) {
            continue;
        }
        seen.push(ns);
        let (before, after) = (of(from, ns), of(to, ns));
        if before == after {
            continue;
        }
        if fresh.contains(ns) {
            out.extend(to.firewalls.iter().filter(|f| &f.ns == ns).cloned());
            continue;
        }
        out.push(Firewall { ns: ns.clone(), ruleset: nft::swap(&before, &after) });
    }
    out
}

/// Wall time of each step.
struct Clock {
    timings: Timings,
    at: Instant,
    total: Instant,
}

impl Clock {
    fn new() -> Self {
        Clock { timings: Timings::default(), at: Instant::now(), total: Instant::now() }
    }

    fn lap(&mut self, name: &str) {
        self.timings.0.push((name.to_string(), self.at.elapsed()));
        self.at = Instant::now();
    }

    fn done(mut self) -> Timings {
        self.timings.0.push(("total".into(), self.total.elapsed()));
        self.timings
    }
}

/// Take the running lab from `old` (the plan it runs) to `new` (the plan of `lab`), under the
/// lab's lock. Saves `lab` as the model of record when done. On failure before anything of the
/// old lab was removed, what this update made is removed again and the lab is as it was.
pub async fn update<K: Kernel>(
    kernel: &K,
    store: &Store,
    lab: &Lab,
    old: &Plan,
    new: &Plan,
) -> Result<Timings, UpdateError> {
    let state = |e: std::io::Error| UpdateError::State(e.to_string());
    let _lock = lock(store, &lab.name).await?;
    // The model first: its error says when the lab is not up.
    let before_lab = store.load_lab(&lab.name).map_err(state)?;
    let before = store.load_journal(&lab.name).map_err(state)?;
    let diff = Diff::of(old, new);
    let mut journal = before.clone();
    journal.namespaces.extend(diff.fresh.iter().filter(|n| !before.namespaces.contains(n)).cloned());
    store.save_journal(&journal).map_err(state)?;
    let mut clock = Clock::new();
    let mut created = vec![];
    let r = AssertUnwindSafe(make(kernel, store, lab, &diff, &mut journal, &mut created, &mut clock))
        .catch_unwind()
        .await
        .unwrap_or_else(|p| Err(UpdateError::Panicked(super::up::panic_text(p.as_ref()))));
    if let Err(e) = r {
        let msg = tr!("update-rolling-back", "update of { $lab } failed, undoing it", lab = lab.name);
        tracing::warn!("{msg}");
        if let Err(e) = store.save_lab(&before_lab) {
            tracing::warn!("{e}");
        }
        undo(kernel, store, &diff, &created, &journal, before).await;
        return Err(e);
    }
    let now = super::sandbox::container_ids(lab);
    let gone_ids: Vec<String> =
        super::sandbox::container_ids(&before_lab).into_iter().filter(|id| !now.contains(id)).collect();
    let left = take_away(kernel, &diff, &gone_ids, &mut journal).await;
    clock.lap("remove");
    store.save_journal(&journal).map_err(state)?;
    match left {
        Some(e) => Err(UpdateError::LeftOver(e)),
        None => Ok(clock.done()),
    }
}

/// The lab's lock, waited for at most [`LOCK_WAIT`] on a blocking thread (the caller may be
/// the agent's runtime, which serves the lab meanwhile).
async fn lock(store: &Store, lab: &str) -> Result<super::state::LabLock, UpdateError> {
    let (store, lab) = (store.clone(), lab.to_string());
    tokio::task::spawn_blocking(move || {
        let waiting = |pid: Option<i32>| super::state::warn_busy(&lab, pid);
        let asked = Instant::now();
        let give_up = || asked.elapsed() > LOCK_WAIT;
        store.lock(&lab, waiting, &give_up).map_err(|e| match e.kind() {
            std::io::ErrorKind::Interrupted => UpdateError::State(busy(&lab)),
            _ => UpdateError::State(e.to_string()),
        })
    })
    .await
    .map_err(|e| UpdateError::State(e.to_string()))?
}

/// Make what is new, in `up`'s order: namespaces, sysctls, links, addresses and link sysctls,
/// routes and neighbours, then the rulesets, the containers' files and the processes.
async fn make<K: Kernel>(
    kernel: &K,
    store: &Store,
    lab: &Lab,
    diff: &Diff,
    journal: &mut Journal,
    created: &mut Vec<String>,
    clock: &mut Clock,
) -> Result<(), UpdateError> {
    let add = &diff.add;
    remove_objects(kernel, &diff.early).await?;
    if !add.namespaces.is_empty() {
        // The sysctls of what is added may name namespaces that were there before.
        kernel.create_namespaces(&diff.fresh, &[], created).await?;
        kernel.sysctls(add, &add.sysctls).await?;
        clock.lap("namespaces");
        let nl = kernel.connect_running(add, &diff.fresh).await?;
        kernel.links(&nl, add).await?;
        kernel.addresses(&nl, add).await?;
        kernel.link_sysctls(&nl, add, &add.link_sysctls).await?;
        kernel.routes(&nl, add).await?;
        kernel.neighbours(&nl, add).await?;
        kernel.links_active(&nl, add).await?;
        drop(nl);
        clock.lap("links");
    }
    if !diff.firewalls.is_empty() {
        let fw = Plan { lab: add.lab.clone(), firewalls: diff.firewalls.clone(), ..Plan::default() };
        kernel.firewalls(&fw).await?;
        clock.lap("firewall");
    }
    // The processes find what they play in the lab's model.
    let dir = store.dir(&lab.name);
    let st = |e: std::io::Error| UpdateError::State(format!("{}: {e}", dir.display()));
    store.save_lab(lab).map_err(st)?;
    start(kernel, store, lab, &diff.start, journal).await?;
    clock.lap("processes");
    Ok(())
}

/// Start processes as `up` does, each journalled as it starts; a task whose start the agent
/// stopped runs no program.
async fn start<K: Kernel>(
    kernel: &K,
    store: &Store,
    lab: &Lab,
    list: &[Process],
    journal: &mut Journal,
) -> Result<(), UpdateError> {
    let dir = store.dir(&lab.name);
    let stopped = super::up::not_started(&dir);
    for p in list {
        if let ProcessKind::Command { .. } = p.kind
            && stopped.iter().any(|t| p.role.starts_with(&format!("command task/{t}/")))
        {
            continue;
        }
        // A process that changes (same role) is stopped first: the new one may need its port.
        if let Some(i) = journal.processes.iter().position(|r| r.role == p.role) {
            let old = journal.processes.remove(i);
            kernel.stop(std::slice::from_ref(&old));
        }
        journal.processes.push(kernel.spawn(&lab.name, &dir, p).await?);
        store.save_journal(journal).map_err(|e| UpdateError::State(e.to_string()))?;
    }
    Ok(())
}

/// The journal's records of these processes (by role).
fn records(journal: &Journal, list: &[Process]) -> Vec<ProcRecord> {
    journal.processes.iter().filter(|r| list.iter().any(|p| p.role == r.role)).cloned().collect()
}

/// Remove what the new lab no longer has: its processes (and its containers' cgroups), its
/// objects in the namespaces that stay, its namespaces (dropped from the journal once deleted). Tries everything; returns the
/// first error.
async fn take_away<K: Kernel>(
    kernel: &K,
    diff: &Diff,
    containers: &[String],
    journal: &mut Journal,
) -> Option<ApplyError> {
    // Those that changed were stopped as their new versions started.
    let gone: Vec<Process> =
        diff.stop.iter().filter(|p| !diff.start.iter().any(|s| s.role == p.role)).cloned().collect();
    let stop = records(journal, &gone);
    kernel.stop(&stop);
    journal.processes.retain(|r| !stop.contains(r));
    let mut first = None;
    // What the departed containers' programs started, and `exec` sessions into them.
    for id in containers {
        if let Err(e) = kernel.remove_container_cgroup(&journal.lab, id) {
            first.get_or_insert(super::kernel::fail(format!("cgroup of container {id}"), e));
        }
    }
    if let Err(e) = remove_objects(kernel, &diff.remove).await {
        first.get_or_insert(e);
    }
    for n in &diff.gone {
        match kernel.delete_namespace(n) {
            Ok(_) => journal.namespaces.retain(|j| j != n),
            Err(e) => {
                first.get_or_insert(super::kernel::fail(format!("namespace {n}"), e));
            }
        }
    }
    first
}

/// `r` removed through connections to the namespaces it names (none when it is empty).
async fn remove_objects<K: Kernel>(kernel: &K, r: &Removal) -> Result<(), ApplyError> {
    if r.is_empty() {
        return Ok(());
    }
    let mut names: Vec<String> = r.links.iter().map(|l| l.ns.clone()).collect();
    names.extend(r.addrs.iter().map(|a| a.ns.clone()));
    names.extend(r.routes.iter().map(|x| x.ns.clone()));
    names.extend(r.rules.iter().map(|x| x.ns.clone()));
    names.extend(r.neighbours.iter().map(|x| x.ns.clone()));
    names.sort();
    names.dedup();
    let plan = Plan { namespaces: names, ..Plan::default() };
    let nl = kernel.connect_running(&plan, &[]).await?;
    kernel.remove(&nl, r).await
}

/// Put back the routes and addresses removed early (links removed early are not remade).
async fn restore<K: Kernel>(kernel: &K, early: &Removal) -> Result<(), ApplyError> {
    if early.routes.is_empty() && early.addrs.is_empty() {
        return Ok(());
    }
    let mut namespaces: Vec<String> = early.routes.iter().map(|r| r.ns.clone()).collect();
    namespaces.extend(early.addrs.iter().map(|a| a.ns.clone()));
    namespaces.sort();
    namespaces.dedup();
    let p = Plan { namespaces, routes: early.routes.clone(), addrs: early.addrs.clone(), ..Plan::default() };
    let nl = kernel.connect_running(&p, &[]).await?;
    kernel.addresses(&nl, &p).await?;
    kernel.routes(&nl, &p).await
}

/// Undo a failed update: stop what it started, remove what it made in the namespaces that
/// stay, restore their rulesets, delete the namespaces it created, restore the journal.
async fn undo<K: Kernel>(
    kernel: &K,
    store: &Store,
    diff: &Diff,
    created: &[String],
    journal: &Journal,
    before: Journal,
) {
    let started: Vec<ProcRecord> =
        journal.processes.iter().filter(|r| !before.processes.contains(r)).cloned().collect();
    kernel.stop(&started);
    if let Err(e) = remove_objects(kernel, &diff.unadd).await {
        tracing::warn!("{e}");
    }
    if let Err(e) = restore(kernel, &diff.early).await {
        tracing::warn!("{e}");
    }
    let fw = Plan { firewalls: diff.unfirewalls.clone(), ..Plan::default() };
    if let Err(e) = kernel.firewalls(&fw).await {
        tracing::warn!("{e}");
    }
    for n in created {
        let _ = kernel.delete_namespace(n);
    }
    let before = restart(kernel, store, diff, journal, before).await;
    if let Err(e) = store.save_journal(&before) {
        tracing::warn!("{e}");
    }
}

/// Start again the old versions of the processes a failed update stopped to replace them
/// (the old model is back on disk); returns the journal with their new records.
async fn restart<K: Kernel>(kernel: &K, store: &Store, diff: &Diff, journal: &Journal, mut before: Journal) -> Journal {
    let dir = store.dir(&before.lab);
    let lost: Vec<ProcRecord> = before.processes.iter().filter(|r| !journal.processes.contains(r)).cloned().collect();
    for rec in lost {
        let Some(p) = diff.stop.iter().find(|p| p.role == rec.role) else { continue };
        let again = kernel.spawn(&before.lab, &dir, p).await;
        before.processes.retain(|r| r != &rec);
        match again {
            Ok(r) => before.processes.push(r),
            Err(e) => tracing::warn!("{e}"),
        }
    }
    before
}
