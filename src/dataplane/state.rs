//! A lab's state on disk, under /run/ecsnet/LAB (tmpfs: gone at reboot, like the namespaces).
//! The journal is written *before* the objects it names exist, so `down` can always find them,
//! even after `up` was killed half way.
//!
//! State is root's: the root and each lab directory are 0700 and every file 0600, because it
//! holds container environments and credential URIs. Every error reading it names the file.

use crate::i18n::tr;
use crate::model::Lab;
use serde::{Deserialize, Serialize};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The scenario file as `up` read it, kept in the lab's state directory for its controller.
pub const SCENARIO_COPY: &str = "scenario.yaml";
pub const STATE_ROOT: &str = "/run/ecsnet";
/// How each task's start ended (written by the agent, read by `up`, `ps`, `inspect`, `test`).
pub const STARTS_FILE: &str = "starts.json";
/// How each instance's agent fared joining the cluster, written by the agent after `ready`.
pub const REGISTRATIONS_FILE: &str = "registrations.json";

/// Where labs keep their state: one directory per lab under a root. The root is a parameter so
/// that the lifecycle can be tested in a temporary directory; production uses [`STATE_ROOT`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    root: PathBuf,
}

/// What `up` is about to create or has started.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Journal {
    pub lab: String,
    /// Every namespace of the lab, written before the first is created.
    pub namespaces: Vec<String>,
    pub processes: Vec<ProcRecord>,
    /// Set once `up` finished; a journal without it belongs to an interrupted `up`.
    pub complete: bool,
    pub created_unix: u64,
    pub scenario_file: PathBuf,
    /// The process that ran `up` (`PID:START_TIME`): a background `down` handed a lab by that
    /// process never removes a newer lab of the same name.
    #[serde(default)]
    pub owner: String,
    /// The user who ran `up` (the one behind `sudo`: SUDO_UID), so that `down --all` removes
    /// a user's own labs and not the other workshop participants'.
    #[serde(default)]
    pub user: Option<u32>,
}

/// The user behind this run: SUDO_UID when root runs on someone's behalf, else the real uid.
pub fn invoking_user() -> u32 {
    let uid = nix::unistd::getuid().as_raw();
    match std::env::var("SUDO_UID").ok().and_then(|u| u.parse().ok()) {
        Some(u) if uid == 0 => u,
        _ => uid,
    }
}

/// This process as a journal's `owner` names it.
pub fn this_process() -> String {
    let pid = std::process::id() as i32;
    format!("{pid}:{}", crate::sys::proc::proc_start_time(pid).unwrap_or(0))
}

/// A process the lab started; `start_time` (field 22 of /proc/PID/stat) guards against PID reuse.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcRecord {
    pub pid: i32,
    pub start_time: u64,
    /// `agent`, `pause task/web`, `command task/web/app`.
    pub role: String,
}

/// How long `up` or `down` waits for another ecsnet working on the same lab: longer than any
/// `up` takes (its agent alone gets 60 s to be ready).
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Mode of every state file: root's alone.
pub const FILE_MODE: u32 = 0o600;
/// Mode of the state root and of every directory under it.
pub const DIR_MODE: u32 = 0o700;

/// Write atomically (temp file + rename), so a crash never leaves a half-written file. The file
/// is created 0600 (and made so if an older one was left with another mode). Not synced to
/// disk: state lives under /run, which a reboot empties along with the lab's namespaces, so a
/// flush would only make `up` wait on the disk (seconds at 1,000 tasks where /run is not tmpfs).
pub fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    write_private(&tmp, data)?;
    std::fs::rename(&tmp, path)
}

/// Write a file 0600 in place: for files no one reads before the writer is done (a new
/// container's /etc files, written before any process of the lab starts).
pub fn write_private(path: &Path, data: &[u8]) -> io::Result<()> {
    let mut f = std::fs::File::options().write(true).create(true).truncate(true).mode(FILE_MODE).open(path)?;
    f.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
    f.write_all(data)
}

/// Open a state file (a log) for appending, created 0600.
pub fn open_append(path: &Path) -> io::Result<std::fs::File> {
    std::fs::File::options().create(true).append(true).mode(FILE_MODE).open(path)
}

