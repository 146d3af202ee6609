//! The per-lab agent: one long-running process (`ecsnet __agent LAB_STATE_DIR`) that hosts every
//! service of a lab. It opens every service's listeners inside their namespaces in one pass
//! (`bind`), then serves all of them from a single thread (a tokio `current_thread` runtime). A
//! listener costs the agent one task and one reactor registration, a few hundred bytes; the
//! socket buffers are kernel memory.
//!
//! Protocol with the parent: after every listener is bound the agent prints `ready\n` on stdout
//! (and then points stdout at /dev/null so the parent's pipe sees EOF); if one cannot be bound it
//! prints `error: <ns> <node> <port>/<proto>: <reason>\n` and exits 1. SIGTERM/SIGINT: exit 0.

use super::ServiceSpec;
use super::bind::{self, BindError};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::future::Future;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

/// What the agent serves: computed from the lab's model ([`super::config`]), or read from a
/// file (tests). Unknown fields are accepted and new ones must have defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentConfig {
    pub lab: String,
    #[serde(default)]
    pub services: Vec<ServiceSpec>,
    /// The tasks' starts: what the agent fetches from AWS before their containers run.
    #[serde(default)]
    pub starts: super::pull::Starts,
    /// Where to write how each start ended (JSON list of `StartResult`).
    #[serde(default)]
    pub results: Option<std::path::PathBuf>,
    /// Each instance's agent joining the cluster.
    #[serde(default)]
    pub registrations: Vec<super::control_plane::Spec>,
    /// Where to write how each registration ended (JSON list of `Registration`).
    #[serde(default)]
    pub registered: Option<std::path::PathBuf>,
}

