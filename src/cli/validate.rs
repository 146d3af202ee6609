//! `ecsnet validate FILE...`: parse and check, print every problem with its location.

use super::{Exit, Outcome};
use crate::i18n::tr;
use std::path::PathBuf;

pub fn run(files: &[PathBuf], expect: &[PathBuf]) -> Outcome {
    if !expect.is_empty() && files.len() != 1 {
        return Err(super::CliError::Invalid(tr!(
            "validate-expect-one-scenario",
            "--expect adds expectations to one scenario, and { $count } files are given",
            count = files.len()
        )));
    }
    let naming = super::Naming { expect: expect.to_vec(), ..Default::default() };
    let mut exit = Exit::Ok;
    for f in files {
        match super::prepare_as(f, &naming) {
            Ok((s, lab, _)) => {
                let unplaced = lab.tasks.iter().filter(|t| t.placement.is_err()).count();
                let unplaced = if unplaced > 0 {
                    tr!("validate-not-placed", ", { $count } not placed", count = unplaced)
                } else {
                    String::new()
                };
                let ok = tr!(
                    "validate-ok",
                    "{ $file }: ok (lab { $lab }, { $instances } instances, { $tasks } tasks{ $unplaced }, { $expectations } expectations)",
                    file = f.display(),
                    lab = s.name.value,
                    instances = s.instances.len(),
                    tasks = lab.tasks.len(),
                    unplaced = unplaced,
                    expectations = s.expect.len()
                );
                println!("{ok}");
                for w in super::control_plane_warnings(&lab, s.control_plane_strict) {
                    eprintln!("{w}");
                }
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
