//! An AWS API call on the model (`call:` expectations, `explain --call`): whom it is signed as
//! (the task role, or the instance's role when the SDK falls back to IMDS), the name it dials
//! and the path there (`pull::dial`, the walk the agent's calls take), then IAM's evaluation
//! with what that path brings (through an endpoint: its policy, aws:SourceVpce and
//! aws:SourceVpc; else the address the service sees as aws:SourceIp). The packets make the same
//! call for real and must come to the same [`CallOutcome`].

use super::iam::{Decision, Request, ServiceStyle, denial_message, evaluate, statement_lines};
use super::pull::{Dial, dial};
use super::role::{
    Caller, Which, call_request, caller, endpoint, policies, resource_arn, resource_policy, unrestricted,
};
use super::{Analysis, analyze};
use crate::model::Lab;
use crate::model::call::CallOutcome;
use crate::scenario::aws_service::AwsService;
use crate::scenario::{CallDef, Node, Outcome, ProbeProto};
use std::net::Ipv4Addr;

/// A call, as far as it goes on the model.
#[derive(Clone, Debug)]
pub struct CallAnalysis {
    pub from: Node,
    pub action: String,
    /// The resource's ARN (`*` for an action that takes none).
    pub resource: String,
    /// Whom it is signed as; Err: why the SDK finds no credentials.
    pub caller: Result<Caller, String>,
    /// How the credentials were found: the task role's endpoint, or IMDS (the instance role).
    pub credentials_from: &'static str,
    /// The way to the credentials, when it is closed or when the SDK falls back to IMDS (the
    /// task has no role): what the SDK asks, and the path to it.
    pub credentials_path: Option<(&'static str, Analysis)>,
    pub dial: Option<Dial>,
    /// The endpoint the call goes through, when the path reaches one.
    pub via: Option<String>,
    /// The address the service sees the call from, on the public path.
    pub source_ip: Option<Ipv4Addr>,
    /// The request IAM evaluated and its decision, when the call reached the service and needs
    /// a permission.
    pub decision: Option<(Request, Decision)>,
    pub outcome: CallOutcome,
}

/// IMDS's port, and the credentials endpoint's.
const IMDS_PORT: u16 = 80;
const TMDS_PORT: u16 = 80;

/// Call `def` (on `resource` as written) from `from`.
pub fn analyze_call(lab: &Lab, from: &Node, def: &CallDef, resource: Option<&str>) -> CallAnalysis {
    let arn = resource.map(|r| resource_arn(lab, r)).unwrap_or_else(|| "*".to_string());
    let mut a = CallAnalysis {
        from: from.clone(),
        action: def.action.to_string(),
        resource: arn,
        caller: caller(lab, from, Which::Task),
        credentials_from: if from.task_name().is_some() {
            "the task role (ECS's credentials endpoint)"
        } else {
            "IMDS"
        },
        credentials_path: None,
        dial: None,
        via: None,
        source_ip: None,
        decision: None,
        outcome: CallOutcome::NoCredentials(String::new()),
    };
    // No task role: the SDK's chain ends at IMDS, which gives the instance's role if reachable.
    if let (Err(why), Some(t)) = (&a.caller, from.task_name().and_then(|n| lab.task(n))) {
        let imds = analyze(lab, from, &Node::InstanceMetadata, Some(IMDS_PORT), ProbeProto::Tcp, None);
        let reached = imds.outcome == Some(Outcome::Connected);
        let why = why.clone();
        a.credentials_path = Some(("no task role, so the SDK asks IMDS (169.254.169.254:80)", imds));
        if !reached {
            a.outcome = CallOutcome::NoCredentials(format!(
                "Unable to locate credentials ({why}, and IMDS at 169.254.169.254 is out of reach)"
            ));
            return a;
        }
        // IMDS answered, so the task runs on an instance (Fargate has no IMDS).
        let Some(inst) = t.instance().map(|ii| &lab.instances[ii]) else { return a };
        let o = &inst.metadata_options;
        // The token's answer leaves IMDS with the hop limit as its TTL; the instance forwards it
        // into docker0 once more, so a bridge container needs a limit of 2 (EC2's IMDS docs).
        let token_lost = t.mode == crate::scenario::NetworkMode::Bridge && o.hop_limit < 2;
        if token_lost && o.tokens_required {
            a.outcome = CallOutcome::NoCredentials(format!(
                "Unable to locate credentials ({why}; IMDSv2's token answer dies on the way into the bridge container (httpPutResponseHopLimit {}), and httpTokens is required)",
                o.hop_limit
            ));
            return a;
        }
        a.credentials_from = if token_lost {
            "IMDSv1 (the instance's role: no task role, and IMDSv2's token answer dies on the way into the bridge container)"
        } else {
            "IMDS (the instance's role: the task has no task role)"
        };
        a.caller = caller(lab, &Node::instance(&inst.name), Which::Task);
    }
    // With a role, the SDK fetches the role's keys from ECS's credentials endpoint first.
    if let (Ok(_), Some(_)) = (&a.caller, from.task_name()) {
        let tmds = analyze(lab, from, &Node::Metadata, Some(TMDS_PORT), ProbeProto::Tcp, None);
        if tmds.outcome != Some(Outcome::Connected) {
            a.outcome = CallOutcome::NoCredentials(format!(
                "the credentials endpoint 169.254.170.2 is out of reach: {}",
                tmds.explanation
            ));
            a.credentials_path = Some(("the SDK asks ECS's credentials endpoint (169.254.170.2:80)", tmds));
            return a;
        }
    }
    let Ok(c) = a.caller.clone() else {
        a.outcome = CallOutcome::NoCredentials(a.caller.clone().err().unwrap_or_default());
        return a;
    };
    let host = def.host(&lab.region, resource);
    let d = dial(lab, from, &host);
    if let Some(f) = &d.failure {
        a.outcome = CallOutcome::Failed(f.clone());
        a.dial = Some(d);
        return a;
    }
    (a.via, a.source_ip) = on_path(lab, &d);
    a.dial = Some(d);
    // GetCallerIdentity needs no permission: no policy can deny it.
    if def.action == "sts:GetCallerIdentity" {
        a.outcome = CallOutcome::Answered { status: 200, code: None, message: None };
        return a;
    }
    let (request, decision) = decide_on(lab, &c, (def.action, &a.resource), (a.via.as_deref(), a.source_ip));
    a.outcome = answer(def, &decision, &c.session_arn, &a.resource);
    a.decision = Some((request, decision));
    a
}

/// What a path to a service brings to IAM: the endpoint it went through (interface or
/// gateway), else the address the service sees the call from.
pub fn on_path(lab: &Lab, d: &Dial) -> (Option<String>, Option<Ipv4Addr>) {
    let Some(p) = &d.path else { return (None, None) };
    match (&p.served_by, gateway_endpoint(lab, p)) {
        (Some(Node::Endpoint(e)), _) => (Some(e.clone()), None),
        (_, Some(e)) => (Some(e), None),
        _ => (None, p.source_seen),
    }
}

/// IAM's decision for `caller` calling `action` on `resource` over a path that went through
/// endpoint `via` or was seen from `source_ip`, as the doors decide it: the request evaluated too.
pub fn decide_on(
    lab: &Lab,
    caller: &Caller,
    (action, resource): (&str, &str),
    (via, source_ip): (Option<&str>, Option<Ipv4Addr>),
) -> (Request, Decision) {
    let p = policies(lab, &caller.role).unwrap_or_else(|| unrestricted(&caller.role));
    let through = via.and_then(|v| endpoint(lab, v));
    let ip = source_ip.map(|i| i.to_string());
    let rp = resource_policy(lab, resource);
    let who = (caller.session_arn.as_str(), caller.role.as_str());
    let (request, p) = call_request(p, who, (action, resource), rp.as_ref(), through.as_ref(), ip.as_deref());
    let decision = evaluate(&request, &p);
    (request, decision)
}

/// The gateway endpoint a path to a service went through (its route took the flow there, with
/// the private source kept): the service answers as itself, so only the walk's hop names it.
fn gateway_endpoint(lab: &Lab, p: &Analysis) -> Option<String> {
    let Some(Node::Aws(svc)) = &p.served_by else { return None };
    lab.endpoints
        .iter()
        .filter(|e| e.service == *svc && e.gateway.is_some())
        .find(|e| p.steps.iter().any(|s| s.component.starts_with(&format!("endpoint/{} (", e.name))))
        .map(|e| e.name.clone())
}

/// The service's answer to a call IAM decided: allowed (what it then answers is the service's
/// business), or its denial in its own shape.
fn answer(def: &CallDef, d: &Decision, session: &str, resource: &str) -> CallOutcome {
    if d.allowed {
        return CallOutcome::Answered { status: 200, code: None, message: None };
    }
    let s3 = def.service == AwsService::S3;
    let style = if s3 { ServiceStyle::S3 } else { ServiceStyle::Json };
    let resource = if resource == "*" { "" } else { resource };
    let message = denial_message(style, d, session, def.action, resource);
    let (status, code) = if s3 { (403, "AccessDenied") } else { (400, "AccessDeniedException") };
    CallOutcome::Answered { status, code: Some(code.to_string()), message: Some(message) }
}

/// The call in lines, for `explain --call`: the credentials, the path, the evaluation.
pub fn render(a: &CallAnalysis) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "{} calls {} on {}:", a.from, a.action, a.resource);
    if let Some((what, p)) = &a.credentials_path {
        let o = p.outcome.map(|o| o.to_string()).unwrap_or_else(|| "?".into());
        let _ = writeln!(s, "  credentials: {what}: {o}: {}", p.explanation);
    }
    match &a.caller {
        Ok(c) => {
            let _ = writeln!(s, "  signed as {} (role {}), from {}", c.session_arn, c.role, a.credentials_from);
        }
        Err(why) => {
            let _ = writeln!(s, "  no credentials: {why}");
        }
    }
    if let Some(d) = &a.dial {
        let _ = writeln!(s, "  1. name {}: {}", d.host, d.name.why);
        if let (Some(ip), Some(p)) = (d.ip, &d.path) {
            let outcome = p.outcome.map(|o| o.to_string()).unwrap_or_else(|| "?".into());
            let code = p.code.map(|c| format!(" ({c})")).unwrap_or_default();
            let _ = writeln!(s, "  2. {ip}:443/tcp: {outcome}{code}: {}", p.explanation);
            for step in &p.steps {
                let _ = writeln!(s, "       - {}: {}", step.component, step.decision);
            }
        }
        match (&a.via, a.source_ip) {
            (Some(e), _) => {
                let _ = writeln!(
                    s,
                    "  3. through endpoint/{e}: its policy applies; aws:SourceVpce and aws:SourceVpc are set"
                );
            }
            (None, Some(ip)) if d.failure.is_none() => {
                let _ = writeln!(s, "  3. over the public path: the service sees aws:SourceIp {ip}; no aws:SourceVpce");
            }
            _ => {}
        }
    }
    if let Some((r, d)) = &a.decision {
        let _ = writeln!(s, "  IAM: {}", if d.allowed { "allowed" } else { "denied" });
        s.push_str(&statement_lines(r, d, "    "));
    }
    let by = if a.outcome.allowed() { String::new() } else { format!(" (stopped by {})", a.outcome.stage()) };
    let _ = writeln!(s, "  => {}{by}", a.outcome.describe());
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testing::{lab, lab_from_str};

    #[test]
    fn discover_instances_is_decided_on_any_resource_by_the_task_role() {
        let def = crate::scenario::find_call("servicediscovery:DiscoverInstances").unwrap();
        let r = Some("cloudmap/api.corp.local");
        let web = Node::task("web");
        let a = analyze_call(&lab("scenarios/30-service-discovery.yaml"), &web, def, r);
        assert_eq!(a.resource, "*");
        assert!(a.outcome.allowed(), "{}", render(&a));
        assert_eq!(a.dial.as_ref().map(|d| d.host.as_str()), Some("data-servicediscovery.us-east-1.amazonaws.com"));
        // A role without the permission: Cloud Map's denial, no resource named.
        let y = std::fs::read_to_string("scenarios/30-service-discovery.yaml")
            .unwrap()
            .replace("[AWSCloudMapDiscoverInstanceAccess]", "[AmazonS3ReadOnlyAccess]");
        let a = analyze_call(&lab_from_str("scenarios/30-service-discovery.yaml", &y), &web, def, r);
        let CallOutcome::Answered { status: 400, code: Some(code), message: Some(m) } = &a.outcome else {
            panic!("{}", render(&a))
        };
        assert_eq!(code, "AccessDeniedException");
        assert!(m.ends_with("because no identity-based policy allows the servicediscovery:DiscoverInstances action"));
    }
}
