//! The per-lab agent: one long-running process (`ecsnet __agent CONFIG.json`) that opens every
//! built-in responder's listener inside that responder's namespace and then serves all of them
//! from a single thread (a tokio `current_thread` runtime). A listener costs the agent one task
//! and one reactor registration, a few hundred bytes; the socket buffers are kernel memory.
//!
//! Protocol with the parent: after every listener is bound the agent prints `ready\n` on stdout
//! (and then points stdout at /dev/null so the parent's pipe sees EOF); if one cannot be bound it
//! prints `error: <ns> <node> <port>/<proto>: <reason>\n` and exits 1. SIGTERM/SIGINT: exit 0.

use super::responder::{NodeInfo, serve_tcp, serve_udp};
use super::sock;
use crate::dataplane::netns;
use crate::scenario::Proto;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::Path;
use std::sync::Arc;

/// TCP listen backlog of every responder.
pub const BACKLOG: i32 = 1024;

/// What the agent serves. Written by `ecsnet up` as JSON; fields may be added later (the task
/// metadata endpoint), so unknown fields are accepted and new ones must have defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentConfig {
    pub lab: String,
    #[serde(default)]
    pub listeners: Vec<ListenerSpec>,
    /// The task metadata endpoint of each instance (127.0.0.1:51679 in its namespace).
    #[serde(default)]
    pub tmds: Vec<super::tmds::TmdsInstance>,
}

/// One responder listener.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerSpec {
    /// Namespace name under /run/netns; empty = the agent's own namespace.
    pub ns: String,
    /// The node that answers, e.g. `task/web/app` or `internet/api`.
    pub node: String,
    #[serde(default)]
    pub task: Option<String>,
    #[serde(default)]
    pub container: Option<String>,
    /// Address to bind; `None` = 0.0.0.0.
    #[serde(default)]
    pub bind: Option<Ipv4Addr>,
    pub port: u16,
    pub proto: Proto,
}

/// A listener that could not be opened.
#[derive(Debug)]
pub struct BindError {
    pub ns: String,
    pub node: String,
    pub port: u16,
    pub proto: Proto,
    pub error: io::Error,
}

impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}/{}: {}", self.ns, self.node, self.port, self.proto, self.error)
    }
}

