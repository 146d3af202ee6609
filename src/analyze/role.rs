//! Who a lab's caller is to IAM, and which policies apply to it: a task's role session (task
//! role, or execution role for the agent's calls), an instance's role session (IMDS), with the
//! policies `aws.roles` attaches to the role, for `analyze::iam::evaluate`. A role the scenario
//! does not declare has no policies here (`None`): ecsnet leaves it unrestricted.

use super::iam::{NamedPolicy, Policies};
use crate::model::{ACCOUNT, Lab};
use crate::scenario::Node;
use crate::scenario::aws::{Data, secret_matches};
use crate::scenario::policy::{PolicyKind, parse_policy};
use crate::scenario::role::Role;

/// Which of a task's roles signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// The task role: what the task's own code calls with (the credentials endpoint).
    Task,
    /// The execution role: the agent's calls for the task (image pull, logs, secrets).
    Execution,
}

/// A caller of the lab as IAM sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub session_arn: String,
    pub role: String,
}

/// The role session `node` calls AWS as: a task's (its id is the session name, as ECS names
/// it), an instance's (its instance id, as EC2 names it). Err: why it has none.
pub fn caller(lab: &Lab, node: &Node, which: Which) -> Result<Caller, String> {
    let role_name = |arn: &str| arn.rsplit('/').next().unwrap_or(arn).to_string();
    let session = |role: String, id: &str| Caller {
        session_arn: format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{id}"),
        role,
    };
    if let Some(name) = node.task_name() {
        let t = lab.task(name).ok_or_else(|| format!("no task `{name}`"))?;
        let arn = match which {
            Which::Task => t.task_role_arn.as_ref().ok_or_else(|| {
                format!("task/{name} has no taskRoleArn: its containers get no credentials from ECS (an SDK falls back to IMDS, the instance's role)")
            })?,
            Which::Execution => t.execution_role_arn.as_ref().ok_or_else(|| {
                format!("task/{name} has no executionRoleArn: on EC2 the agent's calls for it use the instance's role")
            })?,
        };
        return Ok(session(role_name(arn), &t.id));
    }
    if let Node::Instance(name) = node {
        let i = lab.instance(name).ok_or_else(|| format!("no instance `{name}`"))?;
        return Ok(session(i.instance_profile.clone(), &i.id));
    }
    Err(format!("{node} calls AWS with no role of its own: name a task/NAME or an instance/NAME"))
}

/// The declared role `name` (IAM compares names without case).
pub fn declared<'a>(lab: &'a Lab, name: &str) -> Option<&'a Role> {
    lab.aws.roles.iter().find(|r| r.name.eq_ignore_ascii_case(name))
}

/// The identity-based policies and the boundary of role `name`, None when it is not declared.
pub fn policies(lab: &Lab, name: &str) -> Option<Policies> {
    declared(lab, name).map(role_policies)
}

/// A declared role's identity-based policies and boundary. Each policy is named as `explain`
/// shows it: `role app-task-role / policy read`, or the managed policy's ARN.
pub fn role_policies(r: &Role) -> Policies {
    let doc = |text: &str| parse_policy(text, PolicyKind::Identity).ok();
    let managed = |arn: &str| crate::scenario::managed_policy::managed_policy(arn).and_then(doc);
    let mut identity: Vec<NamedPolicy> = r
        .policies
        .iter()
        .filter_map(|p| {
            Some(NamedPolicy { name: format!("role {} / policy {}", r.name, p.name), document: doc(&p.document)? })
        })
        .collect();
    identity.extend(
        r.managed_policy_arns.iter().filter_map(|a| Some(NamedPolicy { name: a.clone(), document: managed(a)? })),
    );
    let boundary =
        r.permissions_boundary.as_deref().and_then(|a| Some(NamedPolicy { name: a.into(), document: managed(a)? }));
    Policies { identity, boundary, ..Policies::default() }
}

/// The policies of a role the scenario does not declare: ecsnet lets it do everything (an
/// endpoint's policy, added by the caller, still applies).
pub fn unrestricted(role: &str) -> Policies {
    let all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let identity = parse_policy(all, PolicyKind::Identity)
        .ok()
        .map(|document| NamedPolicy { name: format!("role {role} (not declared: unrestricted)"), document });
    Policies { identity: identity.into_iter().collect(), ..Policies::default() }
}

