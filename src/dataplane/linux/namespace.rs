//! Named network namespaces of a lab: created several at a time (by a few threads that each
//! make one after another, see `sys::netns`), deleted and listed by name.

use crate::dataplane::kernel::{ApplyError, fail};
use crate::model::ids;
use crate::plan::Sysctl;
use crate::sys::netns;
use std::io;

/// Threads making namespaces at once: creation is the kernel's, partly under its RTNL lock, so
/// a few more than the CPUs keep both busy (at 1,000 tasks, 2 to 64 threads all made the
/// namespaces within the run-to-run spread; a thread per namespace cost a thread each).
const WORKERS: usize = 8;

fn lab_of(ns: &str) -> &str {
    ns.strip_prefix(ids::NS_PREFIX).and_then(|r| r.split('.').next()).unwrap_or(ns)
}

/// Create the namespaces, each with its sysctls written by the thread that made it, right
/// after `unshare` (before any link exists: links inherit the namespace's `default` keys),
/// on a few threads that each make one after another. Returns the ones created, even on
/// error, through `created`. Every thread has finished when this returns, so a rollback
/// never races a namespace still being made; a thread the machine refuses is an error, never
/// a panic. Blocking, but `up` has nothing else to do then.
pub async fn create(names: &[String], sysctls: &[Sysctl], created: &mut Vec<String>) -> Result<(), ApplyError> {
    netns::ensure_dir().map_err(|e| fail(netns::NETNS_DIR, e))?;
    let by_ns = super::sysctl::by_namespace(sysctls);
    let results = crate::sys::thread::workers(names, WORKERS, |n| {
        let list = by_ns.get(n).map(|v| v.as_slice()).unwrap_or(&[]);
        netns::create_here(n, || super::sysctl::write_here(n, list))
    });
    let mut first_err = None;
    for (n, r) in names.iter().zip(results) {
        match r {
            Ok(init) => {
                created.push(n.clone());
                if let Err(e) = init {
                    first_err.get_or_insert(fail(format!("namespace {n}"), e));
                }
            }
            Err(e) => {
                let e = e.to_string();
                let e = if e.contains("File exists") {
                    format!("{e}: a leftover of an earlier run of this lab? remove it with `ecsnet down {}`", lab_of(n))
                } else {
                    e
                };
                first_err.get_or_insert(fail(format!("namespace {n}"), e));
            }
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Delete a namespace; `Ok(false)` when there was none of that name.
pub fn delete(name: &str) -> io::Result<bool> {
    if !netns::path(name).exists() {
        return Ok(false);
    }
    netns::delete(name)?;
    Ok(true)
}

/// Namespaces deleted at once by [`delete_all`].
const DELETERS: usize = 64;

/// Delete namespaces from several threads at once: each unmount ends by waiting for an RCU
/// grace period, which concurrent unmounts share (1,042 namespaces: 240 ms one after another,
/// 50 ms from 64 threads). One that failed, or that no thread could take (a pids limit, the
/// rollback of an `up` that hit it), is tried again on the calling thread.
pub fn delete_all(names: &[String]) -> Vec<io::Result<bool>> {
    let results = crate::sys::thread::workers(names, DELETERS, |n| delete(n));
    names.iter().zip(results).map(|(n, r)| r.or_else(|_| delete(n))).collect()
}
