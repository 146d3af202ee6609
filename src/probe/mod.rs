//! Probes with real packets. Every probe's socket is created inside its source namespace (on a
//! short-lived OS thread that `setns`'d; RUST-NOTES §1.3) and then driven on the caller's tokio
//! runtime, so all probes run concurrently and a batch takes about as long as its longest timeout.
//!
//! Outcomes:
//! - `Connected`: TCP handshake done (HTTP: a status line came back; UDP: a reply datagram; ICMP:
//!   an echo reply from the destination).
//! - `Refused`: RST, or an ICMP destination-unreachable concerning our packet (ECONNREFUSED,
//!   EHOSTUNREACH, ENETUNREACH), also when the source has no route. An HTTP connection closed
//!   without any response counts as refused too.
//! - `Timeout`: nothing came back in time. A packet dropped by a firewall in the source namespace
//!   itself (EPERM from the kernel) is a silent drop too, so it is a timeout with detail `EPERM`.
//!
//! A probe that could not be run at all (namespace missing, bind address not local, ...) has
//! `error` set; its outcome is `Timeout` only as a placeholder.

pub mod call;
pub mod dns;
pub mod http;
pub mod https;
pub mod icmp;
pub mod nflog;

use crate::analyze::DropSite;
use crate::scenario::{Outcome, ProbeProto};
use crate::services::responder::Identity;
use crate::sys::netns;
use crate::sys::sock;
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::os::fd::OwnedFd;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::{TcpSocket, TcpStream, UdpSocket};
use tokio::sync::{Notify, Semaphore};

/// What a TCP probe sends after connecting; the responder answers any line.
pub const TCP_PROBE_LINE: &[u8] = b"ECSNET-PROBE\n";
/// What a UDP probe sends.
pub const UDP_PROBE_DATA: &[u8] = b"ECSNET-PROBE";
/// After a connect succeeds, the reply may take at least this long even past the timeout.
pub const MIN_READ_AFTER_CONNECT: Duration = Duration::from_millis(300);
/// Most a TCP or HTTP probe reads.
pub const MAX_READ: usize = 64 * 1024;
/// TCP/HTTP probes from one namespace to one destination address and port that run at the same
/// time; the others wait, and their timeout starts when they begin. Without this cap, thousands
/// of simultaneous connects to one listener overflow its accept queue (backlog 1024): the kernel
/// drops the SYNs and retransmits only after 1 s, which turns into false timeouts.
pub const PER_DESTINATION: usize = 256;

/// One probe to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeSpec {
    /// Caller's key, copied to the result.
    pub id: usize,
    /// Namespace name under /run/netns the probe starts from; empty = the caller's namespace.
    pub src_ns: String,
    /// Source address to bind (port 0) before connecting.
    pub bind: Option<Ipv4Addr>,
    pub dst: Ipv4Addr,
    /// Required for tcp and udp; http defaults to 80; ignored for icmp.
    pub port: Option<u16>,
    pub proto: ProbeProto,
    /// HTTP GET path.
    pub path: String,
    /// HTTP Host header: the name the client asked for (a load balancer's DNS name, which its
    /// rules' host-header conditions see); None: the destination address, as `curl http://IP/`.
    pub host: Option<String>,
    pub timeout: Duration,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeResult {
    pub id: usize,
    pub outcome: Outcome,
    /// The ecsnet responder's identity, when the answer was one.
    pub identity: Option<Identity>,
    pub http_status: Option<u16>,
    /// HTTP response body (lossy UTF-8), or for TCP/UDP the raw reply when it was not an identity.
    pub body: Option<String>,
    /// The ICMP message (type, code) that came back about an icmp or udp probe's packets: an
    /// echo reply, or the error that ended or delayed the probe.
    pub icmp: Option<(u8, u8)>,
    /// Short explanation: "connected", "ECONNREFUSED", "no answer in 300 ms", "ICMP host unreachable ...".
    pub detail: String,
    /// Wall time of the whole probe (connect plus reading the reply).
    pub elapsed: Duration,
    /// Set when the probe could not be carried out at all (not a network verdict).
    pub error: Option<String>,
    /// The logged rule (its NFLOG prefix) the probe's packet was seen dropped by, which ended
    /// it as a timeout (`run_watched`).
    pub seen_dropped: Option<String>,
}

