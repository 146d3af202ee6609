//! Where a value was written: every value of a scenario keeps its place in the file, so that
//! later checks (and the planner) can still point at the line that caused a problem.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// Where a value stands in a file (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loc {
    pub file: Arc<PathBuf>,
    pub line: usize,
    pub col: usize,
}

impl Loc {
    pub fn new(file: Arc<PathBuf>, line: usize, col: usize) -> Self {
        Loc { file, line, col }
    }
    /// A location for values ecsnet made up itself (defaults).
    pub fn none() -> Self {
        Loc { file: Arc::new(PathBuf::new()), line: 0, col: 0 }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// A value and where it was written.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Located<T> {
    pub value: T,
    #[serde(skip, default = "Loc::none")]
    pub loc: Loc,
}

impl<T> Located<T> {
    pub fn new(value: T, loc: Loc) -> Self {
        Located { value, loc }
    }
    /// A value ecsnet made up itself (a default): it stands nowhere in the file.
    pub fn bare(value: T) -> Self {
        Located { value, loc: Loc::none() }
    }
}

impl<T: PartialEq> PartialEq for Located<T> {
    fn eq(&self, o: &Self) -> bool {
        self.value == o.value
    }
}

impl<T: Eq> Eq for Located<T> {}
