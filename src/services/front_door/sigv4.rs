//! Reading a request's SigV4 credential scope: from the `Authorization` header
//! (`AWS4-HMAC-SHA256 Credential=AKID/20240101/ap-northeast-1/ecr/aws4_request,
//! SignedHeaders=host;x-amz-date, Signature=<64 hex>`) or from a presigned URL's query
//! (`X-Amz-Credential=...&X-Amz-SignedHeaders=host&X-Amz-Signature=...`). The scope says which
//! service a request is for and whose key signed it. [`verify`] checks a request's signature as
//! AWS does (the canonical request rebuilt from what arrived, the time, the scope, the key and
//! its session token); [`sign`] and [`presign`] sign as the SDKs do, with aws-sigv4 (the AWS SDK
//! for Rust's own signer).

use super::http::{Req, hex, query_pairs};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, percent_encode};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The algorithm every SDK uses; SigV4A (`AWS4-ECDSA-P256-SHA256`) has no region in its scope.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// `AKID/yyyymmdd/region/service/aws4_request`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    pub access_key_id: String,
    /// `yyyymmdd`.
    pub date: String,
    pub region: String,
    pub service: String,
}

/// A parsed SigV4 signature (header or presigned query).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigV4 {
    pub credential: Credential,
    /// Lower-case header names, in the order signed.
    pub signed_headers: Vec<String>,
    pub signature: String,
    /// Whether it came from the query string (a presigned URL).
    pub presigned: bool,
}

/// Why a signature could not be read, as AWS's `IncompleteSignature` message says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed(pub String);

/// The signature of a request: the `Authorization` header if there is one, else a presigned
/// query; `None` when the request is not SigV4-signed at all (anonymous, or registry Basic auth).
pub fn from_request(authorization: Option<&str>, query: &str) -> Option<Result<SigV4, Malformed>> {
    if let Some(a) = authorization {
        // `Basic` (registry) and `Bearer` are not SigV4; only AWS4- schemes are ours to parse.
        if a.trim_start().starts_with("AWS4-") {
            return Some(parse_authorization(a));
        }
        return None;
    }
    parse_presigned(query)
}

/// Parse an `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
pub fn parse_authorization(header: &str) -> Result<SigV4, Malformed> {
    let header = header.trim();
    let (algorithm, rest) = header.split_once(' ').unwrap_or((header, ""));
    if algorithm != ALGORITHM {
        return Err(Malformed(format!("Unsupported AWS 'algorithm': '{algorithm}'")));
    }
    let (mut credential, mut signed, mut signature) = (None, None, None);
    // Parameters are comma separated; some clients put spaces after the commas, some do not.
    for part in rest.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else { continue };
        match k.trim() {
            "Credential" => credential = Some(v.trim()),
            "SignedHeaders" => signed = Some(v.trim()),
            "Signature" => signature = Some(v.trim()),
            _ => {}
        }
    }
    build(credential, signed, signature, false)
}

/// Parse a presigned URL's query; `None` when the query has no `X-Amz-Credential`.
pub fn parse_presigned(query: &str) -> Option<Result<SigV4, Malformed>> {
    let pairs = query_pairs(query);
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let credential = get("X-Amz-Credential")?;
    if let Some(a) = get("X-Amz-Algorithm")
        && a != ALGORITHM
    {
        return Some(Err(Malformed(format!("Unsupported AWS 'algorithm': '{a}'"))));
    }
    Some(build(Some(credential), get("X-Amz-SignedHeaders"), get("X-Amz-Signature"), true))
}

fn build(
    credential: Option<&str>,
    signed: Option<&str>,
    signature: Option<&str>,
    presigned: bool,
) -> Result<SigV4, Malformed> {
    // AWS lists every missing parameter in one message.
    let mut missing = vec![];
    for (name, v) in [("Credential", credential), ("SignedHeaders", signed), ("Signature", signature)] {
        if v.is_none_or(str::is_empty) {
            missing.push(format!("Authorization header requires '{name}' parameter."));
        }
    }
    if !missing.is_empty() {
        return Err(Malformed(missing.join(" ")));
    }
    let credential = parse_credential(credential.unwrap_or_default())?;
    Ok(SigV4 {
        credential,
        signed_headers: signed.unwrap_or_default().split(';').map(str::to_ascii_lowercase).collect(),
        signature: signature.unwrap_or_default().to_string(),
        presigned,
    })
}

