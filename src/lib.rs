//! ecsnet: Amazon ECS container networking (bridge, awsvpc, host, none) emulated on one Linux
//! machine with network namespaces.
//!
//! Layers, one folder each, from the bottom up; a module uses only what is below it
//! (`tests/layers.rs` fails on an upward import or a circle):
//!
//! | layer | what it is |
//! |---|---|
//! | `i18n` | messages in the user's language: Fluent catalogs, English in the code (pure) |
//! | `scenario` | parse and validate the file, located diagnostics (pure) |
//! | `import` | CloudFormation templates and Terraform plans -> a scenario file (pure) |
//! | `model` | the resolved lab: addresses, ENIs, placement, names, services (pure) |
//! | `plan`, `analyze` | the model as kernel objects; a packet's path through the model (pure) |
//! | `sys` | namespaces, sockets, /proc, limits, time: no knowledge of labs |
//! | `dataplane` | the only code that changes the kernel: apply a plan, remove a lab |
//! | `services` | what runs inside a lab: the agent and the services it hosts |
//! | `probe` | real packets from a namespace |
//! | `judge` | expectation + analysis + probe result -> verdict (pure) |
//! | `check` | a running lab's expectations: probes sent, verdicts judged |
//! | `views`, `report`, `graph` | what users read: ps/inspect, test reports, pictures |
//! | `cli` | one file per verb |

pub mod i18n;

pub mod scenario;

pub mod import;

pub mod model;

pub mod analyze;
pub mod plan;

pub mod sys;

pub mod dataplane;

pub mod services;

pub mod probe;

pub mod judge;

pub mod check;

pub mod graph;
pub mod report;
pub mod views;

pub mod cli;
