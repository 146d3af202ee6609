//! Layer 1: the scenario file. Parse and validate; pure (reads files, touches nothing else).
//!
//! One file per kind of block, each with its types, its field table, its parser and its
//! cross-reference checks: `vpc`, `subnet`, `route_table`, `nat_gateway`, `security_group`,
//! `network_acl`, `internet`, `instance`, `task_definition`, `container`, `task`,
//! `service`, `expectation`. `document` reads the top level and calls them in order; `schema` turns the
//! field tables into a JSON Schema. Underneath: `text` (bytes to a YAML tree), `walk` (typed,
//! located reads of that tree), `builder` and `reference` (names and references).

pub mod agent_config;
pub mod aws;
pub mod aws_service;
mod builder;
pub mod cluster_query;
mod container;
pub mod dhcp_options;
mod document;
pub mod error;
mod expect_file;
mod expectation;
mod fields;
mod instance;
pub mod instance_types;
mod internet;
mod json;
pub mod listener;
mod listener_tls;
pub mod load_balancer;
mod located;
pub mod metadata_options;
mod names;
pub use names::suggest;
pub mod managed_policy;
mod nat_gateway;
mod network_acl;
mod node;
pub mod policy;
mod primitives;
mod public_address;
mod reference;
pub mod role;
mod route_table;
mod rule;
pub mod schema;
mod security_group;
pub mod service;
pub mod service_discovery;
mod service_registry;
mod split;
mod subnet;
pub mod target_group;
mod task;
mod task_definition;
mod text;
mod vpc;
pub mod vpc_endpoint;
mod walk;

#[cfg(test)]
mod corpus_test;
#[cfg(test)]
mod elb_tests;
#[cfg(test)]
mod tests;

pub use agent_config::AgentConfig;
pub use container::{ContainerDefinition, PortMapping, SecretRef, SecretSource, XEcsnet};
pub use document::{Scenario, check_lab_name};
pub use error::{Diagnostic, Diagnostics};
pub use expectation::{
    CALLS, CallCheck, CallDef, CallExpect, DnsCheck, ExpectKind, Expectation, HostPort, HttpCheck, IcmpMessage,
    MAX_NEVER_PROBES, MAX_RUN_PROBES, MAX_TIMEOUT_MS, MIN_TIMEOUT_MS, Never, Outcome, Placement, ProbeProto, Reach,
    ResolvesTo, ResourceKind, ServiceState, Spread, Started, TARGET_STATES, TargetHealthCheck, Via, find_call, glob,
};
pub use instance::Instance;
pub use instance_types::eni_limits;
pub use internet::{Internet, InternetHost};
pub use listener::{Action, Condition, Listener, ListenerRule, Redirect, Weighted};
pub use load_balancer::{LbType, LoadBalancer, Scheme};
pub use located::{Loc, Located};
pub use metadata_options::MetadataOptions;
pub use nat_gateway::NatGateway;
pub use network_acl::{AclAction, AclRule, NetworkAcl};
pub use node::{Node, parse_node};
pub use primitives::{LaunchType, NetworkMode, PortProto, PortRange, Proto};
pub use route_table::{Route, RouteTable, RouteTarget};
pub use rule::RuleProto;
pub use security_group::{Peer, SecurityGroup, SgRule};
pub use subnet::Subnet;
pub use target_group::{ElbProtocol, HealthCheck, HealthCheckPort, TargetGroup, TargetRef, TargetType};
pub use task::{AwsvpcConfiguration, Task};
pub use task_definition::{TaskDefRef, TaskDefSource, TaskDefinition, find_task_def};
pub use text::{MAX_DEPTH, MAX_FILE_BYTES, ReadError, read_regular};
pub use vpc::Vpc;