impl ProbeResult {
    pub fn new(id: usize, outcome: Outcome, detail: String, elapsed: Duration) -> Self {
        ProbeResult {
            id,
            outcome,
            identity: None,
            http_status: None,
            body: None,
            icmp: None,
            detail,
            elapsed,
            error: None,
            seen_dropped: None,
        }
    }

    pub fn failed(id: usize, error: String) -> Self {
        let mut r = ProbeResult::new(id, Outcome::Timeout, format!("error: {error}"), Duration::ZERO);
        r.error = Some(error);
        r
    }
}

pub(crate) fn elapsed_ms(d: Duration) -> u128 {
    d.as_millis()
}

/// Map a socket error to a network verdict: `Some(Refused)` for RST/ICMP-unreachable errors,
/// `Some(Timeout)` for a local silent drop or a kernel timeout, `None` for errors that say
/// nothing about the network.
pub(crate) fn classify(e: &io::Error) -> (Option<Outcome>, String) {
    let name = sock::errno_name(e);
    let outcome = match e.raw_os_error() {
        Some(
            libc::ECONNREFUSED
            | libc::EHOSTUNREACH
            | libc::ENETUNREACH
            | libc::ECONNRESET
            | libc::EHOSTDOWN
            | libc::ENONET
            | libc::EPROTO
            | libc::ENOPROTOOPT,
        ) => Some(Outcome::Refused),
        Some(libc::EPERM | libc::EACCES) => {
            return (Some(Outcome::Timeout), format!("{name} (dropped by a firewall in the source namespace)"));
        }
        Some(libc::ETIMEDOUT) => Some(Outcome::Timeout),
        // The kernel's answer to a blackhole route (RTN_BLACKHOLE): the send fails at once.
        Some(libc::EINVAL) => return (Some(Outcome::Refused), format!("{name} (blackhole route)")),
        _ => None,
    };
    (outcome, name)
}

/// A socket ready to be driven on the runtime. Each lives for one hop through a channel, so
/// the size of the `Done` variant costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
enum Prepared {
    Tcp(TcpSocket),
    Udp(UdpSocket),
    Icmp(AsyncFd<OwnedFd>, Vec<usize>),
    Done(ProbeResult),
    /// A namespace's drop log, read while the batch runs.
    DropLog(String, AsyncFd<netlink_sys::Socket>),
}

/// Probes watched for a logged drop: by index into the batch, the site and what wakes the probe.
type Watches = HashMap<usize, (DropSite, Arc<Notify>)>;

pub(crate) fn prepare_tcp(bind: Option<Ipv4Addr>) -> io::Result<TcpSocket> {
    let s = TcpSocket::new_v4()?;
    if let Some(b) = bind {
        s.bind(SocketAddr::V4(SocketAddrV4::new(b, 0)))?;
    }
    Ok(s)
}

/// A connected UDP socket with IP_RECVERR, so any ICMP error (not only port unreachable) is
/// reported on it.
fn prepare_udp(bind: Option<Ipv4Addr>, dst: SocketAddrV4) -> Result<UdpSocket, (bool, io::Error)> {
    let fd = sock::socket(libc::SOCK_DGRAM, libc::IPPROTO_UDP).map_err(|e| (false, e))?;
    sock::set_opt_int(&fd, libc::IPPROTO_IP, libc::IP_RECVERR, 1).map_err(|e| (false, e))?;
    sock::bind(&fd, SocketAddrV4::new(bind.unwrap_or(Ipv4Addr::UNSPECIFIED), 0)).map_err(|e| (false, e))?;
    let std_sock = std::net::UdpSocket::from(fd);
    // connect() on UDP sends nothing, but fails without a route: that is a network verdict.
    std_sock.connect(dst).map_err(|e| (true, e))?;
    UdpSocket::from_std(std_sock).map_err(|e| (false, e))
}

