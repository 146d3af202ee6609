//! Seeing a probe's packet dropped. The VPC router logs what its security groups and network
//! ACLs drop to an NFLOG group (`plan`), each rule with its own prefix; nobody listens, except
//! during a check: a probe the analyzer says is dropped at such a rule is watched, and when the
//! router reports that very packet (same addresses and ports as the analyzer has them at the
//! rule) dropped by that rule, the probe ends at once as a timeout instead of waiting it out.
//! Anything else (no listener, another rule, a port rewritten on the way) leaves the probe to
//! its timeout, so a path is never called blocked on less evidence than before.

use crate::analyze::DropSite;
use netlink_packet_core::{NetlinkMessage, NetlinkPayload};
use netlink_packet_netfilter::nflog::{ConfigCmd, ConfigMode, ConfigNla, PacketNla, ULogMessage, config_request};
use netlink_packet_netfilter::{NetfilterMessage, NetfilterMessageInner, NetfilterProtoFamily};
use netlink_sys::{Socket, constants::NETLINK_NETFILTER};
use std::collections::HashMap;
use std::io;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::sync::Notify;

/// Bytes of each logged packet copied to us: the IPv4 header and the ports behind it.
const COPY_RANGE: u32 = 96;
/// Receive buffer of a listener (drops of other traffic arrive too).
const RCVBUF: usize = 1 << 20;

/// A packet's transport and ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tuple {
    pub proto: u8,
    pub src: Ipv4Addr,
    pub sport: u16,
    pub dst: Ipv4Addr,
    pub dport: u16,
}

/// The packet a watched probe sends (or gets back) as it reaches the site: the site's addresses
/// and server port, and the probe's own port on the client side.
pub fn expected(site: &DropSite, proto: u8, local_port: u16) -> Option<Tuple> {
    let port = site.port?;
    Some(if site.reply {
        Tuple { proto, src: site.src, sport: port, dst: site.dst, dport: local_port }
    } else {
        Tuple { proto, src: site.src, sport: local_port, dst: site.dst, dport: port }
    })
}

/// The transport and ends of an IPv4 packet carrying TCP or UDP (the first fragment).
pub fn tuple_of(p: &[u8]) -> Option<Tuple> {
    let first = *p.first()?;
    let ihl = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || ihl < 20 || p.len() < ihl + 4 {
        return None;
    }
    let proto = p[9];
    if !matches!(proto as i32, libc::IPPROTO_TCP | libc::IPPROTO_UDP) {
        return None;
    }
    let port = |at: usize| u16::from_be_bytes([p[at], p[at + 1]]);
    Some(Tuple {
        proto,
        src: Ipv4Addr::new(p[12], p[13], p[14], p[15]),
        dst: Ipv4Addr::new(p[16], p[17], p[18], p[19]),
        sport: port(ihl),
        dport: port(ihl + 2),
    })
}

/// A watched packet: the namespace it is dropped in and its transport and ends there.
type Key = (String, Tuple);

/// The probes being watched: the packet each expects dropped, in which namespace, by which rule
/// (its prefix), and what wakes the probe.
#[derive(Default)]
pub struct Watched {
    expected: Mutex<HashMap<Key, (String, Arc<Notify>)>>,
}

impl Watched {
    /// Watch for `tuple` dropped in `ns` by the rule logging `prefix`; `seen` is notified then.
    pub fn expect(&self, ns: &str, tuple: Tuple, prefix: &str, seen: Arc<Notify>) {
        if let Ok(mut m) = self.expected.lock() {
            m.insert((ns.to_string(), tuple), (prefix.to_string(), seen));
        }
    }

    /// A logged drop in `ns`: wakes the probe that expected exactly this packet at this rule.
    fn dropped(&self, ns: &str, prefix: &str, tuple: Tuple) {
        let Ok(m) = self.expected.lock() else { return };
        if let Some((want, seen)) = m.get(&(ns.to_string(), tuple)) {
            if want == prefix {
                seen.notify_one();
            }
        }
    }
}

/// Listen on the drop log of the calling thread's namespace. Fails when the group is taken (another
/// check of the same lab is listening): its probes then wait out their timeouts.
pub fn listen(group: u16) -> io::Result<Socket> {
    let mut s = Socket::new(NETLINK_NETFILTER)?;
    s.bind_auto()?;
    s.set_rx_buf_sz(RCVBUF)?;
    // One packet is enough to flush (the default waits for 100, or a second).
    let nlas = vec![
        ConfigNla::Cmd(ConfigCmd::Bind),
        ConfigNla::Mode(ConfigMode::new_packet(COPY_RANGE)),
        ConfigNla::QThresh(1),
    ];
    let mut req = config_request(NetfilterProtoFamily::IPv4, group, nlas);
    req.finalize();
    let mut buf = vec![0u8; req.buffer_len()];
    req.serialize(&mut buf);
    s.send(&buf, 0)?;
    let mut ack = vec![0u8; 4096];
    let n = s.recv(&mut &mut ack[..], 0)?;
    let msg = <NetlinkMessage<NetfilterMessage>>::deserialize(&ack[..n])
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("nflog bind answer: {e}")))?;
    if let NetlinkPayload::Error(e) = msg.payload {
        if let Some(code) = e.code {
            return Err(io::Error::from_raw_os_error(-code.get()));
        }
    }
    s.set_non_blocking(true)?;
    Ok(s)
}

