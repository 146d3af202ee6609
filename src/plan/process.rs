//! The processes a lab runs, in the order `up` starts them: the pause holder of each awsvpc
//! task, then the agent (which hosts every service and must see the task namespaces held),
//! then the containers' own programs.

use crate::model::Lab;
use crate::model::container::ProcessRole;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    /// How the journal names it (`pause task/web`).
    pub role: String,
    pub kind: ProcessKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProcessKind {
    /// `ecsnet __pause`, which enters `ns` itself and holds it.
    Pause { ns: String },
    /// `ecsnet __agent LAB_STATE_DIR`; `up` waits until it reports ready.
    Agent,
    /// A container's own program, started inside `ns` with the environment ECS gives it; its
    /// output goes to `log`, a file of the lab's state directory.
    Command { ns: String, argv: Vec<String>, env: Vec<(String, String)>, log: String },
}

pub fn processes(lab: &Lab) -> Vec<Process> {
    let placed = || lab.tasks.iter().filter(|t| t.is_running());
    let mut v: Vec<Process> = placed()
        .filter_map(|t| {
            let ns = t.ns.clone()?;
            Some(Process { role: ProcessRole::pause(&t.name).to_string(), kind: ProcessKind::Pause { ns } })
        })
        .collect();
    v.push(Process { role: ProcessRole::Agent.to_string(), kind: ProcessKind::Agent });
    for t in placed() {
        for c in &t.containers {
            let Some(argv) = &c.command else { continue };
            v.push(Process {
                role: ProcessRole::command(&t.name, &c.name).to_string(),
                kind: ProcessKind::Command {
                    ns: c.ns.clone(),
                    argv: argv.clone(),
                    env: c.env.clone(),
                    log: format!("{}.{}.log", t.name, c.name.replace('/', "_")),
                },
            });
        }
    }
    v
}