/// Create a directory and its parents 0700 (an existing one keeps its mode).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir)
}

/// An error about a state file, naming it: `/run/ecsnet/LAB/lab.json: expected value ...`.
fn named(path: &Path, e: impl std::fmt::Display, kind: io::ErrorKind) -> io::Error {
    io::Error::new(kind, format!("{}: {e}", path.display()))
}

/// The largest state file read back (a 5,000-task lab's model is far below).
const MAX_STATE_BYTES: usize = 256 * 1024 * 1024;

/// Read and parse a JSON state file; any error names the file. Read as a user's file is: never
/// blocking (a FIFO put in its place), only a regular file, at most [`MAX_STATE_BYTES`] (a
/// link to /dev/zero must not eat the machine's memory).
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> io::Result<T> {
    use crate::scenario::ReadError;
    let data = crate::scenario::read_regular(path, MAX_STATE_BYTES).map_err(|e| match e {
        ReadError::Io(e) => named(path, &e, e.kind()),
        e => named(path, e, io::ErrorKind::InvalidData),
    })?;
    serde_json::from_slice(&data).map_err(|e| named(path, e, io::ErrorKind::InvalidData))
}

impl Store {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Store { root: root.into() }
    }

    /// The machine's store, /run/ecsnet.
    pub fn system() -> Self {
        Store::new(STATE_ROOT)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn dir(&self, lab: &str) -> PathBuf {
        self.root.join(lab)
    }

    /// Claim the lab name: fails with `AlreadyExists` when a lab of that name is up (or left over).
    /// The root is made (or made again) 0700 and the lab's directory is created 0700.
    pub fn claim(&self, lab: &str) -> io::Result<PathBuf> {
        create_private_dir(&self.root)?;
        std::fs::set_permissions(&self.root, std::fs::Permissions::from_mode(DIR_MODE))?;
        let d = self.dir(lab);
        std::fs::DirBuilder::new().mode(DIR_MODE).create(&d)?;
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(DIR_MODE))?;
        Ok(d)
    }

    /// Remove a lab's state directory; `Ok(false)` when there was none.
    /// Only a real directory directly under the root named by a valid lab name is removed: never
    /// a symlink (to elsewhere) and never a path with `/` or `..`.
    pub fn remove(&self, lab: &str) -> io::Result<bool> {
        if !crate::model::ids::valid_lab_name(lab) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("`{lab}` is not a lab name")));
        }
        let d = self.dir(lab);
        let meta = match std::fs::symlink_metadata(&d) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        if !meta.is_dir() {
            return Err(io::Error::other("not a directory of ecsnet's (a symlink or a file): left alone"));
        }
        std::fs::remove_dir_all(&d)?;
        Ok(true)
    }

    pub fn lock_path(&self, lab: &str) -> PathBuf {
        self.root.join(format!("{lab}.lock"))
    }

    /// Take lab `lab`'s lock, waiting for whoever holds it, for at most [`LOCK_WAIT`] (`waiting`
    /// is called once, first, with the holder's PID, when someone holds it). Never waits on a
    /// holder that is stopped (Ctrl-Z): that would be forever; the error says how to go on.
    /// `cancel` is asked while waiting (Ctrl-C). The lab name must be valid.
    pub fn lock(&self, lab: &str, waiting: impl FnOnce(Option<i32>), cancel: &dyn Fn() -> bool) -> io::Result<LabLock> {
        use nix::fcntl::{Flock, FlockArg};
        use std::os::unix::fs::FileExt;
        if !crate::model::ids::valid_lab_name(lab) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("`{lab}` is not a lab name")));
        }
        create_private_dir(&self.root)?;
        let path = self.lock_path(lab);
        let mut waiting = Some(waiting);
        let start = std::time::Instant::now();
        loop {
            let f = std::fs::File::options()
                .read(true)
                .write(true)
                .create(true)
                .mode(FILE_MODE)
                .custom_flags(libc::O_NOFOLLOW)
                .open(&path)
                .map_err(|e| named(&path, &e, e.kind()))?;
            match Flock::lock(f, FlockArg::LockExclusiveNonblock) {
                // The holder before us may have removed the file (its lab is gone): our lock is
                // then on a file nobody else will open, so take the lock again on the current one.
                Ok(lock) if same_file(&lock, &path) => {
                    // Who holds it, for those who wait.
                    let _ = lock
                        .set_len(0)
                        .and_then(|()| lock.write_all_at(format!("{}\n", std::process::id()).as_bytes(), 0));
                    return Ok(LabLock { lock, path });
                }
                Ok(_) => continue,
                Err((_, nix::errno::Errno::EWOULDBLOCK)) => {
                    let holder = std::fs::read_to_string(&path).ok().and_then(|s| s.trim().parse::<i32>().ok());
                    let who = lock_holder(holder);
                    if let Some(p) = holder.filter(|p| crate::sys::proc::stopped(*p)) {
                        let msg = tr!(
                            "lab-busy-stopped",
                            "lab { $lab } is busy: { $who } is working on it and is stopped (Ctrl-Z?); let it finish with `kill -CONT { $pid }`, or end it with `kill { $pid }`",
                            lab = lab,
                            who = who,
                            pid = p
                        );
                        return Err(io::Error::new(io::ErrorKind::WouldBlock, msg));
                    }
                    if let Some(w) = waiting.take() {
                        w(holder);
                    }
                    if start.elapsed() > LOCK_WAIT {
                        let msg = tr!(
                            "lab-still-busy",
                            "lab { $lab } is still busy after { $seconds } s: { $who } is working on it",
                            lab = lab,
                            seconds = LOCK_WAIT.as_secs(),
                            who = who
                        );
                        return Err(io::Error::new(io::ErrorKind::TimedOut, msg));
                    }
                    if cancel() {
                        return Err(io::Error::new(
                            io::ErrorKind::Interrupted,
                            tr!("lab-lock-interrupted", "interrupted while waiting for the lab's lock"),
                        ));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err((_, e)) => return Err(named(&path, e, io::ErrorKind::Other)),
            }
        }
    }

    pub fn save_journal(&self, j: &Journal) -> io::Result<()> {
        let data = serde_json::to_vec_pretty(j).map_err(io::Error::other)?;
        write_atomic(&self.dir(&j.lab).join("journal.json"), &data)
    }

    pub fn load_journal(&self, lab: &str) -> io::Result<Journal> {
        read_json(&self.dir(lab).join("journal.json"))
    }

    pub fn save_lab(&self, lab: &Lab) -> io::Result<()> {
        let data = serde_json::to_vec(lab).map_err(io::Error::other)?;
        write_atomic(&self.dir(&lab.name).join("lab.json"), &data)
    }

    pub fn load_lab(&self, name: &str) -> io::Result<Lab> {
        let path = self.dir(name).join("lab.json");
        if !path.exists() {
            let msg = tr!("lab-not-up", "no running lab `{ $lab }` (see `ecsnet ls`)", lab = name);
            return Err(io::Error::new(io::ErrorKind::NotFound, msg));
        }
        read_json(&path)
    }

    /// Labs with a lock file (one whose `down` was killed after removing everything else
    /// still has it: `ls --orphans` shows it, `down` removes it).
    pub fn locked_labs(&self) -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(&self.root) else { return vec![] };
        rd.filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter_map(|n| n.strip_suffix(".lock").map(str::to_string))
            .filter(|n| crate::model::ids::valid_lab_name(n))
            .collect()
    }

    /// Labs with a state directory.
    pub fn labs(&self) -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(&self.root) else { return vec![] };
        let mut v: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        v.sort();
        v
    }
}

