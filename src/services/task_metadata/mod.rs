//! The task metadata and credentials endpoint (TMDS), as the ECS agent serves it on
//! 127.0.0.1:51679 of each container instance (ECS-FACTS §2). ecs-init's DNAT / REDIRECT of
//! 169.254.170.2:80 is in the instance's nft table (model::plan); this is the listener behind it,
//! hosted by the lab's agent process on its single thread.
//!
//! The documents are computed when `up` writes the agent's configuration
//! ([`crate::services::task_metadata::documents::tmds_config`]): per task the JSON text before and after its
//! `Containers` array and one compact JSON text per container, so the agent only looks them up
//! and concatenates. Credentials are made up from their id when asked for (fake, and marked so).
//!
//! Routes: `/v2/metadata[/<dockerId>]` (awsvpc: the task is found by the request's source
//! address, its `ecs-eth0` address), `/v3/<id>[/task|/taskWithTags]`, `/v4/<id>[/task|/taskWithTags]`,
//! `/v2/credentials/<id>` and `/v1/credentials?id=<id>`. v2 and v3 are served the v4 documents
//! (a superset of their fields).

pub mod documents;

use super::bind::{Listen, Socket};
use crate::model::{TMDS_LISTEN_PORT, ids};
use crate::scenario::Proto;
use serde::{Deserialize, Serialize};
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The endpoint of one container instance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TmdsInstance {
    /// `instance/NAME`, for messages.
    pub node: String,
    /// The instance's namespace, where 127.0.0.1:51679 is bound.
    pub ns: String,
    #[serde(default)]
    pub tasks: Vec<TmdsTask>,
}

/// One placed task of the instance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TmdsTask {
    /// awsvpc: the task's `ecs-eth0` address, by which v2 finds the task.
    #[serde(default)]
    pub bridge_ip: Option<Ipv4Addr>,
    /// The task document up to and including `"Containers":[`.
    pub head: String,
    /// The task document from the `]` closing `Containers` to its end.
    pub tail: String,
    pub containers: Vec<TmdsContainer>,
    #[serde(default)]
    pub credentials: Option<TmdsCredentials>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TmdsContainer {
    /// The v3/v4 endpoint id (ECS_CONTAINER_METADATA_URI_V4's last part); empty for the pause.
    #[serde(default)]
    pub endpoint_id: String,
    pub docker_id: String,
    /// The container's v4 document, compact JSON.
    pub doc: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TmdsCredentials {
    /// The id in AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (`/v2/credentials/<id>`).
    pub id: String,
    pub role_arn: String,
}

impl TmdsTask {
    /// The whole task document.
    pub fn document(&self) -> String {
        let n: usize = self.containers.iter().map(|c| c.doc.len() + 1).sum();
        let mut s = String::with_capacity(self.head.len() + self.tail.len() + n);
        s.push_str(&self.head);
        for (i, c) in self.containers.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&c.doc);
        }
        s.push_str(&self.tail);
        s
    }
}

/// An HTTP answer: status, content type, body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Answer {
    fn json(status: u16, body: String) -> Answer {
        Answer { status, content_type: "application/json", body }
    }
    /// The agent's error bodies are JSON strings.
    fn json_msg(status: u16, msg: &str) -> Answer {
        Answer::json(status, serde_json::Value::String(msg.to_string()).to_string())
    }
    fn not_found() -> Answer {
        Answer { status: 404, content_type: "text/plain; charset=utf-8", body: "404 page not found\n".into() }
    }
}

/// Fake credentials for a task role: stable per lab and id, obviously not AWS's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FakeCredentials {
    #[serde(rename = "RoleArn")]
    pub role_arn: String,
    #[serde(rename = "AccessKeyId")]
    pub access_key_id: String,
    #[serde(rename = "SecretAccessKey")]
    pub secret_access_key: String,
    #[serde(rename = "Token")]
    pub token: String,
    #[serde(rename = "Expiration")]
    pub expiration: String,
}

/// How long the made-up credentials are valid (ECS hands out role credentials for hours).
pub const CREDENTIALS_LIFETIME_SECS: u64 = 6 * 3600;

pub fn fake_credentials(lab: &str, c: &TmdsCredentials, now_unix: u64) -> FakeCredentials {
    let h = ids::hex(&[lab, "fake-credentials", &c.id], 64);
    FakeCredentials {
        role_arn: c.role_arn.clone(),
        // 20 characters like a real temporary key id (ASIA...), spelled to be recognisable.
        access_key_id: format!("ASIAECSNETFAKE{}", h[..6].to_ascii_uppercase()),
        secret_access_key: format!("ecsnetFAKEsecret{}", &h[6..30]),
        token: format!("ECSNET-FAKE-SESSION-TOKEN-not-valid-on-AWS-{}", &h[30..64]),
        expiration: crate::sys::time::rfc3339(now_unix + CREDENTIALS_LIFETIME_SECS),
    }
}

