//! The ECS control plane, as far as an instance's agent needs it to join its cluster:
//! `RegisterContainerInstance` and `DiscoverPollEndpoint` on `ecs` (JSON 1.1,
//! `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Op>`), and the websockets of ACS
//! (`ecs-a`, task delivery) and TCS (`ecs-t`, metrics), which accept the agent's upgrade and
//! then say nothing: the lab's tasks are placed by the model, not delivered over ACS.

use super::FrontDoor;
use super::http::{
    Req, Resp, json_body, json_error, json_ok, serialization_exception, target_operation, unknown_operation,
};
use base64::Engine;
use serde_json::{Value, json};

pub const TARGET_PREFIX: &str = "AmazonEC2ContainerServiceV20141113";

/// The container instances the lab's agents register: EC2 instance id -> container instance ARN.
pub type Registry = Vec<(String, String)>;

/// The IAM action and resource of an ECS API request, as the service authorization reference
/// names them: RegisterContainerInstance on the cluster, DiscoverPollEndpoint on `*` (it has no
/// resource-level permission).
pub fn iam_request(door: &FrontDoor, req: &Req) -> Option<(String, String)> {
    let op = target_operation(req, TARGET_PREFIX)?;
    let body = json_body(req)?;
    match op {
        "RegisterContainerInstance" => {
            let cluster = body["cluster"].as_str().unwrap_or("default");
            let arn = crate::model::control_plane::cluster_arn(&door.region, &door.account, cluster);
            Some((format!("ecs:{op}"), arn))
        }
        "DiscoverPollEndpoint" => Some((format!("ecs:{op}"), "*".to_string())),
        _ => None,
    }
}

/// Answer an ECS API request.
pub fn handle_api(door: &FrontDoor, req: &Req) -> Resp {
    let Some(op) = target_operation(req, TARGET_PREFIX) else { return unknown_operation() };
    let Some(body) = json_body(req) else { return serialization_exception() };
    let cluster = body["cluster"].as_str().unwrap_or("default");
    let cluster = cluster.rsplit_once(":cluster/").map_or(cluster, |(_, n)| n);
    if !door.clusters.is_empty() && !door.clusters.iter().any(|c| c == cluster) {
        return json_error(400, "ClusterNotFoundException", "message", Some("Cluster not found."));
    }
    match op {
        "RegisterContainerInstance" => {
            // The agent sends IMDS's identity document as a string.
            let doc: Value = body["instanceIdentityDocument"]
                .as_str()
                .and_then(|d| serde_json::from_str(d).ok())
                .unwrap_or_default();
            let Some(ec2_id) = doc["instanceId"].as_str() else {
                return json_error(
                    400,
                    "InvalidParameterException",
                    "message",
                    Some("An instance identity document is required to register a container instance."),
                );
            };
            let arn = door
                .container_instances
                .iter()
                .find(|(id, _)| id == ec2_id)
                .map(|(_, arn)| arn.clone())
                .unwrap_or_else(|| {
                    let id = crate::model::ids::hex(&[&door.lab, "container-instance", ec2_id], 32);
                    format!("arn:aws:ecs:{}:{}:container-instance/{cluster}/{id}", door.region, door.account)
                });
            json_ok(&json!({ "containerInstance": {
                "containerInstanceArn": arn,
                "ec2InstanceId": ec2_id,
                "version": 1,
                "versionInfo": body["versionInfo"],
                "remainingResources": body["totalResources"],
                "registeredResources": body["totalResources"],
                "status": "ACTIVE",
                "agentConnected": false,
                "runningTasksCount": 0,
                "pendingTasksCount": 0,
                "attributes": body["attributes"],
                "registeredAt": door.now(),
                "tags": [],
            }}))
        }
        "DiscoverPollEndpoint" => {
            let r = &door.region;
            json_ok(&json!({
                "endpoint": format!("https://ecs-a.{r}.amazonaws.com/"),
                "telemetryEndpoint": format!("https://ecs-t.{r}.amazonaws.com/"),
            }))
        }
        _ => unknown_operation(),
    }
}

/// The websocket GUID of RFC 6455 §1.3.
const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Answer a request to ACS or TCS: the websocket upgrade on `/ws`.
pub fn handle_ws(req: &Req) -> Resp {
    if req.path != "/ws" {
        return Resp::empty(404);
    }
    let upgrade = req.header("upgrade").is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
    let Some(key) = req.header("sec-websocket-key").filter(|_| upgrade && req.method == "GET") else {
        return Resp::new(400, "text/plain; charset=utf-8", "Bad Request\n");
    };
    Resp::empty(101)
        .with_header("Upgrade", "websocket")
        .with_header("Connection", "Upgrade")
        .with_header("Sec-WebSocket-Accept", ws_accept(key))
}

/// `Sec-WebSocket-Accept` for a key (RFC 6455 §4.2.2).
pub fn ws_accept(key: &str) -> String {
    let h =
        ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, format!("{}{WS_GUID}", key.trim()).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(h.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_accept_key_is_rfc_6455s_example() {
        assert_eq!(ws_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn acs_answers_only_a_websocket_upgrade_on_ws() {
        let up = Req::new("GET", "/ws")
            .with_header("Upgrade", "websocket")
            .with_header("Connection", "Upgrade")
            .with_header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
        let r = handle_ws(&up);
        assert_eq!((r.status, r.header("sec-websocket-accept")), (101, Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")));
        assert_eq!(handle_ws(&Req::new("GET", "/ws")).status, 400);
        assert_eq!(handle_ws(&Req::new("GET", "/")).status, 404);
    }
}
