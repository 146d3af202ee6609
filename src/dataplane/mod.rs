//! Layer 3: the dataplane, the only code that touches the kernel. `up` applies a plan (journal
//! first, so that `down` can find everything even if `up` is killed); `down` removes a lab from
//! its journal, or from its marks alone when the journal is gone.
//!
//! `update` takes a running lab from one plan to the next by their difference (a task stopped
//! or started while the lab runs), in `up`'s phase order.
//!
//! The lifecycle (`up.rs`, `update.rs`, `down.rs`) is written over the [`Kernel`] trait (`kernel.rs`) and a
//! [`Store`] of state directories (`state.rs`), so that its ordering, rollback and cleanup are
//! unit-tested without root against a recording fake (`fake.rs`, `tests.rs`). `linux/` is the
//! real kernel, one file per kind of kernel object.

pub mod ca;
pub mod down;
pub mod integrity;
pub mod kernel;
pub mod linux;
pub mod sandbox;
pub mod state;
pub mod up;
pub mod update;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod update_tests;

pub use down::DownReport;
pub use kernel::{ApplyError, Kernel};
pub use linux::LinuxKernel;
/// Spawning, finding and stopping a lab's processes (the path `ps` has always used).
pub use linux::process as procs;
pub use state::Store;
pub use up::{Cancel, Timings, UpError, UpOptions};
pub use update::UpdateError;

use crate::model::Lab;
use crate::plan::Plan;

/// Build the lab on this machine (state under /run/ecsnet). On any failure or cancellation
/// everything built so far is removed.
pub async fn up(lab: &Lab, plan: &Plan, opts: UpOptions) -> Result<Timings, UpError> {
    up::up(&LinuxKernel, &Store::system(), lab, plan, opts).await
}

/// Take the running lab `lab` names from plan `old` to plan `new` (`new` is `plan(lab)`) by
/// their difference, and save `lab` as its model (see `update::update`).
pub async fn update(lab: &Lab, old: &Plan, new: &Plan) -> Result<Timings, UpdateError> {
    update::update(&LinuxKernel, &Store::system(), lab, old, new).await
}

/// Remove everything of a lab from this machine: processes (journal, marks, inside), namespaces
/// (journal + prefix), cgroups, state. Idempotent.
pub fn down(lab: &str) -> DownReport {
    down::down(&LinuxKernel, &Store::system(), lab)
}

/// `down` of the lab only if `only` allows (see `down::down_of`).
pub fn down_of(lab: &str, only: &down::Only) -> DownReport {
    down::down_of(&LinuxKernel, &Store::system(), lab, only)
}

/// Every lab known on this machine: state directories, namespaces, marked processes, cgroups.
pub fn all_labs() -> Vec<String> {
    down::all_labs(&LinuxKernel, &Store::system())
}

/// What of a running lab is no longer as `up` built it (empty: intact). See `integrity`.
pub fn damage(lab: &Lab) -> Vec<String> {
    match state::load_journal(&lab.name) {
        Ok(j) => integrity::damage(&crate::plan::plan(lab), &j),
        Err(e) => vec![format!("its journal cannot be read ({e})")],
    }
}

/// How many processes run for a lab: marked as its, or inside its namespaces or cgroup.
pub fn process_count(lab: &str) -> usize {
    let mut pids: Vec<i32> = procs::marked(Some(lab)).into_iter().map(|(r, _)| r.pid).collect();
    pids.extend(procs::inside(lab).into_iter().map(|r| r.pid));
    pids.sort_unstable();
    pids.dedup();
    pids.len()
}
