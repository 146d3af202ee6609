//! One node of an application load balancer: an HTTP/1.1 proxy on each listener port of the
//! node's private address, in the node's namespace. It evaluates the listener's rules by
//! priority, answers fixed responses and redirects itself, and forwards a request to a target
//! over a new connection of its own (so the target sees the node's private address), with
//! `X-Forwarded-For` appended and `X-Forwarded-Proto` / `X-Forwarded-Port` set
//! (x-forwarded-headers.html). Targets are chosen round robin among the healthy ones of the
//! group (cross-zone: every node uses the targets of every enabled zone); when none is healthy
//! the node fails open and uses them all; a group without a target in use gets 503. Every node
//! checks every target on its own (`health.rs`), as ELB's nodes do. Its targets can change
//! while the lab runs ([`NodeHandle::register`], `targets.rs`): a deregistered one drains.
//!
//! One request per connection (`Connection: close` both ways): what a probe, curl and a health
//! check need; keep-alive and chunked request bodies are not modelled.

mod health;
mod http;
mod network;
mod rules;
mod targets;
mod tls;

pub use health::{HealthReport, TargetHealth};

use super::bind::{Listen, Socket};
use crate::scenario::{Action, HealthCheck, Listener, Proto};
use serde::{Deserialize, Serialize};
use std::io;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::net::{TcpListener, TcpStream};

/// A node: where it listens, what its listeners do, the groups they forward to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spec {
    /// The node's namespace.
    pub ns: String,
    /// The load balancer's name.
    pub lb: String,
    pub az: String,
    /// The node's private address: where it listens, and the source of what it sends.
    pub ip: Ipv4Addr,
    pub dns_name: String,
    /// A network load balancer's node: the kernel forwards its listeners' flows (`network.rs`).
    #[serde(default)]
    pub network: bool,
    pub listeners: Vec<Listener>,
    pub groups: Vec<Group>,
    /// Where the node writes its view of the targets' health (JSON [`HealthReport`]).
    #[serde(default)]
    pub health_file: Option<PathBuf>,
    /// The lab CA (certificate and key, PEM), which issues the certificate its HTTPS listeners
    /// present; empty: a CA of its own that no one trusts.
    #[serde(default)]
    pub ca: (String, String),
}

/// A target group as a node sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub health_check: HealthCheck,
    pub targets: Vec<GroupTarget>,
    /// A network load balancer's group: its targets see the client's address.
    #[serde(default)]
    pub preserve_client_ip: bool,
    /// `deregistration_delay.timeout_seconds`: how long a deregistered target drains.
    #[serde(default = "default_delay")]
    pub deregistration_delay_seconds: u32,
}

