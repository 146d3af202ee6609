//! The `aws:` block: the resources the lab's AWS services hold from the start (ECR
//! repositories and their images, S3 buckets and objects, CloudWatch Logs groups, Secrets
//! Manager secrets, SSM parameters), which the front doors serve.

use super::fields::{Shape, Table, opt, req};
use super::policy::{PolicyKind, read_policy};
use super::walk::*;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything the scenario declares for the AWS services.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Data {
    #[serde(default)]
    pub repositories: Vec<Repository>,
    #[serde(default)]
    pub buckets: Vec<Bucket>,
    #[serde(default)]
    pub log_groups: Vec<LogGroup>,
    #[serde(default)]
    pub secrets: Vec<Secret>,
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    /// IAM roles (`aws.roles`); a role not declared here is not restricted.
    #[serde(default)]
    pub roles: Vec<super::role::Role>,
}

/// An ECR repository and its images.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repository {
    pub name: String,
    #[serde(default)]
    pub images: Vec<Image>,
    /// Its repository policy (JSON), as ECR's SetRepositoryPolicy takes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The account whose registry holds it, when not the lab's (an image AWS or another team
    /// publishes, pulled across accounts as its repository policy allows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<String>,
}

impl Repository {
    /// The account whose registry holds it: `registry_id`, else `own`.
    pub fn registry<'a>(&'a self, own: &'a str) -> &'a str {
        self.registry_id.as_deref().unwrap_or(own)
    }
}

/// An image: its tags and layers; the manifest and every digest are computed from them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub layers: Vec<Layer>,
    /// Docker's schema 2 (what most pushes to ECR produce) or OCI.
    #[serde(default)]
    pub format: ManifestFormat,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ManifestFormat {
    #[default]
    Docker,
    Oci,
}

/// A layer: files (a real tar.gz a runtime can unpack), or opaque bytes given as text or as a
/// size (filled with a fixed pattern, capped at MAX_LAYER) for API-level lessons.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    /// Path -> content.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
}

/// An S3 bucket and its objects (key -> body).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    pub name: String,
    #[serde(default)]
    pub objects: BTreeMap<String, ObjectBody>,
    /// Its bucket policy (JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
}

/// An object's body: text, or bytes as `{base64: ...}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ObjectBody {
    Text(String),
    Base64 { base64: String },
}

impl ObjectBody {
    pub fn bytes(&self) -> Vec<u8> {
        use base64::Engine;
        match self {
            ObjectBody::Text(t) => t.as_bytes().to_vec(),
            ObjectBody::Base64 { base64 } => {
                base64::engine::general_purpose::STANDARD.decode(base64.trim()).unwrap_or_default()
            }
        }
    }
}

/// A CloudWatch Logs group and the streams that exist from the start.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogGroup {
    pub name: String,
    #[serde(default)]
    pub streams: Vec<String>,
}

/// A Secrets Manager secret (its current version).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secret {
    pub name: String,
    pub value: String,
    /// Its ARN; made with [`secret_arn`] when not given.
    #[serde(default)]
    pub arn: Option<String>,
    /// Its resource policy (JSON), as PutResourcePolicy takes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_policy: Option<String>,
}

impl Secret {
    /// Its ARN in `region` of `account`: the one given, else Secrets Manager's.
    pub fn arn_in(&self, region: &str, account: &str) -> String {
        self.arn.clone().unwrap_or_else(|| secret_arn(region, account, &self.name))
    }
}

/// `(account, repository, tag or digest)` of an image in `region`'s ECR, or None.
pub fn ecr_image(image: &str, region: &str) -> Option<(String, String, String)> {
    let (host, path) = image.split_once('/')?;
    let (acct, rest) = host.split_once(".dkr.ecr.")?;
    if rest != format!("{region}.amazonaws.com") || acct.len() != 12 || !acct.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some((repo, digest)) = path.split_once('@') {
        return (!repo.is_empty()).then(|| (acct.to_string(), repo.to_string(), digest.to_string()));
    }
    // A tag follows the last `:` after the last `/`.
    let last = path.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match path[last..].rfind(':') {
        Some(i) => (&path[..last + i], &path[last + i + 1..]),
        None => (path, "latest"),
    };
    (!repo.is_empty() && !tag.is_empty()).then(|| (acct.to_string(), repo.to_string(), tag.to_string()))
}

