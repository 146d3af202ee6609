//! The agent's router (agent/handlers/task_server_setup.go, gorilla/mux): which handler answers
//! a path, with the agent's status codes and error texts. No route restricts the method but
//! task protection's; a path that is not clean is redirected to its clean form first.

use super::{Answer, Request, TmdsContainer, TmdsInstance, TmdsTask, credentials, protection, stats};
use crate::sys::time::NS_PER_SEC;

/// Answer one request at `now_ns`.
pub fn answer(lab: &str, inst: &TmdsInstance, req: &Request, now_ns: u64) -> Answer {
    let target = origin_form(&req.target);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let clean = clean_path(path);
    if clean != path {
        let location = if query.is_empty() { clean } else { format!("{clean}?{query}") };
        return Answer {
            status: 301,
            content_type: None,
            body: String::new(),
            headers: vec![("Location", location)],
            before_limiter: true,
        };
    }
    let segs: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    match segs.as_slice() {
        ["v1", "credentials"] => {
            let id = query.split('&').find_map(|kv| kv.strip_prefix("id=")).unwrap_or("");
            credentials::answer(lab, inst, id, 1, now_ns / NS_PER_SEC)
        }
        ["v2", "credentials", rest @ ..] if !rest.is_empty() => {
            credentials::answer(lab, inst, &rest.join("/"), 2, now_ns / NS_PER_SEC)
        }
        ["v2", "metadata" | "metadataWithTags"] | ["v2", "metadata" | "metadataWithTags", ""] => {
            v2(inst, req, |t| Answer::json(200, t.document_v3()))
        }
        ["v2", "metadata", rest @ ..] => v2(inst, req, |_| v2_container(inst, &rest.join("/"))),
        ["v2", "stats"] | ["v2", "stats", ""] => v2(inst, req, |t| task_stats(t, now_ns, false)),
        ["v2", "stats", rest @ ..] => v2(inst, req, |t| container_stats(t, &rest.join("/"), now_ns)),
        ["v3", id, rest @ ..] => v3(inst, id, rest, now_ns),
        ["v4", id, rest @ ..] => v4(inst, id, rest, now_ns),
        ["api", id, "task-protection", "v1", "state"] => {
            protection::answer(&req.method, &req.body, by_endpoint(inst, id).map(|(t, _)| t))
        }
        _ => Answer::not_found(),
    }
}

/// The path and query of an absolute-form target (`http://host/path`), which Go accepts too.
fn origin_form(target: &str) -> &str {
    match target.split_once("://") {
        Some((scheme, rest)) if !scheme.contains('/') => rest.find('/').map(|i| &rest[i..]).unwrap_or("/"),
        _ => target,
    }
}

/// gorilla/mux's cleanPath: Go's path.Clean, keeping a trailing slash.
fn clean_path(p: &str) -> String {
    let mut out: Vec<&str> = vec![];
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let mut clean = format!("/{}", out.join("/"));
    if p.ends_with('/') && clean != "/" {
        clean.push('/');
    }
    clean
}

/// The task and container of a v3/v4 endpoint id (the pause has none).
fn by_endpoint<'a>(inst: &'a TmdsInstance, id: &str) -> Option<(&'a TmdsTask, &'a TmdsContainer)> {
    if id.is_empty() {
        return None;
    }
    inst.tasks.iter().find_map(|t| t.containers.iter().find(|c| c.endpoint_id == id).map(|c| (t, c)))
}

/// v2 finds the task by the request's source address: an awsvpc task's `ecs-eth0`.
fn v2(inst: &TmdsInstance, req: &Request, then: impl FnOnce(&TmdsTask) -> Answer) -> Answer {
    let peer = req.peer_ip();
    match inst.tasks.iter().find(|t| t.bridge_ip == Some(peer)) {
        Some(t) => then(t),
        None => Answer::json_msg(
            400,
            &format!("Unable to get task arn from request: unable to associate '{peer}' with task"),
        ),
    }
}

