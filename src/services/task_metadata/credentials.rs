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

/// How long a set of made-up keys is valid from its issue: six hours, ECS's default for a task
/// role's credentials (the ECS developer guide), about what EC2 gives an instance role's.
pub const CREDENTIALS_LIFETIME_SECS: u64 = 6 * 3600;

pub fn fake_credentials(lab: &str, c: &super::TmdsCredentials, now_unix: u64) -> FakeCredentials {
    credentials_of(lab, &c.id, &c.role_arn, generation(now_unix))
}

/// How often a role session's keys are renewed: every hour, as EC2 renews an instance role's
/// and ECS a task role's, each set valid for [`CREDENTIALS_LIFETIME_SECS`] from its issue.
pub const ROTATION_SECS: u64 = 3600;

/// The set of keys current at `now_unix` (they change on the hour).
pub fn generation(now_unix: u64) -> u64 {
    now_unix / ROTATION_SECS
}

/// The keys of credentials `id` issued at generation `issued`, and when they expire.
pub fn credentials_of(lab: &str, id: &str, role_arn: &str, issued: u64) -> FakeCredentials {
    let g = issued.to_string();
    let h = ids::hex(&[lab, "fake-credentials", id, &g], 64);
    FakeCredentials {
        role_arn: role_arn.to_string(),
        // 20 characters like a real temporary key id (ASIA...), spelled to be recognisable.
        access_key_id: format!("ASIAECSNETFAKE{}", h[..6].to_ascii_uppercase()),
        secret_access_key: format!("ecsnetFAKEsecret{}", &h[6..30]),
        token: format!("ECSNET-FAKE-SESSION-TOKEN-not-valid-on-AWS-{}", &h[30..64]),
        expiration: crate::sys::time::rfc3339(issued * ROTATION_SECS + CREDENTIALS_LIFETIME_SECS),
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
