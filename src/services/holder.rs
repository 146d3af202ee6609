//! The pause holder (`ecsnet __pause NETNS_PATH`): a process that lives in a task's network
//! namespace and does nothing, like the pause container whose namespace an ECS task's containers
//! share. Modelled on kubernetes' pause.c and catatonit's pause mode (RUST-NOTES §5): enter the
//! namespace, `chdir("/")`, close inherited descriptors, become a child subreaper, block signals
//! and wait for them: SIGTERM/SIGINT exit 0, SIGCHLD reaps.

use nix::sched::{CloneFlags, setns};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use std::os::fd::AsFd;
use std::path::Path;

/// Signals that report a fault in this process; blocking them would hide a crash.
const FAULT_SIGNALS: [Signal; 7] =
    [Signal::SIGSEGV, Signal::SIGBUS, Signal::SIGILL, Signal::SIGFPE, Signal::SIGABRT, Signal::SIGTRAP, Signal::SIGSYS];

/// Entry point of the holder. Must run before any other thread exists (signal masks are per
/// thread: a second thread with SIGTERM unblocked would let the default action kill us).
/// Returns the exit code: 0 on SIGTERM/SIGINT, 1 if the namespace cannot be entered.
pub fn pause_main(ns_path: &Path) -> i32 {
    match std::fs::File::open(ns_path) {
        Ok(f) => {
            if let Err(e) = setns(f.as_fd(), CloneFlags::CLONE_NEWNET) {
                eprintln!("ecsnet pause: setns {}: {e}", ns_path.display());
                return 1;
            }
        }
        Err(e) => {
            eprintln!("ecsnet pause: {}: {e}", ns_path.display());
            return 1;
        }
    }
    let _ = nix::unistd::chdir("/");
    close_fds_from(3);
    // Orphans of processes started under us are re-parented to us and reaped (catatonit does
    // this when it is not PID 1).
    let _ = nix::sys::prctl::set_child_subreaper(true);

    let mut set = SigSet::all();
    for s in FAULT_SIGNALS {
        set.remove(s);
    }
    if set.thread_block().is_err() {
        return 1;
    }
    loop {
        match set.wait() {
            Ok(Signal::SIGTERM | Signal::SIGINT) => return 0,
            Ok(Signal::SIGCHLD) => reap(),
            _ => {}
        }
    }
}

fn reap() {
    loop {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Close every descriptor >= `first` (close_range(2), falling back to a /proc walk).
fn close_fds_from(first: u32) {
    // SAFETY: nothing in this process holds descriptors >= 3 that it will use again.
    // (The raw syscall, so a musl build works too.)
    if unsafe { libc::syscall(libc::SYS_close_range, first, u32::MAX, 0) } == 0 {
        return;
    }
    let Ok(rd) = std::fs::read_dir("/proc/self/fd") else { return };
    let fds: Vec<i32> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse().ok()))
        .filter(|&fd: &i32| fd >= first as i32)
        .collect();
    for fd in fds {
        // SAFETY: see above; closing the read_dir's own (already closed) fd just fails with EBADF.
        unsafe { libc::close(fd) };
    }
}