/// A resource written as ecsnet names it, as its ARN: `repository/app`, `bucket/NAME[/KEY]`,
/// `secret/NAME` (with the suffix of its ARN when the lab declares it), `parameter/NAME`,
/// `log-group/NAME`; an ARN or `*` as it is.
pub fn resource_arn(lab: &Lab, r: &str) -> String {
    let region = &lab.region;
    match r.split_once('/') {
        _ if r.starts_with("arn:") || r == "*" => r.to_string(),
        Some(("repository", n)) => format!("arn:aws:ecr:{region}:{ACCOUNT}:repository/{n}"),
        Some(("bucket", n)) => format!("arn:aws:s3:::{n}"),
        Some(("secret", n)) => match lab.aws.secrets.iter().find(|s| s.name == n) {
            Some(s) => s.arn_in(region, ACCOUNT),
            None => format!("arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{n}"),
        },
        Some(("parameter", n)) => crate::scenario::aws::parameter_arn(region, ACCOUNT, n),
        Some(("log-group", n)) => format!("arn:aws:logs:{region}:{ACCOUNT}:log-group:{n}"),
        // Cloud Map's DiscoverInstances has no resource-level permissions.
        Some(("cloudmap", _)) => "*".to_string(),
        _ => r.to_string(),
    }
}

/// The resource policies of the lab's resources (a repository's `repositoryPolicyText`, a
/// bucket's `policy`, a secret's `resourcePolicy`), parsed once, each found by the ARN a call
/// names: the analyzer and the front doors look a call's resource up the same way.
#[derive(Clone, Debug, Default)]
pub struct ResourcePolicies {
    /// (the repository's ARN, in its registry's account, its policy).
    repositories: Vec<(String, NamedPolicy)>,
    buckets: Vec<(String, NamedPolicy)>,
    /// (name, ARN, policy).
    secrets: Vec<(String, String, NamedPolicy)>,
}

impl ResourcePolicies {
    pub fn new(data: &Data, region: &str, account: &str) -> ResourcePolicies {
        let named = |name: String, text: &Option<String>, kind: PolicyKind| {
            let document = parse_policy(text.as_deref()?, kind).ok()?;
            Some(NamedPolicy { name, document })
        };
        let repositories = data.repositories.iter().filter_map(|r| {
            let p = named(format!("repository {} / repositoryPolicyText", r.name), &r.policy, PolicyKind::Repository);
            Some((format!("arn:aws:ecr:{region}:{}:repository/{}", r.registry(account), r.name), p?))
        });
        let buckets = data.buckets.iter().filter_map(|b| {
            Some((b.name.clone(), named(format!("bucket {} / policy", b.name), &b.policy, PolicyKind::Resource)?))
        });
        let secrets = data.secrets.iter().filter_map(|s| {
            let p = named(format!("secret {} / resourcePolicy", s.name), &s.resource_policy, PolicyKind::Resource)?;
            Some((s.name.clone(), s.arn_in(region, account), p))
        });
        ResourcePolicies {
            repositories: repositories.collect(),
            buckets: buckets.collect(),
            secrets: secrets.collect(),
        }
    }

    /// The policy of the resource `arn` names: a repository of the lab's registry or of one
    /// the scenario declares, a bucket (`arn:aws:s3:::B`) or one of its objects
    /// (`arn:aws:s3:::B/KEY`), a secret (by its ARN, with or without the suffix). None: the
    /// resource has none (or is not the lab's).
    pub fn find(&self, arn: &str) -> Option<&NamedPolicy> {
        if arn.starts_with("arn:aws:ecr:") {
            return self.repositories.iter().find(|(a, _)| a == arn).map(|(_, p)| p);
        }
        if let Some(rest) = arn.strip_prefix("arn:aws:s3:::") {
            let bucket = rest.split('/').next().unwrap_or(rest);
            return self.buckets.iter().find(|(n, _)| n == bucket).map(|(_, p)| p);
        }
        if arn.starts_with("arn:aws:secretsmanager:") {
            return self.secrets.iter().find(|(n, a, _)| secret_matches(n, a, arn)).map(|(_, _, p)| p);
        }
        None
    }
}

/// The policy of the lab's resource `arn` names, if it has one.
pub fn resource_policy(lab: &Lab, arn: &str) -> Option<NamedPolicy> {
    ResourcePolicies::new(&lab.aws, &lab.region, ACCOUNT).find(arn).cloned()
}

