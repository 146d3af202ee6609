//! DNS queries with real packets: a query for a name (type A, recursion desired, as a stub
//! resolver sends it) from a source namespace to a resolver, sent up to three times over the
//! timeout as the UDP probe does. The message is made and read by hickory-proto.

use super::classify;
use crate::scenario::Outcome;
use crate::sys::{netns, sock};
use hickory_proto::op::ResponseCode;
use std::io;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

pub use crate::services::dns::SrvAnswer;

/// One query to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsProbe {
    pub id: usize,
    /// Namespace under /run/netns; empty = the caller's.
    pub src_ns: String,
    pub bind: Option<Ipv4Addr>,
    pub server: Ipv4Addr,
    pub name: String,
    /// A or SRV.
    pub srv: bool,
    pub timeout: Duration,
}

/// What came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DnsOutcome {
    /// A DNS answer: its response code (`NOERROR`, `NXDOMAIN`, ...), A records and SRV
    /// records (with their targets' addresses).
    Answer { rcode: String, addrs: Vec<Ipv4Addr>, srv: Vec<SrvAnswer> },
    /// A reply that is not a DNS answer to our query (a responder's identity line).
    NotDns(String),
    /// No answer: timeout, or refused (ICMP unreachable), with the detail.
    Failed(Outcome, String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsResult {
    pub id: usize,
    pub outcome: DnsOutcome,
    pub elapsed: Duration,
    /// Set when the query could not be sent at all (not a network verdict).
    pub error: Option<String>,
}

/// A connected UDP socket made inside `ns`.
fn socket_in(ns: &str, bind: Option<Ipv4Addr>, server: Ipv4Addr) -> io::Result<std::net::UdpSocket> {
    let (ns, dst) = (ns.to_string(), SocketAddrV4::new(server, crate::model::dns::DNS_PORT));
    crate::sys::thread::run("dns-probe", move || {
        if !ns.is_empty() {
            netns::enter(&netns::path(&ns))?;
        }
        let fd = sock::socket(libc::SOCK_DGRAM, libc::IPPROTO_UDP)?;
        sock::bind(&fd, SocketAddrV4::new(bind.unwrap_or(Ipv4Addr::UNSPECIFIED), 0))?;
        let s = std::net::UdpSocket::from(fd);
        s.connect(dst)?;
        s.set_nonblocking(true)?;
        Ok(s)
    })?
}

/// Run every query concurrently; results in the order of `probes`.
pub async fn run(probes: Vec<DnsProbe>) -> Vec<DnsResult> {
    let mut set = tokio::task::JoinSet::new();
    for (i, p) in probes.into_iter().enumerate() {
        set.spawn(async move { (i, one(p).await) });
    }
    let mut out: Vec<Option<DnsResult>> = vec![];
    while let Some(done) = set.join_next().await {
        if let Ok((i, r)) = done {
            if out.len() <= i {
                out.resize(i + 1, None);
            }
            out[i] = Some(r);
        }
    }
    out.into_iter().flatten().collect()
}

fn failed(id: usize, error: String) -> DnsResult {
    DnsResult {
        id,
        outcome: DnsOutcome::Failed(Outcome::Timeout, error.clone()),
        elapsed: Duration::ZERO,
        error: Some(error),
    }
}

async fn one(p: DnsProbe) -> DnsResult {
    let t = if p.srv { hickory_proto::rr::RecordType::SRV } else { hickory_proto::rr::RecordType::A };
    let msg = match crate::services::dns::query(&p.name, t).and_then(|m| m.to_vec().map_err(|e| e.to_string())) {
        Ok(m) => m,
        Err(e) => return failed(p.id, e),
    };
    let id = u16::from_be_bytes([msg[0], msg[1]]);
    let std = match socket_in(&p.src_ns, p.bind, p.server) {
        Ok(s) => s,
        Err(e) => {
            return match classify(&e) {
                (Some(o), d) => {
                    DnsResult { id: p.id, outcome: DnsOutcome::Failed(o, d), elapsed: Duration::ZERO, error: None }
                }
                (None, _) => failed(p.id, format!("udp socket in {}: {e}", p.src_ns)),
            };
        }
    };
    let sock = match UdpSocket::from_std(std) {
        Ok(s) => s,
        Err(e) => return failed(p.id, e.to_string()),
    };
    let start = Instant::now();
    let mut buf = vec![0u8; 4096];
    let mut outcome = DnsOutcome::Failed(Outcome::Timeout, format!("no answer in {} ms", p.timeout.as_millis()));
    for k in 1..=3u32 {
        let _ = sock.send(&msg).await;
        let until = start + p.timeout * k / 3;
        match tokio::time::timeout_at(until.into(), sock.recv(&mut buf)).await {
            Err(_) => continue,
            Ok(Ok(n)) => {
                outcome = read_answer(id, &buf[..n]);
                break;
            }
            Ok(Err(e)) => {
                let (o, d) = classify(&e);
                outcome = DnsOutcome::Failed(o.unwrap_or(Outcome::Timeout), d);
                break;
            }
        }
    }
    DnsResult { id: p.id, outcome, elapsed: start.elapsed(), error: None }
}

/// What a reply says, when it is the answer to query `id`.
fn read_answer(id: u16, bytes: &[u8]) -> DnsOutcome {
    match crate::services::dns::read_answer(id, bytes) {
        Some((rcode, addrs, srv)) => DnsOutcome::Answer { rcode: rcode_name(rcode), addrs, srv },
        None => DnsOutcome::NotDns(String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).trim().to_string()),
    }
}

/// `NOERROR`, `NXDOMAIN`, as dig prints them.
pub fn rcode_name(r: ResponseCode) -> String {
    match r {
        ResponseCode::NoError => "NOERROR".into(),
        ResponseCode::NXDomain => "NXDOMAIN".into(),
        ResponseCode::ServFail => "SERVFAIL".into(),
        ResponseCode::Refused => "REFUSED".into(),
        ResponseCode::FormErr => "FORMERR".into(),
        ResponseCode::NotImp => "NOTIMP".into(),
        other => format!("{other:?}").to_uppercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_read_and_anything_else_is_not_dns() {
        let q = crate::services::dns::a_query("ip-10-0-1-5.ec2.internal").unwrap();
        let id = q.metadata.id;
        let mut r = hickory_proto::op::Message::response(id, q.metadata.op_code);
        r.metadata.response_code = ResponseCode::NXDomain;
        let got = read_answer(id, &r.to_vec().unwrap());
        assert_eq!(got, DnsOutcome::Answer { rcode: "NXDOMAIN".into(), addrs: vec![], srv: vec![] });
        assert!(matches!(read_answer(id, b"{\"ecsnet\":1}"), DnsOutcome::NotDns(_)));
        assert!(matches!(read_answer(id.wrapping_add(1), &r.to_vec().unwrap()), DnsOutcome::NotDns(_)));
    }
}
