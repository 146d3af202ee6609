//! ecsnet: Amazon ECS container networking (bridge, awsvpc, host, none) emulated on one Linux
//! machine with network namespaces.
//!
//! Layers, each in its own folder: `scenario` (parse + validate, pure) → `model` (placement,
//! addresses, names and the plan of kernel objects, pure) → `dataplane` (the only code that
//! touches the kernel) → `probe` and `services` (probes, responders, holders) → `cli`.

pub mod analyze;
pub mod cli;
pub mod dataplane;
pub mod expect;
pub mod graph;
pub mod model;
pub mod probe;
pub mod report;
pub mod scenario;
pub mod services;
pub mod state;
pub mod views;
