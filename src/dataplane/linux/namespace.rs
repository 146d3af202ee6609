//! Named network namespaces of a lab: created several at a time (each by a short thread, see
//! `sys::netns`), deleted and listed by name.

use crate::dataplane::kernel::{ApplyError, fail};
use crate::model::ids;
use crate::sys::netns;
use std::io;

fn lab_of(ns: &str) -> &str {
    ns.strip_prefix(ids::NS_PREFIX).and_then(|r| r.split('.').next()).unwrap_or(ns)
}

/// Create the namespaces (several threads at once). Returns the ones created, even on error,
/// through `created`.
pub async fn create(names: &[String], created: &mut Vec<String>) -> Result<(), ApplyError> {
    tokio::task::spawn_blocking(netns::ensure_dir)
        .await
        .map_err(|e| fail(netns::NETNS_DIR, e))?
        .map_err(|e| fail(netns::NETNS_DIR, e))?;
    let chunks: Vec<Vec<String>> = names.chunks(64).map(|c| c.to_vec()).collect();
    let mut first_err = None;
    for chunk in chunks {
        let jobs: Vec<_> = chunk
            .into_iter()
            .map(|n| tokio::task::spawn_blocking(move || (netns::create(&n).map_err(|e| e.to_string()), n)))
            .collect();
        for j in jobs {
            match j.await {
                Ok((Ok(()), n)) => created.push(n),
                Ok((Err(e), n)) => {
                    let e = if e.contains("File exists") {
                        format!(
                            "{e}: a leftover of an earlier run of this lab? remove it with `ecsnet down {}`",
                            lab_of(&n)
                        )
                    } else {
                        e
                    };
                    first_err.get_or_insert(fail(format!("namespace {n}"), e));
                }
                Err(e) => {
                    first_err.get_or_insert(fail("namespace", e));
                }
            }
        }
        if first_err.is_some() {
            break;
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
