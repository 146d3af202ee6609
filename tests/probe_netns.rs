//! Probes and responders with real packets between throwaway namespaces (needs root; skipped
//! otherwise). Every test makes its own pair of namespaces `ecsnet.ptest-<test>-<pid>.{a,b}`
//! joined by a veth pair (10.99.0.1/24 in a, 10.99.0.2/24 in b), created directly inside them so
//! nothing touches the host namespace, and deletes them when it ends, also on failure.

use ecsnet::probe::{self, ProbeResult, ProbeSpec};
use ecsnet::scenario::PortProto;
use ecsnet::scenario::{Outcome, ProbeProto, Proto};
use ecsnet::services::agent::{AgentConfig, serve};
use ecsnet::services::{ServiceSpec, responder};
use std::io::{BufRead, BufReader, Write};
use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const A_IP: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 1);
const B_IP: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 2);
/// On the link, but nobody has it: ARP never resolves, packets vanish.
const GHOST_IP: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 77);
/// Routed from a to b, where forwarding is on but no route exists: b answers ICMP net unreachable.
const NOWHERE_IP: Ipv4Addr = Ipv4Addr::new(10, 99, 7, 7);

fn is_root() -> bool {
    if nix::unistd::Uid::effective().is_root() {
        return true;
    }
    eprintln!("skipped: needs root");
    false
}

