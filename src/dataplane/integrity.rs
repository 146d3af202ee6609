//! Is a running lab still what `up` built? Before `check` and `test` probe, every namespace,
//! link, ruleset and process `up` made is looked for, so that a lab changed from outside (a
//! deleted namespace or veth, a flushed ruleset, a killed agent) is reported as damage instead
//! of being judged as the network's answer (or as a disagreement between the analyzer and the
//! packets). Read-only: nothing is repaired.

use super::linux::process;
use super::state::Journal;
use crate::plan::Plan;
use crate::sys::{link, netns};
use std::collections::{BTreeMap, BTreeSet};

/// How a link must be found: a bridge only up (one with no port has no carrier), a veth or
/// VLAN end up with carrier (its peer is there and up).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    Up,
    Running,
}

/// The links `up` made, per namespace.
fn links(plan: &Plan) -> BTreeMap<String, Vec<(String, Want)>> {
    let mut m: BTreeMap<String, Vec<(String, Want)>> = BTreeMap::new();
    for b in &plan.bridges {
        m.entry(b.ns.clone()).or_default().push((b.name.clone(), Want::Up));
    }
    for v in &plan.veths {
        m.entry(v.ns.clone()).or_default().push((v.name.clone(), Want::Running));
        m.entry(v.peer_ns.clone()).or_default().push((v.peer_name.clone(), Want::Running));
    }
    for p in &plan.vlans {
        for e in &p.ends {
            m.entry(e.ns.clone()).or_default().push((e.name.clone(), Want::Running));
        }
    }
    m
}

/// What is wrong with one link, looked at from inside its namespace.
fn link_problem(ns: &str, name: &str, want: Want) -> Option<String> {
    let r = match want {
        Want::Up => link::up(name),
        Want::Running => link::running(name),
    };
    match r {
        Ok(true) => None,
        Ok(false) if want == Want::Up => Some(format!("link {name} in {ns} is down")),
        Ok(false) => Some(format!("link {name} in {ns} is down or has no carrier (its peer is gone or down)")),
        Err(e) if e.raw_os_error() == Some(libc::ENODEV) => Some(format!("link {name} in {ns} is gone")),
        Err(e) => Some(format!("link {name} in {ns}: {e}")),
    }
}

/// The rules of table `inet ecsnet` in the calling thread's namespace, or why there are none.
fn rules_here() -> Result<usize, String> {
    use nftables::schema::{NfListObject, NfObject};
    let args = ["list", "table", "inet", crate::plan::nft::TABLE];
    let set = nftables::helper::get_current_ruleset_with_args(Some(crate::sys::nft::program()), &args).map_err(
        |e| match e {
            nftables::helper::NftablesError::NftFailed { stderr, .. } if stderr.contains("No such file") => {
                "No such file".to_string()
            }
            nftables::helper::NftablesError::NftFailed { stderr, .. } => stderr.trim().to_string(),
            e => e.to_string(),
        },
    )?;
    Ok(set.objects.iter().filter(|o| matches!(o, NfObject::ListObject(NfListObject::Rule(_)))).count())
}

/// How many rules the plan loads into a namespace's table.
fn planned_rules(fw: &crate::plan::Firewall) -> usize {
    use nftables::schema::{NfCmd, NfListObject, NfObject};
    fw.ruleset.objects.iter().filter(|o| matches!(o, NfObject::CmdObject(NfCmd::Add(NfListObject::Rule(_))))).count()
}

/// What is wrong with each namespace's ruleset, checked a few namespaces at a time (each
/// check is one `nft` started from a thread inside the namespace).
fn ruleset_problems(plan: &Plan, present: &BTreeSet<String>) -> Vec<String> {
    let fws: Vec<&crate::plan::Firewall> = plan.firewalls.iter().filter(|f| present.contains(&f.ns)).collect();
    let mut out = vec![];
    for chunk in fws.chunks(16) {
        let found: Vec<std::io::Result<Result<usize, String>>> = std::thread::scope(|s| {
            let jobs: Vec<_> = chunk
                .iter()
                .map(|fw| {
                    let ns = fw.ns.clone();
                    std::thread::Builder::new().spawn_scoped(s, move || netns::run_in(&ns, || Ok(rules_here())))
                })
                .collect();
            jobs.into_iter()
                .map(|j| match j {
                    Ok(h) => h.join().unwrap_or_else(|_| Err(std::io::Error::other("ruleset thread panicked"))),
                    Err(e) => Err(e),
                })
                .collect()
        });
        for (fw, r) in chunk.iter().zip(found) {
            let want = planned_rules(fw);
            match r {
                Ok(Ok(n)) if n == want => {}
                Ok(Ok(n)) => out.push(format!("table inet ecsnet in {} has {n} rules, {want} were loaded", fw.ns)),
                Ok(Err(e)) if e.contains("No such file") => out.push(format!("table inet ecsnet in {} is gone", fw.ns)),
                Ok(Err(e)) => out.push(format!("table inet ecsnet in {}: {e}", fw.ns)),
                Err(e) => out.push(format!("ruleset of {}: {e}", fw.ns)),
            }
        }
    }
    out
}

/// What is no longer as `up` built it: one line per missing or changed object, empty when the
/// lab is intact.
pub fn damage(plan: &Plan, journal: &Journal) -> Vec<String> {
    let mut out = vec![];
    if !journal.complete {
        out.push("its `up` did not finish (interrupted or killed): remove it with `ecsnet down`".to_string());
    }
    let present: BTreeSet<String> = netns::list(&crate::model::ids::ns_prefix(&plan.lab)).into_iter().collect();
    for n in plan.namespaces.iter().filter(|n| !present.contains(*n)) {
        out.push(format!("namespace {n} is gone"));
    }
    let per_ns: Vec<(String, Vec<(String, Want)>)> =
        links(plan).into_iter().filter(|(ns, _)| present.contains(ns)).collect();
    let names: Vec<String> = per_ns.iter().map(|(ns, _)| ns.clone()).collect();
    let found = netns::run_each(names, move |ns| {
        let want = per_ns.iter().find(|(n, _)| n == ns).map(|(_, l)| l.clone()).unwrap_or_default();
        Ok(want.iter().filter_map(|(name, w)| link_problem(ns, name, *w)).collect::<Vec<String>>())
    });
    match found {
        Ok(v) => out.extend(v.into_iter().flatten()),
        Err(e) => out.push(format!("links: {e}")),
    }
    out.extend(ruleset_problems(plan, &present));
    for r in &journal.processes {
        if !process::alive(r) {
            out.push(format!("{} (pid {}) is not running", r.role, r.pid));
        }
    }
    out
}

/// The damage in a few lines for a report: the first ten, then how many more.
pub fn summary(damage: &[String]) -> String {
    let mut s: Vec<String> = damage.iter().take(10).cloned().collect();
    if damage.len() > 10 {
        s.push(format!("and {} more", damage.len() - 10));
    }
    format!(
        "the lab is damaged, not as `up` built it (changed from outside ecsnet?): {}. No verdict was given: rebuild it with `ecsnet down` and `ecsnet up`",
        s.join("; ")
    )
}
