//! What is probed: every kind of address a user can write, from every source node, and the
//! kinds that group the flows (and their mismatches).

use super::generator::Rng;
use super::{CLOSED_PORT, IMDS_IP};
use ecsnet::analyze::{Analysis, analyze};
use ecsnet::model::dns;
use ecsnet::model::{ECS_BRIDGE_GW, INTERNET_CLIENT, INTROSPECTION_PORT, Lab, METADATA_IP, TMDS_LISTEN_PORT, resolve};
use ecsnet::probe::ProbeSpec;
use ecsnet::scenario::aws_service::{AwsService, HTTPS_PORT};
use ecsnet::scenario::{NetworkMode, Node, ProbeProto, Via};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

/// One flow to analyze and probe.
#[derive(Clone, Debug)]
pub struct Case {
    pub from: Node,
    pub to: Node,
    pub port: Option<u16>,
    pub proto: ProbeProto,
    pub via: Option<Via>,
    pub src_kind: String,
    pub dst_kind: String,
}

impl Case {
    /// `FROM -> TO:PORT/PROTO via X`, the way `ecsnet probe` and `explain` take it.
    pub fn name(&self) -> String {
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        let via = self.via.map(|v| format!(" via {}", via_name(v))).unwrap_or_default();
        format!("{} -> {}{port}/{}{via}", self.from, self.to, self.proto)
    }
    pub fn explain_command(&self, file: &Path) -> String {
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        let via = self.via.map(|v| format!(" --via {}", via_name(v))).unwrap_or_default();
        format!("ecsnet explain {} {} {}{port} --protocol {}{via}", file.display(), self.from, self.to, self.proto)
    }
}

fn via_name(v: Via) -> &'static str {
    match v {
        Via::HostPort => "hostPort",
        Via::PublicHostPort => "publicHostPort",
    }
}

fn mode_name(m: NetworkMode) -> &'static str {
    match m {
        NetworkMode::Bridge => "bridge",
        NetworkMode::Awsvpc => "awsvpc",
        NetworkMode::Host => "host",
        NetworkMode::None => "none",
    }
}

/// The instance a node lives on (its own, or its task's), if any.
fn instance_of(lab: &Lab, n: &Node) -> Option<usize> {
    match n {
        Node::Instance(i) | Node::InstancePublic(i) => lab.instances.iter().position(|x| x.name == *i),
        Node::Task { task, .. } => lab.task(task).and_then(|t| t.instance()),
        _ => None,
    }
}

/// The instances an address belongs to (several for the docker0 and ecs-bridge addresses every
/// instance has).
fn instances_of_ip(lab: &Lab, ip: Ipv4Addr) -> Vec<usize> {
    let mut v = vec![];
    for (ii, i) in lab.instances.iter().enumerate() {
        let own = lab.instance_ip(i) == ip || i.public_ip == Some(ip) || ip == i.docker0_gw() || ip == ECS_BRIDGE_GW;
        let tasks = lab.tasks.iter().filter(|t| t.on_instance(ii) && t.placement.is_ok());
        let hosted = tasks.clone().any(|t| {
            t.eni.is_some_and(|e| lab.enis[e].ip == ip)
                || t.bridge_ip == Some(ip)
                || t.containers.iter().any(|c| c.ip == Some(ip))
        });
        if own || hosted {
            v.push(ii);
        }
    }
    v
}

