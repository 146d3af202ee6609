//! Issue 18 item 5: a lab over two hosts, proved on one machine (docs/multihost.md). Two
//! namespaces stand for the hosts (`vx-h1`, `vx-h2`, joined by a veth: the underlay,
//! 192.0.2.1/30 - .2); the lab's plan is cut per host (`plan::hosts`), each host's plan is
//! brought up under host-qualified names (`vxa-h1`, `vxa-h2`: on real hosts the names are the
//! same, the machines differ), its VXLAN link asked for from its host's namespace. Then real
//! packets cross the fabric, and every verdict must be the one-host analyzer's: the fabric is
//! invisible, as AWS's is. Everything is torn down, also on failure.
//!
//! `sudo cargo test --test multihost`; without root it prints "skipped: needs root".

mod common;

use common::*;
use ecsnet::analyze::analyze;
use ecsnet::dataplane::{LinuxKernel, Store, UpOptions, up::up};
use ecsnet::model::{Lab, resolve};
use ecsnet::plan::hosts::{Host, Hosts, VXLAN_PORT, host_plans, on_one_machine};
use ecsnet::plan::process::ProcessKind;
use ecsnet::plan::{Plan, plan};
use ecsnet::probe::{ProbeSpec, run};
use ecsnet::scenario::{Node, Outcome, ProbeProto, Via};
use std::io::{BufRead, BufReader};
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const LAB: &str = "vxa";
const HOSTS: [(&str, &str, Ipv4Addr); 2] =
    [("h1", "vx-h1", Ipv4Addr::new(192, 0, 2, 1)), ("h2", "vx-h2", Ipv4Addr::new(192, 0, 2, 2))];
const TIMEOUT: Duration = Duration::from_millis(1500);

/// Removes everything the test made, whatever happened: the agents, both host labs, the two
/// host namespaces.
struct Teardown(Vec<Child>);

impl Drop for Teardown {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
        for (h, ns, _) in HOSTS {
            let _ = ecsnet(&["down", &format!("{LAB}-{h}")]);
            let _ = sh(&format!("ip netns del {ns} 2>/dev/null"));
            let _ = std::fs::remove_file(agent_file(h));
        }
    }
}

fn lab() -> Lab {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/multihost/two-hosts.yaml");
    let text = std::fs::read_to_string(&path).expect("scenario").replace("name: twohosts", &format!("name: {LAB}"));
    let s = ecsnet::scenario::load_str(&path, &text).unwrap_or_else(|d| panic!("scenario: {d}"));
    ecsnet::model::build(&s).expect("model")
}

fn hosts() -> Hosts {
    let hosts = HOSTS
        .iter()
        .map(|(h, ns, ip)| Host {
            name: h.to_string(),
            underlay: *ip,
            underlay_mtu: 1500,
            underlay_ns: Some(ns.to_string()),
        })
        .collect();
    Hosts { hosts, subnets: vec![("a".into(), "h1".into()), ("b".into(), "h2".into())] }
}

/// The "physical" network: two host namespaces and a veth between them (the test's own
/// scaffolding, not the product's, hence `ip`).
fn underlay() {
    for (_, ns, _) in HOSTS {
        let _ = sh(&format!("ip netns del {ns} 2>/dev/null"));
    }
    let out = sh("ip netns add vx-h1 && ip netns add vx-h2 \
         && ip -n vx-h1 link add u0 type veth peer name u0 netns vx-h2 \
         && ip -n vx-h1 addr add 192.0.2.1/30 dev u0 && ip -n vx-h2 addr add 192.0.2.2/30 dev u0 \
         && ip -n vx-h1 link set u0 up && ip -n vx-h2 link set u0 up \
         && ip -n vx-h1 link set lo up && ip -n vx-h2 link set lo up && echo ok");
    assert!(out.contains("ok"), "underlay: {out}");
}

/// The local UDP ports bound in a namespace.
fn udp_ports(ns: &str) -> Vec<u16> {
    let text = ecsnet::sys::netns::run_in(ns, || std::fs::read_to_string("/proc/thread-self/net/udp")).expect("udp");
    let port = |l: &str| l.split_whitespace().nth(1)?.split(':').nth(1).and_then(|p| u16::from_str_radix(p, 16).ok());
    text.lines().skip(1).filter_map(port).collect()
}

