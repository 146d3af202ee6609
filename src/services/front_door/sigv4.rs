//! Reading a request's SigV4 credential scope: from the `Authorization` header
//! (`AWS4-HMAC-SHA256 Credential=AKID/20240101/ap-northeast-1/ecr/aws4_request,
//! SignedHeaders=host;x-amz-date, Signature=<64 hex>`) or from a presigned URL's query
//! (`X-Amz-Credential=...&X-Amz-SignedHeaders=host&X-Amz-Signature=...`). The scope says which
//! service a request is for and whose key signed it. Signatures are not yet checked.
//! [`sign`] signs as the SDKs do, with aws-sigv4 (the AWS SDK for Rust's own signer).

use super::http::query_pairs;

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// The session token of temporary (`ASIA...`) keys.
    pub session_token: Option<String>,
}

/// Sign a request as an SDK does (aws-sigv4, the signer the AWS SDK for Rust uses): the
/// headers to add (`authorization`, `x-amz-date`, `x-amz-security-token`, and for S3
/// `x-amz-content-sha256`). `url` is the full `https://host/path?query`; `headers` are those
/// the request already carries (all are signed, `host` included when given).
pub fn sign(
    keys: &Keys,
    (region, service): (&str, &str),
    (method, url): (&str, &str),
    headers: &[(&str, &str)],
    body: &[u8],
    time: std::time::SystemTime,
) -> Result<Vec<(String, String)>, String> {
    use aws_sigv4::http_request::{
        PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, UriPathNormalizationMode,
    };
    let identity = aws_credential_types::Credentials::new(
        &keys.access_key_id,
        &keys.secret_access_key,
        keys.session_token.clone(),
        None,
        "ecsnet",
    )
    .into();
    let mut settings = SigningSettings::default();
    // S3 signs the path as sent and carries the payload hash in a header, as its SDKs do.
    if service == "s3" {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.percent_encoding_mode = aws_sigv4::http_request::PercentEncodingMode::Single;
    }
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let req = SignableRequest::new(method, url, headers.iter().copied(), SignableBody::Bytes(body))
        .map_err(|e| e.to_string())?;
    let (instructions, _) = aws_sigv4::http_request::sign(req, &params).map_err(|e| e.to_string())?.into_parts();
    Ok(instructions.headers().map(|(k, v)| (k.to_string(), v.to_string())).collect())
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

    #[test]
    fn chooses_header_then_query() {
        assert_eq!(from_request(None, ""), None);
        assert_eq!(from_request(Some("Basic QVdTOng="), ""), None);
        assert_eq!(from_request(Some(BOTO), "").unwrap().unwrap().credential.region, "ap-northeast-1");
    }
}
