//! From endpoint references (`task/web`, `instance/ecs-1@public`, ...) to namespaces and
//! addresses: where a probe starts, which address and port it targets, which addresses count as
//! "seen as" an endpoint. Pure.

use super::placement::PlacementFailure;
use super::task::Task;
use super::{IMDS_IP, IMDS_PORT, Lab, METADATA_IP, METADATA_PORT};
use crate::scenario::{NetworkMode, Node, ProbeProto, Proto, Via};
use std::net::Ipv4Addr;

/// Why a node has no address to send from or to.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("no task `{task}` in lab {lab}")]
    NoTask { task: String, lab: String },
    #[error("task `{task}` was not placed ({}: {})", .failure.reason(), .failure.message())]
    NotPlaced { task: String, failure: PlacementFailure },
    #[error("task `{task}` is STOPPED ({reason}): its ENI was deleted")]
    Stopped { task: String, reason: String },
    #[error("no internet host `{0}`")]
    NoInternetHost(String),
    #[error("no instance `{0}`")]
    NoInstance(String),
    #[error("no NAT gateway `{0}`")]
    NoNat(String),
    #[error("no interface VPC endpoint `{0}` (a gateway endpoint has no address)")]
    NoEndpoint(String),
    #[error("no load balancer `{0}`")]
    NoLoadBalancer(String),
    #[error("task `{0}` has no container")]
    NoContainers(String),
    #[error("task `{task}` has no container `{container}`")]
    NoContainer { task: String, container: String },
    #[error("task `{0}` has no such container")]
    NoSuchContainer(String),
    #[error("task has no ENI")]
    NoEni,
    #[error("`{0}` cannot be a probe source")]
    NotASource(Node),
    #[error("`via` needs a task destination")]
    ViaNeedsTask,
    #[error("`via` needs a container port")]
    ViaNeedsPort,
    #[error("task `{task}` is awsvpc: its port {port} is not published on the instance")]
    AwsvpcPortNotPublished { task: String, port: u16 },
    #[error("task `{task}` maps no host port for container port {port}")]
    NoHostPort { task: String, port: u16 },
    /// `via: publicHostPort` to an instance without a public address.
    #[error("instance `{0}` has no public IP")]
    ViaNoPublicIp(String),
    #[error("instance `{0}` has no public IP (publicIp: false and no elasticIp)")]
    NoPublicIp(String),
    #[error("task `{0}` uses networkMode none: it has no address but 127.0.0.1")]
    NetworkModeNone(String),
    /// A DNS name whose resolver gave no address (the analyzer asks it itself; a check asks
    /// the source's resolver on packets first and probes the address it answers).
    #[error("{0} gives no address: nothing to connect to")]
    NoAddress(String),
}

/// Where a probe runs: a namespace and, when the node has several addresses, the one to bind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub ns: String,
    pub bind: Option<Ipv4Addr>,
}

fn placed<'a>(lab: &'a Lab, name: &str) -> Result<&'a Task, ResolveError> {
    let t = lab.task(name).ok_or_else(|| ResolveError::NoTask { task: name.into(), lab: lab.name.clone() })?;
    match (&t.placement, t.stop.as_ref().filter(|s| s.stopped_at.is_some())) {
        (Ok(()), None) => Ok(t),
        (Ok(()), Some(s)) => Err(ResolveError::Stopped { task: name.into(), reason: s.reason.clone() }),
        (Err(f), _) => Err(ResolveError::NotPlaced { task: name.into(), failure: f.clone() }),
    }
}

/// The namespace a probe from `ep` starts in.
pub fn source(lab: &Lab, ep: &Node) -> Result<Source, ResolveError> {
    match ep {
        Node::Internet => Ok(Source { ns: lab.internet.ns.clone(), bind: Some(lab.internet.client) }),
        Node::InternetHost(n) => {
            let h = lab
                .internet
                .hosts
                .iter()
                .find(|h| h.name.value == *n)
                .ok_or_else(|| ResolveError::NoInternetHost(n.clone()))?;
            Ok(Source { ns: lab.internet.ns.clone(), bind: Some(h.ip.value) })
        }
        Node::Instance(n) => {
            let i = lab.instance(n).ok_or_else(|| ResolveError::NoInstance(n.clone()))?;
            Ok(Source { ns: i.ns.clone(), bind: None })
        }
        Node::Task { task: n, container: None } => {
            let t = placed(lab, n)?;
            let ns = match t.mode {
                NetworkMode::Awsvpc => t.ns.clone(),
                _ => t.containers.first().map(|c| c.ns.clone()),
            };
            ns.map(|ns| Source { ns, bind: None }).ok_or_else(|| ResolveError::NoContainers(n.clone()))
        }
        Node::Task { task: n, container: Some(c) } => {
            let t = placed(lab, n)?;
            let c = t
                .containers
                .iter()
                .find(|x| x.name == *c)
                .ok_or_else(|| ResolveError::NoContainer { task: n.clone(), container: c.clone() })?;
            Ok(Source { ns: c.ns.clone(), bind: None })
        }
        other => Err(ResolveError::NotASource(other.clone())),
    }
}