fn credentials_answer(lab: &str, inst: &TmdsInstance, id: &str, version: u8, now_unix: u64) -> Answer {
    let prefix = format!("CredentialsV{version}Request: ");
    #[derive(Serialize)]
    struct ErrorMessage {
        code: &'static str,
        message: String,
        #[serde(rename = "HTTPErrorCode")]
        http_error_code: u16,
    }
    let err = |code: &'static str, msg: &str| {
        let e = ErrorMessage { code, message: format!("{prefix}{msg}"), http_error_code: 400 };
        Answer::json(400, serde_json::to_string(&e).unwrap_or_default())
    };
    if id.is_empty() {
        return err("NoIdInRequest", "No Credential ID in the request");
    }
    match inst.tasks.iter().filter_map(|t| t.credentials.as_ref()).find(|c| c.id == id) {
        Some(c) => Answer::json(200, serde_json::to_string(&fake_credentials(lab, c, now_unix)).unwrap_or_default()),
        None => err("InvalidIdInRequest", "Credentials not found"),
    }
}

/// Answer one request. `peer` is the source address the request came from (after the DNAT,
/// which keeps it).
pub fn answer(lab: &str, inst: &TmdsInstance, method: &str, target: &str, peer: Ipv4Addr, now_unix: u64) -> Answer {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if method != "GET" && method != "HEAD" {
        return Answer { status: 405, content_type: "text/plain; charset=utf-8", body: String::new() };
    }
    let segs: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    let by_endpoint = |id: &str| {
        inst.tasks
            .iter()
            .find_map(|t| t.containers.iter().find(|c| c.endpoint_id == id && !id.is_empty()).map(|c| (t, c)))
    };
    match segs.as_slice() {
        ["v1", "credentials"] => {
            let id = query.split('&').find_map(|kv| kv.strip_prefix("id=")).unwrap_or("");
            credentials_answer(lab, inst, id, 1, now_unix)
        }
        ["v2", "credentials", rest @ ..] => credentials_answer(lab, inst, &rest.join("/"), 2, now_unix),
        ["v2", "metadata"] | ["v2", "metadata", ""] | ["v2", "metadata", _] => {
            let Some(task) = inst.tasks.iter().find(|t| t.bridge_ip == Some(peer)) else {
                return Answer::json_msg(
                    400,
                    &format!("Unable to get task arn from request: unable to associate '{peer}' with task"),
                );
            };
            match segs.get(2).copied().filter(|s| !s.is_empty()) {
                None => Answer::json(200, task.document()),
                Some(docker_id) => match task.containers.iter().find(|c| c.docker_id == docker_id) {
                    Some(c) => Answer::json(200, c.doc.clone()),
                    None => Answer::json_msg(400, &format!("Unable to generate metadata for container '{docker_id}'")),
                },
            }
        }
        [v @ ("v3" | "v4"), id] | [v @ ("v3" | "v4"), id, "task" | "taskWithTags"] => {
            let upper = v.to_ascii_uppercase();
            let task_level = segs.len() == 3;
            match by_endpoint(id) {
                Some((t, _)) if task_level => Answer::json(200, t.document()),
                Some((_, c)) => Answer::json(200, c.doc.clone()),
                None if task_level => Answer::json_msg(
                    404,
                    &format!(
                        "{upper} task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: {id}"
                    ),
                ),
                None => Answer::json_msg(
                    404,
                    &format!(
                        "{upper} container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: {id}"
                    ),
                ),
            }
        }
        _ => Answer::not_found(),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Error",
    }
}

/// The bytes on the wire (no body for HEAD).
pub fn http_bytes(a: &Answer, head: bool) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        a.status,
        reason(a.status),
        a.content_type,
        a.body.len()
    )
    .into_bytes();
    if !head {
        out.extend_from_slice(a.body.as_bytes());
    }
    out
}

/// Parse the request line of an HTTP/1 request: (method, target).
pub fn request_line(req: &[u8]) -> Option<(&str, &str)> {
    let end = req.iter().position(|&b| b == b'\n')?;
    let line = std::str::from_utf8(&req[..end]).ok()?.trim_end_matches('\r');
    let mut parts = line.split(' ');
    let method = parts.next()?;
    let target = parts.next()?;
    let version = parts.next()?;
    (version.starts_with("HTTP/") && target.starts_with('/') && !method.is_empty()).then_some((method, target))
}

