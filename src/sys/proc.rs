//! Processes as /proc shows them: enough to tell a process from a later one with the same PID.

/// Field 22 of /proc/PID/stat (start time in clock ticks since boot).
pub fn proc_start_time(pid: i32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    let rest = &s[s.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// The state letter of /proc/PID/stat (`R`, `S`, `Z`, `T`...), None when the process is gone.
fn state(pid: i32) -> Option<char> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    s[s.rfind(')')? + 1..].trim_start().chars().next()
}

/// True when `pid` has exited but was not reaped yet (or is gone).
pub fn zombie(pid: i32) -> bool {
    state(pid).is_none_or(|c| c == 'Z')
}

/// True when `pid` is stopped (Ctrl-Z, SIGSTOP, a debugger): it will not go on by itself.
pub fn stopped(pid: i32) -> bool {
    matches!(state(pid), Some('T' | 't'))
}
