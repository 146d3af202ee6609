//! The HTTP side of the front doors: a request and a response as plain bytes (so every handler is
//! a pure function, tested without sockets), the helpers AWS's wire formats share (query
//! strings, XML escaping, JSON 1.1 errors, request ids, `aws-chunked` bodies), and the server
//! loop (TLS, then HTTP/1.1 with keep-alive, as SDKs reuse their connections).

use super::FrontDoor;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// The largest request body read (S3's single PUT allows 5 GiB; a lab needs far less, and the
/// whole body is held in memory).
pub const MAX_BODY: usize = 16 * 1024 * 1024;
/// A client that does not finish its TLS handshake or its request headers in time is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// A request as the handlers see it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Req {
    pub method: String,
    /// The path as sent (still percent-encoded), without the query.
    pub path: String,
    /// The query string as sent, without `?`.
    pub query: String,
    /// Lower-case names, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The VPC endpoint (its name) whose address the connection came to, if any.
    pub via: Option<String>,
    /// Who connected (a NAT gateway's EIP on the public path).
    pub peer: Option<std::net::IpAddr>,
}

impl Req {
    pub fn new(method: &str, target: &str) -> Req {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Req { method: method.into(), path: path.into(), query: query.into(), ..Req::default() }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Req {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Req {
        self.body = body.into();
        self
    }

    /// The first value of a header (name in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The Host header, without its port.
    pub fn host(&self) -> &str {
        host_without_port(self.header("host").unwrap_or_default())
    }

    /// A query parameter, decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        query_pairs(&self.query).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    pub fn has_query_param(&self, name: &str) -> bool {
        query_pairs(&self.query).iter().any(|(k, _)| k == name)
    }
}

/// `host:port` or `[v6]:port` to the host.
pub fn host_without_port(h: &str) -> &str {
    if let Some(rest) = h.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    h.rsplit_once(':').filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit())).map_or(h, |(host, _)| host)
}

/// A response: status, headers, body. For HEAD the body is still given (its length is the
/// Content-Length) and is not sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Shared bytes: a layer or object is answered without copying it out of the store.
    pub body: Bytes,
}

impl Resp {
    pub fn new(status: u16, content_type: &str, body: impl Into<Bytes>) -> Resp {
        Resp { status, headers: vec![("Content-Type".into(), content_type.into())], body: body.into() }
    }

    pub fn empty(status: u16) -> Resp {
        Resp { status, headers: vec![], body: Bytes::new() }
    }

    pub fn with_status(mut self, status: u16) -> Resp {
        self.status = status;
        self
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Resp {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The first value of a header (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// `application/x-amz-json-1.1`, the content type of every JSON 1.1 service here.
pub const AMZ_JSON: &str = "application/x-amz-json-1.1";

/// A JSON 1.1 success answer.
pub fn json_ok(value: &serde_json::Value) -> Resp {
    Resp::new(200, AMZ_JSON, serde_json::to_vec(value).unwrap_or_default())
}

/// A JSON 1.1 error: `{"__type":"Code","message":"..."}` with HTTP 400 (botocore reads the code
/// from `__type` and the message from `message` or `Message`, whichever the service uses).
pub fn json_error(status: u16, code: &str, message_key: &str, message: Option<&str>) -> Resp {
    let mut v = serde_json::json!({ "__type": code });
    if let Some(m) = message {
        v[message_key] = m.into();
    }
    Resp::new(status, AMZ_JSON, serde_json::to_vec(&v).unwrap_or_default())
}

/// What Coral services answer to a body that is not JSON.
pub fn serialization_exception() -> Resp {
    json_error(400, "SerializationException", "message", None)
}

/// What Coral services answer to an `X-Amz-Target` they do not know.
pub fn unknown_operation() -> Resp {
    json_error(400, "com.amazon.coral.service#UnknownOperationException", "message", None)
}

/// A JSON 1.1 request body: `{}` when empty (botocore always sends at least `{}`).
pub fn json_body(req: &Req) -> Option<serde_json::Value> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Some(serde_json::json!({}));
    }
    serde_json::from_slice::<serde_json::Value>(&req.body).ok().filter(serde_json::Value::is_object)
}

/// The operation named by `X-Amz-Target: <prefix>.<Operation>`.
pub fn target_operation<'a>(req: &'a Req, prefix: &str) -> Option<&'a str> {
    req.header("x-amz-target")?.strip_prefix(prefix)?.strip_prefix('.')
}

