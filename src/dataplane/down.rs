//! `down` and `all_labs`, over any kernel: a lab is found from its journal and also from what
//! carries its name (namespaces by prefix, processes by their ownership mark), so a lab whose
//! `up` was killed, or whose state directory was lost, is still removed completely.

use super::kernel::Kernel;
use super::state::Store;
use crate::model::ids;

/// What `down` removed.
#[derive(Debug, Default, serde::Serialize)]
pub struct DownReport {
    pub lab: String,
    pub processes: usize,
    pub namespaces: usize,
    pub errors: Vec<String>,
}

/// Remove everything of a lab: processes (journal + marks), namespaces (journal + prefix),
/// cgroups, state. Idempotent; never touches anything that does not carry the lab's mark.
pub fn down<K: Kernel>(kernel: &K, store: &Store, lab: &str) -> DownReport {
    let mut rep = DownReport { lab: lab.to_string(), ..Default::default() };
    let journal = store.load_journal(lab).ok();
    let mut recs = journal.as_ref().map(|j| j.processes.clone()).unwrap_or_default();
    for (r, _) in kernel.marked(Some(lab)) {
        if !recs.iter().any(|x| x.pid == r.pid) {
            recs.push(r);
        }
    }
    rep.processes = kernel.stop(&recs);
    let mut names: Vec<String> = journal.map(|j| j.namespaces).unwrap_or_default();
    for n in kernel.namespaces(&ids::ns_prefix(lab)) {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    for n in &names {
        match kernel.delete_namespace(n) {
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
    rep
}

/// Every lab known on this machine: state directories, namespaces and marked processes.
pub fn all_labs<K: Kernel>(kernel: &K, store: &Store) -> Vec<String> {
    let mut v = store.labs();
    for n in kernel.namespaces(ids::NS_PREFIX) {
        if let Some(lab) = n.strip_prefix(ids::NS_PREFIX).and_then(|r| r.split('.').next()) {
            if !v.iter().any(|x| x == lab) {
                v.push(lab.to_string());
            }
        }
    }
    for (_, lab) in kernel.marked(None) {
        if !v.contains(&lab) {
            v.push(lab);
        }
    }
    v.sort();
    v
}
