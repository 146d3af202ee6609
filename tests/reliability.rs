//! Issue 13, item 7: the reliability suite. The repeated, randomized versions of what
//! robustness.rs and state_guard.rs check once: SIGKILL at random moments of `up` and `down`,
//! every signal during `test`, closed pipes, a pids limit, concurrent verbs on one lab, a
//! damaged journal, hostile files, verdicts that do not flip.
//!
//! Knobs (environment): ECSNET_RELIABILITY_ROUNDS (default small, for CI),
//! ECSNET_RELIABILITY_CHECKS (repeated `check` runs), ECSNET_RELIABILITY_SEED (the PRNG seed;
//! every failure message names it so that a run can be replayed). `scripts/reliability.sh`
//! runs the full version.

mod common;
use common::*;
use nix::sys::signal::Signal;
use std::collections::HashMap;
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::sleep;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Knobs and a deterministic PRNG (no new crate: a failure must be replayable from its seed).

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

/// Rounds of each randomized test; small by default so that CI stays fast.
fn rounds() -> u64 {
    env_num("ECSNET_RELIABILITY_ROUNDS", 4).max(1)
}

fn seed() -> u64 {
    env_num("ECSNET_RELIABILITY_SEED", 0x5EED_EC5E_0013_0007)
}

/// xorshift64*: tiny, deterministic, good enough to spread delays and pick mutations.
struct Rng(u64);

impl Rng {
    /// Each test mixes in its own salt, so that tests do not draw the same sequence.
    fn new(salt: u64) -> Self {
        let s = seed() ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Rng(if s == 0 { 1 } else { s })
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in 0..n (0 when n is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// A delay in 0..=d, at microsecond resolution.
    fn upto(&mut self, d: Duration) -> Duration {
        Duration::from_micros(self.below(d.as_micros() as u64 + 1))
    }

    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

// ---------------------------------------------------------------------------------------------
// Child processes with a deadline: a hang fails the test instead of stalling the run.

/// Longest any single ecsnet run may take before it counts as a hang.
const DEADLINE: Duration = Duration::from_secs(60);

enum Pipes {
    /// Both read to the end.
    Captured,
    /// Both closed before the child writes anything.
    Closed,
    StdoutClosed,
    StderrClosed,
    /// Kept open and unread until `close_pipes` (a reader that goes away later).
    Held,
}

struct Proc {
    child: Child,
    what: String,
    status: Option<ExitStatus>,
    /// Peak resident memory of the child, known once it is reaped.
    max_rss_kib: i64,
    out: Option<mpsc::Receiver<Vec<u8>>>,
    err: Option<mpsc::Receiver<Vec<u8>>>,
    held: Option<(ChildStdout, ChildStderr)>,
}

fn reader(mut r: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut v = vec![];
        let _ = r.read_to_end(&mut v);
        let _ = tx.send(v);
    });
    rx
}

fn ecsnet_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args(args);
    common::default_signals(&mut c);
    c
}

fn start(mut cmd: Command, what: &str, pipes: Pipes) -> Proc {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{what}: {e}"));
    let (o, e) = (child.stdout.take().expect("stdout"), child.stderr.take().expect("stderr"));
    let (mut out, mut err, mut held) = (None, None, None);
    match pipes {
        Pipes::Captured => (out, err) = (Some(reader(o)), Some(reader(e))),
        Pipes::Closed => drop((o, e)),
        Pipes::StdoutClosed => err = Some(reader(e)),
        Pipes::StderrClosed => out = Some(reader(o)),
        Pipes::Held => held = Some((o, e)),
    }
    Proc { child, what: what.to_string(), status: None, max_rss_kib: 0, out, err, held }
}

/// Caps the child's address space: a read that never ends (a journal or scenario that is
/// /dev/zero) then fails inside the child instead of making the machine's OOM killer choose.
fn limit_memory(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    const CAP: libc::rlim_t = 1 << 30;
    // SAFETY: setrlimit is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            let r = libc::rlimit { rlim_cur: CAP, rlim_max: CAP };
            if libc::setrlimit(libc::RLIMIT_AS, &r) == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
        });
    }
}

/// More than any verb needs for the files of this suite: above it, something read without a
/// bound (a journal or scenario that is /dev/zero).
const MEMORY_BOUND_KIB: i64 = 256 * 1024;

fn spawn(args: &[&str]) -> Proc {
    start(ecsnet_cmd(args), &format!("ecsnet {}", args.join(" ")), Pipes::Captured)
}

/// `ecsnet ARGS` to completion, within [`DEADLINE`].
fn run(args: &[&str]) -> Output {
    spawn(args).wait()
}

impl Proc {
    fn pid(&self) -> nix::unistd::Pid {
        nix::unistd::Pid::from_raw(self.child.id() as i32)
    }

    /// Sends `s` unless the child was already reaped (its pid could be someone else's by now).
    fn signal(&mut self, s: Signal) {
        if !self.finished() {
            let _ = nix::sys::signal::kill(self.pid(), s);
        }
    }

    fn kill(&mut self) {
        self.signal(Signal::SIGKILL);
    }

    fn close_pipes(&mut self) {
        self.held = None;
    }

    fn finished(&mut self) -> bool {
        self.reap(libc::WNOHANG);
        self.status.is_some()
    }

