//! The credentials routes (`/v2/credentials/<id>`, `/v1/credentials?id=<id>`): made-up keys for
//! a task role, in the agent's shape and with its error bodies.
//!
//! Host-mode tasks get them too: ecs-init starts the agent with
//! `ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST=true` on the ECS-optimized AMI
//! (aws/amazon-ecs-agent:ecs-init/docker/docker.go, since 2016), so the agent registers the
//! `task-iam-role-network-host` capability and serves host tasks' role credentials like any
//! other's. The agent's own default (false) only applies where ecs-init does not start it.

use super::{Answer, TmdsInstance};
use crate::model::ids;
use serde::Serialize;

/// Fake credentials for a task role: stable per lab and id, obviously not AWS's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FakeCredentials {
    #[serde(rename = "RoleArn")]
    pub role_arn: String,
    #[serde(rename = "AccessKeyId")]
    pub access_key_id: String,
    #[serde(rename = "SecretAccessKey")]
    pub secret_access_key: String,
    #[serde(rename = "Token")]
    pub token: String,
    #[serde(rename = "Expiration")]
    pub expiration: String,
}

/// How long the made-up credentials are valid (ECS hands out role credentials for hours).
pub const CREDENTIALS_LIFETIME_SECS: u64 = 6 * 3600;

pub fn fake_credentials(lab: &str, c: &super::TmdsCredentials, now_unix: u64) -> FakeCredentials {
    let h = ids::hex(&[lab, "fake-credentials", &c.id], 64);
    FakeCredentials {
        role_arn: c.role_arn.clone(),
        // 20 characters like a real temporary key id (ASIA...), spelled to be recognisable.
        access_key_id: format!("ASIAECSNETFAKE{}", h[..6].to_ascii_uppercase()),
        secret_access_key: format!("ecsnetFAKEsecret{}", &h[6..30]),
        token: format!("ECSNET-FAKE-SESSION-TOKEN-not-valid-on-AWS-{}", &h[30..64]),
        expiration: crate::sys::time::rfc3339(now_unix + CREDENTIALS_LIFETIME_SECS),
    }
}

/// The answer to a credentials request for `id` (`version` 1 or 2, as the path says).
pub(super) fn answer(lab: &str, inst: &TmdsInstance, id: &str, version: u8, now_unix: u64) -> Answer {
    let prefix = format!("CredentialsV{version}Request: ");
    #[derive(Serialize)]
    struct ErrorMessage {
        code: &'static str,
        message: String,
        #[serde(rename = "HTTPErrorCode")]
        http_error_code: u16,
    }
    let err = |code: &'static str, msg: &str| {
        let e = ErrorMessage { code, message: format!("{prefix}{msg}"), http_error_code: 400 };
        Answer::json(400, serde_json::to_string(&e).unwrap_or_default())
    };
    if id.is_empty() {
        return err("NoIdInRequest", "No Credential ID in the request");
    }
    match inst.tasks.iter().filter_map(|t| t.credentials.as_ref()).find(|c| c.id == id) {
        Some(c) => Answer::json(200, serde_json::to_string(&fake_credentials(lab, c, now_unix)).unwrap_or_default()),
        None => err("InvalidIdInRequest", "Credentials not found"),
    }
}
