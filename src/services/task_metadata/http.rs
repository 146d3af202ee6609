//! The endpoint's HTTP/1 server, answering as Go's net/http does for the agent
//! (`http.Server` with 5 s read and write timeouts, agent/handlers/task_server_setup.go):
//! connections are kept alive (5 s idle) unless the client asks otherwise; requests are read
//! whole, body included, one after another on a connection; a malformed request gets Go's raw
//! error answer and the connection is closed; a response is framed as Go frames it
//! (`Content-Length` up to 2048 bytes, chunked beyond), with its `Date` header and the rate
//! limiter's `X-Rate-Limit-*` headers (the limiting itself is not emulated).

use super::{Answer, Request, routes};
use crate::sys::time::{NS_PER_SEC, civil};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// What one endpoint serves.
#[derive(Debug)]
pub(super) struct Endpoint {
    pub lab: Arc<str>,
    /// The instance's tasks, replaced when they change while the lab runs (`super::update`).
    pub inst: super::Live,
    pub api: Api,
}

/// Which of the agent's two servers a socket is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Api {
    TaskMetadata,
    Introspection,
}

/// The agent's read timeout, which Go also waits for the next request on an idle connection.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// Go's DefaultMaxHeaderBytes and the slack it allows.
const MAX_HEADER_BYTES: usize = (1 << 20) + 4096;
/// ecsnet's own bound on a request body (the agent reads small JSON bodies only).
const MAX_BODY_BYTES: usize = 1 << 20;
/// Go buffers this much of a handler's output: a body that fits gets a Content-Length, a longer
/// one is sent chunked (net/http's bufferBeforeChunkingSize).
const CHUNKING_THRESHOLD: usize = 2048;
/// The rate tollbooth reports in X-Rate-Limit-Limit (`ECS_TASK_METADATA_RPS_LIMIT`'s default).
const STEADY_RATE: &str = "40.00";

/// Accept connections forever, one task each.
pub(super) async fn serve(listener: TcpListener, ep: Arc<Endpoint>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(handle(stream, ep.clone()));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

fn peer_v4(a: SocketAddr) -> SocketAddrV4 {
    match a {
        SocketAddr::V4(a) => a,
        SocketAddr::V6(a) => SocketAddrV4::new(a.ip().to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED), a.port()),
    }
}

fn now_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

/// Serve the requests of one connection until it closes, errs, idles or asks to close.
async fn handle(mut stream: TcpStream, ep: Arc<Endpoint>) {
    let Ok(peer) = stream.peer_addr().map(peer_v4) else { return };
    let mut buf = Vec::new();
    loop {
        let deadline = Instant::now() + READ_TIMEOUT;
        let head = match read_head(&mut stream, &mut buf, deadline).await {
            HeadRead::Head(h) => h,
            // EOF or timeout: Go closes without a word.
            HeadRead::Gone => return,
            HeadRead::Bad(raw) => {
                let _ = tokio::time::timeout(WRITE_TIMEOUT, stream.write_all(raw.as_bytes())).await;
                super::super::responder::lingering_close(&mut stream).await;
                return;
            }
        };
        if head.expects_continue && head.body != BodyLength::Fixed(0) {
            let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await;
        }
        let Some(body) = read_body(&mut stream, &mut buf, &head.body, deadline).await else { return };
        let request = Request { method: head.method.clone(), target: head.target.clone(), body, peer: Some(peer) };
        let now = now_ns();
        let inst = super::current(&ep.inst);
        let answer = match ep.api {
            Api::TaskMetadata => routes::answer(&ep.lab, &inst, &request, now),
            Api::Introspection => super::introspection::answer(&inst, &request.target),
        };
        let (bytes, close) = response(&answer, &head, &peer.to_string(), now / NS_PER_SEC);
        let written = tokio::time::timeout(WRITE_TIMEOUT, stream.write_all(&bytes)).await;
        if close || !matches!(written, Ok(Ok(()))) {
            super::super::responder::lingering_close(&mut stream).await;
            return;
        }
        // Idle: the next request must start within the read timeout.
        if buf.is_empty() && !fill(&mut stream, &mut buf, Instant::now() + READ_TIMEOUT).await {
            return;
        }
    }
}

/// Read more of the connection into `buf` by `deadline`; false on EOF, error or timeout.
async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>, deadline: Instant) -> bool {
    let mut chunk = [0u8; 4096];
    match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
        Ok(Ok(n)) if n > 0 => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
        _ => false,
    }
}

/// A request's head as the server needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Head {
    pub method: String,
    pub target: String,
    /// HTTP/1.`minor`.
    pub minor: u8,
    pub body: BodyLength,
    /// The client asked to close after this one (HTTP/1.1 `Connection: close`, or HTTP/1.0
    /// without `Connection: keep-alive`).
    pub close: bool,
    pub keep_alive_10: bool,
    pub expects_continue: bool,
    pub forwarded_for: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum BodyLength {
    Fixed(usize),
    Chunked,
}

enum HeadRead {
    Head(Head),
    Gone,
    /// The raw answer Go writes for a request it cannot read.
    Bad(String),
}

