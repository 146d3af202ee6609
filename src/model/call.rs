//! What an AWS API call comes to, as the packets see it and as the analyzer predicts it: the
//! service's answer (allowed by IAM, denied by it, or the signature refused), or a failure on
//! the way (the name, the connection). One type for both sides, so `agree` is one rule.

use super::pull::Failure;
use crate::scenario::CallExpect;
use serde::{Deserialize, Serialize};

/// A call's outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallOutcome {
    /// The service answered: its status, and the error code and message when it is an error.
    Answered { status: u16, code: Option<String>, message: Option<String> },
    /// The SDK found no credentials (no task role, and IMDS out of reach).
    NoCredentials(String),
    /// It stopped before an answer.
    Failed(Failure),
}

/// The error codes of a request refused before IAM looked at it: its signature or its key.
const REJECTED: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "IncompleteSignatureException",
    "InvalidAccessKeyId",
    "InvalidToken",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestTimeTooSkewed",
    "AuthorizationHeaderMalformed",
];

impl CallOutcome {
    /// IAM denied it: S3's `AccessDenied`, the JSON APIs' `AccessDeniedException`.
    pub fn denied(&self) -> bool {
        matches!(self, CallOutcome::Answered { code: Some(c), .. } if c == "AccessDenied" || c == "AccessDeniedException")
    }

    /// The request reached IAM and was allowed: any answer but a denial or a refused signature.
    pub fn allowed(&self) -> bool {
        match self {
            CallOutcome::Answered { code: Some(c), .. } => !self.denied() && !REJECTED.contains(&c.as_str()),
            CallOutcome::Answered { code: None, .. } => true,
            _ => false,
        }
    }

    /// Whether it is what `want` asks for.
    pub fn satisfies(&self, want: &CallExpect) -> bool {
        match want {
            CallExpect::Allowed => self.allowed(),
            CallExpect::AccessDenied => self.denied(),
            CallExpect::Timeout => {
                matches!(self, CallOutcome::Failed(Failure::Timeout { .. } | Failure::Lookup { timeout: true, .. }))
            }
            CallExpect::Refused => matches!(self, CallOutcome::Failed(Failure::Refused { .. })),
            CallExpect::Code(c) => matches!(self, CallOutcome::Answered { code: Some(x), .. } if x == c),
        }
    }

    /// `allowed (200)`, `AccessDeniedException (400): User: ...`, `timeout at 10.0.1.5:443`.
    pub fn describe(&self) -> String {
        match self {
            CallOutcome::Answered { status, code: None, .. } => format!("allowed (HTTP {status})"),
            CallOutcome::Answered { status, code: Some(c), message } => {
                let m = message.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
                let what = if self.allowed() { "allowed by IAM, the service answered " } else { "" };
                format!("{what}{c} (HTTP {status}){m}")
            }
            CallOutcome::NoCredentials(why) => format!("no credentials: {why}"),
            CallOutcome::Failed(f) => failure(f),
        }
    }

    /// What stopped it, for a verdict: IAM, the signature, the credentials or the network
    /// (`none` for an allowed call).
    pub fn stage(&self) -> &'static str {
        match self {
            _ if self.denied() => "IAM",
            CallOutcome::Answered { .. } if !self.allowed() => "the signature",
            CallOutcome::Answered { .. } => "none",
            CallOutcome::NoCredentials(_) => "the credentials",
            CallOutcome::Failed(_) => "the network",
        }
    }
}

/// A failure on the way, as a line says it.
fn failure(f: &Failure) -> String {
    use super::pull::HTTPS_PORT;
    match f {
        Failure::Lookup { server, timeout: true } => format!("the name got no answer from {server} (timeout)"),
        Failure::Lookup { server, timeout: false } => format!("{server} answered no address for the name"),
        Failure::Timeout { ip } => format!("timeout connecting to {ip}:{HTTPS_PORT}"),
        Failure::Refused { ip } => format!("{ip}:{HTTPS_PORT} refused the connection"),
        Failure::Api { status, code, message } => format!("{code} (HTTP {status}): {message}"),
        Failure::Other { text } | Failure::Agent { text } => text.clone(),
    }
}

/// Whether the model's prediction and the packets agree: both allowed, both denied, the same
/// refusal code, or the same kind of failure on the way (not the same wording).
pub fn agree(model: &CallOutcome, seen: &CallOutcome) -> bool {
    match (model, seen) {
        (a, b) if a.allowed() && b.allowed() => true,
        (a, b) if a.denied() && b.denied() => true,
        (CallOutcome::Answered { code: a, .. }, CallOutcome::Answered { code: b, .. }) => a == b,
        (CallOutcome::NoCredentials(_), CallOutcome::NoCredentials(_)) => true,
        (CallOutcome::Failed(a), CallOutcome::Failed(b)) => a.same_kind(b),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn answer(status: u16, code: Option<&str>) -> CallOutcome {
        CallOutcome::Answered { status, code: code.map(str::to_string), message: None }
    }

    #[test]
    fn a_missing_resource_is_allowed_by_iam_and_a_refused_signature_is_not() {
        assert!(answer(200, None).allowed());
        assert!(answer(400, Some("RepositoryNotFoundException")).allowed());
        assert!(answer(400, Some("AccessDeniedException")).denied());
        assert!(answer(403, Some("AccessDenied")).satisfies(&CallExpect::AccessDenied));
        assert!(!answer(400, Some("UnrecognizedClientException")).allowed());
        assert!(!answer(400, Some("UnrecognizedClientException")).denied());
        let t = CallOutcome::Failed(Failure::Timeout { ip: Ipv4Addr::new(10, 0, 1, 5) });
        assert!(t.satisfies(&CallExpect::Timeout));
        assert!(!t.allowed());
        assert!(agree(&answer(200, None), &answer(404, Some("NoSuchKey"))));
        assert!(!agree(&answer(200, None), &answer(400, Some("AccessDeniedException"))));
        assert!(agree(&t, &CallOutcome::Failed(Failure::Timeout { ip: Ipv4Addr::new(10, 0, 1, 5) })));
    }
}
