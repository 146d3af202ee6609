//! References between blocks, checked once the whole file is read: a name must be declared,
//! else an error with a "did you mean" (unless the declaration itself had errors).

use super::located::Located;
use super::walk::*;
use crate::i18n::tr;
use std::collections::{HashMap, HashSet};

/// Names declared in the file per kind ("subnet", "task definition family", ...), including by
/// entries that had errors (so that references to them do not produce a second, misleading
/// error).
#[derive(Default)]
pub(crate) struct Seen {
    names: HashMap<&'static str, HashSet<String>>,
}

impl Seen {
    pub fn insert(&mut self, kind: &'static str, name: &str) {
        self.names.entry(kind).or_default().insert(name.to_string());
    }
    pub fn contains(&self, kind: &str, name: &str) -> bool {
        self.names.get(kind).is_some_and(|s| s.contains(name))
    }
}

/// The names declared per kind, in file order (the order of "declared ..." help texts).
#[derive(Default)]
pub(crate) struct Declared<'d> {
    pub subnets: Vec<&'d str>,
    pub route_tables: Vec<&'d str>,
    pub nat_gateways: Vec<&'d str>,
    pub endpoints: Vec<&'d str>,
    pub load_balancers: Vec<&'d str>,
    /// Those of `type: network` (`nlb/NAME`; the others are `alb/NAME`).
    pub network_load_balancers: Vec<&'d str>,
    /// Declared groups, and `default` (which every VPC has).
    pub security_groups: Vec<&'d str>,
    pub internet_hosts: Vec<&'d str>,
    pub instances: Vec<&'d str>,
    pub tasks: Vec<&'d str>,
    /// Service names (for `service/NAME` references).
    pub services: Vec<&'d str>,
    /// Task definition families (a repeated family is listed once when its revisions are adjacent).
    pub families: Vec<&'d str>,
}

/// What a reference is to: its kind (as `Seen` knows it) and its plural (for help texts).
#[derive(Clone, Copy)]
pub(crate) struct RefKind {
    pub kind: &'static str,
    pub plural: &'static str,
}

pub(crate) const SUBNET: RefKind = RefKind { kind: "subnet", plural: "subnets" };
pub(crate) const ROUTE_TABLE: RefKind = RefKind { kind: "route table", plural: "route tables" };
pub(crate) const NAT_GATEWAY: RefKind = RefKind { kind: "NAT gateway", plural: "NAT gateways" };
pub(crate) const SECURITY_GROUP: RefKind = RefKind { kind: "security group", plural: "security groups" };
pub(crate) const INTERNET_HOST: RefKind = RefKind { kind: "internet host", plural: "internet hosts" };
pub(crate) const INSTANCE: RefKind = RefKind { kind: "instance", plural: "instances" };
pub(crate) const TASK: RefKind = RefKind { kind: "task", plural: "tasks" };
pub(crate) const SERVICE: RefKind = RefKind { kind: "service", plural: "services" };
pub(crate) const NETWORK_ACL: RefKind = RefKind { kind: "network ACL", plural: "network ACLs" };
pub(crate) const ENDPOINT: RefKind = RefKind { kind: "VPC endpoint", plural: "VPC endpoints" };
pub(crate) const LOAD_BALANCER: RefKind = RefKind { kind: "load balancer", plural: "load balancers" };
pub(crate) const TARGET_GROUP: RefKind = RefKind { kind: "target group", plural: "target groups" };
pub(crate) const NAMESPACE: RefKind = RefKind { kind: "Cloud Map namespace", plural: "Cloud Map namespaces" };
pub(crate) const REGISTRY: RefKind = RefKind { kind: "Cloud Map service", plural: "Cloud Map services" };
pub(crate) const FAMILY: RefKind = RefKind { kind: "task definition family", plural: "task definitions" };

/// Check that `name` is one of `declared`; names in `seen` were declared by entries that had
/// their own errors and are not reported again.
pub(crate) fn reference(cx: &mut Reader, name: &Located<String>, of: RefKind, declared: &[&str], seen: &Seen) -> bool {
    if declared.contains(&name.value.as_str()) {
        return true;
    }
    if seen.contains(of.kind, &name.value) {
        return false;
    }
    let help = match suggest(&name.value, declared) {
        Some(s) => tr!("scenario-did-you-mean", "did you mean `{ $name }`?", name = s),
        None if declared.is_empty() => tr!("scenario-none-declared", "no { $kinds } are declared", kinds = of.plural),
        None => tr!(
            "scenario-declared",
            "declared { $kinds }: { $names }",
            kinds = of.plural,
            names = names_list(declared.iter().copied())
        ),
    };
    let msg =
        tr!("scenario-unknown-reference", "unknown { $kind } `{ $name }`", kind = of.kind, name = short(&name.value));
    cx.err(&name.loc, msg, help);
    false
}
