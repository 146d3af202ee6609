//! IAM at the front doors: who signed a request (its access key's role session), which
//! policies apply (the role's, when `aws.roles` declares it; the VPC endpoint's, when the
//! connection came to an endpoint's address), the request's condition keys, and
//! `analyze::iam::evaluate`'s decision with AWS's denial message. A role the scenario does not
//! declare is allowed everything its endpoint's policy allows. Signatures are read for their
//! access key, not yet verified.

use super::FrontDoor;
use super::http::Req;
use super::sigv4::SigV4;
use crate::analyze::iam::{Policies, ServiceStyle, denial_message};
use crate::analyze::role::{Through, decide_with, role_policies, through, unrestricted};
use serde::{Deserialize, Serialize};

/// A VPC endpoint the doors listen on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub name: String,
    /// `vpce-...`.
    pub id: String,
    /// The endpoint policy (JSON); None: AWS's default, full access.
    #[serde(default)]
    pub policy: Option<String>,
}

/// What the doors know of IAM, parsed once: each declared role's policies, what a call through
/// each endpoint carries.
#[derive(Debug, Default)]
pub struct Iam {
    roles: Vec<(String, Policies)>,
    endpoints: Vec<(String, Through)>,
}

impl Iam {
    pub fn new(spec: &super::Spec) -> Iam {
        let endpoints = spec
            .endpoints
            .iter()
            .map(|e| (e.name.clone(), through(&e.id, &e.name, &spec.vpc_id, e.policy.as_deref())))
            .collect();
        let roles = spec.data.roles.iter().map(|r| (r.name.clone(), role_policies(r))).collect();
        Iam { roles, endpoints }
    }

    /// Whether the signer of `req` may perform `call` (action, resource ARN): Err carries AWS's
    /// message. Unsigned requests, unknown keys and calls that take no permission pass.
    pub fn authorize(
        &self,
        door: &FrontDoor,
        sig: Option<&SigV4>,
        req: &Req,
        call: Option<(String, String)>,
    ) -> Result<(), String> {
        let (Some(sig), Some((action, resource))) = (sig, call) else { return Ok(()) };
        let Some(p) = door.principals.iter().find(|p| p.access_key_id == sig.credential.access_key_id) else {
            return Ok(());
        };
        let role = p.arn.split("assumed-role/").nth(1).and_then(|r| r.split('/').next()).unwrap_or_default();
        let policies = match self.roles.iter().find(|(n, _)| n.eq_ignore_ascii_case(role)) {
            Some((_, p)) => p.clone(),
            None => unrestricted(role),
        };
        let via = req.via.as_deref().and_then(|v| self.endpoints.iter().find(|(n, _)| n == v)).map(|(_, t)| t);
        let ip = req.peer.map(|ip| ip.to_string());
        let d = decide_with(policies, (&p.arn, role), (&action, &resource), None, via, ip.as_deref());
        if d.allowed { Ok(()) } else { Err(denial_message(ServiceStyle::Json, &d, &p.arn, &action, &resource)) }
    }
}
