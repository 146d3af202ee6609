//! Issue item "installs in one step": the GitHub Action's script (scripts/action.sh) run as the
//! action would run it, on a real lab; and the action, the workflows and the Dockerfile
//! checked against each other, since GitHub and a Docker engine are not here to run them.

mod common;
use common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use yaml_rust2::{Yaml, YamlLoader};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn load(rel: &str) -> Yaml {
    let text = std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}")).remove(0)
}

/// Every string in a YAML tree (keys too), in document order.
fn strings(y: &Yaml, out: &mut Vec<String>) {
    match y {
        Yaml::String(s) => out.push(s.clone()),
        Yaml::Array(a) => a.iter().for_each(|v| strings(v, out)),
        Yaml::Hash(h) => h.iter().for_each(|(k, v)| {
            strings(k, out);
            strings(v, out);
        }),
        _ => {}
    }
}

fn workflows() -> Vec<String> {
    let dir = root().join(".github/workflows");
    let mut v: Vec<String> = std::fs::read_dir(&dir)
        .expect(".github/workflows")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
        .map(|n| format!(".github/workflows/{n}"))
        .collect();
    v.sort();
    v
}

fn action_inputs() -> BTreeSet<String> {
    let action = load("action.yml");
    let inputs = action["inputs"].as_hash().expect("action.yml inputs");
    inputs.keys().map(|k| k.as_str().unwrap().to_string()).collect()
}

#[test]
fn the_action_and_the_workflows_name_only_files_that_exist() {
    let re = regex::Regex::new(r"(?:^|[\s/$.])((?:scripts|scenarios)/[A-Za-z0-9_.-]+|\.ci/run)").unwrap();
    let pinned = regex::Regex::new(r"^[\w.-]+/[\w./-]+@v\d+$").unwrap();
    for file in ["action.yml".to_string()].into_iter().chain(workflows()) {
        let mut all = vec![];
        strings(&load(&file), &mut all);
        for s in &all {
            for c in re.captures_iter(s) {
                let path = c[1].trim_end_matches('.');
                assert!(root().join(path).exists(), "{file} names {path}, which does not exist");
            }
        }
        // Actions pinned by major version (a moving tag of one major); ./ is this repository.
        for s in all.iter().filter(|s| s.contains('@') && !s.contains(char::is_whitespace)) {
            assert!(pinned.is_match(s), "{file}: {s} is not pinned to a major version");
        }
    }
}

#[test]
fn every_action_input_reaches_the_script_and_the_workflows_pass_only_known_inputs() {
    let action = load("action.yml");
    let mut runs = vec![];
    strings(&action["runs"], &mut runs);
    let runs = runs.join("\n");
    for input in action_inputs() {
        assert!(runs.contains(&format!("inputs.{input}")), "action.yml input `{input}` is never used");
    }
    // Both ways between the step's environment and what scripts/action.sh reads.
    let script = std::fs::read_to_string(root().join("scripts/action.sh")).unwrap();
    let given: BTreeSet<String> = action["runs"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|s| s["env"].as_hash())
        .flat_map(|h| h.keys().map(|k| k.as_str().unwrap().to_string()))
        .collect();
    let read: BTreeSet<String> =
        regex::Regex::new(r"ECSNET_[A-Z_]*[A-Z]").unwrap().find_iter(&script).map(|m| m.as_str().to_string()).collect();
    // The two the tests set, to download from a folder and install into one.
    let seams: BTreeSet<String> = ["ECSNET_BIN_DIR", "ECSNET_RELEASES_URL"].map(String::from).into();
    assert_eq!(given, &read - &seams, "action.yml's env and scripts/action.sh's variables differ");
    // `uses: ./` in our own CI passes only inputs action.yml declares.
    let mut local_uses = 0;
    for file in workflows() {
        let wf = load(&file);
        for (_, job) in wf["jobs"].as_hash().unwrap() {
            for step in job["steps"].as_vec().into_iter().flatten() {
                if step["uses"].as_str() != Some("./") {
                    continue;
                }
                local_uses += 1;
                for k in step["with"].as_hash().into_iter().flat_map(|h| h.keys()) {
                    let k = k.as_str().unwrap();
                    assert!(action_inputs().contains(k), "{file}: `with: {k}` is no input of action.yml");
                }
            }
        }
    }
    assert!(local_uses > 0, "the project's CI never runs its own action");
}

