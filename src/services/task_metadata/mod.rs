//! The task metadata and credentials endpoint (TMDS), as the ECS agent serves it on
//! 127.0.0.1:51679 of each container instance (ECS-FACTS §2). ecs-init's DNAT / REDIRECT of
//! 169.254.170.2:80 is in the instance's nft table (model::plan); this is the listener behind it,
//! hosted by the lab's agent process on its single thread.
//!
//! The documents are computed when `up` writes the agent's configuration
//! ([`documents::tmds_config`]): per task the JSON text before and after its `Containers` array
//! and one compact JSON text per container, in the v4 shape and in the older shape of v2 and v3,
//! so the agent only looks them up and concatenates. Credentials are made up from their id when
//! asked for (fake, and marked so), stats from the clock (nothing is measured).
//!
//! Routes, as the agent's router has them (`routes`): `/v2/metadata[/<dockerId>]`,
//! `/v2/metadataWithTags`, `/v2/stats[/<dockerId>]` (awsvpc: the task is found by the request's
//! source address, its `ecs-eth0` address), `/v3/<id>[/task|/taskWithTags|/stats|/task/stats]`,
//! the same under `/v4/`, `/api/<id>/task-protection/v1/state`, `/v2/credentials/<id>` and
//! `/v1/credentials?id=<id>`. The HTTP server (`http`) answers as Go's does.

pub(crate) mod credentials;
pub mod documents;
mod http;
pub mod introspection;
mod protection;
mod routes;
pub mod stats;

pub use credentials::{
    CREDENTIALS_LIFETIME_SECS, FakeCredentials, ROTATION_SECS, credentials_of, fake_credentials, generation,
};
pub use http::request_line;
pub use routes::answer;

use super::bind::{Listen, Socket};
use crate::model::{INTROSPECTION_PORT, TMDS_LISTEN_PORT};
use crate::scenario::Proto;
use serde::{Deserialize, Serialize, Serializer};
use std::io;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::Arc;

/// The endpoint of one container instance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TmdsInstance {
    /// `instance/NAME`, for messages.
    pub node: String,
    /// The instance's namespace, where 127.0.0.1:51679 is bound.
    pub ns: String,
    #[serde(default)]
    pub tasks: Vec<TmdsTask>,
    /// What its introspection API says about the agent.
    #[serde(default)]
    pub agent: introspection::AgentIdentity,
    /// A Fargate microVM's endpoint: the agent listens on 169.254.170.2:80 itself and has no
    /// introspection API.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fargate: bool,
}

impl TmdsInstance {
    /// The task a Fargate microVM's endpoint serves (its node is `task/NAME (Fargate)`).
    pub fn fargate_task(&self) -> Option<&str> {
        let name = self.node.strip_prefix("task/")?.strip_suffix(" (Fargate)")?;
        self.fargate.then_some(name)
    }
}