/// `AKID/yyyymmdd/region/service/aws4_request`.
pub fn parse_credential(s: &str) -> Result<Credential, Malformed> {
    let parts: Vec<&str> = s.split('/').collect();
    let bad = || Malformed(format!("Credential should be scoped to a valid region. {s} is not a valid credential."));
    let [akid, date, region, service, terminator] = parts.as_slice() else { return Err(bad()) };
    if akid.is_empty()
        || date.len() != 8
        || !date.bytes().all(|b| b.is_ascii_digit())
        || region.is_empty()
        || service.is_empty()
        || *terminator != "aws4_request"
    {
        return Err(bad());
    }
    Ok(Credential {
        access_key_id: akid.to_string(),
        date: date.to_string(),
        region: region.to_string(),
        service: service.to_string(),
    })
}

/// A key pair and its session token, as the lab hands them out.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Keys {
    pub access_key_id: String,
    #[serde(default)]
    pub secret_access_key: String,
    /// The session token of temporary (`ASIA...`) keys.
    #[serde(default)]
    pub session_token: Option<String>,
}

/// What the payload hash of a signed request says.
#[derive(Clone, Copy, Debug)]
pub enum Payload<'a> {
    /// The bytes sent (their SHA-256 is signed).
    Bytes(&'a [u8]),
    /// `UNSIGNED-PAYLOAD`.
    Unsigned,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`, as botocore sends an `aws-chunked` PutObject.
    StreamingTrailer,
}

/// Sign a request as an SDK does (aws-sigv4, the signer the AWS SDK for Rust uses): the
/// headers to add (`authorization`, `x-amz-date`, `x-amz-security-token`, and for S3
/// `x-amz-content-sha256`). `url` is the full `https://host/path?query`; `headers` are those
/// the request already carries (all are signed, `host` included when given).
pub fn sign(
    keys: &Keys,
    scope: (&str, &str),
    target: (&str, &str),
    headers: &[(&str, &str)],
    body: &[u8],
    time: SystemTime,
) -> Result<Vec<(String, String)>, String> {
    sign_payload(keys, scope, target, headers, Payload::Bytes(body), time)
}

/// [`sign`], with the payload hash chosen.
pub fn sign_payload(
    keys: &Keys,
    (region, service): (&str, &str),
    (method, url): (&str, &str),
    headers: &[(&str, &str)],
    payload: Payload<'_>,
    time: SystemTime,
) -> Result<Vec<(String, String)>, String> {
    use aws_sigv4::http_request::{PayloadChecksumKind, SignableBody, SignableRequest};
    let mut settings = settings_for(service);
    // S3 carries the payload hash in a header, as its SDKs send it.
    if service == "s3" {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let body = match payload {
        Payload::Bytes(b) => SignableBody::Bytes(b),
        Payload::Unsigned => SignableBody::UnsignedPayload,
        Payload::StreamingTrailer => SignableBody::StreamingUnsignedPayloadTrailer,
    };
    let identity = identity(keys);
    let params = signing_params(&identity, (region, service), time, settings)?;
    let req = SignableRequest::new(method, url, headers.iter().copied(), body).map_err(|e| e.to_string())?;
    let (instructions, _) = aws_sigv4::http_request::sign(req, &params).map_err(|e| e.to_string())?.into_parts();
    Ok(instructions.headers().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

/// A presigned GET of `url` (signed for `host` only, payload unsigned), valid for `expires`:
/// the URL with its `X-Amz-*` query parameters, as S3's presigners make them.
pub fn presign(
    keys: &Keys,
    scope: (&str, &str),
    url: &str,
    expires: Duration,
    time: SystemTime,
) -> Result<String, String> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SignatureLocation};
    let mut settings = settings_for(scope.1);
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(expires);
    let identity = identity(keys);
    let params = signing_params(&identity, scope, time, settings)?;
    let req = SignableRequest::new("GET", url, std::iter::empty(), SignableBody::UnsignedPayload)
        .map_err(|e| e.to_string())?;
    let (instructions, _) = aws_sigv4::http_request::sign(req, &params).map_err(|e| e.to_string())?.into_parts();
    let mut out = url.to_string();
    for (i, (k, v)) in instructions.params().iter().enumerate() {
        let sep = if i == 0 && !url.contains('?') { '?' } else { '&' };
        out.push_str(&format!("{sep}{}={}", encode(k.as_bytes()), encode(v.as_bytes())));
    }
    Ok(out)
}

/// S3 signs the path as sent (encoded once, not normalized), as its SDKs do.
fn settings_for(service: &str) -> aws_sigv4::http_request::SigningSettings {
    use aws_sigv4::http_request::{PercentEncodingMode, SigningSettings, UriPathNormalizationMode};
    let mut settings = SigningSettings::default();
    if service == "s3" {
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.percent_encoding_mode = PercentEncodingMode::Single;
    }
    settings
}

fn identity(keys: &Keys) -> aws_smithy_runtime_api::client::identity::Identity {
    aws_credential_types::Credentials::new(
        &keys.access_key_id,
        &keys.secret_access_key,
        keys.session_token.clone(),
        None,
        "ecsnet",
    )
    .into()
}

fn signing_params<'a>(
    identity: &'a aws_smithy_runtime_api::client::identity::Identity,
    (region, service): (&'a str, &'a str),
    time: SystemTime,
    settings: aws_sigv4::http_request::SigningSettings,
) -> Result<aws_sigv4::http_request::SigningParams<'a>, String> {
    Ok(aws_sigv4::sign::v4::SigningParams::builder()
        .identity(identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| e.to_string())?
        .into())
}

