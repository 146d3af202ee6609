//! `ecsnet test FILE|DIR...`: for each scenario: up, probe every expectation, down (always),
//! report as a table (or JSON) and JUnit XML. Exit 0 all passed, 1 an expectation failed or a
//! lab could not be built, 2 a scenario is invalid, 3 a broken environment (this machine cannot
//! run labs, or a lab was damaged from outside while it was tested: no verdict given), 4 a bug.

use super::{CliError, Exit, Outcome};
use crate::dataplane::{self, UpOptions};
use crate::i18n::tr;
use crate::model::Lab;
use crate::plan::Plan;
use crate::report::{self, ScenarioReport};
use crate::scenario::Scenario;
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

/// Where a run's results go besides the table: `--junit`, `--json`, `--markdown`; and, when
/// running in GitHub Actions, annotations on the YAML lines and the job summary.
pub struct Outputs<'a> {
    pub junit: Option<&'a Path>,
    pub json: bool,
    pub markdown: Option<&'a Path>,
}

/// Running in GitHub Actions (it sets GITHUB_ACTIONS=true in every step).
fn in_github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// The scenarios one after another, in this process (`--jobs 1`).
pub async fn run(files: &[PathBuf], out: &Outputs<'_>, naming: &super::Naming, verbose: u8) -> Outcome {
    let mut reports = vec![];
    let mut pictures = vec![];
    let mut env_checked = false;
    super::watch_signals();
    for f in files {
        if super::interrupted() {
            break;
        }
        let (rep, picture) = scenario(f, naming, &mut env_checked, verbose).await?;
        show(&rep, out);
        reports.push(rep);
        pictures.push(picture);
    }
    finish(out, &reports, &pictures)
}

/// One scenario, in this process: its report and its picture (none for an invalid file). The
/// machine is checked once, when the first lab is about to be built.
pub(super) async fn scenario(
    f: &Path,
    naming: &super::Naming,
    env_checked: &mut bool,
    verbose: u8,
) -> Result<(ScenarioReport, Option<String>), CliError> {
    match super::prepare_as(f, naming) {
        Ok(prepared) => {
            if !*env_checked {
                super::check_environment()?;
                *env_checked = true;
            }
            let lab = prepared.1.clone();
            let rep = test_one(f, prepared, verbose).await;
            let picture = crate::graph::mermaid(&lab, &rep.verdicts);
            Ok((rep, Some(picture)))
        }
        Err(e) => Ok((error_report(f, &e), None)),
    }
}

/// The report of a scenario that could not be run.
pub(super) fn error_report(f: &Path, e: &CliError) -> ScenarioReport {
    ScenarioReport {
        error: Some(e.to_string()),
        error_code: e.exit().code(),
        ..ScenarioReport::new(f.display().to_string())
    }
}

/// A scenario's table, whole, as soon as it is done (and its annotations in GitHub Actions).
pub(super) fn show(rep: &ScenarioReport, out: &Outputs<'_>) {
    if !out.json {
        print!("{}", report::table_in(rep, crate::i18n::lang()));
    }
    if in_github_actions() {
        print!("{}", report::ci::github_annotations(rep));
    }
}

/// The end of a run: the JSON, the files, the closing line and the exit code.
pub(super) fn finish(out: &Outputs<'_>, reports: &[ScenarioReport], pictures: &[Option<String>]) -> Outcome {
    if out.json {
        println!("{}", serde_json::to_string_pretty(reports).unwrap_or_default());
    }
    write_outputs(out, reports, pictures);
    Ok(conclude(reports, out.json))
}

/// The JUnit and Markdown files, and GitHub's job summary (appended: one job may run several
/// `ecsnet test`). A file that cannot be written is said, and the run's verdict stands.
pub(super) fn write_outputs(out: &Outputs<'_>, reports: &[ScenarioReport], pictures: &[Option<String>]) {
    let write = |p: &Path, text: String, append: bool| {
        use std::io::Write;
        let r = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(p)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = r {
            super::say(&tr!(
                "test-cannot-write",
                "ecsnet: cannot write { $path }: { $error }",
                path = p.display(),
                error = e
            ));
        }
    };
    if let Some(j) = out.junit {
        write(j, report::junit(reports), false);
    }
    if let Some(m) = out.markdown {
        write(m, report::ci::markdown(reports, pictures), false);
    }
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|_| in_github_actions()) {
        write(Path::new(&summary), report::ci::markdown(reports, pictures), true);
    }
}

