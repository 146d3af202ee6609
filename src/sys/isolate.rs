//! A child process in a container's namespaces, as runc starts `docker exec` and the container's
//! own process: the container's network namespace, a UTS namespace of its own with the
//! container's hostname, a private mount namespace in which files written beforehand cover
//! /etc/hostname, /etc/hosts and /etc/resolv.conf (the machine's files are never touched) and
//! sysfs shows the namespace's own links, and optionally a cgroup. Everything is opened and
//! converted before fork: between fork and exec the child only makes system calls.

use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sched::{CloneFlags, setns, unshare};
use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

/// What a child enters before it runs its program.
#[derive(Debug)]
pub struct Isolation {
    net: File,
    hostname: Option<CString>,
    binds: Vec<(CString, CString)>,
    cgroup_procs: Option<File>,
}

fn c_path(p: &Path) -> io::Result<CString> {
    CString::new(p.as_os_str().as_bytes()).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
}

impl Isolation {
    /// Enter the network namespace at `netns` (a file such as /run/netns/NAME).
    pub fn new(netns: &Path) -> io::Result<Isolation> {
        let net = File::open(netns).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", netns.display())))?;
        Ok(Isolation { net, hostname: None, binds: vec![], cgroup_procs: None })
    }

    /// Set this hostname in a UTS namespace of the child's own.
    pub fn hostname(mut self, name: &str) -> io::Result<Isolation> {
        self.hostname = Some(CString::new(name).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?);
        Ok(self)
    }

    /// Cover `target` with `source` in the child's mount namespace; nothing when the machine
    /// has no `target` (a bind mount needs one to cover).
    pub fn bind(mut self, source: &Path, target: &Path) -> io::Result<Isolation> {
        if target.exists() {
            self.binds.push((c_path(source)?, c_path(target)?));
        }
        Ok(self)
    }

    /// Move the child into the cgroup (v2) at `dir` before it runs anything.
    pub fn cgroup(mut self, dir: &Path) -> io::Result<Isolation> {
        self.cgroup_procs = Some(File::options().write(true).open(dir.join("cgroup.procs"))?);
        Ok(self)
    }

    /// Make `cmd` enter all this in its child, between fork and exec.
    pub fn apply_to(self, cmd: &mut Command) {
        // SAFETY: `enter` only makes system calls on data prepared before fork; it allocates
        // nothing and takes no lock.
        unsafe {
            cmd.pre_exec(move || self.enter());
        }
    }

    fn enter(&self) -> io::Result<()> {
        setns(&self.net, CloneFlags::CLONE_NEWNET)?;
        if let Some(f) = &self.cgroup_procs {
            // "0" is the writing process itself.
            nix::unistd::write(f, b"0")?;
        }
        unshare(CloneFlags::CLONE_NEWNS | CloneFlags::CLONE_NEWUTS)?;
        // Private: nothing mounted here shows on the machine, nor the other way round.
        mount(None::<&str>, "/", None::<&str>, MsFlags::MS_REC | MsFlags::MS_PRIVATE, None::<&str>)?;
        for (source, target) in &self.binds {
            mount(Some(source.as_c_str()), target.as_c_str(), None::<&str>, MsFlags::MS_BIND, None::<&str>)?;
        }
        // sysfs as `ip netns exec` mounts it, so /sys/class/net lists the namespace's links;
        // a machine that refuses keeps its own /sys.
        if umount2("/sys", MntFlags::MNT_DETACH).is_ok() {
            let _ = mount(Some("sysfs"), "/sys", Some("sysfs"), MsFlags::empty(), None::<&str>);
        }
        if let Some(h) = &self.hostname {
            // SAFETY: a valid pointer and length of a buffer that outlives the call.
            if unsafe { libc::sethostname(h.as_ptr(), h.as_bytes().len()) } != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    }
}
