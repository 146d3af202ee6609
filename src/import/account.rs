//! The account the input is deployed in made the lab's (123456789012, what CloudFormation's
//! `AWS::AccountId` reads as): where a plan or a template names its own account (a role's
//! trust conditioned on `aws:SourceAccount`, an ARN, an image in the account's own ECR), the
//! lab's is named instead, as the real one is on AWS; otherwise ECS could not assume such a
//! role in the lab and the account's own images would be another account's.

use super::resource::{Note, Resource, Value};
use std::collections::HashMap;

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

/// The accounts `s` names: twelve digits as an ARN's field (`:111122223333:`, also inside an
/// `Fn::Sub` whose other fields are variables) or an ECR registry's host
/// (`111122223333.dkr.ecr.`). An AWS-managed policy's ARN (`arn:aws:iam::aws:policy/…`)
/// names none.
pub fn named_in(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let field = start > 0 && b[start - 1] == b':' && b.get(i) == Some(&b':');
        if i - start == 12 && (field || s[i..].starts_with(".dkr.ecr.")) {
            out.push(&s[start..i]);
        }
    }
    out
}

/// The key counted most often (ties: the first in order).
pub fn most(count: &HashMap<String, usize>) -> Option<String> {
    count.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|(k, _)| k.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_named() {
        assert_eq!(named_in("arn:aws:iam::111122223333:role/x"), ["111122223333"]);
        assert_eq!(named_in("arn:aws:iam::aws:policy/ReadOnly"), Vec::<&str>::new());
        assert_eq!(
            named_in("906394416424.dkr.ecr.us-east-1.amazonaws.com/aws-for-fluent-bit:stable"),
            ["906394416424"]
        );
        assert_eq!(named_in("x:1.dkr.ecr.y"), Vec::<&str>::new());
        assert_eq!(named_in("arn:aws:ecr:${AWS::Region}:222233334444:repository/x"), ["222233334444"]);
        assert_eq!(named_in("port 1111222233334444: 123456789012"), Vec::<&str>::new());
    }
}
