//! Processes a lab runs: the pause holder of each awsvpc task, the lab's agent (responders and
//! task metadata endpoints), and `x-ecsnet.command` programs. They outlive the CLI, so they are
//! spawned in their own process group with no controlling terminal, marked with ECSNET_LAB in
//! their environment (found again even if the journal was lost), and recorded with their start
//! time so a reused PID is never killed.

use crate::dataplane::kernel::{ApplyError, fail};
use crate::dataplane::sandbox::{LAB_MARK, Sandbox};
use crate::dataplane::state::{ProcRecord, load_lab_at, open_append};
use crate::model::docker::containers;
use crate::plan::process::{Process, ProcessKind};
use crate::sys::proc::proc_start_time;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::io::{self, BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The environment variable that marks a process as belonging to a lab.
pub const MARK: &str = LAB_MARK;

/// How long `up` waits for the agent to bind every listener.
const AGENT_READY: Duration = Duration::from_secs(60);

/// Start one process of the plan. The pause holders and the agent are started from a blocking
/// thread (the agent is waited for until it is ready).
pub async fn spawn(lab: &str, state_dir: &Path, p: &Process) -> Result<ProcRecord, ApplyError> {
    let (lab, role) = (lab.to_string(), p.role.clone());
    match &p.kind {
        ProcessKind::Pause { ns } => {
            let object = format!("{role} in {ns}");
            let ns = ns.clone();
            tokio::task::spawn_blocking(move || spawn_pause(&lab, &ns, role))
                .await
                .map_err(|e| fail(object.clone(), e))?
                .map_err(|e| fail(object, e))
        }
        ProcessKind::Agent => {
            // The agent reads the lab's model from the state directory and serves what it says.
            let (dir, log) = (state_dir.to_path_buf(), state_dir.join("agent.log"));
            let object = "agent (responders)";
            tokio::task::spawn_blocking(move || spawn_agent(&lab, &dir, &log, AGENT_READY))
                .await
                .map_err(|e| fail(object, e))?
                .map_err(|e| fail(object, e))
        }
        ProcessKind::Command { argv, log, .. } => spawn_command(&lab, state_dir, argv, &state_dir.join(log), role)
            .map_err(|e| fail(format!("{}: {}", p.role, argv.join(" ")), e)),
    }
}

/// Pause holders per exec (`spawn_pause_batch`), and batches started at once (one per CPU of
/// a small machine: the forks are CPU work).
const PAUSE_BATCH: usize = 64;
const PAUSE_BATCHES_AT_ONCE: usize = 2;

/// Start pause holders in batches; each batch's holders are pushed to `started` once it has
/// reported them all (a batch that fails kills itself, above). The first error is returned.
pub async fn spawn_pauses(lab: &str, pauses: &[&Process], started: &mut Vec<ProcRecord>) -> Result<(), ApplyError> {
    use futures::stream::{self, StreamExt};
    let batches: Vec<Vec<(String, String)>> = pauses
        .chunks(PAUSE_BATCH)
        .map(|c| {
            c.iter()
                .filter_map(|p| match &p.kind {
                    ProcessKind::Pause { ns } => Some((ns.clone(), p.role.clone())),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let lab = lab.to_string();
    let results: Vec<io::Result<Vec<ProcRecord>>> =
        stream::iter(batches)
            .map(|b| {
                let lab = lab.clone();
                async move {
                    tokio::task::spawn_blocking(move || spawn_pause_batch(&lab, &b)).await.map_err(io::Error::other)?
                }
            })
            .buffered(PAUSE_BATCHES_AT_ONCE)
            .collect()
            .await;
    let mut first_err = None;
    for r in results {
        match r {
            Ok(v) => started.extend(v),
            Err(e) => {
                first_err.get_or_insert(fail("pause holders", e));
            }
        }
    }
    first_err.map_or(Ok(()), Err)
}

fn self_exe() -> io::Result<std::path::PathBuf> {
    std::fs::read_link("/proc/self/exe")
}

fn record(pid: u32, role: String) -> ProcRecord {
    let pid = pid as i32;
    ProcRecord { pid, start_time: proc_start_time(pid).unwrap_or(0), role }
}

fn base(cmd: &mut Command, lab: &str, log: Option<&Path>) -> io::Result<()> {
    cmd.env(MARK, lab).stdin(Stdio::null()).process_group(0).current_dir("/");
    match log {
        Some(p) => {
            let f = open_append(p)?;
            cmd.stderr(f);
        }
        None => {
            cmd.stderr(Stdio::null());
        }
    }
    Ok(())
}

/// Start a pause holder inside namespace `ns` (a batch of one).
pub fn spawn_pause(lab: &str, ns: &str, role: String) -> io::Result<ProcRecord> {
    let mut v = spawn_pause_batch(lab, &[(ns.to_string(), role)])?;
    v.pop().ok_or_else(|| io::Error::other("pause holder not started"))
}

/// Start the pause holders of a batch, `(namespace, role)` each, as one exec whose process
/// forks the others (`services::holder::pause_main`), and record every one. If the batch does
/// not report all its PIDs, its whole process group is killed: nothing of it is left unjournalled.
pub fn spawn_pause_batch(lab: &str, batch: &[(String, String)]) -> io::Result<Vec<ProcRecord>> {
    let Some(((_, first_role), rest)) = batch.split_first() else { return Ok(vec![]) };
    let mut cmd = Command::new(self_exe()?);
    cmd.arg("__pause").args(batch.iter().map(|(ns, _)| crate::sys::netns::path(ns))).stdout(Stdio::piped());
    cmd.arg0("/pause");
    base(&mut cmd, lab, None)?;
    let mut child = cmd.spawn()?;
    let leader = child.id() as i32;
    let stdout = child.stdout.take().ok_or_else(|| io::Error::other("pause holder has no stdout"))?;
    let pids: Vec<i32> =
        BufReader::new(stdout).lines().map_while(Result::ok).filter_map(|l| l.trim().parse().ok()).collect();
    if pids.len() != rest.len() {
        // The leader's process group is the batch (each forked holder keeps it).
        let _ = kill(Pid::from_raw(-leader), Signal::SIGKILL);
        let _ = child.wait();
        return Err(io::Error::other(format!("pause holders: {} of {} started", pids.len(), rest.len())));
    }
    let mut out = vec![record(child.id(), first_role.clone())];
    out.extend(pids.into_iter().zip(rest).map(|(pid, (_, role))| record(pid as u32, role.clone())));
    Ok(out)
}

/// Start the lab's agent and wait until it reports `ready` (all listeners bound).
pub fn spawn_agent(lab: &str, config: &Path, log: &Path, timeout: Duration) -> io::Result<ProcRecord> {
    let mut cmd = Command::new(self_exe()?);
    cmd.arg("__agent").arg(config).stdout(Stdio::piped());
    base(&mut cmd, lab, Some(log))?;
    let mut child = cmd.spawn()?;
    let rec = record(child.id(), "agent".into());
    let stdout = child.stdout.take().ok_or_else(|| io::Error::other("agent has no stdout"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    // A refused thread (pids limit) is an error like any other, never a panic.
    let reader = std::thread::Builder::new().name("agent ready".into()).spawn(move || {
        let mut line = String::new();
        let r = BufReader::new(stdout).read_line(&mut line).map(|_| line);
        let _ = tx.send(r);
    });
    if let Err(e) = reader {
        let _ = child.kill();
        let _ = child.wait();
        return Err(io::Error::new(e.kind(), format!("cannot start a thread to wait for the agent: {e}")));
    }
    match rx.recv_timeout(timeout) {
        Ok(Ok(line)) if line.trim() == "ready" => Ok(rec),
        Ok(Ok(line)) => {
            let _ = child.kill();
            let _ = child.wait();
            let msg = if line.trim().is_empty() {
                "agent exited before it was ready".to_string()
            } else {
                line.trim().to_string()
            };
            Err(io::Error::other(format!("{msg} (log: {})", log.display())))
        }
        Ok(Err(e)) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(e)
        }
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(io::Error::new(io::ErrorKind::TimedOut, "agent not ready in time"))
        }
    }
}

/// Start a container's own program as Docker starts a container's process: in the container's
/// sandbox (namespaces, hostname, /etc files, cgroup) with the environment ECS gives it. The
/// container is the one of the lab's model (saved in `state_dir`) that `role` names.
pub fn spawn_command(lab: &str, state_dir: &Path, argv: &[String], log: &Path, role: String) -> io::Result<ProcRecord> {
    let model = load_lab_at(state_dir)?;
    let ctr = containers(&model)
        .into_iter()
        .find(|c| c.role() == role)
        .ok_or_else(|| io::Error::other(format!("no container plays `{role}` in the lab's model")))?;
    let mut cmd = Sandbox::container(state_dir, &ctr, false).command(lab, argv)?;
    base(&mut cmd, lab, Some(log))?;
    let logf = open_append(log)?;
    cmd.stdout(logf);
    let child = cmd.spawn()?;
    Ok(record(child.id(), role))
}

/// True when `rec` still names the same process and it has not exited (a zombie waiting to be
/// reaped is dead: `ps` must not show it as up).
pub fn alive(rec: &ProcRecord) -> bool {
    crate::sys::proc::same_live(rec.pid, rec.start_time)
}

/// How long a stopped process gets to exit after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_millis(1500);

/// SIGTERM, a short grace period, then SIGKILL; returns how many were running. Never signals
/// a PID whose start time changed: each process is held by a pidfd taken before its start
/// time is checked, and signalled and waited for through it (one poll for all of them; at
/// 500 processes, re-reading /proc every few ms took more time than the exits). A process no
/// pidfd can be had for (an old kernel, no descriptor left) is stopped by PID as before.
pub fn stop(recs: &[ProcRecord]) -> usize {
    use crate::sys::proc::{PidFd, wait_exited};
    let _ = crate::sys::limits::raise_nofile_limit();
    let (mut held, mut by_pid) = (vec![], vec![]);
    for r in recs.iter().filter(|r| r.pid > 1) {
        match PidFd::open(r.pid, r.start_time) {
            Ok(Some(h)) => held.push(h),
            Ok(None) => {}
            Err(_) => by_pid.push(r),
        }
    }
    held.retain(|h| h.signal(Signal::SIGTERM).is_ok());
    let running = held.len() + stop_by_pid(&by_pid);
    let deadline = Instant::now() + GRACE;
    let left = wait_exited(&held, deadline);
    if !left.is_empty() {
        let killed: Vec<PidFd> =
            held.into_iter().enumerate().filter(|(i, _)| left.contains(i)).map(|(_, h)| h).collect();
        for h in &killed {
            let _ = h.signal(Signal::SIGKILL);
        }
        // SIGKILL is not refused: a short wait lets the cgroup that follows find it empty.
        wait_exited(&killed, Instant::now() + Duration::from_millis(500));
    }
    reap();
    running
}

/// `stop` by PID, re-checking each start time before signalling; returns how many were running.
fn stop_by_pid(recs: &[&ProcRecord]) -> usize {
    let live: Vec<&&ProcRecord> = recs.iter().filter(|r| alive(r)).collect();
    for r in &live {
        let _ = kill(Pid::from_raw(r.pid), Signal::SIGTERM);
    }
    let deadline = Instant::now() + GRACE;
    loop {
        reap();
        let left: Vec<&&&ProcRecord> = live.iter().filter(|r| alive(r)).collect();
        if left.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            for r in left {
                let _ = kill(Pid::from_raw(r.pid), Signal::SIGKILL);
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    live.len()
}

/// Collect exited children of this process (when `up` itself started them).
fn reap() {
    use nix::sys::wait::{WaitPidFlag, waitpid};
    while let Ok(s) = waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
        if matches!(s, nix::sys::wait::WaitStatus::StillAlive) {
            break;
        }
    }
}

/// Processes whose environment carries `ECSNET_LAB=<lab>` (or any lab when `lab` is None).
pub fn marked(lab: Option<&str>) -> Vec<(ProcRecord, String)> {
    let mut out = vec![];
    for pid in other_processes() {
        let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else { continue };
        for var in env.split(|b| *b == 0) {
            if let Some(v) = var.strip_prefix(format!("{MARK}=").as_bytes()) {
                let v = String::from_utf8_lossy(v).to_string();
                if lab.is_none_or(|l| l == v) {
                    out.push((
                        ProcRecord { pid, start_time: proc_start_time(pid).unwrap_or(0), role: "marked".into() },
                        v,
                    ));
                }
            }
        }
    }
    out
}

/// Every process /proc lists but PID 1 and this one.
fn other_processes() -> Vec<i32> {
    let me = std::process::id() as i32;
    let Ok(rd) = std::fs::read_dir("/proc") else { return vec![] };
    rd.filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()))
        .filter(|pid| *pid > 1 && *pid != me)
        .collect()
}

/// Every process of lab `lab` in one pass over /proc: those carrying its mark ([`marked`])
/// and those inside it ([`inside`]). `down` at 1,000 tasks spent 60 ms on the two passes.
pub fn of_lab(lab: &str) -> Vec<ProcRecord> {
    let nss = lab_netns_ids(lab);
    let mark = format!("{MARK}={lab}");
    let mut out = vec![];
    for pid in other_processes() {
        let marked = std::fs::read(format!("/proc/{pid}/environ"))
            .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == mark.as_bytes()));
        let role = if marked {
            "marked"
        } else if in_netns(&nss, pid) || in_lab_cgroup(lab, pid) {
            "inside"
        } else {
            continue;
        };
        let Some(start_time) = proc_start_time(pid) else { continue };
        out.push(ProcRecord { pid, start_time, role: role.into() });
    }
    out
}

/// The lab's named network namespaces, as (device, inode) of their nsfs files.
fn lab_netns_ids(lab: &str) -> std::collections::HashSet<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    crate::sys::netns::list(&crate::model::ids::ns_prefix(lab))
        .iter()
        .filter_map(|n| std::fs::metadata(crate::sys::netns::path(n)).ok())
        .map(|m| (m.dev(), m.ino()))
        .collect()
}

/// True when `pid`'s network namespace is one of `nss`.
fn in_netns(nss: &std::collections::HashSet<(u64, u64)>, pid: i32) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/proc/{pid}/ns/net")).is_ok_and(|m| nss.contains(&(m.dev(), m.ino())))
}

