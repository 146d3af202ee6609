//! What came back besides a connection: the HTTP answer's status and body, and the ICMP
//! message an icmp or udp probe saw.

use crate::probe::ProbeResult;
use crate::scenario::{HttpCheck, IcmpMessage};

/// How much of a body a failing verdict quotes.
const BODY_EXCERPT: usize = 80;

/// What is wrong with the HTTP answer, if anything.
pub(super) fn http_problems(check: &HttpCheck, res: &ProbeResult) -> Vec<String> {
    let mut problems = vec![];
    if let Some(want) = check.status {
        match res.http_status {
            Some(got) if got == want => {}
            Some(got) => problems.push(format!("HTTP status {got}, expected {want}")),
            None => problems.push(format!("no HTTP status came back, expected {want}")),
        }
    }
    if let Some(want) = &check.body_contains {
        match res.body.as_deref() {
            Some(body) if body.contains(want.as_str()) => {}
            Some("") | None => problems.push(format!("the body is empty, expected it to contain {want:?}")),
            Some(body) => {
                let excerpt: String = body.chars().take(BODY_EXCERPT).collect();
                let more = if body.chars().count() > BODY_EXCERPT { "..." } else { "" };
                problems.push(format!("the body does not contain {want:?} (it begins {excerpt:?}{more})"));
            }
        }
    }
    problems
}

/// What a passing HTTP check saw: `HTTP 200, body contains "TaskARN"`.
pub(super) fn http_summary(check: &HttpCheck, res: &ProbeResult) -> String {
    let mut s = match res.http_status {
        Some(status) => format!("HTTP {status}"),
        None => "HTTP".to_string(),
    };
    if let Some(want) = &check.body_contains {
        s.push_str(&format!(", body contains {want:?}"));
    }
    s
}

/// The ICMP message, when it is not the one expected.
pub(super) fn icmp_problem(want: &IcmpMessage, res: &ProbeResult) -> Option<String> {
    match res.icmp {
        Some((kind, code)) if want.matches(kind, code) => None,
        Some((kind, code)) => Some(format!("got ICMP {}, expected {want}", IcmpMessage { kind, code: Some(code) })),
        None => Some(format!("no ICMP message came back, expected {want}")),
    }
}
