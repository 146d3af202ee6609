//! What every block's parser shares: the diagnostics, the scenario's directory (for `file:`),
//! the names declared so far, and the rules for names and references to names.

use super::reference::{RefKind, Seen};
use super::walk::*;
use crate::i18n::tr;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

pub(crate) const MAX_INSTANCES: usize = 200;
/// Issue 18: a lab of 5,000 tasks over 200 instances is built and probed (README, Performance).
pub(crate) const MAX_TASKS: usize = 5000;
pub(crate) const MAX_TASK_DEFINITIONS: usize = 1000;
pub(crate) const MAX_EXPECTATIONS: usize = 20_000;
/// Subnets, route tables, security groups, ... (AWS's own quotas are lower).
pub(crate) const MAX_OBJECTS: usize = 500;
pub(crate) const MAX_RULES: usize = 1000;

/// One file's parse: its diagnostics, where `file:` paths start, the names seen so far.
pub(crate) struct Builder {
    pub cx: Reader,
    pub base_dir: PathBuf,
    pub seen: Seen,
}

impl Builder {
    pub fn new(file: Arc<PathBuf>, base_dir: PathBuf) -> Self {
        Builder { cx: Reader::new(file), base_dir, seen: Seen::default() }
    }

    /// `name:` of an ecsnet object: required, name rules, unique, remembered.
    pub fn object_name(
        &mut self,
        m: &Block<'_>,
        of: RefKind,
        example: &str,
        uniq: &mut UniqueNames,
    ) -> Option<Located<String>> {
        let cx = &mut self.cx;
        let v = m.req(cx, "name", example)?;
        let s = cx.string(&v)?;
        let ok = check_name(cx, &s, of.kind);
        self.seen.insert(of.kind, &s.value);
        (ok && uniq.add(cx, &s, of.kind)).then_some(s)
    }

    /// A reference to another object by name (existence is checked later).
    pub fn ref_name(&mut self, v: &Value<'_>, of: RefKind) -> Option<Located<String>> {
        let s = self.cx.string(v)?;
        check_name(&mut self.cx, &s, of.kind).then_some(s)
    }

    /// A list of references: name rules, at most `limit` entries, no duplicates.
    pub fn ref_list(&mut self, v: &Value<'_>, of: RefKind, limit: usize) -> Option<Vec<Located<String>>> {
        let list = self.cx.str_list(v, MAX_OBJECTS)?;
        let mut ok = true;
        for s in &list {
            ok &= check_name(&mut self.cx, s, of.kind);
        }
        if list.len() > limit {
            let loc = self.cx.vloc(v);
            self.cx.err(
                &loc,
                tr!(
                    "scenario-aws-limit",
                    "too many entries in `{ $field }`: { $count } (AWS allows at most { $limit })",
                    field = v.field,
                    count = list.len(),
                    limit = limit
                ),
                tr!("scenario-aws-limit-help", "remove some entries"),
            );
            ok = false;
        }
        let mut firsts: HashMap<&str, usize> = HashMap::new();
        for s in &list {
            if let Some(line) = firsts.get(s.value.as_str()) {
                let line = *line;
                self.cx.err(
                    &s.loc,
                    tr!(
                        "scenario-listed-twice",
                        "`{ $name }` is listed twice (first at line { $line })",
                        name = s.value,
                        line = line
                    ),
                    tr!("scenario-listed-twice-help", "remove the duplicate"),
                );
                ok = false;
            } else {
                firsts.insert(&s.value, s.loc.line);
            }
        }
        ok.then_some(list)
    }

    /// Each entry of a list of blocks, through `parse`, keeping the ones that parsed.
    pub fn each<T>(
        &mut self,
        v: &Value<'_>,
        limit: usize,
        mut parse: impl FnMut(&mut Builder, &Value<'_>) -> Option<T>,
    ) -> Vec<T> {
        let items = self.cx.items(v, limit).unwrap_or_default();
        items.iter().filter_map(|it| parse(self, it)).collect()
    }
}