/// One placed task of the instance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TmdsTask {
    /// awsvpc: the task's `ecs-eth0` address, by which v2 finds the task.
    #[serde(default)]
    pub bridge_ip: Option<Ipv4Addr>,
    /// The task ARN, for the task protection answers.
    #[serde(default)]
    pub arn: String,
    /// The v4 task document up to and including `"Containers":[`.
    pub head: String,
    /// The v4 task document from the `]` closing `Containers` to its end.
    pub tail: String,
    /// The same two parts of the v2/v3 task document.
    #[serde(default)]
    pub head_v3: String,
    #[serde(default)]
    pub tail_v3: String,
    pub containers: Vec<TmdsContainer>,
    #[serde(default)]
    pub credentials: Option<TmdsCredentials>,
    /// Its `/v1/tasks` entry on the introspection API.
    #[serde(default)]
    pub introspection: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TmdsContainer {
    /// The v3/v4 endpoint id (ECS_CONTAINER_METADATA_URI_V4's last part); empty for the pause.
    #[serde(default)]
    pub endpoint_id: String,
    pub docker_id: String,
    /// The container's v4 document, compact JSON.
    pub doc: String,
    /// Its v3 document (the v2 shape, with the Docker networks of a non-awsvpc container).
    #[serde(default)]
    pub doc_v3: String,
    /// Its v2 document where that differs from v3: a non-awsvpc container, without `Networks`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_v2: Option<String>,
    /// What its made-up Docker stats are computed from.
    #[serde(default)]
    pub stats: stats::StatsSource,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TmdsCredentials {
    /// The id in AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (`/v2/credentials/<id>`).
    pub id: String,
    pub role_arn: String,
}

impl TmdsTask {
    /// The whole v4 task document.
    pub fn document(&self) -> String {
        assemble(&self.head, self.containers.iter().map(|c| c.doc.as_str()), &self.tail)
    }

    /// The whole v2/v3 task document.
    pub fn document_v3(&self) -> String {
        assemble(&self.head_v3, self.containers.iter().map(|c| c.doc_v3.as_str()), &self.tail_v3)
    }
}

fn assemble<'a>(head: &str, docs: impl Iterator<Item = &'a str> + Clone, tail: &str) -> String {
    let n: usize = docs.clone().map(|d| d.len() + 1).sum();
    let mut s = String::with_capacity(head.len() + tail.len() + n);
    s.push_str(head);
    for (i, d) in docs.enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(d);
    }
    s.push_str(tail);
    s
}

/// A request as the routes see it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    pub body: Vec<u8>,
    /// Where it came from (after the DNAT, which keeps the source).
    pub peer: Option<SocketAddrV4>,
}

impl Request {
    fn peer_ip(&self) -> Ipv4Addr {
        self.peer.map(|p| *p.ip()).unwrap_or(Ipv4Addr::UNSPECIFIED)
    }
}

/// An HTTP answer, as a handler of the agent writes it; the server adds the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// `Content-Type`, when the handler sets one.
    pub content_type: Option<&'static str>,
    pub body: String,
    /// Other headers the handler sets (`Location`, `X-Content-Type-Options`).
    pub headers: Vec<(&'static str, String)>,
    /// Answered by the outer router (the path-cleaning redirect), before the rate limiter that
    /// adds the `X-Rate-Limit-*` headers.
    pub before_limiter: bool,
}

impl Answer {
    fn json(status: u16, body: String) -> Answer {
        Answer { status, content_type: Some("application/json"), body, headers: vec![], before_limiter: false }
    }
    /// The agent's error bodies are JSON strings.
    fn json_msg(status: u16, msg: &str) -> Answer {
        Answer::json(status, serde_json::Value::String(msg.to_string()).to_string())
    }
    /// Go's `http.NotFound`, which gorilla/mux answers for a path no route has.
    fn not_found() -> Answer {
        Answer {
            status: 404,
            content_type: Some("text/plain; charset=utf-8"),
            body: "404 page not found\n".into(),
            headers: vec![("X-Content-Type-Options", "nosniff".into())],
            before_limiter: false,
        }
    }
    /// gorilla/mux, for a path whose route has other methods.
    fn method_not_allowed() -> Answer {
        Answer { status: 405, content_type: None, body: String::new(), headers: vec![], before_limiter: false }
    }
}

/// A float64 as Go's encoding/json writes it: whole numbers without a fraction (`2`, not
/// `2.0`), others in their shortest form (`0.25`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GoFloat(pub f64);

impl Serialize for GoFloat {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.0;
        if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 { s.serialize_i64(f as i64) } else { s.serialize_f64(f) }
    }
}

impl TmdsInstance {
    /// The same endpoint, where the tasks of `arns` did not start: ECS reports them (and
    /// their containers) STOPPED, desired and known.
    pub fn with_stopped(&self, arns: &std::collections::HashSet<&str>) -> TmdsInstance {
        let mut inst = self.clone();
        for t in inst.tasks.iter_mut().filter(|t| arns.contains(t.arn.as_str())) {
            for s in [&mut t.head, &mut t.head_v3, &mut t.introspection] {
                *s = stopped_text(s);
            }
            for c in &mut t.containers {
                c.doc = stopped_text(&c.doc);
                c.doc_v3 = stopped_text(&c.doc_v3);
                c.doc_v2 = c.doc_v2.as_deref().map(stopped_text);
            }
        }
        inst
    }

