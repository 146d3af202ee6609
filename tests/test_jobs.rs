//! Issue 18, item 4: `ecsnet test DIR --jobs N` and `--shard I/N` give the verdicts and the
//! exit code of a serial run, on a suite written by scripts/suite.py; every lab comes down.
//! Labs are named `su*-sNNN-SHAPE` (`--prefix`).

mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh directory holding `n` generated scenarios.
fn suite(tag: &str, n: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ecsnet-test-jobs-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/suite.py");
    let o = Command::new("python3").arg(script).arg(n.to_string()).arg(&dir).output().expect("python3");
    assert!(o.status.success(), "{}", text(&o));
    dir
}

fn test_run(dir: &Path, extra: &[&str]) -> Output {
    Command::new(bin()).arg("test").arg(dir).args(extra).output().expect("run ecsnet")
}

/// The reports of a `--json` run without what differs from run to run (the timings).
fn verdicts(o: &Output) -> Vec<Value> {
    let mut v: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)));
    for r in &mut v {
        let r = r.as_object_mut().unwrap();
        for k in ["up_ms", "probe_ms", "down_ms"] {
            r.remove(k);
        }
        for verdict in r.get_mut("verdicts").and_then(Value::as_array_mut).into_iter().flatten() {
            verdict.as_object_mut().unwrap().remove("elapsed_ms");
        }
    }
    v
}

fn file_of(r: &Value) -> String {
    r["file"].as_str().unwrap_or_default().to_string()
}

/// Nothing of a lab named `prefix-*` in /run/netns, /run/ecsnet or the process table.
fn nothing_left(prefix: &str, dir: &Path) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| format!("{prefix}-{}", e.path().file_stem().unwrap().to_string_lossy()))
        .collect();
    let left: Vec<String> = names.iter().flat_map(|n| leftovers(n)).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn jobs_and_shards_give_the_serial_verdicts_and_exit_code() {
    need_root!();
    let dir = suite("same", 6);
    let serial = test_run(&dir, &["--prefix", "sua", "--json"]);
    assert_eq!(serial.status.code(), Some(0), "{}", text(&serial));
    let want = verdicts(&serial);
    assert_eq!(want.len(), 6);
    assert!(want.iter().all(|r| r["error"].is_null() && !r["verdicts"].as_array().unwrap().is_empty()));

    // --jobs 2: the same reports, in the order of the files.
    let junit = dir.join("junit.xml");
    let jobs = test_run(&dir, &["--prefix", "sua", "--json", "--jobs", "2", "--junit", junit.to_str().unwrap()]);
    assert_eq!(jobs.status.code(), serial.status.code(), "{}", text(&jobs));
    assert_eq!(verdicts(&jobs), want);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testsuite ").count(), 6, "one testsuite per scenario: {xml}");

    // Two shards: each file in exactly one, together the serial run.
    let mut shards = vec![];
    for s in ["1/2", "2/2"] {
        let o = test_run(&dir, &["--prefix", "sua", "--json", "--jobs", "2", "--shard", s]);
        assert_eq!(o.status.code(), Some(0), "{s}: {}", text(&o));
        let part = verdicts(&o);
        assert_eq!(part.len(), 3, "{s}");
        shards.extend(part);
    }
    shards.sort_by_key(file_of);
    assert_eq!(shards, want);
    nothing_left("sua", &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failing_scenario_fails_the_parallel_run_as_it_fails_the_serial_one() {
    need_root!();
    let dir = suite("fail", 3);
    // s001's first expectation turned around: a scenario that fails.
    let f = dir.join("s001-awsvpc.yaml");
    let body = std::fs::read_to_string(&f).unwrap();
    let turned = if body.contains("reachable: true") {
        body.replacen("reachable: true, servedBy: task/server", "reachable: false", 1)
    } else {
        body.replacen("reachable: false, result: timeout", "reachable: true", 1)
    };
    std::fs::write(&f, turned).unwrap();
    let serial = test_run(&dir, &["--prefix", "sub"]);
    let jobs = test_run(&dir, &["--prefix", "sub", "--jobs", "3"]);
    assert_eq!(serial.status.code(), Some(1), "{}", text(&serial));
    assert_eq!(jobs.status.code(), Some(1), "{}", text(&jobs));
    let out = String::from_utf8_lossy(&jobs.stdout);
    assert!(out.contains("3 scenarios: 6 passed, 1 failed"), "{out}");
    nothing_left("sub", &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_scenarios_naming_one_lab_are_refused_before_anything_is_built() {
    let dir = suite("twice", 2);
    std::fs::copy(dir.join("s001-awsvpc.yaml"), dir.join("s001-copy.yaml")).unwrap();
    let o = test_run(&dir, &["--prefix", "suc", "--jobs", "2"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("both name lab suc-s001-awsvpc"), "{}", text(&o));
    nothing_left("suc", &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_shard_is_exit_2_and_an_empty_shard_passes() {
    let dir = suite("shard", 2);
    for bad in ["0/3", "4/3", "x"] {
        let o = test_run(&dir, &["--shard", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", text(&o));
        assert!(text(&o).contains(&format!("--shard `{bad}`")), "{}", text(&o));
    }
    let o = test_run(&dir, &["--shard", "3/3", "--prefix", "sud"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("shard 3/3 holds no scenario"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ctrl_c_brings_every_running_scenario_down() {
    need_root!();
    let dir = suite("int", 6);
    let child = common::default_signals(&mut Command::new(bin()))
        .arg("test")
        .arg(&dir)
        .args(["--prefix", "sue", "--jobs", "3"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once the first labs are up (their state directory is there), Ctrl-C the parent only.
    let start = std::time::Instant::now();
    while !Path::new("/run/ecsnet/sue-s001-awsvpc").exists() && start.elapsed().as_secs() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", text(&o));
    // Said once, by the parent.
    assert_eq!(text(&o).matches("ecsnet: interrupted, cleaning up").count(), 1, "{}", text(&o));
    nothing_left("sue", &dir);
    let _ = std::fs::remove_dir_all(&dir);
}
