//! `ecsnet ls`: running labs; `--orphans`: everything else found on the machine: labs whose
//! state was lost (found by their namespaces, marks or cgroups), and processes that survived a
//! `down` in a lab's cgroup.

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
        let procs = dataplane::process_count(&lab);
        let user = j.as_ref().and_then(|j| j.user).map(super::user_name).unwrap_or_default();
        let file = j.map(|j| j.scenario_file.display().to_string()).unwrap_or_default();
        rows.push(serde_json::json!({"lab": lab, "status": status, "namespaces": nss, "processes": procs, "user": user, "scenario": file, "state": known.contains(&lab)}));
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
        return Ok(Exit::Ok);
    }
    println!("{:<22} {:<11} {:>10} {:>9}  {:<10} SCENARIO", "LAB", "STATUS", "NAMESPACES", "PROCESSES", "USER");
    for r in rows {
        println!(
            "{:<22} {:<11} {:>10} {:>9}  {:<10} {}",
            r["lab"].as_str().unwrap_or(""),
            r["status"].as_str().unwrap_or(""),
            r["namespaces"].as_u64().unwrap_or(0),
            r["processes"].as_u64().unwrap_or(0),
            r["user"].as_str().unwrap_or(""),
            r["scenario"].as_str().unwrap_or("")
        );
    }
    Ok(Exit::Ok)
}
