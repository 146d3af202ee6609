//! `update` against the recording fake: which objects the difference of two plans creates and
//! removes, in which order, and that a failure leaves the lab as it was. No root needed.

use super::fake::{Call, FakeKernel};
use super::tests::{LAB, SCENARIO, TempStore};
use super::up::{UpOptions, up};
use super::update::{Diff, UpdateError, update};
use crate::model::Lab;
use crate::plan::Plan;
use crate::plan::process::ProcessKind;
use std::path::Path;

/// The fixture's scenario on an instance with room for a third awsvpc task.
fn base() -> String {
    let text = SCENARIO.replace("{ name: ecs-1, subnet: a }", "{ name: ecs-1, subnet: a, instanceType: c5.xlarge }");
    assert_ne!(text, SCENARIO);
    text
}

/// The same with one more awsvpc task at the end of `tasks:`.
fn with_four() -> String {
    format!(
        "{}  - {{ name: four, taskDefinition: aws, instance: ecs-1, networkConfiguration: {{ awsvpcConfiguration: {{ subnets: [a] }} }} }}\n",
        base()
    )
}

fn build(text: &str) -> (Lab, Plan) {
    let s = crate::scenario::load_str(Path::new("t-fake.yaml"), text).unwrap_or_else(|d| panic!("{d}"));
    let lab = crate::model::build(&s).unwrap_or_else(|e| panic!("{e}"));
    let plan = crate::plan::plan(&lab);
    (lab, plan)
}

/// The task's own namespaces (its name is in theirs).
fn ns_of(plan: &Plan, task: &str) -> Vec<String> {
    plan.namespaces.iter().filter(|n| n.split('.').any(|p| p == task)).cloned().collect()
}

#[test]
fn a_task_added_at_the_end_adds_only_its_objects() {
    let ((_, old), (_, new)) = (build(&base()), build(&with_four()));
    let d = Diff::of(&old, &new);
    assert!(!d.fresh.is_empty() && d.gone.is_empty(), "{:?} {:?}", d.fresh, d.gone);
    assert_eq!(d.fresh, ns_of(&new, "four"));
    // Every new link has an end in the new task's namespace: nothing else is remade.
    assert!(!d.add.veths.is_empty());
    for v in &d.add.veths {
        assert!(d.fresh.contains(&v.ns) || d.fresh.contains(&v.peer_ns), "{v:?}");
    }
    assert!(d.add.bridges.is_empty(), "{:?}", d.add.bridges);
    // The router gets the ENI's route: a namespace that stays is touched, and connected to.
    let router = &new.namespaces[0];
    assert!(d.add.routes.iter().any(|r| &r.ns == router), "{:?}", d.add.routes);
    assert!(d.add.namespaces.contains(router), "{:?}", d.add.namespaces);
    assert_eq!(d.add.lo_up, d.fresh);
    assert!(d.remove.is_empty() && d.stop.is_empty(), "{:?} {:?}", d.remove, d.stop);
    let roles: Vec<&str> = d.start.iter().map(|p| p.role.as_str()).collect();
    assert_eq!(roles, ["pause task/four", "command task/four/app"]);
    // The firewall of the router changes (the new ENI); a fresh namespace's rules are its own.
    assert!(d.firewalls.iter().all(|f| new.firewalls.iter().any(|g| g.ns == f.ns)));
}

#[test]
fn a_task_removed_deletes_its_links_from_the_namespaces_that_stay() {
    let ((_, big), (_, small)) = (build(&with_four()), build(&base()));
    let d = Diff::of(&big, &small);
    assert_eq!(d.gone, ns_of(&big, "four"));
    assert!(d.fresh.is_empty() && d.add.veths.is_empty() && d.start.is_empty());
    // Each veth of the task is deleted by the end that stays, never inside a namespace that goes.
    let veths: Vec<_> = big.veths.iter().filter(|v| d.gone.contains(&v.ns) || d.gone.contains(&v.peer_ns)).collect();
    assert_eq!(d.remove.links.len(), veths.len(), "{:?}", d.remove.links);
    for l in &d.remove.links {
        assert!(!d.gone.contains(&l.ns), "{l:?}");
    }
    // Nothing on a link that goes, nothing in a namespace that goes.
    for r in &d.remove.routes {
        assert!(!d.gone.contains(&r.ns), "{r:?}");
        assert!(!d.remove.links.iter().any(|l| l.ns == r.ns && Some(&l.name) == r.dev.as_ref()), "{r:?}");
    }
    for n in &d.remove.neighbours {
        assert!(!d.remove.links.iter().any(|l| l.ns == n.ns && l.name == n.dev), "{n:?}");
    }
    let roles: Vec<&str> = d.stop.iter().map(|p| p.role.as_str()).collect();
    assert_eq!(roles, ["pause task/four", "command task/four/app"]);
    // Undoing the addition is the same removal.
    assert_eq!(Diff::of(&small, &big).unadd, d.remove);
}

