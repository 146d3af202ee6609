//! A link's state as `ip link` shows it, read with one ioctl on the calling thread's namespace.

use std::io;
use std::time::{Duration, Instant};

/// Whether link `name` is running (IFF_RUNNING: up with carrier, what `ip link` shows as
/// state UP rather than NO-CARRIER), in the calling thread's network namespace.
pub fn running(name: &str) -> io::Result<bool> {
    Ok(flags(name)? & libc::IFF_RUNNING != 0)
}

/// Whether link `name` is administratively up (IFF_UP), in the calling thread's namespace.
pub fn up(name: &str) -> io::Result<bool> {
    Ok(flags(name)? & libc::IFF_UP != 0)
}

/// The link's flags (IFF_*); ENODEV when there is no such link.
fn flags(name: &str) -> io::Result<libc::c_int> {
    // SAFETY: a plain socket; closed below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: ifreq is plain old data; all zeroes is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(name.bytes().take(libc::IFNAMSIZ - 1)) {
        *dst = src as libc::c_char;
    }
    // SAFETY: SIOCGIFFLAGS reads into the ifreq we own. `as _`: musl's ioctl takes a c_int
    // request where glibc's takes a c_ulong (the static musl release builds).
    let r = unsafe { libc::ioctl(fd, libc::SIOCGIFFLAGS as _, &mut req) };
    let err = io::Error::last_os_error();
    // SAFETY: our own descriptor, closed once.
    unsafe { libc::close(fd) };
    if r < 0 {
        return Err(err);
    }
    // SAFETY: SIOCGIFFLAGS filled the flags member of the union.
    let flags = unsafe { req.ifr_ifru.ifru_flags };
    Ok(flags as libc::c_int)
}

/// Wait until link `name` is running, for at most `timeout`; whether it is.
pub fn wait_running(name: &str, timeout: Duration) -> io::Result<bool> {
    let deadline = Instant::now() + timeout;
    loop {
        if running(name)? {
            return Ok(true);
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
