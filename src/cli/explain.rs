//! `ecsnet explain LAB|FILE FROM TO:PORT`: the hop-by-hop verdict and its reason, computed on
//! the model (no packets, no root needed for a file).

use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK, fail};
use crate::scenario::Outcome;

pub fn run(target: &str, from: &str, to: &str, protocol: &str, via: Option<&str>, json: bool) -> i32 {
    let (lab, proto, via) = match (super::lab_or_file(target), super::parse_protocol(protocol), super::parse_via(via)) {
        (Ok(l), Ok(p), Ok(v)) => (l, p, v),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return fail(e),
    };
    let (src, dst) = match (crate::scenario::parse_node(from), crate::scenario::parse_node(to)) {
        (Ok(s), Ok(d)) => (s.0, d),
        (Err(e), _) | (_, Err(e)) => return fail((EXIT_INVALID, e)),
    };
    let a = crate::analyze::analyze(&lab, &src, &dst.0, dst.1, proto, via);
    if json {
        println!("{}", serde_json::to_string_pretty(&a).unwrap_or_default());
    } else {
        println!("{from} -> {to}/{protocol} in lab {}", lab.name);
        print!("{}", crate::analyze::render(&a));
    }
    if a.outcome == Some(Outcome::Connected) { EXIT_OK } else { EXIT_FAILED }
}
