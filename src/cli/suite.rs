//! `ecsnet test DIR --shard I/N`: which scenarios of a suite this CI runner takes; and
//! `--jobs N`: up to N of them at once.
//!
//! The rule is round robin over the sorted file list: the file at position `p` (0-based) of the
//! expanded paths sorted by name goes to shard `p mod N + 1`. Every file is in exactly one shard
//! for a given N, and shard sizes differ by at most one, whatever the names: a CI matrix runs all
//! its shards on the same commit, so what shortens the pipeline is balance, not keeping a file on
//! the same shard when another is added (a stable hash would give that, and with a suite of ten
//! files, shards of 1 and 6). Sorting first makes the split independent of the order of the
//! paths on the command line (and of the shell's collation of a glob).
//!
//! `--jobs` runs each scenario in a child process of this binary (`test FILE --one-report`),
//! not on this process's runtime: that runtime has two worker threads and `down` blocks one, so
//! a lab coming down would stall another lab's probes past their timeouts (wrong verdicts); a
//! panic ends the whole process (every lab of the run is removed and the run stops, exit 4);
//! and `ECSNET_TEST_PANIC`, the busy-lab list and the interrupt count are process-wide. A child
//! is what a second `ecsnet test` on the machine already is: labs of distinct names are
//! independent. The parent validates every file first (two scenarios naming the same lab are
//! refused before anything is built: they would collide, and running them one after another
//! would silently undo `--jobs`), checks the machine once, and prints each table whole when its
//! scenario is done; the reports, JSON, JUnit and Markdown follow the order of the files.

use super::test::{self, Outputs};
use super::{CliError, Exit, Naming, Outcome};
use crate::i18n::tr;
use crate::report::ScenarioReport;
use futures::StreamExt;
use std::path::{Path, PathBuf};

/// How a suite is run: `--shard I/N` (this runner's part of it), `--jobs N` (scenarios at
/// once), and the hidden `--one-report` of the process `--jobs` starts for each scenario.
pub struct Suite<'a> {
    pub shard: Option<&'a str>,
    pub jobs: usize,
    pub one_report: bool,
}

/// `ecsnet test PATHS...`: this runner's scenarios, run one after another, `--jobs` at once, or
/// (`--one-report`) the one of a child.
pub async fn run(paths: &[PathBuf], out: Outputs<'_>, naming: &Naming, suite: &Suite<'_>, verbose: u8) -> Outcome {
    // A wrong --shard is said before any file is read.
    let shard = suite.shard.map(parse_shard).transpose()?;
    let mut files = test::expand(paths).map_err(CliError::Invalid)?;
    if let Some(shard) = shard {
        let all = files.len();
        files = split(files, shard);
        if files.is_empty() {
            return Ok(empty_shard(&out, shard, all));
        }
    }
    if naming.name.is_some() && files.len() > 1 {
        return Err(CliError::Invalid(tr!(
            "test-name-one-lab",
            "--name names one lab, and these paths hold { $count } scenarios: use --prefix instead",
            count = files.len()
        )));
    }
    if !naming.expect.is_empty() && files.len() > 1 {
        return Err(CliError::Invalid(tr!(
            "test-expect-one-scenario",
            "--expect adds expectations to one scenario, and these paths hold { $count } scenarios",
            count = files.len()
        )));
    }
    if suite.one_report {
        one_report(&files, naming, verbose).await
    } else if suite.jobs > 1 && files.len() > 1 {
        run_jobs(&files, &out, naming, suite.jobs, verbose).await
    } else {
        test::run(&files, &out, naming, verbose).await
    }
}

/// A shard with no scenario passes: its line (on stderr with --json, whose output stays `[]`),
/// and the outputs CI collects, empty.
fn empty_shard(out: &Outputs<'_>, shard: Shard, suite: usize) -> Exit {
    let line = empty_shard_line(shard, suite);
    if out.json {
        super::say(&line);
        println!("[]");
    } else {
        println!("{line}");
    }
    test::write_outputs(out, &[], &[]);
    Exit::Ok
}

/// Shard `index` of `total`, 1-based as GitLab's CI_NODE_INDEX/CI_NODE_TOTAL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub total: usize,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
}

/// `--shard I/N`: 1 <= I <= N; anything else is exit 2, said before any file is read.
pub fn parse_shard(value: &str) -> Result<Shard, CliError> {
    let bad = || {
        CliError::Invalid(tr!(
            "test-bad-shard",
            "--shard `{ $value }`: give I/N, this runner's shard I of N with 1 <= I <= N (GitLab: $CI_NODE_INDEX/$CI_NODE_TOTAL), e.g. 2/3",
            value = value
        ))
    };
    let (i, n) = value.split_once('/').ok_or_else(bad)?;
    let index: usize = i.trim().parse().map_err(|_| bad())?;
    let total: usize = n.trim().parse().map_err(|_| bad())?;
    if index == 0 || index > total {
        return Err(bad());
    }
    Ok(Shard { index, total })
}

