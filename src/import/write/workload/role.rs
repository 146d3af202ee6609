//! IAM roles -> `aws.roles`: the trust policy, AWS managed policies, and inline policies,
//! among them those attached from outside the role (`AWS::IAM::Policy`'s `Roles`,
//! `AWS::IAM::RolePolicy`) and customer managed policies, which the scenario takes only
//! inline.

use super::{ACCOUNT, Ctx, of, policy_text, prop, text};
use crate::import::resource::{Resource, Value};
use crate::import::yaml::{Item, Node};
use crate::scenario::managed_policy;

/// The role's name: its `RoleName`, else one from its id (CloudFormation would generate
/// `STACK-Id-RANDOM`; a stable name keeps the file the same from run to run).
pub(super) fn role_name(ctx: &mut Ctx, r: &Resource) -> String {
    let valid = |n: &str| {
        (1..=64).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
    };
    match prop(r, "RoleName").and_then(Value::str) {
        Some(n) if valid(n) => n.to_string(),
        _ => ctx.names.assign("role", &r.id, None),
    }
}

/// The role's ARN, with its path, as IAM gives it.
pub(super) fn role_arn(ctx: &mut Ctx, r: &Resource) -> String {
    let path = prop(r, "Path").and_then(Value::str).filter(|p| p.starts_with('/') && p.ends_with('/')).unwrap_or("/");
    format!("arn:aws:iam::{ACCOUNT}:role{path}{}", role_name(ctx, r))
}

/// `aws.roles`.
pub(super) fn roles(ctx: &mut Ctx) -> Vec<Item> {
    let mut out = vec![];
    for r in of(ctx, "AWS::IAM::Role") {
        let comment = ctx.from(r);
        let mut m: Vec<(String, Item)> = vec![("roleName".into(), Node::str(role_name(ctx, r)).into())];
        if let Some(doc) = prop(r, "AssumeRolePolicyDocument") {
            if let Some(t) = policy_text(ctx, r, "AssumeRolePolicyDocument", doc) {
                m.push(("assumeRolePolicyDocument".into(), Node::Text(t).into()));
            }
        }
        let (arns, mut policies) = managed(ctx, r);
        if !arns.is_empty() {
            m.push(("managedPolicyArns".into(), Node::list(arns.into_iter().map(Node::Str)).into()));
        }
        for (i, p) in prop(r, "Policies").map(Value::list).unwrap_or_default().iter().enumerate() {
            policies.extend(inline(ctx, r, &format!("Policies[{i}]"), p, None));
        }
        policies.extend(attached(ctx, r));
        if !policies.is_empty() {
            m.push(("policies".into(), Node::List(policies).into()));
        }
        if let Some(b) = prop(r, "PermissionsBoundary") {
            match text(ctx, r, "PermissionsBoundary", b) {
                Some(arn) if managed_policy::find(&arn).is_some() => {
                    m.push(("permissionsBoundary".into(), Node::Str(arn).into()));
                }
                Some(arn) => ctx.note(
                    &r.origin,
                    format!(
                        "permissions boundary {arn} left out: the scenario takes only the AWS managed policies it knows"
                    ),
                    "",
                ),
                None => {}
            }
        }
        out.push(Node::Map(m).with_comment(comment));
    }
    out
}

/// `ManagedPolicyArns`: the AWS managed policies the scenario knows, by ARN; a customer
/// managed policy of the input becomes an inline policy.
fn managed(ctx: &mut Ctx, r: &Resource) -> (Vec<String>, Vec<Item>) {
    let (mut arns, mut inline_policies) = (vec![], vec![]);
    for (i, v) in prop(r, "ManagedPolicyArns").map(Value::list).unwrap_or_default().iter().enumerate() {
        let what = format!("ManagedPolicyArns[{i}]");
        if let Some(p) = ctx.target(v).filter(|p| p.kind == "AWS::IAM::ManagedPolicy") {
            inline_policies.extend(customer_managed(ctx, p));
            continue;
        }
        let Some(arn) = text(ctx, r, &what, v) else { continue };
        if managed_policy::find(&arn).is_some() {
            arns.push(arn);
        } else if arn.starts_with("arn:aws:iam::aws:policy/") {
            ctx.note(
                &r.origin,
                format!("AWS managed policy {arn} left out: not one the scenario knows"),
                "add its statements as an inline policy of the role in the scenario",
            );
        } else {
            ctx.note(
                &r.origin,
                format!("managed policy {arn} left out: its document is not in the input"),
                "add its statements as an inline policy of the role in the scenario",
            );
        }
    }
    (arns, inline_policies)
}

/// A customer managed policy as an inline policy.
fn customer_managed(ctx: &mut Ctx, p: &Resource) -> Option<Item> {
    let name = match prop(p, "ManagedPolicyName").and_then(Value::str) {
        Some(n) => n.to_string(),
        None => ctx.names.assign("policy", &p.id, None),
    };
    let from = ctx.from(p);
    let doc = policy_text(ctx, p, "PolicyDocument", prop(p, "PolicyDocument")?)?;
    Some(Item {
        comment: vec![format!(
            "{from}: a customer managed policy, written inline (the scenario attaches only AWS managed policies)"
        )],
        node: Node::map([("policyName", Node::Str(name)), ("policyDocument", Node::Text(doc))]),
    })
}

/// An inline policy `{ PolicyName, PolicyDocument }` (of the role, or of `from`).
fn inline(ctx: &mut Ctx, r: &Resource, what: &str, p: &Value, comment: Option<String>) -> Option<Item> {
    let at = |k: &str| if what.is_empty() { k.to_string() } else { format!("{what}.{k}") };
    let name = text(ctx, r, &at("PolicyName"), p.get("PolicyName")?)?;
    let doc = policy_text(ctx, r, &at("PolicyDocument"), p.get("PolicyDocument")?)?;
    let node = Node::map([("policyName", Node::Str(name)), ("policyDocument", Node::Text(doc))]);
    Some(match comment {
        Some(c) => node.with_comment(c),
        None => node.into(),
    })
}

/// Whether `v` names `role`: a reference to it, or its name.
fn names_role(ctx: &mut Ctx, v: &Value, role: &Resource) -> bool {
    match v {
        Value::Ref { id, .. } => id == &role.id,
        Value::String(s) => *s == role_name(ctx, role),
        _ => false,
    }
}

/// The policies attached to `role` from outside: `AWS::IAM::Policy` and
/// `AWS::IAM::ManagedPolicy` listing it in `Roles` (the latter written inline), and
/// `AWS::IAM::RolePolicy` naming it.
fn attached(ctx: &mut Ctx, role: &Resource) -> Vec<Item> {
    let mut out = vec![];
    let listed = prop(role, "ManagedPolicyArns").map(Value::list).unwrap_or_default();
    for kind in ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"] {
        for p in of(ctx, kind) {
            let mine = match kind {
                "AWS::IAM::RolePolicy" => prop(p, "RoleName").is_some_and(|v| names_role(ctx, v, role)),
                _ => prop(p, "Roles").map(Value::list).unwrap_or_default().iter().any(|v| names_role(ctx, v, role)),
            };
            if !mine {
                continue;
            }
            if kind == "AWS::IAM::ManagedPolicy" {
                // Listed in the role's ManagedPolicyArns too: written there already.
                if !listed.iter().any(|v| matches!(v, Value::Ref { id, .. } if id == &p.id)) {
                    out.extend(customer_managed(ctx, p));
                }
                continue;
            }
            let comment = ctx.from(p);
            out.extend(inline(ctx, p, "", &p.properties, Some(comment)));
        }
    }
    out
}