impl std::error::Error for BindError {}

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("{0}")]
    Bind(#[from] BindError),
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Listeners opened in their namespaces, not yet registered with a runtime.
#[derive(Debug, Default)]
pub struct Bound {
    pub tcp: Vec<(std::net::TcpListener, Arc<NodeInfo>)>,
    pub udp: Vec<(std::net::UdpSocket, Arc<NodeInfo>)>,
}

enum Sock {
    Tcp(std::net::TcpListener),
    Udp(std::net::UdpSocket),
}

fn open(l: &ListenerSpec) -> io::Result<Sock> {
    let a = SocketAddrV4::new(l.bind.unwrap_or(Ipv4Addr::UNSPECIFIED), l.port);
    Ok(match l.proto {
        Proto::Tcp => Sock::Tcp(sock::tcp_listener(a, BACKLOG)?),
        Proto::Udp => Sock::Udp(sock::udp_listener(a)?),
    })
}

/// Open every listener inside its namespace: one thread hops through the namespaces (setns is
/// per thread and costs microseconds), creating that namespace's sockets, then exits; the sockets
/// stay in the namespaces they were created in. Stops at the first failure.
pub fn bind_all(config: &AgentConfig) -> Result<Bound, BindError> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, l) in config.listeners.iter().enumerate() {
        groups.entry(l.ns.clone()).or_default().push(i);
    }
    let specs = config.listeners.clone();
    let opened = std::thread::spawn(move || -> Result<Vec<(usize, Sock)>, (usize, io::Error)> {
        let mut out = Vec::with_capacity(specs.len());
        // "" (the agent's own namespace) sorts first, before the thread has left it.
        for (ns, idxs) in &groups {
            if !ns.is_empty() {
                netns::enter(&netns::path(ns))
                    .map_err(|e| (idxs[0], io::Error::new(e.kind(), format!("enter netns: {e}"))))?;
            }
            for &i in idxs {
                out.push((i, open(&specs[i]).map_err(|e| (i, e))?));
            }
        }
        Ok(out)
    })
    .join()
    .map_err(|_| BindError {
        ns: String::new(),
        node: String::new(),
        port: 0,
        proto: Proto::Tcp,
        error: io::Error::other("bind thread panicked"),
    })?;
    let opened = opened.map_err(|(i, error)| {
        let l = &config.listeners[i];
        BindError { ns: l.ns.clone(), node: l.node.clone(), port: l.port, proto: l.proto, error }
    })?;

    // One NodeInfo per distinct node, shared by its listeners.
    let lab: Arc<str> = Arc::from(config.lab.as_str());
    type NodeKey<'a> = (&'a str, Option<&'a str>, Option<&'a str>);
    let mut infos: HashMap<NodeKey, Arc<NodeInfo>> = HashMap::new();
    let mut bound = Bound::default();
    for (i, s) in opened {
        let l = &config.listeners[i];
        let info = infos
            .entry((l.node.as_str(), l.task.as_deref(), l.container.as_deref()))
            .or_insert_with(|| {
                Arc::new(NodeInfo {
                    lab: lab.clone(),
                    node: l.node.as_str().into(),
                    task: l.task.as_deref().map(Into::into),
                    container: l.container.as_deref().map(Into::into),
                })
            })
            .clone();
        match s {
            Sock::Tcp(t) => bound.tcp.push((t, info)),
            Sock::Udp(u) => bound.udp.push((u, info)),
        }
    }
    Ok(bound)
}

/// Bind everything in `config`, call `ready`, and serve until the future made by `shutdown`
/// completes. Runs a single-threaded tokio runtime on the calling thread, which must not be
/// inside a runtime already. `shutdown` is called inside the runtime, before `ready`, so it can
/// register signal handlers that are in place by the time the parent sees `ready`.
pub fn serve<S, F>(config: &AgentConfig, ready: impl FnOnce(), shutdown: S) -> Result<(), AgentError>
where
    S: FnOnce() -> F,
    F: Future<Output = ()>,
{
    let bound = bind_all(config)?;
    let tmds = super::tmds::bind_all(&config.tmds, super::tmds::LISTEN_PORT)?;
    let lab: Arc<str> = Arc::from(config.lab.as_str());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let r = rt.block_on(async move {
        let stop = shutdown();
        for (l, inst) in tmds.into_iter().zip(config.tmds.iter()) {
            let ep = Arc::new(super::tmds::Endpoint { lab: lab.clone(), inst: inst.clone() });
            tokio::spawn(super::tmds::serve(tokio::net::TcpListener::from_std(l)?, ep));
        }
        for (l, info) in bound.tcp {
            tokio::spawn(serve_tcp(tokio::net::TcpListener::from_std(l)?, info));
        }
        for (u, info) in bound.udp {
            tokio::spawn(serve_udp(tokio::net::UdpSocket::from_std(u)?, info));
        }
        ready();
        stop.await;
        Ok::<(), io::Error>(())
    });
    // Dropping the runtime cancels every task and closes every socket.
    drop(rt);
    Ok(r?)
}

/// Resolves on SIGTERM or SIGINT. Must be called inside a runtime.
fn termination() -> impl Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    async move {
        match (term, int) {
            (Ok(mut t), Ok(mut i)) => {
                tokio::select! {
                    _ = t.recv() => {}
                    _ = i.recv() => {}
                }
            }
            // Without handlers the default action still ends the process on these signals.
            _ => std::future::pending::<()>().await,
        }
    }
}

