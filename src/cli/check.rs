//! `ecsnet check LAB`: probe the expectations of a running lab.

use super::{EXIT_ENV, EXIT_FAILED, EXIT_OK};
use crate::dataplane::state;
use crate::report::{self, ScenarioReport};

pub async fn run(lab: &str, json: bool) -> i32 {
    if let Err(e) = super::check_environment() {
        eprintln!("ecsnet: {e}");
        return EXIT_ENV;
    }
    let l = match state::load_lab(lab) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("ecsnet: {e}");
            return EXIT_FAILED;
        }
    };
    let exp: Vec<crate::scenario::Expectation> =
        match std::fs::read(state::dir(lab).join("expect.json")).ok().and_then(|d| serde_json::from_slice(&d).ok()) {
            Some(e) => e,
            None => {
                eprintln!("ecsnet: lab `{lab}` has no stored expectations");
                return EXIT_FAILED;
            }
        };
    let t = std::time::Instant::now();
    let verdicts = crate::check::run(&l, &exp).await;
    let rep = ScenarioReport {
        file: l.scenario_file.display().to_string(),
        lab: Some(lab.into()),
        error: None,
        error_code: 0,
        verdicts,
        up_ms: 0.0,
        probe_ms: t.elapsed().as_secs_f64() * 1000.0,
        down_ms: 0.0,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&rep).unwrap_or_default());
    } else {
        print!("{}", report::table(&rep));
    }
    if rep.failed() > 0 { EXIT_FAILED } else { EXIT_OK }
}