/// What an address is, in words that group mismatches: `docker0-container`, `nat-eip`, ...
pub fn addr_kind(lab: &Lab, ip: Ipv4Addr) -> &'static str {
    let placed = || lab.tasks.iter().filter(|t| t.placement.is_ok());
    match ip {
        _ if ip.is_loopback() => "loopback",
        _ if ip == lab.vpc.dns.resolver => "vpc-dns",
        dns::RESOLVER_LINK_LOCAL => "vpc-dns-169.254.169.253",
        _ if dns::internet_resolvers(lab).contains(&ip) => "internet-dns",
        _ if AwsService::at(ip).is_some() => "aws-public",
        _ if lab.enis.iter().any(|e| e.ip == ip && matches!(e.owner, ecsnet::model::EniOwner::Endpoint(_))) => {
            "endpoint-eni"
        }
        IMDS_IP => "imds-169.254.169.254",
        METADATA_IP => "metadata-169.254.170.2",
        ECS_BRIDGE_GW => "ecs-bridge-gw",
        _ if lab.instances.iter().any(|i| i.docker0_gw() == ip) => "docker0-gw",
        INTERNET_CLIENT => "internet-client",
        _ if lab.instances.iter().any(|i| lab.instance_ip(i) == ip) => "instance-private",
        _ if lab.instances.iter().any(|i| i.public_ip == Some(ip)) => "instance-public",
        _ if lab.nats.iter().any(|n| lab.enis[n.eni].ip == ip) => "nat-private",
        _ if lab.nats.iter().any(|n| n.eip == ip) => "nat-eip",
        _ if placed().any(|t| t.eni.is_some_and(|e| lab.enis[e].ip == ip)) => "task-eni",
        _ if placed().any(|t| t.bridge_ip == Some(ip)) => "ecs-bridge-task",
        _ if placed().any(|t| t.containers.iter().any(|c| c.ip == Some(ip))) => "docker0-container",
        _ if lab.internet.hosts.iter().any(|h| h.ip.value == ip) => "internet-host",
        _ => "other",
    }
}

/// A node's kind: `instance`, `task-bridge/ctr`, `ip:nat-eip`, `via-hostPort(task-host)`.
pub fn node_kind(lab: &Lab, n: &Node, via: Option<Via>) -> String {
    let kind = match n {
        Node::Internet => "internet".to_string(),
        Node::InternetHost(_) => "internet-host".into(),
        Node::Instance(_) => "instance".into(),
        Node::InstancePublic(_) => "instance-public".into(),
        Node::TaskPublic(_) => "task-public".into(),
        Node::Nat(_) => "nat".into(),
        Node::Metadata => "metadata".into(),
        Node::InstanceMetadata => "imds".into(),
        Node::Dns => "dns".into(),
        Node::Aws(_) => "aws".into(),
        Node::Endpoint(_) => "endpoint".into(),
        Node::LoadBalancer(_) => "load-balancer".into(),
        Node::NetworkLoadBalancer(_) => "network-load-balancer".into(),
        Node::Service(_) => "service".into(),
        Node::Ip(ip) => format!("ip:{}", addr_kind(lab, *ip)),
        Node::Name(_) => "name".into(),
        Node::Task { task, container } => {
            let mode = match lab.task(task) {
                Some(t) if t.is_fargate() => "fargate",
                Some(t) => mode_name(t.mode),
                None => "?",
            };
            format!("task-{mode}{}", if container.is_some() { "/ctr" } else { "" })
        }
    };
    match via {
        Some(v) => format!("via-{}({kind})", via_name(v)),
        None => kind,
    }
}

/// The destination's kind, with where it is seen from: `@same-instance` when it lives on the
/// source's instance, `@other-instance` when on another one.
fn dst_kind(lab: &Lab, from: &Node, to: &Node, via: Option<Via>) -> String {
    let kind = node_kind(lab, to, via);
    let Some(src) = instance_of(lab, from) else { return kind };
    let owners = match (to, via) {
        (Node::Ip(ip), _) => instances_of_ip(lab, *ip),
        (Node::Task { .. }, Some(_)) | (Node::Instance(_) | Node::InstancePublic(_) | Node::Task { .. }, None) => {
            instance_of(lab, to).into_iter().collect()
        }
        _ => vec![],
    };
    match (owners.is_empty(), owners.contains(&src)) {
        (true, _) => kind,
        (false, true) => format!("{kind}@same-instance"),
        (false, false) => format!("{kind}@other-instance"),
    }
}