fn say(line: &str) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Point stdout at /dev/null so the parent reading our pipe gets EOF after `ready`.
fn detach_stdout() {
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        use std::os::fd::AsRawFd;
        // SAFETY: dup2 onto fd 1 with a valid descriptor; stdout's buffer was flushed by `say`.
        unsafe { libc::dup2(null.as_raw_fd(), libc::STDOUT_FILENO) };
    }
}

/// Entry point of `ecsnet __agent CONFIG`: called from `main` before any runtime exists.
/// Returns the process exit code.
pub fn agent_main(config_path: &Path) -> i32 {
    let _ = sock::raise_nofile_limit();
    let config: AgentConfig = match std::fs::read(config_path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(c) => c,
        Err(e) => {
            say(&format!("error: {}: {e}", config_path.display()));
            return 1;
        }
    };
    // Do not pin the mount the lab directory lives on.
    let _ = std::env::set_current_dir("/");
    let ready = || {
        say("ready");
        detach_stdout();
    };
    match serve(&config, ready, termination) {
        Ok(()) => 0,
        Err(e) => {
            say(&format!("error: {e}"));
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_parses_with_defaults_and_unknown_fields() {
        let j = r#"{"lab":"l1","listeners":[
            {"ns":"ecsnet.l1.t1","node":"task/web/app","task":"web","container":"app","port":3000,"proto":"tcp"},
            {"ns":"ecsnet.l1.inet","node":"internet/api","bind":"198.51.100.80","port":53,"proto":"udp"}],
            "metadata":{"future":"field"}}"#;
        let c: AgentConfig = serde_json::from_str(j).unwrap();
        assert_eq!(c.lab, "l1");
        assert_eq!(c.listeners[0].bind, None);
        assert_eq!(c.listeners[0].container.as_deref(), Some("app"));
        assert_eq!(c.listeners[1].bind, Some(Ipv4Addr::new(198, 51, 100, 80)));
        assert_eq!(c.listeners[1].task, None);
        assert_eq!(c.listeners[1].proto, Proto::Udp);
        let back: AgentConfig = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn bind_error_format() {
        let e = BindError {
            ns: "ecsnet.l1.t1".into(),
            node: "task/web/app".into(),
            port: 3000,
            proto: Proto::Tcp,
            error: io::Error::from_raw_os_error(libc::EADDRINUSE),
        };
        assert!(e.to_string().starts_with("ecsnet.l1.t1 task/web/app 3000/tcp: "));
    }

    #[test]
    fn bind_all_in_own_namespace_on_loopback() {
        // Port 0 on 127.0.0.1 in the current namespace: touches nothing outside this process.
        let c = AgentConfig {
            lab: "t".into(),
            tmds: vec![],
            listeners: vec![
                ListenerSpec {
                    ns: String::new(),
                    node: "n".into(),
                    task: None,
                    container: None,
                    bind: Some(Ipv4Addr::LOCALHOST),
                    port: 0,
                    proto: Proto::Tcp,
                },
                ListenerSpec {
                    ns: String::new(),
                    node: "n".into(),
                    task: None,
                    container: None,
                    bind: Some(Ipv4Addr::LOCALHOST),
                    port: 0,
                    proto: Proto::Udp,
                },
            ],
        };
        let b = bind_all(&c).unwrap();
        assert_eq!(b.tcp.len(), 1);
        assert_eq!(b.udp.len(), 1);
        assert!(Arc::ptr_eq(&b.tcp[0].1, &b.udp[0].1));
    }

    #[test]
    fn bind_all_reports_missing_namespace() {
        let c = AgentConfig {
            lab: "t".into(),
            tmds: vec![],
            listeners: vec![ListenerSpec {
                ns: "ecsnet.no-such-namespace-for-test".into(),
                node: "task/x".into(),
                task: None,
                container: None,
                bind: None,
                port: 3000,
                proto: Proto::Tcp,
            }],
        };
        let e = bind_all(&c).unwrap_err();
        assert_eq!(e.port, 3000);
        assert!(e.to_string().starts_with("ecsnet.no-such-namespace-for-test task/x 3000/tcp: enter netns"), "{e}");
    }
}
