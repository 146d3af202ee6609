//! `ecsnet down LAB... | --all [--everyone]`: remove labs, from their journal or from their marks
//! alone. `--all` is the caller's labs (and leftovers nobody owns), never another user's unless
//! `--everyone`.

use super::{CliError, Exit, Outcome};
use crate::dataplane;
use crate::i18n::tr;

pub async fn run(labs: &[String], all: bool, everyone: bool, owner: Option<&str>) -> Outcome {
    super::check_environment_to_remove()?;
    let mut names: Vec<String> = labs.to_vec();
    if all {
        names.extend(dataplane::all_labs());
        names.dedup();
    }
    if names.is_empty() {
        return Err(CliError::Failed(tr!("down-name-a-lab", "name a lab (see `ecsnet ls`) or use --all")));
    }
    // Every lab named is attempted; one that fails does not stop the others.
    let mut exit = Exit::Ok;
    for n in names {
        // Lab names given were checked by `check_lab_args`; one found by --all is checked by
        // `down` itself (an error, nothing touched).
        // `--all` is the caller's labs (and leftovers nobody owns) unless --everyone; decided
        // under the lab's lock, from its journal.
        let only = dataplane::down::Only {
            owner: owner.map(str::to_string),
            user: (all && !everyone && !labs.contains(&n)).then(dataplane::state::invoking_user),
        };
        let n2 = n.clone();
        let rep = tokio::task::spawn_blocking(move || dataplane::down_of(&n2, &only)).await.unwrap_or_default();
        if rep.left_alone {
            let msg = tr!("down-left-alone", "{ $lab }: left alone: { $why }", lab = n, why = rep.skipped.join("; "));
            eprintln!("ecsnet: {msg}");
            continue;
        }
        for s in &rep.skipped {
            eprintln!("ecsnet: {}", tr!("down-skipped", "warning: { $lab }: skipped { $what }", lab = n, what = s));
        }
        if rep.errors.is_empty() {
            println!(
                "{}",
                tr!(
                    "down-done",
                    "{ $lab }: removed { $namespaces } namespaces, stopped { $processes } processes",
                    lab = n,
                    namespaces = rep.namespaces,
                    processes = rep.processes
                )
            );
        } else {
            exit = Exit::Failed;
            for e in rep.errors {
                eprintln!("{n}: {e}");
            }
        }
    }
    Ok(exit)
}
