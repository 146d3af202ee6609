//! IAM at the front doors: who signed a request (its access key's role session), which
//! policies apply (the role's, when `aws.roles` declares it; the VPC endpoint's, when the
//! connection came to an endpoint's address), the request's condition keys, and
//! `analyze::iam::evaluate`'s decision with AWS's denial message. A role the scenario does not
//! declare is allowed everything its endpoint's policy allows. Signatures are read for their
//! access key, not yet verified.

use super::FrontDoor;
use super::http::Req;
use super::sigv4::SigV4;
use crate::analyze::iam::{NamedPolicy, Request, ServiceStyle, denial_message, evaluate};
use crate::scenario::policy::{PolicyKind, parse_policy};
use crate::scenario::role::Role;
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

/// What the doors know of IAM, parsed once.
#[derive(Debug, Default)]
pub struct Iam {
    roles: Vec<Role>,
    endpoints: Vec<(Endpoint, Option<NamedPolicy>)>,
    vpc_id: String,
}

impl Iam {
    pub fn new(spec: &super::Spec) -> Iam {
        let endpoints = spec
            .endpoints
            .iter()
            .map(|e| {
                let p = e.policy.as_deref().and_then(|p| parse_policy(p, PolicyKind::Endpoint).ok());
                let named = p.map(|document| NamedPolicy { name: format!("VPC endpoint {}", e.id), document });
                (e.clone(), named)
            })
            .collect();
        Iam { roles: spec.data.roles.clone(), endpoints, vpc_id: spec.vpc_id.clone() }
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
        let mut policies = match self.roles.iter().find(|r| r.name.eq_ignore_ascii_case(role)) {
            Some(r) => crate::analyze::role::role_policies(r),
            None => crate::analyze::role::unrestricted(role),
        };
        let mut r = Request::new(&p.arn, &action, &resource).with("aws:SecureTransport", "true");
        if !role.is_empty() {
            r = r.with("aws:PrincipalArn", &format!("arn:aws:iam::{}:role/{role}", door.account));
        }
        match req.via.as_deref().and_then(|v| self.endpoints.iter().find(|(e, _)| e.name == v)) {
            Some((e, policy)) => {
                policies.endpoint = policy.clone();
                r = r.with("aws:SourceVpce", &e.id).with("aws:SourceVpc", &self.vpc_id);
            }
            None => {
                if let Some(ip) = req.peer {
                    r = r.with("aws:SourceIp", &ip.to_string());
                }
            }
        }
        let d = evaluate(&r, &policies);
        if d.allowed { Ok(()) } else { Err(denial_message(ServiceStyle::Json, &d, &p.arn, &action, &resource)) }
    }
}