/// One scenario: up, probe, down (always).
pub(super) async fn test_one(f: &Path, scenario: (Scenario, Lab, Plan), verbose: u8) -> ScenarioReport {
    let name = scenario.1.name.clone();
    super::working_on(&name);
    let rep = test_lab(f, scenario, verbose).await;
    super::done_with(&name);
    rep
}

async fn test_lab(f: &Path, (s, lab, plan): (Scenario, Lab, Plan), verbose: u8) -> ScenarioReport {
    let mut rep = ScenarioReport::new(f.display().to_string());
    rep.lab = Some(lab.name.clone());
    let t0 = Instant::now();
    let opts = UpOptions { cancel: super::cancel_flag(), stop_after: None, progress: verbose > 0 };
    let up = dataplane::up(&lab, &plan, opts).await;
    rep.up_ms = t0.elapsed().as_secs_f64() * 1000.0;
    if let Err(e) = up {
        let e = CliError::from(e);
        rep.error_code = e.exit().code();
        rep.error = Some(e.to_string());
        return rep;
    }
    // A lab changed from outside between `up` and the probes is reported, never judged.
    let damage = dataplane::damage(&lab);
    if !damage.is_empty() {
        rep.error = Some(dataplane::integrity::summary(&damage));
        rep.error_code = Exit::Environment.code();
        teardown(&lab.name, &mut rep);
        return rep;
    }
    let t1 = Instant::now();
    dataplane::up::fault("probing");
    // Probes run to their own timeouts; a panic in one must not skip the teardown.
    let lab2 = lab.clone();
    let exp = s.expect.clone();
    let mut probing = tokio::spawn(async move { crate::check::run(&lab2, &exp).await });
    // Ctrl-C stops the wait: the probes in flight are aborted and the lab still comes down.
    let verdicts = super::until_interrupted(&mut probing).await;
    rep.probe_ms = t1.elapsed().as_secs_f64() * 1000.0;
    match verdicts {
        Some(Ok(v)) => rep.verdicts = v,
        Some(Err(e)) => {
            rep.error = Some(tr!("test-probing-failed", "probing failed: { $error }", error = e));
            rep.error_code = Exit::Failed.code();
        }
        None => {
            probing.abort();
            rep.error =
                Some(tr!("probe-interrupted", "interrupted while probing: the probes in flight were abandoned"));
            rep.error_code = Exit::Interrupted.code();
        }
    }
    // Damage done while probing would read as the analyzer and the packets disagreeing.
    if rep.verdicts.iter().any(|v| v.mismatch) {
        let damage = dataplane::damage(&lab);
        if !damage.is_empty() {
            rep.verdicts.clear();
            rep.error = Some(dataplane::integrity::summary(&damage));
            rep.error_code = Exit::Environment.code();
        }
    }
    teardown(&lab.name, &mut rep);
    rep
}

/// `down`, here rather than on a thread (the machine may refuse one), timed into the report.
fn teardown(lab: &str, rep: &mut ScenarioReport) {
    let t2 = Instant::now();
    let d = dataplane::down(lab);
    rep.down_ms = t2.elapsed().as_secs_f64() * 1000.0;
    if !d.errors.is_empty() {
        rep.error = Some(tr!("test-teardown-failed", "teardown: { $errors }", errors = d.errors.join("; ")));
        rep.error_code = Exit::Failed.code();
    }
}

/// The closing line, and the exit code of the whole run.
fn conclude(reports: &[ScenarioReport], json: bool) -> Exit {
    let total: usize = reports.iter().map(|r| r.verdicts.len()).sum();
    let failed: usize = reports.iter().map(|r| r.failed()).sum();
    let errors = reports.iter().filter(|r| r.error.is_some()).count();
    if !json {
        let errors =
            if errors > 0 { tr!("test-summary-errors", ", { $count } errors", count = errors) } else { String::new() };
        let line = tr!(
            "test-summary",
            "{ $scenarios } scenarios: { $passed } passed, { $failed } failed{ $errors }",
            scenarios = reports.len(),
            passed = total - failed,
            failed = failed,
            errors = errors
        );
        println!("\n{line}");
    }
    if super::interrupted() {
        Exit::Interrupted
    } else if reports.iter().any(|r| r.error_code == Exit::Invalid.code()) {
        Exit::Invalid
    } else if reports.iter().any(|r| r.error_code == Exit::Internal.code()) {
        Exit::Internal
    } else if reports.iter().any(|r| r.error_code == Exit::Environment.code()) {
        Exit::Environment
    } else if failed > 0 || errors > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    }
}