/// Packets host 1's end of the underlay has received.
fn underlay_packets() -> u64 {
    let out = sh("ip -n vx-h1 -j -s link show u0");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
    v[0]["stats64"]["rx"]["packets"].as_u64().unwrap_or(0)
}

/// Host `h`'s lab, as `up` records it: the same model under the host-qualified name.
fn host_lab(lab: &Lab, h: &str) -> Lab {
    let mut l = lab.clone();
    l.name = format!("{LAB}-{h}");
    l.scenario_file = std::env::temp_dir().join("ecsnet-vx-none.yaml");
    l
}

/// `ns` of the lab as host `h`'s one-machine name.
fn qualified(ns: &str, h: &str) -> String {
    ns.replacen(&format!("ecsnet.{LAB}."), &format!("ecsnet.{LAB}-{h}."), 1)
}

fn agent_file(h: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ecsnet-vx-agent-{h}-{}.json", std::process::id()))
}

/// Host `h`'s agent: the lab's agent configuration cut to the host's namespaces, renamed, run
/// as `ecsnet __agent CONFIG` marked as the host lab's; returns once it is ready.
fn agent(lab: &Lab, host_plan: &Plan, h: &str) -> Child {
    let config = ecsnet::services::config(lab, 0, None).on_host(&host_plan.namespaces);
    let json =
        serde_json::to_string(&config).unwrap().replace(&format!("\"ecsnet.{LAB}."), &format!("\"ecsnet.{LAB}-{h}."));
    let file = agent_file(h);
    std::fs::write(&file, json).unwrap();
    let mut child = Command::new(bin())
        .arg("__agent")
        .arg(&file)
        .env("ECSNET_LAB", format!("{LAB}-{h}"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("agent");
    let mut line = String::new();
    let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
    assert_eq!(line.trim(), "ready", "agent of {h}");
    child
}

/// One flow: from, to, port, protocol, through a host port.
type Case = (Node, Node, Option<u16>, ProbeProto, Option<Via>);

/// Every flow the test probes: every task and instance to every task on each of its ports and
/// with ICMP, and the bridge task through its host port.
fn cases(lab: &Lab) -> Vec<Case> {
    let tasks: Vec<Node> = lab.tasks.iter().map(|t| Node::Task { task: t.name.clone(), container: None }).collect();
    let mut from = tasks.clone();
    from.extend(lab.instances.iter().map(|i| Node::Instance(i.name.clone())));
    let mut v = vec![];
    for f in &from {
        for t in tasks.iter().filter(|t| *t != f) {
            let via = matches!(t, Node::Task { task, .. } if task == "br-b").then_some(Via::HostPort);
            for p in resolve::declared_ports(lab, t) {
                v.push((f.clone(), t.clone(), Some(p.port), ProbeProto::Tcp, via));
            }
            if via.is_none() {
                v.push((f.clone(), t.clone(), None, ProbeProto::Icmp, None));
            }
        }
        // Out through host 1's internet gateway (the route tables' edge routes).
        v.push((f.clone(), Node::InternetHost("api".into()), Some(443), ProbeProto::Tcp, None));
        // What each host's copy of the router and agent answer itself.
        v.push((f.clone(), Node::InstanceMetadata, Some(80), ProbeProto::Tcp, None));
        v.push((f.clone(), Node::Metadata, Some(80), ProbeProto::Tcp, None));
        v.push((f.clone(), Node::Dns, Some(53), ProbeProto::Udp, None));
    }
    // In through it, to host 2's bridge task on its instance's public address.
    let br = Node::Task { task: "br-b".into(), container: None };
    v.push((Node::Internet, br, Some(80), ProbeProto::Tcp, Some(Via::PublicHostPort)));
    v
}

/// The host a node lives on: its instance's (i-a is host 1's, i-b host 2's); the edge is
/// host 1's; None for what every host answers itself (metadata, DNS).
fn host_of(lab: &Lab, n: &Node) -> Option<&'static str> {
    let instance = match n {
        Node::Task { task, .. } => lab.task(task).and_then(|t| t.instance()),
        Node::Instance(i) | Node::InstancePublic(i) => lab.instances.iter().position(|x| x.name == *i),
        Node::Internet | Node::InternetHost(_) => Some(0),
        _ => return None,
    };
    Some(if instance == Some(0) { "h1" } else { "h2" })
}

/// The probe of a case from host `h`'s qualified namespace of its source.
fn probe(lab: &Lab, id: usize, c: &Case, owner: &dyn Fn(&str) -> &'static str) -> ProbeSpec {
    let (from, to, port, proto, via) = c;
    let source = resolve::source(lab, from).expect("source");
    let (dst, port) = resolve::destination(lab, to, *port, *via, *proto).expect("destination");
    let port = if *proto == ProbeProto::Icmp { None } else { port };
    ProbeSpec {
        id,
        src_ns: qualified(&source.ns, owner(&source.ns)),
        bind: source.bind,
        dst,
        port,
        proto: *proto,
        path: "/".into(),
        host: None,
        timeout: TIMEOUT,
    }
}

#[test]
fn two_hosts_joined_by_vxlan_carry_the_analyzers_verdicts() {
    need_root!();
    let lab = lab();
    let whole = plan(&lab);
    let per_host = host_plans(&lab, &whole, &hosts()).expect("host plans");
    let mut teardown = Teardown(vec![]);
    underlay();
    let rt = tokio::runtime::Runtime::new().unwrap();
    for ((h, _, _), p) in HOSTS.iter().zip(&per_host) {
        let mut q = on_one_machine(p, h);
        // The test runs each host's agent itself, with the host's part of the configuration;
        // no pause holders: they are ecsnet's own binary, and `up` runs here in the test's
        // (the namespaces are held by their mounts all the same).
        q.processes.retain(|x| !matches!(x.kind, ProcessKind::Agent | ProcessKind::Pause { .. }));
        let r = rt.block_on(up(&LinuxKernel, &Store::system(), &host_lab(&lab, h), &q, UpOptions::default()));
        r.unwrap_or_else(|e| panic!("up of {h}: {e}"));
    }
    for ((h, _, _), p) in HOSTS.iter().zip(&per_host) {
        teardown.0.push(agent(&lab, p, h));
    }
    let owner = |ns: &str| if per_host[0].namespaces.iter().any(|n| n == ns) { "h1" } else { "h2" };
    let cases = cases(&lab);
    let specs: Vec<ProbeSpec> = cases.iter().enumerate().map(|(i, c)| probe(&lab, i, c, &owner)).collect();
    let results = rt.block_on(run(specs));
    let (mut crossing, mut blocked, mut bad) = (0, 0, vec![]);
    for r in &results {
        let (from, to, port, proto, via) = &cases[r.id];
        let a = analyze(&lab, from, to, *port, *proto, *via);
        let line =
            format!("{from} -> {to}:{port:?}/{proto}: packets {} ({}), analyzer {:?}", r.outcome, r.detail, a.outcome);
        eprintln!("{line}");
        if a.outcome != Some(r.outcome) || !same_server(&a, r) {
            bad.push(format!(
                "{line}; served by {:?} seeing {:?}, packets {:?}",
                a.served_by, a.source_seen, r.identity
            ));
        }
        if let (Some(a), Some(b)) = (host_of(&lab, from), host_of(&lab, to))
            && a != b
        {
            crossing += 1;
            blocked += usize::from(r.outcome == Outcome::Timeout);
        }
    }
    assert!(bad.is_empty(), "packets differ from the analyzer:\n{}", bad.join("\n"));
    let answered = results.iter().filter(|r| r.identity.is_some()).count();
    assert!(answered >= 10, "only {answered} answers named their responder");
    assert!(crossing >= 10 && blocked >= 1, "{crossing} flows crossed the fabric, {blocked} timed out");
    eprintln!(
        "{} flows, {crossing} across the fabric ({blocked} timing out as analyzed: a security group, no public address), {answered} answers checked for responder and source seen: all as analyzed",
        results.len()
    );
    // The flows did cross the underlay: VXLAN datagrams on the veth between the hosts.
    let crossed = underlay_packets();
    assert!(crossed >= 4 * crossing as u64, "only {crossed} packets on the underlay");
    eprintln!("{crossed} packets received on host 1's underlay");
    // The VXLAN socket stays in the host's namespace; the router copy has none.
    let router = qualified(&lab.vpc.router_ns, "h1");
    assert!(udp_ports("vx-h1").contains(&VXLAN_PORT), "no UDP {VXLAN_PORT} socket in vx-h1");
    assert!(!udp_ports(&router).contains(&VXLAN_PORT), "a UDP {VXLAN_PORT} socket in {router}");
    large_packets(&lab);
    drop(teardown);
    for (h, ns, _) in HOSTS {
        assert!(leftovers(&format!("{LAB}-{h}")).is_empty(), "{h}: {:?}", leftovers(&format!("{LAB}-{h}")));
        assert!(!Path::new("/run/netns").join(ns).exists(), "{ns} is left");
    }
}

/// A TCP answer came from the task the analyzer names, which saw the source it predicts.
fn same_server(a: &ecsnet::analyze::Analysis, r: &ecsnet::probe::ProbeResult) -> bool {
    let Some(id) = &r.identity else { return true };
    let task = match &a.served_by {
        Some(Node::Task { task, .. }) => Some(task.clone()),
        _ => None,
    };
    id.task == task && a.source_seen == Some(*id.peer.ip())
}

/// A 1400-byte ICMP payload crosses the fabric (1450-byte MTU) both ways; a 3000-byte one with
/// DF set gets "fragmentation needed" back from the sender's router, never silence.
fn large_packets(lab: &Lab) {
    let ns = |t: &str| lab.task(t).and_then(|t| t.ns.clone()).unwrap();
    let ip = |t: &str| lab.enis[lab.task(t).and_then(|t| t.eni).unwrap()].ip;
    for (from, h, to) in [("web-a", "h1", "web-b"), ("web-b", "h2", "web-a")] {
        let got = echo(&qualified(&ns(from), h), ip(to), 1400);
        assert_eq!(got, Echo::Reply, "1400 bytes {from} -> {to}");
    }
    let got = echo(&qualified(&ns("web-a"), "h1"), ip("web-b"), 3000);
    assert_eq!(got, Echo::FragNeeded(1450), "3000 bytes with DF: the router says so");
}

#[derive(Debug, PartialEq, Eq)]
enum Echo {
    Reply,
    FragNeeded(u16),
    Nothing,
}

/// One ICMP echo request of `size` bytes of payload, DF set, from namespace `ns`.
fn echo(ns: &str, dst: Ipv4Addr, size: usize) -> Echo {
    let dst = std::net::SocketAddrV4::new(dst, 0);
    ecsnet::sys::netns::run_in(ns, move || Ok(echo_here(dst, size))).expect("echo")
}

fn echo_here(dst: std::net::SocketAddrV4, size: usize) -> Echo {
    use std::os::fd::AsRawFd;
    let fd = ecsnet::probe::icmp::raw_socket(None).expect("raw socket");
    let f = fd.as_raw_fd();
    let on: libc::c_int = libc::IP_PMTUDISC_DO;
    let tv = libc::timeval { tv_sec: 2, tv_usec: 0 };
    let mut pkt = vec![8u8, 0, 0, 0, 0x56, 0x58, 0, 1];
    pkt.extend(std::iter::repeat_n(0xab, size));
    let ck = ecsnet::probe::icmp::checksum(&pkt);
    pkt[2..4].copy_from_slice(&ck.to_be_bytes());
    let sa = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: libc::in_addr { s_addr: u32::from(*dst.ip()).to_be() },
        sin_zero: [0; 8],
    };
    // SAFETY: plain socket calls on a socket this function owns, with buffers that outlive them.
    unsafe {
        let sz = |n: usize| n as libc::socklen_t;
        libc::setsockopt(f, libc::IPPROTO_IP, libc::IP_MTU_DISCOVER, (&raw const on).cast(), sz(size_of_val(&on)));
        libc::setsockopt(f, libc::SOL_SOCKET, libc::SO_RCVTIMEO, (&raw const tv).cast(), sz(size_of_val(&tv)));
        let sent = libc::sendto(f, pkt.as_ptr().cast(), pkt.len(), 0, (&raw const sa).cast(), sz(size_of_val(&sa)));
        assert_eq!(sent, pkt.len() as isize, "sendto: {}", std::io::Error::last_os_error());
        let mut buf = vec![0u8; 65536];
        for _ in 0..8 {
            let n = libc::recv(f, buf.as_mut_ptr().cast(), buf.len(), 0);
            if n <= 0 {
                return Echo::Nothing;
            }
            let b = &buf[..n as usize];
            let ihl = usize::from(b[0] & 0x0f) * 4;
            match (b[ihl], b[ihl + 1]) {
                (0, 0) if b[ihl + 4..ihl + 6] == [0x56, 0x58] && n as usize == ihl + 8 + size => return Echo::Reply,
                (3, 4) => return Echo::FragNeeded(u16::from_be_bytes([b[ihl + 6], b[ihl + 7]])),
                _ => {}
            }
        }
    }
    Echo::Nothing
}
