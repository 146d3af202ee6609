//! The lifecycle against the recording fake and a temporary store: the order of `up`, the
//! journal written first, rollback after a failure or a cancellation at every phase, `down`
//! from whatever is left. No root needed.

use super::down::{all_labs, down};
use super::fake::{Call, FakeKernel};
use super::state::{Journal, Store};
use super::up::{Timings, UpError, UpOptions, up};
use crate::model::Lab;
use crate::plan::Plan;
use crate::plan::process::ProcessKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const LAB: &str = "t-fake";

/// Two awsvpc tasks (two pause holders) and a bridge task, each with a program.
const SCENARIO: &str = r#"version: 1
name: t-fake
vpc:
  cidr: 10.8.0.0/16
  subnets:
    - { name: a, cidr: 10.8.1.0/24 }
instances:
  - { name: ecs-1, subnet: a }
taskDefinitions:
  - family: aws
    networkMode: awsvpc
    containerDefinitions:
      - { name: app, image: app:1, x-ecsnet: { command: [sleep, "1000"] } }
  - family: br
    networkMode: bridge
    containerDefinitions:
      - { name: app, image: app:1, x-ecsnet: { command: [sleep, "1000"] } }
tasks:
  - { name: one, taskDefinition: aws, instance: ecs-1, networkConfiguration: { awsvpcConfiguration: { subnets: [a] } } }
  - { name: two, taskDefinition: aws, instance: ecs-1, networkConfiguration: { awsvpcConfiguration: { subnets: [a] } } }
  - { name: three, taskDefinition: br, instance: ecs-1 }
"#;

const PHASES: [&str; 7] = ["namespaces", "sysctls", "links", "addresses", "routes", "firewall", "processes"];

fn lab_and_plan() -> (Lab, Plan) {
    let s = crate::scenario::load_str(Path::new("t-fake.yaml"), SCENARIO).unwrap_or_else(|d| panic!("{d}"));
    let lab = crate::model::build(&s).unwrap_or_else(|e| panic!("{e}"));
    let plan = crate::plan::plan(&lab);
    (lab, plan)
}

/// A store in a directory of its own, removed when the test ends.
struct TempStore {
    top: PathBuf,
    store: Store,
}

impl TempStore {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let top = std::env::temp_dir().join(format!("ecsnet-dataplane-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&top);
        // A root that does not exist yet, as /run/ecsnet after a reboot: `up` creates it.
        TempStore { store: Store::new(top.join("run")), top }
    }
}

impl Drop for TempStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.top);
    }
}

fn pause_roles(plan: &Plan) -> Vec<String> {
    plan.processes.iter().filter(|p| matches!(p.kind, ProcessKind::Pause { .. })).map(|p| p.role.clone()).collect()
}

fn other_roles(plan: &Plan) -> Vec<String> {
    plan.processes.iter().filter(|p| !matches!(p.kind, ProcessKind::Pause { .. })).map(|p| p.role.clone()).collect()
}

/// The calls of each phase of a complete `up`. The netlink connections are opened between
/// `sysctls` and `links`, before the check for cancellation: they count with `sysctls`.
fn phase_calls(plan: &Plan) -> Vec<Vec<Call>> {
    let spawns = pause_roles(plan).into_iter().chain(other_roles(plan)).map(Call::Spawn).collect();
    vec![
        plan.namespaces.iter().cloned().map(Call::CreateNamespace).collect(),
        vec![Call::Sysctls(plan.sysctls.clone()), Call::Connect],
        vec![Call::Links],
        vec![Call::Addresses, Call::Sysctls(plan.link_sysctls.clone())],
        vec![Call::Routes, Call::Neighbours],
        vec![Call::Firewalls],
        spawns,
    ]
}

/// A call and the journal on disk as it began.
type CallWithJournal = (Call, Option<Journal>);

async fn run_up(fake: &FakeKernel, store: &Store, opts: UpOptions) -> Result<Timings, UpError> {
    let (lab, plan) = lab_and_plan();
    up(fake, store, &lab, &plan, opts).await
}

