//! An AWS API call made for real from inside a task or an instance, as an SDK makes it: the
//! credentials fetched over the lab's network (the task role from ECS's credentials endpoint
//! at 169.254.170.2; without one, the instance's role from IMDS at 169.254.169.254, IMDSv2
//! first), the request signed with SigV4 (aws-sigv4, the AWS SDK for Rust's signer), the name
//! asked of the caller's resolver, HTTPS to the address it gives, trusting the lab CA.

use crate::model::call::CallOutcome;
use crate::model::pull::Failure;
use crate::scenario::aws_service::AwsService;
use crate::scenario::{CallDef, ResourceKind};
use crate::services::front_door::sigv4::Keys;
use crate::services::pull::{Caller, Client, connector, tcp_in};
use serde_json::{Value, json};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One call to make.
#[derive(Clone, Debug)]
pub struct CallProbe {
    pub id: usize,
    /// Where it leaves from: the task's (or instance's) namespace and first nameserver.
    pub ns: String,
    pub resolver: Option<Ipv4Addr>,
    pub region: String,
    pub def: CallDef,
    pub resource: Option<String>,
    /// The task's `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`; None: the SDK asks IMDS.
    pub credentials_uri: Option<String>,
    /// The lab CA the front doors' certificates chain to.
    pub ca_pem: String,
    pub timeout: Duration,
}

/// What one call came to.
#[derive(Clone, Debug)]
pub struct CallResult {
    pub id: usize,
    pub outcome: CallOutcome,
    /// The access key it was signed with.
    pub access_key_id: Option<String>,
    pub elapsed: Duration,
}

/// Make every call at once; results in any order, each with its id.
pub async fn run(probes: Vec<CallProbe>) -> Vec<CallResult> {
    let mut set = tokio::task::JoinSet::new();
    for p in probes {
        set.spawn(async move {
            let start = tokio::time::Instant::now();
            let (outcome, key) = call(&p).await;
            CallResult { id: p.id, outcome, access_key_id: key, elapsed: start.elapsed() }
        });
    }
    let mut out = vec![];
    while let Some(r) = set.join_next().await {
        if let Ok(r) = r {
            out.push(r);
        }
    }
    out
}

/// ECS's credentials endpoint and IMDS.
const TMDS: Ipv4Addr = Ipv4Addr::new(169, 254, 170, 2);
const IMDS: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);
/// How long an SDK waits for IMDS's (or the credentials endpoint's) answer: boto3's 1 s.
const IMDS_ANSWER_TIMEOUT: Duration = Duration::from_secs(1);

async fn call(p: &CallProbe) -> (CallOutcome, Option<String>) {
    let keys = match credentials(p).await {
        Ok(k) => k,
        Err(why) => return (CallOutcome::NoCredentials(why), None),
    };
    let tls = match connector(&p.ca_pem) {
        Ok(t) => t,
        Err(e) => return (CallOutcome::Failed(Failure::Other { text: format!("the lab CA: {e}") }), None),
    };
    let caller = Caller { ns: p.ns.clone(), resolver: p.resolver, region: p.region.clone(), keys: keys.clone() };
    let client = Client { caller: &caller, tls };
    let host = p.def.host(&p.region, p.resource.as_deref());
    let (method, path, headers, body) = request(&p.def, p.resource.as_deref());
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let req = match client.signed_request(scope(p.def.service), (method, &host, &path), &headers, body) {
        Ok(r) => r.map(http_body_util::Full::new),
        Err(f) => return (CallOutcome::Failed(f), None),
    };
    let outcome = match client.send(&host, req).await {
        Ok(a) => answered(a.status, &a.body),
        Err(f) => CallOutcome::Failed(f),
    };
    (outcome, Some(keys.access_key_id))
}

/// The SigV4 scope's service name.
fn scope(s: AwsService) -> &'static str {
    match s {
        AwsService::EcrApi | AwsService::EcrDkr => "ecr",
        AwsService::S3 => "s3",
        AwsService::Logs => "logs",
        AwsService::Sts | AwsService::StsGlobal => "sts",
        AwsService::SecretsManager => "secretsmanager",
        AwsService::Ssm => "ssm",
        AwsService::Ecs | AwsService::EcsAgent | AwsService::EcsTelemetry => "ecs",
        AwsService::DynamoDb => "dynamodb",
        // The data plane signs for Cloud Map's own name (the `data-` is only its host's prefix).
        AwsService::CloudMapData => "servicediscovery",
    }
}

