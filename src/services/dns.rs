//! The resolvers: the VPC's Amazon-provided DNS server (on the VPC router, at the VPC's base+2
//! and 169.254.169.253) and the resolvers of the lab's internet. Each answers from the model's
//! zones in its view ([`crate::model::dns::Zones::answer`]), so what a query gets is what
//! `explain` says. Messages are read and written by hickory-proto; the loop is ours, so that
//! what is not a DNS message still gets an answer (FORMERR) and a UDP probe sees a reply.

use super::bind::{Listen, Socket};
use crate::model::dns::{DNS_PORT, View, Zones};
use crate::scenario::Proto;
use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::{RData, Record, RecordType, rdata::A};
use serde::{Deserialize, Serialize};
use std::io;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

/// A stub resolver's query for `name` (type A, recursion desired), or why it cannot be made.
pub fn a_query(name: &str) -> Result<Message, String> {
    query(name, RecordType::A)
}

/// A stub resolver's query for `name` of type `t` (recursion desired).
pub fn query(name: &str, t: RecordType) -> Result<Message, String> {
    let n = hickory_proto::rr::Name::from_ascii(name).map_err(|e| format!("{name}: {e}"))?;
    let mut m = Message::query();
    m.metadata.recursion_desired = true;
    m.add_query(hickory_proto::op::Query::query(n, t));
    Ok(m)
}

/// An SRV record as a client reads it: the port, the target and the target's address from the
/// additional section.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SrvAnswer {
    pub port: u16,
    /// Lower case, no final dot.
    pub target: String,
    pub addr: Option<Ipv4Addr>,
}

/// The response code, A records and SRV records of `bytes` when it is the answer to query `id`.
pub fn read_answer(id: u16, bytes: &[u8]) -> Option<(ResponseCode, Vec<Ipv4Addr>, Vec<SrvAnswer>)> {
    let m = Message::from_vec(bytes).ok().filter(|m| m.metadata.id == id)?;
    let a_of = |name: &hickory_proto::rr::Name| {
        m.additionals.iter().chain(&m.answers).find(|r| r.name == *name).and_then(|r| match &r.data {
            RData::A(a) => Some(a.0),
            _ => None,
        })
    };
    let mut addrs = vec![];
    let mut srv = vec![];
    for r in &m.answers {
        match &r.data {
            RData::A(a) => addrs.push(a.0),
            RData::SRV(s) => srv.push(SrvAnswer {
                port: s.port,
                target: crate::model::dns::normalize(&s.target.to_ascii()),
                addr: a_of(&s.target),
            }),
            _ => {}
        }
    }
    Some((m.metadata.response_code, addrs, srv))
}

/// The response code and A records of `bytes` when it is the answer to query `id`.
pub fn read_a(id: u16, bytes: &[u8]) -> Option<(ResponseCode, Vec<Ipv4Addr>)> {
    let m = Message::from_vec(bytes).ok().filter(|m| m.metadata.id == id)?;
    let addrs = m.answers.iter().filter_map(|r| if let RData::A(a) = &r.data { Some(a.0) } else { None }).collect();
    Some((m.metadata.response_code, addrs))
}

/// The TTL of every answer (Route 53 Resolver gives EC2 names 60 s).
const TTL: u32 = 60;
/// A TCP connection idle this long is closed.
const TCP_IDLE: Duration = Duration::from_secs(10);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spec {
    /// The namespace it listens in.
    pub ns: String,
    /// The addresses it answers at, each on 53/udp and 53/tcp.
    pub addrs: Vec<Ipv4Addr>,
    pub view: View,
    pub zones: Zones,
}

impl Spec {
    pub fn listens(&self) -> Vec<Listen> {
        let who = match self.view {
            View::Vpc => "the VPC's Amazon-provided DNS server",
            View::Internet => "the internet's DNS resolver",
        };
        let mut v = vec![];
        for a in &self.addrs {
            for proto in [Proto::Udp, Proto::Tcp] {
                v.push(Listen {
                    ns: self.ns.clone(),
                    addr: SocketAddrV4::new(*a, DNS_PORT),
                    proto,
                    who: who.to_string(),
                });
            }
        }
        v
    }
}

/// A resolver's zones and view; the zones are replaced when the lab's ENIs change while it runs.
type Resolver = (std::sync::RwLock<Arc<Zones>>, View);
type Served = Arc<Resolver>;

/// The resolvers this process serves (one agent serves one lab).
static SERVING: std::sync::Mutex<Vec<std::sync::Weak<Resolver>>> = std::sync::Mutex::new(Vec::new());

