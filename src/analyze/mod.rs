//! A Reachability-Analyzer-style static analysis of the model (pure: no packets, no root). For a
//! source, destination, protocol and port it walks the path a packet would take (the sender's
//! security group egress, the subnet's ACL out, the route table, gateways and their
//! translations, the ACL in, the receiver's security group ingress, a listener or not, and the
//! ACLs on the way back) and gives the verdict the probe should see, with the hops and, when
//! blocked, an explanation code. AWS's codes where they exist; ecsnet's own for ECS cases.
//! `test` compares it with the real packets: a disagreement is a bug in ecsnet.

pub mod policy;
pub mod reason;

pub use reason::Reason;

use crate::model::resolve::{self, ResolveError};
use crate::model::{DOCKER0_GW, EniOwner, Lab, METADATA_IP, METADATA_PORT};
use crate::scenario::{NetworkMode, Node, Outcome, ProbeProto, Proto, Via};
use policy::{Dir, Hop, L4};
use serde::Serialize;
use std::net::Ipv4Addr;

/// The client's ephemeral ports (Linux default ip_local_port_range): what a reply is sent to,
/// and what a stateless ACL must let back.
const EPHEMERAL: (u16, u16) = (32768, 60999);

#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub component: String,
    /// The rule or route that decided.
    pub decision: String,
    /// The packet after this component: `src -> dst:port`.
    pub packet: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    /// None when there is no address to send to.
    pub outcome: Option<Outcome>,
    /// Why it is not connected (or what is notable).
    pub code: Option<Reason>,
    pub explanation: String,
    pub steps: Vec<Step>,
    /// The responder that answers (`task/web/app`, `internet/api`).
    pub served_by: Option<Node>,
    /// The source address the responder sees.
    pub source_seen: Option<Ipv4Addr>,
}

struct Walk<'a> {
    lab: &'a Lab,
    l4: L4,
    port: Option<u16>,
    proto: Option<Proto>,
    steps: Vec<Step>,
}

type Res = Result<(Option<Node>, Ipv4Addr), (Outcome, Reason, String)>;

fn l4_of(p: ProbeProto) -> L4 {
    match p {
        ProbeProto::Tcp | ProbeProto::Http => L4::Tcp,
        ProbeProto::Udp => L4::Udp,
        ProbeProto::Icmp => L4::Icmp,
    }
}