fn cancel_at(phase: &'static str) -> UpOptions {
    UpOptions { cancel: Arc::new(move |p| p == phase), ..UpOptions::default() }
}

#[test]
fn the_fixture_has_what_the_tests_need() {
    let (_, plan) = lab_and_plan();
    assert!(plan.namespaces.len() >= 3, "{:?}", plan.namespaces);
    assert_eq!(pause_roles(&plan).len(), 2);
    assert_eq!(other_roles(&plan).len(), 4, "the agent and three programs");
    assert!(!plan.sysctls.is_empty() && !plan.link_sysctls.is_empty());
    assert_ne!(plan.sysctls, plan.link_sysctls);
}

#[tokio::test]
async fn up_applies_the_phases_in_order_and_journals_first() {
    let (t, fake) = (TempStore::new(), FakeKernel::new());
    let seen: Arc<Mutex<Vec<CallWithJournal>>> = Arc::default();
    let (seen2, store2) = (seen.clone(), t.store.clone());
    fake.observe(move |c| {
        let j = store2.load_journal(LAB).ok();
        seen2.lock().unwrap_or_else(|e| e.into_inner()).push((c.clone(), j));
    });
    let timings = run_up(&fake, &t.store, UpOptions::default()).await.expect("up");
    let (_, plan) = lab_and_plan();

    let names: Vec<&str> = timings.0.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, PHASES.iter().copied().chain(["total"]).collect::<Vec<_>>());
    assert_eq!(fake.calls(), phase_calls(&plan).concat());

    let seen = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let (_, first) = &seen[0];
    let first = first.as_ref().expect("the journal exists before the first namespace");
    assert_eq!(first.namespaces, plan.namespaces);
    assert!(first.processes.is_empty() && !first.complete);
    // Each process after the pause holders starts only once every earlier one is journalled.
    let pauses = pause_roles(&plan).len();
    let others = seen.iter().filter(|(c, _)| matches!(c, Call::Spawn(r) if other_roles(&plan).contains(r)));
    for (k, (_, j)) in others.enumerate() {
        assert_eq!(j.as_ref().map(|j| j.processes.len()), Some(pauses + k));
    }

    let journal = t.store.load_journal(LAB).expect("journal");
    assert!(journal.complete);
    let roles: Vec<String> = journal.processes.iter().map(|r| r.role.clone()).collect();
    assert_eq!(roles, pause_roles(&plan).into_iter().chain(other_roles(&plan)).collect::<Vec<_>>());
    assert_eq!(t.store.load_lab(LAB).expect("lab.json").name, LAB);
    assert_eq!(fake.existing_namespaces().len(), plan.namespaces.len());
    assert_eq!(fake.running(), journal.processes);
}

/// Everything this `up` created is gone, and nothing else was touched: after the calls of `up`
/// come the rollback's, the processes stopped, then the namespaces `created` deleted, then the
/// lab's cgroups.
fn assert_rolled_back(fake: &FakeKernel, store: &Store, calls_of_up: usize, spawned: usize, created: Vec<String>) {
    let calls = fake.calls();
    let rollback = &calls[calls_of_up..];
    let Some((Call::Stop(pids), deletes)) = rollback.split_first() else { panic!("no rollback: {rollback:?}") };
    assert_eq!(pids.len(), spawned, "every process started is stopped");
    let Some((Call::RemoveCgroups(lab), deletes)) = deletes.split_last() else { panic!("no cgroups: {rollback:?}") };
    assert_eq!(lab, LAB);
    let deleted: Vec<Call> = created.into_iter().map(Call::DeleteNamespace).collect();
    assert_eq!(deletes, deleted.as_slice(), "exactly the namespaces created are deleted");
    assert!(fake.running().is_empty());
    assert!(!store.dir(LAB).exists(), "the state directory is removed");
}

fn all_but(names: &[String], skip: &str) -> Vec<String> {
    names.iter().filter(|n| *n != skip).cloned().collect()
}