/// The transport a probe uses; None for ICMP, which has no ports.
fn transport(p: ProbeProto) -> Option<Proto> {
    match p {
        ProbeProto::Tcp | ProbeProto::Http => Some(Proto::Tcp),
        ProbeProto::Udp => Some(Proto::Udp),
        ProbeProto::Icmp => None,
    }
}

/// The address (and port) a probe of protocol `proto` to `ep` targets. Through a host port
/// (`via`), the binding of that protocol: a container port may be published for tcp and udp
/// on different host ports.
pub fn destination(
    lab: &Lab,
    ep: &Node,
    port: Option<u16>,
    via: Option<Via>,
    proto: ProbeProto,
) -> Result<(Ipv4Addr, Option<u16>), ResolveError> {
    if let Some(via) = via {
        let (t, cname) = match ep {
            Node::Task { task, container } => (placed(lab, task)?, container.as_deref()),
            _ => return Err(ResolveError::ViaNeedsTask),
        };
        let cp = port.ok_or(ResolveError::ViaNeedsPort)?;
        let inst = t.instance().map(|ii| &lab.instances[ii]).ok_or_else(|| match t.mode {
            _ if t.mode == NetworkMode::Awsvpc => {
                ResolveError::AwsvpcPortNotPublished { task: t.name.clone(), port: port.unwrap_or(0) }
            }
            _ => ResolveError::ViaNeedsTask,
        })?;
        let hp = t
            .containers
            .iter()
            .filter(|c| cname.is_none_or(|n| n == c.name))
            .flat_map(|c| c.ports.iter())
            .find(|b| b.container_port == cp && transport(proto).is_none_or(|p| b.proto == p))
            .and_then(|b| if t.mode == NetworkMode::Awsvpc { None } else { b.host_port })
            .ok_or_else(|| match t.mode {
                NetworkMode::Awsvpc => ResolveError::AwsvpcPortNotPublished { task: t.name.clone(), port: cp },
                _ => ResolveError::NoHostPort { task: t.name.clone(), port: cp },
            })?;
        let ip = match via {
            Via::HostPort => lab.instance_ip(inst),
            Via::PublicHostPort => inst.public_ip.ok_or_else(|| ResolveError::ViaNoPublicIp(inst.name.clone()))?,
        };
        return Ok((ip, Some(hp)));
    }
    let ip = match ep {
        Node::Internet => lab.internet.client,
        Node::InternetHost(n) => lab
            .internet
            .hosts
            .iter()
            .find(|h| h.name.value == *n)
            .map(|h| h.ip.value)
            .ok_or_else(|| ResolveError::NoInternetHost(n.clone()))?,
        Node::Instance(n) => {
            lab.instance(n).map(|i| lab.instance_ip(i)).ok_or_else(|| ResolveError::NoInstance(n.clone()))?
        }
        Node::InstancePublic(n) => {
            let i = lab.instance(n).ok_or_else(|| ResolveError::NoInstance(n.clone()))?;
            i.public_ip.ok_or_else(|| ResolveError::NoPublicIp(n.clone()))?
        }
        Node::TaskPublic(n) => {
            let t = placed(lab, n)?;
            t.eni.and_then(|e| lab.enis[e].public_ip).ok_or_else(|| ResolveError::NoPublicIp(n.clone()))?
        }
        Node::Task { task, container } => task_ip(lab, placed(lab, task)?, container.as_deref())?,
        // Unexpanded (`explain`): the service's first task.
        Node::Service(n) => task_ip(lab, placed(lab, &first_task(lab, n))?, None)?,
        Node::Nat(n) => lab.nat(n).map(|x| lab.enis[x.eni].ip).ok_or_else(|| ResolveError::NoNat(n.clone()))?,
        Node::Metadata => return Ok((METADATA_IP, Some(port.unwrap_or(METADATA_PORT)))),
        Node::InstanceMetadata => return Ok((IMDS_IP, Some(port.unwrap_or(IMDS_PORT)))),
        Node::Dns => return Ok((lab.vpc.dns.resolver, Some(port.unwrap_or(super::dns::DNS_PORT)))),
        Node::Aws(svc) => {
            return Ok((svc.public_ip(), Some(port.unwrap_or(crate::scenario::aws_service::HTTPS_PORT))));
        }
        Node::Endpoint(n) => {
            let e = lab.endpoint(n).ok_or_else(|| ResolveError::NoEndpoint(n.clone()))?;
            let ip = e.enis.first().map(|i| lab.enis[*i].ip).ok_or_else(|| ResolveError::NoEndpoint(n.clone()))?;
            return Ok((ip, Some(port.unwrap_or(crate::scenario::aws_service::HTTPS_PORT))));
        }
        Node::LoadBalancer(n) | Node::NetworkLoadBalancer(n) => {
            let lb = lab.load_balancer(n).ok_or_else(|| ResolveError::NoLoadBalancer(n.clone()))?;
            *super::load_balancer::addresses(lab, lb).first().ok_or_else(|| ResolveError::NoLoadBalancer(n.clone()))?
        }
        Node::Ip(ip) => *ip,
        Node::Name(n) => return Err(ResolveError::NoAddress(n.clone())),
    };
    Ok((ip, port))
}

