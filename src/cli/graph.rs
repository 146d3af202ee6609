//! `ecsnet graph FILE|LAB --format mermaid|dot|svg [--results test.json]`: the topology, and
//! the expectations coloured by verdict when given the output of `ecsnet test --json`.

use super::{CliError, Exit, Outcome};
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
        f => return Err(CliError::Invalid(format!("unknown format `{f}` (mermaid, dot, svg)"))),
    };
    match out {
        Some(p) => std::fs::write(p, text).map_err(|e| CliError::Failed(format!("{}: {e}", p.display())))?,
        None => print!("{text}"),
    }
    Ok(Exit::Ok)
}