/// Coral's message for a missing required member.
pub fn missing_member(member: &str) -> String {
    format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
    )
}

/// `a=1&b=x%2Fy` to decoded pairs (`+` is a space, as in forms).
pub fn query_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

fn form_decode(s: &str) -> String {
    percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// Percent-decode a path segment (`+` stays a plus, as S3 keys in paths keep it).
pub fn path_decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Everything but unreserved characters, as SigV4 and S3's `encoding-type=url` encode.
const URL_ENCODE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

pub fn url_encode(s: &str) -> String {
    utf8_percent_encode(s, URL_ENCODE).to_string()
}

/// The same, keeping `/` (S3 keys in URLs).
pub fn url_encode_path(s: &str) -> String {
    s.split('/').map(url_encode).collect::<Vec<_>>().join("/")
}

/// Text for XML element content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push_str(&format!("&#x{:X};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Random bytes from the kernel (ring's system source); never all zero twice in a row.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    use ring::rand::SecureRandom;
    let mut b = [0u8; N];
    if ring::rand::SystemRandom::new().fill(&mut b).is_err() {
        // Without the kernel's source, still unique enough per process for request ids.
        let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        for (i, x) in b.iter_mut().enumerate() {
            *x = (n >> ((i % 16) * 8)) as u8 ^ i as u8;
        }
    }
    b
}

/// A request id the way JSON and query services print them: a UUID v4.
pub fn request_id() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// SHA-256 of bytes, as `sha256:<hex>` (registry digests).
pub fn sha256_digest(b: &[u8]) -> String {
    format!("sha256:{}", hex(ring::digest::digest(&ring::digest::SHA256, b).as_ref()))
}