/// A lab's lock, held by `up` (with its rollback) and by `down` of that lab, so that the two
/// never interleave: a `down` waits for an `up` in progress and removes what it built; an `up`
/// never reports success on a lab emptied under it. An advisory `flock` on `ROOT/LAB.lock`
/// (beside the lab's directory, which `down` removes): the kernel releases it when its holder
/// dies, so a killed `up` never blocks anyone.
pub struct LabLock {
    lock: nix::fcntl::Flock<std::fs::File>,
    path: PathBuf,
}

impl LabLock {
    /// Release the lock and remove its file (the lab is gone). Removing it while holding it is
    /// what makes the inode check in [`Store::lock`] necessary.
    pub fn remove(self) {
        let _ = std::fs::remove_file(&self.path);
        drop(self.lock);
    }
}

fn same_file(a: &std::fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (a.metadata(), std::fs::metadata(path)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// The model saved in a lab's state directory.
pub fn load_lab_at(dir: &Path) -> io::Result<Lab> {
    read_json(&dir.join("lab.json"))
}

// The machine's store through free functions, as the CLI and the agent have always called them.

pub fn dir(lab: &str) -> PathBuf {
    Store::system().dir(lab)
}

pub fn load_journal(lab: &str) -> io::Result<Journal> {
    Store::system().load_journal(lab)
}

pub fn load_lab(name: &str) -> io::Result<Lab> {
    Store::system().load_lab(name)
}

/// Labs with a state directory.
pub fn labs() -> Vec<String> {
    Store::system().labs()
}

/// How lab `lab`'s tasks' starts ended; empty when none fetched anything (or before the
/// agent ran them).
pub fn load_starts(lab: &str) -> Vec<crate::model::pull::StartResult> {
    load_starts_at(&dir(lab))
}

/// `load_starts` of the lab whose state directory is `dir`.
pub fn load_starts_at(dir: &Path) -> Vec<crate::model::pull::StartResult> {
    std::fs::read(dir.join(STARTS_FILE)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

/// How lab `lab`'s instances joined the cluster, once the agent has tried (`None` before).
pub fn load_registrations(lab: &str) -> Option<Vec<crate::model::control_plane::Registration>> {
    std::fs::read(dir(lab).join(REGISTRATIONS_FILE)).ok().and_then(|b| serde_json::from_slice(&b).ok())
}

/// `load_registrations`, waiting up to `timeout` for the agent to finish (a blocked
/// instance takes its connect timeout).
pub fn wait_registrations(
    lab: &str,
    timeout: std::time::Duration,
) -> Option<Vec<crate::model::control_plane::Registration>> {
    let until = std::time::Instant::now() + timeout;
    loop {
        let r = load_registrations(lab);
        if r.is_some() || std::time::Instant::now() >= until {
            return r;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Who holds a lab's lock, as the messages about waiting for it name them.
/// Say that lab `lab` is busy with another ecsnet (`pid`, if known) and that this one waits.
pub fn warn_busy(lab: &str, pid: Option<i32>) {
    let who = lock_holder(pid);
    let msg = crate::i18n::tr!(
        "lab-busy-waiting",
        "lab { $lab } is busy ({ $who } is building, changing or removing it): waiting",
        lab = lab,
        who = who
    );
    tracing::warn!("{msg}")
}

pub fn lock_holder(pid: Option<i32>) -> String {
    match pid {
        Some(p) => tr!("lab-holder-process", "process { $pid }", pid = p),
        None => tr!("lab-holder-unknown", "another ecsnet"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Store::new(std::env::temp_dir().join(format!("ecsnet-lock-test-{}-{n}", std::process::id())))
    }

    #[test]
    fn a_held_lock_names_its_holder_and_is_free_again_once_removed() {
        let s = store();
        let a = s.lock("lab", |_| panic!("free: nobody to wait for"), &|| false).expect("first");
        let held = std::fs::read_to_string(s.lock_path("lab")).expect("lock file");
        assert_eq!(held.trim(), std::process::id().to_string());
        // A second open of the file is a second holder, even in this process.
        let mut told = None;
        let e = s.lock("lab", |p| told = Some(p), &|| true).err().expect("busy");
        assert_eq!(e.kind(), io::ErrorKind::Interrupted, "{e}");
        assert_eq!(told, Some(Some(std::process::id() as i32)));
        a.remove();
        assert!(!s.lock_path("lab").exists());
        let b = s.lock("lab", |_| panic!("free again"), &|| false).expect("again");
        b.remove();
        assert!(s.lock("../x", |_| {}, &|| false).is_err(), "not a lab name");
        let _ = std::fs::remove_dir_all(s.root());
    }
}