fn port_of(spec: &ProbeSpec) -> Option<u16> {
    match spec.proto {
        ProbeProto::Http => Some(spec.port.unwrap_or(80)),
        _ => spec.port,
    }
}

/// What the namespace thread needs to watch probes: the watches, and where the runtime's
/// listeners register the packets they expect.
struct Watching {
    watches: Watches,
    watched: Arc<nflog::Watched>,
}

impl Watching {
    /// Expect probe `i`'s packet (from local port `port`) at its drop site.
    fn expect(&self, i: usize, proto: ProbeProto, port: Option<u16>) {
        let (Some((site, seen)), Some(port)) = (self.watches.get(&i), port) else { return };
        let l4 = if proto == ProbeProto::Udp { libc::IPPROTO_UDP } else { libc::IPPROTO_TCP };
        if let Some(t) = nflog::expected(site, l4 as u8, port) {
            self.watched.expect(&site.ns, t, &site.prefix, seen.clone());
        }
    }
}

/// A TCP socket for probe `i`: a watched one is bound at once, to know its port before it sends.
fn prepare_watched_tcp(spec: &ProbeSpec, i: usize, w: &Watching) -> io::Result<TcpSocket> {
    if !w.watches.contains_key(&i) {
        return prepare_tcp(spec.bind);
    }
    let s = TcpSocket::new_v4()?;
    s.bind(SocketAddr::V4(SocketAddrV4::new(spec.bind.unwrap_or(Ipv4Addr::UNSPECIFIED), 0)))?;
    w.expect(i, spec.proto, s.local_addr().ok().map(|a| a.port()));
    Ok(s)
}

/// Create the sockets of one namespace's probes; the calling thread is already inside it.
fn prepare_ns(
    specs: &[Arc<ProbeSpec>],
    idxs: &[usize],
    w: &Watching,
    tx: &tokio::sync::mpsc::UnboundedSender<(usize, Prepared)>,
) {
    let mut icmp: BTreeMap<Option<Ipv4Addr>, Vec<usize>> = BTreeMap::new();
    for &i in idxs {
        let spec = &specs[i];
        let port = port_of(spec);
        let p = match (spec.proto, port) {
            (ProbeProto::Icmp, _) => {
                icmp.entry(spec.bind).or_default().push(i);
                continue;
            }
            (_, None) => Prepared::Done(ProbeResult::failed(spec.id, format!("a {} probe needs a port", spec.proto))),
            (ProbeProto::Tcp | ProbeProto::Http, Some(_)) => match prepare_watched_tcp(spec, i, w) {
                Ok(s) => Prepared::Tcp(s),
                Err(e) => Prepared::Done(ProbeResult::failed(spec.id, format!("tcp socket: {e}"))),
            },
            (ProbeProto::Udp, Some(port)) => match prepare_udp(spec.bind, SocketAddrV4::new(spec.dst, port)) {
                Ok(s) => {
                    w.expect(i, spec.proto, s.local_addr().ok().map(|a| a.port()));
                    Prepared::Udp(s)
                }
                Err((true, e)) => match classify(&e) {
                    (Some(outcome), detail) => {
                        Prepared::Done(ProbeResult::new(spec.id, outcome, detail, Duration::ZERO))
                    }
                    (None, _) => Prepared::Done(ProbeResult::failed(spec.id, format!("udp connect: {e}"))),
                },
                Err((false, e)) => Prepared::Done(ProbeResult::failed(spec.id, format!("udp socket: {e}"))),
            },
        };
        let _ = tx.send((i, p));
    }
    for (bind, group) in icmp {
        // SAFETY: an OwnedFd keeps its descriptor open and unchanged until the AsyncFd drops it.
        let reg =
            |fd: OwnedFd| unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }.map_err(io::Error::from);
        match icmp::raw_socket(bind).and_then(reg) {
            Ok(fd) => {
                let _ = tx.send((group[0], Prepared::Icmp(fd, group)));
            }
            Err(e) => {
                for i in group {
                    let _ = tx.send((i, Prepared::Done(ProbeResult::failed(specs[i].id, format!("icmp socket: {e}")))));
                }
            }
        }
    }
}