#[test]
fn the_agent_is_never_restarted() {
    let ((_, old), (_, mut new)) = (build(&base()), build(&with_four()));
    new.processes.retain(|p| p.kind != ProcessKind::Agent);
    let d = Diff::of(&old, &new);
    assert!(d.stop.iter().chain(&d.start).all(|p| p.kind != ProcessKind::Agent));
}

#[test]
fn the_same_plan_changes_nothing() {
    let (_, p) = build(&base());
    let d = Diff::of(&p, &p);
    assert!(d.fresh.is_empty() && d.gone.is_empty() && d.remove.is_empty() && d.unadd.is_empty());
    assert_eq!(d.add.object_count(), 0);
    assert!(d.firewalls.is_empty() && d.start.is_empty() && d.stop.is_empty());
}

async fn lab_up(fake: &FakeKernel, t: &TempStore) -> Plan {
    let (lab, plan) = build(&base());
    up(fake, &t.store, &lab, &plan, UpOptions::default()).await.expect("up");
    plan
}

#[tokio::test]
async fn an_update_makes_the_new_in_ups_order_then_removes_the_old() {
    let (t, fake) = (TempStore::new(), FakeKernel::new());
    let old = lab_up(&fake, &t).await;
    let (lab4, new) = build(&with_four());
    let d = Diff::of(&old, &new);
    let n = fake.changes().len();
    let timings = update(&fake, &t.store, &lab4, &old, &new).await.expect("update");
    assert!(timings.0.iter().any(|(p, _)| p == "total"));
    let calls = fake.changes()[n..].to_vec();
    let mut want: Vec<Call> = d.fresh.iter().cloned().map(Call::CreateNamespace).collect();
    want.extend([
        Call::Sysctls(d.add.sysctls.clone()),
        Call::ConnectRunning(d.fresh.clone()),
        Call::Links,
        Call::Addresses,
        Call::Sysctls(d.add.link_sysctls.clone()),
        Call::Routes,
        Call::Neighbours,
        Call::Firewalls,
        Call::Spawn("pause task/four".into()),
        Call::Spawn("command task/four/app".into()),
        Call::Stop(vec![]),
    ]);
    assert_eq!(calls, want);
    let j = t.store.load_journal(LAB).expect("journal");
    assert!(d.fresh.iter().all(|n| j.namespaces.contains(n)));
    assert_eq!(j.processes.len(), old.processes.len() + 2);
    assert_eq!(t.store.load_lab(LAB).expect("lab").tasks.len(), 4, "the new model is saved");

    // And back: the task's processes stop before its namespaces go; it leaves the journal.
    let (lab3, _) = build(&base());
    let d = Diff::of(&new, &old);
    let n = fake.changes().len();
    update(&fake, &t.store, &lab3, &new, &old).await.expect("update back");
    let calls = fake.changes()[n..].to_vec();
    // Nothing to make; the router's rules swapped for ones without the task's ENI first.
    let Some((Call::Firewalls, calls)) = calls.split_first() else { panic!("{calls:?}") };
    assert_eq!(fake.firewall_namespaces().last(), Some(&vec![old.namespaces[0].clone()]));
    let Some((Call::Stop(pids), rest)) = calls.split_first() else { panic!("{calls:?}") };
    assert_eq!(pids.len(), 2);
    // The cgroups of its two containers (pause and app) go with what still runs in them.
    let ids = |l: &Lab| super::sandbox::container_ids(l);
    let gone_ids: Vec<String> = ids(&lab4).into_iter().filter(|i| !ids(&lab3).contains(i)).collect();
    assert_eq!(gone_ids.len(), 2);
    let cgroups: Vec<Call> = gone_ids.into_iter().map(Call::RemoveContainerCgroup).collect();
    assert_eq!(&rest[..2], cgroups.as_slice());
    assert_eq!(rest[2], Call::ConnectRunning(vec![]));
    assert_eq!(rest[3], Call::Remove(d.remove.clone()));
    let deleted: Vec<Call> = d.gone.iter().cloned().map(Call::DeleteNamespace).collect();
    assert_eq!(&rest[4..], deleted.as_slice());
    let j = t.store.load_journal(LAB).expect("journal");
    assert_eq!(j.namespaces, old.namespaces);
    assert_eq!(j.processes.len(), old.processes.len());
    assert_eq!(fake.existing_namespaces().len(), old.namespaces.len());
    assert_eq!(fake.running(), j.processes);
}

