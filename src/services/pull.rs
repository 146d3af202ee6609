//! The ECS agent's calls before a task's containers run ([`crate::model::pull`] says which),
//! made with real packets from the instance's namespace: the name asked of the instance's
//! resolver, a TCP connection to the address it gives, TLS trusting the lab CA, and the HTTP
//! request an SDK (or Docker, for the registry) sends. The first call that fails stops the task,
//! with ECS's error naming the address it dialled.

use super::front_door::sigv4::{self, Keys};
use crate::model::pull::{self, Failure, HTTPS_PORT, StartResult, Step};
use crate::scenario::{NetworkMode, SecretSource};
use crate::sys::{netns, sock};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::io;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpSocket, UdpSocket};

/// How long a name may take to resolve, and a connection to open: longer than any delay the
/// lab's own links add, far shorter than the SDKs' 30 s (a blocked path costs `up` this much).
const DNS_TIMEOUT: Duration = Duration::from_millis(1500);
const CONNECT_TIMEOUT: Duration = Duration::from_millis(1500);
/// A whole request, once connected.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Docker's manifest types.
const MANIFEST_ACCEPT: &str = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json";

/// One task's start, as the agent runs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spec {
    pub task: String,
    /// The task's ARN (how the metadata endpoint knows it).
    #[serde(default)]
    pub arn: String,
    pub mode: NetworkMode,
    /// FARGATE: the calls leave from the task's namespace, and fail in Fargate's words.
    #[serde(default)]
    pub launch: crate::scenario::LaunchType,
    #[serde(flatten)]
    pub caller: Caller,
    pub steps: Vec<Step>,
}

/// Where the ECS agent's calls leave from and whom they are signed as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    /// The instance's namespace, where the calls leave from.
    pub ns: String,
    /// The instance's first nameserver.
    pub resolver: Option<Ipv4Addr>,
    pub region: String,
    /// The role's credentials the calls are signed with.
    #[serde(flatten)]
    pub keys: Keys,
}

/// Every task's start, and the CA the front doors' certificates chain to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Starts {
    #[serde(default)]
    pub ca_pem: String,
    #[serde(default)]
    pub tasks: Vec<Spec>,
}

/// Run every task's start at once; results in the order of `starts.tasks`.
pub async fn run_all(starts: &Starts) -> Vec<StartResult> {
    let tls = match connector(&starts.ca_pem) {
        Ok(t) => t,
        Err(e) => {
            let f = Failure::Other { text: format!("the lab CA: {e}") };
            return starts.tasks.iter().map(|s| stopped(s, 0, f.clone())).collect();
        }
    };
    let mut set = tokio::task::JoinSet::new();
    for (i, s) in starts.tasks.iter().enumerate() {
        let (s, tls) = (s.clone(), tls.clone());
        set.spawn(async move { (i, run_one(&s, &Client { caller: &s.caller, tls }).await) });
    }
    let mut out: Vec<Option<StartResult>> = vec![None; starts.tasks.len()];
    while let Some(done) = set.join_next().await {
        if let Ok((i, r)) = done {
            out[i] = Some(r);
        }
    }
    out.into_iter()
        .zip(&starts.tasks)
        .map(|(r, s)| r.unwrap_or_else(|| stopped(s, 0, Failure::Other { text: "the start panicked".into() })))
        .collect()
}

fn stopped(spec: &Spec, i: usize, f: Failure) -> StartResult {
    StartResult::at(&spec.task, &spec.caller.region, (spec.mode, spec.launch), &spec.steps, i, f)
}

/// A TLS client trusting only the lab CA (`ca_pem`).
pub fn connector(ca_pem: &str) -> io::Result<tokio_rustls::TlsConnector> {
    let mut roots = rustls::RootCertStore::empty();
    let mut rd = ca_pem.as_bytes();
    for c in rustls_pemfile_certs(&mut rd) {
        roots.add(c).map_err(|e| io::Error::other(e.to_string()))?;
    }
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| io::Error::other(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(cfg)))
}

/// The certificates of a PEM bundle.
fn rustls_pemfile_certs(rd: &mut &[u8]) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(rd).filter_map(Result::ok).collect()
}

async fn run_one(spec: &Spec, c: &Client<'_>) -> StartResult {
    let mut state = State::default();
    for (i, step) in spec.steps.iter().enumerate() {
        if let Err(f) = c.step(step, &mut state).await {
            return stopped(spec, i, f);
        }
    }
    StartResult::started(&spec.task)
}