// ---- Verification ----

/// How far a request's time may be from the door's clock, either way: SigV4's 15 minutes.
pub const MAX_SKEW: u64 = 15 * 60;

/// A service's own window: ECR, STS and S3 allow [`MAX_SKEW`]; CloudWatch Logs, SSM, Secrets
/// Manager and ECS allow five minutes (their "Signature expired" errors say `- 5 min.`).
pub fn max_skew(service: &str) -> u64 {
    match service {
        "logs" | "ssm" | "secretsmanager" | "ecs" => 5 * 60,
        _ => MAX_SKEW,
    }
}
/// The longest a presigned URL may live: a week.
pub const MAX_EXPIRES: u64 = 7 * 24 * 3600;

/// What a door expects of the signatures it receives.
#[derive(Clone, Copy, Debug)]
pub struct Expect<'a> {
    /// The signing name of the service the request reached (`ecr`, `s3`, `sts`).
    pub service: &'a str,
    /// The regions the scope may name; the first is the one the errors say is expected.
    pub regions: &'a [&'a str],
    /// The door's clock, in Unix seconds.
    pub now: u64,
}

/// Why a signature was refused: what each service then answers in its own words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// The request's time is missing or unreadable, or a presigned URL lacks a parameter.
    Incomplete(String),
    /// The request's time (`yyyymmddThhmmssZ`) is over the service's window (seconds) from `now`.
    Skewed { amz_date: String, now: u64, window: u64, future: bool },
    /// A presigned URL used after its `X-Amz-Expires`.
    Expired { amz_date: String, now: u64, expires: u64 },
    /// `host` is not among the signed headers.
    HostNotSigned,
    /// The scope names another region, service or day.
    Scope(Box<ScopeFault>),
    /// No such access key.
    UnknownKey,
    /// The signature is not the one the key makes of this request.
    Mismatch { canonical_request: String, string_to_sign: String },
    /// The session token is missing (`None`) or not the key's.
    Token { presented: Option<String> },
}

/// What is wrong with a credential scope: each `Some` is a part that is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeFault {
    pub region: Option<String>,
    pub service: Option<String>,
    pub date: Option<String>,
    pub expect_region: String,
    pub expect_service: String,
    /// The request's time, whose day the scope's must be.
    pub amz_date: String,
}

/// Verify `req`'s signature `sig` as AWS does, in Coral's order: the time, `host` signed, the
/// scope, the key, the signature, the session token. `keys` finds an access key's secret.
pub fn verify(
    req: &Req,
    sig: &SigV4,
    expect: &Expect<'_>,
    keys: impl Fn(&str) -> Option<Keys>,
) -> Result<(), Rejection> {
    let s3 = expect.service == "s3";
    let (amz_date, time) = request_time(req, sig)?;
    check_time(req, sig, (&amz_date, time), expect.now, max_skew(expect.service))?;
    // S3 has no such rule of its own; a presigned URL signs `host` anyway.
    if !s3 && !sig.signed_headers.iter().any(|h| h == "host" || h == ":authority") {
        return Err(Rejection::HostNotSigned);
    }
    check_scope(sig, expect, &amz_date)?;
    let key = keys(&sig.credential.access_key_id).ok_or(Rejection::UnknownKey)?;
    let canonical_request = canonical_request(req, sig, s3);
    let string_to_sign = string_to_sign(&amz_date, &sig.credential, &canonical_request);
    let expected = signature(&key.secret_access_key, &sig.credential, &string_to_sign);
    if !same(expected.as_bytes(), sig.signature.as_bytes()) {
        return Err(Rejection::Mismatch { canonical_request, string_to_sign });
    }
    let presented = req
        .header("x-amz-security-token")
        .map(str::to_string)
        .or_else(|| sig.presigned.then(|| req.query_param("X-Amz-Security-Token")).flatten());
    if presented.as_deref() != key.session_token.as_deref() {
        return Err(Rejection::Token { presented });
    }
    Ok(())
}

