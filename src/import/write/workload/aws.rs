//! The `aws:` block: S3 buckets (with their bucket policies), CloudWatch Logs groups, Secrets
//! Manager secrets (with their resource policies), SSM parameters, and the IAM roles.
//!
//! The scenario's rule decides which lists are written: "a declared list is the whole truth",
//! so a task naming a log group, secret or parameter missing from a declared list does not
//! start. The input rarely creates everything its tasks name (a log group made by hand, a
//! secret of another stack), and on AWS those exist; so a list is declared only when it holds
//! everything the tasks name, and otherwise left for the lab to fill from the tasks, noted.

use super::task_definition::Named;
use super::{ACCOUNT, Ctx, of, policy_text, prop, role, text};
use crate::import::resource::{Resource, Value};
use crate::import::yaml::{Item, Node};

/// A name property when it is plain text, else one from the resource's id (CloudFormation
/// would generate one with a random part; a stable one keeps the file the same): a template's
/// logical id itself, the name its `Ref` reads with inside a `!Join` or `!Sub`
/// (`!Join ['', [!GetAtt Bucket.Arn, '/*']]`), so that both name the same resource.
fn name_or(ctx: &mut Ctx, r: &Resource, key: &str, kind: &str) -> String {
    match prop(r, key) {
        Some(Value::String(n)) if !n.is_empty() => n.to_string(),
        Some(Value::Unknown { why, fix }) => {
            super::unknown(ctx, r, key, why, fix);
            ctx.names.assign(kind, &r.id, None)
        }
        // A template's resource: the reader's name for it; a Terraform address is no name.
        _ if template(r) => crate::import::cloudformation::physical_name(r),
        _ => ctx.names.assign(kind, &r.id, None),
    }
}

/// A template's logical id (a stack's prefix aside), not a Terraform address.
fn template(r: &Resource) -> bool {
    let id = r.id.rsplit('/').next().unwrap_or(&r.id);
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

pub(super) fn bucket_name(ctx: &mut Ctx, r: &Resource) -> String {
    name_or(ctx, r, "BucketName", "bucket")
}

pub(super) fn log_group_name(ctx: &mut Ctx, r: &Resource) -> String {
    name_or(ctx, r, "LogGroupName", "log-group")
}

/// A secret's name: its Name, else (a template's secret) its logical id, the name its ARN
/// reads with inside a string: `!Join ['', [!Ref Secret, ':password::']]`, the CDK's
/// `Secret.fromSecretsManager(secret, 'password')`, names the same secret as a policy's
/// `!Ref Secret` (else the task would name a secret the execution role may not read).
pub(super) fn secret_name(ctx: &mut Ctx, r: &Resource) -> String {
    name_or(ctx, r, "Name", "secret")
}

/// A secret's ARN as the scenario's Secrets Manager gives it (its suffix made from the name),
/// as a template's `Ref` reads on AWS: a policy's `Resource` of it then matches the ARN a task
/// asks for.
pub(super) fn secret_arn(ctx: &mut Ctx, r: &Resource) -> String {
    let name = secret_name(ctx, r);
    crate::scenario::aws::secret_arn(&ctx.region, ACCOUNT, &name)
}

pub(super) fn parameter_name(ctx: &mut Ctx, r: &Resource) -> String {
    name_or(ctx, r, "Name", "parameter")
}

pub(super) fn repository_name(ctx: &mut Ctx, r: &Resource) -> String {
    name_or(ctx, r, "RepositoryName", "repository")
}

/// The `aws:` entry, when there is anything to declare.
pub(super) fn aws(ctx: &mut Ctx, named: &Named) -> Option<Node> {
    let mut m: Vec<(String, Item)> = vec![];
    let buckets = buckets(ctx);
    if !buckets.is_empty() {
        m.push(("buckets".into(), Node::List(buckets).into()));
    }
    let groups = of(ctx, "AWS::Logs::LogGroup");
    let names: Vec<(String, String)> = groups.iter().map(|g| (log_group_name(ctx, g), ctx.from(g))).collect();
    if whole_truth(ctx, "logGroups", &names, &named.log_groups, |a, b| a == b) {
        let items = names.into_iter().map(|(n, c)| Node::Str(n).with_comment(c)).collect();
        m.push(("logGroups".into(), Node::List(items).into()));
    }
    let (secrets, names) = secrets(ctx);
    if whole_truth(ctx, "secrets", &names, &named.secrets, same_secret) {
        m.push(("secrets".into(), Node::List(secrets).into()));
    }
    let (params, names) = parameters(ctx);
    if whole_truth(ctx, "parameters", &names, &named.parameters, |a, b| {
        a.trim_start_matches('/') == b.trim_start_matches('/')
    }) {
        m.push(("parameters".into(), Node::List(params).into()));
    }
    let repositories = foreign_repositories(ctx);
    if !repositories.is_empty() {
        m.insert(0, ("repositories".into(), Node::List(repositories).into()));
    }
    let roles = role::roles(ctx);
    if !roles.is_empty() {
        m.push(("roles".into(), Node::List(roles).into()));
    }
    (!m.is_empty()).then_some(Node::Map(m))
}

/// The repositories of other accounts' registries the tasks pull from, each with its tags and
/// a policy letting the lab's account pull, as the owner's must for the stack to work on AWS
/// (said as assumed where the image is read). The lab's own registry stays undeclared: it
/// serves every image the tasks name.
fn foreign_repositories(ctx: &mut Ctx) -> Vec<Item> {
    let mut repos: Vec<(String, String, Vec<String>, String)> = vec![];
    for td in of(ctx, "AWS::ECS::TaskDefinition") {
        let containers = prop(td, "ContainerDefinitions").map(Value::list).unwrap_or_default();
        for image in containers.iter().filter_map(|c| c.get("Image")).filter_map(Value::str) {
            let Some((account, repo, tag)) = super::task_definition::foreign_image(image, &ctx.region) else {
                continue;
            };
            if tag.starts_with("sha256:") {
                continue;
            }
            match repos.iter_mut().find(|(a, r, _, _)| *a == account && *r == repo) {
                Some((_, _, tags, _)) if !tags.contains(&tag) => tags.push(tag),
                Some(_) => {}
                None => repos.push((account, repo, vec![tag], td.origin.clone())),
            }
        }
    }
    let policy = format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": [{{\"Effect\": \"Allow\", \"Principal\": {{\"AWS\": \"arn:aws:iam::{ACCOUNT}:root\"}}, \"Action\": [\"ecr:BatchGetImage\", \"ecr:GetDownloadUrlForLayer\"]}}]}}"
    );
    repos
        .into_iter()
        .map(|(account, repo, tags, origin)| {
            let image = Node::map([("tags", Node::list(tags.into_iter().map(Node::Str)))]);
            Node::map([
                ("name", Node::Str(repo)),
                ("registryId", Node::Str(account.clone())),
                ("images", Node::List(vec![image.into()])),
                ("repositoryPolicyText", Node::Str(policy.clone())),
            ])
            .with_comment(format!(
                "another account's registry, pulled by {origin} (assumed: its owner lets this account pull)"
            ))
        })
        .collect()
}

