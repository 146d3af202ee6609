//! IAM at the front doors: who signed a request (its access key's role session, or for the
//! registry the holder of its token), which policies apply (the role's, when `aws.roles`
//! declares it; the resource's, when the scenario gives it one; the VPC endpoint's, when the
//! connection came to an endpoint's address), the request's condition keys, and
//! `analyze::role::decide_with`'s decision. A role the scenario does not declare is allowed
//! everything its endpoint's and its resource's policies allow. Signatures are read for their
//! access key, not yet verified.

use super::FrontDoor;
use super::http::Req;
use super::sigv4::SigV4;
use crate::analyze::iam::{Decision, Policies, ServiceStyle, denial_message};
use crate::analyze::role::{ResourcePolicies, Through, decide_with, role_policies, through, unrestricted};
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

/// One permission a request needs: the IAM action and the ARN of the resource it acts on
/// (`*` for an action that takes none).
pub type Call = (String, String);

/// A denied call, to be worded as its service words it.
#[derive(Clone, Debug)]
pub struct Denied {
    pub principal: String,
    pub action: String,
    pub resource: String,
    pub decision: Decision,
}

impl Denied {
    /// AWS's message, in the service's style.
    pub fn message(&self, style: ServiceStyle) -> String {
        denial_message(style, &self.decision, &self.principal, &self.action, &self.resource)
    }
}

/// What the doors know of IAM, parsed once: each declared role's policies, each resource's
/// policy, what a call through each endpoint carries.
#[derive(Debug, Default)]
pub struct Iam {
    roles: Vec<(String, Policies)>,
    resources: ResourcePolicies,
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
        let resources = ResourcePolicies::new(&spec.data, &spec.region, &spec.account);
        Iam { roles, resources, endpoints }
    }

    /// Whether the signer of `req` may make every call of `calls`; the first denied one is the
    /// error. Unsigned requests and unknown keys pass.
    pub fn authorize(
        &self,
        door: &FrontDoor,
        sig: Option<&SigV4>,
        req: &Req,
        calls: &[Call],
    ) -> Result<(), Box<Denied>> {
        let Some(sig) = sig else { return Ok(()) };
        let Some((p, _)) = door.principal(&sig.credential.access_key_id) else {
            return Ok(());
        };
        self.authorize_as(&p.arn, req, calls)
    }

    /// Whether `principal` (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`) may make every
    /// call of `calls`, over the connection `req` came on.
    pub fn authorize_as(&self, principal: &str, req: &Req, calls: &[Call]) -> Result<(), Box<Denied>> {
        let role = principal.split("assumed-role/").nth(1).and_then(|r| r.split('/').next()).unwrap_or_default();
        let policies = match self.roles.iter().find(|(n, _)| n.eq_ignore_ascii_case(role)) {
            Some((_, p)) => p.clone(),
            None => unrestricted(role),
        };
        let via = req.via.as_deref().and_then(|v| self.endpoints.iter().find(|(n, _)| n == v)).map(|(_, t)| t);
        let ip = req.peer.map(|ip| ip.to_string());
        for (action, resource) in calls {
            let rp = self.resources.find(resource);
            let d = decide_with(policies.clone(), (principal, role), (action, resource), rp, via, ip.as_deref());
            if !d.allowed {
                return Err(Box::new(Denied {
                    principal: principal.to_string(),
                    action: action.clone(),
                    resource: resource.clone(),
                    decision: d,
                }));
            }
        }
        Ok(())
    }
}
