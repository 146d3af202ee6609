//! The metadata service's HTTP/1 server (hyper). EC2 closes the connection after every answer
//! (`Connection: close`), so a token's PUT response can set the IP TTL of its whole
//! connection: the kernel then drops it where the hop limit runs out.

use super::ImdsConfig;
use super::routes::{self, Answer, Request, Tokens};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

/// EC2 gives up on a client that does not send its request in time.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) struct State {
    lab: Arc<str>,
    cfg: ImdsConfig,
    tokens: Mutex<Tokens>,
}

impl State {
    pub(super) fn new(lab: Arc<str>, cfg: ImdsConfig) -> State {
        State { lab, cfg, tokens: Mutex::new(Tokens::default()) }
    }
}

/// Accept connections forever, one task each.
pub(super) async fn serve(listener: TcpListener, state: Arc<State>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let peer = match peer.ip() {
            IpAddr::V4(ip) => Some(ip),
            IpAddr::V6(ip) => ip.to_ipv4_mapped(),
        };
        let fd = stream.as_raw_fd();
        let st = state.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let st = st.clone();
                async move { Ok::<_, Infallible>(respond(&st, fd, peer, req)) }
            });
            let mut b = http1::Builder::new();
            b.keep_alive(false).title_case_headers(true).timer(TokioTimer::new()).header_read_timeout(READ_TIMEOUT);
            // A client that goes away mid-request is nothing to report.
            let _ = b.serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}

fn header(req: &hyper::Request<Incoming>, name: &str) -> Option<String> {
    req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

fn respond(
    st: &State,
    fd: RawFd,
    peer: Option<Ipv4Addr>,
    req: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let r = Request {
        method: req.method().as_str().to_string(),
        path: req.uri().path().to_string(),
        peer,
        token: header(&req, "x-aws-ec2-metadata-token"),
        token_ttl: header(&req, "x-aws-ec2-metadata-token-ttl-seconds"),
        forwarded: req.headers().contains_key("x-forwarded-for"),
    };
    let now = crate::sys::time::now_unix();
    let a = match st.tokens.lock() {
        Ok(mut tokens) => routes::answer(&st.cfg, &st.lab, &mut tokens, &r, now, &mut mint),
        Err(_) => Answer::error(500),
    };
    if let Some(ttl) = a.ip_ttl {
        // The connection closes after this answer, so its TTL is this answer's.
        let _ = crate::sys::sock::set_opt_int(&fd, libc::IPPROTO_IP, libc::IP_TTL, libc::c_int::from(ttl));
    }
    response(a)
}

fn response(a: Answer) -> hyper::Response<Full<Bytes>> {
    let mut res = hyper::Response::new(Full::new(Bytes::from(a.body)));
    *res.status_mut() = hyper::StatusCode::from_u16(a.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let h = res.headers_mut();
    if let Some(ttl) = a.token_ttl {
        h.insert(HeaderName::from_static("x-aws-ec2-metadata-token-ttl-seconds"), HeaderValue::from(ttl));
    }
    h.insert(hyper::header::CONTENT_TYPE, HeaderValue::from_static(a.content_type));
    if a.status == 200 {
        h.insert(hyper::header::ACCEPT_RANGES, HeaderValue::from_static("none"));
    }
    h.insert(hyper::header::SERVER, HeaderValue::from_static("EC2ws"));
    h.insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    res
}

/// A session token's value: 56 characters of base64 alphabet from the kernel's randomness,
/// shaped like EC2's (`AQAE...`).
fn mint() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bytes = [0u8; 50];
    let random = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if random.is_err() {
        // Without /dev/urandom, still unique per call (tokens are only compared).
        let n = crate::sys::time::now_unix().to_le_bytes();
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = n[i % 8].wrapping_add(i as u8);
        }
    }
    let tail: String = bytes.iter().map(|b| ALPHABET[usize::from(b % 64)] as char).collect();
    format!("AQAE{}==", &tail[..50])
}
