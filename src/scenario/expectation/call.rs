//! An AWS API call check: `{ from: task/web, call: ecr:DescribeImages, resource: repository/app,
//! expect: AccessDenied }`. ecsnet makes the real signed request from inside `from` with its
//! role's credentials, over the path the lab's DNS and routes give it, so the call can fail on
//! the network (no endpoint, a security group) or on IAM (a policy), and the verdict says which.
//! The calls ecsnet can make are those its front doors serve ([`CALLS`]).

use super::super::aws_service::AwsService;
use super::super::fields::{Shape, Table, opt, req};
use super::super::located::Located;
use super::super::node::Node;
use super::super::walk::*;
use super::{ExpectKind, Expectation, Lookup, check_node, endpoint_no_port, timeout_ms};
use crate::i18n::tr;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a call's resource names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResourceKind {
    /// The action takes no resource (`*`).
    None,
    /// `repository/NAME`
    Repository,
    /// `bucket/NAME`
    Bucket,
    /// `bucket/NAME/KEY`
    Object,
    /// `secret/NAME`
    Secret,
    /// `parameter/NAME`
    Parameter,
    /// `log-group/NAME`
    LogGroup,
    /// `cloudmap/NAME.NAMESPACE`: a Cloud Map service (the call's IAM resource is `*`).
    CloudMapService,
}

impl ResourceKind {
    /// How it is written, for a help text.
    pub fn example(self) -> &'static str {
        match self {
            ResourceKind::None => "",
            ResourceKind::Repository => "repository/NAME",
            ResourceKind::Bucket => "bucket/NAME",
            ResourceKind::Object => "bucket/NAME/KEY",
            ResourceKind::Secret => "secret/NAME",
            ResourceKind::Parameter => "parameter/NAME",
            ResourceKind::LogGroup => "log-group/NAME",
            ResourceKind::CloudMapService => "cloudmap/NAME.NAMESPACE",
        }
    }

    /// Whether `r` is written this way.
    pub fn accepts(self, r: &str) -> bool {
        let Some((kind, rest)) = r.split_once('/') else { return false };
        let ok = !rest.is_empty() && !rest.starts_with('/') && !rest.chars().any(char::is_whitespace);
        ok && match self {
            ResourceKind::None => false,
            ResourceKind::Repository => kind == "repository",
            ResourceKind::Bucket => kind == "bucket" && !rest.contains('/'),
            ResourceKind::Object => {
                kind == "bucket" && rest.split_once('/').is_some_and(|(b, k)| !b.is_empty() && !k.is_empty())
            }
            ResourceKind::Secret => kind == "secret",
            ResourceKind::Parameter => kind == "parameter",
            ResourceKind::LogGroup => kind == "log-group",
            ResourceKind::CloudMapService => {
                kind == "cloudmap" && rest.split_once('.').is_some_and(|(n, ns)| !n.is_empty() && !ns.is_empty())
            }
        }
    }
}

/// A call ecsnet knows how to make: IAM's action name, the service it goes to, its resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallDef {
    pub action: &'static str,
    pub service: AwsService,
    pub resource: ResourceKind,
}

const fn def(action: &'static str, service: AwsService, resource: ResourceKind) -> CallDef {
    CallDef { action, service, resource }
}

impl CallDef {
    /// The name an SDK dials for it: S3's virtual-hosted name for a bucket (as the SDKs use by
    /// default), else the service's regional endpoint.
    pub fn host(&self, region: &str, resource: Option<&str>) -> String {
        let bucket = resource.and_then(|r| r.strip_prefix("bucket/")).map(|r| r.split('/').next().unwrap_or(r));
        match (self.service, bucket) {
            (AwsService::S3, Some(b)) => format!("{b}.s3.{region}.amazonaws.com"),
            (s, _) => s.hostnames(region, "").into_iter().next().unwrap_or_default(),
        }
    }
}

