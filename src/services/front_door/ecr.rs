//! ECR: its API on `api.ecr.<r>` (JSON 1.1, `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.
//! <Op>`) and its registry on `<acct>.dkr.ecr.<r>` (the Docker registry HTTP API v2 with Basic
//! auth from GetAuthorizationToken). As on AWS, the registry does not serve layers itself: a
//! blob request is redirected to a presigned URL on the region's starport layer bucket in S3,
//! which the S3 door serves, so a pull needs S3 reachable too.

use super::FrontDoor;
use super::data::{BuiltImage, BuiltRepository, Store};
use super::http::{
    Req, Resp, hex, json_body, json_error, json_ok, missing_member, path_decode, random_bytes, serialization_exception,
    target_operation, unknown_operation,
};
use super::sigv4::SigV4;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

pub const TARGET_PREFIX: &str = "AmazonEC2ContainerRegistry_V20150921";
/// An authorization token lasts 12 hours.
pub const TOKEN_LIFETIME: u64 = 12 * 3600;

/// A registry password, shaped like ECR's (base64 of a JSON envelope); one per agent start.
pub fn new_password() -> String {
    let payload = B64.encode(random_bytes::<96>());
    let datakey = B64.encode(random_bytes::<48>());
    B64.encode(format!(r#"{{"payload":"{payload}","datakey":"{datakey}","version":"2","type":"DATA_KEY"}}"#))
}

// ---- API ----

/// Answer an ECR API request, signed by `sig` when it is.
pub fn handle_api(door: &FrontDoor, store: &Store, sig: Option<&SigV4>, req: &Req) -> Resp {
    let Some(op) = target_operation(req, TARGET_PREFIX) else { return unknown_operation() };
    let Some(body) = json_body(req) else { return serialization_exception() };
    match op {
        "GetAuthorizationToken" => get_authorization_token(door, sig),
        "DescribeRepositories" => describe_repositories(door, store, &body),
        "DescribeImages" => describe_images(door, store, &body),
        "BatchGetImage" => batch_get_image(door, store, &body),
        _ => unknown_operation(),
    }
}

/// The IAM action and resource of an ECR API request (`ecr:DescribeImages` on the
/// repository's ARN; GetAuthorizationToken on `*`, as ECR authorizes it); None when the
/// request is not one (its own error comes later).
pub fn iam_request(door: &FrontDoor, req: &Req) -> Option<(String, String)> {
    let op = target_operation(req, TARGET_PREFIX)?;
    let body = json_body(req)?;
    let repo = |name: &str| format!("arn:aws:ecr:{}:{}:repository/{name}", door.region, door.account);
    let resource = match (op, body["repositoryName"].as_str()) {
        ("GetAuthorizationToken", _) => "*".to_string(),
        (_, Some(name)) => repo(name),
        _ => repo("*"),
    };
    Some((format!("ecr:{op}"), resource))
}

/// An ECR error. A missing member is `InvalidParameterException`: the one ECR's model lists
/// for these operations, so an SDK maps it to its modeled exception class.
fn ecr_error(code: &str, message: &str) -> Resp {
    json_error(400, code, "message", Some(message))
}

fn repository_not_found(name: &str, registry: &str) -> Resp {
    ecr_error(
        "RepositoryNotFoundException",
        &format!("The repository with name '{name}' does not exist in the registry with id '{registry}'"),
    )
}

/// The registry password of `holder`'s tokens (a role session's ARN), made from the door's: the
/// registry tells by it whose token a pull carries, and evaluates IAM as that session, as ECR
/// does with the identity a token was issued to.
pub fn holder_password(door: &FrontDoor, holder: &str) -> String {
    let part = |tag: &str| {
        let text = format!("{tag}\0{}\0{holder}", door.registry_password);
        B64.encode(ring::digest::digest(&ring::digest::SHA256, text.as_bytes()))
    };
    B64.encode(format!(
        r#"{{"payload":"{}","datakey":"{}","version":"2","type":"DATA_KEY"}}"#,
        part("payload"),
        part("datakey")
    ))
}

fn get_authorization_token(door: &FrontDoor, sig: Option<&SigV4>) -> Resp {
    // A signer the lab knows gets a token of its own; an unsigned call, the door's.
    let key = sig.map(|s| s.credential.access_key_id.as_str());
    let password = match key.and_then(|k| door.principal(k)).map(|(p, _)| p) {
        Some(p) => holder_password(door, &p.arn),
        None => door.registry_password.clone(),
    };
    let token = B64.encode(format!("AWS:{password}"));
    json_ok(&json!({
        "authorizationData": [{
            "authorizationToken": token,
            "expiresAt": door.now() + TOKEN_LIFETIME,
            "proxyEndpoint": format!("https://{}", door.registry_host()),
        }]
    }))
}

/// The registry a request names (`registryId`), or the lab's account.
fn registry_id<'a>(door: &'a FrontDoor, body: &'a Value) -> &'a str {
    body["registryId"].as_str().unwrap_or(&door.account)
}

fn repository_json(door: &FrontDoor, store: &Store, r: &BuiltRepository) -> Value {
    json!({
        "repositoryArn": format!("arn:aws:ecr:{}:{}:repository/{}", door.region, r.registry, r.name),
        "registryId": r.registry,
        "repositoryName": r.name,
        "repositoryUri": format!("{}.dkr.ecr.{}.amazonaws.com/{}", r.registry, door.region, r.name),
        "createdAt": store.created,
        "imageTagMutability": "MUTABLE",
        "imageScanningConfiguration": { "scanOnPush": false },
        "encryptionConfiguration": { "encryptionType": "AES256" },
    })
}

fn describe_repositories(door: &FrontDoor, store: &Store, body: &Value) -> Resp {
    let registry = registry_id(door, body);
    let names: Option<Vec<&str>> =
        body["repositoryNames"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect());
    let mut out = vec![];
    match names {
        Some(names) => {
            for n in names {
                match store.repository(registry, n) {
                    Some(r) => out.push(repository_json(door, store, r)),
                    None => return repository_not_found(n, registry),
                }
            }
        }
        None => out.extend(
            store.repositories.iter().filter(|r| r.registry == registry).map(|r| repository_json(door, store, r)),
        ),
    }
    json_ok(&json!({ "repositories": out }))
}

/// The repository a request names, or the answer for a missing one.
fn named_repository<'a>(door: &FrontDoor, store: &'a Store, body: &Value) -> Result<&'a BuiltRepository, Resp> {
    let Some(name) = body["repositoryName"].as_str() else {
        return Err(ecr_error("InvalidParameterException", &missing_member("repositoryName")));
    };
    let registry = registry_id(door, body);
    store.repository(registry, name).ok_or_else(|| repository_not_found(name, registry))
}

