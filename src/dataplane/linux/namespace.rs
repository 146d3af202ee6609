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
/// ones created, even on error, through `created`. Scoped threads: every thread has finished
/// when this returns, so a rollback never races a namespace still being made; a thread the
/// machine refuses is an error, never a panic. Blocking, but `up` has nothing else to do then.
pub async fn create(names: &[String], created: &mut Vec<String>) -> Result<(), ApplyError> {
    netns::ensure_dir().map_err(|e| fail(netns::NETNS_DIR, e))?;
    for chunk in names.chunks(64) {
        let results: Vec<(&String, std::io::Result<()>)> = std::thread::scope(|s| {
            let jobs: Vec<_> = chunk
                .iter()
                .map(|n| (n, std::thread::Builder::new().name("netns".into()).spawn_scoped(s, || netns::create(n))))
                .collect();
            jobs.into_iter()
                .map(|(n, j)| {
                    let r = match j {
                        Ok(h) => h.join().unwrap_or_else(|_| Err(std::io::Error::other("namespace thread panicked"))),
                        Err(e) => Err(e),
                    };
                    (n, r)
                })
                .collect()
        });
        let mut first_err = None;
        for (n, r) in results {
            match r {
                Ok(()) => created.push(n.clone()),
                Err(e) => {
                    let e = e.to_string();
                    let e = if e.contains("File exists") {
                        format!(
                            "{e}: a leftover of an earlier run of this lab? remove it with `ecsnet down {}`",
                            lab_of(n)
                        )
                    } else {
                        e
                    };
                    first_err.get_or_insert(fail(format!("namespace {n}"), e));
                }
            }
        }
        if let Some(e) = first_err {
            return Err(e);
        }
    }
    Ok(())
}

/// Delete a namespace; `Ok(false)` when there was none of that name.
pub fn delete(name: &str) -> io::Result<bool> {
    if !netns::path(name).exists() {
        return Ok(false);
    }
    netns::delete(name)?;
    Ok(true)
}