    /// wait4 instead of `Child::wait`: it also says how much memory the child used.
    fn reap(&mut self, flags: libc::c_int) {
        if self.status.is_some() {
            return;
        }
        let (mut st, pid) = (0, self.child.id() as libc::pid_t);
        // SAFETY: plain syscall on our own child, with out-parameters that live on this stack.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::wait4(pid, &mut st, flags, &mut ru) } == pid {
            self.status = Some(ExitStatus::from_raw(st));
            self.max_rss_kib = ru.ru_maxrss;
        }
    }

    /// Waits at most `limit`; past it the child is killed and the test fails (a hang).
    fn wait_within(&mut self, limit: Duration) -> Output {
        self.try_wait_within(limit).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Waits at most `limit`; past it the child is killed and this says so.
    fn try_wait_within(&mut self, limit: Duration) -> Result<Output, String> {
        let t = Instant::now();
        while !self.finished() {
            if t.elapsed() > limit {
                let _ = self.child.kill();
                self.reap(0);
                return Err(format!("{}: still running after {limit:?} (a hang)", self.what));
            }
            sleep(Duration::from_millis(5));
        }
        // A process it started and left running must not hold our pipes either.
        let rest = limit.saturating_sub(t.elapsed()).max(Duration::from_secs(5));
        let held = || format!("{}: exited, but its output stayed open (held by a process it started)", self.what);
        let take = |rx: Option<mpsc::Receiver<Vec<u8>>>| match rx {
            Some(rx) => rx.recv_timeout(rest).map_err(|_| held()),
            None => Ok(vec![]),
        };
        let (stdout, stderr) = (take(self.out.take())?, take(self.err.take())?);
        Ok(Output { status: self.status.expect("status"), stdout, stderr })
    }

    fn wait(mut self) -> Output {
        self.wait_within(DEADLINE)
    }
}

