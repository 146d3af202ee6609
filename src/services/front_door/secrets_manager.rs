//! Secrets Manager (JSON 1.1, `X-Amz-Target: secretsmanager.<Op>`): GetSecretValue, by name,
//! full ARN or partial ARN (without the six-character suffix), for the current version,
//! authorized by IAM first ([`iam_request`]).

use super::FrontDoor;
use super::data::{Store, StoredSecret};
use super::http::{
    Req, Resp, json_body, json_error, json_ok, missing_member, serialization_exception, target_operation,
    unknown_operation,
};
use serde_json::json;

pub const TARGET_PREFIX: &str = "secretsmanager";

/// Answer a Secrets Manager request.
pub fn handle(_door: &FrontDoor, store: &Store, req: &Req) -> Resp {
    let Some(op) = target_operation(req, TARGET_PREFIX) else { return unknown_operation() };
    let Some(body) = json_body(req) else { return serialization_exception() };
    match op {
        "GetSecretValue" => get_secret_value(store, &body),
        _ => unknown_operation(),
    }
}

/// The IAM action and resource of a Secrets Manager request: `secretsmanager:GetSecretValue`
/// on the secret's full ARN; on the id as given when no secret has it, as AWS's denials for a
/// secret that does not exist name it (`on resource: sharepoint_account`).
pub fn iam_request(store: &Store, req: &Req) -> Option<(String, String)> {
    let op = target_operation(req, TARGET_PREFIX)?;
    let body = json_body(req)?;
    let id = body["SecretId"].as_str()?;
    let resource = find(store, id).map_or_else(|| id.to_string(), |s| s.arn.clone());
    (op == "GetSecretValue").then(|| (format!("secretsmanager:{op}"), resource))
}

/// Secrets Manager spells its message member `Message`.
fn sm_error(code: &str, message: &str) -> Resp {
    json_error(400, code, "Message", Some(message))
}

/// The secret an id names: its name, its ARN, or its ARN without the random suffix.
pub fn find<'a>(store: &'a Store, id: &str) -> Option<&'a StoredSecret> {
    store.secrets.iter().find(|s| crate::scenario::aws::secret_matches(&s.name, &s.arn, id))
}

fn get_secret_value(store: &Store, body: &serde_json::Value) -> Resp {
    let Some(id) = body["SecretId"].as_str() else {
        return sm_error("InvalidParameterException", &missing_member("secretId"));
    };
    let Some(s) = find(store, id) else {
        return sm_error("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    };
    if let Some(stage) = body["VersionStage"].as_str().filter(|v| *v != "AWSCURRENT") {
        return sm_error(
            "ResourceNotFoundException",
            &format!("Secrets Manager can't find the specified secret value for staging label: {stage}"),
        );
    }
    if let Some(v) = body["VersionId"].as_str().filter(|v| *v != s.version_id) {
        return sm_error(
            "ResourceNotFoundException",
            &format!("Secrets Manager can't find the specified secret value for VersionId: {v}"),
        );
    }
    json_ok(&json!({
        "ARN": s.arn,
        "Name": s.name,
        "VersionId": s.version_id,
        "SecretString": s.value,
        "VersionStages": ["AWSCURRENT"],
        "CreatedDate": store.created,
    }))
}
