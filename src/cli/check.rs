//! `ecsnet check LAB`: probe the expectations of a running lab.

use super::{CliError, Exit, Outcome};
use crate::dataplane::state;
use crate::report::{self, ScenarioReport};

pub async fn run(lab: &str, json: bool) -> Outcome {
    super::check_environment()?;
    let l = state::load_lab(lab).map_err(|e| CliError::Failed(e.to_string()))?;
    let path = state::dir(lab).join("expect.json");
    let data = std::fs::read(&path)
        .map_err(|e| CliError::Failed(format!("lab `{lab}` has no stored expectations ({}: {e})", path.display())))?;
    let exp: Vec<crate::scenario::Expectation> =
        serde_json::from_slice(&data).map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?;
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
    Ok(if rep.failed() > 0 { Exit::Failed } else { Exit::Ok })
}