#[test]
fn the_release_builds_what_the_action_downloads() {
    let release = load(".github/workflows/release.yml");
    let script = std::fs::read_to_string(root().join("scripts/action.sh")).unwrap();
    let targets: Vec<&str> = release["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_vec()
        .expect("a target matrix")
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"]);
    for t in targets {
        assert!(script.contains(t), "scripts/action.sh never downloads {t}");
    }
    let mut all = vec![];
    strings(&release, &mut all);
    let all = all.join("\n");
    // The names the action and the README download: ecsnet-VERSION-TARGET.tar.gz(.sha256).
    assert!(all.contains("name=ecsnet-$version-${{ matrix.target }}"), "release asset name changed");
    assert!(all.contains("sha256sum \"$name.tar.gz\" > \"$name.tar.gz.sha256\""), "no .sha256 beside the tarball");
    assert!(script.contains("ecsnet-$v-$t.tar.gz") && script.contains("sha256sum -c"), "action.sh's names changed");
}

#[test]
fn the_docker_build_context_holds_what_the_dockerfile_copies() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let ignore = std::fs::read_to_string(root().join(".dockerignore")).unwrap();
    let kept: BTreeSet<&str> =
        ignore.lines().filter_map(|l| l.strip_prefix('!')).map(|l| l.trim_end_matches('/')).collect();
    for line in dockerfile.lines().filter(|l| l.starts_with("COPY ") && !l.contains("--from=")) {
        let words: Vec<&str> = line.split_whitespace().skip(1).collect();
        for src in &words[..words.len() - 1] {
            let src = src.trim_end_matches('/');
            assert!(
                kept.contains(src) && root().join(src).exists(),
                "Dockerfile copies {src}, which the context lacks"
            );
        }
    }
    assert!(dockerfile.contains("ENTRYPOINT [\"ecsnet\"]") && dockerfile.contains("--privileged"), "{dockerfile}");
}

/// The action as GitHub runs it, with a binary of this build (`version:` a path) and one small
/// scenario: the exit code is ecsnet's, and the job summary and the JUnit file are written.
#[test]
fn the_action_script_runs_a_scenario_and_writes_the_job_summary() {
    need_root!();
    let lab = "inst-action";
    let file = scenario_copy("scenarios/05-none.yaml", lab);
    let _g = LabGuard(lab.into());
    let dir = file.parent().unwrap();
    let (summary, junit) = (dir.join("summary.md"), dir.join("junit.xml"));
    std::fs::write(&summary, "earlier step\n").unwrap();
    let action = |version: &str, scenarios: &Path| {
        let mut cmd = Command::new("bash");
        cmd.arg(root().join("scripts/action.sh"))
            .env("ECSNET_VERSION", version)
            .env("ECSNET_SCENARIOS", scenarios)
            .env("ECSNET_ARGS", "-v")
            .env("ECSNET_JUNIT", &junit)
            .env("ECSNET_MARKDOWN", "")
            .env("ECSNET_REPO", "OWNER/ecsnet")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("ECSNET_RELEASES_URL", format!("file://{}", dir.join("releases").display()))
            .env("ECSNET_BIN_DIR", dir);
        cmd.output().unwrap()
    };
    let o = action(bin(), &file);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("earlier step\n## ✅ ecsnet: 1 scenarios,") && md.contains(" 0 failed"), "{md}");
    assert!(std::fs::read_to_string(&junit).unwrap().contains("<testsuites name=\"ecsnet\""));
    assert_eq!(leftovers(lab), Vec::<String>::new());
    // A broken install is a broken environment: exit 3, said as a GitHub error.
    let missing = PathBuf::from("/nonexistent/ecsnet");
    let o = action(missing.to_str().unwrap(), &file);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("::error title=ecsnet action::/nonexistent/ecsnet is not an executable"), "{}", text(&o));
    // A release as release.yml packs it, downloaded (from a folder), checked, installed, run:
    // an invalid scenario's exit 2 comes through.
    let (version, target) = ("9.9.9", format!("{}-unknown-linux-musl", std::env::consts::ARCH));
    let name = format!("ecsnet-{version}-{target}");
    let assets = dir.join("releases/download/v9.9.9");
    std::fs::create_dir_all(assets.join(&name)).unwrap();
    std::fs::copy(bin(), assets.join(&name).join("ecsnet")).unwrap();
    // gzip -1: the debug binary is large, and this is about names and sums, not size.
    let pack = format!("tar -cf - {name} | gzip -1 > {name}.tar.gz && sha256sum {name}.tar.gz > {name}.tar.gz.sha256");
    assert!(Command::new("sh").args(["-c", &pack]).current_dir(&assets).status().unwrap().success());
    let broken = root().join("tests/broken/yaml-syntax-error.yaml");
    let o = action("v9.9.9", &broken);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains(&format!("ecsnet action: {} test", dir.join("ecsnet").display())), "{}", text(&o));
    assert!(dir.join("ecsnet").exists(), "not installed into ECSNET_BIN_DIR");
    // A tarball that does not match its sha256 is never installed.
    std::fs::remove_file(dir.join("ecsnet")).unwrap();
    let sums = assets.join(format!("{name}.tar.gz.sha256"));
    std::fs::write(&sums, format!("{}  {name}.tar.gz\n", "0".repeat(64))).unwrap();
    let o = action("9.9.9", &broken);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("sha256 mismatch"), "{}", text(&o));
    assert!(!dir.join("ecsnet").exists(), "installed although its sha256 was wrong");
}
