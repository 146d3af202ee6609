//! `ecsnet inspect LAB CONTAINER...`: `docker inspect` of emulated containers, found by docker
//! name or id prefix (at least 3 characters).

use super::{CliError, Exit, Outcome};
use crate::i18n::tr;
use crate::views;

pub fn run(lab: &str, containers: &[String], instance: Option<&str>) -> Outcome {
    let (l, rt) = super::ps::load(lab)?;
    if let Some(n) = instance {
        if l.instance(n).is_none() {
            return Err(CliError::Invalid(tr!(
                "inspect-no-instance",
                "no instance `{ $name }` in lab { $lab }",
                name = n,
                lab = lab
            )));
        }
    }
    let mut items = vec![];
    for c in containers {
        let ctr = views::inspect::find(&l, c, instance).map_err(CliError::Invalid)?;
        items.push(views::inspect::inspect(&ctr, &rt));
    }
    print!("{}", views::inspect::render(&items));
    Ok(Exit::Ok)
}
