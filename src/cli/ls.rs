//! `ecsnet ls LAB`: one lab's nodes and addresses again (table or JSON). `ecsnet ls`: running
//! labs; `--orphans`: everything else found on the machine: labs whose
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

/// One running lab, as `up` summed it up: instances, tasks with their addresses and ports,
/// NAT gateways; or the same as JSON.
pub fn one(lab: &str, json: bool) -> Outcome {
    let l = super::running_lab(lab)?;
    if !json {
        print!("{}", super::up::summary(&l, &crate::dataplane::state::load_starts(&l.name)));
        return Ok(Exit::Ok);
    }
    let instances: Vec<serde_json::Value> = l
        .instances
        .iter()
        .enumerate()
        .map(|(ii, i)| {
            let tasks: Vec<serde_json::Value> =
                l.tasks.iter().filter(|t| t.on_instance(ii)).map(|t| task_json(&l, t)).collect();
            serde_json::json!({
                "name": i.name, "id": i.id, "privateIp": l.instance_ip(i).to_string(),
                "publicIp": i.public_ip.map(|p| p.to_string()),
                "subnet": l.vpc.subnets[i.subnet].name, "tasks": tasks,
            })
        })
        .collect();
    let nats: Vec<serde_json::Value> = l
        .nats
        .iter()
        .map(|n| serde_json::json!({"name": n.name, "privateIp": l.enis[n.eni].ip.to_string(), "eip": n.eip.to_string()}))
        .collect();
    let v = serde_json::json!({"lab": l.name, "region": l.region, "vpc": l.vpc.cidr.to_string(), "instances": instances, "natGateways": nats});
    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    Ok(Exit::Ok)
}

fn task_json(l: &crate::model::Lab, t: &crate::model::task::Task) -> serde_json::Value {
    let eni = t.eni.map(|e| &l.enis[e]);
    let containers: Vec<serde_json::Value> = t
        .containers
        .iter()
        .map(|c| {
            let ports = super::up::port_texts(c);
            serde_json::json!({"name": c.name, "ip": c.ip.map(|x| x.to_string()), "ports": ports})
        })
        .collect();
    serde_json::json!({
        "name": t.name, "networkMode": t.mode.to_string(),
        "placed": t.placement.is_ok(),
        "notPlaced": t.placement.as_ref().err().map(|f| f.reason()),
        "eni": eni.map(|e| e.id.clone()), "eniIp": eni.map(|e| e.ip.to_string()),
        "containers": containers,
    })
}
