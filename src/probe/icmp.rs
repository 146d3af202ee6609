//! ICMP echo probes over a raw socket (we are root; unprivileged ping sockets are off by default
//! in new namespaces). A raw ICMP socket sees every ICMP packet of its namespace, so all ICMP
//! probes from one namespace (and bind address) share one socket and one task, and replies are
//! matched by echo id/sequence and a per-run token in the payload; destination-unreachable errors
//! are matched by the original echo header they quote.

use super::{ProbeResult, ProbeSpec, elapsed_ms};
use crate::scenario::Outcome;
use crate::sys::sock;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;
use tokio::io::unix::AsyncFd;

pub const ECHO_REPLY: u8 = 0;
pub const DEST_UNREACH: u8 = 3;
pub const ECHO_REQUEST: u8 = 8;
pub const TIME_EXCEEDED: u8 = 11;
/// `ICMP_FILTER` from linux/icmp.h (level SOL_RAW).
const ICMP_FILTER: libc::c_int = 1;
const MAGIC: &[u8; 8] = b"ECSNETPB";
/// Echo requests sent in one go before the socket is read again.
const SEND_BURST: usize = 64;
/// Receive buffer of the shared raw socket (it sees every ICMP packet of the namespace).
const RCVBUF: u32 = 4 << 20;

/// Internet checksum (RFC 1071).
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [b] = chunks.remainder() {
        sum += u32::from(*b) << 8;
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An echo request: header, then `ECSNETPB` and the 8-byte token as payload.
pub fn echo_request(id: u16, seq: u16, token: u64) -> [u8; 24] {
    let mut p = [0u8; 24];
    p[0] = ECHO_REQUEST;
    p[4..6].copy_from_slice(&id.to_be_bytes());
    p[6..8].copy_from_slice(&seq.to_be_bytes());
    p[8..16].copy_from_slice(MAGIC);
    p[16..24].copy_from_slice(&token.to_be_bytes());
    let c = checksum(&p);
    p[2..4].copy_from_slice(&c.to_be_bytes());
    p
}

/// What a received packet (IP header included, as raw sockets deliver it) says about our probes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Icmp {
    /// Echo reply from `from` for (id, seq), carrying `token`.
    Reply { from: Ipv4Addr, id: u16, seq: u16, token: Option<u64> },
    /// An error (`kind` = type 3 or 11, `code`) sent by `from` about our echo (id, seq) to `dst`.
    Error { kind: u8, code: u8, from: Ipv4Addr, dst: Ipv4Addr, id: u16, seq: u16 },
}

fn ip_header_len(p: &[u8]) -> Option<usize> {
    let first = *p.first()?;
    if first >> 4 != 4 {
        return None;
    }
    let ihl = usize::from(first & 0x0f) * 4;
    (ihl >= 20 && p.len() >= ihl).then_some(ihl)
}

fn ip_src(p: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(p[12], p[13], p[14], p[15])
}

fn ip_dst(p: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(p[16], p[17], p[18], p[19])
}

/// Parse a packet from a raw ICMP socket. `None` for anything that is not an echo reply or an
/// error quoting an echo request.
pub fn parse(pkt: &[u8]) -> Option<Icmp> {
    let ihl = ip_header_len(pkt)?;
    if pkt[9] != libc::IPPROTO_ICMP as u8 {
        return None;
    }
    let from = ip_src(pkt);
    let icmp = &pkt[ihl..];
    if icmp.len() < 8 {
        return None;
    }
    match icmp[0] {
        ECHO_REPLY => {
            let id = u16::from_be_bytes([icmp[4], icmp[5]]);
            let seq = u16::from_be_bytes([icmp[6], icmp[7]]);
            let token = (icmp.len() >= 24 && &icmp[8..16] == MAGIC)
                .then(|| u64::from_be_bytes(icmp[16..24].try_into().unwrap_or([0; 8])));
            Some(Icmp::Reply { from, id, seq, token })
        }
        kind @ (DEST_UNREACH | TIME_EXCEEDED) => {
            let inner = &icmp[8..];
            let ihl2 = ip_header_len(inner)?;
            if inner[9] != libc::IPPROTO_ICMP as u8 || inner.len() < ihl2 + 8 {
                return None;
            }
            let orig = &inner[ihl2..];
            if orig[0] != ECHO_REQUEST {
                return None;
            }
            Some(Icmp::Error {
                kind,
                code: icmp[1],
                from,
                dst: ip_dst(inner),
                id: u16::from_be_bytes([orig[4], orig[5]]),
                seq: u16::from_be_bytes([orig[6], orig[7]]),
            })
        }
        _ => None,
    }
}

