//! The account the input is deployed in made the lab's (123456789012, what CloudFormation's
//! `AWS::AccountId` reads as): where a plan or a template names its own account (a role's
//! trust conditioned on `aws:SourceAccount`, an ARN, an image in the account's own ECR), the
//! lab's is named instead, as the real one is on AWS; otherwise ECS could not assume such a
//! role in the lab and the account's own images would be another account's.

use super::resource::{Note, Resource, Value};

/// The lab's account (what `AWS::AccountId` reads as).
pub const LAB: &str = "123456789012";

/// Account `own` made the lab's in every resource; the note saying so (assumed: the input
/// may name another account's resources the same way), or None when it is the lab's already.
pub fn adopt(resources: &mut [Resource], own: &str, whose: &str) -> Option<Note> {
    if own == LAB {
        return None;
    }
    for r in resources.iter_mut() {
        swap_account(&mut r.properties, own);
    }
    Some(Note {
        origin: "account".into(),
        what: format!("{whose} account {own} is written as the lab's, {LAB}, wherever it is named"),
        fix: String::new(),
        assumed: true,
    })
}

/// Every whole occurrence of account `own` in `v`'s text made the lab's.
fn swap_account(v: &mut Value, own: &str) {
    match v {
        Value::String(s) if s.contains(own) => *s = replace_account(s, own),
        Value::List(l) => l.iter_mut().for_each(|x| swap_account(x, own)),
        Value::Map(m) => m.iter_mut().for_each(|(_, x)| swap_account(x, own)),
        _ => {}
    }
}

/// `own` replaced where it is a whole number (not part of a longer one).
pub(crate) fn replace_account(s: &str, own: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(k) = rest.find(own) {
        let before = rest[..k].chars().next_back().is_some_and(|c| c.is_ascii_digit());
        let after = rest[k + own.len()..].chars().next().is_some_and(|c| c.is_ascii_digit());
        out.push_str(&rest[..k]);
        out.push_str(if before || after { own } else { LAB });
        rest = &rest[k + own.len()..];
    }
    out.push_str(rest);
    out
}