/// A secret's ARN: Secrets Manager appends `-` and six random letters and digits to the name;
/// here they are made from the name, so every run (and the analyzer) gives the same.
pub fn secret_arn(region: &str, account: &str, name: &str) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let h = ring::digest::digest(&ring::digest::SHA256, ["secret", name].join("\0").as_bytes());
    let suffix: String = h.as_ref().iter().take(6).map(|b| ALNUM[usize::from(*b) % 62] as char).collect();
    format!("arn:aws:secretsmanager:{region}:{account}:secret:{name}-{suffix}")
}

/// `arn:aws:ssm:REGION:ACCOUNT:parameter/NAME` (a name's leading `/` is not doubled); a name
/// given as an ARN is its own.
pub fn parameter_arn(region: &str, account: &str, name: &str) -> String {
    if name.starts_with("arn:") {
        return name.to_string();
    }
    format!("arn:aws:ssm:{region}:{account}:parameter/{}", name.trim_start_matches('/'))
}

/// The ARN CloudWatch Logs authorizes a call on: a stream's
/// (`arn:aws:logs:R:ACCOUNT:log-group:G:log-stream:S`), or for a group's operations the same
/// with an empty stream (`...:log-group:G:log-stream:`), as its denials name them.
pub fn log_arn(region: &str, account: &str, group: &str, stream: &str) -> String {
    format!("arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{stream}")
}

/// Whether a `SecretId` names the secret `name` of ARN `arn`: by its name, its ARN, or its ARN
/// without the six-character suffix (a partial ARN), as Secrets Manager finds a secret.
pub fn secret_matches(name: &str, arn: &str, id: &str) -> bool {
    name == id
        || arn == id
        || (id.starts_with("arn:") && arn.rsplit_once('-').is_some_and(|(partial, _)| partial == id))
}

/// An SSM parameter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parameter {
    pub name: String,
    #[serde(rename = "type", default)]
    pub kind: ParameterType,
    pub value: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParameterType {
    #[default]
    String,
    StringList,
    SecureString,
}

impl ParameterType {
    pub fn as_str(self) -> &'static str {
        match self {
            ParameterType::String => "String",
            ParameterType::StringList => "StringList",
            ParameterType::SecureString => "SecureString",
        }
    }
}

impl Data {
    pub fn is_empty(&self) -> bool {
        *self == Data::default()
    }
}

const LAYER: Table = Table {
    id: "awsLayer",
    doc: "An image layer: files (a real tar.gz), or opaque bytes.",
    strict: true,
    rules: &[],
    fields: &[
        opt("files", Shape::TextMap, "Path -> text: the layer is a tar.gz of these files."),
        opt("content", Shape::Text, "The layer's bytes, as text."),
        opt("size", Shape::Int { min: 0, max: 67_108_864 }, "Opaque bytes of this size (at most 64 MiB)."),
    ],
};
const IMAGE: Table = Table {
    id: "awsImage",
    doc: "An image in an ECR repository.",
    strict: true,
    rules: &[],
    fields: &[
        req("tags", Shape::List(&Shape::Text), "Its tags."),
        opt("layers", Shape::List(&Shape::Block(&LAYER)), "Its layers (default: one small layer)."),
        opt("format", Shape::Enum(&["docker", "oci"]), "The manifest's format (default docker, schema 2)."),
    ],
};
const REPOSITORY: Table = Table {
    id: "awsRepository",
    doc: "An ECR repository of the lab's account.",
    strict: true,
    rules: &[],
    fields: &[
        req("name", Shape::Text, "The repository's name (`app`, `team/app`)."),
        opt("images", Shape::List(&Shape::Block(&IMAGE)), "Its images."),
        opt(
            "repositoryPolicyText",
            Shape::Text,
            "Its repository policy (JSON): who may pull it, beside their own IAM policies.",
        ),
        opt(
            "registryId",
            Shape::Text,
            "The account (12 digits) whose registry holds it, when not the lab's: pulled across accounts when both the puller's IAM policy and this repository's policy allow it.",
        ),
    ],
};
const BUCKET: Table = Table {
    id: "awsBucket",
    doc: "An S3 bucket.",
    strict: true,
    rules: &[],
    fields: &[
        req("name", Shape::Text, "The bucket's name."),
        opt("objects", Shape::TextMap, "Key -> text: its objects."),
        opt("policy", Shape::Text, "Its bucket policy (JSON)."),
    ],
};
const SECRET: Table = Table {
    id: "awsSecret",
    doc: "A Secrets Manager secret.",
    strict: true,
    rules: &[],
    fields: &[
        req("name", Shape::Text, "Its name."),
        req("value", Shape::Text, "Its SecretString."),
        opt("resourcePolicy", Shape::Text, "Its resource policy (JSON)."),
    ],
};
const PARAMETER: Table = Table {
    id: "awsParameter",
    doc: "An SSM parameter.",
    strict: true,
    rules: &[],
    fields: &[
        req("name", Shape::Text, "Its name (`/app/url`)."),
        opt("type", Shape::Enum(&["String", "StringList", "SecureString"]), "Its type (default String)."),
        req("value", Shape::Text, "Its value."),
    ],
};

