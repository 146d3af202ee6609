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
    // `service/NAME`: DescribeServices' answer for the services named.
    let services: Vec<&str> = containers.iter().filter_map(|c| c.strip_prefix("service/")).collect();
    if !services.is_empty() {
        let v = views::ecs_service::describe(&l, &rt, &services);
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    }
    let mut items = vec![];
    for c in containers.iter().filter(|c| !c.starts_with("service/")) {
        let ctr = views::inspect::find(&l, c, instance).map_err(CliError::Invalid)?;
        items.push(views::inspect::inspect(&ctr, &rt));
    }
    if !items.is_empty() || services.is_empty() {
        print!("{}", views::inspect::render(&items));
    }
    Ok(Exit::Ok)
}
