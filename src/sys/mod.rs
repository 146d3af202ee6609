//! The bottom layer: the few operating-system operations every layer above needs (enter a
//! namespace, open a socket in one, start a process isolated as a container's, make cgroups,
//! read /proc, raise limits, tell the time). Nothing here knows what a lab is.

pub mod bpf;
pub mod caps;
pub mod cgroup;
pub mod isolate;
pub mod limits;
pub mod link;
pub mod neigh;
pub mod netns;
pub mod nft;
pub mod proc;
pub mod procfs;
pub mod signal;
pub mod sock;
pub mod thread;
pub mod time;