impl TmdsInstance {
    /// The socket it needs: 127.0.0.1:51679 in the instance's namespace.
    pub fn listens(&self) -> Vec<Listen> {
        vec![Listen {
            ns: self.ns.clone(),
            addr: SocketAddrV4::new(Ipv4Addr::LOCALHOST, TMDS_LISTEN_PORT),
            proto: Proto::Tcp,
            who: format!("{} task metadata endpoint", self.node),
        }]
    }
}

/// What one endpoint serves.
#[derive(Debug)]
struct Node {
    lab: Arc<str>,
    inst: TmdsInstance,
}

/// Serve one instance's endpoint on its socket, on the current runtime. The entry point of this
/// service.
pub fn start(inst: &TmdsInstance, lab: Arc<str>, sockets: Vec<Socket>) -> io::Result<()> {
    let ep = Arc::new(Node { lab, inst: inst.clone() });
    for s in sockets {
        if let Socket::Tcp(l) = s {
            tokio::spawn(serve(TcpListener::from_std(l)?, ep.clone()));
        }
    }
    Ok(())
}

const MAX_REQUEST: usize = 8192;
const READ_WINDOW: Duration = Duration::from_secs(5);

/// Accept connections forever, one task each.
async fn serve(listener: TcpListener, ep: Arc<Node>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(handle(stream, ep.clone()));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

fn peer_v4(a: SocketAddr) -> Ipv4Addr {
    match a {
        SocketAddr::V4(a) => *a.ip(),
        SocketAddr::V6(a) => a.ip().to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED),
    }
}