/// An `imageId` in ECR's error messages: `{imageDigest:'null', imageTag:'latest'}`.
fn image_id_text(id: &Value) -> String {
    let f = |k: &str| id[k].as_str().unwrap_or("null").to_string();
    format!("{{imageDigest:'{}', imageTag:'{}'}}", f("imageDigest"), f("imageTag"))
}

/// The image an `imageId` names: by digest and/or tag (both must agree when both are given).
fn find_image<'a>(r: &'a BuiltRepository, id: &Value) -> Result<&'a BuiltImage, (&'static str, &'static str)> {
    let (digest, tag) = (id["imageDigest"].as_str(), id["imageTag"].as_str());
    let by_digest = digest.map(|d| r.images.iter().find(|i| i.digest == d));
    let by_tag = tag.map(|t| r.images.iter().find(|i| i.tags.iter().any(|x| x == t)));
    match (by_digest, by_tag) {
        (None, None) => Err(("MissingDigestAndTag", "Invalid request parameters: both tag and digest cannot be null")),
        (Some(Some(a)), Some(Some(b))) if a.digest != b.digest => {
            Err(("ImageTagDoesNotMatchDigest", "Invalid request parameters: image tag does not match digest"))
        }
        (Some(Some(i)), _) | (None, Some(Some(i))) => Ok(i),
        _ => Err(("ImageNotFound", "Requested image not found")),
    }
}