/// The request's time: `X-Amz-Date` (the query's for a presigned URL), else `Date`; as the
/// string to sign spells it, and in Unix seconds.
fn request_time(req: &Req, sig: &SigV4) -> Result<(String, u64), Rejection> {
    let value = if sig.presigned {
        req.query_param("X-Amz-Date").ok_or_else(|| Rejection::Incomplete(PRESIGNED_PARAMS.into()))?
    } else {
        req.header("x-amz-date").or_else(|| req.header("date")).map(str::to_string).ok_or_else(|| {
            Rejection::Incomplete(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.".into(),
            )
        })?
    };
    let time = parse_amz_date(value.trim()).or_else(|| parse_http_date(value.trim())).ok_or_else(|| {
        Rejection::Incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601"
        ))
    })?;
    Ok((amz_date(time), time))
}

/// S3's list of what a presigned URL must carry.
const PRESIGNED_PARAMS: &str = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.";

/// Within `window` of `now`; a presigned URL may be older, up to its `X-Amz-Expires`.
fn check_time(req: &Req, sig: &SigV4, (amz_date, time): (&str, u64), now: u64, window: u64) -> Result<(), Rejection> {
    let skewed = |future| Err(Rejection::Skewed { amz_date: amz_date.to_string(), now, window, future });
    if time > now.saturating_add(window) {
        return skewed(true);
    }
    if !sig.presigned {
        return if time.saturating_add(window) < now { skewed(false) } else { Ok(()) };
    }
    let expires = req
        .query_param("X-Amz-Expires")
        .and_then(|e| e.trim().parse::<u64>().ok())
        .ok_or_else(|| Rejection::Incomplete(PRESIGNED_PARAMS.into()))?;
    if expires > MAX_EXPIRES {
        return Err(Rejection::Incomplete(format!(
            "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than {MAX_EXPIRES} seconds"
        )));
    }
    if time.saturating_add(expires) < now {
        return Err(Rejection::Expired { amz_date: amz_date.to_string(), now, expires });
    }
    Ok(())
}

/// The scope's region, service and day, all checked so one answer names every fault.
fn check_scope(sig: &SigV4, expect: &Expect<'_>, amz_date: &str) -> Result<(), Rejection> {
    let c = &sig.credential;
    let region = (!expect.regions.contains(&c.region.as_str())).then(|| c.region.clone());
    let service = (c.service != expect.service).then(|| c.service.clone());
    let date = (!amz_date.starts_with(&c.date)).then(|| c.date.clone());
    if region.is_none() && service.is_none() && date.is_none() {
        return Ok(());
    }
    Err(Rejection::Scope(Box::new(ScopeFault {
        region,
        service,
        date,
        expect_region: expect.regions.first().copied().unwrap_or_default().to_string(),
        expect_service: expect.service.to_string(),
        amz_date: amz_date.to_string(),
    })))
}

/// The canonical request as the client built it: its signed headers (values trimmed, runs of
/// spaces collapsed, repeats joined by commas), the query sorted (without the signature of a
/// presigned URL), the path double-encoded and normalized except for S3 (as sent).
pub fn canonical_request(req: &Req, sig: &SigV4, s3: bool) -> String {
    let path = if s3 {
        if req.path.is_empty() { "/".to_string() } else { req.path.clone() }
    } else {
        encode_path(&normalize_path(&req.path))
    };
    let query = canonical_query(&req.query, sig.presigned);
    let mut headers = String::new();
    for name in &sig.signed_headers {
        let values: Vec<String> = req.headers.iter().filter(|(n, _)| n == name).map(|(_, v)| trim_all(v)).collect();
        headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let payload = match req.header("x-amz-content-sha256") {
        Some(h) => h.trim().to_string(),
        None if s3 && sig.presigned => "UNSIGNED-PAYLOAD".to_string(),
        None => hex(ring::digest::digest(&ring::digest::SHA256, &req.body).as_ref()),
    };
    format!("{}\n{path}\n{query}\n{headers}\n{}\n{payload}", req.method, sig.signed_headers.join(";"))
}

/// `AWS4-HMAC-SHA256`, the time, the scope, the canonical request's hash.
pub fn string_to_sign(amz_date: &str, c: &Credential, canonical_request: &str) -> String {
    let hash = hex(ring::digest::digest(&ring::digest::SHA256, canonical_request.as_bytes()).as_ref());
    format!("{ALGORITHM}\n{amz_date}\n{}/{}/{}/aws4_request\n{hash}", c.date, c.region, c.service)
}

/// The signature a secret makes of a string to sign, with aws-sigv4's key derivation (the
/// scope's day, region and service).
fn signature(secret: &str, c: &Credential, string_to_sign: &str) -> String {
    use aws_sigv4::sign::v4::{calculate_signature, generate_signing_key};
    // The scope's day was checked against the request's time, so it is a real date.
    let day = parse_amz_date(&format!("{}T000000Z", c.date)).unwrap_or(0);
    let key = generate_signing_key(secret, UNIX_EPOCH + Duration::from_secs(day), &c.region, &c.service);
    calculate_signature(key, string_to_sign.as_bytes())
}

/// Equal bytes, compared in time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Everything but SigV4's unreserved characters (`A-Z a-z 0-9 - _ . ~`).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn encode(b: &[u8]) -> String {
    percent_encode(b, UNRESERVED).to_string()
}

