//! Thin libc wrappers for the few socket operations that std and tokio do not expose: listeners
//! with an explicit backlog, `IP_PKTINFO` receive/send for UDP, and raw ICMP sockets. nix's
//! typed socket addresses need its `net` feature, which this crate does not enable, so these use
//! libc directly (all `unsafe` is confined to this file).

use std::io;
use std::mem;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 { Err(io::Error::last_os_error()) } else { Ok(r) }
}

fn cvt_size(r: libc::ssize_t) -> io::Result<usize> {
    if r < 0 { Err(io::Error::last_os_error()) } else { Ok(r as usize) }
}

pub fn sockaddr_in(a: SocketAddrV4) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: a.port().to_be(),
        sin_addr: libc::in_addr { s_addr: u32::from(*a.ip()).to_be() },
        sin_zero: [0; 8],
    }
}

pub fn from_sockaddr_in(sa: &libc::sockaddr_in) -> SocketAddrV4 {
    SocketAddrV4::new(Ipv4Addr::from(u32::from_be(sa.sin_addr.s_addr)), u16::from_be(sa.sin_port))
}

fn in_addr_ip(a: libc::in_addr) -> Ipv4Addr {
    Ipv4Addr::from(u32::from_be(a.s_addr))
}

/// An AF_INET socket, non-blocking and close-on-exec, created in the calling thread's netns.
pub fn socket(ty: libc::c_int, proto: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: plain syscall; on success we own the returned descriptor.
    let fd = cvt(unsafe { libc::socket(libc::AF_INET, ty | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, proto) })?;
    // SAFETY: fd is a fresh descriptor owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

pub fn set_opt_int(fd: &impl AsRawFd, level: libc::c_int, name: libc::c_int, val: libc::c_int) -> io::Result<()> {
    // SAFETY: we pass a pointer to a live c_int and its size.
    cvt(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            &val as *const libc::c_int as *const libc::c_void,
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    })
    .map(drop)
}

pub fn set_opt_u32(fd: &impl AsRawFd, level: libc::c_int, name: libc::c_int, val: u32) -> io::Result<()> {
    // SAFETY: pointer to a live u32 and its size.
    cvt(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            &val as *const u32 as *const libc::c_void,
            mem::size_of::<u32>() as libc::socklen_t,
        )
    })
    .map(drop)
}

pub fn bind(fd: &impl AsRawFd, a: SocketAddrV4) -> io::Result<()> {
    let sa = sockaddr_in(a);
    // SAFETY: pointer to a live sockaddr_in and its size.
    cvt(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            &sa as *const libc::sockaddr_in as *const libc::sockaddr,
            mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// A non-blocking TCP listener with SO_REUSEADDR and the given backlog, in the calling thread's netns.
pub fn tcp_listener(a: SocketAddrV4, backlog: i32) -> io::Result<std::net::TcpListener> {
    let fd = socket(libc::SOCK_STREAM, libc::IPPROTO_TCP)?;
    set_opt_int(&fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
    bind(&fd, a)?;
    // SAFETY: plain syscall on a descriptor we own.
    cvt(unsafe { libc::listen(fd.as_raw_fd(), backlog) })?;
    Ok(std::net::TcpListener::from(fd))
}

/// A non-blocking UDP socket with SO_REUSEADDR and IP_PKTINFO, in the calling thread's netns.
pub fn udp_listener(a: SocketAddrV4) -> io::Result<std::net::UdpSocket> {
    let fd = socket(libc::SOCK_DGRAM, libc::IPPROTO_UDP)?;
    set_opt_int(&fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
    set_opt_int(&fd, libc::IPPROTO_IP, libc::IP_PKTINFO, 1)?;
    bind(&fd, a)?;
    Ok(std::net::UdpSocket::from(fd))
}

/// What `IP_PKTINFO` told us about a received datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PktInfo {
    /// The destination address in the packet's IP header (after any DNAT).
    pub dst: Ipv4Addr,
    /// The local address the kernel would use as the source of a reply.
    pub spec_dst: Ipv4Addr,
}

/// Control buffer with the alignment `cmsghdr` needs.
#[repr(C, align(8))]
struct CmsgBuf([u8; 64]);

/// `recvmsg` on a non-blocking socket, returning the length (possibly truncated to `buf`), the
/// sender, and the IP_PKTINFO data when the socket has that option on.
pub fn recv_pktinfo(fd: &impl AsRawFd, buf: &mut [u8]) -> io::Result<(usize, SocketAddrV4, Option<PktInfo>)> {
    // SAFETY: zeroed sockaddr_in / msghdr are valid bit patterns.
    let mut from: libc::sockaddr_in = unsafe { mem::zeroed() };
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr() as *mut libc::c_void, iov_len: buf.len() };
    let mut cbuf = CmsgBuf([0; 64]);
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_name = &mut from as *mut libc::sockaddr_in as *mut libc::c_void;
    msg.msg_namelen = mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.0.as_mut_ptr() as *mut libc::c_void;
    msg.msg_controllen = cbuf.0.len() as _;
    // SAFETY: every pointer in msg refers to a live local buffer of the stated size.
    let n = cvt_size(unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, 0) })?;
    let mut info = None;
    // SAFETY: the CMSG_* macros walk the control buffer the kernel just filled, within
    // msg_controllen; in_pktinfo is read unaligned.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::IPPROTO_IP && (*c).cmsg_type == libc::IP_PKTINFO {
                let p: libc::in_pktinfo = std::ptr::read_unaligned(libc::CMSG_DATA(c) as *const libc::in_pktinfo);
                info = Some(PktInfo { dst: in_addr_ip(p.ipi_addr), spec_dst: in_addr_ip(p.ipi_spec_dst) });
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    Ok((n.min(buf.len()), from_sockaddr_in(&from), info))
}