pub(crate) static TABLE: Table = Table {
    id: "aws",
    doc: "What the lab's AWS services hold from the start, in the lab's account and region.",
    strict: true,
    rules: &[],
    fields: &[
        opt("repositories", Shape::List(&Shape::Block(&REPOSITORY)), "ECR repositories and their images."),
        opt("buckets", Shape::List(&Shape::Block(&BUCKET)), "S3 buckets and their objects."),
        opt("logGroups", Shape::List(&Shape::Text), "CloudWatch Logs groups."),
        opt("secrets", Shape::List(&Shape::Block(&SECRET)), "Secrets Manager secrets."),
        opt("parameters", Shape::List(&Shape::Block(&PARAMETER)), "SSM parameters."),
        opt(
            "roles",
            Shape::List(&Shape::Block(&super::role::ROLE)),
            "IAM roles and their policies (a role not declared is not restricted).",
        ),
    ],
};

/// The `aws` block.
pub(crate) fn parse(cx: &mut Reader, v: &Value<'_>) -> Data {
    let mut d = Data::default();
    let Some(m) = cx.map(v, "the aws block") else { return d };
    let m = Block { what: "aws".to_string(), ..m };
    m.strict(cx, &TABLE);
    for it in list(cx, &m, "repositories") {
        if let Some(r) = repository(cx, &it) {
            d.repositories.push(r);
        }
    }
    for it in list(cx, &m, "buckets") {
        let Some(b) = cx.entry_map(&it, "a bucket", "{ name: my-bucket, objects: { a.txt: hello } }") else { continue };
        b.strict(cx, &BUCKET);
        let Some(name) = b.req(cx, "name", "my-bucket").and_then(|v| cx.nonempty(&v)) else { continue };
        if !bucket_name_ok(&name.value) {
            cx.err(
                &name.loc,
                tr!("aws-bad-bucket", "The specified bucket is not valid: { $name }", name = name.value.as_str()),
                tr!(
                    "aws-bad-bucket-help",
                    "3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit"
                ),
            );
            continue;
        }
        let objects =
            text_map(cx, &b, "objects", &mut true).into_iter().map(|(k, v)| (k, ObjectBody::Text(v))).collect();
        let policy = resource_policy(cx, &b, "policy", PolicyKind::Resource);
        d.buckets.push(Bucket { name: name.value, objects, policy });
    }
    for it in list(cx, &m, "logGroups") {
        if let Some(n) = cx.nonempty(&it) {
            d.log_groups.push(LogGroup { name: n.value, streams: vec![] });
        }
    }
    for it in list(cx, &m, "secrets") {
        let Some(b) = cx.entry_map(&it, "a secret", "{ name: prod/db, value: hunter2 }") else { continue };
        b.strict(cx, &SECRET);
        let name = b.req(cx, "name", "prod/db").and_then(|v| cx.nonempty(&v));
        let value = b.req(cx, "value", "hunter2").and_then(|v| cx.string(&v));
        let resource_policy = resource_policy(cx, &b, "resourcePolicy", PolicyKind::Resource);
        if let (Some(n), Some(v)) = (name, value) {
            d.secrets.push(Secret { name: n.value, value: v.value, arn: None, resource_policy });
        }
    }
    for it in list(cx, &m, "parameters") {
        let Some(b) = cx.entry_map(&it, "a parameter", "{ name: /app/url, value: https://example.com }") else {
            continue;
        };
        b.strict(cx, &PARAMETER);
        let name = b.req(cx, "name", "/app/url").and_then(|v| cx.nonempty(&v));
        let value = b.req(cx, "value", "https://example.com").and_then(|v| cx.string(&v));
        let kind = match b.get("type").and_then(|v| cx.choice(&v, &["String", "StringList", "SecureString"])) {
            Some(k) if k.value == "StringList" => ParameterType::StringList,
            Some(k) if k.value == "SecureString" => ParameterType::SecureString,
            _ => ParameterType::String,
        };
        if let (Some(n), Some(v)) = (name, value) {
            d.parameters.push(Parameter { name: n.value, kind, value: v.value });
        }
    }
    let roles = list(cx, &m, "roles");
    d.roles = super::role::parse(cx, roles);
    d
}