/// What a call through an interface endpoint brings to its evaluation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Through {
    /// The endpoint's policy; None: AWS's default, full access.
    pub policy: Option<NamedPolicy>,
    /// The condition keys the request carries through it (aws:SourceVpce, aws:SourceVpc).
    pub keys: Vec<(String, String)>,
}

/// What a call through endpoint `name` carries.
pub fn endpoint(lab: &Lab, name: &str) -> Option<Through> {
    let e = lab.endpoint(name)?;
    Some(through(&e.id, &e.name, &lab.vpc.id, e.policy.as_deref()))
}

/// What a call through endpoint `id` (`name`) of VPC `vpc_id` carries, its policy as written.
pub fn through(id: &str, name: &str, vpc_id: &str, policy: Option<&str>) -> Through {
    let policy = policy.and_then(|p| parse_policy(p, PolicyKind::Endpoint).ok());
    let policy = policy.map(|document| NamedPolicy { name: format!("VPC endpoint {id} ({name})"), document });
    let keys = vec![("aws:SourceVpce".to_string(), id.to_string()), ("aws:SourceVpc".to_string(), vpc_id.to_string())];
    Through { policy, keys }
}

/// IAM's decision for a call of the lab: `session_arn` of role `role` calling `action` on
/// `resource`, through endpoint `via` when the call reaches one, with the resource's policy when
/// it has one. A role not declared is unrestricted. The front doors decide the same with
/// [`decide_with`] on packets.
pub fn decide(
    lab: &Lab,
    (session_arn, role): (&str, &str),
    action: &str,
    resource: &str,
    via: Option<&str>,
) -> super::iam::Decision {
    let p = policies(lab, role).unwrap_or_else(|| unrestricted(role));
    let t = via.and_then(|v| endpoint(lab, v));
    let rp = resource_policy(lab, resource);
    decide_with(p, (session_arn, role), (action, resource), rp.as_ref(), t.as_ref(), None)
}

/// One call's evaluation, made the same way by the analyzer and the front doors: the role's
/// policies, the resource's policy (`resource_policy`), the request's keys (aws:SecureTransport,
/// aws:PrincipalArn; through an endpoint its policy, aws:SourceVpce and aws:SourceVpc; else
/// aws:SourceIp when known).
pub fn decide_with(
    policies: Policies,
    who: (&str, &str),
    what: (&str, &str),
    resource_policy: Option<&NamedPolicy>,
    via: Option<&Through>,
    source_ip: Option<&str>,
) -> super::iam::Decision {
    let (r, p) = call_request(policies, who, what, resource_policy, via, source_ip);
    super::iam::evaluate(&r, &p)
}

