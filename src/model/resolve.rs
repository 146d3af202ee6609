//! From endpoint references (`task/web`, `instance/ecs-1@public`, ...) to namespaces and
//! addresses: where a probe starts, which address and port it targets, which addresses count as
//! "seen as" an endpoint. Pure.

use super::{Lab, METADATA_IP, METADATA_PORT, TaskM};
use crate::scenario::{Endpoint, NetworkMode, Via};
use std::net::Ipv4Addr;

/// Where a probe runs: a namespace and, when the node has several addresses, the one to bind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub ns: String,
    pub bind: Option<Ipv4Addr>,
}

fn placed<'a>(lab: &'a Lab, name: &str) -> Result<&'a TaskM, String> {
    let t = lab.task(name).ok_or_else(|| format!("no task `{name}` in lab {}", lab.name))?;
    match &t.placement {
        Ok(()) => Ok(t),
        Err(f) => Err(format!("task `{name}` was not placed ({}: {})", f.reason, f.message)),
    }
}

/// The namespace a probe from `ep` starts in.
pub fn source(lab: &Lab, ep: &Endpoint) -> Result<Source, String> {
    match ep {
        Endpoint::Internet => Ok(Source { ns: lab.internet.ns.clone(), bind: Some(lab.internet.client) }),
        Endpoint::InternetHost(n) => {
            let h =
                lab.internet.hosts.iter().find(|h| h.name.value == *n).ok_or_else(|| format!("no internet host `{n}`"))?;
            Ok(Source { ns: lab.internet.ns.clone(), bind: Some(h.ip.value) })
        }
        Endpoint::Instance(n) => {
            let i = lab.instance(n).ok_or_else(|| format!("no instance `{n}`"))?;
            Ok(Source { ns: i.ns.clone(), bind: None })
        }
        Endpoint::Task(n) => {
            let t = placed(lab, n)?;
            let ns = match t.mode {
                NetworkMode::Awsvpc => t.ns.clone(),
                _ => t.containers.first().map(|c| c.ns.clone()),
            };
            ns.map(|ns| Source { ns, bind: None }).ok_or_else(|| format!("task `{n}` has no container"))
        }
        Endpoint::TaskContainer(n, c) => {
            let t = placed(lab, n)?;
            let c = t
                .containers
                .iter()
                .find(|x| x.name == *c)
                .ok_or_else(|| format!("task `{n}` has no container `{c}`"))?;
            Ok(Source { ns: c.ns.clone(), bind: None })
        }
        other => Err(format!("`{other}` cannot be a probe source")),
    }
}

/// The address (and port) a probe to `ep` targets.
pub fn destination(
    lab: &Lab,
    ep: &Endpoint,
    port: Option<u16>,
    via: Option<Via>,
) -> Result<(Ipv4Addr, Option<u16>), String> {
    if let Some(via) = via {
        let (t, cname) = match ep {
            Endpoint::Task(n) => (placed(lab, n)?, None),
            Endpoint::TaskContainer(n, c) => (placed(lab, n)?, Some(c.as_str())),
            _ => return Err("`via` needs a task destination".into()),
        };
        let cp = port.ok_or("`via` needs a container port")?;
        let inst = &lab.instances[t.instance];
        let hp = t
            .containers
            .iter()
            .filter(|c| cname.is_none_or(|n| n == c.name))
            .flat_map(|c| c.ports.iter())
            .find(|b| b.container_port == cp)
            .and_then(|b| if t.mode == NetworkMode::Awsvpc { None } else { b.host_port })
            .ok_or_else(|| match t.mode {
                NetworkMode::Awsvpc => {
                    format!("task `{}` is awsvpc: its port {cp} is not published on the instance", t.name)
                }
                _ => format!("task `{}` maps no host port for container port {cp}", t.name),
            })?;
        let ip = match via {
            Via::HostPort => lab.instance_ip(inst),
            Via::PublicHostPort => {
                inst.public_ip.ok_or_else(|| format!("instance `{}` has no public IP", inst.name))?
            }
        };
        return Ok((ip, Some(hp)));
    }
    let ip = match ep {
        Endpoint::Internet => lab.internet.client,
        Endpoint::InternetHost(n) => lab
            .internet
            .hosts
            .iter()
            .find(|h| h.name.value == *n)
            .map(|h| h.ip.value)
            .ok_or_else(|| format!("no internet host `{n}`"))?,
        Endpoint::Instance(n) => {
            lab.instance(n).map(|i| lab.instance_ip(i)).ok_or_else(|| format!("no instance `{n}`"))?
        }
        Endpoint::InstancePublic(n) => {
            let i = lab.instance(n).ok_or_else(|| format!("no instance `{n}`"))?;
            i.public_ip.ok_or_else(|| format!("instance `{n}` has no public IP (publicIp: false and no elasticIp)"))?
        }
        Endpoint::Task(n) => task_ip(lab, placed(lab, n)?, None)?,
        Endpoint::TaskContainer(n, c) => task_ip(lab, placed(lab, n)?, Some(c))?,
        Endpoint::Nat(n) => lab.nat(n).map(|x| lab.enis[x.eni].ip).ok_or_else(|| format!("no NAT gateway `{n}`"))?,
        Endpoint::Metadata => return Ok((METADATA_IP, Some(port.unwrap_or(METADATA_PORT)))),
        Endpoint::Ip(ip) => *ip,
    };
    Ok((ip, port))
}