impl Drop for Proc {
    /// A test that fails half way must not leave its children running.
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.child.kill();
            self.reap(0);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

/// `code ...` or `killed by SIGNAL`, and everything the process said.
fn report(o: &Output) -> String {
    let how = match (o.status.code(), o.status.signal()) {
        (Some(c), _) => format!("exit {c}"),
        (None, Some(s)) => format!("killed by signal {s}"),
        _ => "?".into(),
    };
    format!("{how}\n{}", text(o))
}

/// A panic (101) or a death by a signal other than `allowed` is always a bug.
fn assert_no_crash(o: &Output, allowed: Option<Signal>, ctx: &str) {
    if let Some(e) = crash(o, allowed) {
        panic!("{ctx}: {e}");
    }
}

fn crash(o: &Output, allowed: Option<Signal>) -> Option<String> {
    match (o.status.code(), o.status.signal()) {
        // 4: ecsnet caught its own panic (an internal error); 101: one it did not catch.
        (Some(101 | 4), _) => Some(format!("a panic: {}", report(o))),
        (None, Some(s)) if Some(s) != allowed.map(|a| a as i32) => Some(format!("killed by a signal: {}", report(o))),
        _ => None,
    }
}

/// Polls until nothing of `lab` remains or `limit` passes; returns what remains.
fn leftovers_after(lab: &str, limit: Duration) -> Vec<String> {
    let t = Instant::now();
    loop {
        let left = leftovers(lab);
        if left.is_empty() || t.elapsed() > limit {
            return left;
        }
        sleep(Duration::from_millis(50));
    }
}

/// Processes running `ecsnet down LAB` (the background teardown after a third Ctrl-C).
fn downs_of(lab: &str) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir("/proc") else { return vec![] };
    rd.flatten()
        .filter(|e| {
            let c = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            let args: Vec<&[u8]> = c.split(|b| *b == 0).collect();
            args.len() >= 3 && args[1] == b"down" && args[2] == lab.as_bytes() && args[0].ends_with(b"ecsnet")
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn lab_status(lab: &str) -> Option<String> {
    let o = run(&["ls", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).ok()?;
    v.as_array()?.iter().find(|r| r["lab"] == lab).and_then(|r| r["status"].as_str().map(String::from))
}

/// Wall time of a complete `up` and of the `down` after it (the windows to pick moments in).
fn time_up_down(file: &str, lab: &str) -> (Duration, Duration) {
    let t = Instant::now();
    let u = run(&["up", file]);
    let up_t = t.elapsed();
    assert!(u.status.success(), "up {file}: {}", report(&u));
    let t = Instant::now();
    let d = run(&["down", lab]);
    let down_t = t.elapsed();
    assert!(d.status.success(), "down {lab}: {}", report(&d));
    (up_t, down_t)
}

fn up_ok(file: &str, ctx: &str) {
    let u = run(&["up", file]);
    assert!(u.status.success(), "{ctx}: up: {}", report(&u));
}

fn down_clean(lab: &str, ctx: &str) {
    let d = run(&["down", lab]);
    assert!(d.status.success(), "{ctx}: down: {}", report(&d));
    assert_eq!(leftovers(lab), Vec::<String>::new(), "{ctx}: left behind after `down`");
}

/// A lab with a probing window: one expectation waits 3 s for an answer that never comes.
fn slow_scenario(lab: &str) -> PathBuf {
    let body = "version: 1\nname: LAB\nvpc:\n  cidr: 10.81.0.0/16\n  subnets: [{ name: a, cidr: 10.81.1.0/24 }]\ninstances: [{ name: i, subnet: a }]\nexpect:\n  - { from: instance/i, to: \"10.81.1.200:80\", reachable: false, timeoutMs: 3000 }\n";
    write_scenario(lab, &body.replace("LAB", lab))
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

// ---------------------------------------------------------------------------------------------
// a. SIGKILL at random moments of `up` and of `down`.

/// Scenarios of different shapes (bridge, awsvpc, gateways, metadata), one per round in turn.
const KILL_SCENARIOS: [&str; 4] = [
    "scenarios/01-bridge-vs-awsvpc.yaml",
    "scenarios/02-awsvpc.yaml",
    "scenarios/12-security-groups.yaml",
    "scenarios/14-instance-metadata.yaml",
];

#[test]
fn sigkill_at_random_moments_of_up_and_down_then_down_leaves_nothing() {
    need_root!();
    let lab = "r-kill";
    let _g = LabGuard(lab.into());
    let mut rng = Rng::new(1);
    let seed = seed();
    let before = root_snapshot();
    let mut timing: HashMap<&str, (Duration, Duration)> = HashMap::new();
    for round in 0..rounds() {
        let src = KILL_SCENARIOS[round as usize % KILL_SCENARIOS.len()];
        let file = scenario_copy(src, lab);
        let f = path_str(&file);
        let (up_t, down_t) = *timing.entry(src).or_insert_with(|| time_up_down(f, lab));

        // A little past the measured duration too: a kill just after the end counts as well.
        let at = rng.upto(up_t * 5 / 4);
        let ctx = format!("round {round} ({src}), `up` killed after {at:?} of ~{up_t:?}, seed {seed:#x}");
        let mut p = spawn(&["up", f]);
        sleep(at);
        p.kill();
        let _ = p.wait();
        down_clean(lab, &ctx);

        up_ok(f, &ctx);
        let at = rng.upto(down_t * 5 / 4);
        let ctx = format!("round {round} ({src}), `down` killed after {at:?} of ~{down_t:?}, seed {seed:#x}");
        let mut p = spawn(&["down", lab]);
        sleep(at);
        p.kill();
        let _ = p.wait();
        down_clean(lab, &ctx);
    }
    assert_eq!(before, root_snapshot(), "the root namespace changed (seed {seed:#x})");
}

// ---------------------------------------------------------------------------------------------
// b. Every signal during `test`, during `up` and during probing.

const SIGNALS: [(&str, &[Signal]); 5] = [
    ("SIGINT", &[Signal::SIGINT]),
    ("SIGTERM", &[Signal::SIGTERM]),
    ("SIGHUP", &[Signal::SIGHUP]),
    ("2 x SIGINT", &[Signal::SIGINT, Signal::SIGINT]),
    ("3 x SIGINT", &[Signal::SIGINT, Signal::SIGINT, Signal::SIGINT]),
];

#[test]
fn every_signal_at_random_moments_of_test_cleans_up_without_down() {
    need_root!();
    let lab = "r-signal";
    let _g = LabGuard(lab.into());
    let mut rng = Rng::new(2);
    let seed = seed();
    let file = slow_scenario(lab);
    let f = path_str(&file);
    let (up_t, _) = time_up_down(f, lab);
    // Every signal at least once during `up` and once during probing.
    let n = rounds().max(2 * SIGNALS.len() as u64);
    for round in 0..n {
        let (name, sigs) = SIGNALS[round as usize % SIGNALS.len()];
        let probing = (round as usize / SIGNALS.len()) % 2 == 1;
        let mut p = spawn(&["test", f]);
        let at = if probing {
            // From the moment the lab is up: the 3 s probe is in flight for the next 2.5 s.
            let t = Instant::now();
            while lab_status(lab).as_deref() != Some("up") {
                if p.finished() {
                    panic!("round {round}: `test` ended before its lab was up: {}", report(&p.wait()));
                }
                assert!(t.elapsed() < Duration::from_secs(20), "round {round}: the lab never came up");
                sleep(Duration::from_millis(10));
            }
            rng.upto(Duration::from_millis(2500))
        } else {
            rng.upto(up_t)
        };
        sleep(at);
        for (k, s) in sigs.iter().enumerate() {
            if k > 0 {
                // Back to back or a little apart: both must count.
                sleep(rng.upto(Duration::from_millis(40)));
            }
            p.signal(*s);
        }
        let o = p.wait();
        let ctx = format!(
            "round {round}: {name} {} after {at:?} (up takes ~{up_t:?}), seed {seed:#x}",
            if probing { "while probing" } else { "during up" }
        );
        // Before its handler is installed the signal's default action kills it; nothing has
        // been built by then (the leftovers check below says so).
        let before_handler = o.status.signal() == Some(sigs[0] as i32);
        assert!(o.status.code() == Some(130) || before_handler, "{ctx}: expected exit 130: {}", report(&o));
        assert!(!text(&o).contains("down --all"), "{ctx}: advises `down --all`: {}", report(&o));
        let left = leftovers_after(lab, Duration::from_secs(10));
        assert_eq!(left, Vec::<String>::new(), "{ctx}: left behind with no `down`: {}", report(&o));
        // The background `down` of a third Ctrl-C must end too (else it could hit the next round).
        let t = Instant::now();
        while !downs_of(lab).is_empty() {
            assert!(t.elapsed() < Duration::from_secs(10), "{ctx}: a background `down` still runs after 10 s");
            sleep(Duration::from_millis(20));
        }
        if before_handler {
            eprintln!("{ctx}: arrived before ecsnet's signal handler (killed by it, nothing built)");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// c. Closed pipes under every verb that writes.

#[test]
fn closed_pipes_never_panic_and_leave_nothing() {
    need_root!();
    let lab = "r-pipe";
    let _g = LabGuard(lab.into());
    let mut rng = Rng::new(3);
    let seed = seed();
    let file = scenario_copy("scenarios/13-nacl-ephemeral-trap.yaml", lab);
    let f = path_str(&file);
    let (up_t, _) = time_up_down(f, lab);
    let modes = [("both closed", 0), ("stdout closed", 1), ("stderr closed", 2)];
    let pipes = |m: u8| match m {
        0 => Pipes::Closed,
        1 => Pipes::StdoutClosed,
        _ => Pipes::StderrClosed,
    };
    // Every finding is collected, so that one run lists all the verbs that need a fix.
    let mut bad: Vec<String> = vec![];
    // `up` leaves its lab running by design: `down` it; anything else must leave nothing.
    let settle = |bad: &mut Vec<String>, args: &[&str], ctx: &str, o: &Output| {
        if let Some(e) = crash(o, None) {
            bad.push(format!("{ctx}: {e}"));
        }
        let left = leftovers(lab);
        if !args.contains(&"up") && !left.is_empty() {
            bad.push(format!("{ctx}: left {left:?} behind: {}", report(o)));
        }
        let d = run(&["down", lab]);
        if !d.status.success() || !leftovers(lab).is_empty() {
            bad.push(format!("{ctx}: then `down`: {} and {:?} left", report(&d), leftovers(lab)));
        }
    };
    // Verbs that build: a closed pipe must neither abort them half way nor crash them.
    for (mode, m) in modes {
        for args in [vec!["up", f], vec!["test", f], vec!["-v", "test", f]] {
            let ctx = format!("ecsnet {} with {mode}", args.join(" "));
            let o = start(ecsnet_cmd(&args), &ctx, pipes(m)).wait();
            settle(&mut bad, &args, &ctx, &o);
        }
    }
    // Verbs that only read a running lab: a SIGPIPE death is acceptable there, a panic is not.
    up_ok(f, "read-only verbs");
    for (mode, m) in modes {
        for args in [
            vec!["ps", lab],
            vec!["ls"],
            vec!["ls", "--json"],
            vec!["inspect", lab, "--instance", "client-1", "ecs-agent"],
            vec!["check", lab],
            vec!["check", lab, "--json"],
            vec!["-v", "check", lab],
            vec!["graph", lab],
            vec!["graph", lab, "--format", "dot"],
        ] {
            let ctx = format!("ecsnet {} with {mode}", args.join(" "));
            let o = start(ecsnet_cmd(&args), &ctx, pipes(m)).wait();
            if let Some(e) = crash(&o, Some(Signal::SIGPIPE)) {
                bad.push(format!("{ctx}: {e}"));
            }
        }
    }
    let ps = run(&["ps", lab]);
    assert!(ps.status.success(), "the lab suffered from the read-only verbs: {}", report(&ps));
    down_clean(lab, "read-only verbs");
    // A reader that goes away at a random moment (`ecsnet -v test F 2>&1 | head -1`).
    let choices: [Vec<&str>; 4] = [vec!["up", f], vec!["test", f], vec!["-v", "test", f], vec!["-v", "up", f]];
    for round in 0..rounds() {
        let args = rng.pick(&choices).as_slice();
        let at = rng.upto(up_t * 3 / 2);
        let ctx = format!("round {round}: ecsnet {} with output closed after {at:?}, seed {seed:#x}", args.join(" "));
        let mut p = start(ecsnet_cmd(args), &ctx, Pipes::Held);
        sleep(at);
        p.close_pipes();
        let o = p.wait();
        settle(&mut bad, args, &ctx, &o);
    }
    assert!(bad.is_empty(), "{} findings:\n{}", bad.len(), bad.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// d. A pids cgroup limit: `up` either succeeds or fails cleanly, with nothing left behind.

/// A directory where a pids limit can be set: cgroup v2 with the pids controller, else the v1
/// pids hierarchy (hybrid machines).
fn pids_cgroup_root() -> Option<PathBuf> {
    let mi = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mounts: Vec<(PathBuf, String, String)> = mi
        .lines()
        .filter_map(|l| {
            let (pre, post) = l.split_once(" - ")?;
            let point = pre.split_whitespace().nth(4)?;
            let mut post = post.split_whitespace();
            let fstype = post.next()?.to_string();
            let opts = post.nth(1).unwrap_or("").to_string();
            Some((PathBuf::from(point), fstype, opts))
        })
        .collect();
    for (point, fstype, _) in &mounts {
        let has_pids =
            |f: &str| std::fs::read_to_string(point.join(f)).is_ok_and(|s| s.split_whitespace().any(|c| c == "pids"));
        if fstype == "cgroup2" && has_pids("cgroup.controllers") {
            if !has_pids("cgroup.subtree_control") {
                let _ = std::fs::write(point.join("cgroup.subtree_control"), "+pids");
            }
            if has_pids("cgroup.subtree_control") {
                return Some(point.clone());
            }
        }
    }
    mounts.into_iter().find(|(_, t, o)| t == "cgroup" && o.split(',').any(|x| x == "pids")).map(|(p, _, _)| p)
}

/// A cgroup of this test: emptied (the lab downed, stragglers killed) and removed when dropped.
struct PidsCgroup {
    dir: PathBuf,
    lab: String,
}

impl PidsCgroup {
    fn new(root: &Path, name: &str, max: u64, lab: &str) -> Self {
        let dir = root.join(name);
        let _ = std::fs::remove_dir(&dir);
        std::fs::create_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let cg = PidsCgroup { dir, lab: lab.to_string() };
        std::fs::write(cg.dir.join("pids.max"), max.to_string()).expect("pids.max");
        cg
    }

    fn pids(&self) -> Vec<i32> {
        let s = std::fs::read_to_string(self.dir.join("cgroup.procs")).unwrap_or_default();
        s.lines().filter_map(|l| l.trim().parse().ok()).collect()
    }
}

impl Drop for PidsCgroup {
    fn drop(&mut self) {
        if !self.pids().is_empty() {
            // The lab's processes: `down` stops them; anything else in here is ours to kill.
            let _ = Command::new(bin()).args(["down", &self.lab]).output();
            for p in self.pids() {
                let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(p), Signal::SIGKILL);
            }
        }
        let t = Instant::now();
        while !self.pids().is_empty() && t.elapsed() < Duration::from_secs(5) {
            sleep(Duration::from_millis(20));
        }
        if let Err(e) = std::fs::remove_dir(&self.dir) {
            eprintln!("cannot remove {}: {e}", self.dir.display());
        }
    }
}

#[test]
fn a_pids_limit_makes_up_succeed_or_fail_cleanly() {
    need_root!();
    let Some(root) = pids_cgroup_root() else {
        eprintln!("skipped: no pids cgroup controller on this machine");
        return;
    };
    let lab = "r-pids";
    let _g = LabGuard(lab.into());
    let mut rng = Rng::new(4);
    let seed = seed();
    let file = scenario_copy("scenarios/02-awsvpc.yaml", lab);
    let f = path_str(&file);
    // pids.max from 8 to 60, one value from each of `n` equal slices (all of them when n is big).
    let n = rounds() * 3;
    let (mut ok, mut failed) = (0, 0);
    for round in 0..n {
        let (lo, hi) = (8 + round * 53 / n, 8 + (round + 1) * 53 / n);
        let max = lo + rng.below(hi - lo);
        let ctx = format!("round {round}: pids.max {max}, seed {seed:#x}");
        let cg = PidsCgroup::new(&root, &format!("r-pids-{}-{round}", std::process::id()), max, lab);
        let script = format!("echo $$ > {}/cgroup.procs && exec {} up {f}", cg.dir.display(), bin());
        let mut sh = Command::new("sh");
        sh.args(["-c", &script]);
        let o = start(sh, &ctx, Pipes::Captured).wait();
        assert_no_crash(&o, None, &ctx);
        eprintln!("{ctx}: {}", o.status);
        if o.status.success() {
            ok += 1;
            down_clean(lab, &ctx);
        } else {
            failed += 1;
            let left = leftovers_after(lab, Duration::from_secs(10));
            assert_eq!(left, Vec::<String>::new(), "{ctx}: a failed `up` left this behind: {}", report(&o));
        }
        drop(cg);
    }
    eprintln!("pids limits: {ok} ups succeeded, {failed} failed cleanly");
}

#[test]
fn a_signal_ignored_when_test_starts_stays_ignored_as_under_nohup() {
    need_root!();
    use std::os::unix::process::CommandExt;
    let lab = "r-nohup";
    let _g = LabGuard(lab.into());
    let file = slow_scenario(lab);
    let mut cmd = Command::new(bin());
    cmd.args(["test", path_str(&file)]);
    // SAFETY: as in `common::default_signals`: `nohup` ignores SIGHUP before it runs the command.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGHUP, libc::SIG_IGN);
            Ok(())
        });
    }
    let mut p = start(cmd, "nohup ecsnet test", Pipes::Captured);
    let t = Instant::now();
    while lab_status(lab).as_deref() != Some("up") && !p.finished() && t.elapsed() < Duration::from_secs(20) {
        sleep(Duration::from_millis(10));
    }
    // While it probes (its 3 s probe is in flight), and once more at the start of the probe.
    p.signal(Signal::SIGHUP);
    sleep(Duration::from_millis(200));
    p.signal(Signal::SIGHUP);
    let o = p.wait();
    assert_eq!(o.status.code(), Some(0), "the hangup was not ignored: {}", report(&o));
    assert_eq!(leftovers_after(lab, Duration::from_secs(10)), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------------
// e. `up` and `down` of one lab at once, with read-only verbs around them.

/// The lab is whole: `ls` says up, every namespace of its journal exists, `exec` works.
fn intact(lab: &str, instance: &str) -> Result<(), String> {
    match lab_status(lab) {
        Some(s) if s == "up" => {}
        s => return Err(format!("`ecsnet ls` says {s:?}")),
    }
    let j = std::fs::read(format!("/run/ecsnet/{lab}/journal.json")).map_err(|e| format!("journal: {e}"))?;
    let j: serde_json::Value = serde_json::from_slice(&j).map_err(|e| format!("journal: {e}"))?;
    for ns in j["namespaces"].as_array().ok_or("journal without namespaces")? {
        let ns = ns.as_str().unwrap_or_default();
        if !Path::new("/run/netns").join(ns).exists() {
            return Err(format!("namespace {ns} of the journal is gone"));
        }
    }
    let o = run(&["exec", lab, &format!("instance/{instance}"), "--", "true"]);
    if !o.status.success() {
        return Err(format!("exec: {}", report(&o)));
    }
    Ok(())
}

#[test]
fn concurrent_up_and_down_of_one_lab_leave_it_whole_or_gone() {
    need_root!();
    let lab = "r-race";
    let _g = LabGuard(lab.into());
    let mut rng = Rng::new(5);
    let seed = seed();
    let file = scenario_copy("scenarios/02-awsvpc.yaml", lab);
    let f = path_str(&file);
    let (up_t, _) = time_up_down(f, lab);
    let mut outcomes: HashMap<&str, u32> = HashMap::new();
    for round in 0..rounds() * 2 {
        let at = rng.upto(up_t);
        let ctx = format!("round {round}: `down` {at:?} after `up` (up takes ~{up_t:?}), seed {seed:#x}");
        // Readers all along: none may panic, whatever state they catch the lab in.
        let stop = Arc::new(AtomicBool::new(false));
        let watcher = {
            let (stop, lab) = (stop.clone(), lab.to_string());
            std::thread::spawn(move || {
                let mut bad = vec![];
                let verbs: [&[&str]; 5] = [
                    &["ps", &lab],
                    &["inspect", &lab, "--instance", "ecs-1", "ecs-agent"],
                    &["ls"],
                    &["ls", "--orphans"],
                    &["check", &lab],
                ];
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    let args = verbs[i % verbs.len()];
                    let o = run(args);
                    if matches!(o.status.code(), Some(101 | 4)) || o.status.signal().is_some() {
                        bad.push(format!("ecsnet {}: {}", args.join(" "), report(&o)));
                    }
                    i += 1;
                }
                bad
            })
        };
        let up = spawn(&["up", f]);
        sleep(at);
        let down = spawn(&["down", lab]);
        let (uo, dout) = (up.wait(), down.wait());
        stop.store(true, Ordering::SeqCst);
        let bad = watcher.join().expect("watcher");
        let both = format!("up: {}\ndown: {}", report(&uo), report(&dout));
        assert_no_crash(&uo, None, &format!("{ctx}: up"));
        assert_no_crash(&dout, None, &format!("{ctx}: down"));
        assert!(bad.is_empty(), "{ctx}: a reader crashed:\n{}", bad.join("\n"));
        if leftovers(lab).is_empty() {
            // Gone: fine, but an `up` that said it succeeded must then have been removed by
            // this `down`, not found empty by it (that would be a lab lost under our feet).
            if uo.status.success() {
                let removed = text(&dout).contains("removed 0 namespaces");
                assert!(!removed, "{ctx}: `up` succeeded, yet its lab is gone and `down` removed nothing:\n{both}");
                *outcomes.entry("up, then down").or_default() += 1;
            } else {
                *outcomes.entry("up failed, nothing left").or_default() += 1;
            }
        } else {
            assert!(uo.status.success(), "{ctx}: `up` failed and left {:?}:\n{both}", leftovers(lab));
            if let Err(e) = intact(lab, "ecs-1") {
                panic!("{ctx}: `up` succeeded but the lab is not whole: {e}\n{both}");
            }
            *outcomes.entry("down, then up").or_default() += 1;
        }
        down_clean(lab, &ctx);
    }
    eprintln!("concurrent up/down outcomes: {outcomes:?}");
}

// ---------------------------------------------------------------------------------------------
// f. A journal damaged at random: `down` neither crashes, nor hangs, nor deletes what is not
// the lab's, and still removes the lab (it is found by its marks too).

/// Things that are not the lab's, which its journal will name; removed when the test ends.
struct JournalDecoys {
    ns: String,
    file: PathBuf,
    sleep: Child,
}

impl Drop for JournalDecoys {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).output();
        let _ = std::fs::remove_file(&self.file);
        let _ = self.sleep.kill();
        let _ = self.sleep.wait();
    }
}

/// Removes a damaged journal before the lab's guard runs its unbounded `down` (drop order:
/// declared after the `LabGuard`, so dropped first).
struct JournalReset(PathBuf);

impl Drop for JournalReset {
    fn drop(&mut self) {
        if self.0.is_dir() && !self.0.is_symlink() {
            let _ = std::fs::remove_dir_all(&self.0);
        } else {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

fn start_time(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    s[s.rfind(')').expect("stat") + 1..].split_whitespace().nth(19).expect("stat").parse().expect("stat")
}

/// One damage to the journal's JSON (foreign names, wrong types, other labs, absurd numbers);
/// returns what it did, for the failure message.
fn damage_json(j: &mut serde_json::Value, rng: &mut Rng, d: &JournalDecoys, lab: &str) -> &'static str {
    use serde_json::json;
    let pid = d.sleep.id();
    let junk = [json!(null), json!(7), json!("x"), json!({}), json!([[]]), json!(-1), json!(1e300), json!(true)];
    let push = |j: &mut serde_json::Value, key: &str, v: serde_json::Value| {
        if let Some(a) = j[key].as_array_mut() {
            a.push(v);
        }
    };
    let k = rng.below(10) as usize;
    match k {
        0 => push(j, "namespaces", json!(d.ns)),
        1 => push(j, "namespaces", json!(format!("../..{}", d.file.display()))),
        2 => push(j, "namespaces", json!(format!("ecsnet.{lab}./../../..{}", d.file.display()))),
        3 => push(j, "processes", json!({"pid": pid, "start_time": start_time(pid), "role": "agent"})),
        4 => push(j, "processes", json!({"pid": 1, "start_time": start_time(1), "role": "agent"})),
        5 => {
            let p =
                rng.pick(&[json!(0), json!(-1), json!(i64::MAX), json!(u64::MAX), json!(std::process::id())]).clone();
            push(j, "processes", json!({"pid": p, "start_time": 0, "role": "pause task/x"}))
        }
        6 => j["namespaces"] = rng.pick(&junk).clone(),
        7 => j["processes"] = rng.pick(&junk).clone(),
        8 => j["lab"] = json!(*rng.pick(&["r-jdecoy", "", "../x", "r-journal"])),
        _ => j["complete"] = rng.pick(&junk).clone(),
    }
    [
        "a decoy namespace",
        "a ../ path",
        "the lab's prefix, then ../",
        "a decoy process",
        "pid 1",
        "an absurd pid",
        "namespaces of another type",
        "processes of another type",
        "another lab's name",
        "complete of another type",
    ][k]
}

#[test]
fn down_with_a_randomly_damaged_journal_removes_the_lab_and_only_it() {
    need_root!();
    let lab = "r-journal";
    let _g = LabGuard(lab.into());
    let mut rng = Rng::new(6);
    let seed = seed();
    let me = std::process::id();
    let decoys = JournalDecoys {
        ns: format!("ecsnet.r-jdecoy.x{me}"),
        file: PathBuf::from(format!("/tmp/r-jdecoy-{me}")),
        sleep: Command::new("sleep").arg("600").spawn().expect("sleep"),
    };
    let o = Command::new("ip").args(["netns", "add", &decoys.ns]).output().expect("ip");
    assert!(o.status.success(), "{}", text(&o));
    std::fs::write(&decoys.file, "keep").expect("decoy file");
    let file = scenario_copy("scenarios/05-none.yaml", lab);
    let f = path_str(&file);
    let jpath = PathBuf::from(format!("/run/ecsnet/{lab}/journal.json"));
    let _reset = JournalReset(jpath.clone());
    let mut bad: Vec<String> = vec![];
    // A journal that is /dev/zero or a FIFO once hit every `ecsnet ls` on the machine (one ate
    // all memory, the other hung); state files are now read never blocking, regular only and
    // capped, so these rounds run everywhere (ECSNET_RELIABILITY_SPECIAL_JOURNALS=0 skips them).
    let machine_wide = std::env::var_os("ECSNET_RELIABILITY_SPECIAL_JOURNALS").is_none_or(|v| v != "0");
    for round in 0..rounds() * 3 {
        up_ok(f, &format!("round {round}"));
        let mut j: serde_json::Value = serde_json::from_slice(&std::fs::read(&jpath).expect("journal")).expect("json");
        let mut what = vec![];
        for _ in 0..=rng.below(3) {
            what.push(damage_json(&mut j, &mut rng, &decoys, lab));
        }
        let mut bytes = serde_json::to_vec(&j).expect("json");
        std::fs::remove_file(&jpath).expect("journal");
        // Sometimes the bytes or the file itself are damaged too.
        match rng.below(12) {
            0 => bytes.truncate(rng.below(bytes.len() as u64) as usize),
            1 => {
                let i = rng.below(bytes.len() as u64) as usize;
                bytes[i] ^= 1 << rng.below(8);
            }
            2 => bytes = rng.pick(&[&b""[..], b"null", b"\xff\xfe", b"\0\0\0"]).to_vec(),
            3 => bytes = "[".repeat(100_000).into_bytes(),
            _ => {}
        }
        // The first rounds replace it by each special file in turn, so that every run meets them.
        let pick = if round < 4 { round } else { rng.below(14) };
        let special = match pick {
            0 => Some("a symlink to the decoy file"),
            1 if machine_wide => Some("a symlink to /dev/zero"),
            2 if machine_wide => Some("a FIFO"),
            3 => Some("a directory"),
            _ => None,
        };
        match special {
            Some("a symlink to the decoy file") => std::os::unix::fs::symlink(&decoys.file, &jpath).expect("symlink"),
            Some("a symlink to /dev/zero") => std::os::unix::fs::symlink("/dev/zero", &jpath).expect("symlink"),
            Some("a FIFO") => {
                let c = std::ffi::CString::new(path_str(&jpath)).expect("path");
                assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
            }
            Some(_) => std::fs::create_dir(&jpath).expect("dir"),
            None => std::fs::write(&jpath, &bytes).expect("write"),
        }
        let ctx = match special {
            Some(s) => format!("round {round}: journal replaced by {s}, seed {seed:#x}"),
            None => format!(
                "round {round}: journal damaged by {} ({}), seed {seed:#x}",
                what.join(", "),
                String::from_utf8_lossy(&bytes[..bytes.len().min(400)])
            ),
        };
        // `ls` reads every lab's journal: one lab's damage must not stop it.
        let mut ls = ecsnet_cmd(&["ls"]);
        limit_memory(&mut ls);
        let mut p = start(ls, "ls", Pipes::Captured);
        match p.try_wait_within(Duration::from_secs(10)) {
            Err(e) => bad.push(format!("{ctx}: {e}")),
            Ok(o) => bad.extend(crash(&o, None).map(|e| format!("{ctx}: ls: {e}"))),
        }
        if p.max_rss_kib > MEMORY_BOUND_KIB {
            bad.push(format!("{ctx}: `ls` used {} MiB (an unbounded read)", p.max_rss_kib / 1024));
        }
        let mut down = ecsnet_cmd(&["down", lab]);
        limit_memory(&mut down);
        let mut p = start(down, "down", Pipes::Captured);
        let o = p.try_wait_within(Duration::from_secs(10));
        // Foreign things touched: stop at once, that is the worst there is.
        assert!(Path::new("/run/netns").join(&decoys.ns).exists(), "{ctx}: the decoy namespace was deleted");
        let kept = std::fs::read_to_string(&decoys.file).ok();
        assert_eq!(kept.as_deref(), Some("keep"), "{ctx}: the decoy file was changed");
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", decoys.sleep.id())).unwrap_or_default();
        assert!(!stat.is_empty() && !stat.contains(") Z"), "{ctx}: the decoy process was killed");
        // The rest is collected, so that one run names every damage `down` does not survive.
        match o {
            Err(e) => bad.push(format!("{ctx}: {e}")),
            Ok(o) => {
                if let Some(e) = crash(&o, None) {
                    bad.push(format!("{ctx}: {e}"));
                } else if !matches!(o.status.code(), Some(0 | 1)) {
                    bad.push(format!("{ctx}: {}", report(&o)));
                }
                let left = leftovers(lab);
                if !left.is_empty() {
                    bad.push(format!("{ctx}: `down` left {left:?} behind: {}", report(&o)));
                }
                if p.max_rss_kib > MEMORY_BOUND_KIB {
                    bad.push(format!("{ctx}: `down` used {} MiB (an unbounded read)", p.max_rss_kib / 1024));
                }
            }
        }
        // Whatever happened, the next round starts from nothing.
        drop(JournalReset(jpath.clone()));
        down_clean(lab, &ctx);
    }
    drop(decoys);
    assert!(bad.is_empty(), "{} findings:\n{}", bad.len(), bad.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// g. Hostile files: `validate` answers 0 or 2, never a panic, a signal or a hang. No root.

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ecsnet-rel-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch");
    d
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).expect("path");
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", p.display());
}

/// A mutant of `src`: one random damage, or several.
fn mutate(src: &[u8], rng: &mut Rng) -> (String, Vec<u8>) {
    let mut b = src.to_vec();
    let mut names = vec![];
    // Half the mutants get one damage only, so that some stay valid and reach the analysis.
    let count = if rng.below(2) == 0 { 1 } else { 2 + rng.below(3) };
    for _ in 0..count {
        let n = b.len().max(1) as u64;
        let i = rng.below(n) as usize;
        let j = (i + rng.below(200) as usize).min(b.len());
        let kind = rng.below(14);
        match kind {
            0 if !b.is_empty() => b[i] ^= 1 << rng.below(8),
            12 | 13 => {
                // A digit changed: the text stays YAML, the numbers (ports, CIDRs) go astray.
                if let Some(k) = b[i..].iter().position(|c| c.is_ascii_digit()) {
                    b[i + k] = b'0' + rng.below(10) as u8;
                }
            }
            1 => b.truncate(i),
            2 => {
                let chunk = b[i..j].to_vec();
                for _ in 0..=rng.below(50) {
                    b.splice(i..i, chunk.iter().copied());
                }
            }
            3 => {
                // A number replaced by a huge, negative or fractional one.
                let huge = *rng.pick(&[
                    "99999999999999999999999999",
                    "-1",
                    "1e400",
                    "4294967296",
                    "0x7fffffff",
                    "-0",
                    ".nan",
                    "65536",
                ]);
                if let Some(k) = b[i..].iter().position(|c| c.is_ascii_digit()) {
                    let s = i + k;
                    let e = s + b[s..].iter().take_while(|c| c.is_ascii_digit()).count();
                    b.splice(s..e, huge.bytes());
                }
            }
            4 => {
                let depth = 1 + rng.below(20_000) as usize;
                let open = *rng.pick(&["[", "{a: ", "- "]);
                let nest = open.repeat(depth);
                b.splice(i..i, nest.bytes());
            }
            5 => b.insert(i.min(b.len()), 0),
            6 => b
                .splice(
                    i.min(b.len())..i.min(b.len()),
                    rng.pick(&[&b"\xff\xfe"[..], b"\xc3\x28", b"\xed\xa0\x80", b"\xef\xbb\xbf"]).iter().copied(),
                )
                .for_each(drop),
            7 => b.splice(i.min(b.len())..i.min(b.len()), b"\t \r\n:&*!|>%@`".iter().copied()).for_each(drop),
            8 => {
                let a = b"x: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
                let mut bomb = a.to_vec();
                for k in 0..9u8 {
                    bomb.extend(format!("x{k}: &a{k} [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n").bytes());
                }
                b.splice(0..0, bomb);
            }
            9 => b = b.repeat(1 + rng.below(30) as usize),
            10 => b.splice(i..j, std::iter::repeat_n(b'a', 1 << rng.below(21))).for_each(drop),
            _ => b.splice(i..i, b"\n  - file: /dev/zero\n  - file: .\n".iter().copied()).for_each(drop),
        }
        names.push(kind.to_string());
    }
    (names.join("+"), b)
}

#[test]
fn hostile_files_never_crash_or_hang_validate() {
    let mut rng = Rng::new(7);
    let seed = seed();
    let d = scratch("hostile");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = vec![];
    for dir in ["scenarios", "tests/broken"] {
        let mut v: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .expect("seeds")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        v.sort();
        seeds.extend(v);
    }
    let mut peak = 0;
    let mut check = |path: &Path, ctx: &str| {
        let mut validate = ecsnet_cmd(&["validate", path_str(path)]);
        limit_memory(&mut validate);
        let mut p = start(validate, ctx, Pipes::Captured);
        let o = p.wait_within(Duration::from_secs(10));
        assert_no_crash(&o, None, ctx);
        assert!(matches!(o.status.code(), Some(0 | 2)), "{ctx}: {}", report(&o));
        assert!(p.max_rss_kib <= MEMORY_BOUND_KIB, "{ctx}: used {} MiB", p.max_rss_kib / 1024);
        peak = peak.max(p.max_rss_kib);
        o
    };
    // Files no parser should wait on or read to the end.
    mkfifo(&d.join("fifo.yaml"));
    std::os::unix::fs::symlink("/dev/zero", d.join("zero.yaml")).expect("symlink");
    std::fs::create_dir(d.join("dir.yaml")).expect("dir");
    std::fs::write(d.join("empty.yaml"), "").expect("empty");
    mkfifo(&d.join("td.json"));
    let base = std::fs::read_to_string(root.join("scenarios/01-bridge-vs-awsvpc.yaml")).expect("seed");
    for (name, target) in
        [("ref-fifo", "td.json"), ("ref-zero", "zero.yaml"), ("ref-dir", "dir.yaml"), ("ref-self", "ref-self.yaml")]
    {
        let t = base.replacen("taskDefinitions:\n", &format!("taskDefinitions:\n  - file: {target}\n"), 1);
        std::fs::write(d.join(format!("{name}.yaml")), t).expect("write");
    }
    for f in ["fifo", "zero", "dir", "empty", "ref-fifo", "ref-zero", "ref-dir", "ref-self"] {
        let p = d.join(format!("{f}.yaml"));
        check(&p, &format!("{}", p.display()));
    }
    // Random mutants of every scenario and broken file.
    let n = rounds() * 25;
    let (mut valid, mut invalid) = (0, 0);
    for k in 0..n {
        let src = rng.pick(&seeds).clone();
        let (how, bytes) = mutate(&std::fs::read(&src).expect("seed"), &mut rng);
        let p = d.join(format!("m{k}.yaml"));
        std::fs::write(&p, &bytes).expect("mutant");
        let ctx = format!("mutant {k} of {} by {how} (seed {seed:#x}; kept at {})", src.display(), p.display());
        let o = check(&p, &ctx);
        if o.status.success() {
            valid += 1;
            // What validates must also draw.
            let g = start(ecsnet_cmd(&["graph", path_str(&p), "--format", "dot"]), &ctx, Pipes::Captured)
                .wait_within(Duration::from_secs(10));
            assert_no_crash(&g, None, &format!("{ctx}: graph"));
        } else {
            invalid += 1;
        }
        // Passed: no need to keep it for a post-mortem.
        let _ = std::fs::remove_file(&p);
    }
    eprintln!("hostile files: {valid} mutants valid, {invalid} refused, peak {} MiB", peak / 1024);
    let _ = std::fs::remove_dir_all(&d);
}

// ---------------------------------------------------------------------------------------------
// h. Verdict stability: the same lab checked again and again gives the same verdicts.

fn verdicts(o: &Output) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", report(o)));
    let v = if v.is_array() { v[0].clone() } else { v };
    v["verdicts"]
        .as_array()
        .unwrap_or_else(|| panic!("no verdicts: {}", report(o)))
        .iter()
        .map(|x| {
            // Timings vary by nature; everything else is the verdict.
            serde_json::json!([x["title"], x["pass"], x["outcome"], x["reason"], x["served_by"], x["source_seen"]])
        })
        .collect()
}

#[test]
fn repeated_checks_give_the_same_verdicts() {
    need_root!();
    let lab = "r-verdict";
    let _g = LabGuard(lab.into());
    let file = scenario_copy("scenarios/12-security-groups.yaml", lab);
    up_ok(path_str(&file), "verdicts");
    let m = env_num("ECSNET_RELIABILITY_CHECKS", 10).max(2);
    let first = run(&["check", lab, "--json"]);
    let want = verdicts(&first);
    assert!(!want.is_empty(), "{}", report(&first));
    let failing: Vec<_> = want.iter().filter(|v| v[1] != true).collect();
    assert!(failing.is_empty() && first.status.success(), "check 1 failed: {failing:?}\n{}", report(&first));
    for k in 2..=m {
        let o = run(&["check", lab, "--json"]);
        let got = verdicts(&o);
        let flips: Vec<String> =
            want.iter().zip(&got).filter(|(a, b)| a != b).map(|(a, b)| format!("  was {a}\n  now {b}")).collect();
        assert!(
            got.len() == want.len() && flips.is_empty(),
            "check {k} of {m} differs from check 1:\n{}",
            flips.join("\n")
        );
        assert!(o.status.success(), "check {k} of {m}: {}", report(&o));
    }
}
