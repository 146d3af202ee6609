//! `ecsnet graph FILE|LAB --format mermaid|dot|svg [--results test.json]`: the topology, and
//! the expectations coloured by verdict when given the output of `ecsnet test --json`.

use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK};
use std::path::Path;

pub fn run(target: &str, format: &str, results: Option<&Path>, out: Option<&Path>) -> i32 {
    let lab = match super::lab_or_file(target) {
        Ok(l) => l,
        Err(e) => return super::fail(e),
    };
    let mut verdicts = vec![];
    if let Some(r) = results {
        let data = match std::fs::read(r) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("ecsnet: {}: {e}", r.display());
                return EXIT_FAILED;
            }
        };
        // `test --json` prints a list of scenario reports; take the one of this lab.
        let v: serde_json::Value = serde_json::from_slice(&data).unwrap_or_default();
        let reports = v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]);
        for rep in reports {
            if rep.get("lab").and_then(|l| l.as_str()) == Some(lab.name.as_str()) {
                if let Some(vs) = rep.get("verdicts").and_then(|x| serde_json::from_value(x.clone()).ok()) {
                    verdicts = vs;
                }
            }
        }
    }
    let text = match format {
        "mermaid" => crate::graph::mermaid(&lab, &verdicts),
        "dot" => crate::graph::dot(&lab, &verdicts),
        "svg" => match crate::graph::svg(&lab, &verdicts) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("ecsnet: {e}");
                return EXIT_FAILED;
            }
        },
        f => {
            eprintln!("ecsnet: unknown format `{f}` (mermaid, dot, svg)");
            return EXIT_INVALID;
        }
    };
    match out {
        Some(p) => match std::fs::write(p, text) {
            Ok(()) => EXIT_OK,
            Err(e) => {
                eprintln!("ecsnet: {}: {e}", p.display());
                EXIT_FAILED
            }
        },
        None => {
            print!("{text}");
            EXIT_OK
        }
    }
}