/// Read a request's head, leaving what follows it in `buf`.
async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>, deadline: Instant) -> HeadRead {
    loop {
        if let Some(end) = head_end(buf) {
            let parsed = parse_head(&buf[..end]);
            buf.drain(..end);
            return match parsed {
                Ok(h) => HeadRead::Head(h),
                Err(raw) => HeadRead::Bad(raw),
            };
        }
        // Go answers a request line it cannot parse as soon as it has read it (a probe's line).
        if let Some(nl) = buf.iter().position(|&b| b == b'\n')
            && request_line(&buf[..=nl]).is_none()
        {
            return HeadRead::Bad(go_error(400, None));
        }
        if buf.len() > MAX_HEADER_BYTES {
            return HeadRead::Bad(go_error(431, None));
        }
        if !fill(stream, buf, deadline).await {
            return HeadRead::Gone;
        }
    }
}

/// Where the head ends (after its blank line).
fn head_end(buf: &[u8]) -> Option<usize> {
    let mut line_start = 0;
    for (i, &b) in buf.iter().enumerate() {
        if b == b'\n' {
            let line = &buf[line_start..i];
            if (line.is_empty() || line == b"\r") && line_start > 0 {
                return Some(i + 1);
            }
            line_start = i + 1;
        }
    }
    None
}

/// The raw answer of Go's server to a request it refuses before any handler: `code` with its
/// reason (and Go's detail, when it gives one) as status and body, and the connection closed.
fn go_error(code: u16, detail: Option<&str>) -> String {
    let status = match detail {
        Some(d) => format!("{code} {}: {d}", reason(code)),
        None => format!("{code} {}", reason(code)),
    };
    let body = if code == 501 { "Unsupported transfer encoding".to_string() } else { status.clone() };
    format!("HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n{body}")
}

/// Parse the request line of an HTTP/1 request, as Go does: (method, target).
pub fn request_line(req: &[u8]) -> Option<(&str, &str)> {
    let end = req.iter().position(|&b| b == b'\n').unwrap_or(req.len());
    let line = std::str::from_utf8(&req[..end]).ok()?.trim_end_matches('\r');
    let (method, rest) = line.split_once(' ')?;
    let (target, version) = rest.split_once(' ')?;
    let token =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
    let target_ok = target.starts_with('/') || target == "*" || target.contains("://");
    let v = version.as_bytes();
    let version_ok =
        v.len() == 8 && version.starts_with("HTTP/") && v[5].is_ascii_digit() && v[6] == b'.' && v[7].is_ascii_digit();
    (token(method) && target_ok && version_ok).then_some((method, target))
}

/// The head (request line, headers, blank line) of a request, or Go's raw answer refusing it.
pub(super) fn parse_head(raw: &[u8]) -> Result<Head, String> {
    let text = std::str::from_utf8(raw).map_err(|_| go_error(400, None))?;
    let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
    let (method, target) = request_line(raw).ok_or_else(|| go_error(400, None))?;
    let version = lines.next().and_then(|l| l.rsplit(' ').next()).unwrap_or("");
    let (major, minor) = (version.as_bytes()[5], version.as_bytes()[7]);
    if major != b'1' {
        return Err(go_error(505, Some("unsupported protocol version")));
    }
    let minor = minor - b'0';
    let mut headers: Vec<(String, String)> = vec![];
    for l in lines.take_while(|l| !l.is_empty()) {
        let (k, v) = l.split_once(':').ok_or_else(|| go_error(400, None))?;
        if k.is_empty() || k.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(go_error(400, None));
        }
        headers.push((k.to_ascii_lowercase(), v.trim().to_string()));
    }
    let all = |name: &'static str| headers.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str());
    let has_token = |name: &'static str, token: &str| {
        all(name).flat_map(|v| v.split(',')).any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    if minor >= 1 && all("host").count() != 1 {
        let why = if all("host").count() == 0 { "missing required Host header" } else { "too many Host headers" };
        return Err(go_error(400, Some(why)));
    }
    let body = body_length(&headers, minor)?;
    let close = if minor >= 1 { has_token("connection", "close") } else { !has_token("connection", "keep-alive") };
    Ok(Head {
        method: method.to_string(),
        target: target.to_string(),
        minor,
        body,
        close,
        keep_alive_10: minor == 0 && has_token("connection", "keep-alive"),
        expects_continue: minor >= 1 && has_token("expect", "100-continue"),
        forwarded_for: all("x-forwarded-for").next().unwrap_or("").to_string(),
    })
}

/// The body's length as the headers give it.
fn body_length(headers: &[(String, String)], minor: u8) -> Result<BodyLength, String> {
    if let Some((_, te)) = headers.iter().find(|(k, _)| k == "transfer-encoding").filter(|_| minor >= 1) {
        return if te.eq_ignore_ascii_case("chunked") { Ok(BodyLength::Chunked) } else { Err(go_error(501, None)) };
    }
    let lengths: Vec<&str> = headers.iter().filter(|(k, _)| k == "content-length").map(|(_, v)| v.as_str()).collect();
    match lengths.first() {
        None => Ok(BodyLength::Fixed(0)),
        Some(first) if lengths.iter().all(|l| l == first) => match first.parse::<usize>() {
            Ok(n) if first.bytes().all(|b| b.is_ascii_digit()) => Ok(BodyLength::Fixed(n)),
            _ => Err(go_error(400, None)),
        },
        Some(_) => Err(go_error(400, None)),
    }
}