/// What earlier calls handed to later ones.
#[derive(Default)]
struct State {
    /// The registry's Basic credentials (base64 `AWS:password`).
    token: Option<String>,
    /// The manifest just fetched.
    manifest: Option<Value>,
}

/// The agent's HTTPS client, calling from an instance.
pub struct Client<'a> {
    pub caller: &'a Caller,
    pub tls: tokio_rustls::TlsConnector,
}

/// An HTTP answer.
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: Bytes,
}

impl Client<'_> {
    async fn step(&self, step: &Step, st: &mut State) -> Result<(), Failure> {
        let host = step.host(&self.caller.region);
        match step {
            Step::Secret { source: SecretSource::SecretsManager(id), json_key, .. } => {
                let v = self
                    .api(&host, "secretsmanager", "secretsmanager.GetSecretValue", json!({ "SecretId": id }))
                    .await?;
                if let Some(key) = json_key {
                    let value = v["SecretString"].as_str().unwrap_or_default();
                    pull::json_key_of(value, key).map_err(|text| Failure::Agent { text })?;
                }
            }
            Step::Secret { source: SecretSource::Ssm(p), .. } => {
                let body = json!({ "Names": [p], "WithDecryption": true });
                let v = self.api(&host, "ssm", "AmazonSSM.GetParameters", body).await?;
                if v["InvalidParameters"].as_array().is_some_and(|a| !a.is_empty()) {
                    return Err(Failure::Api { status: 400, code: "InvalidParameters".into(), message: p.clone() });
                }
            }
            Step::Token => {
                let target = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
                let v = self.api(&host, "ecr", target, json!({})).await?;
                st.token = v["authorizationData"][0]["authorizationToken"].as_str().map(str::to_string);
            }
            Step::Manifest { repository, reference, .. } => {
                let path = format!("/v2/{repository}/manifests/{reference}");
                let a = self.get(&host, &path, st.token.as_deref(), Some(MANIFEST_ACCEPT)).await?;
                registry_ok(&a)?;
                st.manifest = serde_json::from_slice(&a.body).ok();
            }
            Step::Layers { registry, repository, .. } => {
                let m = st.manifest.take().unwrap_or(Value::Null);
                let digests = std::iter::once(&m["config"]).chain(m["layers"].as_array().into_iter().flatten());
                let registry = pull::registry_host(registry, &self.caller.region);
                for d in digests.filter_map(|l| l["digest"].as_str()) {
                    let path = format!("/v2/{repository}/blobs/{d}");
                    let a = self.get(&registry, &path, st.token.as_deref(), None).await?;
                    let Some(url) = a.location.clone().filter(|_| a.status == 307) else {
                        registry_ok(&a)?;
                        continue;
                    };
                    // The presigned URL on the layer bucket: S3, reached as its name resolves.
                    let rest = url.strip_prefix("https://").unwrap_or(&url);
                    let (h, p) = rest.split_once('/').map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
                    let b = self.get(h, &p, None, None).await?;
                    if b.status != 200 {
                        return Err(api_failure(&b));
                    }
                }
            }
            Step::Logs { group, stream, create_group, .. } => {
                let ok_if_exists = |r: Result<Value, Failure>| match r {
                    Err(Failure::Api { code, .. }) if code == "ResourceAlreadyExistsException" => Ok(Value::Null),
                    other => other,
                };
                if *create_group {
                    let body = json!({ "logGroupName": group });
                    ok_if_exists(self.api(&host, "logs", "Logs_20140328.CreateLogGroup", body).await)?;
                }
                let body = json!({ "logGroupName": group, "logStreamName": stream });
                ok_if_exists(self.api(&host, "logs", "Logs_20140328.CreateLogStream", body).await)?;
            }
        }
        Ok(())
    }

    /// A JSON 1.1 API call, signed as the SDKs sign it with the caller's role credentials.
    pub async fn api(&self, host: &str, service: &str, target: &str, body: Value) -> Result<Value, Failure> {
        let req = self.api_request(host, service, target, &body)?;
        let a = self.send(host, req.map(Full::new)).await?;
        if a.status != 200 {
            return Err(api_failure(&a));
        }
        Ok(serde_json::from_slice(&a.body).unwrap_or(Value::Null))
    }

    /// The request [`Client::api`] sends.
    fn api_request(
        &self,
        host: &str,
        service: &str,
        target: &str,
        body: &Value,
    ) -> Result<hyper::Request<Bytes>, Failure> {
        let headers = [("content-type", "application/x-amz-json-1.1"), ("x-amz-target", target)];
        self.signed_request(service, ("POST", host, "/"), &headers, body.to_string().into_bytes())
    }

    /// A request to `https://host{path}` signed as an SDK signs it: `host`, `headers` and the
    /// body signed with `service`'s scope.
    pub fn signed_request(
        &self,
        service: &str,
        (method, host, path): (&str, &str, &str),
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<hyper::Request<Bytes>, Failure> {
        let mut all = vec![("host", host)];
        all.extend_from_slice(headers);
        let signed = self.sign(service, (method, &format!("https://{host}{path}")), &all, &body)?;
        let mut b = hyper::Request::builder().method(method).uri(path);
        for (k, v) in all.into_iter().chain(signed.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
            b = b.header(k, v);
        }
        b.body(Bytes::from(body)).map_err(|e| Failure::Other { text: e.to_string() })
    }

    /// The headers that sign a request (`authorization`, `x-amz-date`, the session token), by
    /// the clock of the machine the calls leave from.
    fn sign(
        &self,
        service: &str,
        target: (&str, &str),
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Vec<(String, String)>, Failure> {
        let scope = (self.caller.region.as_str(), service);
        sigv4::sign(&self.caller.keys, scope, target, headers, body, std::time::SystemTime::now())
            .map_err(|e| Failure::Other { text: format!("signing: {e}") })
    }

    /// A websocket upgrade on `https://host/path`, signed with `service`'s scope as the ECS
    /// agent signs ACS and TCS: the answer's status (101 when accepted).
    pub async fn websocket(&self, host: &str, path: &str, service: &str) -> Result<Answer, Failure> {
        let req = self.websocket_request(host, path, service)?;
        self.send(host, req.map(Full::new)).await
    }

    /// The request [`Client::websocket`] sends.
    fn websocket_request(&self, host: &str, path: &str, service: &str) -> Result<hyper::Request<Bytes>, Failure> {
        // The agent signs the request before its websocket library adds the upgrade headers.
        let signed = self.sign(service, ("GET", &format!("https://{host}{path}")), &[("host", host)], b"")?;
        let mut b = hyper::Request::get(path)
            .header("host", host)
            .header("connection", "Upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "ZWNzbmV0LWFnZW50LWtleQ==");
        for (k, v) in &signed {
            b = b.header(k, v);
        }
        b.body(Bytes::new()).map_err(|e| Failure::Other { text: e.to_string() })
    }

    async fn get(&self, host: &str, path: &str, basic: Option<&str>, accept: Option<&str>) -> Result<Answer, Failure> {
        let mut b = hyper::Request::get(path).header("host", host);
        if let Some(t) = basic {
            b = b.header("authorization", format!("Basic {t}"));
        }
        if let Some(a) = accept {
            b = b.header("accept", a);
        }
        let req = b.body(Full::new(Bytes::new())).map_err(|e| Failure::Other { text: e.to_string() })?;
        self.send(host, req).await
    }

    /// Resolve, connect from the instance, TLS, one request.
    pub async fn send(&self, host: &str, req: hyper::Request<Full<Bytes>>) -> Result<Answer, Failure> {
        let ip = self.resolve(host).await?;
        let sock = tcp_in(&self.caller.ns)
            .map_err(|e| Failure::Other { text: format!("socket in {}: {e}", self.caller.ns) })?;
        let tcp =
            match tokio::time::timeout(CONNECT_TIMEOUT, sock.connect(SocketAddrV4::new(ip, HTTPS_PORT).into())).await {
                Err(_) => return Err(Failure::Timeout { ip }),
                Ok(Err(e)) => return Err(connect_failure(ip, &e)),
                Ok(Ok(s)) => s,
            };
        let name = rustls::pki_types::ServerName::try_from(host.to_string())
            .map_err(|e| Failure::Other { text: format!("{host}: {e}") })?;
        let work = async {
            let tls = self.tls.connect(name, tcp).await.map_err(|e| other(format!("tls: {e}")))?;
            let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
                .await
                .map_err(|e| other(format!("http: {e}")))?;
            tokio::spawn(conn);
            let resp = sender.send_request(req).await.map_err(|e| other(format!("http: {e}")))?;
            let status = resp.status().as_u16();
            let location = resp.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
            let body = resp.into_body().collect().await.map_err(|e| other(format!("http: {e}")))?.to_bytes();
            Ok(Answer { status, location, body })
        };
        tokio::time::timeout(REQUEST_TIMEOUT, work).await.unwrap_or_else(|_| Err(Failure::Timeout { ip }))
    }

    /// The first A record for `host` from the instance's resolver, as Go's resolver asks it.
    async fn resolve(&self, host: &str) -> Result<Ipv4Addr, Failure> {
        let server = self.caller.resolver.ok_or(Failure::Lookup { server: Ipv4Addr::UNSPECIFIED, timeout: true })?;
        let timeout = Failure::Lookup { server, timeout: true };
        let msg = crate::services::dns::a_query(host).and_then(|m| m.to_vec().map_err(|e| e.to_string()));
        let msg = msg.map_err(|text| Failure::Other { text })?;
        let id = u16::from_be_bytes([msg[0], msg[1]]);
        let sock = udp_in(&self.caller.ns, server).map_err(|_| timeout.clone())?;
        let mut buf = vec![0u8; 4096];
        let start = tokio::time::Instant::now();
        for k in 1..=3u32 {
            let _ = sock.send(&msg).await;
            match tokio::time::timeout_at(start + DNS_TIMEOUT * k / 3, sock.recv(&mut buf)).await {
                Err(_) => continue,
                Ok(Ok(n)) => match crate::services::dns::read_a(id, &buf[..n]) {
                    Some((_, addrs)) => {
                        return addrs.first().copied().ok_or(Failure::Lookup { server, timeout: false });
                    }
                    None => continue,
                },
                Ok(Err(_)) => return Err(timeout),
            }
        }
        Err(timeout)
    }
}

fn other(text: String) -> Failure {
    Failure::Other { text }
}

/// A connect that failed at once: refused (RST or ICMP unreachable, as a probe counts it), or
/// dropped by a firewall of the instance itself (EPERM), which is a timeout on AWS.
fn connect_failure(ip: Ipv4Addr, e: &io::Error) -> Failure {
    match e.raw_os_error() {
        Some(libc::EPERM | libc::EACCES | libc::ETIMEDOUT) => Failure::Timeout { ip },
        Some(libc::ECONNREFUSED | libc::EHOSTUNREACH | libc::ENETUNREACH | libc::ECONNRESET | libc::EINVAL) => {
            Failure::Refused { ip }
        }
        _ => Failure::Other { text: format!("dial tcp {ip}:{HTTPS_PORT}: {}", sock::errno_name(e)) },
    }
}

/// An AWS JSON error (`__type`, `message`), a registry error (`errors[0]`), or the status.
pub(super) fn api_failure(a: &Answer) -> Failure {
    let v: Value = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
    let text = |v: &Value| v.as_str().map(str::to_string);
    let (code, message) = if let Some(e) = v["errors"].get(0) {
        (text(&e["code"]), text(&e["message"]))
    } else {
        let code = text(&v["__type"]).map(|t| t.rsplit('#').next().unwrap_or(&t).to_string());
        (code, text(&v["message"]).or_else(|| text(&v["Message"])))
    };
    Failure::Api {
        status: a.status,
        code: code.unwrap_or_else(|| format!("HTTP {}", a.status)),
        message: message.unwrap_or_else(|| String::from_utf8_lossy(&a.body[..a.body.len().min(200)]).into_owned()),
    }
}

fn registry_ok(a: &Answer) -> Result<(), Failure> {
    if a.status == 200 { Ok(()) } else { Err(api_failure(a)) }
}

/// A TCP socket made inside `ns` (connected later, on the runtime).
pub fn tcp_in(ns: &str) -> io::Result<TcpSocket> {
    let ns = ns.to_string();
    crate::sys::thread::run("start-tcp", move || {
        if !ns.is_empty() {
            netns::enter(&netns::path(&ns))?;
        }
        TcpSocket::new_v4()
    })?
}

/// A UDP socket made inside `ns`, connected to `server`:53.
fn udp_in(ns: &str, server: Ipv4Addr) -> io::Result<UdpSocket> {
    let ns = ns.to_string();
    let s = crate::sys::thread::run("start-udp", move || -> io::Result<std::net::UdpSocket> {
        if !ns.is_empty() {
            netns::enter(&netns::path(&ns))?;
        }
        let s = std::net::UdpSocket::from(sock::socket(libc::SOCK_DGRAM, libc::IPPROTO_UDP)?);
        s.connect(SocketAddrV4::new(server, crate::model::dns::DNS_PORT))?;
        s.set_nonblocking(true)?;
        Ok(s)
    })??;
    UdpSocket::from_std(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_read_in_both_shapes() {
        let a = Answer {
            status: 400,
            location: None,
            body: Bytes::from(r#"{"__type":"com.amazonaws#ResourceNotFoundException","message":"gone"}"#),
        };
        assert_eq!(
            api_failure(&a),
            Failure::Api { status: 400, code: "ResourceNotFoundException".into(), message: "gone".into() }
        );
        let r = Answer {
            status: 404,
            location: None,
            body: Bytes::from(r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"Requested image not found"}]}"#),
        };
        assert!(matches!(api_failure(&r), Failure::Api { code, .. } if code == "MANIFEST_UNKNOWN"));
    }

    /// A request as a front door reads it off the wire.
    fn as_door_sees(r: &hyper::Request<Bytes>) -> crate::services::front_door::Req {
        let mut out = crate::services::front_door::Req::new(r.method().as_str(), &r.uri().to_string());
        for (k, v) in r.headers() {
            out = out.with_header(k.as_str(), v.to_str().unwrap());
        }
        out.with_body(r.body().to_vec())
    }

    #[test]
    fn the_doors_accept_what_the_agent_signs() {
        use crate::services::front_door::{FrontDoor, Principal, Spec};
        let keys = Keys {
            access_key_id: "ASIAECSNETFAKE000001".into(),
            secret_access_key: "ecsnetFAKEsecret".into(),
            session_token: Some("ECSNET-FAKE-SESSION-TOKEN".into()),
        };
        let spec: Spec = serde_json::from_value(json!({
            "listen": [], "region": "ap-northeast-1", "account": "123456789012",
            "ca_cert_pem": "", "ca_key_pem": "", "names": [], "clusters": ["c"],
            "container_instances": [["i-0abc", "arn:aws:ecs:ap-northeast-1:123456789012:container-instance/c/1"]]
        }))
        .unwrap();
        let principal = Principal {
            access_key_id: keys.access_key_id.clone(),
            secret_access_key: keys.secret_access_key.clone(),
            session_token: keys.session_token.clone(),
            arn: "arn:aws:sts::123456789012:assumed-role/r/i-0abc".into(),
            user_id: None,
            credentials_id: None,
        };
        let door = FrontDoor::new(&Spec { credentials: vec![principal], ..spec }, "lab".into(), None);
        let caller = Caller { ns: String::new(), resolver: None, region: "ap-northeast-1".into(), keys };
        let c = Client { caller: &caller, tls: connector("").unwrap() };
        let answer = |r: hyper::Request<Bytes>| {
            let req = as_door_sees(&r);
            door.handle(&door.route(&req), &req)
        };
        let token = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
        let r = answer(c.api_request("api.ecr.ap-northeast-1.amazonaws.com", "ecr", token, &json!({})).unwrap());
        assert_eq!(r.status, 200, "{}", r.text());
        let poll = "AmazonEC2ContainerServiceV20141113.DiscoverPollEndpoint";
        let r =
            answer(c.api_request("ecs.ap-northeast-1.amazonaws.com", "ecs", poll, &json!({"cluster": "c"})).unwrap());
        assert_eq!(r.status, 200, "{}", r.text());
        let path = "/ws?clusterArn=c&containerInstanceArn=arn:aws:ecs:ap-northeast-1:123456789012:container-instance/c/1&protocolVersion=2&seqNum=1";
        let r = answer(c.websocket_request("ecs-a.ap-northeast-1.amazonaws.com", path, "ecs").unwrap());
        assert_eq!(r.status, 101, "{}", r.text());
        // Another role's secret is refused, as the doors refuse any wrong signature.
        let mut wrong = caller.clone();
        wrong.keys.secret_access_key.push('x');
        let c = Client { caller: &wrong, tls: connector("").unwrap() };
        let r = answer(c.api_request("api.ecr.ap-northeast-1.amazonaws.com", "ecr", token, &json!({})).unwrap());
        assert!(r.status == 400 && r.text().contains("InvalidSignatureException"), "{}", r.text());
    }

    #[test]
    fn connect_errors_are_counted_as_probes_count_them() {
        let ip = Ipv4Addr::new(198, 18, 0, 10);
        assert_eq!(connect_failure(ip, &io::Error::from_raw_os_error(libc::EPERM)), Failure::Timeout { ip });
        assert_eq!(connect_failure(ip, &io::Error::from_raw_os_error(libc::ECONNREFUSED)), Failure::Refused { ip });
    }
}
