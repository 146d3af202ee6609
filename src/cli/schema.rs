//! `ecsnet schema`: the JSON Schema of the scenario file, or of an expectations file
//! (`--expect`), for editors with a YAML language server (docs/scenario.md says how to use it).

use super::{Exit, Outcome};

pub fn run(expect: bool) -> Outcome {
    let text = if expect {
        crate::scenario::schema::expectations_schema_text()
    } else {
        crate::scenario::schema::schema_text()
    };
    println!("{text}");
    Ok(Exit::Ok)
}
