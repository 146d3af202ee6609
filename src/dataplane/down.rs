//! `down` and `all_labs`, over any kernel: a lab is found from its journal and also from what
//! carries its name (namespaces by prefix, processes by their ownership mark), so a lab whose
//! `up` was killed, or whose state directory was lost, is still removed completely.

use super::kernel::Kernel;
use super::state::{Journal, ProcRecord, Store};
use crate::i18n::tr;
use crate::model::ids;

/// What `down` removed.
#[derive(Debug, Default, serde::Serialize)]
pub struct DownReport {
    pub lab: String,
    pub processes: usize,
    pub namespaces: usize,
    pub errors: Vec<String>,
    /// Journal entries that are not the lab's (a foreign namespace, an unrelated process),
    /// left alone: each says what it was and why.
    pub skipped: Vec<String>,
    /// The whole lab was left alone (another run's or another user's; see `skipped`).
    pub left_alone: bool,
}

/// Remove everything of a lab: processes (journal + marks), namespaces (journal + prefix),
/// cgroups, state. Idempotent. The journal is not trusted: only what the lab made is touched
/// (its own namespace names, its own processes, its own cgroup, its own state directory).
pub fn down<K: Kernel>(kernel: &K, store: &Store, lab: &str) -> DownReport {
    down_of(kernel, store, lab, &Only::default())
}

/// Which lab of a name `down` may remove, decided from its journal under the lab's lock (a
/// lab whose journal is lost is anyone's leftover).
#[derive(Clone, Debug, Default)]
pub struct Only {
    /// The run that built it (a journal's `owner`): a background `down` handed over by an
    /// interrupted run may start late, and must not remove a lab of that name built since.
    pub owner: Option<String>,
    /// The user who built it (`down --all` without `--everyone`).
    pub user: Option<u32>,
}

/// `down`, but only of the lab `only` allows; another is left alone, said in `skipped`.
pub fn down_of<K: Kernel>(kernel: &K, store: &Store, lab: &str, only: &Only) -> DownReport {
    let mut rep = DownReport { lab: lab.to_string(), ..Default::default() };
    if !ids::valid_lab_name(lab) {
        rep.errors.push(tr!("down-not-a-lab-name", "`{ $lab }` is not a lab name", lab = lab));
        return rep;
    }
    // Waits for an `up` of this lab in progress (it holds the lock until it succeeded or rolled
    // back), so `down` never empties a lab that `up` then reports as built.
    let waiting = |pid: Option<i32>| super::state::warn_busy(lab, pid);
    let lock = match store.lock(lab, waiting, &|| false) {
        Ok(l) => Some(l),
        // Nothing is touched while someone else works on the lab.
        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
            rep.errors.push(e.to_string());
            return rep;
        }
        // No lock to be had at all (a read-only /run): the lab is removed all the same.
        Err(e) => {
            rep.skipped.push(tr!("down-skipped-lock", "the lab's lock ({ $error })", error = e));
            None
        }
    };
    let journal = store.load_journal(lab).ok();
    if let Some(j) = &journal {
        if only.owner.as_ref().is_some_and(|o| *o != j.owner) {
            rep.skipped.push(tr!("down-built-since", "built since by another run ({ $owner })", owner = j.owner));
            rep.left_alone = true;
            return rep;
        }
        if let (Some(mine), Some(theirs)) = (only.user, j.user) {
            if mine != theirs {
                rep.skipped.push(tr!(
                    "down-another-user",
                    "another user's (uid { $uid }); --everyone removes it too",
                    uid = theirs
                ));
                rep.left_alone = true;
                return rep;
            }
        }
    }
    rep.processes = kernel.stop(&processes(kernel, store, lab, journal.as_ref(), &mut rep.skipped));
    // What the stopped processes forked meanwhile (a shell loop in an `exec` session).
    for _ in 0..3 {
        let late = kernel.inside(lab);
        if late.is_empty() {
            break;
        }
        rep.processes += kernel.stop(&late);
    }
    let mut names = vec![];
    for n in journal.map(|j| j.namespaces).unwrap_or_default() {
        if ids::is_lab_ns(lab, &n) {
            names.push(n);
        } else {
            rep.skipped.push(tr!(
                "down-foreign-namespace",
                "namespace `{ $ns }`: not one of lab { $lab }'s",
                ns = n,
                lab = lab
            ));
        }
    }
    for n in kernel.namespaces(&ids::ns_prefix(lab)) {
        if !names.contains(&n) && ids::is_lab_ns(lab, &n) {
            names.push(n);
        }
    }
    for (n, r) in names.iter().zip(kernel.delete_namespaces(&names)) {
        match r {
            Ok(true) => rep.namespaces += 1,
            Ok(false) => {}
            Err(e) => rep.errors.push(format!("namespace {n}: {e}")),
        }
    }
    // After the processes: a cgroup is removed once nothing runs in it.
    if let Err(e) = kernel.remove_cgroups(lab) {
        rep.errors.push(format!("cgroups: {e}"));
    }
    if let Err(e) = store.remove(lab) {
        rep.errors.push(format!("{}: {e}", store.dir(lab).display()));
    }
    if let Some(l) = lock {
        l.remove();
    }
    rep
}

/// The processes to stop: the journal's that are still the lab's (see `Kernel::owns_process`),
/// those carrying the lab's mark, and those inside the lab (its namespaces, its cgroup). The others are skipped, named in `skipped`.
fn processes<K: Kernel>(
    kernel: &K,
    store: &Store,
    lab: &str,
    journal: Option<&Journal>,
    skipped: &mut Vec<String>,
) -> Vec<ProcRecord> {
    let dir = store.dir(lab);
    let found = kernel.lab_processes(lab);
    let known: std::collections::HashSet<(i32, u64)> = found.iter().map(|r| (r.pid, r.start_time)).collect();
    let mut recs = vec![];
    for r in journal.map(|j| j.processes.as_slice()).unwrap_or_default() {
        if known.contains(&(r.pid, r.start_time)) {
            // Found marked or inside the lab just now: stopped below, no proof needed twice.
        } else if kernel.owns_process(lab, &dir, r) {
            recs.push(r.clone());
        } else if !crate::sys::proc::zombie(r.pid) {
            // (A zombie is a dead process nobody reaped yet: nothing to stop, nothing to say.)
            skipped.push(tr!(
                "down-foreign-process",
                "process { $pid } ({ $role }): not lab { $lab }'s (start time or ownership differs)",
                pid = r.pid,
                role = r.role,
                lab = lab
            ));
        }
    }
    for r in found {
        if !recs.iter().any(|x| x.pid == r.pid) {
            recs.push(r);
        }
    }
    recs
}

/// Every lab known on this machine: state directories, namespaces, marked processes and
/// cgroups (where an `exec` session that cleared its environment may still run).
pub fn all_labs<K: Kernel>(kernel: &K, store: &Store) -> Vec<String> {
    let mut v = store.labs();
    for n in kernel.namespaces(ids::NS_PREFIX) {
        if let Some(lab) = n.strip_prefix(ids::NS_PREFIX).and_then(|r| r.split('.').next()) {
            if !v.iter().any(|x| x == lab) {
                v.push(lab.to_string());
            }
        }
    }
    let marked = kernel.marked(None).into_iter().map(|(_, lab)| lab);
    for lab in marked.chain(kernel.cgroup_labs()).chain(store.locked_labs()) {
        if !v.contains(&lab) {
            v.push(lab);
        }
    }
    v.sort();
    v
}
