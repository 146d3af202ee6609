//! The services a lab runs and where each listens: the agent serves them (`services`), and the
//! analyzer knows that they answer there (`analyze`). A new kind of service is a variant here.

use super::{IMDS_IP, IMDS_PORT, INTROSPECTION_PORT, Lab, TMDS_LISTEN_PORT};
use crate::scenario::{Node, PortProto, Proto};
use std::net::Ipv4Addr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceKind {
    /// The built-in responder of a container (`task/web/app`) or of an internet host.
    Responder { node: String, task: Option<String>, container: Option<String> },
    /// The ECS agent's task metadata and credentials endpoint of instance `instance`.
    TaskMetadata { instance: usize },
    /// EC2's instance metadata service, one for the lab, in the VPC router.
    InstanceMetadata,
    /// The ECS agent's introspection API of instance `instance` (every address, :51678); the
    /// same agent process serves it as the task metadata endpoint.
    Introspection { instance: usize },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub kind: ServiceKind,
    /// The namespace it listens in.
    pub ns: String,
    /// The address it binds; None: every address of the namespace.
    pub bind: Option<Ipv4Addr>,
    pub listen: Vec<PortProto>,
}

/// Every service of the lab: each placed container's responder (unless it runs its own
/// program), each internet host's, each instance's task metadata endpoint, and the instance
/// metadata service.
pub fn services(lab: &Lab) -> Vec<Service> {
    let mut v = vec![];
    for t in lab.tasks.iter().filter(|t| t.placement.is_ok()) {
        for c in t.containers.iter().filter(|c| !c.listen.is_empty()) {
            v.push(Service {
                kind: ServiceKind::Responder {
                    node: Node::container(&t.name, &c.name).to_string(),
                    task: Some(t.name.clone()),
                    container: Some(c.name.clone()),
                },
                ns: c.ns.clone(),
                bind: None,
                listen: c.listen.clone(),
            });
        }
    }
    for h in lab.internet.hosts.iter().filter(|h| !h.listen.is_empty()) {
        v.push(Service {
            kind: ServiceKind::Responder {
                node: Node::internet_host(&h.name.value).to_string(),
                task: None,
                container: None,
            },
            ns: lab.internet.ns.clone(),
            bind: Some(h.ip.value),
            listen: h.listen.clone(),
        });
    }
    for (ii, inst) in lab.instances.iter().enumerate() {
        v.push(Service {
            kind: ServiceKind::TaskMetadata { instance: ii },
            ns: inst.ns.clone(),
            bind: Some(Ipv4Addr::LOCALHOST),
            listen: vec![PortProto { port: TMDS_LISTEN_PORT, proto: Proto::Tcp }],
        });
        v.push(Service {
            kind: ServiceKind::Introspection { instance: ii },
            ns: inst.ns.clone(),
            bind: None,
            listen: vec![PortProto { port: INTROSPECTION_PORT, proto: Proto::Tcp }],
        });
    }
    if !lab.instances.is_empty() {
        v.push(Service {
            kind: ServiceKind::InstanceMetadata,
            ns: lab.vpc.router_ns.clone(),
            bind: Some(IMDS_IP),
            listen: vec![PortProto { port: IMDS_PORT, proto: Proto::Tcp }],
        });
    }
    v
}
