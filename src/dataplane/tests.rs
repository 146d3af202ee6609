//! The lifecycle against the recording fake and a temporary store: the order of `up`, the
//! journal written first, rollback after a failure or a cancellation at every phase, `down`
//! from whatever is left. No root needed.

use super::down::{DownReport, all_labs, down};
use super::fake::{Call, FakeKernel};
use super::state::{Journal, ProcRecord, Store};
use super::up::{Timings, UpError, UpOptions, up};
use crate::model::Lab;
use crate::plan::Plan;
use crate::plan::process::ProcessKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub(super) const LAB: &str = "t-fake";

/// Two awsvpc tasks (two pause holders) and a bridge task, each with a program.
pub(super) const SCENARIO: &str = r#"version: 1
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

const PHASES: [&str; 7] = ["namespaces", "links", "addresses", "routes", "firewall", "holders", "processes"];

fn lab_and_plan() -> (Lab, Plan) {
    let s = crate::scenario::load_str(Path::new("t-fake.yaml"), SCENARIO).unwrap_or_else(|d| panic!("{d}"));
    let lab = crate::model::build(&s).unwrap_or_else(|e| panic!("{e}"));
    let plan = crate::plan::plan(&lab);
    (lab, plan)
}

/// A store in a directory of its own, removed when the test ends.
pub(super) struct TempStore {
    top: PathBuf,
    pub(super) store: Store,
}

