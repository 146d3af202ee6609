//! Issue 5: crash-safe teardown, signals, parallel labs, orphans found by their marks.

mod common;
use common::*;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn sigkill_during_up_at_many_points_then_down_leaves_nothing() {
    need_root!();
    let before = root_snapshot();
    // From "before anything" to "after everything": `up` of this lab takes ~50-100 ms.
    for (i, delay_ms) in [0u64, 2, 5, 10, 15, 20, 30, 45, 60, 80, 120, 200].into_iter().enumerate() {
        let lab = format!("t-kill-{i}");
        let file = scenario_copy("scenarios/01-bridge-vs-awsvpc.yaml", &lab);
        let _g = LabGuard(lab.clone());
        let mut child = Command::new(bin())
            .args(["up", file.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL: no cleanup code of ecsnet runs
        let _ = child.wait();
        let d = ecsnet(&["down", &lab]);
        assert!(d.status.success(), "{}", text(&d));
        assert_eq!(leftovers(&lab), Vec::<String>::new(), "killed after {delay_ms} ms");
    }
    assert_eq!(before, root_snapshot(), "the root namespace changed");
}

#[test]
fn ctrl_c_during_up_rolls_back_by_itself() {
    need_root!();
    for (i, delay_ms) in [3u64, 10, 25, 50].into_iter().enumerate() {
        let lab = format!("t-int-{i}");
        let file = scenario_copy("scenarios/01-bridge-vs-awsvpc.yaml", &lab);
        let _g = LabGuard(lab.clone());
        let child = common::default_signals(&mut Command::new(bin()))
            .args(["up", file.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT);
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            // The signal arrived before the handler was installed is impossible here (it is
            // installed first), but a finished `up` may have exited just before the signal.
            let _ = ecsnet(&["down", &lab]);
        } else {
            assert_ne!(out.status.code(), Some(0));
            assert_eq!(leftovers(&lab), Vec::<String>::new(), "interrupted after {delay_ms} ms, no `down` run");
        }
    }
}

#[test]
fn parallel_labs_with_overlapping_cidrs_do_not_see_each_other() {
    need_root!();
    // Three copies of the same scenario: same VPC CIDR, same addresses, same port numbers.
    let labs: Vec<String> = (0..3).map(|i| format!("t-par-{i}")).collect();
    let handles: Vec<_> = labs
        .iter()
        .map(|lab| {
            let lab = lab.clone();
            std::thread::spawn(move || {
                let file = scenario_copy("scenarios/01-bridge-vs-awsvpc.yaml", &lab);
                let _g = LabGuard(lab.clone());
                let o = ecsnet(&["test", file.to_str().unwrap()]);
                (o.status.code(), text(&o), leftovers(&lab))
            })
        })
        .collect();
    for h in handles {
        let (code, out, left) = h.join().unwrap();
        assert_eq!(code, Some(0), "{out}");
        assert!(left.is_empty(), "{left:?}");
    }
    // And while two labs with identical addresses run, each one's responders answer only
    // in its own lab.
    let a = scenario_copy("scenarios/02-awsvpc.yaml", "t-iso-a");
    let b = scenario_copy("scenarios/02-awsvpc.yaml", "t-iso-b");
    let (_ga, _gb) = (LabGuard("t-iso-a".into()), LabGuard("t-iso-b".into()));
    assert!(ecsnet(&["up", a.to_str().unwrap()]).status.success());
    assert!(ecsnet(&["up", b.to_str().unwrap()]).status.success());
    let p = ecsnet(&["probe", "t-iso-a", "task/web-1", "task/web-2:80"]);
    assert!(text(&p).contains("connected"), "{}", text(&p));
    let ident = sh(
        "ip netns exec ecsnet.t-iso-a.t.web-1 sh -c 'printf \"GET / HTTP/1.0\\r\\n\\r\\n\" | timeout 2 nc -q1 10.1.1.6 80 2>/dev/null || curl -s -m 2 http://10.1.1.6/'",
    );
    assert!(ident.contains("\"lab\":\"t-iso-a\""), "{ident}");
    assert!(!ident.contains("t-iso-b"), "{ident}");
}

#[test]
fn a_lab_whose_state_was_lost_is_found_by_its_marks() {
    need_root!();
    let lab = "t-orphan";
    let file = scenario_copy("scenarios/01-bridge-vs-awsvpc.yaml", lab);
    let _g = LabGuard(lab.into());
    assert!(ecsnet(&["up", file.to_str().unwrap()]).status.success());
    std::fs::remove_dir_all(format!("/run/ecsnet/{lab}")).unwrap();
    let ls = ecsnet(&["ls", "--orphans"]);
    assert!(text(&ls).contains(lab) && text(&ls).contains("orphan"), "{}", text(&ls));
    assert!(!leftovers(lab).is_empty());
    let d = ecsnet(&["down", lab]);
    assert!(d.status.success(), "{}", text(&d));
    assert_eq!(leftovers(lab), Vec::<String>::new());
}

#[test]
fn environment_problems_exit_3_with_the_fix() {
    // Without root (run as nobody through setpriv when we are root).
    if !is_root() {
        let o = ecsnet(&["up", "scenarios/05-none.yaml"]);
        assert_eq!(o.status.code(), Some(3), "{}", text(&o));
        assert!(text(&o).contains("sudo"));
        return;
    }
    let o = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", bin(), "up"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/05-none.yaml"))
        .output();
    if let Ok(o) = o {
        assert_eq!(o.status.code(), Some(3), "{}", text(&o));
        assert!(text(&o).contains("sudo"), "{}", text(&o));
    }
}