/// The request an SDK sends for the call: method, path and query, headers, body.
fn request(def: &CallDef, resource: Option<&str>) -> (&'static str, String, Vec<(&'static str, String)>, Vec<u8>) {
    let name = resource.and_then(|r| r.split_once('/')).map(|(_, n)| n.to_string()).unwrap_or_default();
    let op = def.action.split_once(':').map(|(_, o)| o).unwrap_or(def.action);
    let json_call = |target: String, body: Value| {
        let h = vec![("content-type", "application/x-amz-json-1.1".to_string()), ("x-amz-target", target)];
        ("POST", "/".to_string(), h, body.to_string().into_bytes())
    };
    match (def.service, def.resource) {
        (AwsService::Sts | AwsService::StsGlobal, _) => {
            let h = vec![("content-type", "application/x-www-form-urlencoded; charset=utf-8".to_string())];
            ("POST", "/".to_string(), h, format!("Action={op}&Version=2011-06-15").into_bytes())
        }
        (AwsService::EcrApi, _) => {
            let body = match op {
                "GetAuthorizationToken" => json!({}),
                "DescribeRepositories" => json!({ "repositoryNames": [name] }),
                "BatchGetImage" => json!({ "repositoryName": name, "imageIds": [{ "imageTag": "latest" }] }),
                _ => json!({ "repositoryName": name }),
            };
            json_call(format!("AmazonEC2ContainerRegistry_V20150921.{op}"), body)
        }
        (AwsService::SecretsManager, _) => json_call(format!("secretsmanager.{op}"), json!({ "SecretId": name })),
        (AwsService::Ssm, _) => {
            // A hierarchical parameter's name starts with `/`; its ARN drops it.
            let n = if name.contains('/') { format!("/{name}") } else { name };
            json_call(format!("AmazonSSM.{op}"), json!({ "Name": n }))
        }
        (AwsService::Logs, _) => json_call(format!("Logs_20140328.{op}"), json!({ "logGroupName": name })),
        (AwsService::CloudMapData, _) => {
            // `cloudmap/NAME.NAMESPACE`: the service's name, then its namespace's.
            let (service, namespace) = name.split_once('.').unwrap_or((&name, ""));
            let body = json!({ "NamespaceName": namespace, "ServiceName": service });
            json_call(format!("Route53AutoNaming_v20170314.{op}"), body)
        }
        (AwsService::S3, ResourceKind::Object) => {
            let key = name.split_once('/').map(|(_, k)| k).unwrap_or_default();
            let path = format!("/{}", encode_key(key));
            match op {
                "PutObject" => ("PUT", path, vec![], b"written by ecsnet's call check\n".to_vec()),
                _ => ("GET", path, vec![], vec![]),
            }
        }
        (AwsService::S3, ResourceKind::Bucket) => ("GET", "/?list-type=2".to_string(), vec![], vec![]),
        _ => ("GET", "/".to_string(), vec![], vec![]),
    }
}

/// An S3 key in a path: each segment percent-encoded, the slashes kept.
fn encode_key(key: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'/');
    utf8_percent_encode(key, KEEP).to_string()
}

/// The answer: 2xx allowed; an error with its code and message (JSON `__type`/`message`, or
/// the XML `<Code>`/`<Message>` of S3 and STS).
fn answered(status: u16, body: &[u8]) -> CallOutcome {
    if (200..300).contains(&status) {
        return CallOutcome::Answered { status, code: None, message: None };
    }
    let text = String::from_utf8_lossy(body);
    let (code, message) = match serde_json::from_slice::<Value>(body) {
        Ok(v) => {
            let s = |v: &Value| v.as_str().map(str::to_string);
            let code = s(&v["__type"]).map(|t| t.rsplit('#').next().unwrap_or(&t).to_string());
            (code, s(&v["message"]).or_else(|| s(&v["Message"])))
        }
        Err(_) => (xml_text(&text, "Code"), xml_text(&text, "Message")),
    };
    CallOutcome::Answered { status, code: Some(code.unwrap_or_else(|| format!("HTTP {status}"))), message }
}

/// The text of the first `<tag>` in an XML answer.
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = xml[start..].find(&format!("</{tag}>"))?;
    // XML's five predefined entities, as an SDK's parser reads them (`&amp;` last).
    let text = xml[start..start + end]
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    Some(text)
}

/// The SDK's credential chain, on packets: the task's credentials endpoint, else IMDS.
async fn credentials(p: &CallProbe) -> Result<Keys, String> {
    if let Some(uri) = &p.credentials_uri {
        let (status, body) = http(&p.ns, TMDS, "GET", uri, &[], p.timeout)
            .await
            .map_err(|e| format!("the credentials endpoint {TMDS}{uri}: {e}"))?;
        if status != 200 {
            return Err(format!("the credentials endpoint answered HTTP {status}: {}", String::from_utf8_lossy(&body)));
        }
        return keys(&body);
    }
    let none = |e: String| format!("Unable to locate credentials (no task role; IMDS at {IMDS}: {e})");
    // IMDSv2 first, as the SDKs do; v1 when the token is refused or lost.
    let ttl = [("x-aws-ec2-metadata-token-ttl-seconds", "21600")];
    let token = match http(&p.ns, IMDS, "PUT", "/latest/api/token", &ttl, p.timeout).await {
        Ok((200, t)) => Some(String::from_utf8_lossy(&t).into_owned()),
        Ok(_) => None,
        Err(e) if e.starts_with("connection") => return Err(none(e)),
        // The answer lost on the way (the hop limit): v1, as the SDKs fall back.
        Err(_) => None,
    };
    let auth: Vec<(&str, &str)> = token.as_deref().map(|t| vec![("x-aws-ec2-metadata-token", t)]).unwrap_or_default();
    let base = "/latest/meta-data/iam/security-credentials/";
    let (status, roles) = http(&p.ns, IMDS, "GET", base, &auth, p.timeout).await.map_err(none)?;
    let role = String::from_utf8_lossy(&roles).lines().next().unwrap_or_default().trim().to_string();
    if status != 200 || role.is_empty() {
        return Err(none(format!("HTTP {status}, no role")));
    }
    let (status, body) = http(&p.ns, IMDS, "GET", &format!("{base}{role}"), &auth, p.timeout).await.map_err(none)?;
    if status != 200 {
        return Err(none(format!("HTTP {status}")));
    }
    keys(&body)
}