fn raise_nofile_once() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = crate::sys::limits::raise_nofile_limit();
    });
}

/// Run all probes concurrently; results come back in the order of `specs`. Must be called
/// inside a tokio runtime (any flavour).
pub async fn run(specs: Vec<ProbeSpec>) -> Vec<ProbeResult> {
    run_watched(specs, vec![]).await
}

/// The same, watching some probes (by `id`) for their packet being dropped at the site the
/// analyzer names (`nflog`): such a probe ends as a timeout as soon as it is seen dropped there.
pub async fn run_watched(specs: Vec<ProbeSpec>, sites: Vec<(usize, DropSite)>) -> Vec<ProbeResult> {
    raise_nofile_once();
    // Whoever built the specs (a stored expectation list, a caller), no probe waits longer.
    let cap = Duration::from_millis(crate::scenario::MAX_TIMEOUT_MS);
    let specs: Vec<ProbeSpec> = specs.into_iter().map(|s| ProbeSpec { timeout: s.timeout.min(cap), ..s }).collect();
    let n = specs.len();
    let specs: Arc<Vec<Arc<ProbeSpec>>> = Arc::new(specs.into_iter().map(Arc::new).collect());
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, s) in specs.iter().enumerate() {
        groups.entry(s.src_ns.clone()).or_default().push(i);
    }
    let by_id: HashMap<usize, usize> = specs.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let watches: Watches = sites
        .into_iter()
        .filter_map(|(id, site)| Some((*by_id.get(&id)?, (site, Arc::new(Notify::new())))))
        .filter(|(i, _)| specs[*i].proto != ProbeProto::Icmp && !specs[*i].src_ns.is_empty())
        .collect();
    let logs: std::collections::BTreeSet<String> = watches.values().map(|(site, _)| site.ns.clone()).collect();
    let watching = Watching { watches: watches.clone(), watched: Arc::new(nflog::Watched::default()) };
    let watched = watching.watched.clone();

    // One OS thread hops through the source namespaces creating sockets and hands each one over
    // as soon as it exists, so early probes start while later sockets are still being made.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Prepared)>();
    let rt = tokio::runtime::Handle::current();
    let specs2 = specs.clone();
    let thread = std::thread::Builder::new().name("ecsnet-probe-ns".into()).spawn(move || {
        let _g = rt.enter(); // UdpSocket::from_std and AsyncFd register with the reactor
        // "" (the caller's namespace) sorts first, before the thread has left it. The drop logs
        // are listened to before any watched probe (none is in "") has a socket.
        let mut logs = Some(logs);
        for (ns, idxs) in &groups {
            if tx.is_closed() {
                return; // the batch was dropped (interrupted): make no more sockets
            }
            if !ns.is_empty() {
                if let Some(logs) = logs.take() {
                    listen_drops(logs, &tx);
                }
                if let Err(e) = netns::enter(&netns::path(ns)) {
                    for &i in idxs {
                        let r = ProbeResult::failed(specs2[i].id, format!("enter netns {ns}: {e}"));
                        let _ = tx.send((i, Prepared::Done(r)));
                    }
                    continue;
                }
            }
            prepare_ns(&specs2, idxs, &watching, &tx);
        }
    });
    if let Err(e) = thread {
        return specs.iter().map(|s| ProbeResult::failed(s.id, format!("spawn thread: {e}"))).collect();
    }

    let mut results: Vec<Option<ProbeResult>> = vec![None; n];
    let mut tasks = tokio::task::JoinSet::new();
    // Aborted when dropped, at the end of the batch.
    let mut listeners = tokio::task::JoinSet::new();
    let mut per_dst: HashMap<(String, Ipv4Addr, u16), Arc<Semaphore>> = HashMap::new();
    while let Some((i, p)) = rx.recv().await {
        match p {
            Prepared::DropLog(ns, sock) => {
                listeners.spawn(nflog::watch(ns, sock, watched.clone()));
            }
            Prepared::Done(r) => results[i] = Some(r),
            Prepared::Tcp(s) => {
                let spec = specs[i].clone();
                let key = (spec.src_ns.clone(), spec.dst, port_of(&spec).unwrap_or(80));
                let gate = per_dst.entry(key).or_insert_with(|| Arc::new(Semaphore::new(PER_DESTINATION))).clone();
                let watch = watches.get(&i).cloned();
                tasks.spawn(async move {
                    let _permit = gate.acquire_owned().await;
                    vec![(i, until_dropped(&spec, watch, tcp_probe(&spec, s)).await)]
                });
            }
            Prepared::Udp(s) => {
                let (spec, watch) = (specs[i].clone(), watches.get(&i).cloned());
                tasks.spawn(async move { vec![(i, until_dropped(&spec, watch, udp_probe(&spec, s)).await)] });
            }
            Prepared::Icmp(fd, group) => {
                let members = group.iter().map(|&k| (k, specs[k].clone())).collect();
                tasks.spawn(icmp::run_group(fd, members));
            }
        }
    }
    while let Some(done) = tasks.join_next().await {
        if let Ok(v) = done {
            for (i, r) in v {
                results[i] = Some(r);
            }
        }
    }
    // Close the drop logs before returning: the next batch binds the same groups.
    listeners.abort_all();
    while listeners.join_next().await.is_some() {}
    results
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.unwrap_or_else(|| ProbeResult::failed(specs[i].id, "probe task failed".into())))
        .collect()
}

