//! The built-in responder: what answers in place of a container's program. It tells the caller who
//! it is (lab, node, task, container), the address and port the packet actually reached (after any
//! DNAT), and the source address it saw (after any SNAT). The probe side parses the same
//! [`Identity`] type.
//!
//! TCP: read until `\n`, 4 KiB or 2 s; an HTTP request gets `HTTP/1.1 200 OK` with the identity as
//! a JSON body, anything else gets the identity JSON and `\n`. UDP: every datagram gets the
//! identity JSON back, sent from the address the datagram was sent to (IP_PKTINFO, see
//! [`serve_udp`]).

use super::bind::{Listen, Socket};
use crate::scenario::{PortProto, Proto};
use serde::{Deserialize, Serialize};
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

/// The JSON a responder answers with:
/// `{"ecsnet":1,"lab":..,"node":..,"task":..|null,"container":..|null,"proto":"tcp","local":"IP:PORT","peer":"IP:PORT"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Format version; always 1 for now.
    pub ecsnet: u32,
    pub lab: String,
    /// Which node answered: `task/web/app`, `internet/api`, ...
    pub node: String,
    #[serde(default)]
    pub task: Option<String>,
    #[serde(default)]
    pub container: Option<String>,
    pub proto: Proto,
    /// The address and port the connection or datagram arrived at, as the responder saw it.
    pub local: SocketAddrV4,
    /// The source address and port the responder saw.
    pub peer: SocketAddrV4,
    /// The `X-Forwarded-*` headers of an HTTP request, as the responder got them (lower-case
    /// names): what a load balancer added.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub forwarded: std::collections::BTreeMap<String, String>,
}

impl Identity {
    /// Parse an identity from a reply (a JSON object, optionally followed by whitespace). `None`
    /// when the bytes are not an ecsnet identity (a real program answered).
    pub fn parse(bytes: &[u8]) -> Option<Identity> {
        let s = std::str::from_utf8(bytes).ok()?.trim();
        if !s.starts_with('{') {
            return None;
        }
        serde_json::from_str(s).ok()
    }
}

/// A responder: what answers in place of one container's program (or an internet host's
/// server), on every port it listens on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spec {
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
    pub listen: Vec<PortProto>,
    /// HTTP paths answered with another status than 200 (`x-ecsnet.httpStatus`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http_status: Vec<(String, u16)>,
}

impl Spec {
    /// The sockets it needs.
    pub fn listens(&self) -> Vec<Listen> {
        let ip = self.bind.unwrap_or(Ipv4Addr::UNSPECIFIED);
        self.listen
            .iter()
            .map(|pp| Listen {
                ns: self.ns.clone(),
                addr: SocketAddrV4::new(ip, pp.port),
                proto: pp.proto,
                who: self.node.clone(),
            })
            .collect()
    }
}

/// Serve one responder on its sockets (those of [`Spec::listens`], in order), on the current
/// runtime. The entry point of this service.
pub fn start(spec: &Spec, lab: Arc<str>, sockets: Vec<Socket>) -> io::Result<()> {
    let info = Arc::new(NodeInfo {
        lab,
        node: spec.node.as_str().into(),
        task: spec.task.as_deref().map(Into::into),
        container: spec.container.as_deref().map(Into::into),
        http_status: spec.http_status.clone(),
    });
    for s in sockets {
        match s {
            Socket::Tcp(l) => drop(tokio::spawn(serve_tcp(TcpListener::from_std(l)?, info.clone()))),
            Socket::Udp(u) => drop(tokio::spawn(serve_udp(UdpSocket::from_std(u)?, info.clone()))),
        }
    }
    Ok(())
}

/// The constant part of an identity: one per responder, shared by all its connections.
#[derive(Debug)]
pub struct NodeInfo {
    pub lab: Arc<str>,
    pub node: Box<str>,
    pub task: Option<Box<str>>,
    pub container: Option<Box<str>>,
    /// Paths answered with another status than 200.
    pub http_status: Vec<(String, u16)>,
}

impl NodeInfo {
    pub fn identity(&self, proto: Proto, local: SocketAddrV4, peer: SocketAddrV4) -> Identity {
        Identity {
            ecsnet: 1,
            lab: self.lab.to_string(),
            node: self.node.to_string(),
            task: self.task.as_deref().map(str::to_string),
            container: self.container.as_deref().map(str::to_string),
            proto,
            local,
            peer,
            forwarded: Default::default(),
        }
    }

    fn json(&self, proto: Proto, local: SocketAddrV4, peer: SocketAddrV4) -> Vec<u8> {
        // Serializing a struct of strings and addresses cannot fail.
        serde_json::to_vec(&self.identity(proto, local, peer)).unwrap_or_default()
    }
}

const HTTP_METHODS: &[&[u8]] =
    &[b"GET ", b"HEAD ", b"POST ", b"PUT ", b"DELETE ", b"OPTIONS ", b"PATCH ", b"CONNECT ", b"TRACE "];

/// Does this request start like an HTTP/1 request line?
pub fn is_http_request(data: &[u8]) -> bool {
    HTTP_METHODS.iter().any(|m| data.starts_with(m))
}