#[tokio::test]
async fn a_failure_at_each_phase_rolls_back_what_was_built() {
    let (_, plan) = lab_and_plan();
    let (pauses, others) = (pause_roles(&plan), other_roles(&plan));
    let failing = [
        Call::CreateNamespace(plan.namespaces[1].clone()),
        Call::Sysctls(plan.sysctls.clone()),
        Call::Connect,
        Call::Links,
        Call::Addresses,
        Call::Sysctls(plan.link_sysctls.clone()),
        Call::Routes,
        Call::Neighbours,
        Call::Firewalls,
        Call::Spawn(pauses[1].clone()),
        Call::Spawn(others[0].clone()),
        Call::Spawn(others[2].clone()),
    ];
    let expected = phase_calls(&plan).concat();
    for target in failing {
        let (t, fake) = (TempStore::new(), FakeKernel::new());
        let tc = target.clone();
        fake.fail_when(move |c| *c == tc);
        let r = run_up(&fake, &t.store, UpOptions::default()).await;
        assert!(matches!(r, Err(UpError::Apply(_))), "{target:?}: {r:?}");
        // Nothing after the failing call, except the other namespaces of its batch.
        let at = expected.iter().position(|c| *c == target).expect("a call of up");
        let at = match target {
            Call::CreateNamespace(_) => plan.namespaces.len() - 1,
            _ => at,
        };
        assert_eq!(fake.calls()[..=at], expected[..=at], "{target:?}");
        let spawned = expected[..at].iter().filter(|c| matches!(c, Call::Spawn(_))).count();
        let created = match &target {
            Call::CreateNamespace(n) => all_but(&plan.namespaces, n),
            _ => plan.namespaces.clone(),
        };
        assert_rolled_back(&fake, &t.store, at + 1, spawned, created);
        assert!(fake.existing_namespaces().is_empty(), "{target:?}");
    }
}

#[tokio::test]
async fn a_stale_leftover_that_made_up_fail_is_left_alone() {
    let (_, plan) = lab_and_plan();
    let (t, fake) = (TempStore::new(), FakeKernel::new());
    let leftover = plan.namespaces[1].clone();
    fake.add_namespace(&leftover);
    let r = run_up(&fake, &t.store, UpOptions::default()).await;
    assert!(matches!(&r, Err(UpError::Apply(e)) if e.reason.contains("File exists")), "{r:?}");
    assert_rolled_back(&fake, &t.store, plan.namespaces.len(), 0, all_but(&plan.namespaces, &leftover));
    assert_eq!(fake.existing_namespaces(), vec![leftover.clone()]);
    assert!(!fake.calls().contains(&Call::DeleteNamespace(leftover)));
}

#[tokio::test]
async fn a_lab_already_up_is_not_touched() {
    let (t, fake) = (TempStore::new(), FakeKernel::new());
    t.store.claim(LAB).expect("claim");
    let r = run_up(&fake, &t.store, UpOptions::default()).await;
    assert!(matches!(r, Err(UpError::AlreadyUp(_))), "{r:?}");
    assert!(fake.calls().is_empty());
    assert!(t.store.dir(LAB).exists());
}

#[tokio::test]
async fn cancellation_between_phases_rolls_back() {
    let (_, plan) = lab_and_plan();
    let groups = phase_calls(&plan);
    for (i, phase) in PHASES.into_iter().enumerate() {
        let (t, fake) = (TempStore::new(), FakeKernel::new());
        let r = run_up(&fake, &t.store, cancel_at(phase)).await;
        assert!(matches!(&r, Err(UpError::Cancelled(p)) if p == phase), "{phase}: {r:?}");
        let before = groups[..i].concat();
        assert_eq!(fake.calls()[..before.len()], before[..], "{phase}: nothing of this phase or later");
        let created = if i == 0 { vec![] } else { plan.namespaces.clone() };
        assert_rolled_back(&fake, &t.store, before.len(), 0, created);
        assert!(fake.existing_namespaces().is_empty());
    }
}