fn sh(args: &[&str]) {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn sh_stdin(args: &[&str], input: &str) -> bool {
    let Ok(mut child) = Command::new(args[0]).args(&args[1..]).stdin(Stdio::piped()).stderr(Stdio::piped()).spawn()
    else {
        return false;
    };
    child.stdin.take().map(|mut s| s.write_all(input.as_bytes()));
    child.wait().is_ok_and(|s| s.success())
}

/// Two namespaces joined by a veth pair; deleted on drop.
struct Pair {
    a: String,
    b: String,
}

impl Pair {
    fn new(test: &str) -> Pair {
        let pid = std::process::id();
        let p = Pair { a: format!("ecsnet.ptest-{test}-{pid}.a"), b: format!("ecsnet.ptest-{test}-{pid}.b") };
        // Leftovers of an earlier crashed run with the same pid.
        let _ = Command::new("ip").args(["netns", "del", &p.a]).stderr(Stdio::null()).status();
        let _ = Command::new("ip").args(["netns", "del", &p.b]).stderr(Stdio::null()).status();
        sh(&["ip", "netns", "add", &p.a]);
        sh(&["ip", "netns", "add", &p.b]);
        sh(&["ip", "-n", &p.a, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", &p.b]);
        for (ns, ip) in [(&p.a, "10.99.0.1/24"), (&p.b, "10.99.0.2/24")] {
            sh(&["ip", "-n", ns, "addr", "add", ip, "dev", "eth0"]);
            sh(&["ip", "-n", ns, "link", "set", "eth0", "up"]);
            sh(&["ip", "-n", ns, "link", "set", "lo", "up"]);
            // ICMP errors are rate limited per destination by default (1/s after a small burst):
            // several refused probes at once would turn into timeouts.
            sh(&["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.icmp_ratemask=0"]);
        }
        sh(&["ip", "-n", &p.a, "route", "add", "10.99.7.0/24", "via", "10.99.0.2"]);
        sh(&["ip", "netns", "exec", &p.b, "sysctl", "-qw", "net.ipv4.ip_forward=1"]);
        p
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.a]).status();
        let _ = Command::new("ip").args(["netns", "del", &self.b]).status();
    }
}

/// The agent's serving loop on its own thread; stopped and joined on drop.
struct Agent {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Agent {
    fn start(cfg: AgentConfig) -> Agent {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let stop = move || async move {
                let _ = stop_rx.await;
            };
            if let Err(e) = serve(&cfg, move || ready_tx.send(()).unwrap(), stop) {
                panic!("agent: {e}");
            }
        });
        if ready_rx.recv_timeout(Duration::from_secs(10)).is_err() {
            let e = thread.join().err().and_then(|p| p.downcast_ref::<String>().cloned());
            panic!("agent did not get ready: {e:?}");
        }
        Agent { stop: Some(stop_tx), thread: Some(thread) }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A child process killed on drop.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn listener(ns: &str, node: &str, port: u16, proto: Proto) -> responder::Spec {
    responder::Spec {
        ns: ns.into(),
        node: node.into(),
        task: Some("web".into()),
        container: Some("app".into()),
        bind: None,
        listen: vec![PortProto { port, proto }],
        http_status: vec![],
    }
}

fn config(listeners: Vec<responder::Spec>) -> AgentConfig {
    AgentConfig {
        lab: "ptest".into(),
        services: listeners.into_iter().map(ServiceSpec::Responder).collect(),
        ..AgentConfig::default()
    }
}

fn spec(id: usize, ns: &str, dst: Ipv4Addr, port: Option<u16>, proto: ProbeProto, ms: u64) -> ProbeSpec {
    ProbeSpec {
        id,
        src_ns: ns.into(),
        bind: None,
        dst,
        port,
        proto,
        path: "/".into(),
        host: None,
        timeout: Duration::from_millis(ms),
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn show(r: &[ProbeResult]) -> String {
    r.iter().map(|r| format!("{r:?}\n")).collect()
}

#[test]
fn tcp_http_udp_icmp_outcomes() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let p = Pair::new("outcomes");
    let have_nft = Command::new("nft").arg("--version").output().is_ok_and(|o| o.status.success());
    if have_nft {
        let rules = "table inet ptest {\n chain input {\n  type filter hook input priority 0\n  tcp dport 3002 drop\n  udp dport 5355 drop\n }\n}\n";
        assert!(sh_stdin(&["ip", "netns", "exec", &p.b, "nft", "-f", "-"], rules), "nft rules in {}", p.b);
    }
    let _agent = Agent::start(config(vec![
        listener(&p.b, "task/web/app", 3000, Proto::Tcp),
        listener(&p.b, "task/web/app", 3002, Proto::Tcp),
        listener(&p.b, "task/web/app", 5353, Proto::Udp),
        listener(&p.b, "task/web/app", 5355, Proto::Udp),
    ]));
    // Idle clients that connect and send nothing hold a responder connection for its 2 s read
    // window; they must not delay anyone else.
    let _idle = ecsnet::sys::netns::run_in(&p.a, || {
        (0..5).map(|_| std::net::TcpStream::connect((B_IP, 3000))).collect::<std::io::Result<Vec<_>>>()
    })
    .unwrap();
    let a = p.a.as_str();
    let specs = vec![
        spec(0, a, B_IP, Some(3000), ProbeProto::Tcp, 1000),
        spec(1, a, B_IP, Some(3000), ProbeProto::Http, 1000),
        spec(2, a, B_IP, Some(3001), ProbeProto::Tcp, 1000),
        spec(3, a, B_IP, Some(5353), ProbeProto::Udp, 1000),
        spec(4, a, B_IP, Some(5354), ProbeProto::Udp, 1000),
        spec(5, a, B_IP, None, ProbeProto::Icmp, 1000),
        spec(6, a, GHOST_IP, Some(3000), ProbeProto::Tcp, 300),
        spec(7, a, GHOST_IP, Some(5353), ProbeProto::Udp, 300),
        spec(8, a, GHOST_IP, None, ProbeProto::Icmp, 300),
        spec(9, a, NOWHERE_IP, Some(3000), ProbeProto::Tcp, 1000),
        spec(10, a, NOWHERE_IP, None, ProbeProto::Icmp, 1000),
        spec(11, a, NOWHERE_IP, Some(53), ProbeProto::Udp, 1000),
        spec(12, a, B_IP, Some(3002), ProbeProto::Tcp, 300),
        spec(13, a, B_IP, Some(5355), ProbeProto::Udp, 300),
    ];
    let started = Instant::now();
    let r = rt().block_on(probe::run(specs.clone()));
    let wall = started.elapsed();
    let all = show(&r);
    assert_eq!(r.len(), specs.len());
    for (i, x) in r.iter().enumerate() {
        assert_eq!(x.id, i);
        assert_eq!(x.error, None, "{all}");
    }

    // tcp 3000: connected, the responder saw our real address
    assert_eq!(r[0].outcome, Outcome::Connected, "{all}");
    assert!(r[0].elapsed < Duration::from_millis(500), "stalled behind idle clients? {all}");
    let id = r[0].identity.as_ref().expect("tcp identity");
    assert_eq!(id.lab, "ptest");
    assert_eq!(id.node, "task/web/app");
    assert_eq!(id.task.as_deref(), Some("web"));
    assert_eq!(id.container.as_deref(), Some("app"));
    assert_eq!(id.proto, Proto::Tcp);
    assert_eq!(id.local, "10.99.0.2:3000".parse().unwrap());
    assert_eq!(*id.peer.ip(), A_IP);

    // http
    assert_eq!(r[1].outcome, Outcome::Connected, "{all}");
    assert_eq!(r[1].http_status, Some(200));
    assert_eq!(r[1].identity.as_ref().map(|i| i.node.as_str()), Some("task/web/app"));
    assert!(r[1].body.as_deref().unwrap_or("").contains("\"ecsnet\":1"));

    // closed port: RST
    assert_eq!(r[2].outcome, Outcome::Refused, "{all}");
    assert_eq!(r[2].detail, "ECONNREFUSED");

    // udp: reply with identity / ICMP port unreachable
    assert_eq!(r[3].outcome, Outcome::Connected, "{all}");
    let uid = r[3].identity.as_ref().expect("udp identity");
    assert_eq!(uid.proto, Proto::Udp);
    assert_eq!(uid.local, "10.99.0.2:5353".parse().unwrap());
    assert_eq!(*uid.peer.ip(), A_IP);
    assert_eq!(r[4].outcome, Outcome::Refused, "{all}");

    // icmp echo
    assert_eq!(r[5].outcome, Outcome::Connected, "{all}");

    // nobody there: silent, each within its timeout plus slack
    for i in [6, 7, 8] {
        assert_eq!(r[i].outcome, Outcome::Timeout, "{all}");
        assert!(r[i].elapsed < Duration::from_millis(300 + 200), "{all}");
    }

    // a router without a route answers ICMP net unreachable
    for i in [9, 10, 11] {
        assert_eq!(r[i].outcome, Outcome::Refused, "{all}");
    }
    assert_eq!(r[9].detail, "ENETUNREACH", "{all}");
    assert!(r[10].detail.contains("net unreachable") && r[10].detail.ends_with("from 10.99.0.2"), "{all}");

    // firewall drop
    if have_nft {
        for i in [12, 13] {
            assert_eq!(r[i].outcome, Outcome::Timeout, "{all}");
            assert!(r[i].elapsed < Duration::from_millis(300 + 200), "{all}");
        }
    } else {
        eprintln!("nft not usable: firewall-drop probes not checked");
    }

    // all at once: the batch takes about the longest timeout, not the sum
    assert!(wall < Duration::from_millis(1000 + 700), "batch took {wall:?}\n{all}");
}

#[test]
fn bind_addresses_and_udp_reply_source() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let p = Pair::new("bind");
    sh(&["ip", "-n", &p.a, "addr", "add", "10.99.0.11/24", "dev", "eth0"]);
    sh(&["ip", "-n", &p.b, "addr", "add", "10.99.0.3/24", "dev", "eth0"]);
    let mut only_3 = listener(&p.b, "task/only3", 4000, Proto::Tcp);
    only_3.bind = Some(Ipv4Addr::new(10, 99, 0, 3));
    let _agent = Agent::start(config(vec![listener(&p.b, "task/web/app", 5353, Proto::Udp), only_3]));
    let a = p.a.as_str();
    let b3 = Ipv4Addr::new(10, 99, 0, 3);
    let mut from_11 = spec(0, a, b3, Some(5353), ProbeProto::Udp, 1000);
    from_11.bind = Some(Ipv4Addr::new(10, 99, 0, 11));
    let specs = vec![
        from_11,
        spec(1, a, B_IP, Some(5353), ProbeProto::Udp, 1000),
        spec(2, a, b3, Some(4000), ProbeProto::Tcp, 1000),
        spec(3, a, B_IP, Some(4000), ProbeProto::Tcp, 1000),
    ];
    let r = rt().block_on(probe::run(specs));
    let all = show(&r);
    // The reply to a datagram sent to the secondary address comes from it (IP_PKTINFO), or the
    // connected client socket would not accept it.
    assert_eq!(r[0].outcome, Outcome::Connected, "{all}");
    let id = r[0].identity.as_ref().unwrap();
    assert_eq!(id.local, "10.99.0.3:5353".parse().unwrap());
    assert_eq!(*id.peer.ip(), Ipv4Addr::new(10, 99, 0, 11));
    assert_eq!(r[1].identity.as_ref().unwrap().local, "10.99.0.2:5353".parse().unwrap());
    // a listener bound to one address
    assert_eq!(r[2].outcome, Outcome::Connected, "{all}");
    assert_eq!(r[2].identity.as_ref().unwrap().node, "task/only3");
    assert_eq!(r[3].outcome, Outcome::Refused, "{all}");
}

#[test]
fn thousand_concurrent_tcp_probes_two_namespaces() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let p = Pair::new("many");
    let _agent = Agent::start(config(vec![
        listener(&p.a, "task/a", 3000, Proto::Tcp),
        listener(&p.b, "task/b", 3000, Proto::Tcp),
    ]));
    let specs: Vec<ProbeSpec> = (0..1000)
        .map(|i| {
            let (ns, dst) = if i % 2 == 0 { (&p.a, B_IP) } else { (&p.b, A_IP) };
            spec(i, ns, dst, Some(3000), ProbeProto::Tcp, 2000)
        })
        .collect();
    let rt = rt();
    let started = Instant::now();
    let r = rt.block_on(probe::run(specs));
    let wall = started.elapsed();
    eprintln!("1000 concurrent tcp probes across 2 namespaces: {wall:?}");
    let bad: Vec<&ProbeResult> = r.iter().filter(|x| x.outcome != Outcome::Connected || x.identity.is_none()).collect();
    assert!(bad.is_empty(), "{} not connected, e.g. {:?}", bad.len(), bad.first());
    for (i, x) in r.iter().enumerate() {
        let want = if i % 2 == 0 { "task/b" } else { "task/a" };
        assert_eq!(x.identity.as_ref().unwrap().node, want);
    }
    assert!(wall < Duration::from_secs(2), "took {wall:?}");
}

/// The real binary: `__agent` prints `ready`, serves, exits 0 on SIGTERM; a listener that cannot
/// be bound gives the `error:` line and exit 1.
#[test]
fn agent_process_protocol() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let p = Pair::new("agentbin");
    let dir = std::env::temp_dir().join(format!("ecsnet-ptest-agent-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.json");
    let cfg = config(vec![listener(&p.b, "task/web/app", 3000, Proto::Tcp)]);
    std::fs::write(&good, serde_json::to_vec(&cfg).unwrap()).unwrap();

    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_ecsnet")).arg("__agent").arg(&good).stdout(Stdio::piped()).spawn().unwrap(),
    );
    let mut out = BufReader::new(child.0.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    // stdout is detached after ready: the parent's pipe sees EOF
    line.clear();
    assert_eq!(out.read_line(&mut line).unwrap(), 0);
    let r = rt().block_on(probe::run(vec![spec(0, &p.a, B_IP, Some(3000), ProbeProto::Tcp, 1000)]));
    assert_eq!(r[0].outcome, Outcome::Connected, "{r:?}");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.0.id() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    let st = child.0.wait().unwrap();
    assert_eq!(st.code(), Some(0));

    // two listeners on the same port: the second cannot bind
    let bad = dir.join("bad.json");
    let cfg = config(vec![
        listener(&p.b, "task/web/app", 3000, Proto::Tcp),
        listener(&p.b, "task/other/x", 3000, Proto::Tcp),
    ]);
    std::fs::write(&bad, serde_json::to_vec(&cfg).unwrap()).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_ecsnet")).arg("__agent").arg(&bad).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let s = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{s}");
    assert!(s.starts_with(&format!("error: {} task/other/x 3000/tcp: ", p.b)), "{s}");
}

