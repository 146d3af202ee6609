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

/// Entry point of the holders of a batch (`ecsnet __pause NS...`): one process per namespace,
/// the first this one, the others forked from it before it does anything else, each child's PID
/// written on stdout, one line each, for `up`'s journal. One exec for a batch instead of one
/// per task: an exec of this binary costs milliseconds and ~650 KiB of private pages for its
/// relocations, while a forked child shares them and keeps only its stack (measured at 1,000
/// tasks: RUST-NOTES §5's pause, 500 times). Must run before any other thread exists (fork
/// and per-thread signal masks). Returns the exit code: 0 on SIGTERM/SIGINT, 1 if the
/// namespace cannot be entered.
pub fn pause_main(ns_paths: &[&Path]) -> i32 {
    let Some((first, rest)) = ns_paths.split_first() else { return 1 };
    let mut pids = String::new();
    for p in rest {
        // SAFETY: single-threaded here (see above): the child may run any code.
        match unsafe { nix::unistd::fork() } {
            Ok(nix::unistd::ForkResult::Child) => {
                // The batch's stdout is `up`'s pipe: only the first holder answers on it.
                close_stdout();
                // SAFETY: _exit, not exit: the parent's buffers and handlers are not ours.
                unsafe { libc::_exit(pause_one(p)) }
            }
            Ok(nix::unistd::ForkResult::Parent { child }) => pids.push_str(&format!("{child}\n")),
            Err(e) => {
                eprintln!("ecsnet pause: fork for {}: {e}", p.display());
                return 1;
            }
        }
    }
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(pids.as_bytes()).and_then(|()| out.flush());
    }
    // End of file on the pipe: `up` has every PID.
    close_stdout();
    pause_one(first)
}

/// Point stdout at /dev/null, releasing the pipe it was.
fn close_stdout() {
    if let Ok(null) = std::fs::File::options().write(true).open("/dev/null") {
        let _ = nix::unistd::dup2_stdout(null);
    }
}

/// One holder: enter the namespace, then wait for signals.
fn pause_one(ns_path: &Path) -> i32 {
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
    // A child of the batch that ended before the mask was set sent its SIGCHLD unseen.
    reap();
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
