//! `ecsnet schema`: the JSON Schema of the scenario file, for editors with a YAML language
//! server (docs/scenario.md says how to use it).

use super::{Exit, Outcome};

pub fn run() -> Outcome {
    println!("{}", crate::scenario::schema::schema_text());
    Ok(Exit::Ok)
}