impl TempStore {
    pub(super) fn new() -> Self {
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

/// The calls of each phase of a complete `up`, in the order the fake kernel sees them (its
/// calls end at once, so the network branch, polled first, is done before the firewall's).
/// The namespaces' sysctls are written as they are made; the netlink connections are opened
/// in `links`.
fn phase_calls(plan: &Plan) -> Vec<Vec<Call>> {
    let mut namespaces: Vec<Call> = plan.namespaces.iter().cloned().map(Call::CreateNamespace).collect();
    namespaces.push(Call::Sysctls(plan.sysctls.clone()));
    vec![
        namespaces,
        vec![Call::Connect, Call::Links],
        vec![Call::Addresses, Call::Sysctls(plan.link_sysctls.clone())],
        vec![Call::Routes, Call::Neighbours],
        vec![Call::Firewalls],
        pause_roles(plan).into_iter().map(Call::Spawn).collect(),
        other_roles(plan).into_iter().map(Call::Spawn).collect(),
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
    assert_eq!(fake.changes(), phase_calls(&plan).concat());

    let seen: Vec<CallWithJournal> = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let seen: Vec<CallWithJournal> = seen.into_iter().filter(|(c, _)| !matches!(c, Call::ListNamespaces(_))).collect();
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
    let calls = fake.changes();
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
        assert_eq!(fake.changes()[..=at], expected[..=at], "{target:?}");
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
    assert!(fake.changes().is_empty());
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
        assert_eq!(fake.changes()[..before.len()], before[..], "{phase}: nothing of this phase or later");
        let created = if i == 0 { vec![] } else { plan.namespaces.clone() };
        let holders = if phase == "processes" { pause_roles(&plan).len() } else { 0 };
        assert_rolled_back(&fake, &t.store, before.len(), holders, created);
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
        assert_eq!(fake.changes(), groups[..n].concat(), "{phase}: no rollback");
        let journal = t.store.load_journal(LAB).expect("journal left in place");
        // The pause holders, once their phase is done.
        let holders = if phase == "processes" { pause_roles(&plan).len() } else { 0 };
        assert!(!journal.complete && journal.processes.len() == holders, "{phase}");
        // `down` from this partial journal: namespaces (if any were made), the holders.
        let rep = down(&fake, &t.store, LAB);
        let made = if n == 0 { 0 } else { plan.namespaces.len() };
        assert_eq!((rep.namespaces, rep.processes, rep.errors.len()), (made, holders, 0), "{phase}");
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

/// A journal tampered with after `up`: a foreign namespace (another lab's, one not ecsnet's, a
/// `../` path), an unrelated live process with its true start time, another lab's process and
/// a reused PID. `down` removes the lab and leaves every foreign entry alone, naming it.
#[tokio::test]
async fn down_skips_what_a_tampered_journal_names_but_the_lab_did_not_make() {
    let (_, plan) = lab_and_plan();
    let (t, fake) = (TempStore::new(), FakeKernel::new());
    run_up(&fake, &t.store, UpOptions::default()).await.expect("up");
    let outside = t.top.join("decoy");
    std::fs::write(&outside, "keep").expect("decoy file");
    let foreign_ns = ["other", "ecsnet.t-fake2.x", "ecsnet.other.vpc", "ecsnet.t-fake.../../decoy"];
    for n in &foreign_ns[..3] {
        fake.add_namespace(n);
    }
    let mut sleep = std::process::Command::new("sleep").arg("30").spawn().expect("sleep");
    let sleep_pid = sleep.id() as i32;
    let sleep_rec = ProcRecord {
        pid: sleep_pid,
        start_time: crate::sys::proc::proc_start_time(sleep_pid).expect("start time"),
        role: "agent".into(),
    };
    let other_lab = fake.add_process("other", "agent");
    let mut reused = fake.add_process(LAB, "pause task/one");
    reused.start_time += 1;
    let mut j: Journal = t.store.load_journal(LAB).expect("journal");
    j.namespaces.extend(foreign_ns.iter().map(|s| s.to_string()));
    j.processes.extend([sleep_rec, other_lab.clone(), reused.clone()]);
    t.store.save_journal(&j).expect("tamper");

    let rep = down(&fake, &t.store, LAB);
    let alive = sleep.try_wait().expect("wait").is_none();
    let _ = sleep.kill();
    let _ = sleep.wait();
    assert!(alive, "an unrelated process was killed");
    assert!(rep.errors.is_empty(), "{:?}", rep.errors);
    assert_eq!(rep.namespaces, plan.namespaces.len());
    // The lab's own, plus the live one carrying its mark whose journal record was stale.
    assert_eq!(rep.processes, plan.processes.len() + 1);
    for n in &foreign_ns {
        assert!(rep.skipped.iter().any(|s| s.contains(&format!("`{n}`"))), "{n} not named: {:?}", rep.skipped);
        assert!(!fake.calls().contains(&Call::DeleteNamespace(n.to_string())), "{n} deleted");
    }
    assert!(rep.skipped.iter().any(|s| s.contains(&format!("process {sleep_pid} "))), "{:?}", rep.skipped);
    let stopped: Vec<i32> =
        fake.calls().into_iter().filter_map(|c| if let Call::Stop(p) = c { Some(p) } else { None }).flatten().collect();
    assert!(!stopped.contains(&sleep_pid) && !stopped.contains(&other_lab.pid), "{stopped:?}");
    assert_eq!(fake.existing_namespaces(), vec!["ecsnet.other.vpc", "ecsnet.t-fake2.x", "other"]);
    assert_eq!(fake.running(), vec![other_lab]);
    assert_eq!(std::fs::read_to_string(&outside).expect("decoy kept"), "keep");
    assert!(!t.store.dir(LAB).exists());
}

/// Not a lab name: `down` touches nothing, and a state directory that is a symlink is refused.
#[test]
fn down_refuses_a_bad_lab_name_and_a_symlinked_state_directory() {
    let (t, fake) = (TempStore::new(), FakeKernel::new());
    for bad in ["../x", "a/b", "", "abcdefghijklmnopqrstu"] {
        let rep = down(&fake, &t.store, bad);
        assert_eq!(rep.errors.len(), 1, "{bad}");
        assert!(t.store.remove(bad).is_err(), "{bad}");
    }
    assert!(fake.calls().is_empty(), "{:?}", fake.calls());
    let target = t.top.join("elsewhere");
    std::fs::create_dir_all(&target).expect("target");
    std::fs::write(target.join("f"), "keep").expect("file");
    std::fs::create_dir_all(t.store.root()).expect("root");
    std::os::unix::fs::symlink(&target, t.store.dir("t-link")).expect("symlink");
    let rep = down(&fake, &t.store, "t-link");
    assert_eq!(rep.errors.len(), 1, "{:?}", rep.errors);
    assert!(target.join("f").exists());
}

/// State is root's: the root and lab directories 0700, files 0600; errors name the file.
#[tokio::test]
async fn state_is_private_and_its_errors_name_the_file() {
    use std::os::unix::fs::PermissionsExt;
    let (t, fake) = (TempStore::new(), FakeKernel::new());
    std::fs::create_dir_all(t.store.root()).expect("root");
    std::fs::set_permissions(t.store.root(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    run_up(&fake, &t.store, UpOptions::default()).await.expect("up");
    let mode = |p: &Path| std::fs::symlink_metadata(p).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode(t.store.root()), 0o700);
    let mut stack = vec![t.store.dir(LAB)];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        assert_eq!(mode(&d), 0o700, "{}", d.display());
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                assert_eq!(mode(&e.path()), 0o600, "{}", e.path().display());
                files += 1;
            }
        }
    }
    assert!(files >= 3, "{files} files");
    let lab_json = t.store.dir(LAB).join("lab.json");
    std::fs::write(&lab_json, "").expect("corrupt");
    let e = t.store.load_lab(LAB).expect_err("corrupt lab.json").to_string();
    assert!(e.starts_with(&format!("{}: ", lab_json.display())) && e.contains("line 1 column"), "{e}");
    let journal = t.store.dir(LAB).join("journal.json");
    std::fs::write(&journal, "{").expect("corrupt");
    let e = t.store.load_journal(LAB).expect_err("corrupt journal").to_string();
    assert!(e.starts_with(&format!("{}: ", journal.display())), "{e}");
}

#[tokio::test]
async fn a_panic_in_any_phase_rolls_back_what_was_built() {
    let (_, plan) = lab_and_plan();
    for target in [Call::Links, Call::Firewalls, Call::Spawn(other_roles(&plan)[0].clone())] {
        let (t, fake) = (TempStore::new(), FakeKernel::new());
        let tc = target.clone();
        fake.observe(move |c| {
            if *c == tc {
                panic!("injected panic");
            }
        });
        let r = run_up(&fake, &t.store, UpOptions::default()).await;
        assert!(matches!(&r, Err(UpError::Panicked(m)) if m.contains("injected panic")), "{target:?}: {r:?}");
        assert!(fake.existing_namespaces().is_empty() && fake.running().is_empty(), "{target:?}");
        assert!(!t.store.dir(LAB).exists() && !t.store.lock_path(LAB).exists(), "{target:?}");
    }
}

/// Issue 13: `up` and `down` of one lab are serialised. A `down` started while `up` builds
/// waits for it, so `up` never reports success on a lab emptied under it, and the `down`
/// still removes everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn down_waits_for_an_up_in_progress_then_removes_everything() {
    let (t, fake) = (TempStore::new(), FakeKernel::new());
    let downer: Arc<Mutex<Option<std::thread::JoinHandle<DownReport>>>> = Arc::default();
    let (d2, f2, s2) = (downer.clone(), fake.clone(), t.store.clone());
    fake.observe(move |c| {
        let mut d = d2.lock().unwrap_or_else(|e| e.into_inner());
        if *c == Call::Links && d.is_none() {
            let (f, s) = (f2.clone(), s2.clone());
            *d = Some(std::thread::spawn(move || down(&f, &s, LAB)));
            // Time enough for a `down` that did not wait to have emptied the lab.
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    });
    run_up(&fake, &t.store, UpOptions::default()).await.expect("up succeeds: nothing removed it meanwhile");
    let handle = downer.lock().unwrap_or_else(|e| e.into_inner()).take().expect("down started");
    let rep = handle.join().expect("down");
    assert!(rep.errors.is_empty(), "{:?}", rep.errors);
    let calls = fake.changes();
    let last_spawn = calls.iter().rposition(|c| matches!(c, Call::Spawn(_))).expect("spawns");
    let first_delete = calls.iter().position(|c| matches!(c, Call::DeleteNamespace(_))).expect("deletes");
    assert!(first_delete > last_spawn, "down began before up finished: {calls:?}");
    assert!(fake.existing_namespaces().is_empty() && fake.running().is_empty());
    assert!(!t.store.dir(LAB).exists() && !t.store.lock_path(LAB).exists());
}

/// A background `down` handed a lab by an interrupted run removes that run's lab only, never a
/// lab of the same name built since.
#[tokio::test]
async fn a_down_for_another_run_leaves_a_newer_lab_alone() {
    let (t, fake) = (TempStore::new(), FakeKernel::new());
    run_up(&fake, &t.store, UpOptions::default()).await.expect("up");
    let rep = super::down::down_of(&fake, &t.store, LAB, &super::down::Only { owner: Some("1:2".into()), user: None });
    assert_eq!((rep.namespaces, rep.processes), (0, 0));
    assert!(rep.left_alone && rep.skipped.iter().any(|s| s.contains("built since by another run")), "{rep:?}");
    assert!(t.store.dir(LAB).exists() && !fake.existing_namespaces().is_empty());
    let me = super::state::this_process();
    let other_user = super::down::Only { owner: None, user: Some(super::state::invoking_user() + 1) };
    let rep = super::down::down_of(&fake, &t.store, LAB, &other_user);
    assert!(rep.skipped.iter().any(|s| s.contains("another user's")) && t.store.dir(LAB).exists(), "{rep:?}");
    let rep = super::down::down_of(&fake, &t.store, LAB, &super::down::Only { owner: Some(me), user: None });
    assert!(rep.errors.is_empty() && rep.namespaces > 0, "{rep:?}");
    assert!(!t.store.dir(LAB).exists() && fake.existing_namespaces().is_empty());
}
