//! Named network namespaces of a lab: created several at a time (each by a short thread, see
//! `sys::netns`), deleted and listed by name.

use crate::dataplane::kernel::{ApplyError, fail};
use crate::model::ids;
use crate::sys::netns;
use std::io;

fn lab_of(ns: &str) -> &str {
    ns.strip_prefix(ids::NS_PREFIX).and_then(|r| r.split('.').next()).unwrap_or(ns)
}

/// Create the namespaces, up to 64 at a time, each on a short thread of its own. Returns the
/// ones created, even on error, through `created`. Every thread has finished when this
/// returns, so a rollback never races a namespace still being made; a thread the machine
/// refuses is an error, never a panic. Blocking, but `up` has nothing else to do then.
pub async fn create(names: &[String], created: &mut Vec<String>) -> Result<(), ApplyError> {
    netns::ensure_dir().map_err(|e| fail(netns::NETNS_DIR, e))?;
    let results = crate::sys::thread::each(names, 64, |n| netns::create(n));
    let mut first_err = None;
    for (n, r) in names.iter().zip(results) {
        match r {
            Ok(()) => created.push(n.clone()),
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