/// Whether a list holding `declared` may be written: something declared, and every name the
/// tasks use (`(name, origin)`) among them. Noted when it is left out for a name it lacks.
fn whole_truth(
    ctx: &mut Ctx,
    list: &str,
    declared: &[(String, String)],
    named: &[(String, String)],
    same: impl Fn(&str, &str) -> bool,
) -> bool {
    if declared.is_empty() {
        return false;
    }
    let missing: Vec<&(String, String)> =
        named.iter().filter(|(n, _)| !declared.iter().any(|(d, _)| same(d, n))).collect();
    let Some((name, origin)) = missing.first() else { return true };
    ctx.note(
        origin,
        format!(
            "aws.{list} left out: this names {name}, which the input does not create (a declared list is the whole truth in a scenario, so the lab fills the list from what the tasks name instead: the input's own entries are not declared)"
        ),
        format!("declare aws.{list} in the scenario by hand if the lab should hold exactly these"),
    );
    false
}

/// A `valueFrom` ARN (`arn:aws:secretsmanager:R:A:secret:NAME[-SUFFIX][:KEY:STAGE:VERSION]`)
/// or name names the declared secret `declared`.
fn same_secret(declared: &str, named: &str) -> bool {
    let name = match named.split_once(":secret:") {
        Some((_, rest)) => rest.split(':').next().unwrap_or(rest),
        None => named,
    };
    let declared = declared.rsplit(":secret:").next().unwrap_or(declared);
    name == declared
        || name.len() == declared.len() + 7
            && name.starts_with(declared)
            && name.as_bytes().get(declared.len()) == Some(&b'-')
}

