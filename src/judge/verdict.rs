//! A verdict: what one expectation came to, as reports and pictures show it.

use crate::analyze::Reason;
use crate::scenario::{Expectation, Outcome};
use serde::Serialize;

#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Verdict {
    pub index: usize,
    pub title: String,
    /// `file:line:col` of the expectation.
    pub at: String,
    pub pass: bool,
    pub outcome: Option<Outcome>,
    /// Who answered (`task/web/app`), when a responder did.
    pub served_by: Option<String>,
    /// The source address the responder saw.
    pub source_seen: Option<String>,
    /// Why it failed, or what was observed.
    pub detail: String,
    pub elapsed_ms: f64,
    /// The analyzer's explanation code for a blocked path.
    pub reason: Option<Reason>,
    /// The probe and the analyzer disagree (a bug in ecsnet).
    pub mismatch: bool,
    /// The address a check written with a DNS name probed: the first its resolver answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probed: Option<String>,
}

impl Verdict {
    /// A failing verdict with nothing observed yet.
    pub fn new(index: usize, title: String, e: &Expectation) -> Self {
        Verdict { index, title, at: e.loc.to_string(), ..Verdict::blank() }
    }

    fn blank() -> Self {
        Verdict {
            index: 0,
            title: String::new(),
            at: String::new(),
            pass: false,
            outcome: None,
            served_by: None,
            source_seen: None,
            detail: String::new(),
            elapsed_ms: 0.0,
            reason: None,
            mismatch: false,
            probed: None,
        }
    }

    /// A verdict as a report or a picture receives it, for their tests: `title` at `at`,
    /// judged `pass`, with `detail`, nothing observed.
    #[cfg(test)]
    pub fn sample(index: usize, title: &str, at: &str, pass: bool, detail: &str) -> Self {
        let (title, at, detail) = (title.into(), at.into(), detail.into());
        Verdict { index, title, at, pass, detail, elapsed_ms: 1.0, ..Verdict::blank() }
    }
}