fn describe_images(door: &FrontDoor, store: &Store, body: &Value) -> Resp {
    let r = match named_repository(door, store, body) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let images: Vec<&BuiltImage> = match body["imageIds"].as_array() {
        Some(ids) => {
            let mut out = vec![];
            for id in ids {
                match find_image(r, id) {
                    Ok(i) => out.push(i),
                    Err(_) => {
                        return ecr_error(
                            "ImageNotFoundException",
                            &format!(
                                "The image with imageId {} does not exist within the repository with name '{}' in the registry with id '{}'",
                                image_id_text(id),
                                r.name,
                                door.account
                            ),
                        );
                    }
                }
            }
            out
        }
        None => r.images.iter().collect(),
    };
    let details: Vec<Value> = images
        .iter()
        .map(|i| {
            json!({
                "registryId": r.registry,
                "repositoryName": r.name,
                "imageDigest": i.digest,
                "imageTags": i.tags,
                "imageSizeInBytes": i.size,
                "imagePushedAt": store.created,
                "imageManifestMediaType": i.media_type,
                "artifactMediaType": i.config_media_type,
                "imageStatus": "ACTIVE",
            })
        })
        .collect();
    json_ok(&json!({ "imageDetails": details }))
}

fn batch_get_image(door: &FrontDoor, store: &Store, body: &Value) -> Resp {
    let r = match named_repository(door, store, body) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let Some(ids) = body["imageIds"].as_array() else {
        return ecr_error("InvalidParameterException", &missing_member("imageIds"));
    };
    let (mut images, mut failures) = (vec![], vec![]);
    for id in ids {
        match find_image(r, id) {
            Ok(i) => {
                let mut image_id = json!({ "imageDigest": i.digest });
                if let Some(t) = id["imageTag"].as_str() {
                    image_id["imageTag"] = t.into();
                }
                images.push(json!({
                    "registryId": r.registry,
                    "repositoryName": r.name,
                    "imageId": image_id,
                    "imageManifest": i.manifest,
                    "imageManifestMediaType": i.media_type,
                }));
            }
            Err((code, reason)) => {
                failures.push(json!({ "imageId": id, "failureCode": code, "failureReason": reason }))
            }
        }
    }
    json_ok(&json!({ "images": images, "failures": failures }))
}

// ---- Registry v2 ----

/// The registry's error document: `{"errors":[{"code":..,"message":..}]}`.
pub fn registry_error(status: u16, code: &str, message: &str) -> Resp {
    let body = json!({ "errors": [{ "code": code, "message": message }] });
    Resp::new(status, "application/json; charset=utf-8", serde_json::to_vec(&body).unwrap_or_default())
        .with_header("Docker-Distribution-Api-Version", "registry/2.0")
}

/// What a registry request's `Authorization: Basic base64(AWS:<password>)` carries.
#[derive(Debug, PartialEq, Eq)]
enum Token {
    /// No Basic credentials.
    Missing,
    /// A password the door did not hand out.
    Invalid,
    /// The door's own password (an unsigned GetAuthorizationToken's): no one's identity.
    Anonymous,
    /// The token of this role session.
    Holder(String),
}

fn token(door: &FrontDoor, req: &Req) -> Token {
    let basic = req.header("authorization").and_then(|a| a.trim().strip_prefix("Basic "));
    let Some(basic) = basic else { return Token::Missing };
    let text = B64.decode(basic.trim()).ok().and_then(|d| String::from_utf8(d).ok()).unwrap_or_default();
    let Some(pw) = text.strip_prefix("AWS:") else { return Token::Invalid };
    if pw == door.registry_password {
        return Token::Anonymous;
    }
    match door.principals().into_iter().find(|p| holder_password(door, &p.arn) == pw) {
        Some(p) => Token::Holder(p.arn),
        None => Token::Invalid,
    }
}

