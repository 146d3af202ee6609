//! Every door's SigV4 check ([`sigv4::verify`] with the door's keys, region and clock) and its
//! refusals in each service's own words: Coral's JSON errors (ECR, Logs, Secrets Manager, SSM,
//! ECS), STS's query errors, S3's XML. The registry is not SigV4 (Basic auth with ECR's token),
//! so it is left to its own check.

use super::http::{Req, Resp, json_error};
use super::sigv4::{self, Expect, Rejection, ScopeFault, SigV4, amz_date};
use super::{FrontDoor, Service, malformed_signature, s3, sts};

/// Coral's answer to an unknown key or a session token that is not the key's.
pub const INVALID_TOKEN: &str = "The security token included in the request is invalid.";
/// Coral's answer to a signature the key does not make (the canonical request follows).
pub const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. \
                            Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
/// S3's.
pub const S3_MISMATCH: &str =
    "The request signature we calculated does not match the signature you provided. Check your key and signing method.";

/// The name a service's requests are signed for; `None` for the registry.
pub fn signing_name(service: &Service) -> Option<&'static str> {
    Some(match service {
        Service::Sts => "sts",
        Service::Ecr => "ecr",
        Service::S3 { .. } => "s3",
        Service::Logs => "logs",
        Service::SecretsManager => "secretsmanager",
        Service::Ssm => "ssm",
        Service::CloudMap => "servicediscovery",
        // The agent signs its ACS and TCS websockets for ECS.
        Service::Ecs | Service::Acs | Service::Tcs => "ecs",
        Service::Registry => return None,
    })
}

/// Verify a signed request as the service it reached: Err is the service's refusal.
pub fn verify(door: &FrontDoor, service: &Service, sig: &SigV4, req: &Req) -> Result<(), Resp> {
    let Some(name) = signing_name(service) else { return Ok(()) };
    // STS's global endpoint is signed for us-east-1, its regional ones for their region.
    let regions: Vec<&str> = if name == "sts" { vec![&door.region, "us-east-1"] } else { vec![&door.region] };
    let expect = Expect { service: name, regions: &regions, now: door.now() };
    let head = |mut resp: Resp| {
        // A HEAD answer has no body, errors included.
        if req.method == "HEAD" {
            resp.body = Default::default();
        }
        resp
    };
    // One lookup of the signer serves both the signature and the expiry.
    let signer = door.principal(&sig.credential.access_key_id);
    let keys = |k: &str| match &signer {
        Some((p, _)) if p.access_key_id == k => Some(p.keys()),
        // Not a role session: ECR's own layer key, or no key the lab knows.
        _ => (door.layer_keys.access_key_id == k).then(|| door.layer_keys.clone()),
    };
    sigv4::verify(req, sig, &expect, keys).map_err(|r| head(refusal(service, sig, &r)))?;
    // A set of keys past its expiration signs correctly and is refused all the same.
    match signer {
        Some((p, expires)) if expires <= door.now() => Err(head(expired(service, p.session_token.as_deref()))),
        _ => Ok(()),
    }
}

/// A session token past its expiration, in each service's words.
fn expired(service: &Service, token: Option<&str>) -> Resp {
    const CORAL: &str = "The security token included in the request is expired";
    match service {
        Service::S3 { .. } => {
            let token = token.unwrap_or_default();
            s3::error(400, "ExpiredToken", "The provided token has expired.", &[("Token-0", token)])
        }
        Service::Sts => sts::error(403, "Sender", "ExpiredToken", CORAL),
        _ => json_error(400, "ExpiredTokenException", "message", Some(CORAL)),
    }
}

/// A rejection as `service` words it.
pub fn refusal(service: &Service, sig: &SigV4, r: &Rejection) -> Resp {
    if let Rejection::Incomplete(m) = r
        && !matches!(service, Service::S3 { .. })
    {
        return malformed_signature(service, m);
    }
    match service {
        Service::S3 { .. } => s3_refusal(sig, r),
        Service::Sts => {
            let (code, message) = coral(r, ("SignatureDoesNotMatch", "InvalidClientTokenId"));
            sts::error(403, "Sender", code, &message)
        }
        _ => {
            let (code, message) = coral(r, ("InvalidSignatureException", "UnrecognizedClientException"));
            json_error(400, code, "message", Some(&message))
        }
    }
}

/// Coral's code and message (the JSON services' and STS's words are the same, their codes
/// differ): `codes` is (a bad signature, a bad key or token).
fn coral(r: &Rejection, (bad_signature, bad_key): (&'static str, &'static str)) -> (&'static str, String) {
    let message = match r {
        Rejection::Incomplete(m) => m.clone(),
        Rejection::Skewed { amz_date: d, now, window, future: false } => format!(
            "Signature expired: {d} is now earlier than {} ({} - {})",
            amz_date(now.saturating_sub(*window)),
            amz_date(*now),
            span(*window)
        ),
        Rejection::Skewed { amz_date: d, now, window, future: true } => format!(
            "Signature not yet current: {d} is still later than {} ({} + {})",
            amz_date(now.saturating_add(*window)),
            amz_date(*now),
            span(*window)
        ),
        // A presigned request past its X-Amz-Expires, worded as the skew is.
        Rejection::Expired { amz_date: d, now, expires } => format!(
            "Signature expired: {d} is now earlier than {} ({} - {})",
            amz_date(now.saturating_sub(*expires)),
            amz_date(*now),
            span(*expires)
        ),
        Rejection::HostNotSigned => "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into(),
        Rejection::Scope(f) => {
            let ScopeFault { region, service, date, expect_service, amz_date, .. } = &**f;
            // Coral names every fault of the scope at once.
            let mut m = String::new();
            if let Some(r) = region {
                m.push_str(&format!("Credential should be scoped to a valid region, not '{r}'. "));
            }
            if service.is_some() {
                m.push_str(&format!("Credential should be scoped to correct service: '{expect_service}'. "));
            }
            if let Some(d) = date {
                let day = amz_date.get(..8).unwrap_or(amz_date);
                m.push_str(&format!(
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{d}' != '{day}', from '{amz_date}'."
                ));
            }
            m
        }
        Rejection::UnknownKey | Rejection::Token { .. } => return (bad_key, INVALID_TOKEN.into()),
        Rejection::Mismatch { canonical_request, string_to_sign } => format!(
            "{MISMATCH}\n\nThe Canonical String for this request should have been\n'{canonical_request}'\n\n\
             The String-to-Sign should have been\n'{string_to_sign}'\n"
        ),
    };
    (bad_signature, message)
}