fn default_delay() -> u32 {
    300
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupTarget {
    /// `task/web` or `instance/ecs-1`.
    pub node: String,
    /// The IP address or the instance id, as DescribeTargetHealth shows it.
    pub id: String,
    pub ip: Ipv4Addr,
    pub port: u16,
    pub health_check_port: u16,
    /// In an availability zone the load balancer is enabled in (else `unused`, no traffic).
    pub in_use: bool,
    /// This node sends it flows: in use, and in the node's zone unless cross-zone load
    /// balancing is on (always for an application load balancer).
    #[serde(default)]
    pub in_rotation: bool,
    /// Registered by ECS for a service's task (not by hand): only once the task has started.
    #[serde(default)]
    pub by_service: bool,
}

impl GroupTarget {
    /// Whether ECS registers it, given the tasks that did not start: a service's task that did
    /// not start never is (Task lifecycle: a task is registered as it becomes RUNNING).
    pub fn registered(&self, not_started: &std::collections::HashSet<&str>) -> bool {
        !self.by_service || self.node.strip_prefix("task/").is_none_or(|t| !not_started.contains(t))
    }
}

/// `groups` without the targets ECS would not register (see [`GroupTarget::registered`]).
pub fn registered(groups: &[Group], not_started: &std::collections::HashSet<&str>) -> Vec<Group> {
    let keep = |g: &Group| Group {
        targets: g.targets.iter().filter(|t| t.registered(not_started)).cloned().collect(),
        ..g.clone()
    };
    groups.iter().map(keep).collect()
}

impl Spec {
    pub fn node(&self) -> String {
        let kind = if self.network { "nlb" } else { "alb" };
        format!("{kind}/{} ({})", self.lb, self.az)
    }

    /// An application load balancer's proxy sockets; none for a network one's node.
    pub fn listens(&self) -> Vec<Listen> {
        self.listeners
            .iter()
            .filter(|_| !self.network)
            .map(|l| Listen {
                ns: self.ns.clone(),
                addr: SocketAddrV4::new(self.ip, l.port.value),
                proto: Proto::Tcp,
                who: self.node(),
            })
            .collect()
    }
}

/// The file node `spec` writes its view of the targets' health to, in a lab's state directory.
pub fn health_file_name(lb: &str, az: &str) -> String {
    format!("target-health.{lb}.{az}.json")
}

/// What every node of load balancer `lb` last wrote, read from a lab's state directory `dir`.
pub fn load_reports(dir: &std::path::Path, lb: &str) -> Vec<HealthReport> {
    let Ok(entries) = std::fs::read_dir(dir) else { return vec![] };
    let prefix = format!("target-health.{lb}.");
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        // Not a `.tmp` a node is writing (write_atomic): it would count that node twice.
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    files.iter().filter_map(|p| serde_json::from_slice(&std::fs::read(p).ok()?).ok()).collect()
}

/// Node `eni` of load balancer `lb` of the lab: its listeners and the groups they forward to,
/// each target in use when it is in an enabled zone.
pub fn node_spec(lab: &crate::model::Lab, lb: usize, eni: usize) -> Spec {
    use crate::model::load_balancer::{in_rotation, in_use, registered_by_service};
    let l = &lab.load_balancers[lb];
    let e = &lab.enis[eni];
    let vpc = &lab.vpc.subnets;
    let az = &vpc[e.subnet].az;
    let groups = lab
        .target_groups
        .iter()
        .filter(|g| g.load_balancer == Some(lb))
        .map(|g| Group {
            name: g.name.clone(),
            health_check: g.health_check.clone(),
            targets: g
                .targets
                .iter()
                .map(|t| GroupTarget {
                    node: t.node.to_string(),
                    id: t.id.clone(),
                    ip: t.ip,
                    port: t.port,
                    health_check_port: g.health_check_port(t),
                    in_use: in_use(l, t, &lab.enis, vpc),
                    in_rotation: in_rotation(l, g, t, az, (&lab.enis, vpc)),
                    by_service: t
                        .node
                        .task_name()
                        .is_some_and(|task| registered_by_service(&lab.services, &lab.tasks, g, task)),
                })
                .collect(),
            preserve_client_ip: g.preserve_client_ip,
            deregistration_delay_seconds: g.deregistration_delay_seconds,
        })
        .collect();
    Spec {
        ns: e.ns.clone(),
        lb: l.name.clone(),
        az: vpc[e.subnet].az.clone(),
        ip: e.ip,
        dns_name: l.dns_name.clone(),
        network: l.is_network(),
        listeners: l.listeners.clone(),
        groups,
        health_file: None,
        ca: (String::new(), String::new()),
    }
}

/// A connection from the node's address, made in its namespace (the agent itself runs
/// elsewhere): what the target sees as the source.
pub(crate) async fn connect(ns: &str, from: Ipv4Addr, to: SocketAddrV4) -> io::Result<TcpStream> {
    let s = super::pull::tcp_in(ns)?;
    s.bind(std::net::SocketAddr::V4(SocketAddrV4::new(from, 0)))?;
    s.connect(std::net::SocketAddr::V4(to)).await
}

/// A running node: its spec, its targets with their health as it sees it.
pub(crate) struct NodeState {
    pub spec: Spec,
    pub targets: std::sync::Mutex<targets::Targets>,
    /// A network load balancer node's flows as last written to its NAT table.
    written: std::sync::Mutex<Option<Vec<crate::plan::load_balancer::Flows>>>,
    /// The runtime the node runs on: where its checkers and timers are spawned, whoever calls.
    pub rt: tokio::runtime::Handle,
}

/// A running node, to change its registrations while the lab runs (from its runtime or from
/// any thread: what it starts runs on the node's runtime).
#[derive(Clone)]
pub struct NodeHandle(Arc<NodeState>);

impl NodeHandle {
    /// The node's complete registrations from now on, in the shape of [`Spec::groups`]
    /// (`node_spec(&lab, lb, eni).groups`): targets kept keep their health, new ones start
    /// `initial`, those no longer listed drain for their group's deregistration delay
    /// (`targets.rs`).
    pub fn register(&self, groups: Vec<Group>) {
        let state = &self.0;
        let Ok(changes) = state.targets.lock().map(|mut t| t.register(&groups, std::time::Instant::now())) else {
            return;
        };
        for serial in changes.fresh {
            health::spawn_checker(state.clone(), serial);
        }
        for delay in changes.drains {
            let node = state.clone();
            state.rt.spawn(async move {
                tokio::time::sleep(delay).await;
                let purged = node.targets.lock().is_ok_and(|mut t| t.purge(std::time::Instant::now()));
                if purged {
                    health::changed(&node);
                }
            });
        }
        health::changed(state);
    }

    /// The node's current view of its targets: what it writes to its health file.
    pub fn report(&self) -> HealthReport {
        health::report(&self.0)
    }

    /// The node's spec as it started (its groups: the first registrations).
    pub fn spec(&self) -> &Spec {
        &self.0.spec
    }
}

/// Serve one node on its sockets (one per listener, in order), and start its health checks.
pub fn start(spec: &Spec, lab: Arc<str>, sockets: Vec<Socket>) -> io::Result<()> {
    start_node(spec, lab, sockets).map(drop)
}

/// [`start`], and the handle that changes the node's registrations. Call it inside a tokio
/// runtime (an error otherwise): the node runs there.
pub fn start_node(spec: &Spec, _lab: Arc<str>, sockets: Vec<Socket>) -> io::Result<NodeHandle> {
    let rt = tokio::runtime::Handle::try_current().map_err(io::Error::other)?;
    let state = Arc::new(NodeState {
        rt,
        targets: std::sync::Mutex::new(targets::Targets::new(&spec.groups)),
        written: std::sync::Mutex::new(None),
        spec: spec.clone(),
    });
    health::spawn_all(state.clone());
    let tls = tls::acceptor(spec)?;
    if spec.network {
        network::refresh(state.clone());
        return Ok(NodeHandle(state));
    }
    for (l, s) in spec.listeners.iter().zip(sockets) {
        if let Socket::Tcp(t) = s {
            let tls = tls.clone().filter(|_| l.protocol == crate::scenario::ElbProtocol::Https);
            tokio::spawn(serve(TcpListener::from_std(t)?, state.clone(), l.port.value, tls));
        }
    }
    Ok(NodeHandle(state))
}

async fn serve(listener: TcpListener, state: Arc<NodeState>, port: u16, tls: Option<tokio_rustls::TlsAcceptor>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => drop(match &tls {
                None => tokio::spawn(handle(stream, state.clone(), port)),
                Some(acceptor) => tokio::spawn(tls::handle(stream, acceptor.clone(), state.clone(), port)),
            }),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
}

/// One client connection of an HTTP listener: one request, one answer.
async fn handle(mut client: TcpStream, state: Arc<NodeState>, port: u16) {
    let Ok(peer) = client.peer_addr() else { return };
    let out = respond(&mut client, &state, (peer.ip(), port), "http").await;
    http::answer(&mut client, &out).await;
}

/// Read one request from `client` (of `peer`, on listener `port`, spoken in `scheme`) and
/// make the answer: the rules' action, or 400 for what is not a request.
pub(crate) async fn respond<S: tokio::io::AsyncRead + Unpin>(
    client: &mut S,
    state: &NodeState,
    (peer, port): (std::net::IpAddr, u16),
    scheme: &str,
) -> Vec<u8> {
    let Some(req) = http::read_request(client).await else { return http::elb_error(400) };
    let Some(listener) = state.spec.listeners.iter().find(|l| l.port.value == port) else {
        return http::elb_error(503);
    };
    match rules::evaluate(listener, &req) {
        Action::FixedResponse { status_code, content_type, message_body } => {
            http::response(*status_code, content_type, message_body.as_bytes(), &[])
        }
        Action::Redirect(r) => http::redirect(r, &req, (scheme, port)),
        Action::Forward(weighted) => forward(state, weighted, &req, peer, (scheme, port)).await,
    }
}

/// Forward to a target of one of the weighted groups: its answer, or ELB's 502/503/504.
async fn forward(
    state: &NodeState,
    weighted: &[crate::scenario::Weighted],
    req: &http::Request,
    client: std::net::IpAddr,
    (scheme, port): (&str, u16),
) -> Vec<u8> {
    let Some(group) = pick_group(state, weighted) else { return http::elb_error(503) };
    let Some(target) = state.targets.lock().ok().and_then(|mut t| t.pick(&group)) else {
        return http::elb_error(503);
    };
    let upstream = req.forwarded(client, scheme, port);
    let conn = connect(&state.spec.ns, state.spec.ip, SocketAddrV4::new(target.ip, target.port));
    http::exchange(conn, &upstream).await
}

/// A group by weight (a request counter walks the weights), among the node's groups.
fn pick_group(state: &NodeState, weighted: &[crate::scenario::Weighted]) -> Option<String> {
    let live: Vec<(String, u32)> = {
        let t = state.targets.lock().ok()?;
        weighted
            .iter()
            .filter(|w| w.weight > 0 && t.group(&w.target_group.value).is_some())
            .map(|w| (w.target_group.value.clone(), w.weight))
            .collect()
    };
    let total: u32 = live.iter().map(|(_, w)| w).sum();
    if total == 0 {
        return None;
    }
    let tick = u32::try_from(REQUESTS.fetch_add(1, Ordering::Relaxed) % total as usize).unwrap_or(0);
    let mut acc = 0;
    for (g, w) in &live {
        acc += w;
        if tick < acc {
            return Some(g.clone());
        }
    }
    live.first().map(|(g, _)| g.clone())
}

static REQUESTS: AtomicUsize = AtomicUsize::new(0);
