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
    // `alb/NAME`: the load balancer as ELBv2 describes it.
    let lb = |c: &String| c.strip_prefix("alb/").or_else(|| c.strip_prefix("nlb/")).map(str::to_string);
    if let Some(name) = containers.first().and_then(lb).filter(|_| containers.len() == 1) {
        let d = views::load_balancer::describe(&l, &rt, &name).ok_or_else(|| {
            CliError::Invalid(tr!(
                "inspect-no-alb",
                "no load balancer `{ $name }` in lab { $lab }",
                name = name,
                lab = lab
            ))
        })?;
        println!("{}", serde_json::to_string_pretty(&d).unwrap_or_default());
        return Ok(Exit::Ok);
    }
    // `cloudmap/NAME[.NAMESPACE]`: the Cloud Map service and the instances ECS registered.
    if let Some(name) = containers.first().and_then(|c| c.strip_prefix("cloudmap/")).filter(|_| containers.len() == 1) {
        let d = views::cloud_map::describe(&l, &rt, name).ok_or_else(|| {
            CliError::Invalid(tr!(
                "inspect-no-cloud-map",
                "no Cloud Map service `{ $name }` in lab { $lab }",
                name = name,
                lab = lab
            ))
        })?;
        println!("{}", serde_json::to_string_pretty(&d).unwrap_or_default());
        return Ok(Exit::Ok);
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