/// `/v2/metadata/<dockerId>`: the agent looks the id up among all its containers, not only the
/// caller's task's.
fn v2_container(inst: &TmdsInstance, docker_id: &str) -> Answer {
    match inst.tasks.iter().flat_map(|t| t.containers.iter()).find(|c| c.docker_id == docker_id) {
        Some(c) => Answer::json(200, c.doc_v2.clone().unwrap_or_else(|| c.doc_v3.clone())),
        None => Answer::json_msg(400, &format!("Unable to generate metadata for container '{docker_id}'")),
    }
}

/// Docker's stats of every container of the task; v4 with the network rates.
fn task_stats(t: &TmdsTask, now_ns: u64, rates: bool) -> Answer {
    let all = t.containers.iter().map(|c| (c.docker_id.as_str(), &c.stats));
    Answer::json(200, stats::task_document(all, now_ns, rates))
}

/// v2 and v3: Docker's stats of a container of the task.
fn container_stats(t: &TmdsTask, docker_id: &str, now_ns: u64) -> Answer {
    match t.containers.iter().find(|c| c.docker_id == docker_id) {
        Some(c) => Answer::json(200, stats::document(&c.stats, &c.docker_id, now_ns, false)),
        None => Answer::json_msg(400, &format!("Unable to get container stats for: {docker_id}")),
    }
}

const NO_TASK: &str = "unable to get task arn from request: unable to get task Arn from v3 endpoint ID";
const NO_CONTAINER: &str = "unable to get container ID from request: unable to get docker ID from v3 endpoint ID";

/// `/v3/<id>...`: the v2 shape; an unknown id is a 500 for the documents (the agent's v3
/// handlers), a 400 for the stats.
fn v3(inst: &TmdsInstance, id: &str, rest: &[&str], now_ns: u64) -> Answer {
    let found = by_endpoint(inst, id);
    match (rest, found) {
        ([], Some((_, c))) => Answer::json(200, c.doc_v3.clone()),
        ([], None) => Answer::json_msg(500, &format!("V3 container metadata handler: {NO_CONTAINER}: {id}")),
        (["task" | "taskWithTags"], Some((t, _))) => Answer::json(200, t.document_v3()),
        (["task" | "taskWithTags"], None) => {
            Answer::json_msg(500, &format!("V3 task metadata handler: {NO_TASK}: {id}"))
        }
        (["stats"], Some((t, c))) => container_stats(t, &c.docker_id, now_ns),
        (["stats"], None) => Answer::json_msg(400, &format!("V3 container stats handler: {NO_TASK}: {id}")),
        (["task", "stats"], Some((t, _))) => task_stats(t, now_ns, false),
        (["task", "stats"], None) => Answer::json_msg(400, &format!("V3 task stats handler: {NO_TASK}: {id}")),
        _ => Answer::not_found(),
    }
}

/// `/v4/<id>...`: an unknown id is a 404.
fn v4(inst: &TmdsInstance, id: &str, rest: &[&str], now_ns: u64) -> Answer {
    let found = by_endpoint(inst, id);
    match (rest, found) {
        ([], Some((_, c))) => Answer::json(200, c.doc.clone()),
        ([], None) => Answer::json_msg(404, &format!("V4 container metadata handler: {NO_CONTAINER}: {id}")),
        (["task" | "taskWithTags"], Some((t, _))) => Answer::json(200, t.document()),
        (["task" | "taskWithTags"], None) => {
            Answer::json_msg(404, &format!("V4 task metadata handler: {NO_TASK}: {id}"))
        }
        (["stats"], Some((_, c))) => Answer::json(200, stats::document(&c.stats, &c.docker_id, now_ns, true)),
        (["stats"], None) => Answer::json_msg(404, &format!("V4 container stats handler: {NO_TASK}: {id}")),
        (["task", "stats"], Some((t, _))) => task_stats(t, now_ns, true),
        (["task", "stats"], None) => Answer::json_msg(404, &format!("V4 task stats handler: {NO_TASK}: {id}")),
        _ => Answer::not_found(),
    }
}
