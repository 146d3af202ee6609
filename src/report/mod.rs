//! Test results for people (a table), for CI systems (JUnit XML here; GitHub annotations and a
//! Markdown summary in `ci`) and for tools (JSON).

pub mod ci;

use crate::i18n::{Lang, tr_in};
use crate::judge::Verdict;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct ScenarioReport {
    pub file: String,
    pub lab: Option<String>,
    /// Set when the scenario could not be run (invalid file, kernel failure).
    pub error: Option<String>,
    /// The exit code this report asks for: 1 a failed `up`, 2 an invalid scenario, 3 a broken
    /// environment (a lab damaged from outside, or already up), 4 an internal error.
    #[serde(skip)]
    pub error_code: i32,
    pub verdicts: Vec<Verdict>,
    pub up_ms: f64,
    pub probe_ms: f64,
    pub down_ms: f64,
}

impl ScenarioReport {
    /// A report with nothing run yet.
    pub fn new(file: String) -> Self {
        ScenarioReport {
            file,
            lab: None,
            error: None,
            error_code: 0,
            verdicts: vec![],
            up_ms: 0.0,
            probe_ms: 0.0,
            down_ms: 0.0,
        }
    }
    pub fn passed(&self) -> usize {
        self.verdicts.iter().filter(|v| v.pass).count()
    }
    pub fn failed(&self) -> usize {
        self.verdicts.len() - self.passed()
    }
}

/// The table in English (the goldens, and callers with no user).
pub fn table(r: &ScenarioReport) -> String {
    table_in(r, Lang::En)
}

/// The table for a person reading `lang`: the words around the data are translated; column
/// headers, `ok`/`FAIL` and outcomes stay as they are (they line up, and people grep them).
pub fn table_in(r: &ScenarioReport, lang: Lang) -> String {
    let mut s = String::new();
    let name = r.lab.as_deref().unwrap_or("-");
    let _ = writeln!(s, "\n{} ({})", r.file, name);
    if let Some(e) = &r.error {
        let label = tr_in!(lang, "report-error", "ERROR");
        let _ = writeln!(s, "  {label}  {}", e.replace('\n', "\n         "));
        return s;
    }
    let w = r.verdicts.iter().map(|v| v.title.len()).max().unwrap_or(10).clamp(10, 70);
    let _ = writeln!(s, "  {:<4}  {:<w$}  {:<9}  DETAIL", "", "EXPECTATION", "OUTCOME");
    for v in &r.verdicts {
        let mark = if v.pass { "ok" } else { "FAIL" };
        let outcome = v.outcome.map(|o| o.to_string()).unwrap_or_else(|| "-".into());
        let _ = writeln!(s, "  {:<4}  {:<w$}  {:<9}  {}", mark, v.title, outcome, v.detail);
    }
    let mism = r.verdicts.iter().filter(|v| v.mismatch).count();
    if mism > 0 {
        let line = tr_in!(
            lang,
            "report-mismatch",
            "{ $count } MODEL/DATAPLANE MISMATCH(ES): a bug in ecsnet, please report it with this scenario",
            count = mism
        );
        let _ = writeln!(s, "  {line}");
    }
    let line = tr_in!(
        lang,
        "report-counts",
        "{ $passed } passed, { $failed } failed (up { $up } ms, probes { $probes } ms, down { $down } ms)",
        passed = r.passed(),
        failed = r.failed(),
        up = format!("{:.0}", r.up_ms),
        probes = format!("{:.0}", r.probe_ms),
        down = format!("{:.0}", r.down_ms)
    );
    let _ = writeln!(s, "  {line}");
    s
}

fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => o.push(c),
        }
    }
    o
}

/// JUnit XML: one testsuite per scenario, one testcase per expectation.
pub fn junit(reports: &[ScenarioReport]) -> String {
    let tests: usize = reports.iter().map(|r| r.verdicts.len().max(usize::from(r.error.is_some()))).sum();
    let failures: usize = reports.iter().map(|r| r.failed()).sum();
    let errors = reports.iter().filter(|r| r.error.is_some()).count();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(s, "<testsuites name=\"ecsnet\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">");
    for r in reports {
        let name = xml(r.lab.as_deref().unwrap_or(&r.file));
        let secs = (r.up_ms + r.probe_ms + r.down_ms) / 1000.0;
        if let Some(e) = &r.error {
            let _ =
                writeln!(s, "  <testsuite name=\"{name}\" tests=\"1\" failures=\"0\" errors=\"1\" time=\"{secs:.3}\">");
            let _ = writeln!(s, "    <testcase classname=\"{name}\" name=\"{}\" time=\"0\">", xml(&r.file));
            let _ = writeln!(s, "      <error message=\"{}\">{}</error>", xml(e.lines().next().unwrap_or("")), xml(e));
            let _ = writeln!(s, "    </testcase>\n  </testsuite>");
            continue;
        }
        let _ = writeln!(
            s,
            "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{secs:.3}\">",
            r.verdicts.len(),
            r.failed()
        );
        for v in &r.verdicts {
            let t = v.elapsed_ms / 1000.0;
            // `file` and `line` apart, as report actions read them to annotate the YAML line.
            let (file, line) = match ci::location(&v.at) {
                Some((f, l, _)) => (f.to_string(), format!(" line=\"{l}\"")),
                None => (r.file.clone(), String::new()),
            };
            let _ = write!(
                s,
                "    <testcase classname=\"{name}\" name=\"{}\" file=\"{}\"{line} time=\"{t:.3}\"",
                xml(&v.title),
                xml(&file)
            );
            if v.pass {
                let _ = writeln!(s, "/>");
            } else {
                let _ = writeln!(
                    s,
                    ">\n      <failure message=\"{}\">{}: {}</failure>\n    </testcase>",
                    xml(&v.detail),
                    xml(&v.at),
                    xml(&v.detail)
                );
            }
        }
        let _ = writeln!(s, "  </testsuite>");
    }
    s.push_str("</testsuites>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_escapes_and_counts() {
        let r = ScenarioReport {
            file: "a.yaml".into(),
            lab: Some("a".into()),
            error: None,
            error_code: 0,
            verdicts: vec![Verdict::sample(
                0,
                "internet -> task/x:80/tcp",
                "a.yaml:3:5",
                false,
                "expected <reachable> & got \"timeout\"",
            )],
            up_ms: 1.0,
            probe_ms: 1.0,
            down_ms: 1.0,
        };
        let x = junit(&[r]);
        assert!(x.contains("tests=\"1\" failures=\"1\""));
        assert!(x.contains("&lt;reachable&gt; &amp; got &quot;timeout&quot;"));
        assert!(!x.contains("<reachable>"));
    }
}
