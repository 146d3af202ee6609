//! `ecsnet logs LAB NODE [-f]`, as `docker logs`: what a container's own program
//! (`x-ecsnet.command`) wrote, found by node (`task/NAME[/CONTAINER]`) or by container id or
//! name; or the lab's agent (`agent`, `instance/NAME`: the ECS agent's endpoints, the instance
//! metadata service and the built-in responders all run in it). `-f` follows until Ctrl-C.

use super::{CliError, Exit, Outcome};
use crate::dataplane::state;
use crate::i18n::tr;
use crate::plan::process::ProcessKind;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

/// The log file of a node of a running lab.
fn log_of(lab: &crate::model::Lab, node: &str) -> Result<PathBuf, CliError> {
    let dir = state::dir(&lab.name);
    if node == "agent" || node.starts_with("instance/") {
        if let Some(n) = node.strip_prefix("instance/") {
            super::check_node_names(lab, &crate::scenario::Node::instance(n))?;
        }
        return Ok(dir.join("agent.log"));
    }
    if let Ok((n, _)) = crate::scenario::parse_node(node) {
        super::check_node_names(lab, &n)?;
    }
    let ctr = crate::views::inspect::find(lab, node, None).map_err(CliError::Invalid)?;
    let role = ctr.role();
    let plan = crate::plan::plan(lab);
    let log = plan.processes.iter().find(|p| p.role == role).and_then(|p| match &p.kind {
        ProcessKind::Command { log, .. } => Some(log.clone()),
        _ => None,
    });
    log.map(|l| dir.join(l)).ok_or_else(|| {
        CliError::Invalid(tr!(
            "logs-built-in-responder",
            "{ $container } runs ecsnet's built-in responder (no `x-ecsnet.command`), which logs to the lab's agent: `ecsnet logs { $lab } agent`",
            container = ctr.model().docker_name,
            lab = lab.name
        ))
    })
}

pub async fn run(lab: &str, node: &str, follow: bool) -> Outcome {
    super::check_environment()?;
    let l = super::running_lab(lab)?;
    let path = log_of(&l, node)?;
    let mut f = std::fs::File::open(&path).map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?;
    let mut out = std::io::stdout();
    std::io::copy(&mut f, &mut out).map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?;
    if !follow {
        return Ok(Exit::Ok);
    }
    let mut at = f.stream_position().unwrap_or(0);
    let mut buf = vec![0u8; 64 * 1024];
    // Until Ctrl-C (which simply ends it: nothing to clean up), or until `down` removes the
    // lab (its log goes with it).
    while path.exists() {
        let _ = out.flush();
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let Ok(mut g) = std::fs::File::open(&path) else { break };
        if g.seek(SeekFrom::Start(at)).is_err() {
            continue;
        }
        while let Ok(n) = g.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n]).map_err(|e| CliError::Failed(e.to_string()))?;
            at += n as u64;
        }
    }
    Ok(Exit::Ok)
}
