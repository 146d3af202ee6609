//! The ECS agent's introspection API on :51678 of each container instance (every address; ecs-init
//! keeps it to loopback and docker0, see plan::instance): `/v1/metadata` (cluster, container
//! instance ARN, agent version), `/v1/tasks` (every task, or one by `dockerid` or `taskarn`),
//! `/license`, and for any other path the list of those (Go's ServeMux `/`). Shapes from
//! aws/amazon-ecs-agent ecs-agent/introspection/v1 and agent/handlers/v1/response.go.

use super::{Answer, TmdsInstance};
use serde::{Deserialize, Serialize};

/// What `/license` answers: the head of the agent's LICENSE and THIRD-PARTY files.
const LICENSE: &str = "Copyright Amazon.com Inc. or its affiliates. All Rights Reserved.\n\nLicensed under the Apache License, Version 2.0 (the \"License\"). You may\nnot use this file except in compliance with the License. A copy of the\nLicense is located at\n\n    http://aws.amazon.com/apache2.0/\n\nor in the \"license\" file accompanying this file. This file is distributed\non an \"AS IS\" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either\nexpress or implied. See the License for the specific language governing\npermissions and limitations under the License.\n";
/// The docker id prefix length under which the agent looks a container up by its short id.
const SHORT_ID: usize = 12;

/// What the agent says about itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentIdentity {
    /// `/v1/metadata`, compact JSON.
    pub metadata: String,
}

/// The agent's empty `TaskResponse`, which it sends with an error status.
const EMPTY_TASK: &str = r#"{"Arn":"","KnownStatus":"","Family":"","Version":"","Containers":null}"#;

/// The answer of the introspection API to `target` (path and query).
pub fn answer(inst: &TmdsInstance, target: &str) -> Answer {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let json = |status: u16, body: String| Answer { before_limiter: true, ..Answer::json(status, body) };
    match path {
        "/v1/metadata" => json(200, inst.agent.metadata.clone()),
        "/v1/tasks" => tasks(inst, query, json),
        "/license" => Answer { content_type: None, ..json(200, LICENSE.to_string()) },
        _ => json(200, r#"{"AvailableCommands":["/v1/metadata","/v1/tasks","/license"]}"#.to_string()),
    }
}

fn tasks(inst: &TmdsInstance, query: &str, json: impl Fn(u16, String) -> Answer) -> Answer {
    let param = |key: &str| {
        query.split('&').find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')).filter(|v| !v.is_empty()).map(unescape)
    };
    let entry = |i: usize| inst.tasks[i].introspection.clone();
    match (param("dockerid").as_deref(), param("taskarn").as_deref()) {
        (Some(_), Some(_)) => json(400, EMPTY_TASK.into()),
        (Some(id), None) => {
            let holds = |full: &str| if id.len() > SHORT_ID { full == id } else { full.starts_with(id) };
            let found: Vec<usize> = (0..inst.tasks.len())
                .filter(|&i| inst.tasks[i].containers.iter().any(|c| holds(&c.docker_id)))
                .collect();
            match found.as_slice() {
                [i] => json(200, entry(*i)),
                [] => json(404, EMPTY_TASK.into()),
                _ => json(400, EMPTY_TASK.into()),
            }
        }
        (None, Some(arn)) => match inst.tasks.iter().position(|t| t.arn == arn) {
            Some(i) => json(200, entry(i)),
            None => json(404, EMPTY_TASK.into()),
        },
        (None, None) => {
            let all: Vec<String> = (0..inst.tasks.len()).map(entry).collect();
            json(200, format!("{{\"Tasks\":[{}]}}", all.join(",")))
        }
    }
}

/// A query value as Go's `url.Query` gives it: `%XX` decoded, `+` a space.
fn unescape(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
