//! Results where CI systems show them: GitHub Actions workflow commands (`::error file=,line=::`,
//! which annotate the YAML line of a failed expectation in the pull request), and a Markdown
//! summary for a job's summary page (`$GITHUB_STEP_SUMMARY`), with the lab's picture in Mermaid.

use super::ScenarioReport;
use std::fmt::Write as _;

/// `file:line:col` (as a verdict's `at` says it) split into its parts; the file may itself
/// hold colons.
pub fn location(at: &str) -> Option<(&str, u32, u32)> {
    let mut it = at.rsplitn(3, ':');
    let col = it.next()?.parse().ok()?;
    let line = it.next()?.parse().ok()?;
    let file = it.next().filter(|f| !f.is_empty())?;
    Some((file, line, col))
}

/// A workflow command's message: `%`, CR and LF escaped as GitHub reads them.
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A workflow command's property value: also `:` and `,`.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

fn annotation(file: &str, at: Option<(u32, u32)>, title: &str, message: &str) -> String {
    let place = at.map(|(l, c)| format!(",line={l},col={c}")).unwrap_or_default();
    format!("::error file={}{place},title={}::{}\n", property(file), property(title), data(message))
}

/// One `::error` per failed expectation at its line, per located scenario error at its line,
/// and one for a scenario that could not be run at all.
pub fn github_annotations(r: &ScenarioReport) -> String {
    let mut s = String::new();
    if let Some(e) = &r.error {
        // Located diagnostics read `FILE:LINE:COL: error: WHAT`.
        let located: Vec<(String, u32, u32, &str)> = e
            .lines()
            .filter_map(|l| {
                let (at, what) = l.split_once(": error: ")?;
                let (f, line, col) = location(at)?;
                Some((f.to_string(), line, col, what))
            })
            .collect();
        if located.is_empty() {
            s.push_str(&annotation(&r.file, None, "ecsnet: scenario not run", e));
        }
        for (f, line, col, what) in located {
            s.push_str(&annotation(&f, Some((line, col)), "ecsnet: invalid scenario", what));
        }
        return s;
    }
    for v in r.verdicts.iter().filter(|v| !v.pass) {
        let (file, at) = match location(&v.at) {
            Some((f, l, c)) => (f.to_string(), Some((l, c))),
            None => (r.file.clone(), None),
        };
        s.push_str(&annotation(&file, at, &format!("ecsnet: {}", v.title), &v.detail));
    }
    s
}

/// Markdown text of a table cell: one line, pipes escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The run as Markdown: a line per scenario, a table of its expectations, and its picture
/// (`pictures[i]`: Mermaid of scenario i, if any) folded away under `<details>`.
pub fn markdown(reports: &[ScenarioReport], pictures: &[Option<String>]) -> String {
    let total: usize = reports.iter().map(|r| r.verdicts.len()).sum();
    let failed: usize = reports.iter().map(|r| r.failed()).sum();
    let errors = reports.iter().filter(|r| r.error.is_some()).count();
    let mark = if failed == 0 && errors == 0 { "✅" } else { "❌" };
    let mut s = format!(
        "## {mark} ecsnet: {} scenarios, {} passed, {failed} failed{}\n\n",
        reports.len(),
        total - failed,
        if errors > 0 { format!(", {errors} not run") } else { String::new() }
    );
    for (i, r) in reports.iter().enumerate() {
        let name = r.lab.as_deref().unwrap_or("-");
        let _ = writeln!(s, "### `{}` ({name})\n", cell(&r.file));
        if let Some(e) = &r.error {
            let _ = writeln!(s, "**Not run:** {}\n", cell(e));
            continue;
        }
        let _ = writeln!(s, "| | expectation | outcome | detail | where |\n|---|---|---|---|---|");
        for v in &r.verdicts {
            let ok = if v.pass { "✅" } else { "❌" };
            let outcome = v.outcome.map(|o| o.to_string()).unwrap_or_else(|| "-".into());
            let _ = writeln!(s, "| {ok} | `{}` | {outcome} | {} | {} |", cell(&v.title), cell(&v.detail), cell(&v.at));
        }
        let _ = writeln!(s, "\n{} passed, {} failed\n", r.passed(), r.failed());
        if let Some(Some(m)) = pictures.get(i) {
            let _ =
                writeln!(s, "<details><summary>The lab</summary>\n\n```mermaid\n{}\n```\n\n</details>\n", m.trim_end());
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::Verdict;

    fn verdict(pass: bool, at: &str, detail: &str) -> Verdict {
        Verdict::sample(0, "internet -> task/x:80/tcp", at, pass, detail)
    }

    fn report(verdicts: Vec<Verdict>, error: Option<&str>) -> ScenarioReport {
        ScenarioReport {
            lab: Some("a".into()),
            error: error.map(str::to_string),
            verdicts,
            ..ScenarioReport::new("s/a.yaml".into())
        }
    }

    #[test]
    fn locations_split_from_the_right() {
        assert_eq!(location("s/a.yaml:32:7"), Some(("s/a.yaml", 32, 7)));
        assert_eq!(location("C:/x.yaml:1:2"), Some(("C:/x.yaml", 1, 2)));
        assert_eq!(location("a.yaml"), None);
        assert_eq!(location(":1:2"), None);
    }

    #[test]
    fn each_failure_is_annotated_at_its_line_escaped() {
        let r =
            report(vec![verdict(true, "s/a.yaml:3:5", ""), verdict(false, "s/a.yaml:4:5", "100% lost,\nreally")], None);
        assert_eq!(
            github_annotations(&r),
            "::error file=s/a.yaml,line=4,col=5,title=ecsnet%3A internet -> task/x%3A80/tcp::100%25 lost,%0Areally\n"
        );
        let bad = report(vec![], Some("s/a.yaml:9:3: error: unknown field `x`\n  help: remove it"));
        assert_eq!(
            github_annotations(&bad),
            "::error file=s/a.yaml,line=9,col=3,title=ecsnet%3A invalid scenario::unknown field `x`\n"
        );
        let down = report(vec![], Some("up failed: lab `a` is already up"));
        assert!(
            github_annotations(&down).starts_with("::error file=s/a.yaml,title=ecsnet%3A scenario not run::up failed")
        );
    }

    #[test]
    fn the_summary_has_a_table_and_the_picture() {
        let r = report(vec![verdict(false, "s/a.yaml:4:5", "a | b")], None);
        let md = markdown(&[r], &[Some("flowchart LR\n  a --> b\n".into())]);
        assert!(md.starts_with("## ❌ ecsnet: 1 scenarios, 0 passed, 1 failed"), "{md}");
        assert!(md.contains("| ❌ | `internet -> task/x:80/tcp` | - | a \\| b | s/a.yaml:4:5 |"), "{md}");
        assert!(md.contains("```mermaid\nflowchart LR\n  a --> b\n```"), "{md}");
    }
}