/// The full HTTP response for an identity body (no body for HEAD, but the same Content-Length).
pub fn http_response(request: &[u8], body: &[u8]) -> Vec<u8> {
    http_response_status(request, body, 200)
}

/// A request's `X-Forwarded-*` headers, names in lower case.
pub fn forwarded_headers(request: &[u8]) -> std::collections::BTreeMap<String, String> {
    let text = String::from_utf8_lossy(request);
    text.lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .filter(|(k, _)| k.starts_with("x-forwarded-"))
        .collect()
}

/// The status `http_status` gives the request's path (without its query), else 200.
pub fn status_for(http_status: &[(String, u16)], request: &[u8]) -> u16 {
    let line = request.split(|b| *b == b'\n').next().unwrap_or_default();
    let target = line.split(|b| *b == b' ').nth(1).unwrap_or_default();
    let path = target.split(|b| *b == b'?').next().unwrap_or_default();
    http_status.iter().find(|(p, _)| p.as_bytes() == path).map_or(200, |(_, c)| *c)
}

/// The reason phrase of the statuses a responder or a load balancer answers with.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// The same with another status.
pub fn http_response_status(request: &[u8], body: &[u8], status: u16) -> Vec<u8> {
    let head = request.starts_with(b"HEAD ");
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\nServer: ecsnet\r\n\r\n",
        reason_phrase(status),
        body.len()
    )
    .into_bytes();
    if !head {
        out.extend_from_slice(body);
    }
    out
}

const MAX_REQUEST: usize = 4096;
const READ_WINDOW: Duration = Duration::from_secs(2);
const DRAIN_WINDOW: Duration = Duration::from_millis(500);

fn v4(a: SocketAddr) -> SocketAddrV4 {
    match a {
        SocketAddr::V4(a) => a,
        SocketAddr::V6(a) => SocketAddrV4::new(a.ip().to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED), a.port()),
    }
}

/// Accept connections forever, each handled on its own task so a slow client stalls nobody.
pub async fn serve_tcp(listener: TcpListener, info: Arc<NodeInfo>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(handle_tcp(stream, info.clone()));
            }
            // EMFILE/ENFILE/ENOBUFS and friends: back off instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// One TCP connection: read the request (line, 4 KiB or 2 s), answer, close cleanly.
pub async fn handle_tcp(mut stream: TcpStream, info: Arc<NodeInfo>) {
    let (Ok(local), Ok(peer)) = (stream.local_addr(), stream.peer_addr()) else { return };
    let mut req = Vec::new();
    let _ = tokio::time::timeout(READ_WINDOW, read_request(&mut stream, &mut req)).await;
    let out = if is_http_request(&req) {
        let mut id = info.identity(Proto::Tcp, v4(local), v4(peer));
        id.forwarded = forwarded_headers(&req);
        let mut b = serde_json::to_vec(&id).unwrap_or_default();
        b.push(b'\n');
        http_response_status(&req, &b, status_for(&info.http_status, &req))
    } else {
        let mut b = info.json(Proto::Tcp, v4(local), v4(peer));
        b.push(b'\n');
        b
    };
    if stream.write_all(&out).await.is_err() {
        return;
    }
    lingering_close(&mut stream).await;
}

