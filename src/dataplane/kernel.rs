//! The kernel as the lifecycle sees it: the operations `up` applies phase by phase and `down`
//! undoes. Behind a trait so that the order of `up`, its rollback and `down` are tested without
//! root against a recording fake; the Linux implementation is `super::linux::LinuxKernel`.

use super::state::ProcRecord;
use crate::plan::process::Process;
use crate::plan::{Addr, Neigh, Plan, Route, Rule, Sysctl};
use std::future::Future;
use std::io;
use std::path::Path;

/// A kernel object that could not be made, and why.
#[derive(Debug, thiserror::Error)]
#[error("{object}: {reason}")]
pub struct ApplyError {
    /// Which kernel object failed, with its namespace.
    pub object: String,
    pub reason: String,
}

pub fn fail(object: impl Into<String>, reason: impl std::fmt::Display) -> ApplyError {
    ApplyError { object: object.into(), reason: reason.to_string() }
}

/// A link as removal names it: by its name in a namespace that stays (deleting one end of a
/// veth deletes the pair).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkRef {
    pub ns: String,
    pub name: String,
}

/// What an update removes from namespaces that stay, in the order it is removed (the reverse
/// of up's): what lives on a link that goes is left to the kernel, which drops it with the link.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Removal {
    pub neighbours: Vec<Neigh>,
    pub rules: Vec<Rule>,
    pub routes: Vec<Route>,
    pub addrs: Vec<Addr>,
    pub links: Vec<LinkRef>,
}

impl Removal {
    pub fn is_empty(&self) -> bool {
        self == &Removal::default()
    }
}

