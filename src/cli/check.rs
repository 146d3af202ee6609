//! `ecsnet check LAB`: probe the expectations of a running lab.

use super::{CliError, Exit, Outcome};
use crate::dataplane::state;
use crate::i18n::tr;
use crate::report::{self, ScenarioReport};

/// The largest stored expectation list read back (20,000 expectations are far below).
const MAX_EXPECT_BYTES: usize = 256 * 1024 * 1024;

pub async fn run(lab: &str, json: bool) -> Outcome {
    super::check_environment()?;
    let l = state::load_lab(lab).map_err(|e| CliError::Failed(e.to_string()))?;
    let path = state::dir(lab).join("expect.json");
    let data = crate::scenario::read_regular(&path, MAX_EXPECT_BYTES).map_err(|e| {
        CliError::Failed(tr!(
            "check-no-expectations",
            "lab `{ $lab }` has no stored expectations ({ $path }: { $error })",
            lab = lab,
            path = path.display(),
            error = e
        ))
    })?;
    let exp: Vec<crate::scenario::Expectation> =
        serde_json::from_slice(&data).map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?;
    let t = std::time::Instant::now();
    crate::check::budget(&l, &exp).map_err(|d| CliError::Invalid(crate::scenario::Diagnostics(d).to_string()))?;
    // A lab changed from outside is reported as such, never judged.
    let damage = crate::dataplane::damage(&l);
    if !damage.is_empty() {
        return Err(CliError::Damaged(format!("{lab}: {}", crate::dataplane::integrity::summary(&damage))));
    }
    super::watch_signals();
    let Some(verdicts) = super::until_interrupted(crate::check::run(&l, &exp)).await else {
        let msg = tr!("probe-interrupted", "interrupted while probing: the probes in flight were abandoned");
        eprintln!("ecsnet: {msg}");
        return Ok(Exit::Interrupted);
    };
    // Damage done while probing would read as the analyzer and the packets disagreeing.
    if verdicts.iter().any(|v| v.mismatch) {
        let damage = crate::dataplane::damage(&l);
        if !damage.is_empty() {
            return Err(CliError::Damaged(format!("{lab}: {}", crate::dataplane::integrity::summary(&damage))));
        }
    }
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
        print!("{}", report::table_in(&rep, crate::i18n::lang()));
    }
    Ok(if rep.failed() > 0 { Exit::Failed } else { Exit::Ok })
}