/// The calls a `call:` check can make: each one a front door answers.
pub const CALLS: &[CallDef] = &[
    def("sts:GetCallerIdentity", AwsService::Sts, ResourceKind::None),
    def("ecr:GetAuthorizationToken", AwsService::EcrApi, ResourceKind::None),
    def("ecr:DescribeRepositories", AwsService::EcrApi, ResourceKind::Repository),
    def("ecr:DescribeImages", AwsService::EcrApi, ResourceKind::Repository),
    def("ecr:ListImages", AwsService::EcrApi, ResourceKind::Repository),
    def("ecr:BatchGetImage", AwsService::EcrApi, ResourceKind::Repository),
    def("s3:ListAllMyBuckets", AwsService::S3, ResourceKind::None),
    def("s3:ListBucket", AwsService::S3, ResourceKind::Bucket),
    def("s3:GetObject", AwsService::S3, ResourceKind::Object),
    def("s3:PutObject", AwsService::S3, ResourceKind::Object),
    def("secretsmanager:GetSecretValue", AwsService::SecretsManager, ResourceKind::Secret),
    def("ssm:GetParameter", AwsService::Ssm, ResourceKind::Parameter),
    def("logs:DescribeLogStreams", AwsService::Logs, ResourceKind::LogGroup),
    def("logs:CreateLogGroup", AwsService::Logs, ResourceKind::LogGroup),
    def("servicediscovery:DiscoverInstances", AwsService::CloudMapData, ResourceKind::CloudMapService),
];

/// The call named `action` (IAM compares action names without case).
pub fn find_call(action: &str) -> Option<&'static CallDef> {
    CALLS.iter().find(|c| c.action.eq_ignore_ascii_case(action))
}

/// What the call must come to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallExpect {
    /// IAM let it through: any answer of the service but a denial or a rejected signature (a
    /// missing repository's `RepositoryNotFoundException` is allowed by IAM).
    Allowed,
    /// IAM denied it: `AccessDenied` (S3) or `AccessDeniedException` (the JSON APIs).
    AccessDenied,
    /// No answer: the connection (or the name) timed out.
    Timeout,
    /// The connection was refused.
    Refused,
    /// The service answered this error code (`RepositoryNotFoundException`, `NoSuchKey`).
    Code(String),
}

impl fmt::Display for CallExpect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallExpect::Allowed => f.write_str("allowed"),
            CallExpect::AccessDenied => f.write_str("AccessDenied"),
            CallExpect::Timeout => f.write_str("timeout"),
            CallExpect::Refused => f.write_str("refused"),
            CallExpect::Code(c) => f.write_str(c),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CallCheck {
    /// `task/NAME` (its task role) or `instance/NAME` (its instance profile's role).
    pub from: Located<Node>,
    /// IAM's action name, spelled as [`CALLS`] spells it.
    pub action: Located<String>,
    /// As written (`repository/app`); None for an action that takes none.
    pub resource: Option<Located<String>>,
    pub expect: Located<CallExpect>,
    pub timeout_ms: u64,
}

impl CallCheck {
    /// `task/web call ecr:DescribeImages repository/app -> AccessDenied`
    pub fn title(&self) -> String {
        let r = self.resource.as_ref().map(|r| format!(" {}", r.value)).unwrap_or_default();
        format!("{} call {}{r} -> {}", self.from.value, self.action.value, self.expect.value)
    }

    /// The call's definition (validation made sure there is one).
    pub fn def(&self) -> Option<&'static CallDef> {
        find_call(&self.action.value)
    }
}

pub(crate) static CALL: Table = Table {
    id: "callExpectation",
    doc: "An AWS API call made for real from a task (with its task role's credentials) or an instance (its role's), signed with SigV4 and sent over the lab's network: whether IAM allows it, or where it stops.",
    strict: true,
    rules: &[],
    fields: &[
        req(
            "from",
            Shape::Text,
            "Who calls: `task/NAME` (its task role) or `instance/NAME` (its instance profile's role).",
        ),
        req(
            "call",
            Shape::Text,
            "IAM's action name: `sts:GetCallerIdentity`, `ecr:GetAuthorizationToken`, `ecr:DescribeRepositories`, `ecr:DescribeImages`, `ecr:ListImages`, `ecr:BatchGetImage`, `s3:ListAllMyBuckets`, `s3:ListBucket`, `s3:GetObject`, `s3:PutObject`, `secretsmanager:GetSecretValue`, `ssm:GetParameter`, `logs:DescribeLogStreams`, `logs:CreateLogGroup`, `servicediscovery:DiscoverInstances`.",
        ),
        opt(
            "resource",
            Shape::Text,
            "What it is called on: `repository/NAME`, `bucket/NAME`, `bucket/NAME/KEY`, `secret/NAME`, `parameter/NAME`, `log-group/NAME`, `cloudmap/NAME.NAMESPACE` (a declared Cloud Map service; IAM sees `*`) (none for other actions on `*`).",
        ),
        req(
            "expect",
            Shape::Text,
            "`allowed`, `AccessDenied` (IAM denied it), `timeout`, `refused`, or the error code the service must answer (`RepositoryNotFoundException`).",
        ),
        opt("timeoutMs", Shape::Int { min: 1, max: 60000 }, "How long to wait for a connection (default 300)."),
    ],
};

