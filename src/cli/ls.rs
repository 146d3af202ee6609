//! `ecsnet ls`: running labs; `--orphans`: labs found only by their marks (state lost).

use super::{Exit, Outcome};
use crate::dataplane::{self, state};

pub fn run(orphans: bool, json: bool) -> Outcome {
    let known = state::labs();
    let mut rows = vec![];
    for lab in dataplane::all_labs() {
        let j = state::load_journal(&lab).ok();
        let status = match &j {
            Some(j) if j.complete => "up",
            Some(_) => "incomplete",
            None => "orphan",
        };
        if orphans && status == "up" {
            continue;
        }
        let nss = crate::sys::netns::list(&crate::model::ids::ns_prefix(&lab)).len();
        let file = j.map(|j| j.scenario_file.display().to_string()).unwrap_or_default();
        rows.push(serde_json::json!({"lab": lab, "status": status, "namespaces": nss, "scenario": file, "state": known.contains(&lab)}));
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
        return Ok(Exit::Ok);
    }
    println!("{:<22} {:<11} {:>10}  SCENARIO", "LAB", "STATUS", "NAMESPACES");
    for r in rows {
        println!(
            "{:<22} {:<11} {:>10}  {}",
            r["lab"].as_str().unwrap_or(""),
            r["status"].as_str().unwrap_or(""),
            r["namespaces"],
            r["scenario"].as_str().unwrap_or("")
        );
    }
    Ok(Exit::Ok)
}