/// The IAM action a registry request needs on its repository: a manifest is ecr:BatchGetImage,
/// a layer ecr:GetDownloadUrlForLayer, the tag list ecr:ListImages.
pub(super) fn registry_call(door: &FrontDoor, registry: &str, path: &RegistryPath) -> Option<(String, String)> {
    let (action, name) = match path {
        RegistryPath::Manifest { name, .. } => ("BatchGetImage", name),
        RegistryPath::Blob { name, .. } => ("GetDownloadUrlForLayer", name),
        RegistryPath::Tags { name } => ("ListImages", name),
        RegistryPath::Base | RegistryPath::Other => return None,
    };
    Some((format!("ecr:{action}"), format!("arn:aws:ecr:{}:{registry}:repository/{name}", door.region)))
}

/// What a registry request asks for: `/v2/<name>/manifests/<ref>`, `/v2/<name>/blobs/<digest>`,
/// `/v2/<name>/tags/list`. Repository names may contain `/`.
#[derive(Debug, PartialEq, Eq)]
pub enum RegistryPath {
    Base,
    Manifest { name: String, reference: String },
    Blob { name: String, digest: String },
    Tags { name: String },
    Other,
}

pub fn registry_path(path: &str) -> RegistryPath {
    let p = path_decode(path);
    let Some(rest) = p.strip_prefix("/v2") else { return RegistryPath::Other };
    let rest = rest.trim_start_matches('/');
    if rest.is_empty() {
        return RegistryPath::Base;
    }
    if let Some(name) = rest.strip_suffix("/tags/list") {
        return RegistryPath::Tags { name: name.into() };
    }
    for (marker, blob) in [("/manifests/", false), ("/blobs/", true)] {
        if let Some((name, reference)) = rest.rsplit_once(marker)
            && !name.is_empty()
            && !reference.is_empty()
            && !reference.contains('/')
        {
            let (name, r) = (name.to_string(), reference.to_string());
            return if blob {
                RegistryPath::Blob { name, digest: r }
            } else {
                RegistryPath::Manifest { name, reference: r }
            };
        }
    }
    RegistryPath::Other
}

/// Answer a registry request.
pub fn handle_registry(door: &FrontDoor, store: &Store, req: &Req) -> Resp {
    let holder = match token(door, req) {
        Token::Missing => {
            return Resp::new(401, "text/plain; charset=utf-8", "Not Authorized\n")
                .with_header(
                    "WWW-Authenticate",
                    format!("Basic realm=\"https://{}/\",service=\"ecr.amazonaws.com\"", door.registry_host()),
                )
                .with_header("Docker-Distribution-Api-Version", "registry/2.0");
        }
        Token::Invalid => return registry_error(401, "DENIED", "Your authorization token is invalid."),
        Token::Anonymous => None,
        Token::Holder(arn) => Some(arn),
    };
    let read = matches!(req.method.as_str(), "GET" | "HEAD");
    let path = registry_path(&req.path);
    if !read && path != RegistryPath::Other {
        // Pushing is not emulated: the images are the scenario's.
        return registry_error(405, "UNSUPPORTED", "The operation is unsupported.");
    }
    // Another account's registry (`<other>.dkr.ecr...`) holds the repositories the scenario
    // declares with that `registryId`, and none of the lab's.
    let registry = registry_account(req.host()).unwrap_or(&door.account);
    // IAM as the token's holder, before the repository is looked for.
    if let (Some(arn), Some(call)) = (holder, registry_call(door, registry, &path))
        && let Err(d) = door.iam.authorize_as(&arn, req, &[call])
    {
        use crate::analyze::iam::ServiceStyle;
        return registry_error(403, "DENIED", &d.message(ServiceStyle::Json));
    }
    let repo = |name: &str| {
        store.repository(registry, name).ok_or_else(|| {
            registry_error(
                404,
                "NAME_UNKNOWN",
                &format!("The repository with name '{name}' does not exist in the registry with id '{registry}'"),
            )
        })
    };
    let ok = |r: Resp| r.with_header("Docker-Distribution-Api-Version", "registry/2.0");
    match path {
        RegistryPath::Base => ok(Resp::new(200, "application/json; charset=utf-8", "{}")),
        RegistryPath::Tags { name } => match repo(&name) {
            Ok(r) => {
                let tags: Vec<&String> = r.images.iter().flat_map(|i| &i.tags).collect();
                ok(Resp::new(200, "application/json; charset=utf-8", json!({"name": name, "tags": tags}).to_string()))
            }
            Err(e) => e,
        },
        RegistryPath::Manifest { name, reference } => match repo(&name) {
            Ok(r) => match r.find(&reference) {
                Some(i) => ok(Resp::new(200, i.media_type, i.manifest.clone())
                    .with_header("Docker-Content-Digest", i.digest.clone())),
                None => registry_error(404, "MANIFEST_UNKNOWN", "Requested image not found"),
            },
            Err(e) => e,
        },
        RegistryPath::Blob { name, digest } => match repo(&name) {
            Ok(r) if r.images.iter().any(|i| i.blobs.contains(&digest)) => {
                let size = store.blobs.get(&digest).map_or(0, |b| b.len());
                if req.method == "HEAD" {
                    // The length without the bytes: the server sends no body for HEAD.
                    let resp = Resp::new(200, "application/octet-stream", "")
                        .with_header("Content-Length", size.to_string())
                        .with_header("Docker-Content-Digest", digest);
                    return ok(resp);
                }
                ok(Resp::empty(307).with_header("Location", layer_url(door, &name, &digest)))
            }
            Ok(_) => registry_error(404, "BLOB_UNKNOWN", "blob unknown to registry"),
            Err(e) => e,
        },
        RegistryPath::Other => registry_error(404, "UNSUPPORTED", "The operation is unsupported."),
    }
}