/// The files of `shard`, in the order given.
pub fn split(files: Vec<PathBuf>, shard: Shard) -> Vec<PathBuf> {
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by(|a, b| files[*a].cmp(&files[*b]));
    let mut rank = vec![0; files.len()];
    for (position, i) in order.into_iter().enumerate() {
        rank[i] = position;
    }
    files.into_iter().zip(rank).filter(|(_, r)| r % shard.total == shard.index - 1).map(|(f, _)| f).collect()
}

/// The line of a shard with nothing to run (it passes: a suite smaller than the matrix).
pub fn empty_shard_line(shard: Shard, suite: usize) -> String {
    tr!(
        "test-shard-empty",
        "shard { $shard } holds no scenario (the paths hold { $count }): nothing to run",
        shard = shard.to_string(),
        count = suite
    )
}

/// What a `--one-report` child prints: its report and the exit code the report asks for.
#[derive(serde::Serialize, serde::Deserialize)]
struct ChildReport {
    error_code: i32,
    report: ScenarioReport,
}

/// `test FILE --one-report`: the scenario, tested as a serial run would, as one JSON line.
pub async fn one_report(files: &[PathBuf], naming: &Naming, verbose: u8) -> Outcome {
    let [f] = files else {
        return Err(CliError::Invalid(tr!(
            "test-one-report-one-file",
            "--one-report runs one scenario, and these paths hold { $count }",
            count = files.len()
        )));
    };
    super::as_child();
    super::watch_signals();
    // The parent checked the machine.
    let (rep, _) = test::scenario(f, naming, &mut true, verbose).await?;
    let line = serde_json::to_string(&ChildReport { error_code: rep.error_code, report: rep.clone() })
        .map_err(|e| CliError::Internal(e.to_string()))?;
    println!("{line}");
    Ok(if rep.error_code != 0 {
        exit_of(rep.error_code)
    } else if rep.failed() > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    })
}

fn exit_of(code: i32) -> Exit {
    [Exit::Failed, Exit::Invalid, Exit::Environment, Exit::Internal, Exit::Interrupted]
        .into_iter()
        .find(|e| e.code() == code)
        .unwrap_or(Exit::Internal)
}

/// Each scenario that can be built: its lab, for the duplicate check and its picture.
type Prepared = Result<crate::model::Lab, CliError>;

/// `test --jobs N` over `files` (more than one).
pub async fn run_jobs(files: &[PathBuf], out: &Outputs<'_>, naming: &Naming, jobs: usize, verbose: u8) -> Outcome {
    let prepared: Vec<Prepared> = files.iter().map(|f| super::prepare_as(f, naming).map(|p| p.1)).collect();
    same_lab_twice(files, &prepared, jobs)?;
    if prepared.iter().any(Result::is_ok) {
        super::check_environment()?;
    }
    super::watch_signals();
    let mut done: Vec<Option<ScenarioReport>> = vec![None; files.len()];
    let mut running = futures::stream::FuturesUnordered::new();
    let mut next = 0;
    loop {
        while running.len() < jobs && next < files.len() && !super::interrupted() {
            match &prepared[next] {
                Ok(lab) => running.push(child(next, &files[next], &lab.name, naming, verbose)),
                Err(e) => {
                    let rep = test::error_report(&files[next], e);
                    test::show(&rep, out);
                    done[next] = Some(rep);
                }
            }
            next += 1;
        }
        let Some((i, rep)) = running.next().await else { break };
        test::show(&rep, out);
        done[i] = Some(rep);
    }
    let (reports, pictures): (Vec<_>, Vec<_>) = done
        .into_iter()
        .zip(&prepared)
        .filter_map(|(rep, lab)| {
            let rep = rep?;
            let picture = lab.as_ref().ok().map(|lab| crate::graph::mermaid(lab, &rep.verdicts));
            Some((rep, picture))
        })
        .unzip();
    test::finish(out, &reports, &pictures)
}

/// Two scenarios of one `--jobs` run naming the same lab: exit 2, before anything is built.
fn same_lab_twice(files: &[PathBuf], prepared: &[Prepared], jobs: usize) -> Result<(), CliError> {
    let mut seen: Vec<(&str, &Path)> = vec![];
    for (f, lab) in files.iter().zip(prepared) {
        let Ok(lab) = lab else { continue };
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == lab.name) {
            return Err(CliError::Invalid(tr!(
                "test-jobs-same-lab",
                "--jobs { $jobs }: { $first } and { $second } both name lab { $lab }, which cannot be built twice at once: give each scenario its own `name:`, or run them with --jobs 1",
                jobs = jobs,
                first = first.display(),
                second = f.display(),
                lab = lab.name.as_str()
            )));
        }
        seen.push((lab.name.as_str(), f));
    }
    Ok(())
}

