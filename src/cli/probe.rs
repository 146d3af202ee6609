//! `ecsnet probe LAB FROM TO:PORT`: one probe with real packets, and what answered.

use super::{EXIT_ENV, EXIT_FAILED, EXIT_INVALID, EXIT_OK};
use crate::model::resolve;
use crate::probe::ProbeSpec;
use crate::scenario::Outcome;
use std::time::Duration;

pub async fn run(lab: &str, from: &str, to: &str, protocol: &str, timeout_ms: u64, via: Option<&str>) -> i32 {
    if let Err(e) = super::check_environment() {
        eprintln!("ecsnet: {e}");
        return EXIT_ENV;
    }
    let (l, proto, via) = match (super::running_lab(lab), super::parse_protocol(protocol), super::parse_via(via)) {
        (Ok(l), Ok(p), Ok(v)) => (l, p, v),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return super::fail(e),
    };
    let parse = |s: &str| crate::scenario::parse_node(s).map_err(|e| format!("`{s}`: {e}"));
    let (src_ep, dst) = match (parse(from), parse(to)) {
        (Ok((s, _)), Ok(d)) => (s, d),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("ecsnet: {e}");
            return EXIT_INVALID;
        }
    };
    let src = match resolve::source(&l, &src_ep) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ecsnet: {e}");
            return EXIT_INVALID;
        }
    };
    let (ip, port) = match resolve::destination(&l, &dst.0, dst.1, via) {
        Ok(d) => d,
        Err(e) => {
            println!("unreachable: {e}");
            return EXIT_FAILED;
        }
    };
    let spec = ProbeSpec {
        id: 0,
        src_ns: src.ns,
        bind: src.bind,
        dst: ip,
        port,
        proto,
        path: "/".into(),
        timeout: Duration::from_millis(timeout_ms),
    };
    let res = crate::probe::run(vec![spec]).await;
    let Some(r) = res.into_iter().next() else { return EXIT_FAILED };
    let target = match port {
        Some(p) => format!("{ip}:{p}"),
        None => ip.to_string(),
    };
    let detail = if r.detail == r.outcome.to_string() { String::new() } else { format!(" ({})", r.detail) };
    println!(
        "{from} -> {to} ({target}/{protocol}): {} in {:.1} ms{detail}",
        r.outcome,
        r.elapsed.as_secs_f64() * 1000.0
    );
    if let Some(id) = &r.identity {
        println!("  served by {} (reached at {}, source seen as {})", id.node, id.local, id.peer);
    }
    if r.outcome == Outcome::Connected { EXIT_OK } else { EXIT_FAILED }
}