/// Read `ns`'s drop log until the batch is over (the task is aborted), waking watched probes.
pub async fn watch(ns: String, sock: AsyncFd<Socket>, watched: Arc<Watched>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let got = sock.async_io(Interest::READABLE, |s| s.recv(&mut &mut buf[..], 0)).await;
        let n = match got {
            Ok(n) => n,
            // ENOBUFS: some reports were lost; those probes wait out their timeouts.
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => continue,
            Err(_) => return,
        };
        for (prefix, payload) in packets(&buf[..n]) {
            if let Some(t) = tuple_of(&payload) {
                watched.dropped(&ns, &prefix, t);
            }
        }
    }
}

/// The (prefix, packet) of each NFLOG packet message in a datagram.
fn packets(mut bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![];
    while !bytes.is_empty() {
        let Ok(msg) = <NetlinkMessage<NetfilterMessage>>::deserialize(bytes) else { break };
        let len = msg.header.length as usize;
        if let NetlinkPayload::InnerMessage(NetfilterMessage {
            inner: NetfilterMessageInner::ULog(ULogMessage::Packet(nlas)),
            ..
        }) = msg.payload
        {
            let mut prefix = None;
            let mut payload = None;
            for nla in nlas {
                match nla {
                    PacketNla::Prefix(p) => prefix = Some(p.to_string_lossy().into_owned()),
                    PacketNla::Payload(p) => payload = Some(p),
                    _ => {}
                }
            }
            if let (Some(p), Some(d)) = (prefix, payload) {
                out.push((p, d));
            }
        }
        // Messages are padded to 4 bytes.
        let step = (len + 3) & !3;
        if len == 0 || step > bytes.len() {
            break;
        }
        bytes = &bytes[step..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(reply: bool) -> DropSite {
        DropSite {
            ns: "ecsnet.x.vpc".into(),
            prefix: "ecsnet sg egress r-1".into(),
            src: Ipv4Addr::new(10, 0, 1, 10),
            dst: Ipv4Addr::new(10, 0, 2, 20),
            port: Some(80),
            reply,
        }
    }

    #[test]
    fn request_and_reply_tuples() {
        let tcp = libc::IPPROTO_TCP as u8;
        let t = expected(&site(false), tcp, 40000).unwrap();
        assert_eq!(
            (t.src, t.sport, t.dst, t.dport),
            (Ipv4Addr::new(10, 0, 1, 10), 40000, Ipv4Addr::new(10, 0, 2, 20), 80)
        );
        let r = expected(&site(true), tcp, 40000).unwrap();
        assert_eq!((r.sport, r.dport), (80, 40000));
        assert!(expected(&DropSite { port: None, ..site(false) }, tcp, 1).is_none());
    }

    #[test]
    fn parses_a_tcp_syn_header() {
        let mut p = vec![0u8; 40];
        p[0] = 0x45;
        p[9] = libc::IPPROTO_TCP as u8;
        p[12..16].copy_from_slice(&[10, 0, 1, 10]);
        p[16..20].copy_from_slice(&[10, 0, 2, 20]);
        p[20..22].copy_from_slice(&40000u16.to_be_bytes());
        p[22..24].copy_from_slice(&80u16.to_be_bytes());
        let t = tuple_of(&p).unwrap();
        assert_eq!(t, expected(&site(false), libc::IPPROTO_TCP as u8, 40000).unwrap());
        p[9] = libc::IPPROTO_ICMP as u8;
        assert!(tuple_of(&p).is_none());
        assert!(tuple_of(&p[..22]).is_none());
        assert!(tuple_of(&[]).is_none());
    }

    #[test]
    fn only_the_named_rule_wakes_the_probe() {
        let w = Watched::default();
        let seen = Arc::new(Notify::new());
        let t = expected(&site(false), libc::IPPROTO_TCP as u8, 40000).unwrap();
        w.expect("ns", t, "ecsnet sg egress r-1", seen.clone());
        w.dropped("ns", "ecsnet sg ingress r-2", t);
        w.dropped("other", "ecsnet sg egress r-1", t);
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let woke = |seen: Arc<Notify>| {
            rt.block_on(async {
                tokio::time::timeout(std::time::Duration::from_millis(10), seen.notified()).await.is_ok()
            })
        };
        assert!(!woke(seen.clone()));
        w.dropped("ns", "ecsnet sg egress r-1", t);
        assert!(woke(seen));
    }

    #[test]
    fn garbage_is_no_packet() {
        assert!(packets(&[]).is_empty());
        assert!(packets(&[1, 2, 3]).is_empty());
        assert!(packets(&[0u8; 64]).is_empty());
    }
}
