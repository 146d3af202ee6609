//! An HTTPS listener's `certificates` and `sslPolicy` (CreateListener's `Certificates` and
//! `SslPolicy`), with ELBv2's refusals: an HTTPS listener without a certificate ("ValidationError:
//! A certificate must be specified for HTTPS listeners", as ELBv2 answers it), a certificate on an
//! HTTP listener ("ValidationError: A certificate cannot be specified for HTTP listeners"). In a lab
//! the certificate is always one the lab CA issues for the load balancer's DNS name: the ARN is
//! kept and shown, not resolved (the lab has no ACM, and its DNS answers only the ALB's own name).

use super::fields::{Shape, Table, req};
use super::located::{Loc, Located};
use super::target_group::ElbProtocol;
use super::walk::*;
use crate::i18n::tr;

/// What CreateListener takes when `SslPolicy` is left out of an HTTPS listener made through the
/// API, the CLI or CloudFormation (the console picks ELBSecurityPolicy-TLS13-1-2-Res-2021-06):
/// describe-ssl-policies.html, "Other methods ... ELBSecurityPolicy-2016-08".
pub const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-2016-08";

pub(crate) static CERTIFICATE: Table = Table {
    id: "listenerCertificate",
    doc: "A listener's certificate (ELBv2's Certificate).",
    strict: true,
    rules: &[],
    fields: &[req(
        "certificateArn",
        Shape::Pattern(
            "^arn:aws[a-z-]*:(acm:[a-z0-9-]+:[0-9]{12}:certificate/.+|iam::[0-9]{12}:server-certificate/.+)$",
        ),
        "An ACM certificate (arn:aws:acm:REGION:ACCOUNT:certificate/ID) or an IAM server certificate.",
    )],
};

/// `certificates` and `sslPolicy` of listener block `m` of protocol `protocol`: (the certificate
/// ARNs, the policy; both empty for HTTP). None when one is refused.
pub(crate) fn tls_settings(
    cx: &mut Reader,
    m: &Block<'_>,
    protocol: ElbProtocol,
    at: &Loc,
) -> Option<(Vec<Located<String>>, Option<String>)> {
    let certificates = match m.get("certificates") {
        Some(v) => certificate_list(cx, &v),
        None => Some(vec![]),
    };
    let policy = match m.get("sslPolicy") {
        Some(v) => ssl_policy(cx, &v).map(Some),
        None => Some(None),
    };
    let (certificates, policy) = (certificates?, policy?);
    match protocol {
        ElbProtocol::Https if certificates.is_empty() => {
            cx.err(
                at,
                tr!("elb-https-certificate", "ValidationError: A certificate must be specified for HTTPS listeners"),
                tr!(
                    "elb-https-certificate-help",
                    "add certificates: [{ certificateArn: arn:aws:acm:REGION:ACCOUNT:certificate/ID }] (in a lab, the lab CA issues one for the load balancer's DNS name)"
                ),
            );
            None
        }
        other if other != ElbProtocol::Https && !certificates.is_empty() => {
            cx.err(
                &certificates[0].loc,
                tr!(
                    "elb-http-certificate",
                    "ValidationError: A certificate cannot be specified for { $protocol } listeners",
                    protocol = other.as_str()
                ),
                tr!("elb-http-certificate-help", "write protocol: HTTPS, or drop `certificates`"),
            );
            None
        }
        ElbProtocol::Https => Some((certificates, Some(policy.unwrap_or_else(|| DEFAULT_SSL_POLICY.to_string())))),
        _ => Some((certificates, policy)),
    }
}

fn certificate_list(cx: &mut Reader, v: &Value<'_>) -> Option<Vec<Located<String>>> {
    let items = cx.items(v, 25)?;
    let parsed: Vec<Option<Located<String>>> = items.iter().map(|it| certificate(cx, it)).collect();
    parsed.into_iter().collect()
}

fn certificate(cx: &mut Reader, v: &Value<'_>) -> Option<Located<String>> {
    let m = cx.entry_map(v, "a certificate", "{ certificateArn: arn:aws:acm:REGION:ACCOUNT:certificate/ID }")?;
    let m = Block { what: "a certificate".to_string(), ..m };
    m.strict(cx, &CERTIFICATE);
    let rv = m.req(cx, "certificateArn", "arn:aws:acm:REGION:ACCOUNT:certificate/ID")?;
    let arn = cx.nonempty(&rv)?;
    if arn_ok(&arn.value) {
        return Some(arn);
    }
    cx.err(
        &arn.loc,
        // ELBv2's CertificateNotFound, as its API reference describes it.
        tr!("elb-certificate-not-found", "CertificateNotFound: The specified certificate does not exist."),
        tr!(
            "elb-certificate-arn-help",
            "write an ACM certificate's ARN, arn:aws:acm:REGION:ACCOUNT:certificate/ID, or an IAM server certificate's"
        ),
    );
    None
}

/// An ACM certificate's ARN or an IAM server certificate's.
pub fn arn_ok(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [a, partition, service, region, account, resource] = parts.as_slice() else { return false };
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let resource_ok = |prefix: &str| resource.strip_prefix(prefix).is_some_and(|r| !r.is_empty());
    *a == "arn"
        && partition.starts_with("aws")
        && account_ok
        && match *service {
            "acm" => !region.is_empty() && resource_ok("certificate/"),
            "iam" => region.is_empty() && resource_ok("server-certificate/"),
            _ => false,
        }
}

/// An ELB security policy's name (a predefined `ELBSecurityPolicy-…` one).
fn ssl_policy(cx: &mut Reader, v: &Value<'_>) -> Option<String> {
    let s = cx.nonempty(v)?;
    if s.value.starts_with("ELBSecurityPolicy-") && s.value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Some(s.value);
    }
    cx.err(
        &s.loc,
        // ELBv2's SSLPolicyNotFound, as its API reference describes it.
        tr!("elb-ssl-policy-not-found", "SSLPolicyNotFound: The specified SSL policy does not exist."),
        tr!(
            "elb-ssl-policy-help",
            "name a predefined policy: ELBSecurityPolicy-TLS13-1-2-2021-06, ELBSecurityPolicy-2016-08, ..."
        ),
    );
    None
}

#[cfg(test)]
mod tests {
    use super::arn_ok;

    #[test]
    fn certificate_arns() {
        assert!(arn_ok("arn:aws:acm:ap-northeast-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"));
        assert!(arn_ok("arn:aws:iam::123456789012:server-certificate/web"));
        assert!(!arn_ok("arn:aws:acm:ap-northeast-1:1234:certificate/x"));
        assert!(!arn_ok("arn:aws:acm:ap-northeast-1:123456789012:certificate/"));
        assert!(!arn_ok("arn:aws:s3:::bucket"));
        assert!(!arn_ok("web"));
    }
}