/// Human name of an ICMP error.
pub fn error_name(kind: u8, code: u8) -> String {
    let s = match (kind, code) {
        (DEST_UNREACH, 0) => "net unreachable",
        (DEST_UNREACH, 1) => "host unreachable",
        (DEST_UNREACH, 2) => "protocol unreachable",
        (DEST_UNREACH, 3) => "port unreachable",
        (DEST_UNREACH, 4) => "fragmentation needed",
        (DEST_UNREACH, 9) => "net administratively prohibited",
        (DEST_UNREACH, 10) => "host administratively prohibited",
        (DEST_UNREACH, 13) => "communication administratively prohibited",
        (DEST_UNREACH, _) => "destination unreachable",
        (TIME_EXCEEDED, _) => "time exceeded",
        _ => "error",
    };
    format!("ICMP {s} (type {kind} code {code})")
}

/// A raw ICMP socket in the calling thread's namespace that only receives echo replies,
/// destination-unreachable and time-exceeded messages. Register it with tokio afterwards.
pub fn raw_socket(bind: Option<Ipv4Addr>) -> io::Result<OwnedFd> {
    let fd = sock::socket(libc::SOCK_RAW, libc::IPPROTO_ICMP)?;
    let pass = (1u32 << ECHO_REPLY) | (1u32 << DEST_UNREACH) | (1u32 << TIME_EXCEEDED);
    sock::set_opt_u32(&fd, libc::SOL_RAW, ICMP_FILTER, !pass)?;
    // SO_RCVBUFFORCE ignores rmem_max (we are root); fall back to what SO_RCVBUF allows.
    if sock::set_opt_u32(&fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, RCVBUF).is_err() {
        let _ = sock::set_opt_u32(&fd, libc::SOL_SOCKET, libc::SO_RCVBUF, RCVBUF);
    }
    if let Some(b) = bind {
        sock::bind(&fd, SocketAddrV4::new(b, 0))?;
    }
    Ok(fd)
}

static NEXT_ID: AtomicU32 = AtomicU32::new(0);

fn fresh_id_and_token() -> (u16, u64) {
    let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    let token = nanos ^ (u64::from(std::process::id()) << 32) ^ u64::from(n).rotate_left(17);
    let id = (std::process::id() as u16).wrapping_mul(31).wrapping_add((n as u16).wrapping_mul(7919)) ^ (nanos as u16);
    (id, token)
}

struct State {
    idx: usize,
    spec: Arc<ProbeSpec>,
    id: u16,
    seq: u16,
    deadline: Instant,
    sends: u32,
    next_send: Instant,
    done: bool,
    note: Option<String>,
    /// The last ICMP message about this probe: (type, code).
    seen: Option<(u8, u8)>,
}

/// The probes of one group in flight: their states, the replies' keys, the timer queue.
struct Group {
    start: Instant,
    token: u64,
    states: Vec<State>,
    by_key: HashMap<(u16, u16), usize>,
    events: BinaryHeap<Reverse<(Instant, usize)>>,
    out: Vec<(usize, ProbeResult)>,
    remaining: usize,
}

