//! `ecsnet validate FILE...`: parse and check, print every problem with its location.

use super::{EXIT_INVALID, EXIT_OK};
use std::path::PathBuf;

pub fn run(files: &[PathBuf]) -> i32 {
    let mut code = EXIT_OK;
    for f in files {
        match super::prepare(f) {
            Ok((s, lab, _)) => {
                let unplaced = lab.tasks.iter().filter(|t| t.placement.is_err()).count();
                println!(
                    "{}: ok (lab {}, {} instances, {} tasks{}, {} expectations)",
                    f.display(),
                    s.name.value,
                    s.instances.len(),
                    s.tasks.len(),
                    if unplaced > 0 { format!(", {unplaced} not placed") } else { String::new() },
                    s.expect.len()
                );
            }
            Err((c, msg)) => {
                eprintln!("{msg}");
                code = code.max(c.max(EXIT_INVALID));
            }
        }
    }
    code
}