/// Listen on the drop log of each namespace (the calling thread is left in the last one). A log
/// that cannot be listened to leaves its probes to their timeouts.
fn listen_drops(logs: std::collections::BTreeSet<String>, tx: &tokio::sync::mpsc::UnboundedSender<(usize, Prepared)>) {
    for ns in logs {
        let sock = netns::enter(&netns::path(&ns))
            .and_then(|()| nflog::listen(crate::model::vpc::DROP_LOG_GROUP))
            // SAFETY: the Socket owns its descriptor and keeps it open and unchanged until the
            // AsyncFd drops it.
            .and_then(|s| unsafe { AsyncFd::register_with_interest(s, Interest::READABLE) }.map_err(io::Error::from));
        match sock {
            Ok(sock) => {
                let _ = tx.send((usize::MAX, Prepared::DropLog(ns, sock)));
            }
            Err(e) => tracing::debug!("no drop log in {ns}: {e}"),
        }
    }
}

/// A probe, ended early as a timeout when its packet is seen dropped where the analyzer said.
async fn until_dropped(
    spec: &ProbeSpec,
    watch: Option<(DropSite, Arc<Notify>)>,
    probe: impl std::future::Future<Output = ProbeResult>,
) -> ProbeResult {
    let Some((site, seen)) = watch else { return probe.await };
    let start = Instant::now();
    tokio::select! {
        r = probe => r,
        () = seen.notified() => {
            // No time in the text (the result has it): reports of the same lab compare equal.
            let detail = format!("dropped by `{}` in {} (no answer can come)", site.prefix, site.ns);
            let mut r = ProbeResult::new(spec.id, Outcome::Timeout, detail, start.elapsed());
            r.seen_dropped = Some(site.prefix);
            r
        }
    }
}

pub(crate) fn timeout_result(spec: &ProbeSpec, start: Instant) -> ProbeResult {
    ProbeResult::new(
        spec.id,
        Outcome::Timeout,
        format!("no answer in {} ms", elapsed_ms(spec.timeout)),
        start.elapsed(),
    )
}