/// The request and the policies [`decide_with`] evaluates.
pub fn call_request(
    mut policies: Policies,
    (session_arn, role): (&str, &str),
    (action, resource): (&str, &str),
    resource_policy: Option<&NamedPolicy>,
    via: Option<&Through>,
    source_ip: Option<&str>,
) -> (super::iam::Request, Policies) {
    let mut r = super::iam::Request::new(session_arn, action, resource).with("aws:SecureTransport", "true");
    // Another account's resource (a repository of its registry): its policy must allow too.
    let owner = resource.split(':').nth(4).filter(|a| a.len() == 12);
    r.same_account = owner.is_none_or(|o| Some(o) == session_arn.split(':').nth(4));
    if !role.is_empty() {
        let account = session_arn.split(':').nth(4).unwrap_or(ACCOUNT);
        r = r.with("aws:PrincipalArn", &format!("arn:aws:iam::{account}:role/{role}"));
    }
    policies.resource = resource_policy.cloned();
    match (via, source_ip) {
        (Some(t), _) => {
            policies.endpoint = t.policy.clone();
            for (k, v) in &t.keys {
                r = r.with(k, v);
            }
        }
        (None, Some(ip)) => r = r.with("aws:SourceIp", ip),
        (None, None) => {}
    }
    (r, policies)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::iam::{PolicyType, Request, evaluate};
    use crate::analyze::testing::lab_from_str;

    const LAB: &str = "version: 1\nname: iam\nregion: ap-northeast-1\nvpc:\n  cidr: 10.30.0.0/16\n  subnets: [{ name: a, cidr: 10.30.1.0/24, availabilityZone: ap-northeast-1a }]\ninstances: [{ name: i, subnet: a }]\ntaskDefinitions:\n  - { family: app, networkMode: host, taskRoleArn: 'arn:aws:iam::123456789012:role/app-task-role', containerDefinitions: [{ name: app, image: nginx }] }\ntasks: [{ name: web, taskDefinition: app, instance: i }]\n";

    #[test]
    fn a_task_calls_as_its_role_session_with_the_roles_policies() {
        let roles = "aws:\n  roles:\n    - roleName: app-task-role\n      managedPolicyArns: [AmazonEC2ContainerRegistryReadOnly]\n";
        let lab = lab_from_str("iam.yaml", &format!("{LAB}{roles}"));
        let c = caller(&lab, &Node::task("web"), Which::Task).unwrap();
        let id = &lab.task("web").unwrap().id;
        assert_eq!(c.session_arn, format!("arn:aws:sts::123456789012:assumed-role/app-task-role/{id}"));
        let p = policies(&lab, "app-task-role").expect("declared");
        let repo = resource_arn(&lab, "repository/app");
        assert!(evaluate(&Request::new(&c.session_arn, "ecr:DescribeImages", &repo), &p).allowed);
        assert!(!evaluate(&Request::new(&c.session_arn, "s3:GetObject", "arn:aws:s3:::b/k"), &p).allowed);
        // Not declared: no policies (unrestricted); the execution role is absent.
        assert!(policies(&lab, "other").is_none());
        assert!(caller(&lab, &Node::task("web"), Which::Execution).is_err());
    }

    #[test]
    fn a_resources_policy_is_found_by_the_arn_a_call_names_and_evaluated() {
        let aws = r#"aws:
  repositories:
    - name: app
      repositoryPolicyText: |
        { "Statement": [{ "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::123456789012:role/app-task-role" },
          "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"] }] }
    - name: plain
  buckets:
    - name: cfg
      policy: |
        { "Statement": [{ "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cfg/secret/*" }] }
  secrets:
    - name: db
      value: pw
      resourcePolicy: |
        { "Statement": [{ "Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*" }] }
  roles:
    - roleName: app-task-role
      policies:
        - policyName: s3
          policyDocument: |
            { "Statement": [{ "Effect": "Allow", "Action": "s3:*", "Resource": "*" }] }
"#;
        let lab = lab_from_str("iam.yaml", &format!("{LAB}{aws}"));
        let c = caller(&lab, &Node::task("web"), Which::Task).unwrap();
        let who = (c.session_arn.as_str(), c.role.as_str());
        let app = resource_arn(&lab, "repository/app");
        // The repository's policy names the role: it allows, although the role's own do not.
        let d = decide(&lab, who, "ecr:BatchGetImage", &app, None);
        assert!(d.allowed, "{d:?}");
        assert_eq!(d.matched[0].policy, "repository app / repositoryPolicyText");
        let d = decide(&lab, who, "ecr:DescribeImages", &app, None);
        assert_eq!(d.kind, crate::analyze::iam::DecisionKind::ImplicitDeny { missing: PolicyType::Identity });
        assert!(!decide(&lab, who, "ecr:BatchGetImage", &resource_arn(&lab, "repository/plain"), None).allowed);
        // The bucket's Deny wins over the role's s3:*, on its objects only.
        let d = decide(&lab, who, "s3:GetObject", &resource_arn(&lab, "bucket/cfg/secret/k"), None);
        assert_eq!(d.kind, crate::analyze::iam::DecisionKind::ExplicitDeny { by: PolicyType::Resource });
        assert!(decide(&lab, who, "s3:GetObject", &resource_arn(&lab, "bucket/cfg/public/k"), None).allowed);
        // `secret/db` is the secret's full ARN, its suffix included, and its policy is found by it.
        let db = resource_arn(&lab, "secret/db");
        assert!(
            db.starts_with("arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db-")
                && db.rsplit('-').next().map(str::len) == Some(6),
            "{db}"
        );
        assert!(decide(&lab, who, "secretsmanager:GetSecretValue", &db, None).allowed);
        let partial = db.rsplit_once('-').map(|(p, _)| p).unwrap_or_default();
        assert!(resource_policy(&lab, partial).is_some(), "a partial ARN names it too");
        assert!(resource_policy(&lab, "arn:aws:ecr:us-east-1:123456789012:repository/app").is_none(), "another region");
    }
}