/// `sendmsg` to `to`, with the source address forced to `src` (IP_PKTINFO) when given, so a
/// reply leaves from the address the request was sent to even on a wildcard-bound socket.
pub fn send_from(fd: &impl AsRawFd, data: &[u8], to: SocketAddrV4, src: Option<Ipv4Addr>) -> io::Result<usize> {
    let dst = sockaddr_in(to);
    let mut iov = libc::iovec { iov_base: data.as_ptr() as *mut libc::c_void, iov_len: data.len() };
    let mut cbuf = CmsgBuf([0; 64]);
    // SAFETY: zeroed msghdr is valid.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_name = &dst as *const libc::sockaddr_in as *mut libc::c_void;
    msg.msg_namelen = mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if let Some(src) = src.filter(|s| !s.is_unspecified() && !s.is_broadcast() && !s.is_multicast()) {
        let info = libc::in_pktinfo {
            ipi_ifindex: 0,
            ipi_spec_dst: libc::in_addr { s_addr: u32::from(src).to_be() },
            ipi_addr: libc::in_addr { s_addr: 0 },
        };
        // SAFETY: CMSG_SPACE/LEN are pure size computations; the header and data are written
        // inside cbuf (64 bytes >= CMSG_SPACE(12) = 32), unaligned for the payload.
        unsafe {
            let space = libc::CMSG_SPACE(mem::size_of::<libc::in_pktinfo>() as u32) as usize;
            msg.msg_control = cbuf.0.as_mut_ptr() as *mut libc::c_void;
            msg.msg_controllen = space as _;
            let c = libc::CMSG_FIRSTHDR(&msg);
            (*c).cmsg_level = libc::IPPROTO_IP;
            (*c).cmsg_type = libc::IP_PKTINFO;
            (*c).cmsg_len = libc::CMSG_LEN(mem::size_of::<libc::in_pktinfo>() as u32) as _;
            std::ptr::write_unaligned(libc::CMSG_DATA(c) as *mut libc::in_pktinfo, info);
        }
    }
    // SAFETY: all pointers in msg refer to live locals.
    cvt_size(unsafe { libc::sendmsg(fd.as_raw_fd(), &msg, libc::MSG_NOSIGNAL) })
}

/// `sendto` for raw sockets.
pub fn sendto(fd: &impl AsRawFd, data: &[u8], to: SocketAddrV4) -> io::Result<usize> {
    let sa = sockaddr_in(to);
    // SAFETY: pointers to live data and sockaddr.
    cvt_size(unsafe {
        libc::sendto(
            fd.as_raw_fd(),
            data.as_ptr() as *const libc::c_void,
            data.len(),
            libc::MSG_NOSIGNAL,
            &sa as *const libc::sockaddr_in as *const libc::sockaddr,
            mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    })
}

/// `recvfrom` (non-blocking socket): length and sender.
pub fn recvfrom(fd: &impl AsRawFd, buf: &mut [u8]) -> io::Result<(usize, SocketAddrV4)> {
    // SAFETY: zeroed sockaddr_in is valid; pointers refer to live locals.
    let mut from: libc::sockaddr_in = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    let n = cvt_size(unsafe {
        libc::recvfrom(
            fd.as_raw_fd(),
            buf.as_mut_ptr() as *mut libc::c_void,
            buf.len(),
            0,
            &mut from as *mut libc::sockaddr_in as *mut libc::sockaddr,
            &mut len,
        )
    })?;
    Ok((n, from_sockaddr_in(&from)))
}

/// The kernel's name for an errno ("ECONNREFUSED"), for probe details.
pub fn errno_name(e: &io::Error) -> String {
    let Some(code) = e.raw_os_error() else { return e.to_string() };
    let name = match code {
        libc::ECONNREFUSED => "ECONNREFUSED",
        libc::EHOSTUNREACH => "EHOSTUNREACH",
        libc::ENETUNREACH => "ENETUNREACH",
        libc::ECONNRESET => "ECONNRESET",
        libc::ETIMEDOUT => "ETIMEDOUT",
        libc::EPERM => "EPERM",
        libc::EACCES => "EACCES",
        libc::EADDRNOTAVAIL => "EADDRNOTAVAIL",
        libc::EADDRINUSE => "EADDRINUSE",
        libc::ENOPROTOOPT => "ENOPROTOOPT",
        libc::EMFILE => "EMFILE",
        libc::ENOENT => "ENOENT",
        libc::EPROTO => "EPROTO",
        _ => return e.to_string(),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockaddr_round_trip() {
        let a = SocketAddrV4::new(Ipv4Addr::new(10, 1, 2, 3), 8080);
        assert_eq!(from_sockaddr_in(&sockaddr_in(a)), a);
    }

    #[test]
    fn errno_names() {
        assert_eq!(errno_name(&io::Error::from_raw_os_error(libc::ECONNREFUSED)), "ECONNREFUSED");
        assert_eq!(errno_name(&io::Error::other("x")), "x");
    }
}