/// TCP and HTTP probes.
async fn tcp_probe(spec: &ProbeSpec, sock: TcpSocket) -> ProbeResult {
    let start = Instant::now();
    let deadline = start + spec.timeout;
    let port = port_of(spec).unwrap_or(80);
    let addr = SocketAddr::V4(SocketAddrV4::new(spec.dst, port));
    let mut stream = match tokio::time::timeout_at(deadline.into(), sock.connect(addr)).await {
        Err(_) => return timeout_result(spec, start),
        Ok(Err(e)) => {
            return match classify(&e) {
                (Some(outcome), detail) => ProbeResult::new(spec.id, outcome, detail, start.elapsed()),
                (None, _) => {
                    let mut r = ProbeResult::failed(spec.id, format!("connect: {e}"));
                    r.elapsed = start.elapsed();
                    r
                }
            };
        }
        Ok(Ok(s)) => s,
    };
    let read_deadline = deadline.max(Instant::now() + MIN_READ_AFTER_CONNECT);
    if spec.proto == ProbeProto::Http {
        return http_exchange(spec, &mut stream, start, read_deadline).await;
    }
    let mut r = ProbeResult::new(spec.id, Outcome::Connected, "connected".into(), Duration::ZERO);
    let mut buf = Vec::new();
    let read = tokio::time::timeout_at(read_deadline.into(), async {
        stream.write_all(TCP_PROBE_LINE).await?;
        read_until(&mut stream, &mut buf, |b| b.contains(&b'\n')).await
    })
    .await;
    match read {
        Err(_) if buf.is_empty() => r.detail = "connected; no reply".into(),
        Ok(Err(e)) if buf.is_empty() => r.detail = format!("connected; {} before any reply", sock::errno_name(&e)),
        _ if buf.is_empty() => r.detail = "connected; closed without reply".into(),
        _ => {}
    }
    fill_identity(&mut r, &buf);
    r.elapsed = start.elapsed();
    r
}

fn fill_identity(r: &mut ProbeResult, buf: &[u8]) {
    if buf.is_empty() {
        return;
    }
    r.identity = Identity::parse(buf);
    if r.identity.is_none() {
        r.body = Some(String::from_utf8_lossy(buf).into_owned());
    }
}

/// Read into `buf` until `done(buf)`, EOF or MAX_READ. Errors after some data are not errors.
async fn read_until<S: tokio::io::AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
    done: impl Fn(&[u8]) -> bool,
) -> io::Result<()> {
    let mut chunk = [0u8; 2048];
    loop {
        let n = match stream.read(&mut chunk).await {
            Ok(n) => n,
            Err(_) if !buf.is_empty() => return Ok(()),
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() >= MAX_READ || done(buf) {
            buf.truncate(MAX_READ);
            return Ok(());
        }
    }
}

pub fn http_request(path: &str, host: impl std::fmt::Display) -> String {
    let path = if path.is_empty() { "/" } else { path };
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ecsnet-probe\r\nConnection: close\r\n\r\n")
}

async fn http_exchange(
    spec: &ProbeSpec,
    stream: &mut TcpStream,
    start: Instant,
    read_deadline: Instant,
) -> ProbeResult {
    let host = spec.host.clone().unwrap_or_else(|| spec.dst.to_string());
    http_exchange_on(spec, stream, (start, read_deadline), &host).await
}

/// GET `spec.path` with `Host: host` on a connected stream (TCP, or TLS over it) and read the
/// answer until `read_deadline`.
pub(crate) async fn http_exchange_on<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    spec: &ProbeSpec,
    stream: &mut S,
    (start, read_deadline): (Instant, Instant),
    host: &str,
) -> ProbeResult {
    let req = http_request(&spec.path, host);
    let mut buf = Vec::new();
    let read = tokio::time::timeout_at(read_deadline.into(), async {
        stream.write_all(req.as_bytes()).await?;
        read_until(stream, &mut buf, |b| http::parse(b).is_some_and(|(_, complete)| complete)).await
    })
    .await;
    let elapsed = start.elapsed();
    match http::parse_final(&buf) {
        Some(resp) => {
            let mut r = ProbeResult::new(spec.id, Outcome::Connected, format!("HTTP {}", resp.status), elapsed);
            r.http_status = Some(resp.status);
            r.identity = Identity::parse(&resp.body);
            r.body = Some(String::from_utf8_lossy(&resp.body).into_owned());
            r
        }
        None => {
            let waited = elapsed_ms(read_deadline - start);
            match read {
                Err(_) if buf.is_empty() => ProbeResult::new(
                    spec.id,
                    Outcome::Timeout,
                    format!("connected, but no HTTP response in {waited} ms"),
                    elapsed,
                ),
                Err(_) => {
                    let mut r = ProbeResult::new(
                        spec.id,
                        Outcome::Timeout,
                        format!("connected, but no complete HTTP status line in {waited} ms"),
                        elapsed,
                    );
                    r.body = Some(String::from_utf8_lossy(&buf).into_owned());
                    r
                }
                Ok(res) => {
                    let why = match res {
                        Err(e) => sock::errno_name(&e),
                        Ok(()) if buf.is_empty() => "closed".into(),
                        Ok(()) => "not HTTP".into(),
                    };
                    let mut r = ProbeResult::new(
                        spec.id,
                        Outcome::Refused,
                        format!("connected, but no HTTP response ({why})"),
                        elapsed,
                    );
                    if !buf.is_empty() {
                        r.body = Some(String::from_utf8_lossy(&buf).into_owned());
                    }
                    r
                }
            }
        }
    }
}