/// The real binary: `__pause` lives in the namespace, keeps no descriptors, exits 0 on SIGTERM.
#[test]
fn pause_holder_process() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    use std::os::unix::fs::MetadataExt;
    let p = Pair::new("pause");
    let ns_path = format!("/run/netns/{}", p.a);
    let child = Child(Command::new(env!("CARGO_BIN_EXE_ecsnet")).arg("__pause").arg(&ns_path).spawn().unwrap());
    let pid = child.0.id();
    let want = std::fs::metadata(&ns_path).unwrap().ino();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let ino = std::fs::metadata(format!("/proc/{pid}/ns/net")).map(|m| m.ino()).unwrap_or(0);
        if ino == want {
            break;
        }
        assert!(Instant::now() < deadline, "holder never entered {ns_path}");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Signals are blocked once it waits; give it a moment to get there, then check the fds.
    std::thread::sleep(Duration::from_millis(100));
    let fds: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.parse::<u32>().map(|n| n > 2).unwrap_or(false))
        .collect();
    assert!(fds.is_empty(), "holder kept fds {fds:?}");
    assert_eq!(std::fs::read_link(format!("/proc/{pid}/cwd")).unwrap(), std::path::Path::new("/"));
    // SIGHUP is ignored (consumed by sigwait), SIGTERM ends it with 0
    let nixpid = nix::unistd::Pid::from_raw(pid as i32);
    nix::sys::signal::kill(nixpid, nix::sys::signal::Signal::SIGHUP).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    nix::sys::signal::kill(nixpid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let mut child = child;
    let st = child.0.wait().unwrap();
    assert_eq!(st.code(), Some(0), "{st:?}");
}