    /// The sockets the agent has: 127.0.0.1:51679 in the instance's namespace, then the
    /// introspection API on 0.0.0.0:51678.
    pub fn listens(&self) -> Vec<Listen> {
        if self.fargate {
            return vec![Listen {
                ns: self.ns.clone(),
                addr: SocketAddrV4::new(crate::model::METADATA_IP, crate::model::METADATA_PORT),
                proto: Proto::Tcp,
                who: format!("{} Fargate task metadata endpoint", self.node),
            }];
        }
        vec![
            Listen {
                ns: self.ns.clone(),
                addr: SocketAddrV4::new(Ipv4Addr::LOCALHOST, TMDS_LISTEN_PORT),
                proto: Proto::Tcp,
                who: format!("{} task metadata endpoint", self.node),
            },
            Listen {
                ns: self.ns.clone(),
                addr: SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, INTROSPECTION_PORT),
                proto: Proto::Tcp,
                who: format!("{} ECS agent introspection", self.node),
            },
        ]
    }
}

/// A document's RUNNING and RESOURCES_PROVISIONED statuses as STOPPED.
fn stopped_text(doc: &str) -> String {
    let mut s = doc.to_string();
    for key in ["DesiredStatus", "KnownStatus"] {
        for from in ["RUNNING", "RESOURCES_PROVISIONED"] {
            for sep in [":", ": "] {
                s = s.replace(&format!("\"{key}\"{sep}\"{from}\""), &format!("\"{key}\"{sep}\"STOPPED\""));
            }
        }
    }
    s
}

/// Serve one instance's endpoint on its socket, on the current runtime. The entry point of this
/// service.
/// An endpoint's tasks, which the lab's controller replaces while it serves.
pub(crate) type Live = Arc<std::sync::RwLock<Arc<TmdsInstance>>>;

/// The endpoints this process serves, by namespace (one agent serves one lab).
static SERVING: std::sync::Mutex<Vec<(String, Live)>> = std::sync::Mutex::new(Vec::new());

pub(crate) fn live(inst: TmdsInstance) -> Live {
    Arc::new(std::sync::RwLock::new(Arc::new(inst)))
}

/// What an endpoint serves now.
pub(crate) fn current(l: &Live) -> Arc<TmdsInstance> {
    l.read().map(|g| g.clone()).unwrap_or_else(|e| e.into_inner().clone())
}

/// Serve `inst` from now on at the endpoint of its namespace (an instance whose tasks changed
/// while the lab runs); false when this process serves none there.
pub fn update(inst: &TmdsInstance) -> bool {
    let Ok(serving) = SERVING.lock() else { return false };
    let Some((_, l)) = serving.iter().find(|(ns, _)| *ns == inst.ns) else { return false };
    if let Ok(mut g) = l.write() {
        *g = Arc::new(inst.clone());
    }
    true
}

pub fn start(inst: &TmdsInstance, lab: Arc<str>, sockets: Vec<Socket>) -> io::Result<()> {
    let inst = live(inst.clone());
    if let Ok(mut serving) = SERVING.lock() {
        let ns = current(&inst).ns.clone();
        serving.retain(|(n, _)| *n != ns);
        serving.push((ns, inst.clone()));
    }
    // In the order of `listens`: the task metadata endpoint, then introspection.
    for (i, s) in sockets.into_iter().enumerate() {
        if let Socket::Tcp(l) = s {
            let api = if i == 0 { http::Api::TaskMetadata } else { http::Api::Introspection };
            let ep = Arc::new(http::Endpoint { lab: lab.clone(), inst: inst.clone(), api });
            tokio::spawn(http::serve(tokio::net::TcpListener::from_std(l)?, ep));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
