//! One walk through the model: the flow (its transport, port and protocol), the steps recorded so
//! far, what a hop hands on (where the packet goes next, or why it stops), and the finished
//! [`Analysis`] users read.

use super::Reason;
use crate::model::{Container, Lab, Task};
use crate::scenario::{Node, Outcome, PortProto, PortRange, ProbeProto, Proto, RuleProto};
use serde::Serialize;
use std::net::Ipv4Addr;

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
    /// The HTTP status an HTTP client gets (a load balancer's own answer, or the responder's
    /// for the path); None when not predicted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Where the dataplane drops the packet that makes this flow time out, when it is a rule
    /// that logs its drops (see [`DropSite`]).
    #[serde(skip)]
    pub drop_site: Option<DropSite>,
}

/// A logged drop the analyzer predicts for a flow: the namespace and the rule's NFLOG prefix,
/// and the packet as it reaches the rule. `check` concludes a probe's timeout as soon as that
/// very packet is reported dropped there, instead of waiting the timeout out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DropSite {
    pub ns: String,
    pub prefix: String,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    /// The server's port: the request's destination port, or a reply's source port.
    pub port: Option<u16>,
    /// The packet is the server's reply (to the client's port), not the client's request.
    pub reply: bool,
}

/// The transport of a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L4 {
    Tcp,
    Udp,
    Icmp,
}

impl L4 {
    fn of(p: ProbeProto) -> L4 {
        match p {
            ProbeProto::Tcp | ProbeProto::Http => L4::Tcp,
            ProbeProto::Udp => L4::Udp,
            ProbeProto::Icmp => L4::Icmp,
        }
    }

    /// Whether a security group or ACL rule's protocol and port range match a packet of this
    /// transport to `port`.
    pub fn matches(self, rule: RuleProto, ports: Option<PortRange>, port: Option<u16>) -> bool {
        let proto_ok = match rule {
            RuleProto::All => true,
            RuleProto::Tcp => self == L4::Tcp,
            RuleProto::Udp => self == L4::Udp,
            RuleProto::Icmp => self == L4::Icmp,
        };
        proto_ok && ports.is_none_or(|r| port.is_some_and(|p| r.contains(p)))
    }
}

/// The direction of a packet through an ENI's security groups or a subnet's ACL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Ingress,
    Egress,
}

/// The end of a connected walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Served {
    /// The responder that answers; None when the stack itself answers (an echo request).
    pub by: Option<Node>,
    /// The source address the responder sees.
    pub source_seen: Ipv4Addr,
}

/// Why a packet stops: what the sender sees, the explanation code and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    pub outcome: Outcome,
    pub reason: Reason,
    pub why: String,
    /// The logged rule that drops the packet, when one does.
    pub site: Option<DropSite>,
}

impl Blocked {
    /// Dropped on the way: the sender waits in vain.
    pub fn timeout(reason: Reason, why: impl Into<String>) -> Blocked {
        Blocked { outcome: Outcome::Timeout, reason, why: why.into(), site: None }
    }
    /// Answered with a refusal (a reset, an ICMP unreachable).
    pub fn refused(reason: Reason, why: impl Into<String>) -> Blocked {
        Blocked { outcome: Outcome::Refused, reason, why: why.into(), site: None }
    }
    /// Dropped by a rule that logs it: set only for the probe's own packets (not a load
    /// balancer's connection onward), which alone the probe can be matched with.
    pub fn dropped_at(mut self, w: &Walk, site: DropSite) -> Blocked {
        if w.forwarded_by.is_none() && w.nlb_node.is_none() && w.l4 != L4::Icmp {
            self.site = Some(site);
        }
        self
    }
}

/// Where a hop hands the packet on. A hop returns this instead of calling the next hop, so that
/// no hop calls back into one that led to it (a packet leaving an ENI through the internet
/// gateway may come back in through it to another ENI); `super::follow` alone chains them.
#[derive(Clone, Debug)]
pub enum Next<'a> {
    /// Leaving ENI `eni`, from its private address, into the VPC.
    LeaveEni {
        eni: usize,
        dst: Ipv4Addr,
    },
    /// Leaving ENI `eni` from `src`, which need not be its address: a network load
    /// balancer's node forwarding a flow with the client's address preserved.
    Forward {
        eni: usize,
        src: Ipv4Addr,
        dst: Ipv4Addr,
    },
    /// On the internet, from `src` (public) to `dst`.
    Internet {
        src: Ipv4Addr,
        dst: Ipv4Addr,
    },
    /// Delivered by the VPC fabric to ENI `eni`'s private address, from subnet `from_subnet`
    /// (None: from the internet gateway).
    ArriveAtEni {
        from_subnet: Option<usize>,
        eni: usize,
        src: Ipv4Addr,
    },
    /// At a container, on its own address and the walk's (possibly translated) port.
    Container {
        task: &'a Task,
        container: &'a Container,
        src: Ipv4Addr,
    },
    Served(Served),
}

