//! A procfs of one's own: a new procfs instance (its own superblock and dentries) mounted
//! nowhere, reached only through a descriptor (the new mount API, Linux 5.2; a procfs
//! instance per mount since 5.8). Nothing changes in any mount namespace, and the instance
//! goes away with its last descriptor.
//!
//! Why: /proc/sys/net/ipv4 of every network namespace is a dentry of the same name under the
//! same parent, so on the machine's /proc a lookup compares against every namespace that
//! looked before (quadratic in a lab's namespaces); in an instance of its own the chain is as
//! long as the namespaces looked up through that instance.

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const FSOPEN_CLOEXEC: libc::c_uint = 1;
const FSCONFIG_CMD_CREATE: libc::c_uint = 6;
const FSMOUNT_CLOEXEC: libc::c_uint = 1;

/// A detached procfs mount.
pub struct Procfs(OwnedFd);

impl Procfs {
    /// A new instance; an error where the kernel has no new mount API or refuses it (the
    /// caller falls back to /proc).
    pub fn new() -> io::Result<Self> {
        let name = CString::new("proc").expect("no NUL");
        // SAFETY: plain syscalls with a valid C string and integer arguments; each returned
        // descriptor is owned at once.
        let ctx = unsafe { libc::syscall(libc::SYS_fsopen, name.as_ptr(), FSOPEN_CLOEXEC) };
        if ctx < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `ctx` is a descriptor fsopen just returned to us.
        let ctx = unsafe { OwnedFd::from_raw_fd(ctx as i32) };
        // SAFETY: fsconfig with the create command takes no key or value.
        let r = unsafe {
            libc::syscall(
                libc::SYS_fsconfig,
                ctx.as_raw_fd(),
                FSCONFIG_CMD_CREATE,
                std::ptr::null::<libc::c_char>(),
                std::ptr::null::<libc::c_void>(),
                0,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fsmount of a created context, no attributes.
        let m = unsafe { libc::syscall(libc::SYS_fsmount, ctx.as_raw_fd(), FSMOUNT_CLOEXEC, 0) };
        if m < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `m` is a descriptor fsmount just returned to us.
        Ok(Procfs(unsafe { OwnedFd::from_raw_fd(m as i32) }))
    }

    /// Open the directory `rel` (relative to this procfs's root, e.g. `sys/net/ipv4`).
    pub fn dir(&self, rel: &str) -> io::Result<File> {
        use nix::fcntl::{OFlag, openat};
        let fd = openat(&self.0, rel, OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, nix::sys::stat::Mode::empty())?;
        Ok(File::from(fd))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_shows_the_same_sysctls_as_proc() {
        // Root only (a procfs mount needs CAP_SYS_ADMIN); elsewhere nothing to check.
        let Ok(p) = Procfs::new() else { return };
        let d = p.dir("sys/net/ipv4").expect("sys/net/ipv4");
        let fd = nix::fcntl::openat(&d, "ip_forward", nix::fcntl::OFlag::O_RDONLY, nix::sys::stat::Mode::empty()).unwrap();
        let mut s = String::new();
        io::Read::read_to_string(&mut File::from(fd), &mut s).unwrap();
        assert_eq!(s, std::fs::read_to_string("/proc/sys/net/ipv4/ip_forward").unwrap());
    }
}
