//! `ecsnet test FILE|DIR...`: for each scenario: up, probe every expectation, down (always),
//! report as a table (or JSON) and JUnit XML. Exit 0 all passed, 1 an expectation failed or a
//! lab could not be built, 2 a scenario is invalid, 3 this machine cannot run labs.

use super::{EXIT_ENV, EXIT_FAILED, EXIT_INVALID, EXIT_OK};
use crate::dataplane::{self, UpOptions};
use crate::report::{self, ScenarioReport};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Scenario files named on the command line, directories expanded to their *.yaml / *.yml.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = vec![];
    for p in paths {
        if p.is_dir() {
            let rd = std::fs::read_dir(p).map_err(|e| format!("{}: {e}", p.display()))?;
            let mut v: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file() && matches!(f.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
                .collect();
            v.sort();
            out.extend(v);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

pub async fn run(paths: &[PathBuf], junit: Option<&Path>, json: bool, verbose: u8) -> i32 {
    let files = match expand(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("ecsnet: {e}");
            return EXIT_INVALID;
        }
    };
    let mut reports = vec![];
    let mut env_checked = false;
    super::watch_signals();
    for f in &files {
        if super::interrupted() {
            break;
        }
        let mut rep = ScenarioReport {
            file: f.display().to_string(),
            lab: None,
            error: None,
            error_code: 0,
            verdicts: vec![],
            up_ms: 0.0,
            probe_ms: 0.0,
            down_ms: 0.0,
        };
        let (s, lab, plan) = match super::prepare(f) {
            Ok(x) => x,
            Err((c, m)) => {
                rep.error = Some(m);
                rep.error_code = c;
                finish(&rep, json);
                reports.push(rep);
                continue;
            }
        };
        rep.lab = Some(lab.name.clone());
        if !env_checked {
            if let Err(e) = super::check_environment() {
                eprintln!("ecsnet: {e}");
                return EXIT_ENV;
            }
            env_checked = true;
        }
        let t0 = Instant::now();
        let up = dataplane::up(
            &lab,
            &plan,
            UpOptions { cancel: super::cancel_flag(), stop_after: None, progress: verbose > 0 },
        )
        .await;
        rep.up_ms = t0.elapsed().as_secs_f64() * 1000.0;
        match up {
            Ok(_) => {
                let t1 = Instant::now();
                // Probes run to their own timeouts; a panic in one must not skip the teardown.
                let lab2 = lab.clone();
                let exp = s.expect.clone();
                let verdicts = tokio::spawn(async move { crate::check::run(&lab2, &exp).await }).await;
                rep.probe_ms = t1.elapsed().as_secs_f64() * 1000.0;
                match verdicts {
                    Ok(v) => rep.verdicts = v,
                    Err(e) => {
                        rep.error = Some(format!("probing failed: {e}"));
                        rep.error_code = EXIT_FAILED;
                    }
                }
                let t2 = Instant::now();
                let name = lab.name.clone();
                let d = tokio::task::spawn_blocking(move || dataplane::down(&name)).await.unwrap_or_default();
                rep.down_ms = t2.elapsed().as_secs_f64() * 1000.0;
                if !d.errors.is_empty() {
                    rep.error = Some(format!("teardown: {}", d.errors.join("; ")));
                    rep.error_code = EXIT_FAILED;
                }
            }
            Err(e) => {
                rep.error = Some(format!("up failed: {e}"));
                rep.error_code = match e {
                    dataplane::UpError::AlreadyUp(_) => EXIT_FAILED,
                    _ => EXIT_FAILED,
                };
            }
        }
        finish(&rep, json);
        reports.push(rep);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&reports).unwrap_or_default());
    }
    if let Some(j) = junit {
        if let Err(e) = std::fs::write(j, report::junit(&reports)) {
            eprintln!("ecsnet: cannot write {}: {e}", j.display());
        }
    }
    let total: usize = reports.iter().map(|r| r.verdicts.len()).sum();
    let failed: usize = reports.iter().map(|r| r.failed()).sum();
    let errors = reports.iter().filter(|r| r.error.is_some()).count();
    if !json {
        println!(
            "\n{} scenarios: {} passed, {} failed{}",
            reports.len(),
            total - failed,
            failed,
            if errors > 0 { format!(", {errors} errors") } else { String::new() }
        );
    }
    if super::interrupted() {
        return 130;
    }
    let invalid = reports.iter().any(|r| r.error_code == EXIT_INVALID);
    if invalid {
        EXIT_INVALID
    } else if failed > 0 || errors > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

fn finish(r: &ScenarioReport, json: bool) {
    if !json {
        print!("{}", report::table(r));
    }
}