impl Next<'_> {
    pub fn served_by(node: Node, source_seen: Ipv4Addr) -> Self {
        Next::Served(Served { by: Some(node), source_seen })
    }
    /// Answered by the receiving stack itself (an echo reply).
    pub fn answered(source_seen: Ipv4Addr) -> Self {
        Next::Served(Served { by: None, source_seen })
    }
}

/// What a hop does with a packet: hands it on, or stops it.
pub type Onward<'a> = Result<Next<'a>, Blocked>;

/// A target a load balancer's node may forward a request to: the group's index in
/// `Lab::target_groups` and the target's in the group, or no target when the group has none in
/// use (the node's 503). See `load_balancer::picks`.
pub type Pick = (usize, Option<usize>);

pub struct Walk<'a> {
    pub lab: &'a Lab,
    pub l4: L4,
    /// The destination port the packet carries now (a port mapping changes it); None for ICMP.
    pub port: Option<u16>,
    /// The transport as listeners declare it; None for ICMP.
    pub proto: Option<Proto>,
    /// The probe speaks HTTP: a server of another protocol answers it nothing it can read.
    pub http: bool,
    /// The HTTP path a load balancer's rules see (`/` unless the expectation names one).
    pub path: String,
    /// The probe speaks TLS first (`http: { scheme: https }`).
    pub tls: bool,
    /// A load balancer's HTTPS listener completed the probe's handshake.
    pub tls_terminated: bool,
    /// The HTTP status of the answer, when a hop knows it (a load balancer's node).
    pub status: Option<u16>,
    /// A load balancer's node that forwarded the request, and the client address it saw: it
    /// answers the client itself when its own connection to the target is refused (502).
    pub forwarded_by: Option<(Node, Ipv4Addr)>,
    /// The network load balancer node (its ENI) that forwarded the flow with the client's
    /// address: a target's rule naming one of the node's security groups admits it.
    pub nlb_node: Option<usize>,
    /// The target a load balancer's node forwards to, when it is one its round robin covers
    /// (`load_balancer::picks`); else the first of them.
    pub pick: Option<Pick>,
    steps: Vec<Step>,
    /// The ACLs the reply will cross (subnet, direction, the reply's source and destination),
    /// in the order the request crossed them.
    replies: Vec<Reply>,
}

/// An ACL a reply will cross: the subnet, the direction, the reply's source and destination,
/// and the server's port it comes from as it crosses (before any port mapping is undone).
pub type Reply = (usize, Dir, (Ipv4Addr, Ipv4Addr), Option<u16>);

impl<'a> Walk<'a> {
    pub fn new(lab: &'a Lab, proto: ProbeProto, port: Option<u16>) -> Self {
        let l4 = L4::of(proto);
        let http = proto == ProbeProto::Http;
        let proto = match l4 {
            L4::Tcp => Some(Proto::Tcp),
            L4::Udp => Some(Proto::Udp),
            L4::Icmp => None,
        };
        let port = if l4 == L4::Icmp { None } else { port };
        Walk {
            lab,
            l4,
            port,
            proto,
            http,
            path: "/".to_string(),
            tls: false,
            tls_terminated: false,
            status: None,
            forwarded_by: None,
            nlb_node: None,
            pick: None,
            steps: vec![],
            replies: vec![],
        }
    }

    /// Aims the walk at the resolved destination port (ICMP has none).
    pub fn aim(&mut self, port: Option<u16>) {
        if self.l4 != L4::Icmp {
            self.port = port;
        }
    }

    /// Records a component's decision and the packet after it, `src -> dst:port`.
    pub fn step(&mut self, component: impl Into<String>, decision: impl Into<String>, src: Ipv4Addr, dst: Ipv4Addr) {
        let packet = match self.port {
            Some(p) => format!("{src} -> {dst}:{p}"),
            None => format!("{src} -> {dst}"),
        };
        self.steps.push(Step { component: component.into(), decision: decision.into(), packet });
    }

    /// Notes an ACL the reply will cross.
    pub fn reply_crosses(&mut self, subnet: usize, dir: Dir, reply: (Ipv4Addr, Ipv4Addr)) {
        self.replies.push((subnet, dir, reply, self.port));
    }

    /// The ACLs the reply crosses, in the order the request crossed them.
    pub fn take_replies(&mut self) -> Vec<Reply> {
        std::mem::take(&mut self.replies)
    }

