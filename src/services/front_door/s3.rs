//! S3 (REST with XML), virtual-hosted (`<bucket>.s3.<r>.amazonaws.com`) and path style
//! (`s3.<r>.amazonaws.com/<bucket>`): GetObject (with ranges), PutObject (also botocore's
//! `aws-chunked` bodies), HeadObject, DeleteObject, ListObjectsV2, HeadBucket,
//! GetBucketLocation, ListBuckets; each authorized by IAM first ([`iam_request`]). The region's
//! starport layer bucket serves ECR's image blobs, which the registry redirects to.

use super::FrontDoor;
use super::data::{Object, Store};
use super::ecr::{digest_of_layer_key, layer_bucket};
use super::http::{
    Req, Resp, decode_aws_chunked, hex, http_date, iso8601_ms, path_decode, random_bytes, url_encode, xml_escape,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hyper::body::Bytes;
use std::collections::BTreeMap;

const XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";
const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const MAX_KEYS: usize = 1000;

/// S3's request ids: `x-amz-request-id` (16 hex) and `x-amz-id-2` (base64).
pub fn request_ids() -> (String, String) {
    (hex(&random_bytes::<8>()).to_ascii_uppercase(), B64.encode(random_bytes::<56>()))
}

/// S3's error document, with its request ids in both the body and the headers.
/// `extra` adds elements after the message (`Key`, `BucketName`).
pub fn error(status: u16, code: &str, message: &str, extra: &[(&str, &str)]) -> Resp {
    let (id, host_id) = request_ids();
    let mut body =
        format!("{XML_DECL}<Error><Code>{}</Code><Message>{}</Message>", xml_escape(code), xml_escape(message));
    for (k, v) in extra {
        body.push_str(&format!("<{k}>{}</{k}>", xml_escape(v)));
    }
    body.push_str(&format!("<RequestId>{id}</RequestId><HostId>{host_id}</HostId></Error>"));
    Resp::new(status, "application/xml", body).with_header("x-amz-request-id", id).with_header("x-amz-id-2", host_id)
}

fn no_such_bucket(bucket: &str) -> Resp {
    error(404, "NoSuchBucket", "The specified bucket does not exist", &[("BucketName", bucket)])
}

fn no_such_key(key: &str) -> Resp {
    error(404, "NoSuchKey", "The specified key does not exist.", &[("Key", key)])
}

fn not_implemented() -> Resp {
    error(501, "NotImplemented", "A header you provided implies functionality that is not implemented", &[])
}

/// HEAD answers carry no body, errors included (the SDK then reads only the status).
fn headless(req: &Req, mut r: Resp) -> Resp {
    if req.method == "HEAD" && r.status >= 300 {
        r.body.clear();
        r.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
    }
    r
}

/// IAM's denial: 403 `AccessDenied` with AWS's message, and no body for HEAD.
pub fn access_denied(req: &Req, message: &str) -> Resp {
    headless(req, error(403, "AccessDenied", message, &[]))
}

/// The bucket and key a request names: a virtual-hosted name gives the bucket (`host_bucket`),
/// else the path's first segment does.
fn bucket_and_key(host_bucket: Option<&str>, req: &Req) -> (String, String) {
    let path = req.path.strip_prefix('/').unwrap_or(&req.path);
    match host_bucket {
        Some(b) => (b.to_string(), path_decode(path)),
        None => {
            let (b, k) = path.split_once('/').unwrap_or((path, ""));
            (path_decode(b), path_decode(k))
        }
    }
}

/// The IAM action and resource of an S3 request, as S3's service authorization reference names
/// them: objects (`arn:aws:s3:::B/KEY`) get s3:GetObject (HeadObject too; s3:GetObjectVersion
/// with a versionId), s3:PutObject, s3:DeleteObject (s3:DeleteObjectVersion); the bucket
/// (`arn:aws:s3:::B`) s3:ListBucket (ListObjects, ListObjectsV2, HeadBucket) and
/// s3:GetBucketLocation; ListBuckets s3:ListAllMyBuckets on `*`. None for what the door does
/// not emulate, and for the layer bucket: ECR presigns its URLs with its own credentials.
pub fn iam_request(host_bucket: Option<&str>, region: &str, req: &Req) -> Option<(String, String)> {
    let (bucket, key) = bucket_and_key(host_bucket, req);
    let m = req.method.as_str();
    let s3 = |action: &str, resource: String| Some((format!("s3:{action}"), resource));
    if bucket.is_empty() {
        return (m == "GET").then(|| ("s3:ListAllMyBuckets".to_string(), "*".to_string()));
    }
    if bucket == layer_bucket(region) {
        return None;
    }
    if key.is_empty() {
        let arn = format!("arn:aws:s3:::{bucket}");
        return match m {
            "HEAD" => s3("ListBucket", arn),
            "GET" if req.has_query_param("location") => s3("GetBucketLocation", arn),
            "GET" if req.query_param("list-type").as_deref() == Some("2") => s3("ListBucket", arn),
            _ => None,
        };
    }
    let arn = format!("arn:aws:s3:::{bucket}/{key}");
    let version = req.has_query_param("versionId");
    match m {
        _ if !plain(req) && !(matches!(m, "GET" | "HEAD") && (version || req.has_query_param("partNumber"))) => None,
        "GET" | "HEAD" if version => s3("GetObjectVersion", arn),
        "GET" | "HEAD" => s3("GetObject", arn),
        "PUT" => s3("PutObject", arn),
        "DELETE" => s3("DeleteObject", arn),
        _ => None,
    }
}

/// An object request without a sub-resource (`?acl`, `?tagging`, `?uploads`, ...).
fn plain(req: &Req) -> bool {
    req.query.is_empty() || req.has_query_param("x-id") || req.has_query_param("X-Amz-Credential")
}

/// Answer an S3 request; `host_bucket` is the bucket a virtual-hosted name gives.
pub fn handle(door: &FrontDoor, store: &mut Store, host_bucket: Option<&str>, req: &Req) -> Resp {
    let (bucket, key) = bucket_and_key(host_bucket, req);
    if bucket.is_empty() {
        return match req.method.as_str() {
            "GET" => list_buckets(door, store),
            _ => not_implemented(),
        };
    }
    let resp = if bucket == layer_bucket(&door.region) {
        layer(store, req, &key)
    } else if key.is_empty() {
        bucket_op(door, store, &bucket, req)
    } else {
        object_op(door, store, &bucket, &key, req)
    };
    headless(req, resp)
}

/// The layer bucket: ECR's blobs by the digest in their key, read only.
fn layer(store: &Store, req: &Req, key: &str) -> Resp {
    if !matches!(req.method.as_str(), "GET" | "HEAD") {
        return error(403, "AccessDenied", "Access Denied", &[]);
    }
    match digest_of_layer_key(key).and_then(|d| store.blobs.get(&d)) {
        Some(b) => {
            let etag = format!("\"{}\"", hex(&md5_of(b)));
            body_answer(req, b, "application/octet-stream", &etag, store.created)
        }
        None => no_such_key(key),
    }
}

fn md5_of(b: &[u8]) -> Vec<u8> {
    use md5::Digest;
    md5::Md5::digest(b).to_vec()
}

fn bucket_op(door: &FrontDoor, store: &Store, bucket: &str, req: &Req) -> Resp {
    let Some(objects) = store.buckets.get(bucket) else { return no_such_bucket(bucket) };
    match req.method.as_str() {
        "HEAD" => Resp::empty(200).with_header("x-amz-bucket-region", door.region.clone()),
        "GET" if req.has_query_param("location") => Resp::new(
            200,
            "application/xml",
            format!(
                "{XML_DECL}<LocationConstraint xmlns=\"{XMLNS}\">{}</LocationConstraint>",
                xml_escape(&door.region)
            ),
        ),
        "GET" if req.query_param("list-type").as_deref() == Some("2") => list_objects_v2(bucket, objects, req),
        "GET" | "PUT" | "DELETE" | "POST" => not_implemented(),
        _ => error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.", &[]),
    }
}

fn object_op(door: &FrontDoor, store: &mut Store, bucket: &str, key: &str, req: &Req) -> Resp {
    let now = door.now();
    let Some(objects) = store.buckets.get_mut(bucket) else { return no_such_bucket(bucket) };
    // Sub-resources (`?acl`, `?tagging`, `?uploads`, ...) are not emulated.
    let plain = plain(req);
    match req.method.as_str() {
        "GET" | "HEAD" if plain || req.has_query_param("versionId") || req.has_query_param("partNumber") => {
            match objects.get(key) {
                Some(o) => body_answer(req, &o.body, &o.content_type, &o.etag, o.last_modified),
                None => no_such_key(key),
            }
        }
        "PUT" if plain => put_object(objects, key, req, now),
        "DELETE" if plain => {
            objects.remove(key);
            Resp::empty(204)
        }
        "GET" | "HEAD" | "PUT" | "DELETE" | "POST" => not_implemented(),
        _ => error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.", &[]),
    }
}

/// ListBuckets: the lab's buckets (not ECR's layer bucket, which is AWS's), owned by the
/// account's canonical user (made from the account id; S3's are random).
fn list_buckets(door: &FrontDoor, store: &Store) -> Resp {
    let owner = hex(ring::digest::digest(&ring::digest::SHA256, door.account.as_bytes()).as_ref());
    let mut x = format!("{XML_DECL}<ListAllMyBucketsResult xmlns=\"{XMLNS}\"><Owner><ID>{owner}</ID></Owner><Buckets>");
    for name in store.buckets.keys() {
        x.push_str(&format!(
            "<Bucket><Name>{}</Name><CreationDate>{}</CreationDate></Bucket>",
            xml_escape(name),
            iso8601_ms(store.created)
        ));
    }
    x.push_str("</Buckets></ListAllMyBucketsResult>");
    Resp::new(200, "application/xml", x)
}

fn put_object(objects: &mut BTreeMap<String, Object>, key: &str, req: &Req, now: u64) -> Resp {
    if req.header("x-amz-copy-source").is_some() {
        return not_implemented();
    }
    let chunked = req.header("content-encoding").is_some_and(|e| e.contains("aws-chunked"))
        || req.header("x-amz-content-sha256").is_some_and(|s| s.starts_with("STREAMING-"));
    let body = if chunked {
        match decode_aws_chunked(&req.body) {
            Some(b) => b,
            None => {
                return error(
                    400,
                    "IncompleteBody",
                    "You did not provide the number of bytes specified by the Content-Length HTTP header",
                    &[],
                );
            }
        }
    } else {
        req.body.clone()
    };
    let content_type = req.header("content-type").unwrap_or("binary/octet-stream");
    let o = Object::new(body, content_type, now);
    let etag = o.etag.clone();
    objects.insert(key.to_string(), o);
    Resp::empty(200).with_header("ETag", etag).with_header("x-amz-server-side-encryption", "AES256")
}

/// What a `Range` header asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    Whole,
    /// First and last byte, inclusive.
    Part(usize, usize),
    Unsatisfiable,
}