/// A query component decoded as forms are (`+` is a space), to bytes.
fn decode(s: &str) -> Vec<u8> {
    percent_decode(s.replace('+', " ").as_bytes()).collect()
}

/// The query's pairs decoded then encoded SigV4's way and sorted, as `a=1&b=2`.
fn canonical_query(query: &str, presigned: bool) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (encode(&decode(k)), encode(&decode(v)))
        })
        .filter(|(k, _)| !(presigned && k == "X-Amz-Signature"))
        .collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// RFC 3986's dot segments removed and empty segments dropped, as the SDKs normalize a path.
fn normalize_path(path: &str) -> String {
    let mut out: Vec<&str> = vec![];
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let mut p = format!("/{}", out.join("/"));
    if !out.is_empty() && (path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..")) {
        p.push('/');
    }
    p
}

/// Each segment encoded again (so `%` becomes `%25`), `/` kept.
fn encode_path(path: &str) -> String {
    path.split('/').map(|s| encode(s.as_bytes())).collect::<Vec<_>>().join("/")
}

/// Leading and trailing spaces removed, runs of spaces made one.
fn trim_all(v: &str) -> String {
    v.split(' ').filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
}

/// `yyyymmddThhmmssZ` to Unix seconds.
pub fn parse_amz_date(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) { t.parse().ok() } else { None }
    };
    crate::sys::time::from_civil(
        i64::from(digits(0..4)?),
        digits(4..6)?,
        digits(6..8)?,
        digits(9..11)?,
        digits(11..13)?,
        digits(13..15)?,
    )
}

/// IMF-fixdate (`Thu, 31 Oct 2024 11:38:11 GMT`) to Unix seconds.
fn parse_http_date(s: &str) -> Option<u64> {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let [_, d, mon, y, hms, "GMT"] = s.split_whitespace().collect::<Vec<_>>()[..] else { return None };
    let mo = MONTHS.iter().position(|m| *m == mon)? as u32 + 1;
    let mut t = hms.split(':').map(|x| x.parse::<u32>().ok());
    let (h, mi, sec) = (t.next()??, t.next()??, t.next()??);
    crate::sys::time::from_civil(y.parse().ok()?, mo, d.parse().ok()?, h, mi, sec)
}

