//! SSM Parameter Store (JSON 1.1, `X-Amz-Target: AmazonSSM.<Op>`): GetParameters and
//! GetParameter, which ECS uses for a task's `secrets` from SSM and apps call directly, each
//! parameter authorized by IAM first ([`iam_request`]).

use super::FrontDoor;
use super::data::{Parameter, ParameterType, Store};
use super::http::{
    Req, Resp, json_body, json_error, json_ok, missing_member, serialization_exception, target_operation,
    unknown_operation,
};
pub use crate::scenario::aws::parameter_arn;
use base64::Engine;
use serde_json::{Value, json};

pub const TARGET_PREFIX: &str = "AmazonSSM";

/// Answer an SSM request.
pub fn handle(door: &FrontDoor, store: &Store, req: &Req) -> Resp {
    let Some(op) = target_operation(req, TARGET_PREFIX) else { return unknown_operation() };
    let Some(body) = json_body(req) else { return serialization_exception() };
    let decrypt = body["WithDecryption"].as_bool().unwrap_or(false);
    match op {
        "GetParameters" => {
            let Some(names) = body["Names"].as_array() else {
                return json_error(400, "ValidationException", "message", Some(&missing_member("names")));
            };
            let (mut found, mut invalid) = (vec![], vec![]);
            for n in names.iter().filter_map(Value::as_str) {
                match find(store, n) {
                    Some(p) => found.push(parameter_json(door, store, p, decrypt)),
                    None => invalid.push(n.to_string()),
                }
            }
            json_ok(&json!({ "Parameters": found, "InvalidParameters": invalid }))
        }
        "GetParameter" => {
            let Some(name) = body["Name"].as_str() else {
                return json_error(400, "ValidationException", "message", Some(&missing_member("name")));
            };
            match find(store, name) {
                Some(p) => json_ok(&json!({ "Parameter": parameter_json(door, store, p, decrypt) })),
                None => json_error(400, "ParameterNotFound", "message", None),
            }
        }
        _ => unknown_operation(),
    }
}

/// The IAM action and resources of an SSM request: `ssm:GetParameter` on the parameter's ARN,
/// `ssm:GetParameters` on each name's (a name given as an ARN is its own).
pub fn iam_request(door: &FrontDoor, req: &Req) -> Vec<(String, String)> {
    let (Some(op), Some(body)) = (target_operation(req, TARGET_PREFIX), json_body(req)) else { return vec![] };
    let arn = |n: &str| parameter_arn(&door.region, &door.account, n);
    let names: Vec<&str> = match op {
        "GetParameter" => body["Name"].as_str().into_iter().collect(),
        "GetParameters" => body["Names"].as_array().into_iter().flatten().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    names.into_iter().map(|n| (format!("ssm:{op}"), arn(n))).collect()
}

/// A parameter by name or ARN.
fn find<'a>(store: &'a Store, name: &str) -> Option<&'a Parameter> {
    let by_arn = name.split_once(":parameter").map(|(_, n)| n);
    store
        .parameters
        .iter()
        .find(|p| p.name == name || by_arn.is_some_and(|n| n.trim_start_matches('/') == p.name.trim_start_matches('/')))
}

fn parameter_json(door: &FrontDoor, store: &Store, p: &Parameter, decrypt: bool) -> Value {
    // Without decryption a SecureString shows its ciphertext (here: a stand-in, base64).
    let value = if p.kind == ParameterType::SecureString && !decrypt {
        let h = ring::digest::digest(&ring::digest::SHA256, p.value.as_bytes());
        base64::engine::general_purpose::STANDARD.encode([b"AQICAHh-ecsnet-".as_slice(), h.as_ref()].concat())
    } else {
        p.value.clone()
    };
    json!({
        "Name": p.name,
        "Type": p.kind.as_str(),
        "Value": value,
        "Version": 1,
        "LastModifiedDate": store.created,
        "ARN": parameter_arn(&door.region, &door.account, &p.name),
        "DataType": "text",
    })
}
