//! The Linux kernel: every link, address, route and rule goes through netlink (rtnetlink) on a
//! socket opened inside its namespace; sysctls are written from a thread inside the namespace;
//! rulesets go to `nft -j -f -` started from such a thread; processes are marked as the lab's.
//! Nothing here runs in, or changes, the root namespace. One file per kind of kernel object.

pub mod address;
pub mod firewall;
pub mod link;
pub mod namespace;
pub mod neighbour;
pub mod netlink;
pub mod process;
pub mod route;
pub mod sysctl;

use super::kernel::{ApplyError, Kernel, Removal};
use super::state::ProcRecord;
use crate::plan::process::Process;
use crate::plan::{Plan, Sysctl};
use crate::sys::netns;
use netlink::{Handles, Indexes, Session};
use std::path::Path;

/// The machine's own kernel (needs root).
#[derive(Clone, Copy, Debug, Default)]
pub struct LinuxKernel;

impl Kernel for LinuxKernel {
    type Netlink = Session;

    async fn create_namespaces(
        &self,
        names: &[String],
        sysctls: &[Sysctl],
        created: &mut Vec<String>,
    ) -> Result<(), ApplyError> {
        namespace::create(names, sysctls, created).await
    }

    async fn sysctls(&self, plan: &Plan, list: &[Sysctl]) -> Result<(), ApplyError> {
        sysctl::apply(plan, list).await
    }

    async fn links_active(&self, nl: &Session, plan: &Plan) -> Result<(), ApplyError> {
        link::wait_active(plan, nl).await
    }

    async fn link_sysctls(&self, nl: &Session, plan: &Plan, list: &[Sysctl]) -> Result<(), ApplyError> {
        sysctl::apply_links(nl, plan, list).await
    }

    async fn connect(&self, plan: &Plan) -> Result<Session, ApplyError> {
        let indexes = Indexes::of(plan);
        let mut handles = Handles::open(&plan.namespaces).await?;
        handles.open_underlays(plan).await?;
        Ok(Session { handles, indexes })
    }

    async fn links(&self, nl: &Session, plan: &Plan) -> Result<(), ApplyError> {
        link::apply(plan, nl).await
    }

    async fn addresses(&self, nl: &Session, plan: &Plan) -> Result<(), ApplyError> {
        address::apply(plan, nl).await
    }

    async fn routes(&self, nl: &Session, plan: &Plan) -> Result<(), ApplyError> {
        route::apply(plan, nl).await
    }

    async fn neighbours(&self, nl: &Session, plan: &Plan) -> Result<(), ApplyError> {
        neighbour::apply(plan, nl).await
    }

    async fn connect_running(&self, plan: &Plan, fresh: &[String]) -> Result<Session, ApplyError> {
        Session::running(plan, fresh).await
    }

    /// Neighbours, rules, routes, addresses, then links: each kind tried whole, the first
    /// error returned.
    async fn remove(&self, nl: &Session, r: &Removal) -> Result<(), ApplyError> {
        let results = [
            neighbour::delete(&r.neighbours, nl).await,
            route::delete_rules(&r.rules, nl).await,
            route::delete(&r.routes, nl).await,
            address::delete(&r.addrs, nl).await,
            link::delete(&r.links, nl).await,
        ];
        results.into_iter().collect::<Result<Vec<()>, _>>().map(|_| ())
    }

    async fn firewalls(&self, plan: &Plan) -> Result<(), ApplyError> {
        firewall::apply(plan).await
    }

    async fn spawn(&self, lab: &str, state_dir: &Path, p: &Process) -> Result<ProcRecord, ApplyError> {
        process::spawn(lab, state_dir, p).await
    }

    async fn spawn_pauses(
        &self,
        lab: &str,
        pauses: &[&Process],
        started: &mut Vec<ProcRecord>,
    ) -> Result<(), ApplyError> {
        process::spawn_pauses(lab, pauses, started).await
    }

    fn stop(&self, procs: &[ProcRecord]) -> usize {
        process::stop(procs)
    }

    fn delete_namespace(&self, name: &str) -> std::io::Result<bool> {
        namespace::delete(name)
    }

    fn delete_namespaces(&self, names: &[String]) -> Vec<std::io::Result<bool>> {
        namespace::delete_all(names)
    }

    fn namespaces(&self, prefix: &str) -> Vec<String> {
        netns::list(prefix)
    }

    fn owns_process(&self, lab: &str, state_dir: &std::path::Path, rec: &ProcRecord) -> bool {
        process::owned(lab, state_dir, rec)
    }

    fn remove_cgroups(&self, lab: &str) -> std::io::Result<usize> {
        crate::dataplane::sandbox::remove_cgroups(lab)
    }

    fn remove_container_cgroup(&self, lab: &str, id: &str) -> std::io::Result<usize> {
        crate::dataplane::sandbox::remove_container_cgroup(lab, id)
    }

    fn marked(&self, lab: Option<&str>) -> Vec<(ProcRecord, String)> {
        process::marked(lab)
    }

    fn inside(&self, lab: &str) -> Vec<ProcRecord> {
        process::inside(lab)
    }

    fn lab_processes(&self, lab: &str) -> Vec<ProcRecord> {
        process::of_lab(lab)
    }

    fn cgroup_labs(&self) -> Vec<String> {
        crate::dataplane::sandbox::cgroup_labs()
    }
}