/// Every resolver of this process answers from `zones` from now on (a task started while the lab
/// runs has its ENI's private DNS name too).
pub fn update(zones: &Zones) {
    let Ok(mut all) = SERVING.lock() else { return };
    all.retain(|w| w.strong_count() > 0);
    for s in all.iter().filter_map(std::sync::Weak::upgrade) {
        if let Ok(mut z) = s.0.write() {
            *z = Arc::new(zones.clone());
        }
    }
}

/// The zones a resolver answers from now.
fn current(s: &Served) -> Arc<Zones> {
    s.0.read().map(|g| g.clone()).unwrap_or_else(|e| e.into_inner().clone())
}

pub fn start(spec: &Spec, _lab: Arc<str>, sockets: Vec<Socket>) -> io::Result<()> {
    let zones: Served = Arc::new((std::sync::RwLock::new(Arc::new(spec.zones.clone())), spec.view));
    if let Ok(mut all) = SERVING.lock() {
        all.push(Arc::downgrade(&zones));
    }
    for s in sockets {
        match s {
            Socket::Udp(u) => {
                u.set_nonblocking(true)?;
                let u = UdpSocket::from_std(u)?;
                tokio::spawn(serve_udp(u, zones.clone()));
            }
            Socket::Tcp(t) => {
                t.set_nonblocking(true)?;
                let t = TcpListener::from_std(t)?;
                tokio::spawn(serve_tcp(t, zones.clone()));
            }
        }
    }
    Ok(())
}

async fn serve_udp(sock: UdpSocket, zones: Served) {
    let mut buf = vec![0u8; 4096];
    loop {
        let Ok((n, peer)) = sock.recv_from(&mut buf).await else { continue };
        if let Some(reply) = respond(&current(&zones), zones.1, &buf[..n]) {
            let _ = sock.send_to(&reply, peer).await;
        }
    }
}

async fn serve_tcp(l: TcpListener, zones: Served) {
    loop {
        let Ok((s, _)) = l.accept().await else { continue };
        tokio::spawn(tcp_conn(s, zones.clone()));
    }
}

/// DNS over TCP: each message behind its two-byte length, as many as the client sends.
async fn tcp_conn(mut s: TcpStream, zones: Served) {
    loop {
        let mut len = [0u8; 2];
        match tokio::time::timeout(TCP_IDLE, s.read_exact(&mut len)).await {
            Ok(Ok(_)) => {}
            _ => return,
        }
        let mut msg = vec![0u8; usize::from(u16::from_be_bytes(len))];
        if !matches!(tokio::time::timeout(TCP_IDLE, s.read_exact(&mut msg)).await, Ok(Ok(_))) {
            return;
        }
        let Some(reply) = respond(&current(&zones), zones.1, &msg) else { return };
        let Ok(n) = u16::try_from(reply.len()) else { return };
        if s.write_all(&n.to_be_bytes()).await.is_err() || s.write_all(&reply).await.is_err() {
            return;
        }
    }
}

/// The reply to one message: A records from the zones, NXDOMAIN for a name they do not hold,
/// an empty answer for another type of a name that exists, NOTIMP for anything but a query,
/// FORMERR for bytes that are not a DNS message (when they carry at least an id).
pub fn respond(zones: &Zones, view: View, bytes: &[u8]) -> Option<Vec<u8>> {
    let req = match Message::from_vec(bytes) {
        Ok(m) => m,
        Err(_) => {
            let id = u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]);
            return Message::error_msg(id, OpCode::Query, ResponseCode::FormErr).to_vec().ok();
        }
    };
    let meta = &req.metadata;
    if meta.message_type != MessageType::Query {
        return None;
    }
    let mut resp = Message::response(meta.id, meta.op_code);
    resp.metadata.recursion_desired = meta.recursion_desired;
    resp.metadata.recursion_available = true;
    if meta.op_code != OpCode::Query || req.queries.len() != 1 {
        resp.metadata.response_code =
            if meta.op_code != OpCode::Query { ResponseCode::NotImp } else { ResponseCode::FormErr };
        return resp.to_vec().ok();
    }
    let q = req.queries[0].clone();
    let answer = zones.answer(&q.name().to_ascii(), view);
    let ttl = answer.ttl.unwrap_or(TTL);
    if answer.nxdomain {
        resp.metadata.response_code = ResponseCode::NXDomain;
    } else if q.query_type() == RecordType::A {
        for ip in pick(&answer.addrs, answer.limit) {
            resp.add_answer(Record::from_rdata(q.name().clone(), ttl, RData::A(A(ip))));
        }
    } else if q.query_type() == RecordType::SRV {
        srv_records(&mut resp, q.name(), &answer, ttl);
    }
    resp.add_query(q);
    resp.to_vec().ok()
}