/// UDP: send the probe datagram up to 3 times spread over the timeout; the first reply wins, an
/// ICMP error reported on the connected socket means refused.
async fn udp_probe(spec: &ProbeSpec, sock: UdpSocket) -> ProbeResult {
    let start = Instant::now();
    let deadline = start + spec.timeout;
    let mut buf = vec![0u8; 2048];
    let mut sent = 0u32;
    let mut next_send = start;
    let mut note: Option<String> = None;
    loop {
        let now = Instant::now();
        if now >= deadline {
            let mut r = timeout_result(spec, start);
            if let Some(n) = note {
                r.detail.push_str(&format!(" ({n})"));
            }
            return r;
        }
        if sent < 3 && now >= next_send {
            // Awaited, not tried: a socket fresh on the reactor is not known writable yet, and
            // a try would skip the first datagram (the probe then sent its first at T/3).
            let Ok(sent_now) = tokio::time::timeout_at(deadline.into(), sock.send(UDP_PROBE_DATA)).await else {
                continue;
            };
            match sent_now {
                Ok(_) => {}
                Err(e) => match classify(&e) {
                    (Some(Outcome::Refused), detail) => {
                        let mut r = ProbeResult::new(spec.id, Outcome::Refused, detail, start.elapsed());
                        r.icmp = queued_icmp(&sock);
                        return r;
                    }
                    (_, detail) => note = Some(detail),
                },
            }
            sent += 1;
            next_send = start + spec.timeout * sent / 3;
        }
        let wake = if sent < 3 { next_send.min(deadline) } else { deadline };
        // Wait for data or an error: tokio's recv() would not wake on EPOLLERR alone.
        let got = tokio::time::timeout_at(
            wake.into(),
            sock.async_io(Interest::READABLE | Interest::ERROR, || recv(&sock, &mut buf)),
        )
        .await;
        match got {
            Err(_) => continue,
            Ok(Ok(n)) => {
                let mut r = ProbeResult::new(spec.id, Outcome::Connected, "reply".into(), start.elapsed());
                fill_identity(&mut r, &buf[..n]);
                return r;
            }
            Ok(Err(e)) => match classify(&e) {
                (Some(Outcome::Refused), detail) => {
                    let detail = if e.raw_os_error() == Some(libc::ECONNREFUSED) {
                        format!("{detail} (ICMP port unreachable)")
                    } else {
                        detail
                    };
                    let mut r = ProbeResult::new(spec.id, Outcome::Refused, detail, start.elapsed());
                    r.icmp = queued_icmp(&sock);
                    return r;
                }
                (_, detail) => note = Some(detail),
            },
        }
    }
}