/// Scenario `i` in a child process (its own process group: this process passes signals on),
/// waited for; a child that ended without its report gets one saying so.
async fn child(i: usize, f: &Path, lab: &str, naming: &Naming, verbose: u8) -> (usize, ScenarioReport) {
    let failed = |error: String, code: Exit| {
        let mut rep = test::error_report(f, &CliError::Internal(error));
        rep.lab = Some(lab.to_string());
        rep.error_code = code.code();
        rep
    };
    let spawned = child_command(f, naming, verbose).and_then(|mut c| c.spawn());
    let proc = match spawned {
        Ok(p) => p,
        Err(e) => {
            let error =
                tr!("test-jobs-cannot-start", "cannot start a process for this scenario: { $error }", error = e);
            return (i, failed(error, Exit::Environment));
        }
    };
    let pid = proc.id();
    if let Some(pid) = pid {
        super::child_started(pid);
    }
    let output = proc.wait_with_output().await;
    if let Some(pid) = pid {
        super::child_done(pid);
    }
    let parsed = output.as_ref().ok().and_then(|o| {
        let text = String::from_utf8_lossy(&o.stdout);
        text.lines().rev().find(|l| !l.trim().is_empty()).and_then(|l| serde_json::from_str::<ChildReport>(l).ok())
    });
    match parsed {
        Some(ChildReport { error_code, mut report }) => {
            report.error_code = error_code;
            (i, report)
        }
        None => {
            let status = output.map(|o| o.status.to_string()).unwrap_or_else(|e| e.to_string());
            let code = if super::interrupted() { Exit::Interrupted } else { Exit::Internal };
            let error = tr!(
                "test-jobs-no-report",
                "the process testing this scenario ended without a report ({ $status })",
                status = status
            );
            (i, failed(error, code))
        }
    }
}

/// `ecsnet test FILE --one-report [--prefix P] [-v]`, this very binary.
fn child_command(f: &Path, naming: &Naming, verbose: u8) -> std::io::Result<tokio::process::Command> {
    use std::process::Stdio;
    let mut c = tokio::process::Command::new(std::env::current_exe()?);
    c.arg("test").arg(f).arg("--one-report");
    if let Some(p) = &naming.prefix {
        c.arg("--prefix").arg(p);
    }
    for e in &naming.expect {
        c.arg("--expect").arg(e);
    }
    for _ in 0..verbose {
        c.arg("-v");
    }
    c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::inherit()).process_group(0);
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(n: usize) -> Vec<PathBuf> {
        (0..n).map(|i| PathBuf::from(format!("s/{i:03}.yaml"))).collect()
    }

    #[test]
    fn every_file_is_in_exactly_one_shard() {
        for total in 1..=7 {
            let all = files(23);
            let mut seen: Vec<PathBuf> = vec![];
            for index in 1..=total {
                let part = split(all.clone(), Shard { index, total });
                // Balanced: sizes differ by at most one.
                assert!(part.len() == 23 / total || part.len() == 23 / total + 1, "{index}/{total}");
                seen.extend(part);
            }
            seen.sort();
            assert_eq!(seen, all, "the union of shards 1..{total} is the suite, each file once");
        }
    }

    #[test]
    fn the_split_does_not_depend_on_the_order_given() {
        let all = files(10);
        let mut reversed = all.clone();
        reversed.reverse();
        for index in 1..=3 {
            let s = Shard { index, total: 3 };
            let mut a = split(all.clone(), s);
            let mut b = split(reversed.clone(), s);
            a.sort();
            b.sort();
            assert_eq!(a, b);
        }
        // Round robin over the sorted names.
        let first = split(all, Shard { index: 1, total: 3 });
        assert_eq!(
            first,
            vec![PathBuf::from("s/000.yaml"), "s/003.yaml".into(), "s/006.yaml".into(), "s/009.yaml".into()]
        );
    }

    #[test]
    fn a_shard_may_be_empty() {
        assert!(split(files(2), Shard { index: 3, total: 3 }).is_empty());
        assert!(split(vec![], Shard { index: 1, total: 1 }).is_empty());
    }

    #[test]
    fn a_childs_report_comes_back_whole_with_its_exit_code() {
        let mut rep = ScenarioReport::new("s/001.yaml".into());
        rep.lab = Some("ci-s001".into());
        rep.error = Some("up failed: x".into());
        rep.error_code = Exit::Failed.code();
        rep.up_ms = 12.5;
        let line = serde_json::to_string(&ChildReport { error_code: rep.error_code, report: rep.clone() }).unwrap();
        assert!(!line.contains('\n'), "one line");
        let back: ChildReport = serde_json::from_str(&line).unwrap();
        assert_eq!(back.error_code, 1);
        assert_eq!(serde_json::to_value(&back.report).unwrap(), serde_json::to_value(&rep).unwrap());
        assert_eq!(exit_of(130), Exit::Interrupted);
        assert_eq!(exit_of(77), Exit::Internal);
    }

    #[test]
    fn shard_values() {
        assert_eq!(parse_shard("2/3").unwrap(), Shard { index: 2, total: 3 });
        assert_eq!(parse_shard("1/1").unwrap(), Shard { index: 1, total: 1 });
        for bad in ["0/3", "4/3", "x", "1/0", "0/0", "/3", "2/", "-1/3", "1/3/5", ""] {
            let e = parse_shard(bad).unwrap_err();
            assert_eq!(e.exit(), super::super::Exit::Invalid, "{bad}");
            assert!(e.to_string().contains(&format!("`{bad}`")), "{bad}: {e}");
        }
    }
}
