//! `ecsnet down LAB... | --all`: remove labs, from their journal or from their marks alone.

use super::{CliError, Exit, Outcome};
use crate::dataplane;

pub async fn run(labs: &[String], all: bool, owner: Option<&str>) -> Outcome {
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
        let (n2, owner) = (n.clone(), owner.map(str::to_string));
        let rep =
            tokio::task::spawn_blocking(move || dataplane::down_of(&n2, owner.as_deref())).await.unwrap_or_default();
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