#[tokio::test]
async fn stop_after_leaves_everything_and_down_removes_it() {
    let (_, plan) = lab_and_plan();
    let groups = phase_calls(&plan);
    for (n, phase) in PHASES.into_iter().enumerate() {
        let (t, fake) = (TempStore::new(), FakeKernel::new());
        let opts = UpOptions { stop_after: Some(n), ..UpOptions::default() };
        let r = run_up(&fake, &t.store, opts).await;
        assert!(matches!(&r, Err(UpError::Cancelled(p)) if p == phase), "{phase}: {r:?}");
        assert_eq!(fake.calls(), groups[..n].concat(), "{phase}: no rollback");
        let journal = t.store.load_journal(LAB).expect("journal left in place");
        assert!(!journal.complete && journal.processes.is_empty());
        // `down` from this partial journal: namespaces (if any were made), no processes.
        let rep = down(&fake, &t.store, LAB);
        let made = if n == 0 { 0 } else { plan.namespaces.len() };
        assert_eq!((rep.namespaces, rep.processes, rep.errors.len()), (made, 0, 0), "{phase}");
        assert!(fake.existing_namespaces().is_empty() && !t.store.dir(LAB).exists());
    }
}

#[test]
fn down_without_a_journal_finds_the_lab_by_prefix_and_marks() {
    let (t, fake) = (TempStore::new(), FakeKernel::new());
    for n in ["ecsnet.t-fake.vpc", "ecsnet.t-fake.i.ecs-1", "ecsnet.t-fake2.vpc", "ecsnet.other.vpc"] {
        fake.add_namespace(n);
    }
    fake.add_process(LAB, "pause task/one");
    let other = fake.add_process("other", "agent");
    let rep = down(&fake, &t.store, LAB);
    assert_eq!((rep.namespaces, rep.processes), (2, 1));
    assert!(rep.errors.is_empty(), "{:?}", rep.errors);
    assert_eq!(fake.existing_namespaces(), vec!["ecsnet.other.vpc".to_string(), "ecsnet.t-fake2.vpc".to_string()]);
    assert_eq!(fake.running(), vec![other]);
}

#[tokio::test]
async fn down_is_idempotent() {
    let (_, plan) = lab_and_plan();
    let (t, fake) = (TempStore::new(), FakeKernel::new());
    run_up(&fake, &t.store, UpOptions::default()).await.expect("up");
    let rep = down(&fake, &t.store, LAB);
    assert_eq!((rep.namespaces, rep.processes), (plan.namespaces.len(), plan.processes.len()));
    assert!(rep.errors.is_empty(), "{:?}", rep.errors);
    assert!(fake.existing_namespaces().is_empty() && fake.running().is_empty());
    assert!(!t.store.dir(LAB).exists());
    let again = down(&fake, &t.store, LAB);
    assert_eq!((again.namespaces, again.processes, again.errors.len()), (0, 0, 0));
}

#[test]
fn down_reports_a_namespace_it_could_not_delete() {
    let (t, fake) = (TempStore::new(), FakeKernel::new());
    fake.add_namespace("ecsnet.t-fake.vpc");
    fake.fail_when(|c| matches!(c, Call::DeleteNamespace(_)));
    let rep = down(&fake, &t.store, LAB);
    assert_eq!(rep.namespaces, 0);
    assert_eq!(rep.errors.len(), 1);
    assert!(rep.errors[0].starts_with("namespace ecsnet.t-fake.vpc: "), "{:?}", rep.errors);
}

#[test]
fn all_labs_gathers_state_namespaces_and_marks() {
    let (t, fake) = (TempStore::new(), FakeKernel::new());
    t.store.claim("a-lab").expect("claim");
    fake.add_namespace("ecsnet.b-lab.vpc");
    fake.add_namespace("ecsnet.a-lab.vpc");
    fake.add_process("c-lab", "agent");
    assert_eq!(all_labs(&fake, &t.store), vec!["a-lab", "b-lab", "c-lab"]);
}