/// `aws.buckets`, each with the policy of its `AWS::S3::BucketPolicy`.
fn buckets(ctx: &mut Ctx) -> Vec<Item> {
    let policies = of(ctx, "AWS::S3::BucketPolicy");
    let mut out = vec![];
    for b in of(ctx, "AWS::S3::Bucket") {
        let comment = ctx.from(b);
        let name = bucket_name(ctx, b);
        let mut m: Vec<(String, Item)> = vec![("name".into(), Node::str(name.as_str()).into())];
        for p in &policies {
            let mine = match prop(p, "Bucket") {
                Some(Value::Ref { id, .. }) => id == &b.id,
                Some(Value::String(s)) => *s == name,
                _ => false,
            };
            let Some(doc) = prop(p, "PolicyDocument").filter(|_| mine) else { continue };
            let from = ctx.from(p);
            if let Some(t) = policy_text(ctx, p, "PolicyDocument", doc) {
                m.push(("policy".into(), Node::Text(t).with_comment(from)));
            }
        }
        out.push(Node::Map(m).with_comment(comment));
    }
    for p in policies {
        if !ctx.used.contains(&p.id) {
            ctx.note(&p.origin, "a bucket policy of a bucket the input does not create: left out", "");
        }
    }
    out
}

/// The shape of a value Secrets Manager generates: `SecretStringTemplate` (a JSON object)
/// with `GenerateStringKey` set to a password, else a password alone.
fn generated(spec: Option<&Value>) -> String {
    const PASSWORD: &str = "not-a-real-secret";
    let Some(spec) = spec else { return PASSWORD.into() };
    let template = spec.get("SecretStringTemplate").and_then(Value::str);
    let key = spec.get("GenerateStringKey").and_then(Value::str);
    let object = template.and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok());
    match (object, key) {
        (Some(serde_json::Value::Object(mut m)), Some(k)) => {
            m.insert(k.to_string(), serde_json::Value::String(PASSWORD.into()));
            serde_json::Value::Object(m).to_string()
        }
        _ => PASSWORD.into(),
    }
}

/// `aws.secrets` and their names (with comments), each with the policy of its
/// `AWS::SecretsManager::ResourcePolicy`.
fn secrets(ctx: &mut Ctx) -> (Vec<Item>, Vec<(String, String)>) {
    let policies = of(ctx, "AWS::SecretsManager::ResourcePolicy");
    let (mut out, mut names) = (vec![], vec![]);
    for s in of(ctx, "AWS::SecretsManager::Secret") {
        let comment = ctx.from(s);
        let name = secret_name(ctx, s);
        // A generated secret's value is never known before deployment; its shape is: a
        // container asking for a JSON key (`…:password::`) gets it only from a JSON object.
        let value = match prop(s, "SecretString") {
            Some(v) => text(ctx, s, "SecretString", v).unwrap_or_else(|| "not-a-real-secret".into()),
            None => generated(prop(s, "GenerateSecretString")),
        };
        let mut m: Vec<(String, Item)> =
            vec![("name".into(), Node::str(name.as_str()).into()), ("value".into(), Node::Str(value).into())];
        for p in &policies {
            if !matches!(prop(p, "SecretId"), Some(Value::Ref { id, .. }) if id == &s.id) {
                continue;
            }
            let from = ctx.from(p);
            if let Some(t) = prop(p, "ResourcePolicy").and_then(|d| policy_text(ctx, p, "ResourcePolicy", d)) {
                m.push(("resourcePolicy".into(), Node::Text(t).with_comment(from)));
            }
        }
        names.push((name, comment.clone()));
        out.push(Node::Map(m).with_comment(comment));
    }
    (out, names)
}

/// `aws.parameters` and their names.
fn parameters(ctx: &mut Ctx) -> (Vec<Item>, Vec<(String, String)>) {
    let (mut out, mut names) = (vec![], vec![]);
    for p in of(ctx, "AWS::SSM::Parameter") {
        let comment = ctx.from(p);
        let name = parameter_name(ctx, p);
        let mut m: Vec<(String, Item)> = vec![("name".into(), Node::str(name.as_str()).into())];
        if let Some(t) = prop(p, "Type").and_then(Value::str) {
            m.push(("type".into(), Node::str(t).into()));
        }
        let value = prop(p, "Value").and_then(|v| text(ctx, p, "Value", v));
        m.push(("value".into(), Node::Str(value.unwrap_or_else(|| "not-a-real-parameter".into())).into()));
        names.push((name, comment.clone()));
        out.push(Node::Map(m).with_comment(comment));
    }
    (out, names)
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn a_secret_is_named_by_its_name_or_its_arn_with_or_without_the_suffix() {
        assert!(same_secret("prod/db", "prod/db"));
        assert!(same_secret("prod/db", "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db"));
        assert!(same_secret(
            "prod/db",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf:password::"
        ));
        assert!(same_secret("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db", "prod/db"));
        assert!(!same_secret("prod/db", "prod/other"));
        assert!(!same_secret("prod/db", "prod/db-x"));
    }
}
