//! `ecsnet inspect LAB CONTAINER...`: `docker inspect` of emulated containers, found by docker
//! name or id prefix (at least 3 characters).

use super::{EXIT_INVALID, EXIT_OK};
use crate::views;

pub fn run(lab: &str, containers: &[String], instance: Option<&str>) -> i32 {
    let (l, rt) = match super::ps::load(lab) {
        Ok(x) => x,
        Err(c) => return c,
    };
    if let Some(n) = instance {
        if l.instance(n).is_none() {
            eprintln!("ecsnet: no instance `{n}` in lab {lab}");
            return EXIT_INVALID;
        }
    }
    let mut items = vec![];
    for c in containers {
        match views::inspect::find(&l, c, instance) {
            Ok(ctr) => items.push(views::inspect::inspect(&ctr, &rt)),
            Err(e) => {
                eprintln!("ecsnet: {e}");
                return EXIT_INVALID;
            }
        }
    }
    print!("{}", views::inspect::render(&items));
    EXIT_OK
}
