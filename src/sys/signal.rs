//! Signal dispositions a process inherited.

/// True when `sig` is ignored in this process (SIG_IGN), as `nohup` leaves SIGHUP and a shell
/// leaves SIGINT and SIGQUIT for a job it starts in the background of a script.
pub fn ignored(sig: i32) -> bool {
    // SAFETY: a query only (no new action); the kernel fills `old`, a zeroed sigaction.
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::sigaction(sig, std::ptr::null(), &mut old) };
    r == 0 && old.sa_sigaction == libc::SIG_IGN
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_signal_with_its_default_action_is_not_ignored() {
        // SIGWINCH: one no test of this process touches.
        assert!(!super::ignored(libc::SIGWINCH));
        assert!(!super::ignored(-1), "an invalid signal is not reported ignored");
    }
}