    /// Records a decision on a packet that is not the request as it stands (a reply), shown as
    /// `src -> dst:port`.
    pub fn step_on(&mut self, component: String, decision: String, src: Ipv4Addr, dst: Ipv4Addr, port: Option<u16>) {
        let packet = match port {
            Some(p) => format!("{src} -> {dst}:{p}"),
            None => format!("{src} -> {dst}"),
        };
        self.steps.push(Step { component, decision, packet });
    }

    /// Whether something listening on `listen` (or running its own `command`, which may listen
    /// anywhere) answers this flow. Every stack answers an echo request.
    pub fn listens(&self, listen: &[PortProto], command: bool) -> bool {
        match (self.l4, self.port, self.proto) {
            (L4::Icmp, _, _) => true,
            (_, Some(p), Some(pr)) => command || listen.iter().any(|x| x.port == p && x.proto == pr),
            _ => false,
        }
    }

    /// The analysis of a walk that reached its end.
    pub fn finish(self, end: Result<Served, Blocked>) -> Analysis {
        match end {
            Ok(served) => Analysis {
                outcome: Some(Outcome::Connected),
                code: None,
                explanation: "connected".into(),
                steps: self.steps,
                served_by: served.by,
                source_seen: Some(served.source_seen),
                http_status: self.status,
                drop_site: None,
            },
            Err(blocked) => Analysis {
                outcome: Some(blocked.outcome),
                code: Some(blocked.reason),
                explanation: blocked.why,
                steps: self.steps,
                served_by: None,
                source_seen: None,
                http_status: None,
                drop_site: blocked.site.filter(|_| blocked.outcome == Outcome::Timeout),
            },
        }
    }

    /// The analysis of a flow that cannot start: no source, or no address to send to.
    pub fn unresolved(self, reason: Reason, why: String) -> Analysis {
        Analysis {
            outcome: None,
            code: Some(reason),
            explanation: why,
            steps: self.steps,
            served_by: None,
            source_seen: None,
            http_status: None,
            drop_site: None,
        }
    }
}

/// An ENI as a learner recognizes it: its id and whose it is (`eni-0abc (task/db)`).
pub fn eni_name(lab: &Lab, eni: usize) -> String {
    let e = &lab.enis[eni];
    format!("{} ({})", e.id, lab.owner_node(e))
}

/// An address with whose it is, when the lab knows (`10.12.1.5 (task/web-1)`).
pub fn who(lab: &Lab, ip: Ipv4Addr) -> String {
    let owner = lab.enis.iter().position(|e| e.ip == ip || e.public_ip == Some(ip)).map(|i| {
        let e = &lab.enis[i];
        let node = match e.owner {
            crate::model::EniOwner::Instance(n) if e.public_ip == Some(ip) => {
                Node::InstancePublic(lab.instances[n].name.clone())
            }
            crate::model::EniOwner::Task(n) if e.public_ip == Some(ip) => Node::TaskPublic(lab.tasks[n].name.clone()),
            _ => lab.owner_node(e),
        };
        node.to_string()
    });
    let owner = owner.or_else(|| (ip == lab.internet.client).then(|| "internet".to_string())).or_else(|| {
        lab.internet.hosts.iter().find(|h| h.ip.value == ip).map(|h| Node::internet_host(&h.name.value).to_string())
    });
    match owner {
        Some(o) => format!("{ip} ({o})"),
        None => ip.to_string(),
    }
}

/// The flow's transport and port as AWS's consoles write it: `tcp/5432`, `icmp`.
pub fn flow(l4: L4, port: Option<u16>) -> String {
    let proto = match l4 {
        L4::Tcp => "tcp",
        L4::Udp => "udp",
        L4::Icmp => "icmp",
    };
    match port {
        Some(p) if l4 != L4::Icmp => format!("{proto}/{p}"),
        _ => proto.to_string(),
    }
}

/// What a security group or ACL rule lets through, as the console lists it: `tcp 5432`,
/// `udp 1024-65535`, `icmp`, `all traffic`.
pub fn rule_traffic(protocol: RuleProto, ports: Option<PortRange>) -> String {
    let name = match protocol {
        RuleProto::All => return "all traffic".to_string(),
        RuleProto::Icmp => return "icmp".to_string(),
        RuleProto::Tcp => "tcp",
        RuleProto::Udp => "udp",
    };
    match ports {
        None => format!("{name} all ports"),
        Some(r) if r.from == r.to => format!("{name} {}", r.from),
        Some(r) => format!("{name} {}-{}", r.from, r.to),
    }
}