/// Every process inside lab `lab`, however it was started and whatever it did to its
/// environment: in one of the lab's network namespaces, or in the lab's cgroup
/// (`ecsnet.slice/LAB`, where every container program and `ecsnet exec` session starts).
/// `down` stops them all, as Docker stops a container's `exec` processes with it.
pub fn inside(lab: &str) -> Vec<ProcRecord> {
    let nss = lab_netns_ids(lab);
    let mut out = vec![];
    for pid in other_processes() {
        if in_netns(&nss, pid) || in_lab_cgroup(lab, pid) {
            let Some(start_time) = proc_start_time(pid) else { continue };
            out.push(ProcRecord { pid, start_time, role: "inside".into() });
        }
    }
    out
}

/// True when `rec` is still the process the lab started: the start time it was recorded with
/// (field 22 of /proc/PID/stat, never 0: a reused PID differs), and one proof that it is the
/// lab's: its network namespace is one of the lab's named namespaces (only the lab's processes
/// and `ecsnet exec` sessions into it live there), it is in the lab's cgroup
/// (`ecsnet.slice/LAB`), or it is ecsnet's own pause holder or agent for this lab (`__pause
/// /run/netns/ecsnet.LAB.*`, `__agent STATE_DIR`). An unrelated process fails the start time
/// or every proof, so a tampered journal cannot make `down` signal it.
pub fn owned(lab: &str, state_dir: &Path, rec: &ProcRecord) -> bool {
    rec.pid > 1
        && rec.start_time != 0
        && proc_start_time(rec.pid) == Some(rec.start_time)
        // Cheapest proof first: the namespace proof stats every namespace of the lab, which for
        // each of a large lab's holders made `down` quadratic (400,000 stats at 1,000 tasks).
        && (ecsnet_own(lab, state_dir, rec.pid) || in_lab_cgroup(lab, rec.pid) || in_lab_netns(lab, rec.pid))
}

