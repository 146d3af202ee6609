//! Layer 1: the scenario file. Parse and validate; pure (reads files, touches nothing else).

mod build;
mod check;
pub mod error;
mod expectation;
pub mod instance_types;
mod json;
mod lookup;
mod names;
mod node;
mod taskdef;
mod text;
pub mod types;
mod walk;

#[cfg(test)]
mod corpus_test;
#[cfg(test)]
mod tests;

pub use build::check_lab_name;
pub use error::{Diagnostic, Diagnostics};
pub use instance_types::eni_limits;
pub use lookup::find_task_def;
pub use node::{Node, parse_node};
pub use text::{MAX_DEPTH, MAX_FILE_BYTES};
pub use types::*;

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Read, parse and validate a scenario file. `file:` task definitions are resolved relative to
/// the scenario's directory.
pub fn load(path: &Path) -> Result<Scenario, Diagnostics> {
    let file = Arc::new(path.to_path_buf());
    match text::read_text(path, &file, None) {
        Ok(t) => load_str(path, &t),
        Err(d) => Err(Diagnostics(vec![d])),
    }
}

/// Same from text (`path` is used for locations and for resolving `file:`).
pub fn load_str(path: &Path, text: &str) -> Result<Scenario, Diagnostics> {
    let file = Arc::new(path.to_path_buf());
    let root = match text::parse_yaml(text, &file, "a scenario file") {
        Ok(n) => n,
        Err(d) => return Err(Diagnostics(vec![d])),
    };
    let base_dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut b = build::Builder::new(file.clone(), base_dir);
    let draft = b.draft(&root);
    let scenario = b.finish(draft, path.to_path_buf());
    match scenario {
        Some(s) if b.cx.diags.is_empty() => Ok(s),
        _ => {
            let mut diags = Diagnostics(std::mem::take(&mut b.cx.diags));
            diags.sort();
            if b.cx.overflow || diags.0.len() > walk::MAX_DIAGNOSTICS {
                diags.0.truncate(walk::MAX_DIAGNOSTICS);
                diags.push(Diagnostic::new(
                    &types::Loc::new(file.clone(), 1, 1),
                    format!("too many errors; only the first {} are shown", walk::MAX_DIAGNOSTICS),
                    "fix these and validate again",
                ));
            }
            if diags.is_empty() {
                // Defensive: a scenario could not be built but nothing was reported.
                diags.push(Diagnostic::new(&types::Loc::new(file, 1, 1), "the scenario is incomplete", ""));
            }
            Err(diags)
        }
    }
}
