//! Shared helpers for the integration tests: root check, a unique lab per test, a guard that
//! always tears the lab down, and a snapshot of the root namespace.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod sdk;

pub fn is_root() -> bool {
    nix::unistd::Uid::effective().is_root()
}

/// Skip (loudly, never silently passing) when not root or when `nft` is missing.
#[macro_export]
macro_rules! need_root {
    () => {
        if !common::is_root() {
            eprintln!("skipped: needs root");
            return;
        }
    };
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_ecsnet")
}

/// Give the signals a test sends their default action in the child, whatever this test process
/// inherited: ecsnet keeps a signal ignored when it starts (`nohup`, a job a script started in
/// the background has SIGINT ignored), so a test must not depend on how it was launched.
pub fn default_signals(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: signal(2) is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            for s in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
                libc::signal(s, libc::SIG_DFL);
            }
            Ok(())
        })
    }
}

pub fn ecsnet(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().expect("run ecsnet")
}

pub fn sh(cmd: &str) -> String {
    let o = Command::new("sh").arg("-c").arg(cmd).output().expect("sh");
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A copy of a scenario with its lab name replaced, so tests run in parallel.
pub fn scenario_copy(src: &str, lab: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(src)).expect("scenario");
    let dir = std::env::temp_dir().join(format!("ecsnet-test-{lab}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("name:") {
            out.push_str(&format!("name: {lab}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    let p = dir.join(Path::new(src).file_name().unwrap());
    std::fs::write(&p, out).unwrap();
    p
}

/// A variant of scenario `src` as lab `lab`: its `name:` replaced, then each `(from, to)` of
/// `edits` in turn; an edit whose `from` is not in the file fails the test (the variant would
/// silently be the original).
pub fn scenario_with(src: &str, lab: &str, edits: &[(&str, &str)]) -> PathBuf {
    let copy = scenario_copy(src, lab);
    let mut text = std::fs::read_to_string(&copy).expect("scenario copy");
    for (from, to) in edits {
        assert!(text.contains(from), "{src}: `{from}` not found");
        text = text.replace(from, to);
    }
    write_scenario(lab, &text)
}

pub fn write_scenario(lab: &str, body: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ecsnet-test-{lab}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{lab}.yaml"));
    std::fs::write(&p, body).unwrap();
    p
}

/// Tears the lab down when dropped, whatever happened in the test.
pub struct LabGuard(pub String);

impl Drop for LabGuard {
    fn drop(&mut self) {
        let _ = Command::new(bin()).args(["down", &self.0]).output();
        let dir = std::env::temp_dir().join(format!("ecsnet-test-{}-{}", self.0, std::process::id()));
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Everything of the root namespace that a lab must not change.
pub fn root_snapshot() -> String {
    let mut s = String::new();
    for c in [
        "ip -j link show",
        "ip -j addr show",
        "ip -j route show table all",
        "ip -j rule show",
        "nft -j list ruleset",
        "sysctl net.ipv4.ip_forward net.ipv4.conf.all.route_localnet net.ipv4.conf.all.proxy_arp net.ipv4.conf.all.rp_filter net.ipv6.conf.all.disable_ipv6 net.ipv4.neigh.default.proxy_delay",
    ] {
        s.push_str(c);
        s.push('\n');
        s.push_str(&sh(c));
    }
    s
}

/// What of lab `lab` remains on the machine: namespaces, state, marked processes.
pub fn leftovers(lab: &str) -> Vec<String> {
    let mut v = vec![];
    let prefix = format!("ecsnet.{lab}.");
    if let Ok(rd) = std::fs::read_dir("/run/netns") {
        for e in rd.flatten() {
            let n = e.file_name().to_string_lossy().to_string();
            if n.starts_with(&prefix) {
                v.push(format!("netns {n}"));
            }
        }
    }
    if Path::new("/run/ecsnet").join(lab).exists() {
        v.push(format!("/run/ecsnet/{lab}"));
    }
    if let Ok(rd) = std::fs::read_dir("/proc") {
        for e in rd.flatten() {
            let env = std::fs::read(e.path().join("environ")).unwrap_or_default();
            let mark = format!("ECSNET_LAB={lab}");
            if env.split(|b| *b == 0).any(|x| x == mark.as_bytes()) {
                v.push(format!("process {}", e.file_name().to_string_lossy()));
            }
        }
    }
    v
}

/// The model a running lab wrote at `up` (`/run/ecsnet/LAB/lab.json`).
pub fn lab_json(lab: &str) -> serde_json::Value {
    let p = format!("/run/ecsnet/{lab}/lab.json");
    serde_json::from_slice(&std::fs::read(&p).expect("lab.json")).expect("json")
}

/// Brings up a copy of scenario `src` as `lab` (after downing any leftover), downed when the
/// returned guard drops.
pub fn up_copy(src: &str, lab: &str) -> LabGuard {
    let file = scenario_copy(src, lab);
    let _ = ecsnet(&["down", lab]);
    let g = LabGuard(lab.to_string());
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "up: {}", text(&o));
    g
}
