//! A kernel made of memory, for tests: it records every call in order, keeps the namespaces
//! and processes that exist (so a test can see what was left behind), and fails a call on
//! request. Clones share one world, as handles to the real kernel do.

use super::kernel::{ApplyError, Kernel, Removal, fail};
use super::state::ProcRecord;
use crate::plan::process::Process;
use crate::plan::{Plan, Sysctl};
use std::collections::BTreeSet;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// One call to the kernel, with what tells it apart from the other calls of its kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    CreateNamespace(String),
    Sysctls(Vec<Sysctl>),
    Connect,
    Links,
    Addresses,
    Routes,
    Neighbours,
    Firewalls,
    /// An update's connections, with its fresh namespaces.
    ConnectRunning(Vec<String>),
    Remove(Removal),
    /// By the process's role.
    Spawn(String),
    /// By PID.
    Stop(Vec<i32>),
    DeleteNamespace(String),
    ListNamespaces(String),
    /// By lab.
    RemoveCgroups(String),
    /// By container id.
    RemoveContainerCgroup(String),
    Marked(Option<String>),
}

type Predicate = Box<dyn Fn(&Call) -> bool + Send>;
type Observer = Arc<dyn Fn(&Call) + Send + Sync>;

#[derive(Default)]
struct World {
    calls: Vec<Call>,
    fail_when: Option<Predicate>,
    observer: Option<Observer>,
    namespaces: BTreeSet<String>,
    /// Running processes with the lab their mark names.
    processes: Vec<(ProcRecord, String)>,
    next_pid: i32,
    /// The namespaces of each `firewalls` call.
    firewalls: Vec<Vec<String>>,
}

#[derive(Clone, Default)]
pub struct FakeKernel {
    world: Arc<Mutex<World>>,
}

impl FakeKernel {
    pub fn new() -> Self {
        FakeKernel::default()
    }

    fn world(&self) -> MutexGuard<'_, World> {
        // A failed assertion in another test thread must not hide this test's result.
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Fail every call for which `when` is true (the call is still recorded).
    pub fn fail_when(&self, when: impl Fn(&Call) -> bool + Send + 'static) {
        self.world().fail_when = Some(Box::new(when));
    }

    /// Run `f` on each call before it takes effect (to look at the state on disk at that moment).
    pub fn observe(&self, f: impl Fn(&Call) + Send + Sync + 'static) {
        self.world().observer = Some(Arc::new(f));
    }

    pub fn calls(&self) -> Vec<Call> {
        self.world().calls.clone()
    }

    /// The calls that change the kernel, in order (lookups left out: `up` lists the lab's
    /// namespaces before and during a rollback, wherever that falls).
    pub fn changes(&self) -> Vec<Call> {
        self.calls().into_iter().filter(|c| !matches!(c, Call::ListNamespaces(_) | Call::Marked(_))).collect()
    }

    /// A namespace that exists already (a leftover of an earlier run, or another lab's).
    pub fn add_namespace(&self, name: &str) {
        self.world().namespaces.insert(name.to_string());
    }

    /// A running process marked as `lab`'s.
    pub fn add_process(&self, lab: &str, role: &str) -> ProcRecord {
        let mut w = self.world();
        let rec = new_record(&mut w, role);
        w.processes.push((rec.clone(), lab.to_string()));
        rec
    }

    /// The namespaces whose rulesets each `firewalls` call applied.
    pub fn firewall_namespaces(&self) -> Vec<Vec<String>> {
        self.world().firewalls.clone()
    }

    pub fn existing_namespaces(&self) -> Vec<String> {
        self.world().namespaces.iter().cloned().collect()
    }

    pub fn running(&self) -> Vec<ProcRecord> {
        self.world().processes.iter().map(|(r, _)| r.clone()).collect()
    }

    /// Record the call; `Err` when the test asked for it to fail.
    fn record(&self, call: Call) -> Result<(), ApplyError> {
        let observer = self.world().observer.clone();
        if let Some(f) = observer {
            f(&call);
        }
        let mut w = self.world();
        w.calls.push(call.clone());
        match &w.fail_when {
            Some(when) if when(&call) => Err(fail(format!("{call:?}"), "injected failure")),
            _ => Ok(()),
        }
    }
}

fn new_record(w: &mut World, role: &str) -> ProcRecord {
    w.next_pid += 1;
    let pid = 1000 + w.next_pid;
    ProcRecord { pid, start_time: 500 + pid as u64, role: role.to_string() }
}

impl Kernel for FakeKernel {
    type Netlink = ();

