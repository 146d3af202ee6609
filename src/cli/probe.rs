//! `ecsnet probe LAB FROM TO:PORT`: one probe with real packets, and what answered.

use super::{CliError, Exit, Outcome};
use crate::i18n::tr;
use crate::model::resolve;
use crate::probe::ProbeSpec;
use crate::scenario::Outcome as Verdict;
use std::time::Duration;

pub async fn run(lab: &str, from: &str, to: &str, protocol: &str, timeout_ms: u64, via: Option<&str>) -> Outcome {
    super::check_environment()?;
    let l = super::running_lab(lab)?;
    let proto = super::parse_protocol(protocol)?;
    let via = super::parse_via(via)?;
    let parse = |s: &str| crate::scenario::parse_node(s).map_err(|e| CliError::Invalid(format!("`{s}`: {e}")));
    let src_node = parse(from)?.0;
    let mut dst = parse(to)?;
    super::check_node_names(&l, &src_node)?;
    super::check_node_names(&l, &dst.0)?;
    let src = resolve::source(&l, &src_node).map_err(|e| CliError::Invalid(e.to_string()))?;
    // A name: asked from FROM's resolver on packets first, as a client does; the first address
    // answered is probed, with the name as its Host.
    let mut host = resolve::host_header(&l, &dst.0);
    if let crate::scenario::Node::Name(name) = &dst.0 {
        let asked = crate::check::names::ask(&l, &src_node, name, Duration::from_millis(timeout_ms)).await;
        println!("{}", crate::judge::by_name::line(&asked));
        let Some(ip) = asked.first() else { return Ok(Exit::Failed) };
        host = Some(name.clone());
        dst.0 = crate::scenario::Node::Ip(ip);
    }
    let (ip, port) = match resolve::destination(&l, &dst.0, dst.1, via, proto) {
        Ok(d) => d,
        // No address to send to: that is the answer, not an error of the command.
        Err(e) => {
            println!("{}", tr!("probe-unreachable", "unreachable: { $reason }", reason = e));
            return Ok(Exit::Failed);
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
        host,
        timeout: Duration::from_millis(timeout_ms),
    };
    // Where the analyzer says the packet is dropped, the probe ends as soon as it is seen
    // dropped there, and says by which rule.
    let site = crate::analyze::analyze(&l, &src_node, &dst.0, dst.1, proto, via).drop_site;
    let sites = site.map(|s| vec![(0, s)]).unwrap_or_default();
    super::watch_signals();
    let Some(res) = super::until_interrupted(crate::probe::run_watched(vec![spec], sites)).await else {
        eprintln!("ecsnet: {}", tr!("probe-interrupted-one", "interrupted: the probe was abandoned"));
        return Ok(Exit::Interrupted);
    };
    let Some(r) = res.into_iter().next() else { return Ok(Exit::Failed) };
    let target = match port {
        Some(p) => format!("{ip}:{p}"),
        None => ip.to_string(),
    };
    let detail = if r.detail == r.outcome.to_string() { String::new() } else { format!(" ({})", r.detail) };
    let ms = format!("{:.1}", r.elapsed.as_secs_f64() * 1000.0);
    let line = tr!(
        "probe-result",
        "{ $from } -> { $to } ({ $target }/{ $protocol }): { $outcome } in { $ms } ms{ $detail }",
        from = from,
        to = to,
        target = target,
        protocol = protocol,
        outcome = r.outcome,
        ms = ms,
        detail = detail
    );
    println!("{line}");
    if let Some(id) = &r.identity {
        let by = tr!(
            "probe-served-by",
            "served by { $node } (reached at { $local }, source seen as { $peer })",
            node = id.node,
            local = id.local,
            peer = id.peer
        );
        println!("  {by}");
    }
    Ok(if r.outcome == Verdict::Connected { Exit::Ok } else { Exit::Failed })
}