/// Undo S3's `aws-chunked` content encoding (`<hex size>[;chunk-signature=..]\r\n<data>\r\n`
/// ... `0\r\n<trailers>\r\n\r\n`), which botocore uses for PutObject over HTTPS to send a
/// trailing checksum. `None` when the framing is broken.
pub fn decode_aws_chunked(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    loop {
        let eol = rest.windows(2).position(|w| w == b"\r\n")?;
        let line = std::str::from_utf8(&rest[..eol]).ok()?;
        let size_hex = line.split(';').next()?.trim();
        let size = usize::from_str_radix(size_hex, 16).ok()?;
        rest = &rest[eol + 2..];
        if size == 0 {
            // Trailers (checksums) follow; the stored object does not include them.
            return Some(out);
        }
        let end = size.checked_add(2)?;
        if rest.len() < end || &rest[size..end] != b"\r\n" {
            return None;
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[end..];
    }
}

/// IMF-fixdate (`Thu, 31 Oct 2024 11:38:11 GMT`), for Last-Modified and Date.
pub fn http_date(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (y, mo, d, h, mi, s) = crate::sys::time::civil(secs);
    let wd = DAYS[((secs / 86_400) % 7) as usize];
    let mon = MONTHS[(mo as usize).saturating_sub(1).min(11)];
    format!("{wd}, {d:02} {mon} {y:04} {h:02}:{mi:02}:{s:02} GMT")
}

/// ISO 8601 with milliseconds (`2024-10-31T11:38:11.000Z`), as S3 lists times.
pub fn iso8601_ms(secs: u64) -> String {
    let (y, mo, d, h, mi, s) = crate::sys::time::civil(secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.000Z")
}

/// Accept connections forever; each does its TLS handshake and HTTP on its own task.
pub async fn serve(listener: TcpListener, tls: TlsAcceptor, door: Arc<FrontDoor>, via: Option<String>) {
    let via: Option<Arc<str>> = via.map(Arc::from);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok((s, p)) => (s, p.ip()),
            // EMFILE and friends: back off instead of spinning.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let (tls, door, via) = (tls.clone(), door.clone(), via.clone());
        tokio::spawn(async move {
            let Ok(Ok(stream)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(stream)).await else { return };
            let svc = service_fn(move |req| {
                let (door, via) = (door.clone(), via.clone());
                async move { Ok::<_, Infallible>(answer(&door, req, via.as_deref(), peer).await) }
            });
            let mut b = http1::Builder::new();
            b.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
            // A client that goes away mid-request is nothing to report.
            let _ = b.serve_connection(TokioIo::new(stream), svc).with_upgrades().await;
        });
    }
}

/// Read one request (its body capped at MAX_BODY) and answer it.
async fn answer(
    door: &FrontDoor,
    req: hyper::Request<Incoming>,
    via: Option<&str>,
    peer: std::net::IpAddr,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let mut r = Req {
        via: via.map(str::to_string),
        peer: Some(peer),
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
        body: vec![],
    };
    // HTTP/1.1 puts the host in the Host header; an absolute-form target carries it instead.
    if r.header("host").is_none()
        && let Some(a) = parts.uri.authority()
    {
        r.headers.push(("host".into(), a.to_string()));
    }
    let route = door.route(&r);
    let declared = r.header("content-length").and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0);
    let too_large = if declared > MAX_BODY as u64 {
        true
    } else {
        match Limited::new(body, MAX_BODY).collect().await {
            Ok(b) => {
                r.body = b.to_bytes().to_vec();
                false
            }
            // Over the cap, or the client broke off: either way nothing to answer but the cap.
            Err(_) => true,
        }
    };
    let resp = if too_large { door.too_large(&route) } else { door.handle(&route, &r) };
    let mut out = hyper::Response::new(Full::new(resp.body));
    *out.status_mut() = hyper::StatusCode::from_u16(resp.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let h = out.headers_mut();
    for (n, v) in resp.headers {
        if let (Ok(n), Ok(v)) =
            (hyper::header::HeaderName::from_bytes(n.as_bytes()), hyper::header::HeaderValue::from_str(&v))
        {
            h.append(n, v);
        }
    }
    h.insert(
        hyper::header::DATE,
        hyper::header::HeaderValue::from_str(&http_date(door.now()))
            .unwrap_or(hyper::header::HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT")),
    );
    if too_large {
        // The unread rest of the body would be taken for the next request.
        h.insert(hyper::header::CONNECTION, hyper::header::HeaderValue::from_static("close"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_path_decoding() {
        assert_eq!(
            query_pairs("a=1&b=x%2Fy&c&d=e+f&"),
            [("a", "1"), ("b", "x/y"), ("c", ""), ("d", "e f")].map(|(a, b)| (a.to_string(), b.to_string()))
        );
        assert_eq!(path_decode("a%20b+c"), "a b+c");
        assert_eq!(url_encode("a b/c~"), "a%20b%2Fc~");
        assert_eq!(url_encode_path("a b/c"), "a%20b/c");
        assert_eq!(host_without_port("s3.amazonaws.com:443"), "s3.amazonaws.com");
        assert_eq!(host_without_port("[::1]:8443"), "::1");
        assert_eq!(host_without_port("localhost"), "localhost");
    }

    #[test]
    fn xml_escapes_markup_and_control_characters() {
        assert_eq!(xml_escape("<a href=\"x\">&'\u{1}"), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&#x1;");
    }

    #[test]
    fn aws_chunked_bodies() {
        let body = b"5;chunk-signature=ab\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n";
        assert_eq!(decode_aws_chunked(body).unwrap(), b"hello world");
        assert_eq!(decode_aws_chunked(b"0\r\n\r\n").unwrap(), b"");
        assert_eq!(decode_aws_chunked(b"5\r\nhel"), None);
        assert_eq!(decode_aws_chunked(b"zz\r\n"), None);
        assert_eq!(decode_aws_chunked(b""), None);
        assert_eq!(decode_aws_chunked(b"ffffffffffffffff\r\nx\r\n"), None);
    }

    #[test]
    fn dates_and_ids() {
        assert_eq!(http_date(1_730_374_691), "Thu, 31 Oct 2024 11:38:11 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(iso8601_ms(1_730_374_691), "2024-10-31T11:38:11.000Z");
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(request_id(), id);
        assert_eq!(sha256_digest(b""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn json_bodies_and_targets() {
        let r = Req::new("POST", "/").with_header("X-Amz-Target", "AmazonSSM.GetParameters").with_body("");
        assert_eq!(target_operation(&r, "AmazonSSM"), Some("GetParameters"));
        assert_eq!(target_operation(&r, "Logs_20140328"), None);
        assert_eq!(json_body(&r), Some(serde_json::json!({})));
        assert_eq!(json_body(&r.clone().with_body("[1]")), None);
        assert_eq!(json_body(&r.clone().with_body("{")), None);
        let e = json_error(400, "ResourceNotFoundException", "Message", Some("m"));
        let v: serde_json::Value = serde_json::from_slice(&e.body).unwrap();
        assert_eq!(v, serde_json::json!({"__type": "ResourceNotFoundException", "Message": "m"}));
    }
}
