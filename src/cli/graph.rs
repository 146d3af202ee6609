//! `ecsnet graph FILE|LAB --format mermaid|dot|svg|png|html [--results test.json]`: the topology,
//! and the expectations coloured by verdict when given the output of `ecsnet test --json` (for a
//! running lab, its stored expectations' last verdicts are not kept: give `--results`). The
//! HTML page also carries, for a running lab, `docker inspect` of each task's containers and
//! each instance's agent, and the `explain` of every verdict.

use super::{CliError, Exit, Outcome};
use crate::i18n::tr;
use crate::judge::Verdict;
use std::path::Path;

/// The largest `--results` file read: `test --json` of 20,000 expectations is far below.
pub const MAX_RESULTS_BYTES: usize = 64 * 1024 * 1024;

/// The verdicts of `lab` in the output of `test --json` (a list of scenario reports): the
/// report of its lab name, or else of its scenario file (a run with `--name` or `--prefix`
/// named the lab differently).
fn verdicts_of(results: &Path, lab: &crate::model::Lab) -> Result<Vec<Verdict>, CliError> {
    let data = crate::scenario::read_regular(results, MAX_RESULTS_BYTES)
        .map_err(|e| CliError::Failed(format!("{}: {e}", results.display())))?;
    let v: serde_json::Value = serde_json::from_slice(&data).unwrap_or_default();
    let reports = v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]);
    let same_file = |f: &str| {
        let (a, b) = (Path::new(f).canonicalize(), lab.scenario_file.canonicalize());
        matches!((a, b), (Ok(a), Ok(b)) if a == b)
    };
    let by_name = reports.iter().find(|r| r.get("lab").and_then(|l| l.as_str()) == Some(lab.name.as_str()));
    let by_file = || reports.iter().find(|r| r.get("file").and_then(|f| f.as_str()).is_some_and(same_file));
    let verdicts = by_name
        .or_else(by_file)
        .and_then(|r| r.get("verdicts"))
        .and_then(|x| serde_json::from_value(x.clone()).ok())
        .unwrap_or_default();
    Ok(verdicts)
}

/// `1280x720` as (width, height), each 1 to the PNG's largest side.
fn parse_size(size: &str) -> Result<(u32, u32), CliError> {
    let bad = || {
        CliError::Invalid(tr!(
            "graph-bad-size",
            "--size `{ $size }`: give WIDTHxHEIGHT in pixels, each 1 to { $max }, e.g. 1280x720",
            size = size,
            max = crate::graph::PNG_MAX_SIDE
        ))
    };
    let (w, h) = size.split_once(['x', 'X']).ok_or_else(bad)?;
    let (w, h): (u32, u32) = (w.trim().parse().map_err(|_| bad())?, h.trim().parse().map_err(|_| bad())?);
    if w == 0 || h == 0 || w > crate::graph::PNG_MAX_SIDE || h > crate::graph::PNG_MAX_SIDE {
        return Err(bad());
    }
    Ok((w, h))
}

pub fn run(target: &str, format: &str, results: Option<&Path>, out: Option<&Path>, size: &str) -> Outcome {
    // A wrong format or size is said before any file is read.
    let size = if format == "png" { Some(parse_size(size)?) } else { None };
    if !["mermaid", "dot", "svg", "png", "html"].contains(&format) {
        return Err(CliError::Invalid(tr!(
            "graph-unknown-format",
            "unknown format `{ $format }` (mermaid, dot, svg, png, html)",
            format = format
        )));
    }
    let lab = super::lab_or_file(target)?;
    let lang = crate::i18n::lang();
    let verdicts = match results {
        Some(r) => verdicts_of(r, &lab)?,
        None => vec![],
    };
    let bytes = match format {
        "mermaid" => crate::graph::mermaid(&lab, &verdicts).into_bytes(),
        "dot" => crate::graph::dot(&lab, &verdicts).into_bytes(),
        "svg" => crate::graph::svg(&lab, &verdicts, lang).map_err(CliError::Failed)?.into_bytes(),
        "png" => {
            let (bytes, drawn) = crate::graph::png(&lab, &verdicts, size, lang).map_err(CliError::Failed)?;
            if drawn != lang {
                eprintln!(
                    "{}",
                    tr!(
                        "graph-png-no-font",
                        "ecsnet: no Japanese font on this machine (e.g. apt install fonts-ipafont-gothic): the PNG's legend is in English"
                    )
                );
            }
            bytes
        }
        _ => crate::graph::html(&lab, &verdicts, &details(target, &lab, &verdicts), lang).into_bytes(),
    };
    match out {
        Some(p) => std::fs::write(p, bytes).map_err(|e| CliError::Failed(format!("{}: {e}", p.display())))?,
        None if format != "png" => print!("{}", String::from_utf8_lossy(&bytes)),
        None => {
            use std::io::{IsTerminal as _, Write as _};
            let mut out = std::io::stdout().lock();
            if out.is_terminal() {
                return Err(CliError::Invalid(tr!(
                    "graph-png-terminal",
                    "a PNG is not for a terminal: give -o FILE.png, or redirect"
                )));
            }
            match out.write_all(&bytes).and_then(|_| out.flush()) {
                Ok(()) => {}
                // The reader went away (`| head -c 8`): as a tool killed by SIGPIPE would.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(141),
                Err(e) => return Err(CliError::Failed(format!("standard output: {e}"))),
            }
        }
    }
    Ok(Exit::Ok)
}

/// The expectations of `target`: the scenario file's, or those a running lab stored.
fn expectations(target: &str) -> Vec<crate::scenario::Expectation> {
    let p = Path::new(target);
    if p.exists() && !p.is_dir() {
        return crate::scenario::load(p).map(|s| s.expect).unwrap_or_default();
    }
    let path = crate::dataplane::state::dir(target).join("expect.json");
    crate::scenario::read_regular(&path, MAX_RESULTS_BYTES)
        .ok()
        .and_then(|d| serde_json::from_slice(&d).ok())
        .unwrap_or_default()
}

/// What the HTML page shows when a box or an arrow is clicked.
fn details(target: &str, lab: &crate::model::Lab, verdicts: &[Verdict]) -> crate::graph::Details {
    use crate::scenario::ExpectKind;
    let mut d = crate::graph::Details::default();
    let lang = crate::i18n::lang();
    let expects = expectations(target);
    for v in verdicts {
        let text = match expects.get(v.index).map(|e| &e.kind) {
            Some(ExpectKind::Reach(r)) => {
                let a = crate::analyze::analyze(lab, &r.from.value, &r.to.value, r.port, r.protocol, r.via);
                crate::analyze::render_in(&a, lang)
            }
            Some(ExpectKind::Call(c)) => match c.def() {
                Some(def) => {
                    let r = c.resource.as_ref().map(|r| r.value.as_str());
                    crate::analyze::call::render(&crate::analyze::call::analyze_call(lab, &c.from.value, def, r))
                }
                None => String::new(),
            },
            _ => String::new(),
        };
        d.verdicts.push(text);
    }
    // A running lab: `docker inspect` of the containers, under the node that holds them.
    if let Ok((_, rt)) = super::ps::load(target) {
        for c in crate::model::docker::containers(lab) {
            let node = match c.task() {
                Some(t) => format!("task/{}", t.name),
                None => format!("instance/{}", c.host_name()),
            };
            let json = crate::views::inspect::render(&[crate::views::inspect::inspect(&c, &rt)]);
            let entry = d.nodes.entry(node).or_default();
            entry.push_str(&format!("docker inspect {}\n{json}\n", c.model().docker_name));
        }
    }
    d
}
