//! Host port expectations: the host port a container port is published on, as the model
//! placed it (a static `hostPort`, or the dynamic one the agent chose).

use super::Verdict;
use crate::model::Lab;
use crate::scenario::{Expectation, HostPort, Node};

pub fn judge_host_port(lab: &Lab, index: usize, e: &Expectation, h: &HostPort) -> Verdict {
    let mut v = Verdict::new(index, h.title(), e);
    let Some(t) = lab.task(&h.task.value) else {
        v.detail = format!("no task `{}`", h.task.value);
        return v;
    };
    if let Err(f) = &t.placement {
        v.detail = format!("not placed, so nothing is published: {}: {}", f.reason(), f.message());
        return v;
    }
    let named = |n: &str| h.container.as_ref().is_none_or(|c| c.value == n);
    let binding = t.containers.iter().filter(|c| named(&c.name)).find_map(|c| {
        let b = c.ports.iter().find(|b| b.container_port == h.container_port && b.proto == h.protocol)?;
        Some((c, b.host_port))
    });
    let pp = format!("{}/{}", h.container_port, h.protocol);
    let host = lab.host_of(t);
    v.detail = match binding {
        None => format!("{} publishes no {pp}", Node::task(&t.name)),
        Some((c, None)) => format!("{} {pp} is not published on the instance", Node::container(&t.name, &c.name)),
        Some((c, Some(port))) => {
            let node = Node::container(&t.name, &c.name);
            v.pass = port == h.host_port;
            if v.pass {
                format!("{node} {pp} is published on {host}:{port}")
            } else {
                format!("{node} {pp} is published on {host}:{port}, expected host port {}", h.host_port)
            }
        }
    };
    v
}
