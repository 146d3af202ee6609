//! `ecsnet validate FILE...`: parse and check, print every problem with its location.

use super::{Exit, Outcome};
use std::path::PathBuf;

pub fn run(files: &[PathBuf]) -> Outcome {
    let mut exit = Exit::Ok;
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
            // Every file is checked: report this one and go on.
            Err(e) => {
                eprintln!("{e}");
                exit = exit.max(e.exit()).max(Exit::Invalid);
            }
        }
    }
    Ok(exit)
}