#[test]
fn a_stale_leftover_makes_up_fail_clearly_and_is_left_alone() {
    need_root!();
    let lab = "t-stale";
    let file = scenario_copy("scenarios/02-awsvpc.yaml", lab);
    let _g = LabGuard(lab.into());
    let before = root_snapshot();
    // A leftover of this lab, as a crash of an older version might leave it.
    let stale = format!("ecsnet.{lab}.i.ecs-1");
    assert!(Command::new("ip").args(["netns", "add", &stale]).status().unwrap().success());
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains(&stale) && text(&o).contains("ecsnet down"), "{}", text(&o));
    // Everything this `up` made is gone; the leftover it did not make is still there.
    assert_eq!(leftovers(lab), vec![format!("netns {stale}")]);
    assert_eq!(before, root_snapshot());
    assert!(ecsnet(&["down", lab]).status.success());
    assert_eq!(leftovers(lab), Vec::<String>::new());
}

/// Issue 13, item 2: a closed terminal (SIGHUP) and three quick Ctrl-Cs during `test` leave
/// nothing behind, without any `down` by the user.
#[test]
fn hangup_and_repeated_interrupts_during_test_leave_nothing() {
    need_root!();
    use nix::sys::signal::{Signal, kill};
    let slow = "version: 1\nname: LAB\nvpc:\n  cidr: 10.81.0.0/16\n  subnets: [{ name: a, cidr: 10.81.1.0/24 }]\ninstances: [{ name: i, subnet: a }]\nexpect:\n  - { from: instance/i, to: \"10.81.1.200:80\", reachable: false, timeoutMs: 8000 }\n";
    for (lab, signals) in [("t-sig-hup", vec![Signal::SIGHUP]), ("t-sig-int3", vec![Signal::SIGINT; 3])] {
        let file = write_scenario(lab, &slow.replace("LAB", lab));
        let _g = LabGuard(lab.to_string());
        let child = common::default_signals(&mut Command::new(bin()))
            .args(["test", file.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the lab is up and probing.
        let t0 = std::time::Instant::now();
        while !text(&ecsnet(&["ls"])).contains(lab) && t0.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        for s in signals {
            let _ = kill(pid, s);
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(130), "{lab}");
        // The third Ctrl-C hands the teardown to a background `ecsnet down`.
        let t1 = std::time::Instant::now();
        while !leftovers(lab).is_empty() && t1.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert_eq!(leftovers(lab), Vec::<String>::new(), "{lab}");
    }
}

/// Issue 13, item 2: output closed under `up` (`ecsnet -v test F 2>&1 | head -1`) must not
/// abort a half-built lab.
#[test]
fn a_closed_output_pipe_leaves_nothing() {
    need_root!();
    let lab = "t-epipe";
    let file = scenario_copy("scenarios/02-awsvpc.yaml", lab);
    let _g = LabGuard(lab.to_string());
    let mut child = Command::new(bin())
        .args(["-v", "test", file.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close both ends at once: every write of the run fails with EPIPE.
    drop(child.stdout.take());
    drop(child.stderr.take());
    let _ = child.wait();
    assert_eq!(leftovers(lab), Vec::<String>::new());
}

/// Issue 13, item 3: what `ecsnet exec` starts is stopped by `down`, whatever it does to its
/// environment (no ECSNET_LAB mark, a session of its own, a network namespace of its own),
/// found by the lab's namespaces and cgroups; `ls` counts it while it runs.
#[test]
fn processes_started_by_exec_are_stopped_by_down_whatever_they_do() {
    need_root!();
    let lab = "t-exec-kids";
    let file = scenario_copy("scenarios/02-awsvpc.yaml", lab);
    let _g = LabGuard(lab.into());
    let up = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(up.status.success(), "{}", text(&up));
    let tag = format!("{}", 7000 + std::process::id() % 1000);
    let hide = |node: &str, extra: &str, secs: &str| {
        let cmd = format!("env -i setsid {extra} sleep {secs}.{tag} </dev/null >/dev/null 2>&1 &");
        let o = ecsnet(&["exec", lab, node, "--", "sh", "-c", &cmd]);
        assert!(o.status.success(), "{node}: {}", text(&o));
    };
    hide("instance/ecs-1", "", "901");
    hide("task/web-1", "", "902");
    hide("vpc", "", "903");
    hide("instance/ecs-1", "unshare -n", "904");
    std::thread::sleep(Duration::from_millis(300));
    let running = || sh(&format!("pgrep -f 'sleep 90[1-4].{tag}' | wc -l")).trim().to_string();
    assert_eq!(running(), "4");
    let ls = text(&ecsnet(&["ls", "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&ls).expect("ls --json");
    let row = rows.as_array().and_then(|r| r.iter().find(|r| r["lab"] == lab)).cloned().unwrap_or_default();
    assert!(row["processes"].as_u64().unwrap_or(0) >= 4, "{ls}");
    let d = ecsnet(&["down", lab]);
    assert!(d.status.success(), "{}", text(&d));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(running(), "0", "a process started by exec survived down");
    assert_eq!(leftovers(lab), Vec::<String>::new());
    assert!(!text(&ecsnet(&["ls", "--orphans"])).contains(lab));
}

/// Issue 13, item 4: a lab changed from outside (a flushed ruleset, a deleted veth, a killed
/// agent, a deleted namespace) is reported by `check` as damage, exit 3 (a broken environment), naming what changed,
/// never judged as the network's answer or as a bug in ecsnet.
#[test]
fn a_damaged_lab_is_reported_as_damage_not_judged() {
    need_root!();
    let lab = "t-damaged";
    let file = scenario_copy("scenarios/12-security-groups.yaml", lab);
    let _g = LabGuard(lab.into());
    let ns = |n: &str| format!("ecsnet.{lab}.{n}");
    let agent = format!("pkill -f '__agent /run/ecsnet/{lab}$'");
    let eth = format!("ip netns exec {} ip link del ecs-eth0", ns("t.web-1"));
    let damages = [
        (format!("ip netns exec {} nft flush ruleset", ns("vpc")), "table inet ecsnet in ecsnet.t-damaged.vpc is gone"),
        (eth, "link ecs-eth0 in ecsnet.t-damaged.t.web-1 is gone"),
        (agent, "agent (pid"),
        (format!("ip netns del {}", ns("t.db")), "namespace ecsnet.t-damaged.t.db is gone"),
    ];
    for (how, what) in damages {
        let up = ecsnet(&["up", file.to_str().unwrap()]);
        assert!(up.status.success(), "{}", text(&up));
        let ok = ecsnet(&["check", lab]);
        assert_eq!(ok.status.code(), Some(0), "intact: {}", text(&ok));
        sh(&how);
        std::thread::sleep(Duration::from_millis(200));
        let c = ecsnet(&["check", lab]);
        let out = text(&c);
        assert_eq!(c.status.code(), Some(3), "{how}: {out}");
        assert!(out.contains("the lab is damaged") && out.contains(what), "{how}: {out}");
        assert!(!out.contains("MISMATCH"), "{out}");
        assert!(ecsnet(&["down", lab]).status.success());
    }
    assert_eq!(leftovers(lab), Vec::<String>::new());
}

/// A large `expect:` block is checked while the lab is built: a mistake in it still fails `up`
/// with its location (exit 2), and nothing of the lab stays; a valid one is what `check` probes.
#[test]
fn a_mistake_in_a_large_expect_block_fails_up_and_leaves_nothing() {
    need_root!();
    let head = "version: 1\nname: t-bigexpect\nvpc:\n  cidr: 10.83.0.0/16\n  subnets: [{ name: a, cidr: 10.83.1.0/24 }]\ninstances: [{ name: i, subnet: a }]\ntaskDefinitions:\n  - family: web\n    networkMode: awsvpc\n    containerDefinitions: [{ name: web, image: x, portMappings: [{ containerPort: 80 }] }]\ntasks:\n  - { name: web, taskDefinition: web, instance: i, networkConfiguration: { awsvpcConfiguration: { subnets: [a] } } }\nexpect:\n";
    let ok = "  - { from: instance/i, to: task/web:80, reachable: true }\n".repeat(300);
    let bad = format!("{head}{ok}  - {{ from: instance/i, to: task/nosuch:80, reachable: true }}\n");
    let file = write_scenario("t-bigexpect", &bad);
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains(&format!("{}:314:", file.display())) && t.contains("unknown task `nosuch`"), "{t}");
    assert!(leftovers("t-bigexpect").is_empty(), "{:?}", leftovers("t-bigexpect"));
    let file = write_scenario("t-bigexpect", &format!("{head}{ok}"));
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let c = ecsnet(&["check", "t-bigexpect"]);
    let _ = ecsnet(&["down", "t-bigexpect"]);
    let t = text(&c);
    assert!(c.status.success() && t.contains("300 passed, 0 failed"), "{t}");
    assert!(leftovers("t-bigexpect").is_empty(), "{:?}", leftovers("t-bigexpect"));
}