/// The byte range of a `Range: bytes=a-b` header (`a-`, `-n` too) over a body of `len` bytes.
pub fn byte_range(header: Option<&str>, len: usize) -> Range {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else { return Range::Whole };
    // Several ranges (multipart/byteranges) are answered whole, as S3 does.
    if spec.contains(',') {
        return Range::Whole;
    }
    let Some((a, b)) = spec.split_once('-') else { return Range::Unsatisfiable };
    let last = len.checked_sub(1);
    let bounds = match (a.trim(), b.trim()) {
        ("", n) => n.parse::<usize>().ok().filter(|n| *n > 0).zip(last).map(|(n, l)| (len.saturating_sub(n), l)),
        (a, "") => a.parse::<usize>().ok().zip(last),
        (a, b) => a.parse::<usize>().ok().zip(b.parse::<usize>().ok().zip(last).map(|(b, l)| b.min(l))),
    };
    match bounds {
        Some((start, end)) if start < len && start <= end => Range::Part(start, end),
        _ => Range::Unsatisfiable,
    }
}

fn body_answer(req: &Req, body: &Bytes, content_type: &str, etag: &str, modified: u64) -> Resp {
    let base = |status: u16, b: Bytes| {
        Resp::new(status, content_type, b)
            .with_header("ETag", etag)
            .with_header("Last-Modified", http_date(modified))
            .with_header("Accept-Ranges", "bytes")
            .with_header("x-amz-server-side-encryption", "AES256")
    };
    match byte_range(req.header("range"), body.len()) {
        Range::Whole => base(200, body.clone()),
        Range::Part(s, e) => {
            base(206, body.slice(s..=e)).with_header("Content-Range", format!("bytes {s}-{e}/{}", body.len()))
        }
        Range::Unsatisfiable => error(
            416,
            "InvalidRange",
            "The requested range is not satisfiable",
            &[
                ("RangeRequested", req.header("range").unwrap_or_default()),
                ("ActualObjectSize", &body.len().to_string()),
            ],
        ),
    }
}

