//! Sysctls, written by one thread that enters each namespace in turn (/proc/sys shows the
//! namespace of the thread that reads it).

use crate::dataplane::kernel::{ApplyError, fail};
use crate::plan::{Plan, Sysctl};
use crate::sys::netns;
use std::collections::HashMap;
use std::sync::Arc;

/// Keys that may be missing from a kernel.
const OPTIONAL: &str = "net.bridge.";

pub async fn apply(plan: &Plan, list: &[Sysctl]) -> Result<(), ApplyError> {
    let mut by_ns: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for s in list {
        by_ns.entry(s.ns.clone()).or_default().push((s.key.clone(), s.value.clone()));
    }
    let names: Vec<String> = plan.namespaces.iter().filter(|n| by_ns.contains_key(*n)).cloned().collect();
    let by_ns = Arc::new(by_ns);
    tokio::task::spawn_blocking(move || {
        netns::run_each(names, move |ns| {
            for (k, v) in by_ns.get(ns).map(|v| v.as_slice()).unwrap_or(&[]) {
                let path = format!("/proc/sys/{}", k.replace('.', "/"));
                match std::fs::write(&path, v) {
                    // Bridge netfilter's keys exist only where br_netfilter is loaded; where it
                    // is not, bridged packets skip netfilter anyway, which is what 0 asks for.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound && k.starts_with(OPTIONAL) => {}
                    r => r.map_err(|e| std::io::Error::new(e.kind(), format!("sysctl {k}={v} in {ns}: {e}")))?,
                }
            }
            Ok(())
        })
    })
    .await
    .map_err(|e| fail("sysctls", e))?
    .map_err(|e| fail("sysctls", e))?;
    Ok(())
}