fn task_ip(lab: &Lab, t: &TaskM, container: Option<&str>) -> Result<Ipv4Addr, String> {
    match t.mode {
        NetworkMode::Awsvpc => t.eni.map(|e| lab.enis[e].ip).ok_or_else(|| "task has no ENI".into()),
        NetworkMode::Host => Ok(lab.instance_ip(&lab.instances[t.instance])),
        NetworkMode::Bridge => t
            .containers
            .iter()
            .find(|c| container.is_none_or(|n| n == c.name))
            .and_then(|c| c.ip)
            .ok_or_else(|| format!("task `{}` has no such container", t.name)),
        NetworkMode::None => Err(format!("task `{}` uses networkMode none: it has no address but 127.0.0.1", t.name)),
    }
}

/// Every address that counts as `ep` when a responder reports the source it saw.
pub fn addresses_of(lab: &Lab, ep: &Endpoint) -> Vec<Ipv4Addr> {
    match ep {
        Endpoint::Internet => vec![lab.internet.client],
        Endpoint::InternetHost(n) => lab.internet.hosts.iter().filter(|h| h.name.value == *n).map(|h| h.ip.value).collect(),
        Endpoint::Instance(n) | Endpoint::InstancePublic(n) => match lab.instance(n) {
            Some(i) => {
                let mut v = vec![lab.instance_ip(i)];
                v.extend(i.public_ip);
                v
            }
            None => vec![],
        },
        Endpoint::Nat(n) => match lab.nat(n) {
            Some(x) => vec![lab.enis[x.eni].ip, x.eip],
            None => vec![],
        },
        Endpoint::Task(n) | Endpoint::TaskContainer(n, _) => match lab.task(n) {
            Some(t) => {
                let mut v: Vec<Ipv4Addr> = t.eni.map(|e| lab.enis[e].ip).into_iter().collect();
                v.extend(t.bridge_ip);
                v.extend(t.containers.iter().filter_map(|c| c.ip));
                if t.mode == NetworkMode::Host {
                    v.push(lab.instance_ip(&lab.instances[t.instance]));
                }
                v
            }
            None => vec![],
        },
        Endpoint::Metadata => vec![METADATA_IP],
        Endpoint::Ip(ip) => vec![*ip],
    }
}

/// Every node a probe can start from, and every node it can target, as endpoint references.
pub fn nodes(lab: &Lab) -> (Vec<Endpoint>, Vec<Endpoint>) {
    let mut src = vec![Endpoint::Internet];
    let mut dst = vec![Endpoint::Internet];
    for h in &lab.internet.hosts {
        src.push(Endpoint::InternetHost(h.name.value.clone()));
        dst.push(Endpoint::InternetHost(h.name.value.clone()));
    }
    for i in &lab.instances {
        src.push(Endpoint::Instance(i.name.clone()));
        dst.push(Endpoint::Instance(i.name.clone()));
        if i.public_ip.is_some() {
            dst.push(Endpoint::InstancePublic(i.name.clone()));
        }
    }
    for n in &lab.nats {
        dst.push(Endpoint::Nat(n.name.clone()));
    }
    for t in lab.tasks.iter().filter(|t| t.placement.is_ok()) {
        match t.mode {
            NetworkMode::Bridge | NetworkMode::None => {
                for c in &t.containers {
                    src.push(Endpoint::TaskContainer(t.name.clone(), c.name.clone()));
                    dst.push(Endpoint::TaskContainer(t.name.clone(), c.name.clone()));
                }
            }
            _ => {
                src.push(Endpoint::Task(t.name.clone()));
                dst.push(Endpoint::Task(t.name.clone()));
            }
        }
    }
    (src, dst)
}

/// The ports a destination node declares: what its containers listen on, what its instance
/// publishes, what an internet host serves.
pub fn declared_ports(lab: &Lab, ep: &Endpoint) -> Vec<crate::scenario::PortProto> {
    use crate::scenario::PortProto;
    let mut v: Vec<PortProto> = vec![];
    match ep {
        Endpoint::InternetHost(n) => {
            v.extend(lab.internet.hosts.iter().filter(|h| h.name.value == *n).flat_map(|h| h.listen.iter().copied()))
        }
        Endpoint::Instance(n) | Endpoint::InstancePublic(n) => {
            if let Some(ii) = lab.instances.iter().position(|i| i.name == *n) {
                for t in lab.tasks.iter().filter(|t| t.instance == ii && t.placement.is_ok()) {
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
        Endpoint::Task(n) => {
            if let Some(t) = lab.task(n) {
                v.extend(t.containers.iter().flat_map(|c| c.listen.iter().copied()));
            }
        }
        Endpoint::TaskContainer(n, c) => {
            if let Some(t) = lab.task(n) {
                v.extend(t.containers.iter().filter(|x| x.name == *c).flat_map(|x| x.listen.iter().copied()));
            }
        }
        _ => {}
    }
    v.sort_by_key(|p| (p.port, p.proto));
    v.dedup();
    v
}