use crate::i18n::tr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Read, parse and validate a scenario file. `file:` task definitions are resolved relative to
/// the scenario's directory.
pub fn load(path: &Path) -> Result<Scenario, Diagnostics> {
    let file = Arc::new(path.to_path_buf());
    match text::read_text(path, &file, None) {
        Ok(t) => load_str(path, &t),
        Err(d) => Err(Diagnostics(vec![d])),
    }
}

/// A scenario's topology without its expectations, and its whole text to check them by
/// [`load_str`] aside (`up` builds the lab while the expectations, which can be most of a
/// large file, are parsed on another thread). None when the file has no large top-level
/// `expect:` block that can be told apart line by line: then [`load`] it whole.
pub fn load_topology(path: &Path) -> Option<(Scenario, String)> {
    let file = Arc::new(path.to_path_buf());
    let text = text::read_text(path, &file, None).ok()?;
    let topology = split::without_expect(&text)?;
    let s = load_str(path, &topology).ok()?;
    Some((s, text))
}

/// Same from text (`path` is used for locations and for resolving `file:`).
pub fn load_str(path: &Path, text: &str) -> Result<Scenario, Diagnostics> {
    load_parts(path, text, &[])
}

/// [`load`] with the expectations of other files after the scenario's own (`ecsnet test
/// SCENARIO --expect FILE`): each file has an `expect:` list, and its mistakes are located in
/// it. An imported scenario can then be generated again while the expectations stay.
pub fn load_with_expect(path: &Path, expect: &[PathBuf]) -> Result<Scenario, Diagnostics> {
    if expect.is_empty() {
        return load(path);
    }
    let mut texts = vec![];
    let mut diags = vec![];
    for p in std::iter::once(path).chain(expect.iter().map(PathBuf::as_path)) {
        match text::read_text(p, &Arc::new(p.to_path_buf()), None) {
            Ok(t) => texts.push(t),
            Err(d) => diags.push(d),
        }
    }
    if !diags.is_empty() {
        return Err(Diagnostics(diags));
    }
    let extra: Vec<(PathBuf, String)> = expect.iter().cloned().zip(texts.drain(1..)).collect();
    load_parts(path, &texts[0], &extra)
}

/// A scenario's text and the expectation files' (path, text) after it.
fn load_parts(path: &Path, text: &str, expect_files: &[(PathBuf, String)]) -> Result<Scenario, Diagnostics> {
    let file = Arc::new(path.to_path_buf());
    let root = match text::parse_yaml(text, &file, "a scenario file") {
        Ok(n) => n,
        Err(d) => return Err(Diagnostics(vec![d])),
    };
    let base_dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut b = builder::Builder::new(file.clone(), base_dir);
    b.cx.source = Some(Arc::from(text));
    let mut draft = document::draft(&mut b, &root);
    for (p, t) in expect_files {
        expect_file::parse(&mut b, p, t, &mut draft.expect);
    }
    let scenario = document::finish(&mut b, draft, path.to_path_buf());
    match scenario {
        Some(s) if b.cx.diags.is_empty() => Ok(s),
        _ => {
            let mut diags = Diagnostics(std::mem::take(&mut b.cx.diags));
            diags.sort();
            if b.cx.overflow || diags.0.len() > walk::MAX_DIAGNOSTICS {
                diags.0.truncate(walk::MAX_DIAGNOSTICS);
                diags.push(Diagnostic::new(
                    &Loc::new(file.clone(), 1, 1),
                    tr!(
                        "scenario-too-many-errors",
                        "too many errors; only the first { $count } are shown",
                        count = walk::MAX_DIAGNOSTICS
                    ),
                    tr!("scenario-too-many-errors-help", "fix these and validate again"),
                ));
            }
            if diags.is_empty() {
                // Defensive: a scenario could not be built but nothing was reported.
                diags.push(Diagnostic::new(
                    &Loc::new(file, 1, 1),
                    tr!("scenario-incomplete", "the scenario is incomplete"),
                    "",
                ));
            }
            Err(diags)
        }
    }
}
