//! Processes as /proc shows them: enough to tell a process from a later one with the same PID.

/// Field 22 of /proc/PID/stat (start time in clock ticks since boot).
pub fn proc_start_time(pid: i32) -> Option<u64> {
    stat(pid).map(|(_, t)| t)
}

/// The state letter (`R`, `S`, `Z`, `T`...) and the start time of /proc/PID/stat, in one
/// read; None when the process is gone.
pub fn stat(pid: i32) -> Option<(char, u64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    let rest = &s[s.rfind(')')? + 1..];
    let mut f = rest.split_whitespace();
    let state = f.next()?.chars().next()?;
    Some((state, f.nth(18)?.parse().ok()?))
}

/// True when `pid` runs (not a zombie) and started at `start_time` (0: any): the same process
/// as the one recorded.
pub fn same_live(pid: i32, start_time: u64) -> bool {
    stat(pid).is_some_and(|(c, t)| c != 'Z' && (start_time == 0 || t == start_time))
}

/// The state letter of /proc/PID/stat, None when the process is gone.
fn state(pid: i32) -> Option<char> {
    stat(pid).map(|(c, _)| c)
}

/// True when `pid` has exited but was not reaped yet (or is gone).
pub fn zombie(pid: i32) -> bool {
    state(pid).is_none_or(|c| c == 'Z')
}

/// True when `pid` is stopped (Ctrl-Z, SIGSTOP, a debugger): it will not go on by itself.
pub fn stopped(pid: i32) -> bool {
    matches!(state(pid), Some('T' | 't'))
}

/// A handle on one process that a later process of the same PID can never answer to
/// (pidfd_open(2)): signals sent through it reach that process or fail, and it polls readable
/// once the process has exited.
pub struct PidFd(std::os::fd::OwnedFd);

impl PidFd {
    /// The process `pid` as it is now; `start_time` (0: any) must be the one it was recorded
    /// with, checked after the handle is taken so that the check and the handle agree.
    /// `Ok(None)` when it is gone, a zombie, or another process now; an error when no handle
    /// can be had (a kernel before 5.3, no descriptor left): the caller goes by PID instead.
    pub fn open(pid: i32, start_time: u64) -> std::io::Result<Option<PidFd>> {
        use std::os::fd::FromRawFd;
        if pid <= 1 {
            return Ok(None);
        }
        // SAFETY: pidfd_open takes a PID and flags and returns a new descriptor or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        if fd < 0 {
            let e = std::io::Error::last_os_error();
            return if e.raw_os_error() == Some(libc::ESRCH) { Ok(None) } else { Err(e) };
        }
        // SAFETY: `fd` is a descriptor the kernel just gave us, owned by nobody else.
        let h = PidFd(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as i32) });
        Ok(same_live(pid, start_time).then_some(h))
    }

    /// Send `sig` to the process (pidfd_send_signal(2)); an error once it is gone.
    pub fn signal(&self, sig: nix::sys::signal::Signal) -> std::io::Result<()> {
        use std::os::fd::AsRawFd;
        // SAFETY: a valid pidfd, a signal number, no siginfo (NULL), no flags.
        let r = unsafe {
            libc::syscall(libc::SYS_pidfd_send_signal, self.0.as_raw_fd(), sig as i32, std::ptr::null::<u8>(), 0)
        };
        if r < 0 { Err(std::io::Error::last_os_error()) } else { Ok(()) }
    }
}

/// Wait until each process of `fds` has exited or `deadline` has passed; the indexes of those
/// still running. One poll(2) over every handle: no /proc reads, no sleeps between checks.
pub fn wait_exited(fds: &[PidFd], deadline: std::time::Instant) -> Vec<usize> {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use std::os::fd::AsFd;
    let mut pending: Vec<usize> = (0..fds.len()).collect();
    while !pending.is_empty() {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let ms = u16::try_from(left.as_millis()).unwrap_or(u16::MAX);
        let mut set: Vec<PollFd> = pending.iter().map(|i| PollFd::new(fds[*i].0.as_fd(), PollFlags::POLLIN)).collect();
        match poll(&mut set, PollTimeout::from(ms)) {
            Ok(0) => break,
            Ok(_) => {
                let done: Vec<bool> = set.iter().map(|p| p.revents().is_some_and(|r| !r.is_empty())).collect();
                pending = pending.into_iter().zip(done).filter(|(_, d)| !d).map(|(i, _)| i).collect();
            }
            Err(nix::errno::Errno::EINTR) => {}
            Err(_) => break,
        }
        if left.is_zero() {
            break;
        }
    }
    pending
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn sleeper() -> std::process::Child {
        std::process::Command::new("sleep").arg("30").spawn().expect("sleep")
    }

    #[test]
    fn a_pidfd_signals_the_process_it_was_taken_for_and_sees_it_exit() {
        let mut child = sleeper();
        let pid = child.id() as i32;
        let start = proc_start_time(pid).expect("start time");
        assert!(PidFd::open(pid, start + 1).expect("pidfd").is_none(), "another start time: another process");
        let h = PidFd::open(pid, start).expect("pidfd").expect("running");
        assert_eq!(wait_exited(std::slice::from_ref(&h), Instant::now() + Duration::from_millis(50)), vec![0]);
        h.signal(nix::sys::signal::Signal::SIGTERM).expect("signal");
        assert!(wait_exited(std::slice::from_ref(&h), Instant::now() + Duration::from_secs(5)).is_empty());
        // Exited but not reaped: a zombie is not a process to stop.
        assert!(PidFd::open(pid, start).expect("pidfd").is_none());
        let _ = child.wait();
    }

    #[test]
    fn stat_reads_the_state_and_start_time_after_a_command_name_with_parentheses() {
        let (state, start) = stat(std::process::id() as i32).expect("own stat");
        assert!(matches!(state, 'R' | 'S'), "{state}");
        assert_eq!(Some(start), proc_start_time(std::process::id() as i32));
        assert!(stat(-5).is_none());
    }
}