const EXAMPLE: &str = "{ from: task/web, call: ecr:DescribeImages, resource: repository/app, expect: allowed }";

pub(super) fn parse(cx: &mut Reader, m: Block<'_>) -> Option<Expectation> {
    m.strict(cx, &CALL);
    let mut ok = true;
    let from = m.req(cx, "from", "task/web").and_then(|v| endpoint_no_port(cx, &v)).and_then(|n| caller(cx, n));
    let action = m.req(cx, "call", "ecr:DescribeImages").and_then(|v| cx.nonempty(&v)).and_then(|a| action(cx, a));
    let resource = m.get("resource").and_then(|v| {
        let r = cx.nonempty(&v);
        ok &= r.is_some();
        r
    });
    let expect = m.req(cx, "expect", "allowed").and_then(|v| cx.nonempty(&v)).and_then(|e| expect(cx, e));
    let timeout_ms = timeout_ms(cx, &m, &mut ok);
    let (from, action, expect) = (from?, action?, expect?);
    ok &= resource_fits(cx, &m, &action, resource.as_ref());
    let c = CallCheck { from, action, resource, expect, timeout_ms };
    ok.then(|| Expectation { kind: ExpectKind::Call(c), loc: m.loc.clone() })
}

/// Only a task or an instance has a role to call with.
fn caller(cx: &mut Reader, n: Located<Node>) -> Option<Located<Node>> {
    if matches!(n.value, Node::Task { container: None, .. } | Node::Instance(_)) {
        return Some(n);
    }
    cx.err(
        &n.loc,
        tr!("expect-call-from", "`{ $node }` has no role to call AWS with", node = n.value.to_string()),
        tr!("expect-call-from-help", "write task/NAME (its task role) or instance/NAME (its instance profile's role)"),
    );
    None
}

/// A call ecsnet can make, spelled as AWS spells it.
fn action(cx: &mut Reader, a: Located<String>) -> Option<Located<String>> {
    if let Some(c) = find_call(&a.value) {
        return Some(Located::new(c.action.to_string(), a.loc));
    }
    let known: Vec<&str> = CALLS.iter().map(|c| c.action).collect();
    cx.err(
        &a.loc,
        tr!("expect-call-unknown", "ecsnet cannot make the call `{ $action }`", action = a.value.as_str()),
        tr!("expect-call-unknown-help", "write one of: { $calls }", calls = known.join(", ")),
    );
    None
}

fn expect(cx: &mut Reader, e: Located<String>) -> Option<Located<CallExpect>> {
    let v = match e.value.as_str() {
        "allowed" => Some(CallExpect::Allowed),
        "AccessDenied" | "AccessDeniedException" => Some(CallExpect::AccessDenied),
        "timeout" => Some(CallExpect::Timeout),
        "refused" => Some(CallExpect::Refused),
        c if c.len() <= 100
            && c.starts_with(|ch: char| ch.is_ascii_uppercase())
            && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '.') =>
        {
            Some(CallExpect::Code(c.to_string()))
        }
        _ => None,
    };
    if v.is_none() {
        cx.err(
            &e.loc,
            tr!("expect-call-bad-expect", "`expect: { $value }` is not an outcome of a call", value = e.value.as_str()),
            tr!(
                "expect-call-bad-expect-help",
                "write allowed, AccessDenied, timeout, refused, or an AWS error code such as RepositoryNotFoundException"
            ),
        );
    }
    v.map(|v| Located::new(v, e.loc))
}

