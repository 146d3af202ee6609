//! Judging, pure: an expectation, the analyzer's walk of its flow and what the probe saw become a
//! verdict, cross-checked against the analyzer. No packets, no clock: `check` sends the probes.

mod answer;
pub mod by_name;
pub mod call;
mod cross_check;
pub mod dns;
mod host_port;
pub mod never;
pub mod never_through;
mod placement;
mod reach;
mod service;
pub mod spread;
mod started;
pub mod target_health;
#[cfg(test)]
mod tests;
mod verdict;

pub use call::{judge_call, plan_call};
pub use cross_check::{NEIGHBOUR_OVERFLOW, cross_check, neighbour_overflow};
pub use dns::judge_dns;
pub use host_port::judge_host_port;
pub use placement::judge_placement;
pub use reach::{Planned, judge_reach, plan_reach, reach_verdict};
pub use service::judge_service;
pub use spread::judge_spread;
pub use started::judge_started;
pub use target_health::judge_target_health;
pub use verdict::Verdict;