impl AgentConfig {
    /// The part of a lab's agent that one host of a lab over several hosts runs
    /// (docs/multihost.md): the services whose every listener is in one of the host's
    /// `namespaces`, and the task starts and registrations made from them. What listens in the
    /// VPC router (the instance metadata service, the resolver) is on every host, in each
    /// host's copy; a service listening on several hosts at once would be left out.
    pub fn on_host(mut self, namespaces: &[String]) -> AgentConfig {
        let here = |ns: &str| ns.is_empty() || namespaces.iter().any(|n| n == ns);
        self.services.retain(|s| s.listens().iter().all(|l| here(&l.ns)));
        self.starts.tasks.retain(|t| here(&t.caller.ns));
        self.registrations.retain(|r| here(&r.caller.ns));
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("{0}")]
    Bind(#[from] BindError),
    #[error("{0}")]
    Io(#[from] io::Error),
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
    serve_nodes(config, ready, |_| {}, shutdown)
}

/// [`serve`], and `on_ready`, called inside the runtime right after `ready`, gets the handles of
/// the lab's load balancer nodes (in the order of `config.services`): what changes their
/// registrations while the lab runs ([`super::load_balancer::NodeHandle`]).
pub fn serve_nodes<S, F>(
    config: &AgentConfig,
    ready: impl FnOnce(),
    on_ready: impl FnOnce(Vec<super::load_balancer::NodeHandle>),
    shutdown: S,
) -> Result<(), AgentError>
where
    S: FnOnce() -> F,
    F: Future<Output = ()>,
{
    let wanted: Vec<Vec<bind::Listen>> = config.services.iter().map(ServiceSpec::listens).collect();
    let mut sockets = bind::bind_all(&wanted.concat())?.into_iter();
    let mut per: Vec<Vec<bind::Socket>> = wanted.iter().map(|w| sockets.by_ref().take(w.len()).collect()).collect();
    let lab: Arc<str> = Arc::from(config.lab.as_str());
    let waiting: HashSet<&str> = config.starts.tasks.iter().map(|s| s.task.as_str()).collect();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let r = rt.block_on(async move {
        let stop = shutdown();
        // The lab's infrastructure first (DNS, front doors, IMDS): the starts need it.
        let nodes = start_infrastructure(config, &mut per, &lab, &waiting)?;
        // Registration runs beside the starts and past `ready`: on AWS the agent joins in the
        // background, and a blocked one costs a connect timeout `up` need not wait for.
        if !config.registrations.is_empty() {
            let (specs, ca, out) =
                (config.registrations.clone(), config.starts.ca_pem.clone(), config.registered.clone());
            tokio::spawn(async move {
                let r = super::control_plane::run_all(&specs, &ca).await;
                if let (Some(path), Ok(data)) = (out, serde_json::to_vec_pretty(&r)) {
                    let _ = crate::dataplane::state::write_atomic(&path, &data);
                }
            });
        }
        let results = if waiting.is_empty() { vec![] } else { super::pull::run_all(&config.starts).await };
        if let Some(path) = &config.results {
            let data = serde_json::to_vec_pretty(&results).map_err(io::Error::other)?;
            crate::dataplane::state::write_atomic(path, &data)?;
        }
        // A task that did not start serves nothing: its sockets close, its metadata says STOPPED.
        let stopped: HashSet<&str> = results.iter().filter(|r| !r.started).map(|r| r.task.as_str()).collect();
        // The services' tasks that started become targets now, as ECS registers them.
        for (node, spec) in nodes.iter().zip(config.services.iter().filter_map(ServiceSpec::load_balancer)) {
            if !waiting.is_empty() {
                node.register(super::load_balancer::registered(&spec.groups, &stopped));
            }
        }
        let arns: HashSet<&str> =
            config.starts.tasks.iter().filter(|s| stopped.contains(s.task.as_str())).map(|s| s.arn.as_str()).collect();
        for (service, socks) in config.services.iter().zip(per.iter_mut()) {
            if !service.waits_for_starts(&waiting) {
                continue;
            }
            match service {
                ServiceSpec::Responder(r) if r.task.as_deref().is_some_and(|t| stopped.contains(t)) => socks.clear(),
                ServiceSpec::TaskMetadata(t) if !arns.is_empty() => {
                    ServiceSpec::TaskMetadata(t.with_stopped(&arns)).start(lab.clone(), std::mem::take(socks))?
                }
                _ => service.start(lab.clone(), std::mem::take(socks))?,
            }
        }
        ready();
        on_ready(nodes);
        stop.await;
        Ok::<(), io::Error>(())
    });
    // Dropping the runtime cancels every task and closes every socket.
    drop(rt);
    Ok(r?)
}

/// Start the services that do not wait for the tasks' starts; the load balancer nodes' handles.
fn start_infrastructure(
    config: &AgentConfig,
    per: &mut [Vec<bind::Socket>],
    lab: &Arc<str>,
    waiting: &HashSet<&str>,
) -> io::Result<Vec<super::load_balancer::NodeHandle>> {
    let mut nodes = vec![];
    for (service, socks) in config.services.iter().zip(per.iter_mut()) {
        match service {
            // A service's task with a start to run is registered once it has started.
            ServiceSpec::LoadBalancer(n) => {
                let first = super::load_balancer::Spec {
                    groups: super::load_balancer::registered(&n.groups, waiting),
                    ..n.clone()
                };
                nodes.push(super::load_balancer::start_node(&first, lab.clone(), std::mem::take(socks))?)
            }
            _ if !service.waits_for_starts(waiting) => service.start(lab.clone(), std::mem::take(socks))?,
            _ => {}
        }
    }
    Ok(nodes)
}

/// Ends the agent on SIGTERM or SIGINT, exit code 0, at once: the kernel closes its sockets,
/// and tearing down the runtime and the model first made its exit 6 ms instead of 4 at 100
/// tasks, in `down`'s wait (every file it writes is written whole or not at all). Must be
/// called inside a runtime.
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
                std::process::exit(0)
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

/// What the lab's controller is made from, once the agent is ready.
struct ControllerSource {
    dir: std::path::PathBuf,
    lab: crate::model::Lab,
    created_ns: u64,
    ca: Option<(String, String)>,
}

/// What to serve: a lab's state directory (its model says, with the lab's controller), or a
/// configuration file.
fn load_config(path: &Path) -> Result<(AgentConfig, Option<ControllerSource>), String> {
    if path.is_dir() {
        let lab = crate::dataplane::state::load_lab_at(path).map_err(|e| e.to_string())?;
        use crate::dataplane::sandbox::{CA_CERT, CA_KEY, ca_dir};
        let read = |f: &str| std::fs::read_to_string(ca_dir(path).join(f)).ok();
        let ca = read(CA_CERT).zip(read(CA_KEY));
        // Container times start now.
        let created_ns = crate::sys::time::now_unix() * crate::sys::time::NS_PER_SEC;
        let mut c = super::config(&lab, created_ns, ca.clone());
        c.results = Some(path.join(crate::dataplane::state::STARTS_FILE));
        c.registered = Some(path.join(crate::dataplane::state::REGISTRATIONS_FILE));
        for s in c.services.iter_mut() {
            if let ServiceSpec::LoadBalancer(n) = s {
                n.health_file = Some(path.join(super::load_balancer::health_file_name(&n.lb, &n.az)));
            }
        }
        return Ok((c, Some(ControllerSource { dir: path.to_path_buf(), lab, created_ns, ca })));
    }
    let config = std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))?;
    Ok((config, None))
}