fn recv(sock: &UdpSocket, buf: &mut [u8]) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    // SAFETY: buf is a live, writable buffer of the given length.
    let n = unsafe { libc::recv(sock.as_raw_fd(), buf.as_mut_ptr() as *mut libc::c_void, buf.len(), 0) };
    if n < 0 { Err(io::Error::last_os_error()) } else { Ok(n as usize) }
}

/// The ICMP message behind a UDP socket's error: IP_RECVERR queues it with its type and code,
/// which the errno alone does not tell (ECONNREFUSED is port unreachable, but EHOSTUNREACH is
/// any of several).
fn queued_icmp(sock: &UdpSocket) -> Option<(u8, u8)> {
    use std::os::fd::AsRawFd;
    let mut data = [0u8; 256];
    let mut control = [0u64; 64];
    let mut iov = libc::iovec { iov_base: data.as_mut_ptr().cast(), iov_len: data.len() };
    // SAFETY: msghdr is plain data; all-zero is a valid empty header, filled in below.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: msg points at live buffers of the lengths it states.
    let n = unsafe { libc::recvmsg(sock.as_raw_fd(), &mut msg, libc::MSG_ERRQUEUE | libc::MSG_DONTWAIT) };
    if n < 0 {
        return None;
    }
    // SAFETY: the kernel filled msg_control with cmsg headers within msg_controllen.
    let mut cmsg = unsafe { libc::CMSG_FIRSTHDR(&msg) };
    while !cmsg.is_null() {
        // SAFETY: cmsg is a header inside the control buffer (CMSG_FIRSTHDR/CMSG_NXTHDR checked it).
        let (level, kind) = unsafe { ((*cmsg).cmsg_level, (*cmsg).cmsg_type) };
        if level == libc::IPPROTO_IP && kind == libc::IP_RECVERR {
            // SAFETY: an IP_RECVERR message carries a sock_extended_err (maybe unaligned).
            let ee: libc::sock_extended_err = unsafe { std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast()) };
            if ee.ee_origin == libc::SO_EE_ORIGIN_ICMP {
                return Some((ee.ee_type, ee.ee_code));
            }
        }
        // SAFETY: as above; NXTHDR returns null past the end.
        cmsg = unsafe { libc::CMSG_NXTHDR(&msg, cmsg) };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_request_format() {
        assert_eq!(
            http_request("/health", "10.0.1.10"),
            "GET /health HTTP/1.1\r\nHost: 10.0.1.10\r\nUser-Agent: ecsnet-probe\r\nConnection: close\r\n\r\n"
        );
        assert!(http_request("", "127.0.0.1").starts_with("GET / HTTP/1.1\r\n"));
    }

    #[test]
    fn error_classification() {
        let c = |n| classify(&io::Error::from_raw_os_error(n)).0;
        assert_eq!(c(libc::ECONNREFUSED), Some(Outcome::Refused));
        assert_eq!(c(libc::EHOSTUNREACH), Some(Outcome::Refused));
        assert_eq!(c(libc::ENETUNREACH), Some(Outcome::Refused));
        assert_eq!(c(libc::EPERM), Some(Outcome::Timeout));
        assert_eq!(c(libc::EADDRNOTAVAIL), None);
    }

    #[tokio::test]
    async fn missing_namespace_is_an_error_not_a_verdict() {
        let spec = ProbeSpec {
            id: 7,
            src_ns: "ecsnet.no-such-namespace-for-test".into(),
            bind: None,
            dst: Ipv4Addr::new(10, 99, 0, 1),
            port: Some(1),
            proto: ProbeProto::Tcp,
            path: String::new(),
            host: None,
            timeout: Duration::from_millis(100),
        };
        let r = run(vec![spec.clone(), ProbeSpec { id: 8, port: None, ..spec }]).await;
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].id, 7);
        assert!(r[0].error.as_deref().unwrap_or("").contains("enter netns"), "{:?}", r[0]);
        assert_eq!(r[1].id, 8);
        assert!(r[1].error.is_some());
    }
}
