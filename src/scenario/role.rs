//! `aws.roles`: the IAM roles of the lab's account, named as IAM's API and CloudFormation's
//! `AWS::IAM::Role` name them (roleName, assumeRolePolicyDocument, managedPolicyArns,
//! policies of policyName and policyDocument, permissionsBoundary). Each document is checked
//! with IAM's grammar where it is written (`policy::read_policy`); the text is kept, and the
//! analyzer parses it again when it evaluates a call.

use super::fields::{Shape, Table, opt, req};
use super::policy::{PolicyKind, read_policy};
use super::walk::*;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};

/// An IAM role and the policies attached to it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    /// The trust policy (JSON); None: trusted by ECS tasks and EC2 (ecsnet's default).
    #[serde(default)]
    pub assume_role_policy_document: Option<String>,
    /// AWS-managed policies, as ARNs with their paths.
    #[serde(default)]
    pub managed_policy_arns: Vec<String>,
    #[serde(default)]
    pub policies: Vec<InlinePolicy>,
    /// An AWS-managed policy's ARN used as the permissions boundary.
    #[serde(default)]
    pub permissions_boundary: Option<String>,
}

/// An inline policy of a role.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlinePolicy {
    pub name: String,
    /// The policy document (JSON).
    pub document: String,
}

const INLINE: Table = Table {
    id: "awsRolePolicy",
    doc: "An inline policy of a role.",
    strict: true,
    rules: &[],
    fields: &[
        req("policyName", Shape::Text, "Its name."),
        req("policyDocument", Shape::Text, "The policy (JSON, as a YAML block string `policyDocument: |`)."),
    ],
};

pub(crate) const ROLE: Table = Table {
    id: "awsRole",
    doc: "An IAM role of the lab's account.",
    strict: true,
    rules: &[],
    fields: &[
        req("roleName", Shape::Text, "Its name, as taskRoleArn, executionRoleArn and iamInstanceProfile name it."),
        opt(
            "assumeRolePolicyDocument",
            Shape::Text,
            "The trust policy (JSON); default: trusted by ecs-tasks.amazonaws.com and ec2.amazonaws.com.",
        ),
        opt(
            "managedPolicyArns",
            Shape::List(&Shape::Text),
            "AWS-managed policies (arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess, or the name alone).",
        ),
        opt("policies", Shape::List(&Shape::Block(&INLINE)), "Inline policies."),
        opt("permissionsBoundary", Shape::Text, "An AWS-managed policy's ARN that bounds the role's permissions."),
    ],
};

/// IAM's role name rule: 1-64 of letters, digits and `+=,.@_-`.
fn role_name_ok(n: &str) -> bool {
    (1..=64).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// The `roles` list of the `aws` block.
pub(crate) fn parse(cx: &mut Reader, items: Vec<Value<'_>>) -> Vec<Role> {
    let mut out: Vec<Role> = vec![];
    for it in items {
        let Some(b) =
            cx.entry_map(&it, "a role", "{ roleName: app-task-role, managedPolicyArns: [AmazonS3ReadOnlyAccess] }")
        else {
            continue;
        };
        b.strict(cx, &ROLE);
        let Some(name) = b.req(cx, "roleName", "app-task-role").and_then(|v| cx.nonempty(&v)) else { continue };
        if !role_name_ok(&name.value) {
            cx.err(
                &name.loc,
                tr!(
                    "role-bad-name",
                    "1 validation error detected: Value '{ $name }' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
                    name = name.value.as_str()
                ),
                tr!("role-bad-name-help", "1-64 letters, digits and + = , . @ _ -"),
            );
            continue;
        }
        // IAM compares role names without regard to case.
        if out.iter().any(|r| r.name.eq_ignore_ascii_case(&name.value)) {
            cx.err(
                &name.loc,
                tr!("role-duplicate", "Role with name { $name } already exists.", name = name.value.as_str()),
                tr!("role-duplicate-help", "give each role its own name (IAM ignores case)"),
            );
            continue;
        }
        let mut ok = true;
        let trust = b.get("assumeRolePolicyDocument").and_then(|v| cx.string(&v));
        if let Some(t) = &trust {
            ok &= read_policy(cx, t, PolicyKind::Trust).is_some();
        }
        let mut managed = vec![];
        for a in b.get("managedPolicyArns").and_then(|v| cx.str_list(&v, 20)).unwrap_or_default() {
            match attachable(cx, &a) {
                Some(arn) => managed.push(arn),
                None => ok = false,
            }
        }
        let mut policies = vec![];
        for pv in b.get("policies").and_then(|v| cx.items(&v, 100)).unwrap_or_default() {
            let Some(p) = cx.entry_map(&pv, "an inline policy", "{ policyName: read, policyDocument: '{...}' }") else {
                continue;
            };
            p.strict(cx, &INLINE);
            let name = p.req(cx, "policyName", "read").and_then(|v| cx.nonempty(&v));
            let doc = p.req(cx, "policyDocument", "'{...}'").and_then(|v| cx.string(&v));
            match (name, doc) {
                (Some(n), Some(d)) if read_policy(cx, &d, PolicyKind::Identity).is_some() => {
                    policies.push(InlinePolicy { name: n.value, document: d.value })
                }
                _ => ok = false,
            }
        }
        let boundary = match b.get("permissionsBoundary").and_then(|v| cx.string(&v)) {
            Some(a) => match attachable(cx, &a) {
                Some(arn) => Some(arn),
                None => {
                    ok = false;
                    None
                }
            },
            None => None,
        };
        if ok {
            out.push(Role {
                name: name.value,
                assume_role_policy_document: trust.map(|t| t.value),
                managed_policy_arns: managed,
                policies,
                permissions_boundary: boundary,
            });
        }
    }
    out
}

/// An AWS-managed policy by name or ARN, as its full ARN; else IAM's NoSuchEntity text.
fn attachable(cx: &mut Reader, a: &crate::scenario::Located<String>) -> Option<String> {
    if let Some(p) = crate::scenario::managed_policy::find(&a.value) {
        return Some(p.arn());
    }
    let arn =
        if a.value.starts_with("arn:") { a.value.clone() } else { format!("arn:aws:iam::aws:policy/{}", a.value) };
    cx.err(
        &a.loc,
        tr!("role-no-such-policy", "Policy { $arn } does not exist or is not attachable.", arn = arn),
        tr!(
            "role-no-such-policy-help",
            "ecsnet knows AmazonECSTaskExecutionRolePolicy (service-role/), AmazonEC2ContainerServiceforEC2Role (service-role/), AmazonEC2ContainerRegistryReadOnly, AmazonEC2ContainerRegistryPowerUser, AmazonS3ReadOnlyAccess, AmazonS3FullAccess, AmazonSSMReadOnlyAccess, SecretsManagerReadWrite, CloudWatchLogsFullAccess, CloudWatchAgentServerPolicy, AWSCloudMapDiscoverInstanceAccess; write others as inline `policies`"
        ),
    );
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn role_names_follow_iams_rule() {
        assert!(super::role_name_ok("ecsTaskExecutionRole"));
        assert!(super::role_name_ok("a+b=c,d.e@f_g-h"));
        assert!(!super::role_name_ok("has space"));
        assert!(!super::role_name_ok(&"x".repeat(65)));
    }
}