impl Walk<'_> {
    fn step(&mut self, component: impl Into<String>, decision: impl Into<String>, src: Ipv4Addr, dst: Ipv4Addr) {
        let packet = match self.port {
            Some(p) => format!("{src} -> {dst}:{p}"),
            None => format!("{src} -> {dst}"),
        };
        self.steps.push(Step { component: component.into(), decision: decision.into(), packet });
    }

    fn sg(
        &mut self,
        eni: usize,
        dir: Dir,
        peer: Ipv4Addr,
        src: Ipv4Addr,
        dst: Ipv4Addr,
    ) -> Result<(), (Outcome, Reason, String)> {
        let e = &self.lab.enis[eni];
        if e.security_groups.is_empty() {
            return Ok(());
        }
        let what = if dir == Dir::Egress { "egress" } else { "ingress" };
        match policy::sg_allows(self.lab, e, dir, peer, self.l4, self.port) {
            Some((g, i)) => {
                self.step(
                    format!("{} security groups ({what})", e.id),
                    format!("sg/{g} {what} rule {}", i + 1),
                    src,
                    dst,
                );
                Ok(())
            }
            None => {
                let groups = e.security_groups.iter().map(|g| format!("sg/{g}")).collect::<Vec<_>>().join(", ");
                self.step(format!("{} security groups ({what})", e.id), "no rule allows it: dropped", src, dst);
                Err((
                    Outcome::Timeout,
                    Reason::EniSgRulesMismatch,
                    format!("no {what} rule of {groups} on {} allows {peer}", e.id),
                ))
            }
        }
    }

    /// One subnet ACL on one packet; `peer` is the remote address, `port` the packet's dport.
    fn acl(
        &mut self,
        subnet: usize,
        dir: Dir,
        peer: Ipv4Addr,
        port: Option<u16>,
        label: &str,
    ) -> Result<(), (Outcome, Reason, String)> {
        let d = policy::nacl(self.lab, subnet, dir, peer, self.l4, port);
        let Some(acl) = d.acl else { return Ok(()) };
        let sn = &self.lab.vpc.subnets[subnet].name;
        let rule = d.rule.map(|r| format!("rule {r}")).unwrap_or_else(|| "rule * (implicit deny)".into());
        let dirs = if dir == Dir::Ingress { "inbound" } else { "outbound" };
        let decision = format!("nacl/{acl} {dirs} {rule}: {}", if d.allowed { "allow" } else { "deny" });
        self.steps.push(Step { component: format!("subnet {sn} ACL ({label})"), decision, packet: String::new() });
        if d.allowed {
            Ok(())
        } else {
            Err((
                Outcome::Timeout,
                Reason::SubnetAclRestriction,
                format!("nacl/{acl} of subnet {sn} denies the {label} {dirs} ({rule})"),
            ))
        }
    }

    /// The ACLs of a crossing from subnet `a` to subnet `b` and of its replies. None for the
    /// internet side.
    fn crossing(
        &mut self,
        a: Option<usize>,
        b: Option<usize>,
        src: Ipv4Addr,
        dst: Ipv4Addr,
    ) -> Result<(), (Outcome, Reason, String)> {
        if a.is_some() && a == b {
            return Ok(()); // Traffic inside one subnet is not evaluated by its ACL.
        }
        let port = self.port;
        if let Some(a) = a {
            self.acl(a, Dir::Egress, dst, port, "request")?;
        }
        if let Some(b) = b {
            self.acl(b, Dir::Ingress, src, port, "request")?;
        }
        // Replies go to the client's ephemeral port: the stateless ACLs must let them back.
        let eph = |w: &mut Self, subnet: usize, dir: Dir, peer: Ipv4Addr| -> Result<(), (Outcome, Reason, String)> {
            if w.l4 == L4::Icmp {
                return w.acl(subnet, dir, peer, None, "reply");
            }
            w.acl(subnet, dir, peer, Some(EPHEMERAL.0), "reply")?;
            w.acl(subnet, dir, peer, Some(EPHEMERAL.1), "reply")
        };
        if let Some(b) = b {
            eph(self, b, Dir::Egress, src)?;
        }
        if let Some(a) = a {
            eph(self, a, Dir::Ingress, dst)?;
        }
        Ok(())
    }

    fn listens(&self, listen: &[crate::scenario::PortProto], command: bool) -> bool {
        match (self.l4, self.port, self.proto) {
            (L4::Icmp, _, _) => true,
            (_, Some(p), Some(pr)) => command || listen.iter().any(|x| x.port == p && x.proto == pr),
            _ => false,
        }
    }

    /// A packet arrives in instance `ii`'s namespace addressed to one of its own addresses.
    fn at_instance(&mut self, ii: usize, src: Ipv4Addr, dst: Ipv4Addr) -> Res {
        let lab = self.lab;
        let inst = &lab.instances[ii];
        if self.l4 == L4::Icmp {
            self.step(Node::instance(&inst.name).to_string(), "answers echo requests", src, dst);
            return Ok((None, src));
        }
        let (Some(port), Some(proto)) = (self.port, self.proto) else {
            return Err((Outcome::Refused, Reason::NoListener, "no port".into()));
        };
        for t in lab.tasks.iter().filter(|t| t.instance == ii && t.placement.is_ok()) {
            for c in &t.containers {
                for b in &c.ports {
                    let published = t.mode == NetworkMode::Bridge && b.host_port == Some(port) && b.proto == proto;
                    if published {
                        let cip = c.ip.unwrap_or(Ipv4Addr::UNSPECIFIED);
                        self.steps.push(Step {
                            component: format!("{} port mapping", Node::instance(&inst.name)),
                            decision: format!("docker: {port}/{proto} -> {cip}:{} (task/{})", b.container_port, t.name),
                            packet: format!("{src} -> {cip}:{}", b.container_port),
                        });
                        // After the DNAT the container is reached on its own port; a
                        // container of this instance comes back in on docker0, masqueraded.
                        self.port = Some(b.container_port);
                        let seen = if in_docker0(src) { DOCKER0_GW } else { src };
                        return self.container(&t.name, c, seen);
                    }
                }
                if t.mode == NetworkMode::Host && self.listens(&c.listen, c.command.is_some()) {
                    self.step(format!("{} (host network)", Node::task(&t.name)), "listening on the instance", src, dst);
                    return Ok((Some(Node::container(&t.name, &c.name)), src));
                }
            }
        }
        let awsvpc_port =
            lab.tasks.iter().filter(|t| t.instance == ii && t.mode == NetworkMode::Awsvpc && t.placement.is_ok()).find(
                |t| t.containers.iter().any(|c| c.ports.iter().any(|b| b.container_port == port && b.proto == proto)),
            );
        if let Some(t) = awsvpc_port {
            return Err((
                Outcome::Refused,
                Reason::AwsvpcPortNotPublishedOnHost,
                format!(
                    "{} listens on {port}/{proto} at its own ENI; awsvpc ports are not published on the instance",
                    Node::task(&t.name)
                ),
            ));
        }
        Err((
            Outcome::Refused,
            Reason::NoListener,
            format!("nothing listens on {port}/{proto} on instance/{}", inst.name),
        ))
    }

    fn container(&mut self, task: &str, c: &crate::model::Container, src: Ipv4Addr) -> Res {
        if self.listens(&c.listen, c.command.is_some()) {
            Ok((Some(Node::container(task, &c.name)), src))
        } else {
            Err((
                Outcome::Refused,
                Reason::NoListener,
                format!("{} does not listen on {:?}/{:?}", Node::container(task, &c.name), self.port, self.proto),
            ))
        }
    }

    /// The fabric delivered the packet to ENI `eni`'s `eth0`.
    fn at_eni(&mut self, eni: usize, src: Ipv4Addr) -> Res {
        let lab = self.lab;
        let e = &lab.enis[eni];
        match e.owner {
            EniOwner::Instance(ii) => self.at_instance(ii, src, e.ip),
            EniOwner::Nat(ni) => Err((
                Outcome::Timeout,
                Reason::NatGatewayNoInbound,
                format!("{} accepts no inbound connection", Node::nat(&lab.nats[ni].name)),
            )),
            EniOwner::Task(ti) => {
                let t = &lab.tasks[ti];
                if self.l4 == L4::Icmp {
                    self.step(Node::task(&t.name).to_string(), "answers echo requests", src, e.ip);
                    return Ok((None, src));
                }
                let served = t.containers.iter().find(|c| self.listens(&c.listen, c.command.is_some()));
                match served {
                    Some(c) => Ok((Some(Node::container(&t.name, &c.name)), src)),
                    None => Err((
                        Outcome::Refused,
                        Reason::NoListener,
                        format!("no container of task/{} listens on {:?}", t.name, self.port),
                    )),
                }
            }
        }
    }

    /// From the internet (source `src`, public) to `dst`.
    fn enter_from_internet(&mut self, src: Ipv4Addr, dst: Ipv4Addr) -> Res {
        let lab = self.lab;
        if lab.vpc.igw_ns.is_none() {
            return Err((Outcome::Refused, Reason::NoRouteToDestination, "the VPC has no internet gateway".into()));
        }
        if let Some(h) = lab.internet.hosts.iter().find(|h| h.ip.value == dst) {
            return if self.listens(&h.listen, false) {
                Ok((Some(Node::internet_host(&h.name.value)), src))
            } else {
                Err((
                    Outcome::Refused,
                    Reason::NoListener,
                    format!("{} does not listen there", Node::internet_host(&h.name.value)),
                ))
            };
        }
        if dst == lab.internet.client {
            return if self.l4 == L4::Icmp {
                Ok((None, src))
            } else {
                Err((Outcome::Refused, Reason::NoListener, "the internet client listens on nothing".into()))
            };
        }
        let Some(eni) = lab.enis.iter().position(|e| e.public_ip == Some(dst)) else {
            let code = match lab.enis.iter().find(|e| e.ip == dst).map(|e| e.owner) {
                Some(EniOwner::Task(_)) => Reason::NoPublicIpOnEc2TaskEni,
                Some(_) => Reason::IgwPrivateIpAssociationForIngress,
                None => Reason::NoRouteToDestination,
            };
            self.step("internet gateway", "no public IP maps to this address: dropped", src, dst);
            return Err((Outcome::Timeout, code, format!("{dst} is not a public IP of this VPC")));
        };
        let e = &lab.enis[eni];
        self.step("internet gateway", format!("1:1 NAT {dst} -> {} ({})", e.ip, e.id), src, e.ip);
        self.crossing(None, Some(e.subnet), src, e.ip)?;
        self.sg(eni, Dir::Ingress, src, src, e.ip)?;
        self.at_eni(eni, src)
    }

    /// From ENI `a` (source address `src`, its private IP) into the VPC.
    fn leave_eni(&mut self, a: usize, dst: Ipv4Addr) -> Res {
        let lab = self.lab;
        let ea = &lab.enis[a];
        let src = ea.ip;
        self.sg(a, Dir::Egress, dst, src, dst)?;
        let (hop, by) = policy::route(lab, ea.subnet, dst);
        let rt = &lab.vpc.route_tables[lab.vpc.subnets[ea.subnet].route_table].name;
        let by = by.map(|n| n.to_string()).unwrap_or_else(|| "no route".into());
        match hop {
            Hop::Local(Some(b)) => {
                let eb = &lab.enis[b];
                self.step(format!("route table {rt}"), format!("{by} local -> {}", eb.id), src, dst);
                self.crossing(Some(ea.subnet), Some(eb.subnet), src, dst)?;
                self.sg(b, Dir::Ingress, src, src, dst)?;
                self.at_eni(b, src)
            }
            Hop::Local(None) => {
                self.step(format!("route table {rt}"), format!("{by} local: no ENI has {dst}"), src, dst);
                Err((Outcome::Timeout, Reason::NoRouteToDestination, format!("no ENI in the VPC has {dst}")))
            }
            Hop::Blackhole => {
                self.step(format!("route table {rt}"), format!("{by}: dropped"), src, dst);
                Err((Outcome::Timeout, Reason::NoRouteToDestination, format!("route table {rt} has no route to {dst}")))
            }
            Hop::InternetGateway => {
                self.step(format!("route table {rt}"), format!("{by} -> internet gateway"), src, dst);
                self.crossing(Some(ea.subnet), None, src, dst)?;
                let Some(public) = ea.public_ip else {
                    let code = if matches!(ea.owner, EniOwner::Task(_)) {
                        Reason::NoPublicIpOnEc2TaskEni
                    } else {
                        Reason::IgwPublicIpAssociationForEgress
                    };
                    self.step(
                        "internet gateway",
                        format!("{} has no public IP: not translated, dropped", ea.id),
                        src,
                        dst,
                    );
                    return Err((
                        Outcome::Timeout,
                        code,
                        format!("{} has no public IP, so nothing it sends crosses the internet gateway", ea.id),
                    ));
                };
                self.step("internet gateway", format!("1:1 NAT {src} -> {public}"), public, dst);
                self.enter_from_internet(public, dst)
            }
            Hop::Nat(ni) => {
                let nat = &lab.nats[ni];
                let en = &lab.enis[nat.eni];
                self.step(format!("route table {rt}"), format!("{by} -> nat/{}", nat.name), src, dst);
                self.crossing(Some(ea.subnet), Some(en.subnet), src, dst)?;
                self.step(Node::nat(&nat.name).to_string(), format!("source NAT {src} -> {}", en.ip), en.ip, dst);
                let (hop2, _) = policy::route(lab, en.subnet, dst);
                if hop2 != Hop::InternetGateway {
                    return Err((
                        Outcome::Timeout,
                        Reason::NoRouteToDestination,
                        format!("the subnet of nat/{} has no route to the internet gateway", nat.name),
                    ));
                }
                self.crossing(Some(en.subnet), None, en.ip, dst)?;
                self.step("internet gateway", format!("1:1 NAT {} -> {}", en.ip, nat.eip), nat.eip, dst);
                self.enter_from_internet(nat.eip, dst)
            }
        }
    }
}

