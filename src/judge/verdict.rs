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
}

impl Verdict {
    /// A failing verdict with nothing observed yet.
    pub fn new(index: usize, title: String, e: &Expectation) -> Self {
        Verdict {
            index,
            title,
            at: e.loc.to_string(),
            pass: false,
            outcome: None,
            served_by: None,
            source_seen: None,
            detail: String::new(),
            elapsed_ms: 0.0,
            reason: None,
            mismatch: false,
        }
    }
}
