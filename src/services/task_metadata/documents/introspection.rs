//! The introspection API's documents (see `task_metadata::introspection`), made with the other
//! documents when `up` writes the agent's configuration.

use super::ContainerDoc;
use crate::model::{Lab, Task};
use crate::scenario::NetworkMode;
use crate::services::task_metadata::introspection::AgentIdentity;

/// The agent this emulation stands for (its `Version` string: `version.String()`).
pub const AGENT_VERSION: &str = "Amazon ECS Agent - v1.105.1 (8dfceca6)";

/// `/v1/metadata` of instance `ii`: the cluster's name, the container instance's ARN, the version.
pub fn agent_identity(lab: &Lab, ii: usize) -> AgentIdentity {
    let arn = crate::model::control_plane::container_instance_arn(lab, ii);
    let doc = serde_json::json!({ "Cluster": lab.cluster, "ContainerInstanceArn": arn, "Version": AGENT_VERSION });
    AgentIdentity { metadata: doc.to_string() }
}

/// A task's `/v1/tasks` entry, compact JSON, from its v4 container documents: the agent's
/// `TaskResponse` (internal containers such as the pause left out; awsvpc ports on the ENI, so
/// host port = container port, and the ENI's address in `Networks`).
pub fn task_entry(lab: &Lab, t: &Task, docs: &[ContainerDoc]) -> String {
    let eni_ip = t.eni.map(|e| lab.enis[e].ip.to_string());
    let containers: Vec<serde_json::Value> = docs
        .iter()
        .filter(|d| d.kind == "NORMAL")
        .map(|d| {
            let mut c = serde_json::json!({
                "DockerId": d.docker_id,
                "DockerName": d.docker_name,
                "Name": d.name,
                "Image": d.image,
                "ImageID": d.image_id,
                "CreatedAt": d.created_at,
                "StartedAt": d.started_at,
            });
            let ports: Vec<serde_json::Value> = d
                .ports
                .iter()
                .map(|p| {
                    let host = if t.mode == NetworkMode::Awsvpc { p.container_port } else { p.host_port };
                    serde_json::json!({ "ContainerPort": p.container_port, "Protocol": p.protocol, "HostPort": host })
                })
                .collect();
            if !ports.is_empty() {
                c["Ports"] = ports.into();
            }
            if let Some(ip) = &eni_ip {
                c["Networks"] = serde_json::json!([{ "NetworkMode": "awsvpc", "IPv4Addresses": [ip] }]);
            }
            c
        })
        .collect();
    let doc = serde_json::json!({
        "Arn": t.arn,
        "DesiredStatus": "RUNNING",
        "KnownStatus": "RUNNING",
        "Family": t.family,
        "Version": t.revision.to_string(),
        "Containers": containers,
    });
    // serde_json's maps keep keys sorted; the agent's Go structs keep their field order.
    reorder(&doc)
}

/// The Go field order of the agent's v1 structs.
fn reorder(v: &serde_json::Value) -> String {
    const ORDER: &[&str] = &[
        "Arn",
        "DesiredStatus",
        "KnownStatus",
        "Family",
        "Version",
        "Containers",
        "DockerId",
        "DockerName",
        "Name",
        "Image",
        "ImageID",
        "CreatedAt",
        "StartedAt",
        "Ports",
        "Networks",
        "ContainerPort",
        "Protocol",
        "HostPort",
        "NetworkMode",
        "IPv4Addresses",
    ];
    match v {
        serde_json::Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by_key(|k| ORDER.iter().position(|o| o == k).unwrap_or(usize::MAX));
            let fields: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", serde_json::Value::String((*k).clone()), reorder(&m[*k])))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        serde_json::Value::Array(a) => format!("[{}]", a.iter().map(reorder).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}