fn in_lab_netns(lab: &str, pid: i32) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(m) = std::fs::metadata(format!("/proc/{pid}/ns/net")) else { return false };
    crate::sys::netns::list(&crate::model::ids::ns_prefix(lab))
        .iter()
        .any(|n| std::fs::metadata(crate::sys::netns::path(n)).is_ok_and(|x| x.dev() == m.dev() && x.ino() == m.ino()))
}

fn in_lab_cgroup(lab: &str, pid: i32) -> bool {
    let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/cgroup")) else { return false };
    s.lines().filter_map(|l| l.strip_prefix("0::")).any(|path| {
        let parts: Vec<&str> = path.split('/').collect();
        parts.windows(2).any(|w| w[0] == crate::dataplane::sandbox::CGROUP_SLICE && w[1] == lab)
    })
}

fn ecsnet_own(lab: &str, state_dir: &Path, pid: i32) -> bool {
    let Ok(c) = std::fs::read(format!("/proc/{pid}/cmdline")) else { return false };
    let argv: Vec<String> = c.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).to_string()).collect();
    match argv.as_slice() {
        [_, verb, ns, ..] if verb == "__pause" => ns
            .strip_prefix(&format!("{}/", crate::sys::netns::NETNS_DIR))
            .is_some_and(|n| crate::model::ids::is_lab_ns(lab, n)),
        [_, verb, dir, ..] if verb == "__agent" => Path::new(dir) == state_dir,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_pass_finds_a_process_by_its_lab_mark() {
        // (Not `stop`: it reaps any child of the test process, other tests' included.)
        let lab = format!("markt{}", std::process::id());
        let mut child = std::process::Command::new("sleep").arg("30").env(super::MARK, &lab).spawn().expect("sleep");
        // Until the child has exec'd, /proc shows the test's own environment.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut found = super::of_lab(&lab);
        while found.is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
            found = super::of_lab(&lab);
        }
        let other = super::of_lab(&format!("{lab}x"));
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(
            found.iter().map(|r| (r.pid, r.role.as_str())).collect::<Vec<_>>(),
            vec![(child.id() as i32, "marked")]
        );
        assert!(found[0].start_time > 0);
        assert!(other.is_empty(), "another lab's mark: {other:?}");
    }
}