/// Every operation that changes or reads the kernel's side of a lab. A handle: cheap to clone,
/// because rollback and `down` run on blocking threads of their own.
pub trait Kernel: Clone + Send + Sync + 'static {
    /// Open connections into the lab's namespaces, used by the link, address, route and
    /// neighbour phases. They may keep namespaces alive, so `up` drops them as soon as those
    /// phases are done.
    type Netlink: Send + Sync;

    /// Create the namespaces, each with its sysctls (`sysctls`: the plan's namespace sysctls,
    /// written before any link exists). Pushes each one created onto `created`, also when
    /// another one fails, so that a rollback deletes exactly those.
    fn create_namespaces(
        &self,
        names: &[String],
        sysctls: &[Sysctl],
        created: &mut Vec<String>,
    ) -> impl Future<Output = Result<(), ApplyError>> + Send;

    /// Write sysctls in namespaces that exist (an update's).
    fn sysctls(&self, plan: &Plan, list: &[Sysctl]) -> impl Future<Output = Result<(), ApplyError>> + Send;

    /// Write the per-link sysctls, once the links exist.
    fn link_sysctls(
        &self,
        nl: &Self::Netlink,
        plan: &Plan,
        list: &[Sysctl],
    ) -> impl Future<Output = Result<(), ApplyError>> + Send;

    fn connect(&self, plan: &Plan) -> impl Future<Output = Result<Self::Netlink, ApplyError>> + Send;

    /// Bridges, then veth pairs.
    fn links(&self, nl: &Self::Netlink, plan: &Plan) -> impl Future<Output = Result<(), ApplyError>> + Send;

    /// Every link up (with the lab's ownership alias), hairpin ports, addresses.
    fn addresses(&self, nl: &Self::Netlink, plan: &Plan) -> impl Future<Output = Result<(), ApplyError>> + Send;

    /// Routes, the kernel's own routes the plan deletes, policy rules.
    fn routes(&self, nl: &Self::Netlink, plan: &Plan) -> impl Future<Output = Result<(), ApplyError>> + Send;

    /// Wait until the kernel has activated every link whose carrier is on (its queue drops
    /// every packet until then).
    fn links_active(&self, nl: &Self::Netlink, plan: &Plan) -> impl Future<Output = Result<(), ApplyError>> + Send;

    fn neighbours(&self, nl: &Self::Netlink, plan: &Plan) -> impl Future<Output = Result<(), ApplyError>> + Send;

    /// Connections into a running lab's namespaces (`plan.namespaces`) for an update: the links
    /// of the `fresh` namespaces get the indexes `up` would give them; the others' existing
    /// links are looked up by name, and the plan's links new to them get the next free indexes.
    fn connect_running(
        &self,
        plan: &Plan,
        fresh: &[String],
    ) -> impl Future<Output = Result<Self::Netlink, ApplyError>> + Send;

    /// Remove these objects, each by what names it; one already gone is not an error. Tries
    /// every one and returns the first error.
    fn remove(&self, nl: &Self::Netlink, r: &Removal) -> impl Future<Output = Result<(), ApplyError>> + Send;

    fn firewalls(&self, plan: &Plan) -> impl Future<Output = Result<(), ApplyError>> + Send;

    /// Start one process of the plan, marked as the lab's; `state_dir` holds its logs (and is
    /// what the agent reads its model from).
    fn spawn(
        &self,
        lab: &str,
        state_dir: &Path,
        process: &Process,
    ) -> impl Future<Output = Result<ProcRecord, ApplyError>> + Send;

    /// Start the pause holders of the plan (`ProcessKind::Pause`), several per exec. Each one
    /// started is pushed to `started`, also when another fails (a rollback stops them).
    fn spawn_pauses(
        &self,
        lab: &str,
        pauses: &[&Process],
        started: &mut Vec<ProcRecord>,
    ) -> impl Future<Output = Result<(), ApplyError>> + Send;

    /// Stop these processes (never one whose PID was reused); returns how many were running.
    fn stop(&self, procs: &[ProcRecord]) -> usize;

    /// Delete a namespace; `Ok(false)` when it did not exist.
    fn delete_namespace(&self, name: &str) -> io::Result<bool>;

    /// Delete these namespaces, each result in their order.
    fn delete_namespaces(&self, names: &[String]) -> Vec<io::Result<bool>> {
        names.iter().map(|n| self.delete_namespace(n)).collect()
    }

    /// Namespaces whose names start with `prefix`, sorted.
    fn namespaces(&self, prefix: &str) -> Vec<String>;

    /// Remove the cgroup of one container of a lab (killing what still runs in it).
    fn remove_container_cgroup(&self, lab: &str, id: &str) -> io::Result<usize>;

    /// Remove a lab's cgroups (killing what still runs in them); returns how many.
    fn remove_cgroups(&self, lab: &str) -> io::Result<usize>;

    /// True when the process `rec` names is the lab's: the same process (start time) and still
    /// in one of the lab's namespaces, in its cgroup, or ecsnet's own `__pause`/`__agent` of
    /// this lab (`state_dir` is the lab's state directory). `down` stops nothing else.
    fn owns_process(&self, lab: &str, state_dir: &Path, rec: &ProcRecord) -> bool;

    /// Processes carrying a lab's ownership mark (any lab's when `lab` is None), with the lab.
    fn marked(&self, lab: Option<&str>) -> Vec<(ProcRecord, String)>;

    /// Processes inside the lab whatever their environment says: in one of its namespaces or
    /// in its cgroup (`exec` sessions and what they started).
    fn inside(&self, lab: &str) -> Vec<ProcRecord>;

    /// `marked(Some(lab))` and `inside(lab)` together, each process once.
    fn lab_processes(&self, lab: &str) -> Vec<ProcRecord> {
        let mut v: Vec<ProcRecord> = self.marked(Some(lab)).into_iter().map(|(r, _)| r).collect();
        for r in self.inside(lab) {
            if !v.iter().any(|x| x.pid == r.pid) {
                v.push(r);
            }
        }
        v
    }

    /// Labs that have a cgroup here.
    fn cgroup_labs(&self) -> Vec<String>;
}