/// The Host header an HTTP client sends to `to`: a load balancer's DNS name (the name a client
/// resolves and asks for, which its rules' `host-header` conditions see, and what the analyzer
/// matches them against), else none (the address, as `curl http://IP/` sends).
pub fn host_header(lab: &Lab, to: &Node) -> Option<String> {
    match to {
        Node::LoadBalancer(n) => lab.load_balancer(n).map(|lb| lb.dns_name.clone()),
        _ => None,
    }
}

/// The name of a service's first task (`NAME-1` when it has none, which then is not found).
fn first_task(lab: &Lab, service: &str) -> String {
    let first = lab.service(service).and_then(|s| s.tasks.first()).map(|ti| lab.tasks[*ti].name.clone());
    first.unwrap_or_else(|| format!("{service}-1"))
}

fn task_ip(lab: &Lab, t: &Task, container: Option<&str>) -> Result<Ipv4Addr, ResolveError> {
    match t.mode {
        NetworkMode::Awsvpc => t.eni.map(|e| lab.enis[e].ip).ok_or(ResolveError::NoEni),
        NetworkMode::Host => t.instance().map(|ii| lab.instance_ip(&lab.instances[ii])).ok_or(ResolveError::NoEni),
        NetworkMode::Bridge => t
            .containers
            .iter()
            .find(|c| container.is_none_or(|n| n == c.name))
            .and_then(|c| c.ip)
            .ok_or_else(|| ResolveError::NoSuchContainer(t.name.clone())),
        NetworkMode::None => Err(ResolveError::NetworkModeNone(t.name.clone())),
    }
}

/// Every address that counts as `ep` when a responder reports the source it saw.
pub fn addresses_of(lab: &Lab, ep: &Node) -> Vec<Ipv4Addr> {
    match ep {
        Node::Internet => vec![lab.internet.client],
        Node::InternetHost(n) => lab.internet.hosts.iter().filter(|h| h.name.value == *n).map(|h| h.ip.value).collect(),
        // `instance/NAME` is its private address, `instance/NAME@public` its public one: a
        // security group rule for one does not match the other.
        Node::Instance(n) => lab.instance(n).map(|i| vec![lab.instance_ip(i)]).unwrap_or_default(),
        Node::InstancePublic(n) => lab.instance(n).and_then(|i| i.public_ip).into_iter().collect(),
        Node::TaskPublic(n) => {
            lab.task(n).and_then(|t| t.eni).and_then(|e| lab.enis[e].public_ip).into_iter().collect()
        }
        Node::Nat(n) => match lab.nat(n) {
            Some(x) => vec![lab.enis[x.eni].ip, x.eip],
            None => vec![],
        },
        Node::Task { task: n, .. } => match lab.task(n) {
            Some(t) => {
                let mut v: Vec<Ipv4Addr> = t.eni.map(|e| lab.enis[e].ip).into_iter().collect();
                v.extend(t.bridge_ip);
                v.extend(t.containers.iter().filter_map(|c| c.ip));
                if let (NetworkMode::Host, Some(ii)) = (t.mode, t.instance()) {
                    v.push(lab.instance_ip(&lab.instances[ii]));
                }
                v
            }
            None => vec![],
        },
        Node::Service(n) => match lab.service(n) {
            Some(s) => s.tasks.iter().flat_map(|ti| addresses_of(lab, &Node::task(&lab.tasks[*ti].name))).collect(),
            None => vec![],
        },
        Node::Metadata => vec![METADATA_IP],
        Node::InstanceMetadata => vec![IMDS_IP],
        Node::Dns => vec![lab.vpc.dns.resolver, super::dns::RESOLVER_LINK_LOCAL],
        Node::Aws(svc) => vec![svc.public_ip()],
        Node::Endpoint(n) => {
            lab.endpoint(n).map(|e| e.enis.iter().map(|i| lab.enis[*i].ip).collect()).unwrap_or_default()
        }
        // Its nodes' private addresses: the source a target sees.
        Node::LoadBalancer(n) | Node::NetworkLoadBalancer(n) => {
            lab.load_balancer(n).map(|lb| lb.nodes.iter().map(|k| lab.enis[*k].ip).collect()).unwrap_or_default()
        }
        Node::Ip(ip) => vec![*ip],
        // What a name resolves to depends on who asks: the model has no fixed address for it.
        Node::Name(_) => vec![],
    }
}

