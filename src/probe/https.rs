//! HTTPS probes: an HTTP GET over TLS from a namespace, as curl makes it from a task or the
//! internet host of a lab: the certificate is verified against the lab CA (never skipped) for
//! the name the client asks for (SNI and Host), a load balancer's DNS name or the address.
//! A handshake that fails (a certificate the lab CA did not issue, or not for the name, or a
//! server that does not speak TLS) is `refused`, as curl gives up; one that does not finish
//! in time is a `timeout`.

use super::{ProbeResult, ProbeSpec, classify, elapsed_ms, http_exchange_on, prepare_tcp, timeout_result};
use crate::scenario::Outcome;
use crate::sys::netns;
use rustls::pki_types::ServerName;
use std::net::{SocketAddr, SocketAddrV4};
use std::time::Instant;

/// One HTTPS probe: the GET of `spec`, to `server_name`, trusting only `ca_pem`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpsProbe {
    pub spec: ProbeSpec,
    /// The name the client asks for and verifies the certificate against.
    pub server_name: String,
    /// The lab CA (PEM).
    pub ca_pem: String,
}

/// Run every probe at once; results in the order of `probes`.
pub async fn run(probes: Vec<HttpsProbe>) -> Vec<ProbeResult> {
    let mut set = tokio::task::JoinSet::new();
    for (i, p) in probes.into_iter().enumerate() {
        set.spawn(async move { (i, probe(&p).await) });
    }
    let mut out: Vec<(usize, ProbeResult)> = vec![];
    while let Some(r) = set.join_next().await {
        if let Ok(r) = r {
            out.push(r);
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

/// A TCP socket made in namespace `ns` (bound to `bind`).
fn socket_in(ns: &str, bind: Option<std::net::Ipv4Addr>) -> std::io::Result<tokio::net::TcpSocket> {
    let ns = ns.to_string();
    crate::sys::thread::run("probe-https", move || {
        if !ns.is_empty() {
            netns::enter(&netns::path(&ns))?;
        }
        prepare_tcp(bind)
    })?
}

async fn probe(p: &HttpsProbe) -> ProbeResult {
    let spec = &p.spec;
    let start = Instant::now();
    let deadline = start + spec.timeout;
    let sock = match socket_in(&spec.src_ns, spec.bind) {
        Ok(s) => s,
        Err(e) => return ProbeResult::failed(spec.id, format!("tcp socket: {e}")),
    };
    let addr = SocketAddr::V4(SocketAddrV4::new(spec.dst, spec.port.unwrap_or(443)));
    let stream = match tokio::time::timeout_at(deadline.into(), sock.connect(addr)).await {
        Err(_) => return timeout_result(spec, start),
        Ok(Err(e)) => {
            return match classify(&e) {
                (Some(outcome), detail) => ProbeResult::new(spec.id, outcome, detail, start.elapsed()),
                (None, _) => ProbeResult::failed(spec.id, format!("connect: {e}")),
            };
        }
        Ok(Ok(s)) => s,
    };
    let read_deadline = deadline.max(Instant::now() + super::MIN_READ_AFTER_CONNECT);
    let connector = match crate::services::pull::connector(&p.ca_pem) {
        Ok(c) => c,
        Err(e) => return ProbeResult::failed(spec.id, format!("the lab CA: {e}")),
    };
    let Ok(name) = ServerName::try_from(p.server_name.clone()) else {
        return ProbeResult::failed(spec.id, format!("not a server name: {}", p.server_name));
    };
    let mut tls = match tokio::time::timeout_at(read_deadline.into(), connector.connect(name, stream)).await {
        Err(_) => {
            let waited = elapsed_ms(read_deadline - start);
            let why = format!("connected, but no TLS handshake in {waited} ms");
            return ProbeResult::new(spec.id, Outcome::Timeout, why, start.elapsed());
        }
        Ok(Err(e)) => {
            let why = format!("connected, but the TLS handshake failed: {e}");
            return ProbeResult::new(spec.id, Outcome::Refused, why, start.elapsed());
        }
        Ok(Ok(s)) => s,
    };
    let mut r = http_exchange_on(spec, &mut tls, (start, read_deadline), &p.server_name).await;
    r.detail = format!("TLS ({}); {}", p.server_name, r.detail);
    r
}
