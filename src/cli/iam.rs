//! `ecsnet iam simulate-custom-policy`: IAM's policy simulator on policies given on the command
//! line, as `aws iam simulate-custom-policy` takes them (`--policy-input-list`,
//! `--action-names`, `--resource-arns`, `--resource-policy`, `--permissions-boundary-policy-input-list`,
//! `--context-entries`), answered by ecsnet's evaluator (`analyze::iam`), without packets.

use super::{CliError, Exit, Outcome};
use crate::analyze::iam::{
    Decision, DecisionKind, NamedPolicy, Policies, PolicyType, Request, ServiceStyle, denial_message, evaluate,
};
use crate::i18n::tr;
use crate::scenario::policy::{PolicyKind, parse_policy};
use serde_json::{Value, json};

/// What `simulate-custom-policy` is given.
pub struct Simulation<'a> {
    pub policies: &'a [String],
    pub actions: &'a [String],
    pub resources: &'a [String],
    pub resource_policy: Option<&'a str>,
    pub boundaries: &'a [String],
    pub caller: &'a str,
    pub context: &'a [String],
    pub json: bool,
}

/// The caller when none is given: a role session of the lab's account.
pub const DEFAULT_CALLER: &str = "arn:aws:sts::123456789012:assumed-role/SimulatedRole/simulation";

pub fn simulate_custom_policy(s: &Simulation<'_>) -> Outcome {
    let identity = s
        .policies
        .iter()
        .enumerate()
        .map(|(i, p)| load(p, &format!("PolicyInputList.{}", i + 1), PolicyKind::Identity))
        .collect::<Result<Vec<_>, _>>()?;
    let boundary = match s.boundaries.first() {
        Some(p) => Some(load(p, "PermissionsBoundaryPolicyInputList.1", PolicyKind::Identity)?),
        None => None,
    };
    let resource = s.resource_policy.map(|p| load(p, "ResourcePolicy", PolicyKind::Resource)).transpose()?;
    let context = s.context.iter().map(|c| context_entry(c)).collect::<Result<Vec<_>, _>>()?;
    let policies = Policies { identity, resource: None, endpoint: None, boundary };
    let resources: Vec<String> = if s.resources.is_empty() { vec!["*".into()] } else { s.resources.to_vec() };
    // `--resource-policy` is the policy of every resource given, as AWS's simulator takes it.
    decide(s.caller, s.actions, (&resources, &|_| resource.clone()), &context, &policies, s.json)
}

/// What `iam simulate` is given: a lab or scenario, a caller of it, and the calls.
pub struct LabSimulation<'a> {
    pub target: &'a str,
    pub principal: &'a str,
    pub execution: bool,
    pub actions: &'a [String],
    pub resources: &'a [String],
    pub via: Option<&'a str>,
    pub context: &'a [String],
    pub json: bool,
}