fn list_objects_v2(bucket: &str, objects: &BTreeMap<String, Object>, req: &Req) -> Resp {
    let prefix = req.query_param("prefix").unwrap_or_default();
    let delimiter = req.query_param("delimiter").filter(|d| !d.is_empty());
    let max_keys = req.query_param("max-keys").and_then(|m| m.parse::<usize>().ok()).unwrap_or(MAX_KEYS).min(MAX_KEYS);
    let start_after = req.query_param("start-after");
    let token = req.query_param("continuation-token");
    let encode = req.query_param("encoding-type").as_deref() == Some("url");
    // The continuation token is the last key (or common prefix) already listed, base64.
    let after = match &token {
        Some(t) => match B64.decode(t).ok().and_then(|b| String::from_utf8(b).ok()) {
            Some(k) => Some(k),
            None => return error(400, "InvalidArgument", "The continuation token provided is incorrect", &[]),
        },
        None => start_after.clone(),
    };
    let enc = |s: &str| if encode { url_encode(s).replace("%2F", "/") } else { s.to_string() };
    let mut contents = String::new();
    let mut prefixes: Vec<String> = vec![];
    let (mut count, mut truncated, mut last) = (0usize, false, None::<String>);
    for (k, o) in objects.range::<String, _>((
        after.as_ref().map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded),
        std::ops::Bound::Unbounded,
    )) {
        if !k.starts_with(&prefix) {
            continue;
        }
        let common = delimiter
            .as_ref()
            .and_then(|d| k[prefix.len()..].find(d.as_str()).map(|i| &k[..prefix.len() + i + d.len()]));
        if let Some(cp) = common
            && prefixes.last().map(String::as_str) == Some(cp)
        {
            continue;
        }
        if count == max_keys {
            truncated = true;
            break;
        }
        count += 1;
        match common {
            Some(cp) => {
                prefixes.push(cp.to_string());
                // Skip the rest of this prefix when resuming.
                last = Some(format!("{cp}\u{10FFFF}"));
            }
            None => {
                contents.push_str(&format!(
                    "<Contents><Key>{}</Key><LastModified>{}</LastModified><ETag>{}</ETag><Size>{}</Size><StorageClass>STANDARD</StorageClass></Contents>",
                    xml_escape(&enc(k)),
                    iso8601_ms(o.last_modified),
                    xml_escape(&o.etag),
                    o.body.len()
                ));
                last = Some(k.clone());
            }
        }
    }
    let mut x = format!("{XML_DECL}<ListBucketResult xmlns=\"{XMLNS}\"><Name>{}</Name>", xml_escape(bucket));
    x.push_str(&format!("<Prefix>{}</Prefix>", xml_escape(&enc(&prefix))));
    if let Some(t) = &token {
        x.push_str(&format!("<ContinuationToken>{}</ContinuationToken>", xml_escape(t)));
    }
    if let Some(s) = &start_after {
        x.push_str(&format!("<StartAfter>{}</StartAfter>", xml_escape(&enc(s))));
    }
    if truncated && let Some(l) = &last {
        x.push_str(&format!("<NextContinuationToken>{}</NextContinuationToken>", B64.encode(l)));
    }
    x.push_str(&format!("<KeyCount>{count}</KeyCount><MaxKeys>{max_keys}</MaxKeys>"));
    if let Some(d) = &delimiter {
        x.push_str(&format!("<Delimiter>{}</Delimiter>", xml_escape(&enc(d))));
    }
    if encode {
        x.push_str("<EncodingType>url</EncodingType>");
    }
    x.push_str(&format!("<IsTruncated>{truncated}</IsTruncated>"));
    x.push_str(&contents);
    for p in prefixes {
        x.push_str(&format!("<CommonPrefixes><Prefix>{}</Prefix></CommonPrefixes>", xml_escape(&enc(&p))));
    }
    x.push_str("</ListBucketResult>");
    Resp::new(200, "application/xml", x)
}
