//! Just enough HTTP/1 response parsing for a probe: status code, headers, and the body delimited
//! by Content-Length, chunked encoding, or the end of the connection.

/// A parsed (possibly partial) response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// The status code of a status line (`HTTP/1.1 200 OK`), if `buf` starts with one.
pub fn status_code(buf: &[u8]) -> Option<u16> {
    let end = buf.iter().position(|&b| b == b'\n')?;
    let line = std::str::from_utf8(&buf[..end]).ok()?.trim_end_matches('\r');
    let mut parts = line.splitn(3, ' ');
    let version = parts.next()?;
    if !version.starts_with("HTTP/") {
        return None;
    }
    let code = parts.next()?;
    if code.len() != 3 {
        return None;
    }
    code.parse().ok().filter(|c| (100..1000).contains(c))
}

/// Where the header block ends (index of the first body byte).
fn header_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn parse_headers(head: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(head);
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

/// Decode a chunked body. Returns the data and whether the terminating chunk was seen.
pub fn dechunk(mut b: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    loop {
        let Some(nl) = b.iter().position(|&c| c == b'\n') else { return (out, false) };
        let size_line = String::from_utf8_lossy(&b[..nl]);
        let size_hex = size_line.trim().split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_hex, 16) else { return (out, false) };
        b = &b[nl + 1..];
        if size == 0 {
            return (out, true);
        }
        if b.len() < size {
            out.extend_from_slice(b);
            return (out, false);
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size..];
        // the CRLF after the chunk data
        if b.starts_with(b"\r\n") {
            b = &b[2..];
        } else if b.starts_with(b"\n") {
            b = &b[1..];
        }
    }
}

/// Parse `buf` as a response to a GET. Returns the response and whether it is complete (so the
/// reader can stop before the server closes). `None` while the status line and headers are not
/// all there, or if this is not HTTP.
pub fn parse(buf: &[u8]) -> Option<(HttpResponse, bool)> {
    let status = status_code(buf)?;
    let end = header_end(buf)?;
    let headers = parse_headers(&buf[..end]);
    let raw = &buf[end..];
    let mut resp = HttpResponse { status, headers, body: Vec::new() };
    let no_body = status < 200 || status == 204 || status == 304;
    if no_body {
        return Some((resp, true));
    }
    let chunked = resp.header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        let (body, done) = dechunk(raw);
        resp.body = body;
        return Some((resp, done));
    }
    if let Some(len) = resp.header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        let done = raw.len() >= len;
        resp.body = raw[..raw.len().min(len)].to_vec();
        return Some((resp, done));
    }
    // Delimited by the end of the connection.
    resp.body = raw.to_vec();
    Some((resp, false))
}

/// Whatever can be made of `buf` once reading stopped (EOF, limit or deadline): a full parse if
/// possible, else just the status line.
pub fn parse_final(buf: &[u8]) -> Option<HttpResponse> {
    if let Some((r, _)) = parse(buf) {
        return Some(r);
    }
    let status = status_code(buf)?;
    Some(HttpResponse { status, headers: Vec::new(), body: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        assert_eq!(status_code(b"HTTP/1.1 200 OK\r\n"), Some(200));
        assert_eq!(status_code(b"HTTP/1.0 404 Not Found\r\n"), Some(404));
        assert_eq!(status_code(b"HTTP/1.1 204\r\n"), Some(204));
        assert_eq!(status_code(b"HTTP/1.1 200 OK"), None); // line not finished
        assert_eq!(status_code(b"SSH-2.0-OpenSSH\r\n"), None);
        assert_eq!(status_code(b"HTTP/1.1 2000 x\r\n"), None);
    }

    #[test]
    fn content_length_body() {
        let r = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello";
        let (resp, done) = parse(r).unwrap();
        assert!(done);
        assert_eq!(resp.status, 200);
        assert_eq!(resp.header("content-type"), Some("application/json"));
        assert_eq!(resp.body, b"hello");
        let (resp, done) = parse(&r[..r.len() - 2]).unwrap();
        assert!(!done);
        assert_eq!(resp.body, b"hel");
        assert_eq!(parse(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"), None);
    }

    #[test]
    fn chunked_body() {
        let r = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n";
        let (resp, done) = parse(r).unwrap();
        assert!(done);
        assert_eq!(resp.body, b"hello world");
        let (resp, done) = parse(&r[..60]).unwrap();
        assert!(!done);
        assert!(resp.body.starts_with(b"hello"));
    }

    #[test]
    fn eof_delimited_and_no_body() {
        let (resp, done) = parse(b"HTTP/1.0 200 OK\nServer: x\n\n{\"a\":1}").unwrap();
        assert!(!done);
        assert_eq!(resp.body, b"{\"a\":1}");
        let (resp, done) = parse(b"HTTP/1.1 304 Not Modified\r\n\r\n").unwrap();
        assert!(done && resp.body.is_empty());
        assert_eq!(parse_final(b"HTTP/1.1 503 Busy\r\nX: y").unwrap().status, 503);
        assert_eq!(parse_final(b"garbage\n"), None);
    }
}
