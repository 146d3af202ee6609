//! Opening listeners inside namespaces: the one place where every service binds its sockets.
//! One thread hops through the namespaces (setns is per thread and costs microseconds), opens
//! each namespace's sockets, then exits; a socket stays in the namespace it was created in,
//! whichever thread uses it later (RUST-NOTES §1.3).

use crate::scenario::Proto;
use crate::sys::{netns, sock};
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::net::SocketAddrV4;

/// TCP listen backlog of every listener.
pub const BACKLOG: i32 = 1024;

/// One socket a service needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listen {
    /// Namespace name under /run/netns; empty = the agent's own namespace.
    pub ns: String,
    pub addr: SocketAddrV4,
    pub proto: Proto,
    /// Who listens, for messages (`task/web/app`, `instance/ecs-1 task metadata endpoint`).
    pub who: String,
}

/// An open listener, not yet registered with a runtime.
#[derive(Debug)]
pub enum Socket {
    Tcp(std::net::TcpListener),
    Udp(std::net::UdpSocket),
}

/// A listener that could not be opened.
#[derive(Debug)]
pub struct BindError {
    pub ns: String,
    pub node: String,
    pub port: u16,
    pub proto: Proto,
    pub error: io::Error,
}

impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}/{}: {}", self.ns, self.node, self.port, self.proto, self.error)
    }
}

impl std::error::Error for BindError {}

fn open(l: &Listen) -> io::Result<Socket> {
    Ok(match l.proto {
        Proto::Tcp => Socket::Tcp(sock::tcp_listener(l.addr, BACKLOG)?),
        Proto::Udp => Socket::Udp(sock::udp_listener(l.addr)?),
    })
}

/// Open every listener inside its namespace; the sockets come back in the order of `listens`.
/// Stops at the first failure.
pub fn bind_all(listens: &[Listen]) -> Result<Vec<Socket>, BindError> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, l) in listens.iter().enumerate() {
        groups.entry(l.ns.clone()).or_default().push(i);
    }
    let specs = listens.to_vec();
    let opened = crate::sys::thread::run("bind", move || -> Result<Vec<(usize, Socket)>, (usize, io::Error)> {
        let mut out = Vec::with_capacity(specs.len());
        // "" (the agent's own namespace) sorts first, before the thread has left it.
        for (ns, idxs) in &groups {
            if !ns.is_empty() {
                netns::enter(&netns::path(ns))
                    .map_err(|e| (idxs[0], io::Error::new(e.kind(), format!("enter netns: {e}"))))?;
            }
            for &i in idxs {
                out.push((i, open(&specs[i]).map_err(|e| (i, e))?));
            }
        }
        Ok(out)
    })
    .map_err(|error| BindError { ns: String::new(), node: String::new(), port: 0, proto: Proto::Tcp, error })?;
    let mut opened = opened.map_err(|(i, error)| {
        let l = &listens[i];
        BindError { ns: l.ns.clone(), node: l.who.clone(), port: l.addr.port(), proto: l.proto, error }
    })?;
    opened.sort_by_key(|(i, _)| *i);
    Ok(opened.into_iter().map(|(_, s)| s).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn bind_error_format() {
        let e = BindError {
            ns: "ecsnet.l1.t1".into(),
            node: "task/web/app".into(),
            port: 3000,
            proto: Proto::Tcp,
            error: io::Error::from_raw_os_error(libc::EADDRINUSE),
        };
        assert!(e.to_string().starts_with("ecsnet.l1.t1 task/web/app 3000/tcp: "));
    }

    #[test]
    fn binds_in_order_in_own_namespace_on_loopback() {
        // Port 0 on 127.0.0.1 in the current namespace: touches nothing outside this process.
        let l = |proto| Listen {
            ns: String::new(),
            addr: SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0),
            proto,
            who: "n".into(),
        };
        let s = bind_all(&[l(Proto::Udp), l(Proto::Tcp)]).unwrap();
        assert!(matches!(s.as_slice(), [Socket::Udp(_), Socket::Tcp(_)]));
    }

    #[test]
    fn reports_a_missing_namespace() {
        let l = Listen {
            ns: "ecsnet.no-such-namespace-for-test".into(),
            addr: SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 3000),
            proto: Proto::Tcp,
            who: "task/x".into(),
        };
        let e = bind_all(&[l]).unwrap_err();
        assert_eq!(e.port, 3000);
        assert!(e.to_string().starts_with("ecsnet.no-such-namespace-for-test task/x 3000/tcp: enter netns"), "{e}");
    }
}