    async fn create_namespaces(
        &self,
        names: &[String],
        sysctls: &[Sysctl],
        created: &mut Vec<String>,
    ) -> Result<(), ApplyError> {
        // Like the Linux kernel: every name is tried, the first error is returned.
        let mut first_err = None;
        for n in names {
            let r = self.record(Call::CreateNamespace(n.clone())).and_then(|()| {
                if self.world().namespaces.insert(n.clone()) {
                    Ok(())
                } else {
                    Err(fail(format!("namespace {n}"), "File exists"))
                }
            });
            match r {
                Ok(()) => created.push(n.clone()),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        // Written by the threads that made the namespaces, once they exist.
        if first_err.is_none() && !sysctls.is_empty() {
            self.record(Call::Sysctls(sysctls.to_vec()))?;
        }
        first_err.map_or(Ok(()), Err)
    }

    async fn sysctls(&self, _plan: &Plan, list: &[Sysctl]) -> Result<(), ApplyError> {
        self.record(Call::Sysctls(list.to_vec()))
    }

    /// The fake's links are active at once: nothing to wait for, nothing recorded.
    async fn links_active(&self, _nl: &(), _plan: &Plan) -> Result<(), ApplyError> {
        Ok(())
    }

    async fn link_sysctls(&self, _nl: &(), _plan: &Plan, list: &[Sysctl]) -> Result<(), ApplyError> {
        self.record(Call::Sysctls(list.to_vec()))
    }

    async fn connect(&self, _plan: &Plan) -> Result<(), ApplyError> {
        self.record(Call::Connect)
    }

    async fn links(&self, _nl: &(), _plan: &Plan) -> Result<(), ApplyError> {
        self.record(Call::Links)
    }

    async fn addresses(&self, _nl: &(), _plan: &Plan) -> Result<(), ApplyError> {
        self.record(Call::Addresses)
    }

    async fn routes(&self, _nl: &(), _plan: &Plan) -> Result<(), ApplyError> {
        self.record(Call::Routes)
    }

    async fn neighbours(&self, _nl: &(), _plan: &Plan) -> Result<(), ApplyError> {
        self.record(Call::Neighbours)
    }

    async fn firewalls(&self, plan: &Plan) -> Result<(), ApplyError> {
        self.world().firewalls.push(plan.firewalls.iter().map(|f| f.ns.clone()).collect());
        self.record(Call::Firewalls)
    }

    async fn connect_running(&self, _plan: &Plan, fresh: &[String]) -> Result<(), ApplyError> {
        self.record(Call::ConnectRunning(fresh.to_vec()))
    }

    async fn remove(&self, _nl: &(), r: &Removal) -> Result<(), ApplyError> {
        self.record(Call::Remove(r.clone()))
    }

    async fn spawn(&self, lab: &str, _state_dir: &Path, p: &Process) -> Result<ProcRecord, ApplyError> {
        self.record(Call::Spawn(p.role.clone()))?;
        Ok(self.add_process(lab, &p.role))
    }

    async fn spawn_pauses(
        &self,
        lab: &str,
        pauses: &[&Process],
        started: &mut Vec<ProcRecord>,
    ) -> Result<(), ApplyError> {
        for p in pauses {
            self.record(Call::Spawn(p.role.clone()))?;
            started.push(self.add_process(lab, &p.role));
        }
        Ok(())
    }

    fn stop(&self, procs: &[ProcRecord]) -> usize {
        let _ = self.record(Call::Stop(procs.iter().map(|r| r.pid).collect()));
        let mut w = self.world();
        let before = w.processes.len();
        // Only the same process: a record whose start time differs names a reused PID.
        w.processes.retain(|(r, _)| !procs.iter().any(|p| p.pid == r.pid && p.start_time == r.start_time));
        before - w.processes.len()
    }

    fn delete_namespace(&self, name: &str) -> io::Result<bool> {
        self.record(Call::DeleteNamespace(name.to_string())).map_err(io::Error::other)?;
        Ok(self.world().namespaces.remove(name))
    }

    fn namespaces(&self, prefix: &str) -> Vec<String> {
        let _ = self.record(Call::ListNamespaces(prefix.to_string()));
        self.world().namespaces.iter().filter(|n| n.starts_with(prefix)).cloned().collect()
    }

    fn remove_cgroups(&self, lab: &str) -> io::Result<usize> {
        self.record(Call::RemoveCgroups(lab.to_string())).map_err(io::Error::other)?;
        Ok(0)
    }

    /// Its own processes by their lab and start time; any other PID as Linux would judge it
    /// (a real process a test spawned must never be the lab's).
    fn owns_process(&self, lab: &str, state_dir: &Path, rec: &ProcRecord) -> bool {
        let w = self.world();
        match w.processes.iter().find(|(r, _)| r.pid == rec.pid) {
            Some((r, l)) => r.start_time == rec.start_time && l == lab,
            None => super::linux::process::owned(lab, state_dir, rec),
        }
    }

    fn remove_container_cgroup(&self, _lab: &str, id: &str) -> io::Result<usize> {
        self.record(Call::RemoveContainerCgroup(id.to_string())).map_err(io::Error::other)?;
        Ok(0)
    }

    fn marked(&self, lab: Option<&str>) -> Vec<(ProcRecord, String)> {
        let _ = self.record(Call::Marked(lab.map(str::to_string)));
        self.world().processes.iter().filter(|(_, l)| lab.is_none_or(|x| x == l)).cloned().collect()
    }

    /// Every fake process carries its mark: none is found only by where it runs.
    fn inside(&self, _lab: &str) -> Vec<ProcRecord> {
        vec![]
    }

    fn cgroup_labs(&self) -> Vec<String> {
        vec![]
    }
}