/// `ecsnet iam simulate LAB|FILE --principal task/web ...`: the caller's role session and the
/// policies `aws.roles` gives its role (and an endpoint's, with `--via endpoint/NAME`).
pub fn simulate(s: &LabSimulation<'_>) -> Outcome {
    use crate::analyze::role::{ResourcePolicies, Which, caller, endpoint, policies, resource_arn};
    let lab = super::lab_or_file(s.target)?;
    let node = crate::scenario::parse_node(s.principal).map_err(CliError::Invalid)?.0;
    super::check_node_names(&lab, &node)?;
    let which = if s.execution { Which::Execution } else { Which::Task };
    let c = caller(&lab, &node, which).map_err(CliError::Invalid)?;
    let mut context = s.context.iter().map(|c| context_entry(c)).collect::<Result<Vec<_>, _>>()?;
    let resources: Vec<String> = if s.resources.is_empty() {
        vec!["*".into()]
    } else {
        s.resources.iter().map(|r| resource_arn(&lab, r)).collect()
    };
    let resource_policies = ResourcePolicies::new(&lab.aws, &lab.region, crate::model::ACCOUNT);
    let any_resource_policy = resources.iter().any(|r| resource_policies.find(r).is_some());
    // Not declared: unrestricted, but an endpoint's policy and a resource's still apply.
    let restricted = s.via.is_some() || any_resource_policy;
    let declared = policies(&lab, &c.role);
    let Some(mut policies) = declared.or_else(|| restricted.then(|| crate::analyze::role::unrestricted(&c.role)))
    else {
        let text = tr!(
            "iam-unrestricted",
            "role { $role } is not declared under aws.roles: ecsnet does not restrict it, and every call of { $session } is allowed. Declare it (roleName: { $role }) to have its policies evaluated",
            role = c.role.as_str(),
            session = c.session_arn.as_str()
        );
        if s.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "Unrestricted": true, "Message": text })).unwrap_or_default()
            );
        } else {
            println!("{text}");
        }
        return Ok(Exit::Ok);
    };
    if let Some(via) = s.via {
        let name = via.strip_prefix("endpoint/").unwrap_or(via);
        let Some(through) = endpoint(&lab, name) else {
            return Err(CliError::Invalid(tr!("iam-no-endpoint", "no endpoint `{ $name }` in the lab", name = name)));
        };
        policies.endpoint = through.policy;
        context.extend(through.keys.into_iter().map(|(k, v)| (k, vec![v])));
    }
    if !s.json {
        println!("{} calls as {} (role {}):", s.principal, c.session_arn, c.role);
    }
    let lookup = |arn: &str| resource_policies.find(arn).cloned();
    decide(&c.session_arn, s.actions, (&resources, &lookup), &context, &policies, s.json)
}

/// The resources of a simulation, and the policy each has.
type Resources<'a> = (&'a [String], &'a dyn Fn(&str) -> Option<NamedPolicy>);

/// Evaluate every action on every resource (with the resource's policy), print, and say
/// whether all were allowed.
fn decide(
    caller: &str,
    actions: &[String],
    (resources, resource_policy): Resources<'_>,
    context: &[(String, Vec<String>)],
    policies: &Policies,
    json: bool,
) -> Outcome {
    let mut results = vec![];
    for action in actions {
        for resource in resources {
            let policies = Policies { resource: resource_policy(resource), ..policies.clone() };
            let mut req = Request::new(caller, action, resource);
            for (k, vs) in context {
                for v in vs {
                    req = req.with(k, v);
                }
            }
            let d = evaluate(&req, &policies);
            results.push((req, d));
        }
    }
    if json {
        let v: Vec<Value> = results.iter().map(|(r, d)| result_json(r, d)).collect();
        println!("{}", serde_json::to_string_pretty(&json!({ "EvaluationResults": v })).unwrap_or_default());
    } else {
        for (r, d) in &results {
            print!("{}", render(r, d));
        }
    }
    Ok(if results.iter().all(|(_, d)| d.allowed) { Exit::Ok } else { Exit::Failed })
}

/// A policy from `file://PATH`, a path, or the JSON itself; its errors located in it.
fn load(arg: &str, name: &str, kind: PolicyKind) -> Result<NamedPolicy, CliError> {
    let trimmed = arg.trim_start();
    let (where_, text) = if trimmed.starts_with('{') {
        (name.to_string(), arg.to_string())
    } else {
        let path = arg.strip_prefix("file://").unwrap_or(arg);
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::Invalid(tr!("iam-policy-unreadable", "{ $path }: { $error }", path = path, error = e.to_string()))
        })?;
        (path.to_string(), text)
    };
    parse_policy(&text, kind).map(|document| NamedPolicy { name: name.to_string(), document }).map_err(|errs| {
        let lines: Vec<String> =
            errs.iter().map(|e| format!("{where_}:{}:{}: {}\n  help: {}", e.line, e.col, e.message, e.help)).collect();
        CliError::Invalid(lines.join("\n"))
    })
}