/// The account a registry host names: `<acct>.dkr.ecr.<r>.amazonaws.com`.
fn registry_account(host: &str) -> Option<&str> {
    let (first, rest) = host.split_once('.')?;
    (first.len() == 12 && first.bytes().all(|b| b.is_ascii_digit()) && rest.starts_with("dkr.")).then_some(first)
}

/// The region's layer bucket: `prod-<r>-starport-layer-bucket`.
pub fn layer_bucket(region: &str) -> String {
    format!("prod-{region}-starport-layer-bucket")
}

/// How long a layer URL the registry hands out stays valid.
pub const LAYER_URL_LIFETIME: u64 = 3600;

/// The temporary key ECR presigns layer URLs with (on AWS, ECR's own role): stable per lab,
/// known to the S3 door so the URLs verify.
pub fn layer_keys(lab: &str) -> super::sigv4::Keys {
    use crate::services::task_metadata::{TmdsCredentials, fake_credentials};
    let c = fake_credentials(lab, &TmdsCredentials { id: "ecr/layer-bucket".into(), role_arn: String::new() }, 0);
    super::sigv4::Keys {
        access_key_id: c.access_key_id,
        secret_access_key: c.secret_access_key,
        session_token: Some(c.token),
    }
}

/// A presigned URL for a blob on the layer bucket, signed with [`layer_keys`] at the door's
/// time. The S3 door finds the blob by the last path segment (the digest's hex).
pub fn layer_url(door: &FrontDoor, repo: &str, digest: &str) -> String {
    let r = &door.region;
    let repo_hash = hex(ring::digest::digest(&ring::digest::SHA256, repo.as_bytes()).as_ref());
    let key =
        format!("{}-{}-{}/{}", &repo_hash[..6], door.account, &repo_hash[6..38], digest.trim_start_matches("sha256:"));
    let url = format!("https://{}.s3.{r}.amazonaws.com/{key}", layer_bucket(r));
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(door.now());
    let lifetime = std::time::Duration::from_secs(LAYER_URL_LIFETIME);
    // Signing a URL made of hex and the region cannot fail; if it did, S3 would refuse it.
    super::sigv4::presign(&door.layer_keys, (r, "s3"), &url, lifetime, time).unwrap_or(url)
}

/// The digest a layer bucket key names (its last segment is the hex).
pub fn digest_of_layer_key(key: &str) -> Option<String> {
    let hex = key.rsplit('/').next()?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("sha256:{}", hex.to_ascii_lowercase()))
}
