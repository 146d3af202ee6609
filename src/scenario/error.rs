//! Scenario diagnostics: every problem carries file, line, column, what is wrong and how to fix it.

use super::located::Loc;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub loc: Loc,
    /// What is wrong, in one sentence (AWS's wording where AWS has one).
    pub message: String,
    /// How to fix it; may be empty.
    pub help: String,
}

impl Diagnostic {
    pub fn new(loc: &Loc, message: impl Into<String>, help: impl Into<String>) -> Self {
        Diagnostic { loc: loc.clone(), message: message.into(), help: help.into() }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: error: {}", self.loc, self.message)?;
        if !self.help.is_empty() {
            write!(f, "\n  help: {}", self.help)?;
        }
        Ok(())
    }
}

/// All problems found in one file, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            (a.loc.file.as_path(), a.loc.line, a.loc.col).cmp(&(b.loc.file.as_path(), b.loc.line, b.loc.col))
        });
        self.0.dedup();
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