fn finish(w: Walk, r: Res) -> Analysis {
    match r {
        Ok((served, seen)) => Analysis {
            outcome: Some(Outcome::Connected),
            code: None,
            explanation: "connected".into(),
            steps: w.steps,
            served_by: served,
            source_seen: Some(seen),
        },
        Err((o, code, why)) => Analysis {
            outcome: Some(o),
            code: Some(code),
            explanation: why,
            steps: w.steps,
            served_by: None,
            source_seen: None,
        },
    }
}

/// Analyze one flow on the model.
pub fn analyze(lab: &Lab, from: &Node, to: &Node, port: Option<u16>, proto: ProbeProto, via: Option<Via>) -> Analysis {
    let l4 = l4_of(proto);
    let p = match l4 {
        L4::Tcp => Some(Proto::Tcp),
        L4::Udp => Some(Proto::Udp),
        L4::Icmp => None,
    };
    let mut w = Walk { lab, l4, port: if l4 == L4::Icmp { None } else { port }, proto: p, steps: vec![] };
    let bad = |w: Walk, code: Reason, why: String, o: Option<Outcome>| Analysis {
        outcome: o,
        code: Some(code),
        explanation: why,
        steps: w.steps,
        served_by: None,
        source_seen: None,
    };
    if let Err(e) = resolve::source(lab, from) {
        return bad(w, Reason::TaskNotPlaced, e.to_string(), None);
    }
    let (dst, dport) = match resolve::destination(lab, to, port, via) {
        Ok(d) => d,
        Err(e) => {
            let code = match e {
                ResolveError::AwsvpcPortNotPublished { .. } => Reason::AwsvpcPortNotPublishedOnHost,
                ResolveError::NoPublicIp(_) | ResolveError::ViaNoPublicIp(_) => Reason::NoPublicIp,
                ResolveError::NetworkModeNone(_) => Reason::NetworkModeNone,
                _ => Reason::TaskNotPlaced,
            };
            return bad(w, code, e.to_string(), None);
        }
    };
    if l4 != L4::Icmp {
        w.port = dport;
    }
    let r = match from {
        Node::Internet | Node::InternetHost(_) => {
            let src = resolve::source(lab, from).ok().and_then(|s| s.bind).unwrap_or(lab.internet.client);
            w.enter_from_internet(src, dst)
        }
        Node::Instance(n) => {
            let ii = lab.instances.iter().position(|i| i.name == *n).unwrap_or(0);
            from_instance(&mut w, ii, dst)
        }
        Node::Task { task: n, container } => {
            let Some(ti) = lab.tasks.iter().position(|t| t.name == *n) else {
                return bad(w, Reason::TaskNotPlaced, format!("no task {n}"), None);
            };
            let t = &lab.tasks[ti];
            let ci = match container {
                Some(c) => t.containers.iter().position(|x| x.name == *c).unwrap_or(0),
                None => 0,
            };
            match t.mode {
                NetworkMode::Host => from_instance(&mut w, t.instance, dst),
                NetworkMode::Awsvpc => {
                    let eni = t.eni.unwrap_or(0);
                    if dst == lab.enis[eni].ip || dst.is_loopback() {
                        let served = t.containers.iter().find(|c| w.listens(&c.listen, c.command.is_some()));
                        match served {
                            Some(c) => Ok((
                                Some(Node::container(&t.name, &c.name)),
                                if dst.is_loopback() { dst } else { lab.enis[eni].ip },
                            )),
                            None => {
                                Err((Outcome::Refused, Reason::NoListener, "nothing listens there in the task".into()))
                            }
                        }
                    } else if dst == METADATA_IP {
                        w.step(
                            "ecs-bridge",
                            "169.254.170.2 via 169.254.172.1 -> instance",
                            t.bridge_ip.unwrap_or(dst),
                            dst,
                        );
                        metadata(&mut w, t.bridge_ip.unwrap_or(dst))
                    } else {
                        w.leave_eni(eni, dst)
                    }
                }
                NetworkMode::Bridge => {
                    let c = &t.containers[ci.min(t.containers.len().saturating_sub(1))];
                    let own = c.ip.unwrap_or(Ipv4Addr::UNSPECIFIED);
                    from_bridge_container(&mut w, t.instance, &t.name, c, own, dst)
                }
                NetworkMode::None => {
                    let c = &t.containers[ci.min(t.containers.len().saturating_sub(1))];
                    if dst.is_loopback() {
                        w.container(&t.name, c, dst)
                    } else {
                        Err((
                            Outcome::Refused,
                            Reason::NetworkModeNone,
                            format!("{} has only a loopback interface: no route to {dst}", Node::task(&t.name)),
                        ))
                    }
                }
            }
        }
        other => return bad(w, Reason::InvalidSource, format!("{other} cannot be a source"), None),
    };
    finish(w, r)
}

