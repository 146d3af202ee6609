//! Bounds (issue 13): no read blocks on a special file, `never:` expansion and probe timeouts
//! are capped with located errors, the graph of a large lab renders quickly. No root needed:
//! everything here runs `ecsnet validate` / `graph` on files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn ecsnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecsnet")).args(args).output().expect("run ecsnet")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ecsnet-bounds-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", p.display());
}

/// Runs `args` and fails the test if it takes more than 20 s (a blocking open would hang).
fn ecsnet_quick(args: &[&str]) -> Output {
    let t = Instant::now();
    let out = ecsnet(args);
    assert!(t.elapsed() < Duration::from_secs(20), "{args:?} took {:?}", t.elapsed());
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/01-bridge-vs-awsvpc.yaml");

#[test]
fn a_fifo_as_scenario_is_refused_not_waited_on() {
    let d = scratch("fifo-scenario");
    let f = d.join("lab.yaml");
    mkfifo(&f);
    let out = ecsnet_quick(&["validate", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("not a regular file (a FIFO)"), "{}", stderr(&out));
    let out = ecsnet_quick(&["graph", f.to_str().unwrap(), "--format", "dot"]);
    assert!(stderr(&out).contains("not a regular file (a FIFO)"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_fifo_as_file_reference_is_refused_with_its_location() {
    let d = scratch("fifo-ref");
    mkfifo(&d.join("td.json"));
    let text = std::fs::read_to_string(SEED).unwrap();
    // The seed's first inline task definition becomes a `file:` reference to the FIFO.
    let text = text.replacen("taskDefinitions:\n", "taskDefinitions:\n  - file: td.json\n", 1);
    let f = d.join("lab.yaml");
    std::fs::write(&f, text).unwrap();
    let out = ecsnet_quick(&["validate", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("td.json`: not a regular file (a FIFO)"), "{err}");
    assert!(err.contains("lab.yaml:"), "located at the reference: {err}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_fifo_as_results_is_refused() {
    let d = scratch("fifo-results");
    let r = d.join("results.json");
    mkfifo(&r);
    let out = ecsnet_quick(&["graph", SEED, "--format", "mermaid", "--results", r.to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("not a regular file (a FIFO)"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_directory_is_not_a_scenario() {
    let d = scratch("dir");
    let out = ecsnet_quick(&["validate", d.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a regular file (a directory)"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&d);
}

/// A lab of `instances` instances, each with one bridge task of `ports` dynamic port mappings.
fn bridge_lab(name: &str, instances: usize, ports: usize, expect: &str) -> String {
    let pm: Vec<String> = (0..ports).map(|i| format!("{{ containerPort: {} }}", 1000 + i)).collect();
    let mut y = format!(
        "version: 1\nname: {name}\nvpc:\n  cidr: 10.0.0.0/16\n  subnets: [{{ name: a, cidr: 10.0.0.0/20 }}]\ninstances:\n"
    );
    for i in 0..instances {
        y += &format!("  - {{ name: i{i}, subnet: a }}\n");
    }
    y += &format!(
        "taskDefinitions:\n  - family: many\n    networkMode: bridge\n    containerDefinitions:\n      - {{ name: app, image: x, portMappings: [{}] }}\ntasks:\n",
        pm.join(", ")
    );
    for i in 0..instances {
        y += &format!("  - {{ name: t{i}, taskDefinition: many, instance: i{i} }}\n");
    }
    y + "expect:\n" + expect
}

#[test]
fn a_never_that_expands_past_the_cap_is_refused_with_its_location_and_count() {
    let d = scratch("never");
    let f = d.join("lab.yaml");
    // 81 sources x 40 tasks x (100 ports + 100 host ports): 640,000 probes.
    let text = bridge_lab("t-bounds-never", 40, 100, "  - never: { from: \"*\", to: \"task/*\" }\n");
    let line = text.lines().count();
    std::fs::write(&f, &text).unwrap();
    let out = ecsnet_quick(&["validate", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("lab.yaml:{line}:")), "{err}");
    assert!(err.contains("expands to 640,000 probes, more than 100,000"), "{err}");
    // Narrowed, it passes.
    let text = bridge_lab("t-bounds-never", 40, 100, "  - never: { from: \"internet\", to: \"task/*\" }\n");
    std::fs::write(&f, &text).unwrap();
    let out = ecsnet_quick(&["validate", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn probe_timeouts_are_bounded_in_the_file_and_on_the_command_line() {
    let d = scratch("timeout");
    let f = d.join("lab.yaml");
    for (ms, ok) in [("0", false), ("1", true), ("60000", true), ("60001", false), ("99999999999", false)] {
        let text = bridge_lab(
            "t-bounds-timeout",
            1,
            1,
            &format!("  - {{ from: instance/i0, to: \"task/t0:1000\", reachable: true, timeoutMs: {ms} }}\n"),
        );
        std::fs::write(&f, &text).unwrap();
        let out = ecsnet_quick(&["validate", f.to_str().unwrap()]);
        let err = stderr(&out);
        if ok {
            assert_eq!(out.status.code(), Some(0), "{ms}: {err}");
        } else {
            assert_eq!(out.status.code(), Some(2), "{ms}: {err}");
            assert!(err.contains("between 1 and 60000") && err.contains("lab.yaml:"), "{ms}: {err}");
        }
    }
    // On the command line: refused before anything else (no root or lab needed).
    for ms in ["0", "60001"] {
        let out = ecsnet_quick(&["probe", "no-such-lab", "internet", "10.0.0.4:80", "--timeout-ms", ms]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("1..=60000"), "{}", stderr(&out));
    }
    let _ = std::fs::remove_dir_all(&d);
}
