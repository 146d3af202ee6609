//! Golden files of what a user sees: `validate`, `explain` (text and JSON), `graph` (every
//! format) for every scenario and broken file, and, as root, `up`, `ps`, `inspect` of every
//! container, `test` (table and JSON) and `down` on a real lab. They pin the behaviour through
//! reshapings of the code: the outputs must stay identical except for timings, which are masked.
//!
//! The cases of each scenario are listed in `tests/golden/cli/<stem>/commands.txt` (one command
//! per line, made once from the scenario's nodes and declared ports), so this test depends on
//! the command line only. Regenerate everything with
//! `ECSNET_GOLDEN_UPDATE=1 cargo test --test cli_golden -- --nocapture` (as root for the lab part).
//! `ECSNET_GOLDEN_ONLY=02,03` limits the lab part to the scenarios whose names start so (their
//! labs are the only ones built).

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn updating() -> bool {
    std::env::var_os("ECSNET_GOLDEN_UPDATE").is_some()
}

fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    v
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap().to_str().unwrap().to_string()
}

/// Run ecsnet from the repository root (so paths in messages are relative) and record the
/// command, its exit code, stdout and stderr.
fn run(args: &[String]) -> String {
    let o = Command::new(bin()).args(args).current_dir(root()).env("LC_ALL", "C").output().expect("run ecsnet");
    format!(
        "$ ecsnet {}\n[exit {}]\n{}{}{}",
        args.join(" "),
        o.status.code().map(|c| c.to_string()).unwrap_or_else(|| "signal".into()),
        String::from_utf8_lossy(&o.stdout),
        if o.stderr.is_empty() { "" } else { "[stderr]\n" },
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Timings and clocks are not behaviour: mask them.
fn mask(s: &str) -> String {
    let rules: &[(&str, &str)] = &[
        (r#""(elapsed_ms|up_ms|probe_ms|down_ms)": [0-9.e+-]+"#, r#""$1": <N>"#),
        (r"[0-9]+(\.[0-9]+)? ms", "<N> ms"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", "<TIME>"),
        (r#""Pid": [0-9]+"#, r#""Pid": <PID>"#),
        (r"Up (Less than a second|About a minute|About an hour|[0-9]+ (seconds?|minutes?|hours?))", "Up <DURATION>"),
        (r"(Less than a second|About a minute|About an hour|[0-9]+ (seconds?|minutes?|hours?)) ago", "<DURATION> ago"),
        (r#""(StartedAt|FinishedAt|Created)": "[^"]*""#, r#""$1": "<TIME>""#),
        (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} UTC", "<TIME>"),
        (r"/tmp/ecsnet-golden-[a-z0-9-]+", "<DIR>"),
        // `ps` right after `up` shows the live health checks, which may not have run yet.
        (
            r"(?m) {2,}(initial|healthy|unhealthy|unused|draining)( {2,}((Elb|Target)\.[A-Za-z]+ \([^)\n]*\))?)? *$",
            "  <HEALTH>",
        ),
        // Which target of a load balancer's rotation answers a single request depends on the
        // round robin's turn (health checks and earlier probes move it): the check is "one of".
        (r"(?m)^(.*-> [an]lb/[^\n]*served by )task/[^ ,\n]+", "${1}<TARGET>"),
        (r#"("title": "[^"\n]*-> [an]lb/[^"\n]*",(\n[^\n]*){0,3}\n *"served_by": )"task/[^"]*""#, r#"$1"<TARGET>""#),
        (
            r#"("title": "[^"\n]*-> [an]lb/[^"\n]*",(\n[^\n]*){0,5}\n *"detail": "served by )task/[^ ,"]+"#,
            "${1}<TARGET>",
        ),
        // Which of a Cloud Map name's records comes first is the resolver's random order
        // (MULTIVALUE): a check by name probes, and is served by, any of them.
        (
            r"([a-z0-9-]+(?:\.[a-z0-9-]+)+) -> [0-9]+(?:\.[0-9]+){3} \((NOERROR [0-9.]+(?:, [0-9.]+)+ from [0-9.]+)\)",
            "$1 -> <ADDRESS> ($2)",
        ),
        (r"(<ADDRESS> \([^)\n]*\); served by )task/[^ ,\n]+", "${1}<TARGET>"),
        (r#"("served_by": )"task/[^"]*"(,\n[^\n]*\n *"detail": "[^"\n]*<ADDRESS>)"#, r#"$1"<TARGET>"$2"#),
        (r#"(<ADDRESS>[^\n]*\n(?:[^\n]*\n){3} *"probed": )"[0-9.]+""#, r#"$1"<ADDRESS>""#),
        // Table columns are as wide as their widest (masked) cell.
        (r" {2,}", "  "),
    ];
    let mut out = s.to_string();
    for (re, with) in rules {
        out = regex::Regex::new(re).unwrap().replace_all(&out, *with).into_owned();
    }
    out
}

fn check(golden: &Path, actual: &str, diffs: &mut Vec<String>) {
    let actual = mask(actual);
    if updating() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(golden, &actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(golden).unwrap_or_else(|_| format!("<missing {}>", golden.display()));
    if want != actual {
        let (w, a): (Vec<&str>, Vec<&str>) = (want.lines().collect(), actual.lines().collect());
        let first = w.iter().zip(a.iter()).position(|(x, y)| x != y).unwrap_or(w.len().min(a.len()));
        diffs.push(format!(
            "{}: differs at line {}:\n  want: {}\n  got:  {}",
            rel(golden),
            first + 1,
            w.get(first).unwrap_or(&"<end>"),
            a.get(first).unwrap_or(&"<end>")
        ));
    }
}

fn golden_dir(file: &Path) -> PathBuf {
    let stem = file.file_stem().unwrap().to_str().unwrap();
    let kind = if rel(file).starts_with("tests/broken") { "broken" } else { "scenarios" };
    root().join("tests/golden/cli").join(kind).join(stem)
}

/// The model-only commands of one scenario (no root): validate, graph in every format, and
/// explain over every (source, destination, declared port) in text and JSON.
fn model_commands(file: &Path) -> Vec<Vec<String>> {
    let list = golden_dir(file).join("commands.txt");
    if updating() {
        let cmds = make_model_commands(file);
        std::fs::create_dir_all(list.parent().unwrap()).unwrap();
        let text: String = cmds.iter().map(|c| c.join("\t") + "\n").collect();
        std::fs::write(&list, text).unwrap();
    }
    std::fs::read_to_string(&list)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('\t').map(String::from).collect())
        .collect()
}

fn make_model_commands(file: &Path) -> Vec<Vec<String>> {
    let f = rel(file);
    let mut cmds = vec![vec!["validate".to_string(), f.clone()]];
    let Ok(s) = ecsnet::scenario::load(file) else { return cmds };
    let Ok(lab) = ecsnet::model::build(&s) else { return cmds };
    for fmt in ["mermaid", "dot", "svg"] {
        cmds.push(vec!["graph".into(), f.clone(), "--format".into(), fmt.into()]);
    }
    let (srcs, dsts) = ecsnet::model::resolve::nodes(&lab);
    let mut flows: Vec<(String, String, String)> = vec![];
    for s in &srcs {
        for d in &dsts {
            if s == d {
                continue;
            }
            let mut ports = ecsnet::model::resolve::declared_ports(&lab, d);
            ports.push(ecsnet::scenario::PortProto { port: 1, proto: ecsnet::scenario::Proto::Tcp });
            for p in ports {
                flows.push((s.to_string(), format!("{d}:{}", p.port), p.proto.to_string()));
            }
            flows.push((s.to_string(), d.to_string(), "icmp".into()));
        }
    }
    // Expectations too (their flows may name addresses and `via`).
    for e in &s.expect {
        if let ecsnet::scenario::ExpectKind::Reach(r) = &e.kind {
            let to = match r.port {
                Some(p) => format!("{}:{p}", r.to.value),
                None => r.to.value.to_string(),
            };
            let mut c = vec![
                "explain".into(),
                f.clone(),
                r.from.value.to_string(),
                to,
                "--protocol".into(),
                if r.http.as_ref().is_some_and(|h| h.https) { "https".into() } else { r.protocol.to_string() },
            ];
            match r.via {
                Some(ecsnet::scenario::Via::HostPort) => c.extend(["--via".into(), "hostPort".into()]),
                Some(ecsnet::scenario::Via::PublicHostPort) => c.extend(["--via".into(), "publicHostPort".into()]),
                None => {}
            }
            cmds.push(c.clone());
            c.push("--json".into());
            cmds.push(c);
        }
    }
    for (from, to, proto) in flows {
        let c = vec!["explain".into(), f.clone(), from, to, "--protocol".into(), proto];
        cmds.push(c.clone());
        let mut j = c;
        j.push("--json".into());
        cmds.push(j);
    }
    cmds
}

#[test]
fn model_outputs_match_the_golden_files() {
    let mut files = yaml_files("scenarios");
    files.extend(yaml_files("tests/broken"));
    let mut diffs = vec![];
    let mut n = 0;
    for f in &files {
        let cmds = model_commands(f);
        assert!(!cmds.is_empty(), "{}: no commands.txt (run with ECSNET_GOLDEN_UPDATE=1)", rel(f));
        // One golden per verb, the commands' outputs in order.
        let mut by_verb: std::collections::BTreeMap<String, String> = Default::default();
        for c in &cmds {
            n += 1;
            let verb = match (c[0].as_str(), c.iter().any(|a| a == "--json")) {
                ("explain", true) => "explain-json".to_string(),
                ("graph", _) => format!("graph-{}", c[3]),
                (v, _) => v.to_string(),
            };
            by_verb.entry(verb).or_default().push_str(&run(c));
        }
        for (verb, out) in by_verb {
            let ext = if verb == "graph-svg" { "svg.txt" } else { "txt" };
            check(&golden_dir(f).join(format!("{verb}.{ext}")), &out, &mut diffs);
        }
    }
    eprintln!("golden: {n} model commands over {} files", files.len());
    assert!(diffs.is_empty(), "{} golden files differ:\n{}", diffs.len(), diffs.join("\n"));
}

/// A copy of the scenario under a lab name of this test's own, in a fixed place so that the
/// outputs name the same file every time.
fn lab_copy(file: &Path, lab: &str) -> PathBuf {
    let dir = PathBuf::from(format!("/tmp/ecsnet-golden-{lab}"));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(file).unwrap();
    let body: String = text
        .lines()
        .map(|l| if l.starts_with("name:") { format!("name: {lab}\n") } else { format!("{l}\n") })
        .collect();
    let p = dir.join(file.file_name().unwrap());
    std::fs::write(&p, body).unwrap();
    p
}

fn lab_outputs(file: &Path) -> Vec<(String, String)> {
    let stem = file.file_stem().unwrap().to_str().unwrap();
    let lab = format!("gold-{}", &stem[..2]);
    let copy = lab_copy(file, &lab);
    let c = copy.to_str().unwrap().to_string();
    let _g = LabGuard(lab.clone());
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let mut out = vec![];
    out.push(("test".to_string(), run(&s(&["test", &c]))));
    out.push(("test-json".to_string(), run(&s(&["test", &c, "--json"]))));
    let mut lab_view = run(&s(&["up", &c]));
    lab_view.push_str(&run(&s(&["ps", &lab])));
    let ps_json = run(&s(&["ps", &lab, "--format", "json"]));
    lab_view.push_str(&ps_json);
    let mut names: Vec<String> = ps_json
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get("Names").and_then(|n| n.as_str()).map(String::from))
        .filter(|n| n != "ecs-agent")
        .collect();
    names.sort();
    out.push(("up-ps".to_string(), lab_view));
    let mut insp = String::new();
    for n in &names {
        insp.push_str(&run(&s(&["inspect", &lab, n])));
    }
    insp.push_str(&run(&s(&["check", &lab])));
    insp.push_str(&run(&s(&["down", &lab])));
    out.push(("inspect".to_string(), insp));
    let _ = std::fs::remove_dir_all(copy.parent().unwrap());
    out
}

/// The scenarios whose running lab changes by itself (by file number).
const CHANGES_BY_ITSELF: &[&str] = &["28"];

#[test]
fn lab_outputs_match_the_golden_files() {
    need_root!();
    let only = std::env::var("ECSNET_GOLDEN_ONLY").unwrap_or_default();
    let chosen = |f: &PathBuf| {
        let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        only.is_empty() || only.split(',').any(|p| stem.starts_with(p.trim()))
    };
    // A lab whose service scheduler replaces tasks on its own (28) looks different from one
    // second to the next: tests/lifecycle.rs checks it with real assertions instead.
    let steady =
        |f: &PathBuf| !f.file_stem().and_then(|s| s.to_str()).is_some_and(|s| CHANGES_BY_ITSELF.contains(&&s[..2]));
    let files: Vec<PathBuf> = yaml_files("scenarios").into_iter().filter(chosen).filter(steady).collect();
    // Two at a time: each scenario has a lab of its own.
    let mut diffs = vec![];
    for pair in files.chunks(2) {
        let hs: Vec<_> =
            pair.iter().cloned().map(|f| std::thread::spawn(move || (f.clone(), lab_outputs(&f)))).collect();
        for h in hs {
            let (f, outs) = h.join().unwrap();
            for (name, text) in outs {
                check(&golden_dir(&f).join(format!("lab-{name}.txt")), &text, &mut diffs);
            }
        }
    }
    assert!(diffs.is_empty(), "{} golden files differ:\n{}", diffs.len(), diffs.join("\n"));
}

/// `explain FROM NAME:PORT`: the name asked from the source's resolver, then each address walked.
#[test]
fn explain_follows_a_dns_name_to_each_address_it_answers() {
    let args = |to: &str| -> Vec<String> {
        ["explain", "scenarios/30-service-discovery.yaml", "task/web", to].iter().map(|s| s.to_string()).collect()
    };
    let out = run(&args("api.corp.local:8080"));
    assert!(out.contains("Cloud Map service api.corp.local (A)"), "{out}");
    for (ip, task) in [("10.30.1.5", "task/api-1"), ("10.30.2.5", "task/api-2")] {
        assert!(out.contains(&format!("-> {ip}:8080")) && out.contains(&format!("served by {task}/app")), "{out}");
    }
    let out = run(&args("nothing.corp.local:80"));
    assert!(out.contains("gives no address") && out.contains("has no record of that name"), "{out}");
}
