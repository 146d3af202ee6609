//! `ecsnet down LAB... | --all [--everyone]`: remove labs, from their journal or from their marks
//! alone. `--all` is the caller's labs (and leftovers nobody owns), never another user's unless
//! `--everyone`.

use super::{CliError, Exit, Outcome};
use crate::dataplane;

pub async fn run(labs: &[String], all: bool, everyone: bool, owner: Option<&str>) -> Outcome {
    super::check_environment()?;
    let mut names: Vec<String> = labs.to_vec();
    if all {
        names.extend(dataplane::all_labs());
        names.dedup();
    }
    if names.is_empty() {
        return Err(CliError::Failed("name a lab (see `ecsnet ls`) or use --all".into()));
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
            eprintln!("ecsnet: {n}: left alone: {}", rep.skipped.join("; "));
            continue;
        }
        for s in &rep.skipped {
            eprintln!("ecsnet: warning: {n}: skipped {s}");
        }
        if rep.errors.is_empty() {
            println!("{n}: removed {} namespaces, stopped {} processes", rep.namespaces, rep.processes);
        } else {
            exit = Exit::Failed;
            for e in rep.errors {
                eprintln!("{n}: {e}");
            }
        }
    }
    Ok(exit)
}
