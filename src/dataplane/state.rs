//! A lab's state on disk, under /run/ecsnet/LAB (tmpfs: gone at reboot, like the namespaces).
//! The journal is written *before* the objects it names exist, so `down` can always find them,
//! even after `up` was killed half way.

use crate::model::Lab;
use serde::{Deserialize, Serialize};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub const STATE_ROOT: &str = "/run/ecsnet";

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
}

/// A process the lab started; `start_time` (field 22 of /proc/PID/stat) guards against PID reuse.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcRecord {
    pub pid: i32,
    pub start_time: u64,
    /// `agent`, `pause task/web`, `command task/web/app`.
    pub role: String,
}

/// Write atomically (temp file + rename), so a crash never leaves a half-written file.
pub fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_data()?;
    }
    std::fs::rename(&tmp, path)
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
    pub fn claim(&self, lab: &str) -> io::Result<PathBuf> {
        std::fs::create_dir_all(&self.root)?;
        let d = self.dir(lab);
        std::fs::create_dir(&d)?;
        Ok(d)
    }

    /// Remove a lab's state directory; `Ok(false)` when there was none.
    pub fn remove(&self, lab: &str) -> io::Result<bool> {
        let d = self.dir(lab);
        if !d.exists() {
            return Ok(false);
        }
        std::fs::remove_dir_all(&d)?;
        Ok(true)
    }

    pub fn save_journal(&self, j: &Journal) -> io::Result<()> {
        let data = serde_json::to_vec_pretty(j).map_err(io::Error::other)?;
        write_atomic(&self.dir(&j.lab).join("journal.json"), &data)
    }

    pub fn load_journal(&self, lab: &str) -> io::Result<Journal> {
        let data = std::fs::read(self.dir(lab).join("journal.json"))?;
        serde_json::from_slice(&data).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    pub fn save_lab(&self, lab: &Lab) -> io::Result<()> {
        let data = serde_json::to_vec(lab).map_err(io::Error::other)?;
        write_atomic(&self.dir(&lab.name).join("lab.json"), &data)
    }

    pub fn load_lab(&self, name: &str) -> io::Result<Lab> {
        let data = std::fs::read(self.dir(name).join("lab.json")).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                io::Error::new(io::ErrorKind::NotFound, format!("no running lab `{name}` (see `ecsnet ls`)"))
            } else {
                e
            }
        })?;
        serde_json::from_slice(&data).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
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

/// The model saved in a lab's state directory.
pub fn load_lab_at(dir: &Path) -> io::Result<Lab> {
    let data = std::fs::read(dir.join("lab.json"))?;
    serde_json::from_slice(&data).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
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
