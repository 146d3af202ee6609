//! The services a lab runs and where each listens: the agent serves them (`services`), and the
//! analyzer knows that they answer there (`analyze`). A new kind of service is a variant here.

use super::dns::{self, DNS_PORT, View};
use super::{IMDS_IP, IMDS_PORT, INTROSPECTION_PORT, Lab, METADATA_IP, METADATA_PORT, TMDS_LISTEN_PORT};
use crate::scenario::aws_service::{AwsService, HTTPS_PORT};
use crate::scenario::{Node, PortProto, Proto};
use std::net::Ipv4Addr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceKind {
    /// The built-in responder of a container (`task/web/app`) or of an internet host.
    /// `http_status`: paths answered with another status than 200 (`x-ecsnet.httpStatus`).
    Responder { node: String, task: Option<String>, container: Option<String>, http_status: Vec<(String, u16)> },
    /// The ECS agent's task metadata and credentials endpoint of instance `instance`.
    TaskMetadata { instance: usize },
    /// The Fargate agent's task metadata and credentials endpoint in the microVM of task
    /// `task`, on 169.254.170.2:80 itself (no introspection API).
    FargateMetadata { task: usize },
    /// EC2's instance metadata service, one for the lab, in the VPC router.
    InstanceMetadata,
    /// The ECS agent's introspection API of instance `instance` (every address, :51678); the
    /// same agent process serves it as the task metadata endpoint.
    Introspection { instance: usize },
    /// AWS's public service endpoints: one HTTPS server (the front doors) at every address.
    FrontDoor,
    /// A DNS resolver: the VPC's Amazon-provided one (in the VPC router, `view` Vpc) or one of
    /// the lab's internet (`view` Internet), on 53/udp and 53/tcp of each of its addresses.
    Resolver { view: View },
    /// A node of load balancer `lb`: its proxy on each listener port of ENI `eni`'s address.
    LoadBalancer { lb: usize, eni: usize },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub kind: ServiceKind,
    /// The namespace it listens in.
    pub ns: String,
    /// The address it binds; None: every address of the namespace.
    pub bind: Option<Ipv4Addr>,
    pub listen: Vec<PortProto>,
    /// More addresses it answers at besides `bind`, on the same ports (the resolvers').
    pub addrs: Vec<Ipv4Addr>,
}

/// Every service of the lab: each placed container's responder (unless it runs its own
/// program), each internet host's, each instance's task metadata endpoint, and the instance
/// metadata service.
pub fn services(lab: &Lab) -> Vec<Service> {
    let mut v = vec![];
    for t in lab.tasks.iter().filter(|t| t.is_running()) {
        for c in t.containers.iter().filter(|c| !c.listen.is_empty()) {
            v.push(Service {
                kind: ServiceKind::Responder {
                    node: Node::container(&t.name, &c.name).to_string(),
                    task: Some(t.name.clone()),
                    container: Some(c.name.clone()),
                    http_status: c.http_status.clone(),
                },
                ns: c.ns.clone(),
                bind: None,
                listen: c.listen.clone(),
                addrs: vec![],
            });
        }
    }
    for h in lab.internet.hosts.iter().filter(|h| !h.listen.is_empty()) {
        v.push(Service {
            kind: ServiceKind::Responder {
                node: Node::internet_host(&h.name.value).to_string(),
                task: None,
                container: None,
                http_status: vec![],
            },
            ns: lab.internet.ns.clone(),
            bind: Some(h.ip.value),
            listen: h.listen.clone(),
            addrs: vec![],
        });
    }
    // AWS's public endpoints in the lab's internet: the front doors, on 443 at each address.
    let aws: Vec<Ipv4Addr> = AwsService::ALL.iter().map(|s| s.public_ip()).collect();
    v.push(Service {
        kind: ServiceKind::FrontDoor,
        ns: lab.internet.ns.clone(),
        bind: aws.first().copied(),
        listen: vec![PortProto { port: HTTPS_PORT, proto: Proto::Tcp }],
        addrs: aws,
    });
    for (ii, inst) in lab.instances.iter().enumerate() {
        v.push(Service {
            kind: ServiceKind::TaskMetadata { instance: ii },
            ns: inst.ns.clone(),
            bind: Some(Ipv4Addr::LOCALHOST),
            listen: vec![PortProto { port: TMDS_LISTEN_PORT, proto: Proto::Tcp }],
            addrs: vec![],
        });
        v.push(Service {
            kind: ServiceKind::Introspection { instance: ii },
            ns: inst.ns.clone(),
            bind: None,
            listen: vec![PortProto { port: INTROSPECTION_PORT, proto: Proto::Tcp }],
            addrs: vec![],
        });
    }
    for (ti, t) in lab.tasks.iter().enumerate().filter(|(_, t)| t.is_running()) {
        if let Some(f) = t.launch.fargate() {
            v.push(Service {
                kind: ServiceKind::FargateMetadata { task: ti },
                ns: f.vm_ns.clone(),
                bind: Some(METADATA_IP),
                listen: vec![PortProto { port: METADATA_PORT, proto: Proto::Tcp }],
                addrs: vec![],
            });
        }
    }
    if !lab.instances.is_empty() {
        v.push(Service {
            kind: ServiceKind::InstanceMetadata,
            ns: lab.vpc.router_ns.clone(),
            bind: Some(IMDS_IP),
            listen: vec![PortProto { port: IMDS_PORT, proto: Proto::Tcp }],
            addrs: vec![],
        });
    }
    let dns53 = vec![PortProto { port: DNS_PORT, proto: Proto::Udp }, PortProto { port: DNS_PORT, proto: Proto::Tcp }];
    // Off with enableDnsSupport: nothing answers, and the router drops what is sent there.
    if lab.vpc.dns.support {
        let d = &lab.vpc.dns;
        v.push(Service {
            kind: ServiceKind::Resolver { view: View::Vpc },
            ns: lab.vpc.router_ns.clone(),
            bind: Some(d.resolver),
            listen: dns53.clone(),
            addrs: vec![d.resolver, dns::RESOLVER_LINK_LOCAL],
        });
    }
    for (k, e) in lab.enis.iter().enumerate() {
        let super::EniOwner::LoadBalancer(lb) = e.owner else { continue };
        let ports =
            lab.load_balancers[lb].listeners.iter().map(|l| PortProto { port: l.port.value, proto: Proto::Tcp });
        v.push(Service {
            kind: ServiceKind::LoadBalancer { lb, eni: k },
            ns: e.ns.clone(),
            bind: Some(e.ip),
            listen: ports.collect(),
            addrs: vec![],
        });
    }
    let outside = dns::internet_resolvers(lab);
    v.push(Service {
        kind: ServiceKind::Resolver { view: View::Internet },
        ns: lab.internet.ns.clone(),
        bind: outside.first().copied(),
        listen: dns53,
        addrs: outside,
    });
    v
}
