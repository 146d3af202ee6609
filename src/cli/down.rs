//! `ecsnet down LAB... | --all`: remove labs, from their journal or from their marks alone.

use super::{EXIT_ENV, EXIT_FAILED, EXIT_OK};
use crate::dataplane;

pub async fn run(labs: &[String], all: bool) -> i32 {
    if let Err(e) = super::check_environment() {
        eprintln!("ecsnet: {e}");
        return EXIT_ENV;
    }
    let mut names: Vec<String> = labs.to_vec();
    if all {
        names.extend(dataplane::all_labs());
        names.dedup();
    }
    if names.is_empty() {
        eprintln!("ecsnet: name a lab (see `ecsnet ls`) or use --all");
        return EXIT_FAILED;
    }
    let mut code = EXIT_OK;
    for n in names {
        if !crate::model::ids::valid_lab_name(&n) {
            eprintln!("ecsnet: `{n}` is not a lab name");
            code = EXIT_FAILED;
            continue;
        }
        let n2 = n.clone();
        let rep = tokio::task::spawn_blocking(move || dataplane::down(&n2)).await.unwrap_or_default();
        if rep.errors.is_empty() {
            println!("{n}: removed {} namespaces, stopped {} processes", rep.namespaces, rep.processes);
        } else {
            code = EXIT_FAILED;
            for e in rep.errors {
                eprintln!("{n}: {e}");
            }
        }
    }
    code
}