fn keys(body: &[u8]) -> Result<Keys, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("credentials: {e}"))?;
    let s = |k: &str| v[k].as_str().map(str::to_string);
    Ok(Keys {
        access_key_id: s("AccessKeyId").ok_or("credentials without AccessKeyId")?,
        secret_access_key: s("SecretAccessKey").ok_or("credentials without SecretAccessKey")?,
        session_token: s("Token"),
    })
}

/// One plain HTTP/1.1 exchange from namespace `ns` with `ip`:80: status and body.
async fn http(
    ns: &str,
    ip: Ipv4Addr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    timeout: Duration,
) -> Result<(u16, Vec<u8>), String> {
    let sock = tcp_in(ns).map_err(|e| format!("socket in {ns}: {e}"))?;
    let connect = sock.connect(SocketAddrV4::new(ip, 80).into());
    let mut stream = match tokio::time::timeout(timeout, connect).await {
        Err(_) => return Err("connection timed out".into()),
        Ok(Err(e)) if e.raw_os_error() == Some(libc::ECONNREFUSED) => return Err("connection refused".into()),
        Ok(Err(e)) => return Err(e.to_string()),
        Ok(Ok(s)) => s,
    };
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {ip}\r\nUser-Agent: ecsnet-call\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(if method == "PUT" { "Content-Length: 0\r\n\r\n" } else { "\r\n" });
    let work = async {
        stream.write_all(req.as_bytes()).await?;
        let mut buf = vec![];
        stream.read_to_end(&mut buf).await?;
        Ok::<_, std::io::Error>(buf)
    };
    // IMDS's token reply can be lost on the way back (its hop limit): a read that stalls is a
    // timeout, after the second the SDKs give IMDS.
    let buf = match tokio::time::timeout(IMDS_ANSWER_TIMEOUT, work).await {
        Err(_) => return Err("answer timed out".into()),
        Ok(r) => r.map_err(|e| e.to_string())?,
    };
    let r = super::http::parse_final(&buf).ok_or("not an HTTP answer")?;
    Ok((r.status, r.body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::find_call;

    #[test]
    fn requests_are_shaped_as_the_sdks_send_them() {
        let (m, p, h, b) = request(find_call("ecr:DescribeImages").unwrap(), Some("repository/app"));
        assert_eq!((m, p.as_str()), ("POST", "/"));
        assert!(h.contains(&("x-amz-target", "AmazonEC2ContainerRegistry_V20150921.DescribeImages".into())));
        assert_eq!(String::from_utf8(b).unwrap(), r#"{"repositoryName":"app"}"#);
        let (m, p, _, _) = request(find_call("s3:GetObject").unwrap(), Some("bucket/b/dir/a b.txt"));
        assert_eq!((m, p.as_str()), ("GET", "/dir/a%20b.txt"));
        let (_, _, _, b) = request(find_call("ssm:GetParameter").unwrap(), Some("parameter/app/db"));
        assert_eq!(String::from_utf8(b).unwrap(), r#"{"Name":"/app/db"}"#);
        let (_, _, _, b) = request(find_call("sts:GetCallerIdentity").unwrap(), None);
        assert_eq!(b, b"Action=GetCallerIdentity&Version=2011-06-15");
    }

    #[test]
    fn answers_are_read_in_both_shapes() {
        let json = br#"{"__type":"com.amazon.coral.service#AccessDeniedException","message":"User: x"}"#;
        assert_eq!(
            answered(400, json),
            CallOutcome::Answered {
                status: 400,
                code: Some("AccessDeniedException".into()),
                message: Some("User: x".into())
            }
        );
        let xml =
            b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>on &quot;arn&quot;</Message></Error>";
        assert!(answered(403, xml).denied());
        assert_eq!(xml_text(&String::from_utf8_lossy(xml), "Message").as_deref(), Some("on \"arn\""));
        assert!(answered(200, b"{}").allowed());
        assert_eq!(
            answered(500, b"garbage"),
            CallOutcome::Answered { status: 500, code: Some("HTTP 500".into()), message: None }
        );
    }
}
