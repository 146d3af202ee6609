//! What the analyzer's unit tests share: labs from the scenarios, and flows by their endpoints'
//! text as users write them.

use super::analyze;
use crate::model::{Eni, Lab};
use crate::scenario::{Node, Outcome, ProbeProto, Via, load_str};
use std::net::Ipv4Addr;
use std::path::Path;

/// The lab of a scenario file of the repository.
pub fn lab(file: &str) -> Lab {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let s = load_str(&p, &std::fs::read_to_string(&p).unwrap()).unwrap_or_else(|d| panic!("{d}"));
    crate::model::build(&s).unwrap()
}

/// The lab of a scenario given as text.
pub fn lab_from_str(name: &str, text: &str) -> Lab {
    let s = load_str(Path::new(name), text).unwrap_or_else(|d| panic!("{d}"));
    crate::model::build(&s).unwrap()
}

fn ep(s: &str) -> (Node, Option<u16>) {
    crate::scenario::parse_node(s).unwrap()
}

/// The outcome and explanation code of a flow.
pub fn code(l: &Lab, from: &str, to: &str, proto: ProbeProto, via: Option<Via>) -> (Option<Outcome>, Option<String>) {
    let (t, port) = ep(to);
    let a = analyze(l, &ep(from).0, &t, port, proto, via);
    (a.outcome, a.code.map(|c| c.code().to_string()))
}

pub fn tcp(l: &Lab, from: &str, to: &str) -> (Option<Outcome>, Option<String>) {
    code(l, from, to, ProbeProto::Tcp, None)
}

pub fn is(o: Outcome, c: &str) -> (Option<Outcome>, Option<String>) {
    (Some(o), Some(c.to_string()))
}

pub fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

pub fn subnet(l: &Lab, n: &str) -> usize {
    l.vpc.subnets.iter().position(|s| s.name == n).unwrap()
}

pub fn task_eni<'a>(l: &'a Lab, t: &str) -> &'a Eni {
    &l.enis[l.task(t).unwrap().eni.unwrap()]
}
