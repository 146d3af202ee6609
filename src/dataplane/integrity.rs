//! Is a running lab still what `up` built? Before `check` and `test` probe, every namespace,
//! link, ruleset and process `up` made is looked for, so that a lab changed from outside (a
//! deleted namespace or veth, a flushed ruleset, a killed agent) is reported as damage instead
//! of being judged as the network's answer (or as a disagreement between the analyzer and the
//! packets). Read-only: nothing is repaired.

use super::linux::process;
use super::state::Journal;
use crate::i18n::tr;
use crate::plan::Plan;
use crate::sys::{link, netns};
use std::collections::{BTreeMap, BTreeSet};

/// The links `up` made, per namespace: both ends of every veth and VLAN pair and every
/// bridge. Each must exist and be up (IFF_UP). Carrier is not asked: the kernel reports it
/// (IFF_RUNNING) only once its link watcher ran, up to a second after `up`; a veth whose peer
/// was deleted is gone with it, one whose peer was set down shows at that peer.
fn links(plan: &Plan) -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for b in &plan.bridges {
        m.entry(b.ns.clone()).or_default().push(b.name.clone());
    }
    for v in &plan.veths {
        m.entry(v.ns.clone()).or_default().push(v.name.clone());
        m.entry(v.peer_ns.clone()).or_default().push(v.peer_name.clone());
    }
    for p in &plan.vlans {
        for e in &p.ends {
            m.entry(e.ns.clone()).or_default().push(e.name.clone());
        }
    }
    m
}

/// What is wrong with one link, looked at from inside its namespace.
fn link_problem(ns: &str, name: &str) -> Option<String> {
    match link::up(name) {
        Ok(true) => None,
        Ok(false) => Some(tr!("damage-link-down", "link { $link } in { $ns } is down", link = name, ns = ns)),
        Err(e) if e.raw_os_error() == Some(libc::ENODEV) => {
            Some(tr!("damage-link-gone", "link { $link } in { $ns } is gone", link = name, ns = ns))
        }
        Err(e) => {
            Some(tr!("damage-link-error", "link { $link } in { $ns }: { $error }", link = name, ns = ns, error = e))
        }
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
    // Each check's own short thread enters the namespace (and ends there): no second thread.
    let found = crate::sys::thread::each(&fws, 16, |fw| netns::enter(&netns::path(&fw.ns)).map(|()| rules_here()));
    let mut out = vec![];
    for (fw, r) in fws.iter().zip(found) {
        let want = planned_rules(fw);
        match r {
            Ok(Ok(n)) if n == want => {}
            Ok(Ok(n)) => out.push(tr!(
                "damage-rule-count",
                "table inet ecsnet in { $ns } has { $found } rules, { $loaded } were loaded",
                ns = fw.ns,
                found = n,
                loaded = want
            )),
            Ok(Err(e)) if e.contains("No such file") => {
                out.push(tr!("damage-table-gone", "table inet ecsnet in { $ns } is gone", ns = fw.ns))
            }
            Ok(Err(e)) => {
                out.push(tr!("damage-table-error", "table inet ecsnet in { $ns }: { $error }", ns = fw.ns, error = e))
            }
            Err(e) => out.push(tr!("damage-ruleset-error", "ruleset of { $ns }: { $error }", ns = fw.ns, error = e)),
        }
    }
    out
}

/// What is no longer as `up` built it: one line per missing or changed object, empty when the
/// lab is intact.
pub fn damage(plan: &Plan, journal: &Journal) -> Vec<String> {
    let mut out = vec![];
    if !journal.complete {
        out.push(tr!(
            "damage-up-unfinished",
            "its `up` did not finish (interrupted or killed): remove it with `ecsnet down`"
        ));
    }
    let present: BTreeSet<String> = netns::list(&crate::model::ids::ns_prefix(&plan.lab)).into_iter().collect();
    for n in plan.namespaces.iter().filter(|n| !present.contains(*n)) {
        out.push(tr!("damage-namespace-gone", "namespace { $ns } is gone", ns = n));
    }
    let per_ns: Vec<(String, Vec<String>)> = links(plan).into_iter().filter(|(ns, _)| present.contains(ns)).collect();
    let names: Vec<String> = per_ns.iter().map(|(ns, _)| ns.clone()).collect();
    let found = netns::run_each(names, move |ns| {
        let want = per_ns.iter().find(|(n, _)| n == ns).map(|(_, l)| l.clone()).unwrap_or_default();
        Ok(want.iter().filter_map(|name| link_problem(ns, name)).collect::<Vec<String>>())
    });
    match found {
        Ok(v) => out.extend(v.into_iter().flatten()),
        Err(e) => out.push(tr!("damage-links-error", "links: { $error }", error = e)),
    }
    out.extend(ruleset_problems(plan, &present));
    for r in journal.processes.iter().filter(|r| !process::alive(r)) {
        // A container's own program may also have ended by itself: its log says why.
        let log = plan.processes.iter().find(|p| p.role == r.role).and_then(|p| match &p.kind {
            crate::plan::process::ProcessKind::Command { log, .. } => Some(log.clone()),
            _ => None,
        });
        match log.map(|l| super::state::dir(&plan.lab).join(l)) {
            Some(log) => out.push(tr!(
                "damage-program-ended",
                "{ $role } (pid { $pid }) is not running: its program exited or was killed{ $last_words } (log: { $log })",
                role = r.role,
                pid = r.pid,
                last_words = last_line(&log)
                    .map(|l| tr!("damage-last-words", ", its last words: { $line }", line = format!("{l:?}")))
                    .unwrap_or_default(),
                log = log.display()
            )),
            None => out.push(tr!("damage-process-gone", "{ $role } (pid { $pid }) is not running", role = r.role, pid = r.pid)),
        }
    }
    out
}

/// The last line a program wrote to its log (at most 160 characters), if any.
fn last_line(log: &std::path::Path) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(log).ok()?;
    let len = f.metadata().ok()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(4096))).ok()?;
    let mut tail = vec![];
    f.take(4096).read_to_end(&mut tail).ok()?;
    let text = String::from_utf8_lossy(&tail);
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    Some(line.trim().chars().take(160).collect())
}

/// The damage in a few lines for a report: the first ten, then how many more.
pub fn summary(damage: &[String]) -> String {
    let mut s: Vec<String> = damage.iter().take(10).cloned().collect();
    if damage.len() > 10 {
        s.push(tr!("damage-more", "and { $count } more", count = damage.len() - 10));
    }
    tr!(
        "damage-summary",
        "the lab is damaged, no longer as `up` built it: { $problems }. No verdict was given: rebuild it with `ecsnet down` and `ecsnet up`",
        problems = s.join("; ")
    )
}
