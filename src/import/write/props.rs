//! Which properties each kind's writer reads, declared next to the writer ([`Props`]), and a
//! note for every other property the input sets: what the importer does not understand is
//! listed, never dropped silently. Checked once every writer ran, on the resources written.

use super::Ctx;
use crate::import::resource::{Resource, Value};

/// What a kind's writer does with one of its properties.
pub enum Use {
    /// Read by the writer: carried over, or noted by the writer itself where it cannot be
    /// (under conditions a list cannot say: an IPv6 rule, a Fargate service's placement).
    Read,
    /// Metadata with no effect on the network or on what the lab shows (tags, descriptions):
    /// skipped without a note, deliberately.
    Meta,
    /// Not carried over: why (it completes "is not carried over: "), and how to work around
    /// it ("" when there is nothing to do). A flag set to false is not noted: it changes
    /// nothing.
    Lost(&'static str, &'static str),
    /// As [`Use::Lost`], but for a value that is the default (`ipv4`, `HTTP1`), which says
    /// nothing: not carried over unless it is the first.
    LostUnless(&'static str, &'static str, &'static str),
    /// A block (a map, or a list of maps) whose own properties are declared.
    Nested(Props),
}

/// A kind's properties (CloudFormation's names).
pub type Props = &'static [(&'static str, Use)];

/// Kinds (CloudFormation types) and their properties.
pub type Kinds = &'static [(&'static str, Props)];

/// Note every property set on a written resource of a declared kind that its writer does not
/// read.
pub fn note_unread(ctx: &mut Ctx, kinds: &[Kinds]) {
    let input = ctx.input;
    for r in &input.resources {
        if !ctx.used.contains(&r.id) || ctx.skipped.contains(&r.id) {
            continue;
        }
        if let Some(props) = declared(kinds, &r.kind) {
            block(ctx, r, "", &r.properties, props);
        }
    }
}

/// The properties declared for `kind`.
pub fn declared(kinds: &[Kinds], kind: &str) -> Option<Props> {
    kinds.iter().flat_map(|k| k.iter()).find(|(k, _)| *k == kind).map(|(_, p)| *p)
}

/// How `key` is used; keys are matched whatever the case of their first letter (a Terraform
/// container definition is the ECS API's camelCase).
pub fn find(props: Props, key: &str) -> Option<&'static Use> {
    let mut c = key.chars();
    let first = c.next()?;
    let rest = c.as_str();
    props.iter().find(|(k, _)| k.strip_prefix(first.to_ascii_uppercase()).is_some_and(|r| r == rest)).map(|(_, u)| u)
}

fn block(ctx: &mut Ctx, r: &Resource, at: &str, v: &Value, props: Props) {
    let Value::Map(m) = v else { return };
    for (k, x) in m {
        if unset(x) {
            continue;
        }
        let path = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
        match find(props, k) {
            Some(Use::Read | Use::Meta) => {}
            Some(Use::Lost(why, fix)) => {
                if x.bool() != Some(false) {
                    ctx.note(&r.origin, format!("{path} is not carried over: {why}"), *fix);
                }
            }
            Some(Use::LostUnless(default, why, fix)) => {
                if x.str().is_none_or(|s| !s.eq_ignore_ascii_case(default)) {
                    ctx.note(&r.origin, format!("{path} is not carried over: {why}"), *fix);
                }
            }
            Some(Use::Nested(sub)) => match x {
                Value::List(l) => {
                    for (i, item) in l.iter().enumerate() {
                        block(ctx, r, &format!("{path}[{i}]"), item, sub);
                    }
                }
                _ => block(ctx, r, &path, x, sub),
            },
            None => ctx.note(
                &r.origin,
                format!("{path} is not carried over: the importer does not know this property of {}", r.kind),
                "add its counterpart to the scenario by hand if the lab needs it",
            ),
        }
    }
}

/// Null, an empty list or map: nothing is said (Terraform writes every attribute).
fn unset(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        _ => false,
    }
}