/// `KEY=V1[,V2...]`, or the AWS CLI's shorthand
/// `ContextKeyName=KEY,ContextKeyValues=V1,V2,ContextKeyType=string`.
fn context_entry(s: &str) -> Result<(String, Vec<String>), CliError> {
    let bad = || {
        CliError::Invalid(tr!(
            "iam-bad-context",
            "--context-entries { $entry }: write KEY=VALUE[,VALUE...] (aws:SourceVpce=vpce-0abc) or ContextKeyName=KEY,ContextKeyValues=VALUE,ContextKeyType=string",
            entry = s
        ))
    };
    let (key, values) = match s.strip_prefix("ContextKeyName=") {
        Some(rest) => {
            let (key, rest) = rest.split_once(",ContextKeyValues=").ok_or_else(bad)?;
            let values = rest.split_once(",ContextKeyType=").map_or(rest, |(v, _)| v);
            (key, values)
        }
        None => s.split_once('=').ok_or_else(bad)?,
    };
    if key.is_empty() {
        return Err(bad());
    }
    Ok((key.to_string(), values.split(',').map(str::to_string).collect()))
}

/// IAM's `EvalDecision`.
fn eval_decision(d: &Decision) -> &'static str {
    match d.kind {
        DecisionKind::Allowed => "allowed",
        DecisionKind::ExplicitDeny { .. } => "explicitDeny",
        DecisionKind::ImplicitDeny { .. } => "implicitDeny",
    }
}

/// One entry of `EvaluationResults`, in the simulator's shape (MatchedStatements with their
/// policy and position, MissingContextValues), plus the message AWS would deny with.
fn result_json(r: &Request, d: &Decision) -> Value {
    let source_type = |t: PolicyType| match t {
        PolicyType::Resource => "resource",
        PolicyType::Boundary => "permissionsBoundaryPolicy",
        _ => "IAM Policy",
    };
    let matched: Vec<Value> = d
        .matched
        .iter()
        .map(|m| {
            json!({
                "SourcePolicyId": m.policy,
                "SourcePolicyType": source_type(m.policy_type),
                "StartPosition": { "Line": m.line, "Column": m.col },
            })
        })
        .collect();
    let mut v = json!({
        "EvalActionName": r.action,
        "EvalResourceName": r.resource,
        "EvalDecision": eval_decision(d),
        "MatchedStatements": matched,
        "MissingContextValues": missing_context(r, d),
    });
    if !d.allowed {
        v["DenialMessage"] =
            denial_message(ServiceStyle::of_action(&r.action), d, &r.principal_arn, &r.action, &r.resource).into();
    }
    v
}

/// The condition keys a statement asked about that the request does not carry.
fn missing_context(r: &Request, d: &Decision) -> Vec<String> {
    let mut keys: Vec<String> = d
        .failed_conditions
        .iter()
        .map(|f| f.key.clone())
        .filter(|k| !r.context.keys().any(|c| c.eq_ignore_ascii_case(k)))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The decision in lines: which statement decided, which conditions failed, and AWS's message.
fn render(r: &Request, d: &Decision) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "{} on {}: {}", r.action, r.resource, eval_decision(d));
    s.push_str(&crate::analyze::iam::statement_lines(r, d, "  "));
    if !d.allowed {
        let _ = writeln!(
            s,
            "  AWS answers: {}",
            denial_message(ServiceStyle::of_action(&r.action), d, &r.principal_arn, &r.action, &r.resource)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_entries_in_both_forms() {
        assert_eq!(context_entry("aws:SourceVpce=vpce-1").unwrap(), ("aws:SourceVpce".into(), vec!["vpce-1".into()]));
        assert_eq!(
            context_entry("ContextKeyName=aws:SourceIp,ContextKeyValues=10.0.0.1,10.0.0.2,ContextKeyType=ip").unwrap(),
            ("aws:SourceIp".into(), vec!["10.0.0.1".into(), "10.0.0.2".into()])
        );
        assert!(context_entry("novalue").is_err());
        assert!(context_entry("=x").is_err());
    }

    #[test]
    fn a_policy_error_is_located_in_its_text() {
        let Err(CliError::Invalid(e)) = load("{\"Statement\": [{\"Effect\": \"Allow\"}]}", "P", PolicyKind::Identity)
        else {
            panic!("no error")
        };
        assert!(e.starts_with("P:1:"), "{e}");
    }
}
