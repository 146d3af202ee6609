//! Issue 13 items 1 and 6: `down` removes only what the lab made, whatever its journal says;
//! lab names are checked before anything is touched; state is root's.

mod common;
use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

/// The decoys a test plants, removed when it ends whatever happened.
struct Decoys {
    ns: String,
    file: PathBuf,
    sleep: Child,
}

impl Drop for Decoys {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).output();
        let _ = std::fs::remove_file(&self.file);
        let _ = self.sleep.kill();
        let _ = self.sleep.wait();
    }
}

fn start_time(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    s[s.rfind(')').unwrap() + 1..].split_whitespace().nth(19).unwrap().parse().unwrap()
}

fn up(lab: &str) {
    let file = scenario_copy("scenarios/01-bridge-vs-awsvpc.yaml", lab);
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn down_with_a_tampered_journal_leaves_the_decoys_and_removes_the_lab() {
    need_root!();
    let lab = format!("t-guard-{}", std::process::id() % 100_000);
    let _g = LabGuard(lab.clone());
    let decoy_ns = format!("ecsnet.t-guard-decoy.x{}", std::process::id());
    let file = PathBuf::from(format!("/tmp/t-guard-decoy-{}", std::process::id()));
    let sleep = Command::new("sleep").arg("60").spawn().expect("sleep");
    let d = Decoys { ns: decoy_ns.clone(), file: file.clone(), sleep };
    let o = Command::new("ip").args(["netns", "add", &decoy_ns]).output().expect("ip");
    assert!(o.status.success(), "{}", text(&o));
    std::fs::write(&file, "keep").expect("decoy file");
    up(&lab);

    let jpath = Path::new("/run/ecsnet").join(&lab).join("journal.json");
    let mut j: serde_json::Value = serde_json::from_slice(&std::fs::read(&jpath).expect("journal")).expect("json");
    let pid = d.sleep.id();
    let nss = j["namespaces"].as_array_mut().expect("namespaces");
    nss.push(decoy_ns.clone().into());
    nss.push(format!("../..{}", file.display()).into());
    nss.push("other".into());
    j["processes"].as_array_mut().expect("processes").push(serde_json::json!({
        "pid": pid, "start_time": start_time(pid), "role": "agent"
    }));
    std::fs::write(&jpath, serde_json::to_vec(&j).unwrap()).expect("tamper");

    let o = ecsnet(&["down", &lab]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains(&decoy_ns) && out.contains(&format!("process {pid} ")), "{out}");
    assert!(Path::new("/run/netns").join(&decoy_ns).exists(), "the decoy namespace was deleted");
    assert_eq!(std::fs::read_to_string(&file).ok().as_deref(), Some("keep"), "the decoy file was deleted");
    assert!(Path::new(&format!("/proc/{pid}")).exists(), "the decoy process was killed");
    assert_eq!(leftovers(&lab), Vec::<String>::new());
    drop(d);
}

#[test]
fn every_verb_refuses_a_bad_lab_name_with_exit_2() {
    // No root needed: the name is refused before anything else is looked at.
    let long = "a".repeat(21);
    for bad in ["../x", "a/b", "", long.as_str(), "../../tmp"] {
        let cases: Vec<Vec<&str>> = vec![
            vec!["down", bad],
            vec!["check", bad],
            vec!["probe", bad, "instance/ecs-1", "internet:80"],
            vec!["ps", bad],
            vec!["inspect", bad, "abc"],
            vec!["exec", bad, "instance/ecs-1", "--", "true"],
            vec!["explain", bad, "instance/ecs-1", "internet:80"],
            vec!["graph", bad],
        ];
        for args in cases {
            // `../x` and the like may exist as files relative to the cwd; explain/graph take files.
            if matches!(args[0], "explain" | "graph") && Path::new(bad).is_file() {
                continue;
            }
            let o = ecsnet(&args);
            let out = text(&o);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {out}");
            assert!(out.contains("lab name"), "{args:?}: {out}");
            assert!(out.contains("lowercase letters, digits and '-'"), "{args:?}: the rule is not said: {out}");
        }
    }
}

#[test]
fn state_is_root_only() {
    need_root!();
    let lab = format!("t-guard-m{}", std::process::id() % 100_000);
    let _g = LabGuard(lab.clone());
    up(&lab);
    let mode = |p: &Path| std::fs::symlink_metadata(p).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode(Path::new("/run/ecsnet")), 0o700);
    let mut stack = vec![Path::new("/run/ecsnet").join(&lab)];
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
        for e in std::fs::read_dir(&dir).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                assert_eq!(mode(&p), 0o600, "{}", p.display());
                files += 1;
            }
        }
    }
    assert!(files >= 4, "{files}");
    // A corrupt lab.json: the error names the file.
    let lab_json = Path::new("/run/ecsnet").join(&lab).join("lab.json");
    std::fs::write(&lab_json, "x").expect("corrupt");
    let o = ecsnet(&["ps", &lab]);
    let out = text(&o);
    assert!(out.contains(&format!("{}: expected value at line 1 column 1", lab_json.display())), "{out}");
}