fn metadata(w: &mut Walk, src: Ipv4Addr) -> Res {
    if w.l4 == L4::Tcp && w.port == Some(METADATA_PORT) {
        w.step("instance: ecs-init", "DNAT 169.254.170.2:80 -> 127.0.0.1:51679 (agent)", src, Ipv4Addr::LOCALHOST);
        Ok((Some(Node::Metadata), src))
    } else {
        Err((Outcome::Refused, Reason::NoListener, "the metadata endpoint is 169.254.170.2:80/tcp".into()))
    }
}

fn from_instance(w: &mut Walk, ii: usize, dst: Ipv4Addr) -> Res {
    let lab = w.lab;
    let own = lab.instance_ip(&lab.instances[ii]);
    if dst == own || dst.is_loopback() || dst == DOCKER0_GW {
        return w.at_instance(ii, own, dst);
    }
    if dst == METADATA_IP {
        return metadata(w, own);
    }
    if in_docker0(dst) {
        return to_docker0(w, ii, DOCKER0_GW, dst);
    }
    w.leave_eni(lab.instances[ii].eni, dst)
}

fn in_docker0(ip: Ipv4Addr) -> bool {
    ip.octets()[0] == 172 && ip.octets()[1] == 17
}

fn to_docker0(w: &mut Walk, ii: usize, src: Ipv4Addr, dst: Ipv4Addr) -> Res {
    let lab = w.lab;
    for t in lab.tasks.iter().filter(|t| t.instance == ii && t.mode == NetworkMode::Bridge && t.placement.is_ok()) {
        if let Some(c) = t.containers.iter().find(|c| c.ip == Some(dst)) {
            w.step(
                format!("{} docker0", Node::instance(&lab.instances[ii].name)),
                format!("{dst} is task/{}/{}", t.name, c.name),
                src,
                dst,
            );
            if w.l4 == L4::Icmp {
                return Ok((None, src));
            }
            return w.container(&t.name, c, src);
        }
    }
    Err((
        Outcome::Timeout,
        Reason::NoRouteToDestination,
        format!(
            "no container on instance/{}'s docker0 has {dst} (docker0 addresses are local to each instance)",
            lab.instances[ii].name
        ),
    ))
}

