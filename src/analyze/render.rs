//! The `explain` table: one line per step, then the verdict.

use super::walk::Analysis;
use std::fmt::Write as _;

/// A table of the hops, for `explain` (in English).
pub fn render(a: &Analysis) -> String {
    render_in(a, crate::i18n::Lang::En)
}

/// The table with `why:` and `fix:` in `lang`.
pub fn render_in(a: &Analysis, lang: crate::i18n::Lang) -> String {
    let mut s = String::new();
    let wc = a.steps.iter().map(|x| x.component.len()).max().unwrap_or(9).max(9);
    let wd = a.steps.iter().map(|x| x.decision.len()).max().unwrap_or(8).max(8);
    let _ = writeln!(s, "  {:<wc$}  {:<wd$}  PACKET", "COMPONENT", "DECISION");
    for st in &a.steps {
        let _ = writeln!(s, "  {:<wc$}  {:<wd$}  {}", st.component, st.decision, st.packet);
    }
    let verdict = a.outcome.map(|o| o.to_string()).unwrap_or_else(|| "no address".into());
    let _ = write!(s, "verdict: {verdict}");
    if let Some(c) = &a.code {
        let _ = write!(s, " [{c}] {}", a.explanation);
    }
    if let Some(sv) = &a.served_by {
        let _ = write!(s, "; served by {sv}");
    }
    if let Some(seen) = a.source_seen {
        let _ = write!(s, ", source seen as {seen}");
    }
    s.push('\n');
    // Why in ECS terms, and the fix, for a flow that does not connect.
    if let (Some(c), false) = (a.code, a.outcome == Some(crate::scenario::Outcome::Connected)) {
        let (why, fix) = (crate::i18n::text(lang, "label-why", "why"), crate::i18n::text(lang, "label-fix", "fix"));
        let _ = writeln!(s, "{why}: {}", c.why_in(lang));
        let _ = writeln!(s, "{fix}: {}", c.fix_in(lang));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Reason;
    use crate::analyze::walk::Step;
    use crate::scenario::Outcome;

    #[test]
    fn columns_fit_the_widest_cell_and_the_verdict_follows() {
        let a = Analysis {
            outcome: Some(Outcome::Timeout),
            code: Some(Reason::SubnetAclRestriction),
            explanation: "denied".into(),
            steps: vec![Step {
                component: "subnet a ACL (request)".into(),
                decision: "deny".into(),
                packet: String::new(),
            }],
            served_by: None,
            source_seen: None,
            http_status: None,
            drop_site: None,
        };
        let want = "  COMPONENT               DECISION  PACKET\n  subnet a ACL (request)  deny      \nverdict: timeout [SUBNET_ACL_RESTRICTION] denied\n";
        let got = render(&a);
        assert!(got.starts_with(want), "{got}");
        let why = format!("why: {}\nfix: {}\n", Reason::SubnetAclRestriction.why(), Reason::SubnetAclRestriction.fix());
        assert_eq!(&got[want.len()..], why);
    }
}