/// A Cloud Map service's SRV records (priority 1, weight 1, as Cloud Map writes them), and
/// each target's A record in the additional section, as Route 53 adds it.
fn srv_records(resp: &mut Message, name: &hickory_proto::rr::Name, answer: &crate::model::dns::Answer, ttl: u32) {
    use hickory_proto::rr::{Name, rdata::SRV};
    for (srv, ip) in pick(&answer.srv, answer.limit) {
        let Ok(target) = Name::from_ascii(format!("{}.", srv.target)) else { continue };
        resp.add_answer(Record::from_rdata(name.clone(), ttl, RData::SRV(SRV::new(1, 1, srv.port, target.clone()))));
        if let Some(ip) = ip {
            resp.add_additional(Record::from_rdata(target, ttl, RData::A(A(ip))));
        }
    }
}

/// Route 53's MULTIVALUE and WEIGHTED answers (a `limit`): at most `limit` of `all`, chosen
/// and ordered at random, so that clients taking the first address spread ("route traffic
/// approximately randomly", routing-policy-multivalue.html); all of them, in order, without.
fn pick<T: Clone>(all: &[T], limit: Option<usize>) -> Vec<T> {
    let Some(limit) = limit else { return all.to_vec() };
    let n = limit.min(all.len());
    let mut rest = all.to_vec();
    let mut out = Vec::with_capacity(n);
    for r in super::front_door::http::random_bytes::<8>().iter().cycle().take(n) {
        let k = usize::from(*r) % rest.len();
        out.push(rest.swap_remove(k));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::dns::{DnsSettings, Record as Rec, Zone};
    use hickory_proto::op::Query;
    use hickory_proto::rr::Name;

    fn zones() -> Zones {
        let r = |ip| Ipv4Addr::new(10, 0, 1, ip);
        Zones {
            settings: DnsSettings {
                support: true,
                hostnames: true,
                resolver: Ipv4Addr::new(10, 0, 0, 2),
                servers: vec![Ipv4Addr::new(10, 0, 0, 2)],
                search: vec!["eu-west-1.compute.internal".into()],
                private_domain: "eu-west-1.compute.internal".into(),
                public_domain: "eu-west-1.compute.amazonaws.com".into(),
            },
            records: vec![Rec {
                name: "ip-10-0-1-5.eu-west-1.compute.internal".into(),
                zone: Zone::PrivateHostnames,
                vpc: vec![r(5)],
                internet: vec![],
                owner: "instance/i1".into(),
                private_dns: false,
                ..Default::default()
            }],
        }
    }

    fn ask(name: &str, t: RecordType, view: View) -> Message {
        let mut m = Message::query();
        m.add_query(Query::query(Name::from_ascii(name).unwrap(), t));
        Message::from_vec(&respond(&zones(), view, &m.to_vec().unwrap()).unwrap()).unwrap()
    }

    #[test]
    fn answers_a_records_from_the_zones_in_its_view() {
        let m = ask("IP-10-0-1-5.eu-west-1.compute.internal.", RecordType::A, View::Vpc);
        assert_eq!(m.metadata.response_code, ResponseCode::NoError);
        let ips: Vec<_> =
            m.answers.iter().filter_map(|r| if let RData::A(a) = &r.data { Some(a.0) } else { None }).collect();
        assert_eq!(ips, vec![Ipv4Addr::new(10, 0, 1, 5)]);
        assert_eq!(m.queries.len(), 1, "the question is echoed");
        let m = ask("ip-10-0-1-5.eu-west-1.compute.internal.", RecordType::A, View::Internet);
        assert_eq!(m.metadata.response_code, ResponseCode::NXDomain, "a private zone");
        let m = ask("ip-10-0-1-5.eu-west-1.compute.internal.", RecordType::AAAA, View::Vpc);
        assert_eq!((m.metadata.response_code, m.answers.len()), (ResponseCode::NoError, 0), "no IPv6 address");
        let m = ask("nothing.example.", RecordType::A, View::Vpc);
        assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
    }

    #[test]
    fn bytes_that_are_no_query_get_formerr_or_nothing() {
        let r = respond(&zones(), View::Vpc, b"ECSNET-PROBE").expect("a reply");
        let m = Message::from_vec(&r).unwrap();
        assert_eq!((m.metadata.id, m.metadata.response_code), (u16::from_be_bytes(*b"EC"), ResponseCode::FormErr));
        assert!(respond(&zones(), View::Vpc, b"E").is_none());
        assert!(respond(&zones(), View::Vpc, b"").is_none());
    }

    /// A Cloud Map namespace: a service with ten tasks (A, MULTIVALUE) and one with SRV.
    fn cloud_map() -> Zones {
        use crate::model::dns::Srv;
        let mut z = zones();
        let ip = |n| Ipv4Addr::new(10, 0, 2, n);
        let rec = |name: &str, zone, vpc: Vec<Ipv4Addr>| Rec { name: name.into(), zone, vpc, ..Default::default() };
        z.records.push(rec("corp.local", Zone::CloudMapNamespace, vec![]));
        z.records.push(Rec {
            limit: Some(8),
            ttl: Some(10),
            ..rec("api.corp.local", Zone::CloudMap, (1..=10).map(ip).collect())
        });
        let srv = vec![Srv { port: 32768, target: "abc.worker.corp.local".into() }];
        z.records.push(Rec { srv, limit: Some(8), ..rec("worker.corp.local", Zone::CloudMap, vec![]) });
        z.records.push(rec("abc.worker.corp.local", Zone::CloudMap, vec![Ipv4Addr::new(10, 0, 1, 4)]));
        z
    }

    fn ask_in(z: &Zones, name: &str, t: RecordType, view: View) -> Message {
        let mut m = Message::query();
        m.add_query(Query::query(Name::from_ascii(name).unwrap(), t));
        Message::from_vec(&respond(z, view, &m.to_vec().unwrap()).unwrap()).unwrap()
    }

    #[test]
    fn a_cloud_map_name_answers_eight_of_its_records_with_its_ttl_and_srv_with_the_target_address() {
        let z = cloud_map();
        let m = ask_in(&z, "api.corp.local.", RecordType::A, View::Vpc);
        let mut ips: Vec<_> =
            m.answers.iter().filter_map(|r| if let RData::A(a) = &r.data { Some(a.0) } else { None }).collect();
        assert!(m.answers.iter().all(|r| r.ttl == 10), "the service's TTL");
        ips.sort();
        ips.dedup();
        assert_eq!(ips.len(), 8, "MULTIVALUE: eight distinct of the ten");
        // Within eight, every record in a random order: each comes first now and then.
        let firsts: std::collections::BTreeSet<u8> =
            (0..200).map(|_| pick(&[1u8, 2, 3], Some(8))).inspect(|v| assert_eq!(v.len(), 3)).map(|v| v[0]).collect();
        assert_eq!(firsts.len(), 3, "{firsts:?}");
        assert_eq!(pick(&[1u8, 2, 3], None), vec![1, 2, 3], "no routing policy: as they are");
        let m = ask_in(&z, "worker.corp.local.", RecordType::SRV, View::Vpc);
        assert_eq!(m.answers.len(), 1);
        let RData::SRV(srv) = &m.answers[0].data else { panic!("{m:?}") };
        assert_eq!((srv.priority, srv.weight, srv.port), (1, 1, 32768));
        assert_eq!(srv.target.to_ascii(), "abc.worker.corp.local.");
        assert!(
            matches!(&m.additionals[..], [r] if matches!(&r.data, RData::A(a) if a.0 == Ipv4Addr::new(10, 0, 1, 4)))
        );
        // An A query of the SRV-only name: it exists, with no address.
        let m = ask_in(&z, "worker.corp.local.", RecordType::A, View::Vpc);
        assert_eq!((m.metadata.response_code, m.answers.len()), (ResponseCode::NoError, 0));
        let m = ask_in(&z, "nothing.corp.local.", RecordType::A, View::Vpc);
        assert_eq!(m.metadata.response_code, ResponseCode::NXDomain, "the private zone holds no other name");
        let m = ask_in(&z, "api.corp.local.", RecordType::A, View::Internet);
        assert_eq!(m.metadata.response_code, ResponseCode::NXDomain, "a private hosted zone");
        let mut off = cloud_map();
        off.settings.hostnames = false;
        let m = ask_in(&off, "api.corp.local.", RecordType::A, View::Vpc);
        assert_eq!(m.metadata.response_code, ResponseCode::NXDomain, "private zones need enableDnsHostnames");
    }
}