/// Every port of the lab: listened on, mapped, published (dynamic ones too), served on the
/// internet, plus 80, the agent's 51679 and a closed one.
fn lab_ports(lab: &Lab) -> BTreeSet<u16> {
    let mut p = BTreeSet::from([80, INTROSPECTION_PORT, TMDS_LISTEN_PORT, CLOSED_PORT, dns::DNS_PORT, HTTPS_PORT]);
    for c in lab.tasks.iter().filter(|t| t.placement.is_ok()).flat_map(|t| &t.containers) {
        p.extend(c.listen.iter().map(|l| l.port));
        for b in &c.ports {
            p.insert(b.container_port);
            p.extend(b.host_port);
        }
    }
    p.extend(lab.internet.hosts.iter().flat_map(|h| h.listen.iter().map(|l| l.port)));
    p
}

/// Every raw address a user can write: private and public IPs, the bridges' addresses,
/// loopback, the instance metadata and task metadata addresses, the internet's.
fn raw_addresses(lab: &Lab) -> BTreeSet<Ipv4Addr> {
    let mut v = BTreeSet::from([Ipv4Addr::LOCALHOST, IMDS_IP, METADATA_IP, ECS_BRIDGE_GW, INTERNET_CLIENT]);
    v.extend(lab.instances.iter().map(|i| i.docker0_gw()));
    // A network load balancer's node forwards a flow to the target its hash picks: its
    // addresses are probed through `nlb/NAME` (alb.rs), judged against every pick.
    let nlb_nodes: BTreeSet<usize> =
        lab.load_balancers.iter().filter(|l| l.is_network()).flat_map(|l| l.nodes.iter().copied()).collect();
    let enis = || lab.enis.iter().enumerate().filter(|(i, _)| !nlb_nodes.contains(i)).map(|(_, e)| e);
    v.extend(enis().map(|e| e.ip));
    v.extend(enis().filter_map(|e| e.public_ip));
    v.extend(lab.instances.iter().filter_map(|i| i.public_ip));
    v.extend(lab.nats.iter().map(|n| n.eip));
    for t in lab.tasks.iter().filter(|t| t.placement.is_ok()) {
        v.extend(t.bridge_ip);
        v.extend(t.containers.iter().filter_map(|c| c.ip));
    }
    v.extend(lab.internet.hosts.iter().map(|h| h.ip.value));
    v.extend([lab.vpc.dns.resolver, dns::RESOLVER_LINK_LOCAL]);
    v.extend(dns::internet_resolvers(lab));
    v.extend(AwsService::ALL.iter().map(|s| s.public_ip()));
    v
}

/// Every destination: nodes by name (tasks also by container), `metadata`, raw addresses, and
/// the host ports of bridge and host tasks (`via`), each with the ports it declares.
fn destinations(lab: &Lab) -> Vec<(Node, Option<Via>, BTreeSet<u16>)> {
    let (_, mut nodes) = resolve::nodes(lab);
    for t in lab.tasks.iter().filter(|t| t.placement.is_ok()) {
        nodes.push(Node::task(&t.name));
        nodes.extend(t.containers.iter().map(|c| Node::container(&t.name, &c.name)));
    }
    nodes.push(Node::Metadata);
    nodes.push(Node::InstanceMetadata);
    nodes.push(Node::Dns);
    nodes.extend(AwsService::ALL.into_iter().map(Node::Aws));
    nodes.extend(lab.endpoints.iter().filter(|e| !e.enis.is_empty()).map(|e| Node::Endpoint(e.name.clone())));
    nodes.extend(raw_addresses(lab).into_iter().map(Node::Ip));
    let mut seen = BTreeSet::new();
    nodes.retain(|n| seen.insert(n.to_string()));
    let mut out: Vec<(Node, Option<Via>, BTreeSet<u16>)> = nodes
        .into_iter()
        .map(|n| {
            let ports = resolve::declared_ports(lab, &n).iter().map(|p| p.port).collect();
            (n, None, ports)
        })
        .collect();
    for t in
        lab.tasks.iter().filter(|t| t.placement.is_ok() && matches!(t.mode, NetworkMode::Bridge | NetworkMode::Host))
    {
        let mapped: BTreeSet<u16> =
            t.containers.iter().flat_map(|c| c.ports.iter().map(|b| b.container_port)).collect();
        if mapped.is_empty() {
            continue;
        }
        out.push((Node::task(&t.name), Some(Via::HostPort), mapped.clone()));
        out.push((Node::task(&t.name), Some(Via::PublicHostPort), mapped));
    }
    out
}