/// Unix seconds as `yyyymmddThhmmssZ`.
pub fn amz_date(secs: u64) -> String {
    let (y, mo, d, h, mi, s) = crate::sys::time::civil(secs);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTO: &str = "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20241031/ap-northeast-1/ecr/aws4_request, \
                        SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, \
                        Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn parses_a_boto_header() {
        let s = parse_authorization(BOTO).unwrap();
        assert_eq!(
            s.credential,
            Credential {
                access_key_id: "AKIAEXAMPLE".into(),
                date: "20241031".into(),
                region: "ap-northeast-1".into(),
                service: "ecr".into()
            }
        );
        assert_eq!(s.signed_headers, ["content-type", "host", "x-amz-date", "x-amz-security-token", "x-amz-target"]);
        assert_eq!(s.signature.len(), 64);
        assert!(!s.presigned);
    }

    #[test]
    fn parses_without_spaces_after_commas() {
        let h = BOTO.replace(", ", ",");
        assert_eq!(parse_authorization(&h).unwrap().credential.service, "ecr");
    }

    #[test]
    fn reports_missing_parts_like_aws() {
        let e = parse_authorization("AWS4-HMAC-SHA256 Credential=A/20241031/us-east-1/s3/aws4_request").unwrap_err();
        assert_eq!(
            e.0,
            "Authorization header requires 'SignedHeaders' parameter. Authorization header requires 'Signature' parameter."
        );
        assert!(parse_authorization("AWS4-HMAC-SHA512 Credential=x").unwrap_err().0.contains("algorithm"));
        for bad in ["A/2024/us-east-1/s3/aws4_request", "A/20241031/us-east-1/s3", "/20241031/r/s/aws4_request"] {
            let h = format!("AWS4-HMAC-SHA256 Credential={bad}, SignedHeaders=host, Signature=00");
            assert!(parse_authorization(&h).is_err(), "{bad}");
        }
        assert!(parse_authorization("").is_err());
        assert!(parse_authorization("AWS4-HMAC-SHA256").is_err());
    }

    #[test]
    fn parses_a_presigned_query() {
        let q = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAX%2F20241031%2Fap-northeast-1%2Fs3%2Faws4_request\
                 &X-Amz-Date=20241031T113811Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=ab";
        let s = parse_presigned(q).unwrap().unwrap();
        assert_eq!(s.credential.access_key_id, "ASIAX");
        assert_eq!(s.credential.service, "s3");
        assert_eq!(s.signed_headers, ["host"]);
        assert!(s.presigned);
        assert_eq!(parse_presigned("list-type=2"), None);
    }

    #[test]
    fn signs_as_aws_documents_example() {
        // AWS's worked example (IAM ListUsers, "Create a signed AWS API request"): the signature
        // aws-sigv4 computes is AWS's.
        let keys = Keys {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
        };
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_440_938_160); // 20150830T123600Z
        let h = sign(
            &keys,
            ("us-east-1", "iam"),
            ("GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08"),
            &[("host", "iam.amazonaws.com"), ("content-type", "application/x-www-form-urlencoded; charset=utf-8")],
            b"",
            t,
        )
        .unwrap();
        let auth = &h.iter().find(|(k, _)| k == "authorization").unwrap().1;
        let parsed = parse_authorization(auth).unwrap();
        assert_eq!(parsed.credential.service, "iam");
        assert_eq!(parsed.signed_headers, ["content-type", "host", "x-amz-date"]);
        assert_eq!(parsed.signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
    }

    const NOW: u64 = 1_730_374_691; // 20241031T113811Z
    const REGION: &str = "ap-northeast-1";

    fn keys() -> Keys {
        Keys {
            access_key_id: "ASIAECSNETTEST000001".into(),
            secret_access_key: "ecsnet-test-secret".into(),
            session_token: Some("ecsnet-test-token".into()),
        }
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    /// A request as a door receives it, with the headers `sign` adds.
    fn signed_req(service: &str, method: &str, url: &str, headers: &[(&str, &str)], body: &[u8], t: u64) -> Req {
        let added = sign(&keys(), (REGION, service), (method, url), headers, body, at(t)).unwrap();
        let target = url.strip_prefix("https://").and_then(|r| r.find('/').map(|i| &r[i..])).unwrap_or("/");
        let mut r = Req::new(method, target).with_body(body);
        for (k, v) in headers {
            r = r.with_header(k, v);
        }
        for (k, v) in &added {
            r = r.with_header(k, v);
        }
        r
    }

    fn check(r: &Req, service: &str, now: u64) -> Result<(), Rejection> {
        let sig = from_request(r.header("authorization"), &r.query).unwrap().unwrap();
        let k = keys();
        verify(r, &sig, &Expect { service, regions: &[REGION], now }, |id| (id == k.access_key_id).then(|| k.clone()))
    }

    fn ecr_call(t: u64) -> Req {
        let host = "api.ecr.ap-northeast-1.amazonaws.com";
        let headers = [
            ("host", host),
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"),
        ];
        signed_req("ecr", "POST", &format!("https://{host}/"), &headers, b"{}", t)
    }

    #[test]
    fn verifies_awss_documented_example() {
        // AWS's worked example ("Create a signed AWS API request"): its canonical request and
        // signature, checked by the verifier alone (the header written out, not signed here).
        let r = Req::new("GET", "/?Action=ListUsers&Version=2010-05-08")
            .with_header("Host", "iam.amazonaws.com")
            .with_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
            .with_header("X-Amz-Date", "20150830T123600Z")
            .with_header(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date, \
                 Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
            );
        let sig = from_request(r.header("authorization"), &r.query).unwrap().unwrap();
        assert_eq!(
            canonical_request(&r, &sig, false),
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n\
             content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\n\
             x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let k = Keys {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
        };
        let expect = Expect { service: "iam", regions: &["us-east-1"], now: 1_440_938_160 };
        assert_eq!(verify(&r, &sig, &expect, |_| Some(k.clone())), Ok(()));
    }

    #[test]
    fn accepts_what_the_sdks_sign() {
        assert_eq!(check(&ecr_call(NOW), "ecr", NOW), Ok(()));
        // Within the window either way.
        assert_eq!(check(&ecr_call(NOW - 14 * 60), "ecr", NOW), Ok(()));
        assert_eq!(check(&ecr_call(NOW + 14 * 60), "ecr", NOW), Ok(()));
        // S3: the path as sent, the payload hash in x-amz-content-sha256.
        let host = "b.s3.ap-northeast-1.amazonaws.com";
        let url = format!("https://{host}/dir/a%20b%2Bc%C3%A9.txt?x-id=PutObject");
        let put = signed_req("s3", "PUT", &url, &[("host", host), ("content-type", "text/plain")], b"hi", NOW);
        assert!(put.header("x-amz-content-sha256").is_some_and(|h| h.len() == 64));
        assert_eq!(check(&put, "s3", NOW), Ok(()));
        // botocore's aws-chunked PutObject: the streaming payload is taken as signed.
        let added =
            sign_payload(&keys(), (REGION, "s3"), ("PUT", &url), &[("host", host)], Payload::StreamingTrailer, at(NOW))
                .unwrap();
        let mut r = Req::new("PUT", "/dir/a%20b%2Bc%C3%A9.txt?x-id=PutObject")
            .with_header("host", host)
            .with_body("3\r\nabc\r\n0\r\n\r\n");
        for (k, v) in &added {
            r = r.with_header(k, v);
        }
        assert_eq!(r.header("x-amz-content-sha256"), Some("STREAMING-UNSIGNED-PAYLOAD-TRAILER"));
        assert_eq!(check(&r, "s3", NOW), Ok(()));
        // A listing's query, decoded and encoded again.
        let url = format!("https://{host}/?list-type=2&prefix=a%2Fb%20c&delimiter=%2F");
        assert_eq!(check(&signed_req("s3", "GET", &url, &[("host", host)], b"", NOW), "s3", NOW), Ok(()));
    }

    #[test]
    fn accepts_a_presigned_url_until_it_expires() {
        let host = "prod-ap-northeast-1-starport-layer-bucket.s3.ap-northeast-1.amazonaws.com";
        let url = presign(
            &keys(),
            (REGION, "s3"),
            &format!("https://{host}/x/{}", "a".repeat(64)),
            Duration::from_secs(3600),
            at(NOW),
        )
        .unwrap();
        assert!(url.contains("X-Amz-Expires=3600") && url.contains("X-Amz-Security-Token="), "{url}");
        let target = &url[url.find(".com/").unwrap() + 4..];
        let r = Req::new("GET", target).with_header("host", host);
        assert_eq!(check(&r, "s3", NOW + 3600), Ok(()));
        assert_eq!(
            check(&r, "s3", NOW + 3601),
            Err(Rejection::Expired { amz_date: "20241031T113811Z".into(), now: NOW + 3601, expires: 3600 })
        );
        // Another path is another signature.
        let other = Req::new("GET", &target.replacen("/x/", "/y/", 1)).with_header("host", host);
        assert!(matches!(check(&other, "s3", NOW), Err(Rejection::Mismatch { .. })));
    }

    #[test]
    fn refuses_what_aws_refuses() {
        let r = ecr_call(NOW);
        // Another secret.
        let sig = from_request(r.header("authorization"), &r.query).unwrap().unwrap();
        let mut k = keys();
        k.secret_access_key.push('x');
        let e = verify(&r, &sig, &Expect { service: "ecr", regions: &[REGION], now: NOW }, |_| Some(k.clone()));
        let Err(Rejection::Mismatch { canonical_request, string_to_sign }) = e else { panic!("{e:?}") };
        assert!(
            canonical_request.starts_with("POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:"),
            "{canonical_request}"
        );
        assert!(
            string_to_sign
                .starts_with("AWS4-HMAC-SHA256\n20241031T113811Z\n20241031/ap-northeast-1/ecr/aws4_request\n")
        );
        // Sixteen minutes either way.
        assert_eq!(
            check(&ecr_call(NOW - 16 * 60), "ecr", NOW),
            Err(Rejection::Skewed { amz_date: "20241031T112211Z".into(), now: NOW, window: 900, future: false })
        );
        assert!(matches!(check(&ecr_call(NOW + 16 * 60), "ecr", NOW), Err(Rejection::Skewed { future: true, .. })));
        // The scope: a region, a service.
        let e = verify(&r, &sig, &Expect { service: "ecr", regions: &["us-west-2"], now: NOW }, |_| Some(keys()));
        assert!(
            matches!(&e, Err(Rejection::Scope(f)) if f.region.as_deref() == Some(REGION) && f.service.is_none() && f.date.is_none()),
            "{e:?}"
        );
        let e = check(&r, "logs", NOW);
        assert!(
            matches!(&e, Err(Rejection::Scope(f)) if f.region.is_none() && f.service.as_deref() == Some("ecr")),
            "{e:?}"
        );
        // The key's session token must come with it (a client that has the secret only).
        let mut bare = keys();
        bare.session_token = None;
        let url = "https://api.ecr.ap-northeast-1.amazonaws.com/";
        let added = sign(&bare, (REGION, "ecr"), ("POST", url), &[("host", "h")], b"", at(NOW)).unwrap();
        let mut no_token = Req::new("POST", "/").with_header("host", "h");
        for (k, v) in &added {
            no_token = no_token.with_header(k, v);
        }
        assert_eq!(check(&no_token, "ecr", NOW), Err(Rejection::Token { presented: None }));
        let forged = no_token.with_header("x-amz-security-token", "forged");
        assert!(matches!(check(&forged, "ecr", NOW), Err(Rejection::Token { presented: Some(_) })));
        // A key no one issued.
        let e = verify(&r, &sig, &Expect { service: "ecr", regions: &[REGION], now: NOW }, |_| None);
        assert_eq!(e, Err(Rejection::UnknownKey));
        // A signed body that was changed on the way.
        let tampered = r.clone().with_body("{\"x\":1}");
        assert!(matches!(check(&tampered, "ecr", NOW), Err(Rejection::Mismatch { .. })));
        // `host` unsigned.
        let mut unsigned_host = r.clone();
        for (n, v) in &mut unsigned_host.headers {
            if n == "authorization" {
                *v = v.replace("host;", "");
            }
        }
        assert_eq!(check(&unsigned_host, "ecr", NOW), Err(Rejection::HostNotSigned));
    }

    #[test]
    fn garbage_is_refused_not_panicked_on() {
        let sig = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=A/20241031/ap-northeast-1/ecr/aws4_request, SignedHeaders=host, Signature=00",
        )
        .unwrap();
        let expect = Expect { service: "ecr", regions: &[REGION], now: NOW };
        for date in
            ["", "2024", "20241331T000000Z", "20241031T246000Z", "Thu, 31 Oct 2024 11:38:11", "ÿÿÿÿÿÿÿÿTÿÿÿÿÿÿZ"]
        {
            let r = Req::new("POST", "/%zz/../..//?a=%&=b&&c").with_header("x-amz-date", date);
            assert!(matches!(verify(&r, &sig, &expect, |_| Some(keys())), Err(Rejection::Incomplete(_))), "{date}");
        }
        let r = Req::new("POST", "/%zz/../..//?a=%&=b&&c").with_header("date", "Thu, 31 Oct 2024 11:38:11 GMT");
        assert!(matches!(verify(&r, &sig, &expect, |_| Some(keys())), Err(Rejection::Mismatch { .. })));
        assert!(matches!(
            verify(&Req::new("GET", "/"), &sig, &expect, |_| None),
            Err(Rejection::Incomplete(m)) if m.contains("'X-Amz-Date' or a 'Date'")
        ));
        let p = parse_presigned("X-Amz-Credential=A%2F20241031%2Fap-northeast-1%2Fs3%2Faws4_request&X-Amz-SignedHeaders=host&X-Amz-Signature=0&X-Amz-Date=20241031T113811Z&X-Amz-Expires=99999999")
            .unwrap()
            .unwrap();
        let r = Req::new("GET", "/?X-Amz-Date=20241031T113811Z&X-Amz-Expires=99999999");
        let e = verify(&r, &p, &Expect { service: "s3", regions: &[REGION], now: NOW }, |_| None);
        assert!(matches!(e, Err(Rejection::Incomplete(m)) if m.contains("less than a week")));
    }

    #[test]
    fn canonical_paths_and_queries() {
        assert_eq!(normalize_path("/a/./b/../c//d/"), "/a/c/d/");
        assert_eq!(normalize_path("/.."), "/");
        assert_eq!(normalize_path(""), "/");
        assert_eq!(encode_path("/a%20b/c~d"), "/a%2520b/c~d");
        assert_eq!(canonical_query("b=2&a=x+y&a=1&X-Amz-Signature=s&c", true), "a=1&a=x%20y&b=2&c=");
        assert_eq!(canonical_query("k=%2F%7e%zz", false), "k=%2F~%25zz");
        assert_eq!(trim_all("  a   b c "), "a b c");
        assert_eq!(parse_http_date("Thu, 31 Oct 2024 11:38:11 GMT"), Some(NOW));
        assert_eq!(amz_date(NOW), "20241031T113811Z");
        assert_eq!(parse_amz_date("20241031T113811Z"), Some(NOW));
    }

    #[test]
    fn chooses_header_then_query() {
        assert_eq!(from_request(None, ""), None);
        assert_eq!(from_request(Some("Basic QVdTOng="), ""), None);
        assert_eq!(from_request(Some(BOTO), "").unwrap().unwrap().credential.region, "ap-northeast-1");
    }
}