/// Closing with unread input would send RST and could destroy the response before the client
/// read it: send FIN, then discard input until the client closes (bounded).
pub async fn lingering_close(stream: &mut TcpStream) {
    let _ = stream.shutdown().await;
    let mut sink = [0u8; 512];
    let _ = tokio::time::timeout(DRAIN_WINDOW, async {
        while let Ok(n) = stream.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

/// Read until the end of the first line (or, for HTTP, the end of the headers), EOF or 4 KiB.
async fn read_request(stream: &mut TcpStream, req: &mut Vec<u8>) {
    let mut chunk = [0u8; 1024];
    loop {
        let n = match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        req.extend_from_slice(&chunk[..n]);
        if request_complete(req) || req.len() >= MAX_REQUEST {
            return;
        }
    }
}

/// A non-HTTP request ends at its first newline; an HTTP one at the blank line after the headers.
pub fn request_complete(req: &[u8]) -> bool {
    if is_http_request(req) || (req.len() < 8 && HTTP_METHODS.iter().any(|m| m.starts_with(req))) {
        req.windows(4).any(|w| w == b"\r\n\r\n") || req.windows(2).any(|w| w == b"\n\n")
    } else {
        req.contains(&b'\n')
    }
}

/// Answer every datagram with the identity, from the address it was sent to.
///
/// The socket is bound to the listener's address (often 0.0.0.0) with IP_PKTINFO on: the header
/// destination of each datagram is reported as `local`, and the reply is sent with that address
/// as its source (`ipi_spec_dst`), so a client with a connected socket accepts it.
pub async fn serve_udp(sock: UdpSocket, info: Arc<NodeInfo>) {
    let port = sock.local_addr().map(|a| a.port()).unwrap_or(0);
    let bound = sock.local_addr().map(v4).map(|a| *a.ip()).unwrap_or(Ipv4Addr::UNSPECIFIED);
    loop {
        // The payload is not needed: a tiny buffer keeps the task small (datagrams are truncated).
        let mut buf = [0u8; 16];
        let got =
            sock.async_io(tokio::io::Interest::READABLE, || crate::sys::sock::recv_pktinfo(&sock, &mut buf)).await;
        let (peer, pkt) = match got {
            Ok((_, peer, pkt)) => (peer, pkt),
            Err(e) if is_transient(&e) => continue,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let local_ip = pkt.map(|p| p.dst).unwrap_or(bound);
        let src = pkt.map(|p| p.spec_dst).or(Some(bound));
        let body = info.json(Proto::Udp, SocketAddrV4::new(local_ip, port), peer);
        // Sent directly on the non-blocking fd: a reply that cannot be sent right away (full send
        // buffer) is dropped, as any UDP packet could be.
        let _ = crate::sys::sock::send_from(&sock, &body, peer, src);
    }
}

/// Errors a UDP socket reports for earlier packets (ICMP errors); not a reason to stop.
fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::ECONNREFUSED | libc::EHOSTUNREACH | libc::ENETUNREACH | libc::EINTR | libc::EPERM)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> NodeInfo {
        NodeInfo {
            lab: "lab1".into(),
            node: "task/web/app".into(),
            task: Some("web".into()),
            container: None,
            http_status: vec![("/health".into(), 404)],
        }
    }

    #[test]
    fn identity_json_round_trip() {
        let local = "10.0.1.10:3000".parse().unwrap();
        let peer = "10.0.0.5:40000".parse().unwrap();
        let json = info().json(Proto::Tcp, local, peer);
        let s = String::from_utf8(json.clone()).unwrap();
        assert_eq!(
            s,
            r#"{"ecsnet":1,"lab":"lab1","node":"task/web/app","task":"web","container":null,"proto":"tcp","local":"10.0.1.10:3000","peer":"10.0.0.5:40000"}"#
        );
        let id = Identity::parse(&json).unwrap();
        assert_eq!(id, info().identity(Proto::Tcp, local, peer));
        let mut nl = json.clone();
        nl.extend_from_slice(b"\n");
        assert_eq!(Identity::parse(&nl), Some(id));
        assert_eq!(Identity::parse(b"hello\n"), None);
        assert_eq!(Identity::parse(b"{\"x\":1}"), None);
    }

    #[test]
    fn identity_accepts_unknown_and_missing_optional_fields() {
        let s = r#"{"ecsnet":1,"lab":"l","node":"internet/api","proto":"udp","local":"1.2.3.4:53","peer":"5.6.7.8:9","extra":true}"#;
        let id = Identity::parse(s.as_bytes()).unwrap();
        assert_eq!(id.task, None);
        assert_eq!(id.proto, Proto::Udp);
    }

    #[test]
    fn http_status_per_path() {
        let paths = info().http_status;
        assert_eq!(status_for(&paths, b"GET /health HTTP/1.1\r\n\r\n"), 404);
        assert_eq!(status_for(&paths, b"GET /health?x=1 HTTP/1.1\r\n\r\n"), 404);
        assert_eq!(status_for(&paths, b"GET /healthz HTTP/1.1\r\n\r\n"), 200);
        assert_eq!(status_for(&paths, b"GET / HTTP/1.1\r\n\r\n"), 200);
        let r = http_response_status(b"GET /health HTTP/1.1\r\n\r\n", b"{}", 404);
        assert!(r.starts_with(b"HTTP/1.1 404 Not Found\r\n"));
    }

    #[test]
    fn http_detection_and_response() {
        assert!(is_http_request(b"GET / HTTP/1.1\r\n"));
        assert!(is_http_request(b"HEAD /x HTTP/1.0\r\n"));
        assert!(!is_http_request(b"ECSNET-PROBE\n"));
        assert!(!is_http_request(b"GETX"));
        let r = http_response(b"GET / HTTP/1.1\r\n\r\n", b"{}\n");
        let s = String::from_utf8(r).unwrap();
        assert!(s.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(s.contains("Content-Length: 3\r\n"));
        assert!(s.contains("Content-Type: application/json\r\n"));
        assert!(s.ends_with("\r\n\r\n{}\n"));
        let h = String::from_utf8(http_response(b"HEAD / HTTP/1.1\r\n\r\n", b"{}\n")).unwrap();
        assert!(h.ends_with("\r\n\r\n"));
        assert!(h.contains("Content-Length: 3\r\n"));
    }

    #[test]
    fn request_completion() {
        assert!(request_complete(b"ECSNET-PROBE\n"));
        assert!(!request_complete(b"ECSNET"));
        assert!(!request_complete(b"GET / HTTP/1.1\r\nHost: x\r\n"));
        assert!(request_complete(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        assert!(request_complete(b"GET / HTTP/1.0\n\n"));
        // a partial method is not yet known to be non-HTTP
        assert!(!request_complete(b"GE"));
    }
}