async fn handle(mut stream: TcpStream, ep: Arc<Node>) {
    let Ok(peer) = stream.peer_addr() else { return };
    let mut req = Vec::new();
    let _ = tokio::time::timeout(READ_WINDOW, async {
        let mut chunk = [0u8; 1024];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => req.extend_from_slice(&chunk[..n]),
            }
            let done = req.windows(4).any(|w| w == b"\r\n\r\n") || req.windows(2).any(|w| w == b"\n\n");
            // Not HTTP at all (a probe's line): answer as soon as the first line is in.
            if done || req.len() >= MAX_REQUEST || (req.contains(&b'\n') && request_line(&req).is_none()) {
                return;
            }
        }
    })
    .await;
    let now = crate::sys::time::now_unix();
    let (bytes, head) = match request_line(&req) {
        Some((method, target)) => (answer(&ep.lab, &ep.inst, method, target, peer_v4(peer), now), method == "HEAD"),
        None => {
            (Answer { status: 400, content_type: "text/plain; charset=utf-8", body: "400 Bad Request".into() }, false)
        }
    };
    if stream.write_all(&http_bytes(&bytes, head)).await.is_err() {
        return;
    }
    super::responder::lingering_close(&mut stream).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst() -> TmdsInstance {
        TmdsInstance {
            node: "instance/ecs-1".into(),
            ns: String::new(),
            tasks: vec![
                TmdsTask {
                    bridge_ip: Some(Ipv4Addr::new(169, 254, 172, 2)),
                    head: r#"{"TaskARN":"arn:a","Containers":["#.into(),
                    tail: r#"],"FaultInjectionEnabled":false}"#.into(),
                    containers: vec![
                        TmdsContainer {
                            endpoint_id: String::new(),
                            docker_id: "p1".into(),
                            doc: r#"{"Name":"p"}"#.into(),
                        },
                        TmdsContainer {
                            endpoint_id: "e-1".into(),
                            docker_id: "d1".into(),
                            doc: r#"{"Name":"app"}"#.into(),
                        },
                    ],
                    credentials: Some(TmdsCredentials {
                        id: "cred-1".into(),
                        role_arn: "arn:aws:iam::1:role/r".into(),
                    }),
                },
                TmdsTask {
                    bridge_ip: None,
                    head: r#"{"TaskARN":"arn:b","Containers":["#.into(),
                    tail: "]}".into(),
                    containers: vec![TmdsContainer {
                        endpoint_id: "e-2".into(),
                        docker_id: "d2".into(),
                        doc: r#"{"Name":"web"}"#.into(),
                    }],
                    credentials: None,
                },
            ],
        }
    }

    fn get(path: &str, peer: [u8; 4]) -> Answer {
        answer("lab", &inst(), "GET", path, Ipv4Addr::from(peer), 1_730_374_691)
    }

    #[test]
    fn v4_and_v3_documents() {
        let a = get("/v4/e-1/task", [172, 17, 0, 2]);
        assert_eq!(a.status, 200);
        assert_eq!(
            a.body,
            r#"{"TaskARN":"arn:a","Containers":[{"Name":"p"},{"Name":"app"}],"FaultInjectionEnabled":false}"#
        );
        serde_json::from_str::<serde_json::Value>(&a.body).unwrap();
        assert_eq!(get("/v4/e-1", [1, 2, 3, 4]).body, r#"{"Name":"app"}"#);
        assert_eq!(get("/v3/e-2/task", [1, 2, 3, 4]).body, r#"{"TaskARN":"arn:b","Containers":[{"Name":"web"}]}"#);
        assert_eq!(get("/v4/e-2/taskWithTags", [1, 2, 3, 4]).status, 200);
        let nf = get("/v4/nope/task", [1, 2, 3, 4]);
        assert_eq!(nf.status, 404);
        assert!(nf.body.contains("unable to get task Arn from v3 endpoint ID: nope"), "{}", nf.body);
        assert_eq!(get("/v4/nope", [1, 2, 3, 4]).status, 404);
        // the pause container has no endpoint of its own
        assert_eq!(get("/v4//task", [1, 2, 3, 4]).status, 404);
        assert_eq!(get("/", [1, 2, 3, 4]), Answer::not_found());
        assert_eq!(get("/v4/e-1/task/stats", [1, 2, 3, 4]).status, 404);
    }

    #[test]
    fn v2_by_source_address() {
        let a = get("/v2/metadata", [169, 254, 172, 2]);
        assert_eq!(a.status, 200);
        assert!(a.body.starts_with(r#"{"TaskARN":"arn:a""#));
        assert_eq!(get("/v2/metadata/d1", [169, 254, 172, 2]).body, r#"{"Name":"app"}"#);
        assert_eq!(get("/v2/metadata/zz", [169, 254, 172, 2]).status, 400);
        let b = get("/v2/metadata", [172, 17, 0, 5]);
        assert_eq!(b.status, 400);
        assert_eq!(b.body, r#""Unable to get task arn from request: unable to associate '172.17.0.5' with task""#);
    }

    #[test]
    fn credentials() {
        let a = get("/v2/credentials/cred-1", [172, 17, 0, 2]);
        assert_eq!(a.status, 200);
        let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
        let keys: Vec<&str> = ["RoleArn", "AccessKeyId", "SecretAccessKey", "Token", "Expiration"].to_vec();
        for k in keys {
            assert!(v.get(k).is_some(), "{k} in {}", a.body);
        }
        // key order as the agent marshals IAMRoleCredentials
        assert!(
            a.body.starts_with(r#"{"RoleArn":"arn:aws:iam::1:role/r","AccessKeyId":"ASIAECSNETFAKE"#),
            "{}",
            a.body
        );
        assert_eq!(v["AccessKeyId"].as_str().unwrap().len(), 20);
        assert!(v["Token"].as_str().unwrap().contains("ECSNET-FAKE"));
        assert_eq!(v["Expiration"], "2024-10-31T17:38:11Z");
        assert_eq!(get("/v1/credentials?id=cred-1", [1, 1, 1, 1]).body, a.body);
        let bad = get("/v2/credentials/other", [1, 1, 1, 1]);
        assert_eq!(bad.status, 400);
        assert_eq!(
            bad.body,
            r#"{"code":"InvalidIdInRequest","message":"CredentialsV2Request: Credentials not found","HTTPErrorCode":400}"#
        );
        assert!(get("/v2/credentials/", [1, 1, 1, 1]).body.contains("NoIdInRequest"));
    }

    #[test]
    fn http_framing() {
        assert_eq!(request_line(b"GET /v4/x/task HTTP/1.1\r\nHost: a\r\n\r\n"), Some(("GET", "/v4/x/task")));
        assert_eq!(request_line(b"ECSNET-PROBE\n"), None);
        let a = Answer::json(200, "{}".into());
        let s = String::from_utf8(http_bytes(&a, false)).unwrap();
        assert!(s.starts_with("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"));
        assert!(s.ends_with("\r\n\r\n{}"));
        assert!(String::from_utf8(http_bytes(&a, true)).unwrap().ends_with("\r\n\r\n"));
        assert_eq!(answer("l", &inst(), "POST", "/v4/e-1", Ipv4Addr::LOCALHOST, 0).status, 405);
    }
}
