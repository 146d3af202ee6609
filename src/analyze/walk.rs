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
}

impl Blocked {
    /// Dropped on the way: the sender waits in vain.
    pub fn timeout(reason: Reason, why: impl Into<String>) -> Blocked {
        Blocked { outcome: Outcome::Timeout, reason, why: why.into() }
    }
    /// Answered with a refusal (a reset, an ICMP unreachable).
    pub fn refused(reason: Reason, why: impl Into<String>) -> Blocked {
        Blocked { outcome: Outcome::Refused, reason, why: why.into() }
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

pub struct Walk<'a> {
    pub lab: &'a Lab,
    pub l4: L4,
    /// The destination port the packet carries now (a port mapping changes it); None for ICMP.
    pub port: Option<u16>,
    /// The transport as listeners declare it; None for ICMP.
    pub proto: Option<Proto>,
    steps: Vec<Step>,
    /// The ACLs the reply will cross (subnet, direction, remote address), in the order the
    /// request crossed them.
    replies: Vec<(usize, Dir, Ipv4Addr)>,
}

impl<'a> Walk<'a> {
    pub fn new(lab: &'a Lab, proto: ProbeProto, port: Option<u16>) -> Self {
        let l4 = L4::of(proto);
        let proto = match l4 {
            L4::Tcp => Some(Proto::Tcp),
            L4::Udp => Some(Proto::Udp),
            L4::Icmp => None,
        };
        Walk { lab, l4, port: if l4 == L4::Icmp { None } else { port }, proto, steps: vec![], replies: vec![] }
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
    pub fn reply_crosses(&mut self, subnet: usize, dir: Dir, peer: Ipv4Addr) {
        self.replies.push((subnet, dir, peer));
    }

    /// The ACLs the reply crosses, in the order the request crossed them.
    pub fn take_replies(&mut self) -> Vec<(usize, Dir, Ipv4Addr)> {
        std::mem::take(&mut self.replies)
    }

    /// Records a decision that does not change the packet (an ACL's), without the packet.
    pub fn step_without_packet(&mut self, component: String, decision: String) {
        self.steps.push(Step { component, decision, packet: String::new() });
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
            },
            Err(blocked) => Analysis {
                outcome: Some(blocked.outcome),
                code: Some(blocked.reason),
                explanation: blocked.why,
                steps: self.steps,
                served_by: None,
                source_seen: None,
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
        }
    }
}