/// Read the body by `deadline`, leaving what follows it in `buf`; None: the connection ended,
/// timed out, or the body is malformed or over ecsnet's bound (Go would close too).
async fn read_body(stream: &mut TcpStream, buf: &mut Vec<u8>, len: &BodyLength, deadline: Instant) -> Option<Vec<u8>> {
    loop {
        let done = match len {
            BodyLength::Fixed(n) if *n > MAX_BODY_BYTES => return None,
            BodyLength::Fixed(n) => (buf.len() >= *n).then(|| (buf[..*n].to_vec(), *n)),
            BodyLength::Chunked => dechunk(buf)?,
        };
        if let Some((body, used)) = done {
            buf.drain(..used);
            return Some(body);
        }
        if buf.len() > MAX_BODY_BYTES + MAX_HEADER_BYTES || !fill(stream, buf, deadline).await {
            return None;
        }
    }
}

/// A chunked body at the start of `b`: Some(None) while incomplete, Some(Some((data, bytes
/// used))) once its last chunk and trailers are in, None if malformed.
fn dechunk(b: &[u8]) -> Option<Option<(Vec<u8>, usize)>> {
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let Some(nl) = b[at..].iter().position(|&c| c == b'\n') else { return Some(None) };
        let line = std::str::from_utf8(&b[at..at + nl]).ok()?.trim_end_matches('\r');
        let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
        at += nl + 1;
        if size == 0 {
            // Trailers, up to the blank line.
            return Some(head_end(&[b"x\n", &b[at..]].concat()).map(|end| (out, at + end - 2)));
        }
        if b.len() < at + size + 2 {
            return Some(None);
        }
        out.extend_from_slice(&b[at..at + size]);
        at += size;
        at += if b[at..].starts_with(b"\r\n") { 2 } else { usize::from(b[at] == b'\n') };
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// The bytes of an answer to `head` from `remote` at `now_unix`, and whether the connection is
/// closed after it: Go's status line, the handler's headers and the rate limiter's (sorted, as
/// Go writes a header map), then Date, the framing and Connection.
pub(super) fn response(a: &Answer, head: &Head, remote: &str, now_unix: u64) -> (Vec<u8>, bool) {
    let mut headers: Vec<(&str, String)> = a.headers.iter().map(|(k, v)| (*k, v.clone())).collect();
    if let Some(ct) = a.content_type {
        headers.push(("Content-Type", ct.to_string()));
    }
    if !a.before_limiter {
        headers.push(("X-Rate-Limit-Duration", "1".into()));
        headers.push(("X-Rate-Limit-Limit", STEADY_RATE.into()));
        headers.push(("X-Rate-Limit-Request-Forwarded-For", head.forwarded_for.clone()));
        headers.push(("X-Rate-Limit-Request-Remote-Addr", remote.to_string()));
    }
    headers.sort_by(|x, y| x.0.cmp(y.0));
    let is_head = head.method == "HEAD";
    let len = a.body.len();
    let mut out = format!("HTTP/1.{} {} {}\r\n", head.minor.min(1), a.status, reason(a.status));
    for (k, v) in &headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Date: {}\r\n", http_date(now_unix)));
    let (sized, chunked) = match (is_head, len <= CHUNKING_THRESHOLD) {
        (true, _) => (len > 0 && len <= CHUNKING_THRESHOLD, false),
        (false, true) => (true, false),
        (false, false) => (false, head.minor >= 1),
    };
    if sized {
        out.push_str(&format!("Content-Length: {len}\r\n"));
    }
    // HTTP/1.0 keeps alive only when asked and the length is known.
    let keep_10 = head.keep_alive_10 && (sized || is_head);
    let close = if head.minor == 0 { !keep_10 } else { head.close };
    if head.minor >= 1 && close {
        out.push_str("Connection: close\r\n");
    } else if keep_10 {
        out.push_str("Connection: keep-alive\r\n");
    }
    if chunked {
        out.push_str("Transfer-Encoding: chunked\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    if !is_head {
        if chunked {
            bytes.extend_from_slice(format!("{len:x}\r\n{}\r\n0\r\n\r\n", a.body).as_bytes());
        } else {
            bytes.extend_from_slice(a.body.as_bytes());
        }
    }
    (bytes, close)
}

/// Go's http.TimeFormat: `Mon, 02 Jan 2006 15:04:05 GMT`.
pub(super) fn http_date(unix: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (y, mo, d, h, mi, s) = civil(unix);
    let weekday = DAYS[(unix / 86_400 % 7) as usize];
    let month = MONTHS[(mo as usize).saturating_sub(1) % 12];
    format!("{weekday}, {d:02} {month} {y:04} {h:02}:{mi:02}:{s:02} GMT")
}
