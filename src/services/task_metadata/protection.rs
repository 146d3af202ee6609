//! Task scale-in protection (`$ECS_AGENT_URI/task-protection/v1/state`, GET and PUT), as the
//! agent answers on EC2 (ecs-agent/tmds/handlers/taskprotection/v1/handlers): the request is
//! checked, the task found, its role's credentials required, then ECS is asked. ecsnet runs
//! every task standalone (RunTask), and ECS protects only tasks of a service: its answer for a
//! standalone task is the `TASK_NOT_VALID` failure, which the agent passes on with 200.

use super::{Answer, TmdsTask};
use serde::Serialize;

#[derive(Serialize)]
struct ErrorResponse<'a> {
    #[serde(rename = "Arn", skip_serializing_if = "str::is_empty")]
    arn: &'a str,
    #[serde(rename = "Code")]
    code: &'static str,
    #[serde(rename = "Message")]
    message: &'static str,
}

/// ECS's `Failure`, its nil pointers as nulls.
#[derive(Serialize)]
struct Failure<'a> {
    #[serde(rename = "Arn")]
    arn: &'a str,
    #[serde(rename = "Detail")]
    detail: Option<&'a str>,
    #[serde(rename = "Reason")]
    reason: &'static str,
}

#[derive(Serialize)]
struct ProtectionResponse<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<Failure<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorResponse<'a>>,
}

fn error(status: u16, arn: &str, code: &'static str, message: &'static str) -> Answer {
    let r = ProtectionResponse { failure: None, error: Some(ErrorResponse { arn, code, message }) };
    Answer::json(status, serde_json::to_string(&r).unwrap_or_default())
}

/// The answer for `method` on the protection path of `task` (None: the endpoint id is unknown).
pub(super) fn answer(method: &str, body: &[u8], task: Option<&TmdsTask>) -> Answer {
    let update = match method {
        "GET" => false,
        "PUT" => true,
        _ => return Answer::method_not_allowed(),
    };
    // UpdateTaskProtection decodes the body before anything else.
    let request = if update { Some(decode(body)) } else { None };
    if let Some(None) = request {
        return error(400, "", "InvalidParameterException", "UpdateTaskProtection: failed to decode request");
    }
    let Some(task) = task else {
        return error(404, "", "ResourceNotFoundException", "Failed to find a task for the request");
    };
    if let Some(Some(ProtectionRequest { protection_enabled: None })) = request {
        let msg = "Invalid request: does not contain 'ProtectionEnabled' field";
        return error(400, &task.arn, "InvalidParameterException", msg);
    }
    if task.credentials.is_none() {
        let msg = "Invalid Request: no task IAM role credentials available for task";
        return error(403, &task.arn, "AccessDeniedException", msg);
    }
    let failure = Failure { arn: &task.arn, detail: None, reason: "TASK_NOT_VALID" };
    let r = ProtectionResponse { failure: Some(failure), error: None };
    Answer::json(200, serde_json::to_string(&r).unwrap_or_default())
}

struct ProtectionRequest {
    protection_enabled: Option<bool>,
}

/// The body as Go's json.Decoder with DisallowUnknownFields reads it into the agent's request
/// type: one JSON value, an object whose keys match `ProtectionEnabled` (a boolean) or
/// `ExpiresInMinutes` (a whole number) without regard to case; None if it does not.
fn decode(body: &[u8]) -> Option<ProtectionRequest> {
    let mut values = serde_json::Deserializer::from_slice(body).into_iter::<serde_json::Value>();
    let value = values.next()?.ok()?;
    let object = match value {
        serde_json::Value::Null => return Some(ProtectionRequest { protection_enabled: None }),
        serde_json::Value::Object(o) => o,
        _ => return None,
    };
    let mut request = ProtectionRequest { protection_enabled: None };
    for (k, v) in &object {
        if k.eq_ignore_ascii_case("ProtectionEnabled") {
            match v {
                serde_json::Value::Bool(b) => request.protection_enabled = Some(*b),
                serde_json::Value::Null => {}
                _ => return None,
            }
        } else if k.eq_ignore_ascii_case("ExpiresInMinutes") {
            if !(v.is_null() || v.is_i64()) {
                return None;
            }
        } else {
            return None;
        }
    }
    Some(request)
}
