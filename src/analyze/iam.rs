//! IAM's policy evaluation, as the analyzer uses it. The evaluator itself lives in the model
//! (`model::iam`), below placement, which needs it for role trust policies; its items are here
//! under their usual paths.

pub use crate::model::iam::*;

/// Which statements applied and which conditions did not hold (an absent key named), one line
/// each under `indent`: what `iam simulate` and `explain --call` say of a decision.
pub fn statement_lines(r: &Request, d: &Decision, indent: &str) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for m in &d.matched {
        let sid = m.sid.as_deref().map(|x| format!(" ({x})")).unwrap_or_default();
        let (n, policy, kind, line, col) = (m.statement + 1, &m.policy, m.policy_type, m.line, m.col);
        let _ =
            writeln!(s, "{indent}{} statement {n}{sid} of {policy} ({kind}, line {line} col {col}) applies", m.effect);
    }
    for f in &d.failed_conditions {
        let absent = if r.context.keys().any(|c| c.eq_ignore_ascii_case(&f.key)) { "" } else { " (the key is absent)" };
        let (n, policy, op, key) = (f.statement + 1, &f.policy, &f.operator, &f.key);
        let _ =
            writeln!(s, "{indent}{} statement {n} of {policy}: condition {op} {key} does not hold{absent}", f.effect);
    }
    s
}