/// The resource is written the way the action's resource is.
fn resource_fits(cx: &mut Reader, m: &Block<'_>, action: &Located<String>, r: Option<&Located<String>>) -> bool {
    let Some(def) = find_call(&action.value) else { return false };
    match (def.resource, r) {
        (ResourceKind::None, None) => true,
        (ResourceKind::None, Some(r)) => {
            cx.err(
                &r.loc,
                tr!("expect-call-no-resource", "`{ $action }` is called on no resource", action = def.action),
                tr!("expect-call-no-resource-help", "remove `resource`"),
            );
            false
        }
        (kind, Some(r)) if kind.accepts(&r.value) => true,
        (kind, r) => {
            let loc = r.map(|r| r.loc.clone()).unwrap_or_else(|| m.loc.clone());
            cx.err(
                &loc,
                tr!(
                    "expect-call-resource",
                    "`{ $action }` needs `resource: { $example }`",
                    action = def.action,
                    example = kind.example()
                ),
                tr!("expect-call-resource-help", "for example { $example }", example = EXAMPLE),
            );
            false
        }
    }
}

/// The caller exists, and a Cloud Map service named as the resource is declared.
pub(super) fn check(cx: &mut Reader, c: &CallCheck, l: &Lookup<'_>) {
    check_node(cx, &c.from, l);
    let Some(r) = &c.resource else { return };
    let Some(name) = r.value.strip_prefix("cloudmap/") else { return };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if c.def().is_some_and(|d| d.resource == ResourceKind::CloudMapService) && !l.cloud_map.contains(&name) {
        let known = if l.cloud_map.is_empty() { "-".to_string() } else { l.cloud_map.join(", ") };
        cx.err(
            &r.loc,
            tr!("expect-call-no-cloud-map", "no Cloud Map service `{ $name }` is declared", name = name.as_str()),
            tr!(
                "expect-call-no-cloud-map-help",
                "name one of serviceDiscovery.services as cloudmap/NAME.NAMESPACE: { $known }",
                known = known
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_is_found_without_case_and_resources_are_checked_by_kind() {
        assert_eq!(find_call("ECR:describeimages").map(|c| c.action), Some("ecr:DescribeImages"));
        assert!(find_call("ecr:PutImage").is_none());
        assert!(ResourceKind::Repository.accepts("repository/app"));
        assert!(!ResourceKind::Repository.accepts("repository/"));
        assert!(ResourceKind::Object.accepts("bucket/b/dir/key.txt"));
        assert!(!ResourceKind::Object.accepts("bucket/b"));
        assert!(ResourceKind::Bucket.accepts("bucket/b"));
        assert!(!ResourceKind::Bucket.accepts("bucket/b/k"));
        assert!(!ResourceKind::Secret.accepts("repository/app"));
        assert!(ResourceKind::CloudMapService.accepts("cloudmap/api.corp.local"));
        assert!(!ResourceKind::CloudMapService.accepts("cloudmap/api"));
        assert!(!ResourceKind::CloudMapService.accepts("cloudmap/.corp.local"));
        let sd = find_call("servicediscovery:discoverinstances").unwrap();
        assert_eq!(
            sd.host("us-east-1", Some("cloudmap/api.corp.local")),
            "data-servicediscovery.us-east-1.amazonaws.com"
        );
        let get = find_call("s3:GetObject").unwrap();
        assert_eq!(get.host("ap-northeast-1", Some("bucket/b/k")), "b.s3.ap-northeast-1.amazonaws.com");
        let ecr = find_call("ecr:DescribeImages").unwrap();
        assert_eq!(ecr.host("ap-northeast-1", Some("repository/app")), "api.ecr.ap-northeast-1.amazonaws.com");
    }

    #[test]
    fn a_cloud_map_resource_must_name_a_declared_service() {
        let path = std::path::Path::new("scenarios/30-service-discovery.yaml");
        let y = std::fs::read_to_string(path).unwrap();
        let ok = "resource: cloudmap/api.corp.local, expect: allowed";
        assert!(y.contains(ok));
        assert!(
            crate::scenario::load_str(path, &y.replace(ok, "resource: cloudmap/API.corp.local, expect: allowed"))
                .is_ok()
        );
        let bad = y.replace(ok, "resource: cloudmap/nope.corp.local, expect: allowed");
        let d = crate::scenario::load_str(path, &bad).expect_err("refused");
        let line = bad.lines().position(|l| l.contains("cloudmap/nope")).unwrap() + 1;
        assert!(
            d.0.iter().any(|d| d.message.contains("nope.corp.local")
                && d.loc.line == line
                && d.help.contains("api.corp.local")),
            "{:?}",
            d.0
        );
    }
}