/// Entry point of `ecsnet __agent LAB_STATE_DIR|CONFIG`: called from `main` before any runtime
/// exists. Returns the process exit code.
pub fn agent_main(config_path: &Path) -> i32 {
    let _ = crate::sys::limits::raise_nofile_limit();
    let (config, controller) = match load_config(config_path) {
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
    // Once every service runs, the lab's controller drives its nodes (StopTask, the service
    // scheduler).
    let on_ready = move |nodes: Vec<super::load_balancer::NodeHandle>| {
        if let Some(src) = controller {
            let nodes = nodes.into_iter().map(|n| Box::new(n) as Box<dyn super::controller::NodeControl>).collect();
            tokio::spawn(async move {
                // Loaded once the services run, off the runtime's threads: it parses the
                // scenario and builds the model again (a third of a second at 1,000 tasks),
                // which `up` need not wait for.
                let load = move || super::controller::Controller::load(&src.dir, &src.lab, src.created_ns, src.ca);
                if let Ok(Some(c)) = tokio::task::spawn_blocking(load).await {
                    c.run(nodes).await;
                }
            });
        }
    };
    match serve_nodes(&config, ready, on_ready, termination) {
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
    use crate::scenario::{PortProto, Proto};
    use crate::services::responder;
    use std::net::Ipv4Addr;

    #[test]
    fn a_host_serves_only_what_listens_in_its_namespaces() {
        let j = r#"{"lab":"l1","services":[
            {"kind":"responder","ns":"ecsnet.l1.t1","node":"task/web/app","task":"web","listen":[{"port":80,"proto":"tcp"}]},
            {"kind":"responder","ns":"ecsnet.l1.t2","node":"task/db/pg","task":"db","listen":[{"port":5432,"proto":"tcp"}]}]}"#;
        let c: AgentConfig = serde_json::from_str(j).unwrap();
        let mine = c.on_host(&["ecsnet.l1.vpc".into(), "ecsnet.l1.t2".into()]);
        let nodes: Vec<String> = mine.services.iter().flat_map(|s| s.listens()).map(|l| l.who).collect();
        assert_eq!(nodes.len(), 1, "{nodes:?}");
        assert!(nodes[0].contains("task/db"), "{nodes:?}");
    }

    #[test]
    fn config_parses_with_defaults_and_unknown_fields() {
        let j = r#"{"lab":"l1","services":[
            {"kind":"responder","ns":"ecsnet.l1.t1","node":"task/web/app","task":"web","container":"app","listen":[{"port":3000,"proto":"tcp"}]},
            {"kind":"responder","ns":"ecsnet.l1.inet","node":"internet/api","bind":"198.51.100.80","listen":[{"port":53,"proto":"udp"}]}],
            "metadata":{"future":"field"}}"#;
        let c: AgentConfig = serde_json::from_str(j).unwrap();
        assert_eq!(c.lab, "l1");
        let ServiceSpec::Responder(web) = &c.services[0] else { panic!("{c:?}") };
        assert_eq!(web.bind, None);
        assert_eq!(web.container.as_deref(), Some("app"));
        let ServiceSpec::Responder(api) = &c.services[1] else { panic!("{c:?}") };
        assert_eq!(api.bind, Some(Ipv4Addr::new(198, 51, 100, 80)));
        assert_eq!(api.task, None);
        assert_eq!(api.listen, vec![PortProto { port: 53, proto: Proto::Udp }]);
        let back: AgentConfig = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn on_ready_gets_the_load_balancer_nodes_in_service_order() {
        let node = |lb: &str| {
            ServiceSpec::LoadBalancer(crate::services::load_balancer::Spec {
                ns: String::new(),
                lb: lb.into(),
                az: "ap-northeast-1a".into(),
                ip: Ipv4Addr::LOCALHOST,
                dns_name: format!("{lb}.example"),
                network: false,
                listeners: vec![],
                groups: vec![],
                health_file: None,
                ca: (String::new(), String::new()),
            })
        };
        let c = AgentConfig { lab: "t".into(), services: vec![node("a"), node("b")], ..AgentConfig::default() };
        let mut seen = vec![];
        let mut ready = false;
        serve_nodes(&c, || ready = true, |nodes| seen = nodes.iter().map(|n| n.report().lb).collect(), || async {})
            .unwrap();
        assert!(ready);
        assert_eq!(seen, vec!["a".to_string(), "b".to_string()]);
    }

    #[test]
    fn a_bind_failure_is_reported_with_its_service() {
        let c = AgentConfig {
            lab: "t".into(),
            services: vec![ServiceSpec::Responder(responder::Spec {
                ns: "ecsnet.no-such-namespace-for-test".into(),
                node: "task/x".into(),
                task: None,
                container: None,
                bind: None,
                listen: vec![PortProto { port: 3000, proto: Proto::Tcp }],
                http_status: vec![],
            })],
            ..AgentConfig::default()
        };
        let e = serve(&c, || panic!("not ready"), || async {}).unwrap_err();
        assert!(e.to_string().starts_with("ecsnet.no-such-namespace-for-test task/x 3000/tcp: enter netns"), "{e}");
    }
}