fn list<'a>(cx: &mut Reader, m: &Block<'a>, key: &str) -> Vec<Value<'a>> {
    m.get(key).and_then(|v| cx.items(&v, 1000)).unwrap_or_default()
}

/// A resource's policy under `key`, checked with IAM's grammar for `kind` (each statement names
/// a Principal) where it is written; kept as written.
fn resource_policy(cx: &mut Reader, b: &Block<'_>, key: &str, kind: PolicyKind) -> Option<String> {
    let p = b.get(key).and_then(|v| cx.string(&v))?;
    read_policy(cx, &p, kind).map(|_| p.value)
}

fn repository(cx: &mut Reader, it: &Value<'_>) -> Option<Repository> {
    let r = cx.entry_map(it, "a repository", "{ name: app, images: [{ tags: [\"1.0\"] }] }")?;
    r.strict(cx, &REPOSITORY);
    let name = r.req(cx, "name", "app").and_then(|v| cx.nonempty(&v))?;
    let ok = name.value.len() >= 2
        && name.value.len() <= 256
        && name.value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._/-".contains(&b));
    if !ok {
        cx.err(
            &name.loc,
            tr!(
                "aws-bad-repository",
                "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''"
            ),
            tr!("aws-bad-repository-help", "lowercase letters, digits, '.', '_', '-' and '/' (e.g. team/app)"),
        );
        return None;
    }
    let mut images = vec![];
    for iv in list(cx, &r, "images") {
        let Some(im) = cx.entry_map(&iv, "an image", "{ tags: [\"1.0\"] }") else { continue };
        im.strict(cx, &IMAGE);
        let tags = im.req(cx, "tags", "[\"1.0\"]").and_then(|v| cx.str_list(&v, 100)).unwrap_or_default();
        let format = match im.get("format").and_then(|v| cx.choice(&v, &["docker", "oci"])) {
            Some(f) if f.value == "oci" => ManifestFormat::Oci,
            _ => ManifestFormat::Docker,
        };
        let mut layers = vec![];
        for lv in list(cx, &im, "layers") {
            let Some(l) = cx.entry_map(&lv, "a layer", "{ files: { /app/hello.txt: hello } }") else { continue };
            l.strict(cx, &LAYER);
            let files: BTreeMap<String, String> = text_map(cx, &l, "files", &mut true).into_iter().collect();
            let content = l.get("content").and_then(|v| cx.string(&v)).map(|s| s.value);
            let size = l.get("size").and_then(|v| cx.uint(&v, 0, 67_108_864)).map(|n| n.value);
            layers.push(Layer { files, content, size });
        }
        if layers.is_empty() {
            layers.push(Layer { content: Some(format!("ecsnet layer of {}", name.value)), ..Layer::default() });
        }
        images.push(Image { tags: tags.into_iter().map(|t| t.value).collect(), layers, format });
    }
    let policy = resource_policy(cx, &r, "repositoryPolicyText", PolicyKind::Repository);
    let registry_id = match r.get("registryId").and_then(|v| cx.string(&v)) {
        Some(id) if id.value.len() == 12 && id.value.bytes().all(|b| b.is_ascii_digit()) => Some(id.value),
        Some(id) => {
            // ECR's words for a malformed registryId.
            cx.err(
                &id.loc,
                "Invalid parameter at 'registryId' failed to satisfy constraint: 'must satisfy regular expression '[0-9]{12}''",
                tr!("aws-bad-registry-id-help", "an account id: 12 digits"),
            );
            return None;
        }
        None => None,
    };
    Some(Repository { name: name.value, images, policy, registry_id })
}

/// S3's bucket naming rules (general purpose buckets).
fn bucket_name_ok(n: &str) -> bool {
    let b = n.as_bytes();
    (3..=63).contains(&b.len())
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'.' || *c == b'-')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && !n.contains("..")
}
