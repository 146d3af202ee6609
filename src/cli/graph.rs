//! `ecsnet graph FILE|LAB --format mermaid|dot|svg|html [--results test.json]`: the topology,
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

/// The verdicts of lab `lab` in the output of `test --json` (a list of scenario reports).
fn verdicts_of(results: &Path, lab: &str) -> Result<Vec<Verdict>, CliError> {
    let data = crate::scenario::read_regular(results, MAX_RESULTS_BYTES)
        .map_err(|e| CliError::Failed(format!("{}: {e}", results.display())))?;
    let v: serde_json::Value = serde_json::from_slice(&data).unwrap_or_default();
    let reports = v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]);
    let mut verdicts = vec![];
    for rep in reports {
        if rep.get("lab").and_then(|l| l.as_str()) == Some(lab) {
            if let Some(vs) = rep.get("verdicts").and_then(|x| serde_json::from_value(x.clone()).ok()) {
                verdicts = vs;
            }
        }
    }
    Ok(verdicts)
}

pub fn run(target: &str, format: &str, results: Option<&Path>, out: Option<&Path>) -> Outcome {
    let lab = super::lab_or_file(target)?;
    let verdicts = match results {
        Some(r) => verdicts_of(r, &lab.name)?,
        None => vec![],
    };
    let text = match format {
        "mermaid" => crate::graph::mermaid(&lab, &verdicts),
        "dot" => crate::graph::dot(&lab, &verdicts),
        "svg" => crate::graph::svg(&lab, &verdicts).map_err(CliError::Failed)?,
        "html" => crate::graph::html(&lab, &verdicts, &details(target, &lab, &verdicts)),
        f => {
            return Err(CliError::Invalid(tr!(
                "graph-unknown-format",
                "unknown format `{ $format }` (mermaid, dot, svg, html)",
                format = f
            )));
        }
    };
    match out {
        Some(p) => std::fs::write(p, text).map_err(|e| CliError::Failed(format!("{}: {e}", p.display())))?,
        None => print!("{text}"),
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
            _ => String::new(),
        };
        d.verdicts.push(text);
    }
    // A running lab: `docker inspect` of the containers, under the node that holds them.
    if let Ok((_, rt)) = super::ps::load(target) {
        for c in crate::model::docker::containers(lab) {
            let node = match c.task() {
                Some(t) => format!("task/{}", t.name),
                None => format!("instance/{}", c.inst().name),
            };
            let json = crate::views::inspect::render(&[crate::views::inspect::inspect(&c, &rt)]);
            let entry = d.nodes.entry(node).or_default();
            entry.push_str(&format!("docker inspect {}\n{json}\n", c.model().docker_name));
        }
    }
    d
}