#[tokio::test]
async fn a_failed_update_leaves_the_lab_as_it_was() {
    for failing in [Call::Links, Call::Routes, Call::Firewalls, Call::Spawn("command task/four/app".into())] {
        let (t, fake) = (TempStore::new(), FakeKernel::new());
        let old = lab_up(&fake, &t).await;
        let journal = t.store.load_journal(LAB).expect("journal");
        let running = fake.running();
        let (lab4, new) = build(&with_four());
        let d = Diff::of(&old, &new);
        let f = failing.clone();
        fake.fail_when(move |c| *c == f);
        let r = update(&fake, &t.store, &lab4, &old, &new).await;
        assert!(matches!(r, Err(UpdateError::Apply(_))), "{failing:?}: {r:?}");
        let after = t.store.load_journal(LAB).expect("journal");
        assert_eq!(after.namespaces, journal.namespaces, "{failing:?}");
        assert_eq!(after.processes, journal.processes, "{failing:?}");
        assert_eq!(fake.running(), running, "{failing:?}: what it started is stopped");
        assert_eq!(fake.existing_namespaces().len(), old.namespaces.len(), "{failing:?}");
        let calls = fake.changes();
        assert!(calls.contains(&Call::Remove(d.unadd.clone())), "{failing:?}: {calls:?}");
        assert_eq!(t.store.load_lab(LAB).expect("lab").tasks.len(), 3, "{failing:?}: the model is the old one");
    }
}