/// Every case of the lab, grouped by (source kind, destination kind, protocol).
fn all_cases(lab: &Lab) -> BTreeMap<(String, String, String), Vec<Case>> {
    let (sources, _) = resolve::nodes(lab);
    let dsts = destinations(lab);
    let everywhere = lab_ports(lab);
    let mut groups: BTreeMap<(String, String, String), Vec<Case>> = BTreeMap::new();
    for from in sources.iter().filter(|s| resolve::source(lab, s).is_ok()) {
        let src_kind = node_kind(lab, from, None);
        for (to, via, declared) in &dsts {
            let dst_kind = dst_kind(lab, from, to, *via);
            let ports: BTreeSet<u16> = match via {
                Some(_) => declared.clone(),
                None => declared.union(&everywhere).copied().collect(),
            };
            let mut flows: Vec<(ProbeProto, Option<u16>)> = vec![];
            for p in &ports {
                flows.push((ProbeProto::Tcp, Some(*p)));
                flows.push((ProbeProto::Udp, Some(*p)));
            }
            if via.is_none() {
                flows.push((ProbeProto::Icmp, None));
            }
            for (proto, port) in flows {
                let case = Case {
                    from: from.clone(),
                    to: to.clone(),
                    port,
                    proto,
                    via: *via,
                    src_kind: src_kind.clone(),
                    dst_kind: dst_kind.clone(),
                };
                groups.entry((src_kind.clone(), dst_kind.clone(), proto.to_string())).or_default().push(case);
            }
        }
    }
    groups
}

/// Up to `max` cases with an analyzer verdict, taken in turn from each group (shuffled by the
/// seed), so that rare kinds of flows are probed in every lab.
pub fn sample(lab: &Lab, seed: u64, max: usize) -> Vec<(Case, Analysis)> {
    let mut rng = Rng(seed ^ 0x5eed_5eed_5eed_5eed);
    let mut groups: Vec<Vec<Case>> = all_cases(lab).into_values().collect();
    rng.shuffle(&mut groups);
    for g in &mut groups {
        rng.shuffle(g);
        g.reverse();
    }
    let mut out = vec![];
    while out.len() < max && groups.iter().any(|g| !g.is_empty()) {
        for g in groups.iter_mut() {
            let Some(c) = g.pop() else { continue };
            let a = analyze(lab, &c.from, &c.to, c.port, c.proto, c.via);
            if a.outcome.is_some() {
                out.push((c, a));
                if out.len() == max {
                    break;
                }
            }
        }
    }
    out
}

pub fn spec(lab: &Lab, id: usize, c: &Case, timeout: Duration) -> Option<ProbeSpec> {
    probe_spec(lab, id, (&c.from, &c.to), (c.port, c.proto, c.via), "/", timeout)
}

