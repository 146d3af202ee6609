//! The project's own AWS SDK clients (installed by scripts/sdk-clients.sh into tests/clients/),
//! run inside a lab's nodes with `ecsnet exec`, with none of the caller's environment.
//!
//! When they are not installed a test says "skipped: SDK clients not installed
//! (scripts/sdk-clients.sh)" and goes on without them, unless ECSNET_REQUIRE_SDK=1 (set by
//! scripts/test.sh, so CI never passes without them): then it fails and says what to run.

use super::{ecsnet, text};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What every SDK run gets, and nothing of the caller's (`env -i`): no home, no config or
/// credentials file (no operator keys can leak in), short metadata timeouts (botocore's names;
/// the JS SDK's defaults are already 1 s and no retry).
pub const CLEAN_ENV: &[&str] = &[
    "HOME=/nonexistent",
    "AWS_CONFIG_FILE=/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
    "BOTO_CONFIG=/dev/null",
    "AWS_METADATA_SERVICE_TIMEOUT=1",
    "AWS_METADATA_SERVICE_NUM_ATTEMPTS=1",
];

/// tests/clients/ of this checkout.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("clients")
}

/// Whether a missing SDK fails the test (scripts/test.sh sets ECSNET_REQUIRE_SDK=1).
pub fn required() -> bool {
    std::env::var("ECSNET_REQUIRE_SDK").is_ok_and(|v| v == "1")
}

fn unavailable<T>(what: &str) -> Option<T> {
    assert!(
        !required(),
        "{what} is not installed and ECSNET_REQUIRE_SDK=1: run scripts/sdk-clients.sh (as root) to install the SDK clients"
    );
    eprintln!("skipped: SDK clients not installed (scripts/sdk-clients.sh)");
    None
}

/// The venv's python with boto3 and botocore, by absolute path.
pub fn python() -> Option<PathBuf> {
    let python = dir().join(".venv").join("bin").join("python");
    let ok = Command::new(&python).args(["-c", "import boto3, botocore"]).output().is_ok_and(|o| o.status.success());
    if ok { Some(python) } else { unavailable("tests/clients/.venv (boto3, botocore)") }
}

/// The AWS CLI of tests/clients/.venv-cli, by absolute path.
pub fn aws_cli() -> Option<PathBuf> {
    let aws = dir().join(".venv-cli").join("bin").join("aws");
    let ok = Command::new(&aws).arg("--version").output().is_ok_and(|o| o.status.success());
    if ok { Some(aws) } else { unavailable("tests/clients/.venv-cli (the AWS CLI)") }
}

/// node, by absolute path, when tests/clients/node_modules has the JS SDK's providers.
pub fn node() -> Option<PathBuf> {
    let installed = dir().join("node_modules/@aws-sdk/credential-providers/package.json").is_file();
    let node = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("node"))
        .find(|p| p.is_file())
        .and_then(|p| p.canonicalize().ok());
    match node {
        Some(node) if installed => Some(node),
        _ => unavailable("node or tests/clients/node_modules (@aws-sdk/credential-providers)"),
    }
}

/// The AWS_* and ECS_* variables ECS gives a container (as `ecsnet inspect` shows them), to hand
/// to an SDK run in that container's namespace.
pub fn container_env(lab: &str, docker_name: &str) -> Vec<String> {
    let o = ecsnet(&["inspect", lab, docker_name]);
    assert!(o.status.success(), "inspect {docker_name}: {}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("inspect JSON");
    v[0]["Config"]["Env"]
        .as_array()
        .expect("Config.Env")
        .iter()
        .filter_map(Value::as_str)
        .filter(|e| e.starts_with("AWS_") || e.starts_with("ECS_"))
        .map(str::to_string)
        .collect()
}

/// Run `program args` in `node` of `lab` with only CLEAN_ENV and `env`, and parse the JSON
/// object it prints last.
pub fn run_json(lab: &str, node: &str, env: &[String], program: &Path, args: &[&str]) -> Value {
    let program = program.to_string_lossy().to_string();
    let mut argv: Vec<&str> = vec!["exec", lab, node, "--", "/usr/bin/env", "-i"];
    argv.extend_from_slice(CLEAN_ENV);
    argv.extend(env.iter().map(String::as_str));
    argv.push(&program);
    argv.extend_from_slice(args);
    let o = ecsnet(&argv);
    let out = String::from_utf8_lossy(&o.stdout);
    let last = out.lines().rev().find(|l| l.starts_with('{'));
    match last.map(serde_json::from_str::<Value>) {
        Some(Ok(v)) if o.status.success() => v,
        _ => panic!("{program} {args:?} in {node}: {}", text(&o)),
    }
}

/// The metadata requests an SDK made, one line each: `PUT /latest/api/token -> 200`,
/// `GET /path [token] -> 401`, `PUT /latest/api/token -> ReadTimeoutError`.
pub fn calls(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {v}"))
        .iter()
        .map(|c| {
            let token = if c["token"] == true { " [token]" } else { "" };
            let outcome = match (&c["status"], &c["error"]) {
                (Value::Number(n), _) => n.to_string(),
                (_, Value::String(e)) => e.clone(),
                _ => "?".into(),
            };
            format!("{} {}{token} -> {outcome}", c["method"].as_str().unwrap_or("?"), c["path"].as_str().unwrap_or("?"))
        })
        .collect()
}

/// Run `program args` in `node` of `lab` with the environment ECS gives the container (what
/// `ecsnet exec` sets), and read the JSON object it prints last.
pub fn run_json_in_task(lab: &str, node: &str, program: &Path, args: &[&str]) -> Value {
    let o = Command::new(super::bin()).args(["exec", lab, node, "--"]).arg(program).args(args).output().expect("exec");
    let out = String::from_utf8_lossy(&o.stdout);
    match out.lines().rev().find(|l| l.starts_with('{')).map(serde_json::from_str::<Value>) {
        Some(Ok(v)) => v,
        _ => panic!("{} in {node}: {}", program.display(), text(&o)),
    }
}