#[test]
fn a_swapped_ruleset_replaces_its_tables_and_deletes_the_ones_gone() {
    use crate::plan::nft::{TableBuilder, swap};
    let table = |name: &'static str| {
        let mut t = TableBuilder::named(name, false);
        t.chain("c");
        t.build()
    };
    let json = serde_json::to_string(&swap(&[table("a"), table("b")], &[table("a")])).expect("json");
    assert_eq!(json.matches(r#""delete":{"table""#).count(), 2, "{json}");
    assert!(json.find(r#""delete":{"table":{"family":"inet","name":"b""#).is_some(), "{json}");
    let replace = r#"{"add":{"table":{"family":"inet","name":"a"}}},{"delete":{"table":{"family":"inet","name":"a"}}},{"add":{"table":{"family":"inet","name":"a"}}}"#;
    assert!(json.contains(replace), "{json}");
}

/// `base()` with task `two` replaced by `four` at the end of `tasks:`.
fn two_replaced() -> String {
    let text = with_four();
    let two = text.lines().find(|l| l.contains("name: two")).expect("task two").to_string();
    text.replace(&format!("{two}\n"), "")
}

#[test]
fn what_a_replacement_takes_over_is_removed_before_it_is_made() {
    let ((_, old), (_, new)) = (build(&base()), build(&two_replaced()));
    let d = Diff::of(&old, &new);
    assert_eq!(d.gone, ns_of(&old, "two"));
    assert_eq!(d.fresh, ns_of(&new, "four"));
    // Every route both plans have to one destination in a namespace that stays is in the way.
    for r in &d.add.routes {
        let clash = old.routes.iter().any(|o| o.ns == r.ns && o.dst == r.dst && o.table == r.table && o != r);
        assert_eq!(clash, d.early.routes.iter().any(|e| e.ns == r.ns && e.dst == r.dst), "{r:?}");
    }
    // `four` takes over the address `two` had: the router's route to it is in the way.
    assert_eq!(d.early.routes.len(), 1, "{:?}", d.early);
    assert!(d.early.routes.iter().all(|e| !d.gone.contains(&e.ns)));
}

#[tokio::test]
async fn an_update_waits_only_briefly_for_a_busy_lab_and_changes_nothing() {
    let (t, fake) = (TempStore::new(), FakeKernel::new());
    let old = lab_up(&fake, &t).await;
    let (lab4, new) = build(&with_four());
    let held = t.store.lock(LAB, |_| {}, &|| false).expect("lock");
    let n = fake.changes().len();
    let start = std::time::Instant::now();
    let r = update(&fake, &t.store, &lab4, &old, &new).await;
    assert!(matches!(&r, Err(UpdateError::State(m)) if m.contains("busy")), "{r:?}");
    assert!(start.elapsed() < super::update::LOCK_WAIT * 2);
    assert_eq!(fake.changes().len(), n, "nothing was touched");
    drop(held);
}

/// The plan of `with_four()` with task one's program changed (its environment).
fn one_changed(p: &mut Plan) {
    for proc in &mut p.processes {
        if let ProcessKind::Command { env, .. } = &mut proc.kind
            && proc.role == "command task/one/app"
        {
            env.push(("CHANGED".into(), "1".into()));
        }
    }
}

#[tokio::test]
async fn a_changed_program_is_stopped_before_its_new_version_starts() {
    let (t, fake) = (TempStore::new(), FakeKernel::new());
    let old = lab_up(&fake, &t).await;
    let (lab4, mut new) = build(&with_four());
    one_changed(&mut new);
    let role = "command task/one/app";
    let was = t.store.load_journal(LAB).expect("journal").processes.into_iter().find(|r| r.role == role);
    let was = was.expect("running");
    let n = fake.changes().len();
    update(&fake, &t.store, &lab4, &old, &new).await.expect("update");
    let calls = fake.changes()[n..].to_vec();
    let at = calls.iter().position(|c| *c == Call::Spawn(role.into())).expect("restarted");
    assert_eq!(calls[at - 1], Call::Stop(vec![was.pid]), "{calls:?}");
    let now: Vec<_> = fake.running().into_iter().filter(|r| r.role == role).collect();
    assert_eq!(now.len(), 1, "only the new version runs");
    assert_ne!(now[0].pid, was.pid);
    let j = t.store.load_journal(LAB).expect("journal");
    assert_eq!(j.processes.iter().filter(|r| r.role == role).collect::<Vec<_>>(), vec![&now[0]]);
}

#[tokio::test]
async fn a_failed_update_starts_the_old_version_of_a_changed_program_again() {
    let (t, fake) = (TempStore::new(), FakeKernel::new());
    let old = lab_up(&fake, &t).await;
    let (lab4, mut new) = build(&with_four());
    one_changed(&mut new);
    fake.fail_when(|c| *c == Call::Spawn("command task/four/app".into()));
    let r = update(&fake, &t.store, &lab4, &old, &new).await;
    assert!(matches!(r, Err(UpdateError::Apply(_))), "{r:?}");
    let j = t.store.load_journal(LAB).expect("journal");
    let mut roles: Vec<String> = j.processes.iter().map(|r| r.role.clone()).collect();
    let mut want: Vec<String> = old.processes.iter().map(|p| p.role.clone()).collect();
    roles.sort();
    want.sort();
    assert_eq!(roles, want, "the old processes, the changed one started again");
    assert_eq!(fake.running(), j.processes);
}

#[tokio::test]
async fn a_lab_that_is_not_up_is_not_updated() {
    let (t, fake) = (TempStore::new(), FakeKernel::new());
    let ((lab, old), (_, new)) = (build(&base()), build(&with_four()));
    let r = update(&fake, &t.store, &lab, &old, &new).await;
    assert!(matches!(&r, Err(UpdateError::State(m)) if m.contains(LAB)), "{r:?}");
    assert!(fake.changes().is_empty());
}
