//! The node's HTTP/1.1: reading a request (head and a Content-Length body), the request it
//! sends upstream with ELB's X-Forwarded headers, the exchange with a target (502 when the
//! target refuses, resets or answers garbage, 504 when it does not connect or answer in time),
//! and the answers the node makes itself, with ELB's bodies and `Server: awselb/2.0`.

use crate::scenario::Redirect;
use std::net::IpAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MAX_HEAD: usize = 16 * 1024;
const MAX_BODY: usize = 1024 * 1024;
const MAX_RESPONSE: usize = 8 * 1024 * 1024;
const READ_WINDOW: Duration = Duration::from_secs(10);
/// ELB's connection idle timeout (60 s) bounds a target's answer.
const TARGET_WINDOW: Duration = Duration::from_secs(60);
const CONNECT_WINDOW: Duration = Duration::from_secs(10);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The request target as sent (`/api/x?y=1`).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("/")
    }
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }
    /// The Host header without its port.
    pub fn host(&self) -> &str {
        let h = self.header("host").unwrap_or_default();
        h.rsplit_once(':').filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit())).map_or(h, |(n, _)| n)
    }

    /// The request as the node sends it to a target: hop-by-hop headers dropped, the client
    /// appended to X-Forwarded-For, X-Forwarded-Proto and -Port set, one request per connection.
    pub fn forwarded(&self, client: IpAddr, proto: &str, port: u16) -> Vec<u8> {
        let hop = ["connection", "keep-alive", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-for"];
        let xff = match self.header("x-forwarded-for") {
            Some(prev) if !prev.trim().is_empty() => format!("{prev}, {client}"),
            _ => client.to_string(),
        };
        let mut out = format!("{} {} HTTP/1.1\r\n", self.method, self.target);
        for (k, v) in self.headers.iter().filter(|(k, _)| !hop.contains(&k.to_ascii_lowercase().as_str())) {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str(&format!(
            "X-Forwarded-For: {xff}\r\nX-Forwarded-Proto: {proto}\r\nX-Forwarded-Port: {port}\r\nConnection: close\r\n\r\n"
        ));
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// Parse a request head; None when it is not HTTP/1.
pub fn parse_head(head: &[u8]) -> Option<Request> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n").flat_map(|l| l.split('\n'));
    let mut first = lines.next()?.split(' ');
    let (method, target, version) = (first.next()?, first.next()?, first.next()?);
    if !version.starts_with("HTTP/1") || !target.starts_with('/') || method.is_empty() {
        return None;
    }
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
        .collect();
    Some(Request { method: method.to_string(), target: target.to_string(), headers, body: vec![] })
}

fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

/// Read one request: its head, then a Content-Length body (bounded). None: not a request.
pub async fn read_request<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> Option<Request> {
    let mut buf = Vec::new();
    let read = async {
        let mut chunk = [0u8; 4096];
        while head_end(&buf).is_none() && buf.len() < MAX_HEAD {
            let n = s.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
            buf.extend_from_slice(&chunk[..n]);
        }
        let end = head_end(&buf)?;
        let mut req = parse_head(&buf[..end])?;
        let len: usize = req.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0).min(MAX_BODY);
        let mut body = buf[end..].to_vec();
        while body.len() < len {
            let n = s.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
            body.extend_from_slice(&chunk[..n]);
        }
        body.truncate(len);
        req.body = body;
        Some(req)
    };
    tokio::time::timeout(READ_WINDOW, read).await.ok().flatten()
}

/// Send `req` to a target and return its whole answer (it closes the connection), or the
/// ELB error a client gets: 504 when the connection or the answer does not come in time,
/// 502 when the target refuses, resets, or answers something that is not HTTP.
pub async fn exchange(conn: impl std::future::Future<Output = std::io::Result<TcpStream>>, req: &[u8]) -> Vec<u8> {
    let mut s = match tokio::time::timeout(CONNECT_WINDOW, conn).await {
        Err(_) => return elb_error(504),
        Ok(Err(_)) => return elb_error(502),
        Ok(Ok(s)) => s,
    };
    if s.write_all(req).await.is_err() {
        return elb_error(502);
    }
    let mut out = Vec::new();
    let read = async {
        let mut chunk = [0u8; 8192];
        while out.len() < MAX_RESPONSE {
            match s.read(&mut chunk).await {
                Ok(0) => return true,
                Ok(n) => out.extend_from_slice(&chunk[..n]),
                Err(_) => return !out.is_empty(),
            }
        }
        true
    };
    match tokio::time::timeout(TARGET_WINDOW, read).await {
        Err(_) => elb_error(504),
        Ok(_) if status_of(&out).is_none() => elb_error(502),
        Ok(_) => out,
    }
}

/// The status code of a response's status line.
pub fn status_of(buf: &[u8]) -> Option<u16> {
    let line = buf.split(|b| *b == b'\n').next()?;
    let mut parts = std::str::from_utf8(line).ok()?.trim_end().split(' ');
    parts.next().filter(|v| v.starts_with("HTTP/"))?;
    parts.next()?.parse().ok().filter(|c| (100..600).contains(c))
}

/// A whole response the node makes.
pub fn response(status: u16, content_type: &str, body: &[u8], extra: &[(&str, String)]) -> Vec<u8> {
    let reason = crate::services::responder::reason_phrase(status);
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nServer: awselb/2.0\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

/// ELB's own error page (400, 502, 503, 504).
pub fn elb_error(status: u16) -> Vec<u8> {
    let title = format!("{status} {}", crate::services::responder::reason_phrase(status));
    let body = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n"
    );
    response(status, "text/html", body.as_bytes(), &[])
}

/// A redirect: each part as configured, `#{…}` keeping the request's (`scheme` and `port`:
/// the listener's).
pub fn redirect(r: &Redirect, req: &Request, (scheme, port): (&str, u16)) -> Vec<u8> {
    let path = req.path().trim_start_matches('/');
    let fill = |s: &str| {
        s.replace("#{protocol}", scheme)
            .replace("#{host}", req.host())
            .replace("#{port}", &port.to_string())
            .replace("#{path}", path)
            .replace("#{query}", req.query())
    };
    let protocol = fill(&r.protocol).to_ascii_lowercase();
    let query = fill(&r.query);
    let default_port = (protocol == "http" && fill(&r.port) == "80") || (protocol == "https" && fill(&r.port) == "443");
    let port = if default_port { String::new() } else { format!(":{}", fill(&r.port)) };
    let q = if query.is_empty() { String::new() } else { format!("?{query}") };
    let location = format!("{protocol}://{}{port}{}{q}", fill(&r.host), fill(&r.path));
    response(r.status_code, "text/html", b"", &[("Location", location)])
}

/// Write an answer and close.
pub async fn answer(s: &mut TcpStream, out: &[u8]) {
    if s.write_all(out).await.is_ok() {
        crate::services::responder::lingering_close(s).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_requests_carry_elbs_headers() {
        let req = parse_head(b"GET /api/x?y=1 HTTP/1.1\r\nHost: web.example:80\r\nX-Forwarded-For: 192.0.2.1\r\nConnection: keep-alive\r\n\r\n").unwrap();
        assert_eq!((req.path(), req.query(), req.host()), ("/api/x", "y=1", "web.example"));
        let out = String::from_utf8(req.forwarded("203.0.113.10".parse().unwrap(), "http", 80)).unwrap();
        assert!(out.starts_with("GET /api/x?y=1 HTTP/1.1\r\n"), "{out}");
        assert!(out.contains("X-Forwarded-For: 192.0.2.1, 203.0.113.10\r\n"), "{out}");
        assert!(out.contains("X-Forwarded-Proto: http\r\nX-Forwarded-Port: 80\r\nConnection: close\r\n"), "{out}");
        assert!(!out.contains("keep-alive"), "{out}");
    }

    #[test]
    fn node_answers() {
        let e = String::from_utf8(elb_error(503)).unwrap();
        assert!(e.starts_with("HTTP/1.1 503 Service Unavailable\r\nServer: awselb/2.0\r\n"), "{e}");
        assert!(e.contains("<center><h1>503 Service Unavailable</h1></center>"));
        assert_eq!(status_of(b"HTTP/1.1 404 Not Found\r\n\r\n"), Some(404));
        assert_eq!(status_of(b"hello"), None);
        let req = parse_head(b"GET /a/b?q=1 HTTP/1.1\r\nHost: old.example.com\r\n\r\n").unwrap();
        let r = Redirect {
            protocol: "HTTPS".into(),
            port: "443".into(),
            host: "new.example.com".into(),
            path: "/#{path}".into(),
            query: "#{query}".into(),
            status_code: 301,
        };
        let out = String::from_utf8(redirect(&r, &req, ("http", 80))).unwrap();
        assert!(out.starts_with("HTTP/1.1 301 Moved Permanently\r\n"), "{out}");
        assert!(out.contains("Location: https://new.example.com/a/b?q=1\r\n"), "{out}");
    }
}