impl Group {
    fn new(probes: Vec<(usize, Arc<ProbeSpec>)>) -> Group {
        let start = Instant::now();
        let (base_id, token) = fresh_id_and_token();
        let mut g = Group {
            start,
            token,
            states: Vec::with_capacity(probes.len()),
            by_key: HashMap::with_capacity(probes.len()),
            events: BinaryHeap::with_capacity(probes.len()),
            out: Vec::with_capacity(probes.len()),
            remaining: probes.len(),
        };
        for (k, (idx, spec)) in probes.into_iter().enumerate() {
            let id = base_id.wrapping_add((k >> 16) as u16);
            let seq = k as u16;
            g.by_key.insert((id, seq), k);
            g.events.push(Reverse((start, k)));
            let deadline = start + spec.timeout;
            g.states.push(State {
                idx,
                deadline,
                spec,
                id,
                seq,
                sends: 0,
                next_send: start,
                done: false,
                note: None,
                seen: None,
            });
        }
        g
    }

    fn finish(&mut self, k: usize, outcome: Outcome, detail: String) {
        let st = &mut self.states[k];
        st.done = true;
        self.remaining -= 1;
        let mut r = ProbeResult::new(st.spec.id, outcome, detail, self.start.elapsed());
        r.icmp = st.seen;
        if outcome == Outcome::Timeout {
            r.detail = format!("no answer in {} ms", elapsed_ms(st.spec.timeout));
            if let Some(n) = &st.note {
                r.detail.push_str(&format!(" (saw {n})"));
            }
        }
        self.out.push((st.idx, r));
    }

    /// Due sends and deadlines; at most SEND_BURST sends before replies are read again, so a big
    /// batch does not overflow the veth backlog or our receive buffer.
    fn send_due(&mut self, fd: &AsyncFd<OwnedFd>) {
        let now = Instant::now();
        let mut burst = 0;
        while let Some(&Reverse((t, k))) = self.events.peek() {
            if t > now || burst >= SEND_BURST {
                break;
            }
            self.events.pop();
            if self.states[k].done {
                continue;
            }
            if now >= self.states[k].deadline {
                self.finish(k, Outcome::Timeout, String::new());
                continue;
            }
            let st = &self.states[k];
            if st.sends < 3 && now >= st.next_send {
                let pkt = echo_request(st.id, st.seq, self.token);
                match sock::sendto(fd.get_ref(), &pkt, SocketAddrV4::new(st.spec.dst, 0)) {
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => match super::classify(&e) {
                        // A local drop: the packet is gone but an answer to an earlier one may come.
                        (Some(Outcome::Timeout), detail) => self.states[k].note = Some(detail),
                        (Some(outcome), detail) => {
                            self.finish(k, outcome, detail);
                            continue;
                        }
                        (None, _) => {
                            let st = &mut self.states[k];
                            let mut r = ProbeResult::failed(st.spec.id, format!("send: {e}"));
                            r.elapsed = self.start.elapsed();
                            st.done = true;
                            self.out.push((st.idx, r));
                            self.remaining -= 1;
                            continue;
                        }
                    },
                }
                let st = &mut self.states[k];
                st.sends += 1;
                burst += 1;
                st.next_send = self.start + st.spec.timeout * st.sends / 3;
            }
            let st = &self.states[k];
            let next = if st.sends < 3 { st.next_send.min(st.deadline) } else { st.deadline };
            self.events.push(Reverse((next, k)));
        }
    }

    /// An ICMP message for one of our probes: an echo reply connects it, a destination
    /// unreachable refuses it, anything else is remembered for the timeout's detail.
    fn receive(&mut self, msg: Icmp) {
        match msg {
            Icmp::Reply { from, id, seq, token: t } => {
                let Some(&k) = self.by_key.get(&(id, seq)) else { return };
                let st = &self.states[k];
                if st.done || from != st.spec.dst || t != Some(self.token) {
                    return;
                }
                self.states[k].seen = Some((ECHO_REPLY, 0));
                self.finish(k, Outcome::Connected, format!("echo reply from {from}"));
            }
            Icmp::Error { kind, code, from, dst, id, seq } => {
                let Some(&k) = self.by_key.get(&(id, seq)) else { return };
                if self.states[k].done || dst != self.states[k].spec.dst {
                    return;
                }
                let name = format!("{} from {from}", error_name(kind, code));
                self.states[k].seen = Some((kind, code));
                if kind == DEST_UNREACH {
                    self.finish(k, Outcome::Refused, name);
                } else {
                    self.states[k].note = Some(name);
                }
            }
        }
    }
}