/// Coral's `15 min.`; seconds when not whole minutes.
fn span(secs: u64) -> String {
    if secs % 60 == 0 { format!("{} min.", secs / 60) } else { format!("{secs} sec.") }
}

/// S3's XML errors: a wrong region names the right one (SDKs retry there), a bad signature
/// shows what S3 signed.
fn s3_refusal(sig: &SigV4, r: &Rejection) -> Resp {
    let key = sig.credential.access_key_id.as_str();
    // A presigned URL's faults are its query parameters', a header's are the header's.
    let (malformed, prefix) = if sig.presigned {
        ("AuthorizationQueryParametersError", "Error parsing the X-Amz-Credential parameter; ")
    } else {
        ("AuthorizationHeaderMalformed", "The authorization header is malformed; ")
    };
    match r {
        // A presigned URL's own messages stand alone.
        Rejection::Incomplete(m) if sig.presigned => s3::error(400, malformed, m, &[]),
        Rejection::Incomplete(m) => s3::error(400, malformed, &format!("{prefix}{m}"), &[]),
        Rejection::Skewed { amz_date, now, window, .. } => s3::error(
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
            &[
                ("RequestTime", amz_date),
                ("ServerTime", &iso8601(*now)),
                ("MaxAllowedSkewMilliseconds", &(window * 1000).to_string()),
            ],
        ),
        Rejection::Expired { amz_date, now, expires } => {
            let signed = sigv4::parse_amz_date(amz_date).unwrap_or(0);
            s3::error(
                403,
                "AccessDenied",
                "Request has expired",
                &[
                    ("X-Amz-Expires", &expires.to_string()),
                    ("Expires", &iso8601(signed.saturating_add(*expires))),
                    ("ServerTime", &iso8601(*now)),
                ],
            )
        }
        Rejection::Scope(f) => s3_scope(sig, f),
        // Not one of S3's rules: a presigned URL signs `host` anyway.
        Rejection::HostNotSigned => s3::error(400, malformed, &format!("{prefix}host must be signed."), &[]),
        // A temporary key without its token is not a key S3 knows.
        Rejection::UnknownKey | Rejection::Token { presented: None } => s3::error(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            &[("AWSAccessKeyId", key)],
        ),
        Rejection::Token { presented: Some(t) } => {
            s3::error(400, "InvalidToken", "The provided token is malformed or otherwise invalid.", &[("Token-0", t)])
        }
        Rejection::Mismatch { canonical_request, string_to_sign } => s3::error(
            403,
            "SignatureDoesNotMatch",
            S3_MISMATCH,
            &[
                ("AWSAccessKeyId", key),
                ("StringToSign", string_to_sign),
                ("SignatureProvided", &sig.signature),
                ("StringToSignBytes", &spaced_hex(string_to_sign)),
                ("CanonicalRequest", canonical_request),
                ("CanonicalRequestBytes", &spaced_hex(canonical_request)),
            ],
        ),
    }
}

/// S3's answer to a scope that is not its own: the first wrong part, named.
fn s3_scope(sig: &SigV4, f: &ScopeFault) -> Resp {
    let (malformed, prefix) = if sig.presigned {
        ("AuthorizationQueryParametersError", "Error parsing the X-Amz-Credential parameter; ")
    } else {
        ("AuthorizationHeaderMalformed", "The authorization header is malformed; ")
    };
    if let Some(r) = &f.region {
        let m = format!("{prefix}the region '{r}' is wrong; expecting '{}'", f.expect_region);
        return s3::error(400, malformed, &m, &[("Region", &f.expect_region)]);
    }
    if let Some(s) = &f.service {
        let m = format!("{prefix}incorrect service \"{s}\". This endpoint belongs to \"s3\".");
        return s3::error(400, malformed, &m, &[]);
    }
    let m = if sig.presigned {
        let day = f.amz_date.get(..8).unwrap_or(&f.amz_date);
        let d = f.date.as_deref().unwrap_or_default();
        format!("Invalid credential date \"{d}\". This date is not the same as X-Amz-Date: \"{day}\".")
    } else {
        format!("{prefix}Invalid credential date. Date is not the same as X-Amz-Date.")
    };
    s3::error(400, malformed, &m, &[])
}

/// `41 57 53 34`: S3's dump of the bytes it signed.
fn spaced_hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

/// `2024-10-31T11:38:11Z`, as S3's ServerTime.
fn iso8601(secs: u64) -> String {
    let (y, mo, d, h, mi, s) = crate::sys::time::civil(secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}