/// Every node a probe can start from, and every node it can target.
pub fn nodes(lab: &Lab) -> (Vec<Node>, Vec<Node>) {
    let mut src = vec![Node::Internet];
    let mut dst = vec![Node::Internet];
    for h in &lab.internet.hosts {
        src.push(Node::InternetHost(h.name.value.clone()));
        dst.push(Node::InternetHost(h.name.value.clone()));
    }
    for i in &lab.instances {
        src.push(Node::Instance(i.name.clone()));
        dst.push(Node::Instance(i.name.clone()));
        if i.public_ip.is_some() {
            dst.push(Node::InstancePublic(i.name.clone()));
        }
    }
    for n in &lab.nats {
        dst.push(Node::Nat(n.name.clone()));
    }
    for t in lab.tasks.iter().filter(|t| t.is_running()) {
        if t.eni.is_some_and(|e| lab.enis[e].public_ip.is_some()) {
            dst.push(Node::TaskPublic(t.name.clone()));
        }
        match t.mode {
            NetworkMode::Bridge | NetworkMode::None => {
                for c in &t.containers {
                    src.push(Node::container(&t.name, &c.name));
                    dst.push(Node::container(&t.name, &c.name));
                }
            }
            _ => {
                src.push(Node::task(&t.name));
                dst.push(Node::task(&t.name));
            }
        }
    }
    (src, dst)
}

/// The ports a destination node declares: what its containers listen on, what its instance
/// publishes, what an internet host serves.
pub fn declared_ports(lab: &Lab, ep: &Node) -> Vec<crate::scenario::PortProto> {
    use crate::scenario::PortProto;
    let mut v: Vec<PortProto> = vec![];
    match ep {
        Node::InternetHost(n) => {
            v.extend(lab.internet.hosts.iter().filter(|h| h.name.value == *n).flat_map(|h| h.listen.iter().copied()))
        }
        Node::Instance(n) | Node::InstancePublic(n) => {
            if let Some(ii) = lab.instances.iter().position(|i| i.name == *n) {
                for t in lab.tasks.iter().filter(|t| t.on_instance(ii) && t.is_running()) {
                    for c in &t.containers {
                        match t.mode {
                            NetworkMode::Bridge => v.extend(
                                c.ports
                                    .iter()
                                    .filter_map(|b| b.host_port.map(|p| PortProto { port: p, proto: b.proto })),
                            ),
                            NetworkMode::Host => v.extend(c.listen.iter().copied()),
                            _ => {}
                        }
                    }
                }
            }
        }
        Node::Task { task, container } => {
            if let Some(t) = lab.task(task) {
                let wanted = t.containers.iter().filter(|x| container.as_ref().is_none_or(|c| x.name == *c));
                v.extend(wanted.flat_map(|x| x.listen.iter().copied()));
            }
        }
        _ => {}
    }
    v.sort_by_key(|p| (p.port, p.proto));
    v.dedup();
    v
}

/// The name a TLS client asks for when it connects to `to` (resolved to `dst`): a load
/// balancer's DNS name (what a client resolves to reach it), else the address itself.
pub fn server_name(lab: &Lab, to: &Node, dst: Ipv4Addr) -> String {
    match to {
        Node::LoadBalancer(name) => lab
            .load_balancers
            .iter()
            .find(|lb| &lb.name == name)
            .map_or_else(|| dst.to_string(), |lb| lb.dns_name.clone()),
        _ => dst.to_string(),
    }
}