/// Run every ICMP probe of one (namespace, bind) group on `fd`. Each probe sends its echo request
/// up to 3 times spread over its timeout and stops at the first answer.
pub async fn run_group(fd: AsyncFd<OwnedFd>, probes: Vec<(usize, Arc<ProbeSpec>)>) -> Vec<(usize, ProbeResult)> {
    let mut g = Group::new(probes);
    let mut buf = vec![0u8; 2048];
    while g.remaining > 0 {
        g.send_due(&fd);
        if g.remaining == 0 {
            break;
        }
        let wake = g.events.peek().map(|Reverse((t, _))| *t).unwrap_or_else(Instant::now);
        tokio::select! {
            biased;
            guard = fd.readable() => {
                let Ok(mut guard) = guard else { break };
                while let Ok(Ok((n, _))) = guard.try_io(|inner| sock::recvfrom(inner.get_ref(), &mut buf)) {
                    if let Some(msg) = parse(&buf[..n]) {
                        g.receive(msg);
                    }
                }
            }
            _ = tokio::time::sleep_until(wake.into()) => {}
        }
    }
    g.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_known_values() {
        // RFC 1071 example bytes: 00 01 f2 03 f4 f5 f6 f7 -> sum 0xddf2, checksum 0x220d
        assert_eq!(checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]), 0x220d);
        // odd length pads with a zero byte
        assert_eq!(checksum(&[0xff]), !0xff00);
        let p = echo_request(0x1234, 7, 42);
        // a packet including its checksum sums to zero
        assert_eq!(checksum(&p), 0);
    }

    fn ip_wrap(src: [u8; 4], dst: [u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut h = vec![0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0];
        let total = (20 + payload.len()) as u16;
        h[2..4].copy_from_slice(&total.to_be_bytes());
        h.extend_from_slice(&src);
        h.extend_from_slice(&dst);
        h.extend_from_slice(payload);
        h
    }

    #[test]
    fn echo_request_layout_and_reply_parse() {
        let p = echo_request(0xbeef, 3, 0x0102030405060708);
        assert_eq!(p[0], ECHO_REQUEST);
        assert_eq!(&p[4..8], &[0xbe, 0xef, 0, 3]);
        let mut reply = p;
        reply[0] = ECHO_REPLY;
        let pkt = ip_wrap([10, 0, 0, 2], [10, 0, 0, 1], &reply);
        assert_eq!(
            parse(&pkt),
            Some(Icmp::Reply { from: Ipv4Addr::new(10, 0, 0, 2), id: 0xbeef, seq: 3, token: Some(0x0102030405060708) })
        );
    }

    #[test]
    fn unreachable_quotes_original() {
        let req = echo_request(9, 10, 1);
        let orig = ip_wrap([10, 0, 0, 1], [10, 0, 9, 9], &req);
        let mut err = vec![DEST_UNREACH, 1, 0, 0, 0, 0, 0, 0];
        err.extend_from_slice(&orig[..28]);
        let pkt = ip_wrap([10, 0, 0, 254], [10, 0, 0, 1], &err);
        assert_eq!(
            parse(&pkt),
            Some(Icmp::Error {
                kind: DEST_UNREACH,
                code: 1,
                from: Ipv4Addr::new(10, 0, 0, 254),
                dst: Ipv4Addr::new(10, 0, 9, 9),
                id: 9,
                seq: 10
            })
        );
        assert!(error_name(3, 1).contains("host unreachable"));
        // not ICMP, too short, or an echo request seen on lo
        assert_eq!(parse(&[0x45; 10]), None);
        assert_eq!(parse(&ip_wrap([1, 1, 1, 1], [2, 2, 2, 2], &req)), None);
    }
}
