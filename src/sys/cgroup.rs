//! cgroup v2 directories: created for a process to join, removed (with anything still in them
//! killed) when their owner goes. Found through /proc/self/mountinfo, so a unified hierarchy
//! (/sys/fs/cgroup) and a hybrid one (/sys/fs/cgroup/unified) both work.

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where the cgroup v2 hierarchy is mounted, if anywhere.
pub fn v2_root() -> Option<PathBuf> {
    let info = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    info.lines().find_map(cgroup2_mount_point)
}

/// The mount point of a mountinfo line when it mounts cgroup2 from its root.
fn cgroup2_mount_point(line: &str) -> Option<PathBuf> {
    let (mount, fs) = line.split_once(" - ")?;
    if fs.split_whitespace().next() != Some("cgroup2") {
        return None;
    }
    let fields: Vec<&str> = mount.split_whitespace().collect();
    match (fields.get(3), fields.get(4)) {
        (Some(&"/"), Some(point)) => Some(PathBuf::from(point)),
        _ => None,
    }
}

/// The cgroup at `parts` under the v2 root, created with its parents; an error when this
/// machine has no cgroup v2 or does not let us write to it.
pub fn create(parts: &[&str]) -> io::Result<PathBuf> {
    let root = v2_root().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no cgroup v2 hierarchy mounted"))?;
    let dir = parts.iter().fold(root, |d, p| d.join(p));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Remove the cgroup at `parts` and every cgroup below it, deepest first, killing what still
/// runs in them. Returns how many were removed; nothing to do is `Ok(0)`.
pub fn remove_tree(parts: &[&str]) -> io::Result<usize> {
    let Some(root) = v2_root() else { return Ok(0) };
    let top = parts.iter().fold(root, |d, p| d.join(p));
    if !top.is_dir() {
        return Ok(0);
    }
    let mut dirs = vec![];
    collect(&top, &mut dirs);
    let mut removed = 0;
    for d in dirs.iter().rev() {
        empty(d);
        std::fs::remove_dir(d).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", d.display())))?;
        removed += 1;
    }
    Ok(removed)
}

/// `dir` and the cgroups below it, parents before children.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    out.push(dir.to_path_buf());
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            collect(&e.path(), out);
        }
    }
}

/// Kill what is left in a cgroup (cgroup.kill, Linux 5.14) and wait a little for it to empty.
fn empty(dir: &Path) {
    let populated = || std::fs::read_to_string(dir.join("cgroup.events")).is_ok_and(|s| s.contains("populated 1"));
    if !populated() {
        return;
    }
    let _ = std::fs::write(dir.join("cgroup.kill"), "1");
    let deadline = Instant::now() + Duration::from_secs(2);
    while populated() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_cgroup2_mount_of_a_unified_or_hybrid_hierarchy() {
        let unified = "30 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate";
        assert_eq!(cgroup2_mount_point(unified), Some(PathBuf::from("/sys/fs/cgroup")));
        let hybrid = "41 30 0:35 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw";
        assert_eq!(cgroup2_mount_point(hybrid), Some(PathBuf::from("/sys/fs/cgroup/unified")));
        let v1 = "42 30 0:36 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu";
        assert_eq!(cgroup2_mount_point(v1), None);
        let nested = "43 30 0:26 /user.slice /sys/fs/cgroup rw - cgroup2 cgroup2 rw";
        assert_eq!(cgroup2_mount_point(nested), None);
    }
}