fn from_bridge_container(
    w: &mut Walk,
    ii: usize,
    task: &str,
    c: &crate::model::Container,
    own: Ipv4Addr,
    dst: Ipv4Addr,
) -> Res {
    let lab = w.lab;
    if dst == own || dst.is_loopback() {
        return w.container(task, c, if dst.is_loopback() { dst } else { own });
    }
    if dst == METADATA_IP {
        return metadata(w, own);
    }
    if in_docker0(dst) && dst != DOCKER0_GW {
        return to_docker0(w, ii, own, dst);
    }
    let inst_ip = lab.instance_ip(&lab.instances[ii]);
    if dst == inst_ip || dst == DOCKER0_GW {
        return w.at_instance(ii, own, dst);
    }
    w.step(
        Node::instance(&lab.instances[ii].name).to_string(),
        format!("docker: masquerade {own} -> {inst_ip}"),
        inst_ip,
        dst,
    );
    w.leave_eni(lab.instances[ii].eni, dst)
}

/// A table of the hops, for `explain`.
pub fn render(a: &Analysis) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let wc = a.steps.iter().map(|x| x.component.len()).max().unwrap_or(9).max(9);
    let wd = a.steps.iter().map(|x| x.decision.len()).max().unwrap_or(8).max(8);
    let _ = writeln!(s, "  {:<wc$}  {:<wd$}  PACKET", "COMPONENT", "DECISION");
    for st in &a.steps {
        let _ = writeln!(s, "  {:<wc$}  {:<wd$}  {}", st.component, st.decision, st.packet);
    }
    let verdict = a.outcome.map(|o| o.to_string()).unwrap_or_else(|| "no address".into());
    let _ = write!(s, "verdict: {verdict}");
    if let Some(c) = &a.code {
        let _ = write!(s, " [{c}] {}", a.explanation);
    }
    if let Some(sv) = &a.served_by {
        let _ = write!(s, "; served by {sv}");
    }
    if let Some(seen) = a.source_seen {
        let _ = write!(s, ", source seen as {seen}");
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;
    use std::path::Path;

    fn lab(file: &str) -> Lab {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let s = load_str(&p, &std::fs::read_to_string(&p).unwrap()).unwrap_or_else(|d| panic!("{d}"));
        crate::model::build(&s).unwrap()
    }
    fn ep(s: &str) -> (Node, Option<u16>) {
        crate::scenario::parse_node(s).unwrap()
    }
    fn code(l: &Lab, from: &str, to: &str, proto: ProbeProto, via: Option<Via>) -> (Option<Outcome>, Option<String>) {
        let (t, port) = ep(to);
        let a = analyze(l, &ep(from).0, &t, port, proto, via);
        (a.outcome, a.code.map(|c| c.code().to_string()))
    }
    fn tcp(l: &Lab, from: &str, to: &str) -> (Option<Outcome>, Option<String>) {
        code(l, from, to, ProbeProto::Tcp, None)
    }
    fn is(o: Outcome, c: &str) -> (Option<Outcome>, Option<String>) {
        (Some(o), Some(c.to_string()))
    }

    #[test]
    fn connected_paths_carry_server_and_translated_source() {
        let l = lab("scenarios/01-bridge-vs-awsvpc.yaml");
        let a =
            analyze(&l, &Node::task("web-awsvpc"), &Node::InternetHost("api".into()), Some(443), ProbeProto::Tcp, None);
        assert_eq!(a.outcome, Some(Outcome::Connected));
        assert_eq!(a.served_by, Some(Node::internet_host("api")));
        assert_eq!(a.source_seen, Some(l.nats[0].eip), "the internet sees the NAT gateway's EIP");
        let b = analyze(&l, &Node::Internet, &Node::InstancePublic("ecs-1".into()), Some(3000), ProbeProto::Tcp, None);
        assert_eq!(b.served_by, Some(Node::container("web-bridge", "DVA-EC-site")));
        assert_eq!(b.source_seen, Some(l.internet.client));
    }

    #[test]
    fn eni_sg_rules_mismatch() {
        let l = lab("scenarios/12-security-groups.yaml");
        assert_eq!(tcp(&l, "task/web-1", "task/db:6432"), is(Outcome::Timeout, "ENI_SG_RULES_MISMATCH"));
        assert_eq!(tcp(&l, "task/db", "task/web-1:8080"), is(Outcome::Timeout, "ENI_SG_RULES_MISMATCH"));
    }

    #[test]
    fn subnet_acl_restriction() {
        let l = lab("scenarios/13-nacl-ephemeral-trap.yaml");
        assert_eq!(tcp(&l, "instance/client-1", "task/in-trap:443"), is(Outcome::Timeout, "SUBNET_ACL_RESTRICTION"));
        assert_eq!(tcp(&l, "instance/client-1", "task/in-fixed:443").0, Some(Outcome::Connected));
    }

    #[test]
    fn no_route_to_destination() {
        let l = lab("scenarios/13-nacl-ephemeral-trap.yaml");
        assert_eq!(tcp(&l, "instance/client-1", "198.51.100.80:443"), is(Outcome::Timeout, "NO_ROUTE_TO_DESTINATION"));
        assert_eq!(tcp(&l, "instance/client-1", "10.13.9.9:443"), is(Outcome::Timeout, "NO_ROUTE_TO_DESTINATION"));
    }

    const PUBLIC: &str = "version: 1\nname: igw\nvpc:\n  cidr: 10.5.0.0/16\n  internetGateway: true\n  subnets: [{name: pub, cidr: 10.5.0.0/24, routeTable: pub}]\n  routeTables: [{name: pub, routes: [{destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway}]}]\n  securityGroups: [{name: open, ingress: [{protocol: all, source: 0.0.0.0/0}]}]\ninternet:\n  hosts: [{name: api, ip: 198.51.100.80, listen: [443/tcp]}]\ninstances:\n  - {name: private-only, subnet: pub, securityGroups: [open]}\n  - {name: public, subnet: pub, publicIp: true, securityGroups: [open]}\n";

    #[test]
    fn igw_public_and_private_ip_associations() {
        let s = load_str(Path::new("igw.yaml"), PUBLIC).unwrap_or_else(|d| panic!("{d}"));
        let l = crate::model::build(&s).unwrap();
        assert_eq!(
            tcp(&l, "instance/private-only", "internet/api:443"),
            is(Outcome::Timeout, "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS")
        );
        assert_eq!(tcp(&l, "instance/public", "internet/api:443").0, Some(Outcome::Connected));
        assert_eq!(
            tcp(&l, "internet", "instance/public:22"),
            is(Outcome::Timeout, "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS")
        );
        assert_eq!(tcp(&l, "internet", "instance/public@public:22"), is(Outcome::Refused, "NO_LISTENER"));
        let (o, c) = tcp(&l, "internet", "instance/private-only@public:22");
        assert_eq!((o, c.as_deref()), (None, Some("NO_PUBLIC_IP")));
    }

    #[test]
    fn ecs_codes() {
        let l = lab("scenarios/01-bridge-vs-awsvpc.yaml");
        assert_eq!(tcp(&l, "internet", "task/web-awsvpc:3000"), is(Outcome::Timeout, "NO_PUBLIC_IP_ON_EC2_TASK_ENI"));
        assert_eq!(
            tcp(&l, "internet", "instance/ecs-2@public:3000"),
            is(Outcome::Refused, "AWSVPC_PORT_NOT_PUBLISHED_ON_HOST")
        );
        let (o, c) = code(&l, "instance/ecs-1", "task/web-awsvpc:3000", ProbeProto::Tcp, Some(Via::HostPort));
        assert_eq!((o, c.as_deref()), (None, Some("AWSVPC_PORT_NOT_PUBLISHED_ON_HOST")));
        let n = lab("scenarios/11-private-subnet-nat.yaml");
        assert_eq!(tcp(&n, "internet", "198.51.100.200:8080"), is(Outcome::Timeout, "NAT_GATEWAY_NO_INBOUND"));
        let none = lab("scenarios/05-none.yaml");
        assert_eq!(tcp(&none, "task/job", "instance/ecs-1:22"), is(Outcome::Refused, "NETWORK_MODE_NONE"));
        let (o, c) = tcp(&none, "instance/ecs-1", "task/job:8080");
        assert_eq!((o, c.as_deref()), (None, Some("NETWORK_MODE_NONE")));
        let m = lab("scenarios/02-awsvpc.yaml");
        let (o, c) = tcp(&m, "task/web-3", "task/web-1:80");
        assert_eq!((o, c.as_deref()), (None, Some("TASK_NOT_PLACED")));
        let b = lab("scenarios/03-bridge.yaml");
        assert_eq!(tcp(&b, "instance/ecs-2", "instance/ecs-1:9000"), is(Outcome::Refused, "NO_LISTENER"));
    }
}