/// The probe of a flow from `from` to `to` (a load balancer's DNS name as Host), as the judge
/// would send it; None when an end does not resolve.
pub fn probe_spec(
    lab: &Lab,
    id: usize,
    (from, to): (&Node, &Node),
    (port, proto, via): (Option<u16>, ProbeProto, Option<Via>),
    path: &str,
    timeout: Duration,
) -> Option<ProbeSpec> {
    let source = resolve::source(lab, from).ok()?;
    let (dst, port) = resolve::destination(lab, to, port, via, proto).ok()?;
    let port = if proto == ProbeProto::Icmp { None } else { port };
    Some(ProbeSpec {
        id,
        src_ns: source.ns,
        bind: source.bind,
        dst,
        port,
        proto,
        path: path.into(),
        host: resolve::host_header(lab, to),
        timeout,
    })
}

/// A name to ask from a node.
#[derive(Clone, Debug)]
pub struct NameCase {
    pub from: Node,
    pub name: String,
    pub src_kind: String,
    /// What kind of name: `private-hostname`, `public-hostname`, `unknown`.
    pub name_kind: &'static str,
    /// An SRV query (a Cloud Map service's name), not A.
    pub srv: bool,
}

impl NameCase {
    pub fn explain_command(&self, file: &Path) -> String {
        format!("ecsnet explain {} {} --dns {}", file.display(), self.from, self.name)
    }
}

/// Up to `max` names asked from the lab's sources: every record the resolver holds (private
/// and public hostnames) and a name it does not, each from a source in turn.
pub fn name_cases(lab: &Lab, seed: u64, max: usize) -> Vec<NameCase> {
    let mut rng = Rng(seed ^ 0xd0d0_d0d0);
    let (sources, _) = resolve::nodes(lab);
    let mut sources: Vec<Node> = sources.into_iter().filter(|s| resolve::source(lab, s).is_ok()).collect();
    if sources.is_empty() {
        return vec![];
    }
    rng.shuffle(&mut sources);
    let mut names: Vec<(String, &'static str, bool)> = vec![];
    for r in ecsnet::analyze::dns::zones(lab).records {
        let kind = match r.zone {
            dns::Zone::PrivateHostnames => "private-hostname",
            dns::Zone::PublicHostnames => "public-hostname",
            dns::Zone::AwsPublic | dns::Zone::EndpointPrivate => "aws-public",
            dns::Zone::EndpointVpce => "endpoint-vpce",
            dns::Zone::LoadBalancer => "load-balancer",
            dns::Zone::CloudMap => "cloud-map",
            dns::Zone::CloudMapNamespace => "cloud-map-zone",
        };
        // A Cloud Map service's name is asked for its SRV records too; a name under its
        // namespace that it does not hold, too.
        if r.zone == dns::Zone::CloudMapNamespace {
            names.push((format!("nothing.{}", r.name), kind, false));
        }
        if !r.srv.is_empty() || (r.zone == dns::Zone::CloudMap && r.vpc.is_empty()) {
            names.push((r.name.clone(), kind, true));
        }
        names.push((r.name, kind, false));
    }
    names.push(("no-such-host.example.com".into(), "unknown", false));
    // AWS's names are many: two of them, one a wildcard's.
    names.retain(|(_, k, _)| *k != "aws-public");
    names.push(("api.ecr.us-east-1.amazonaws.com".into(), "aws-public", false));
    names.push(("123456789012.dkr.ecr.us-east-1.amazonaws.com".into(), "aws-public", false));
    names.push(("sts.us-east-1.amazonaws.com".into(), "aws-public", false));
    let mut out = vec![];
    for (i, (name, kind, srv)) in names.iter().enumerate() {
        for k in 0..2 {
            let from = sources[(i * 2 + k) % sources.len()].clone();
            let src_kind = node_kind(lab, &from, None);
            out.push(NameCase { from, name: name.clone(), src_kind, name_kind: kind, srv: *srv });
        }
    }
    rng.shuffle(&mut out);
    // A lab's Cloud Map names are few and each one matters: asked first.
    out.sort_by_key(|c| !c.name_kind.starts_with("cloud-map"));
    out.truncate(max);
    out
}
