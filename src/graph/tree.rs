//! The picture as AWS's architecture diagrams nest it: the internet and the internet gateway
//! above the VPC; in the VPC its router, one box per availability zone, in each its subnets,
//! in each subnet its NAT gateways and instances; in each instance its bridges (docker0,
//! ecs-bridge), the host network and the tasks they carry, and in a bridge task its
//! containers; the security groups with their rules beside the zones. Every box that stands
//! for something a user can name (`task/web`, `instance/ecs-1`) carries that name, so that
//! verdicts find their ends and the HTML page its details.

use crate::i18n::{self, Lang};
use crate::model::{Eni, Lab, Task};
use crate::scenario::{NetworkMode, Node as NodeId, Peer, RouteTarget, SgRule};
use std::collections::HashMap;

/// What a box stands for: its colours and its line style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Internet,
    Gateway,
    Vpc,
    Router,
    Az,
    PublicSubnet,
    PrivateSubnet,
    Instance,
    /// docker0, ecs-bridge, the host network: a frame around the tasks it carries.
    Bridge,
    Task,
    Container,
    Unplaced,
    /// An interface VPC endpoint's ENI.
    Endpoint,
    /// A load balancer's node (its ENI).
    LoadBalancer,
    Groups,
    Group,
    /// The list of verdicts, each a line coloured by its verdict.
    Verdicts,
    Note,
    /// An invisible frame that only arranges its children.
    Frame,
}

/// How a box arranges its children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flow {
    /// One under the other.
    Column,
    /// Side by side, wrapping after as many as the level's wrap says.
    Row(Level),
}

/// The levels whose wrap the layout may choose, to fit the picture to a screen's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Level {
    /// Never wraps (the internet and its gateway, the zones).
    Fixed,
    Subnets,
    Instances,
    /// An instance's bridges, host network and unplaced tasks.
    Bridges,
    Tasks,
    Groups,
    Notes,
    /// The VPC and the verdicts: side by side or one under the other.
    Main,
    /// The zones and the security groups: side by side or one under the other.
    Body,
}

#[derive(Clone, Debug)]
pub(super) struct Item {
    /// The name a user writes (`task/web`), empty for frames, zones and subnets' panels.
    pub name: String,
    pub kind: Kind,
    /// The title first, then the other lines.
    pub lines: Vec<String>,
    /// What only the HTML page shows on a click (ENI ids, the agent's listeners): the
    /// picture keeps to what a class reads from the back row.
    pub more: Vec<String>,
    /// A note's verdict style (`pass`, `fail`, `blocked`), empty for boxes.
    pub tone: &'static str,
    pub children: Vec<usize>,
    pub flow: Flow,
}

/// The boxes, each after its parent; `roots` are the canvas's own children (laid out as a
/// column).
#[derive(Default)]
pub(super) struct Tree {
    pub items: Vec<Item>,
    pub roots: Vec<usize>,
    /// Structure lines between boxes that are not nested (internet -> gateway -> VPC).
    pub links: Vec<(usize, usize)>,
    parent: Vec<Option<usize>>,
    /// Named boxes by name.
    named: HashMap<String, usize>,
    /// The legend's words for each kind of box and of arrow, in the picture's language.
    pub legend: Vec<(Kind, String)>,
    pub legend_arrows: Vec<(&'static str, String)>,
}

/// The legend: (kind, message id, English).
const LEGEND: [(Kind, &str, &str); 14] = [
    (Kind::Internet, "picture-internet", "internet"),
    (Kind::Gateway, "picture-gateway", "gateway / router"),
    (Kind::Vpc, "picture-vpc", "VPC"),
    (Kind::Az, "picture-az", "availability zone"),
    (Kind::PublicSubnet, "picture-public-subnet", "public subnet"),
    (Kind::PrivateSubnet, "picture-private-subnet", "private subnet"),
    (Kind::Instance, "picture-instance", "instance"),
    (Kind::Bridge, "picture-bridge", "bridge / network"),
    (Kind::Task, "picture-task", "task"),
    (Kind::Container, "picture-container", "container"),
    (Kind::Unplaced, "picture-not-placed", "not placed / not started"),
    (Kind::Group, "picture-security-group", "security group"),
    (Kind::Endpoint, "picture-endpoint", "VPC endpoint"),
    (Kind::LoadBalancer, "picture-load-balancer", "load balancer node"),
];
const LEGEND_ARROWS: [(&str, &str, &str); 5] = [
    ("pass", "picture-verdict-ok", "verdict ok"),
    ("fail", "picture-verdict-failed", "verdict failed"),
    ("blocked", "picture-blocked", "blocked as expected"),
    ("dnat", "picture-dnat", "DNAT hop"),
    ("proxy", "picture-proxy", "load balancer to target"),
];

impl Tree {
    pub(super) fn add(
        &mut self,
        parent: Option<usize>,
        name: String,
        kind: Kind,
        lines: Vec<String>,
        flow: Flow,
    ) -> usize {
        let i = self.items.len();
        if !name.is_empty() {
            self.named.entry(name.clone()).or_insert(i);
        }
        self.items.push(Item { name, kind, lines, more: vec![], tone: "", flow, children: vec![] });
        self.parent.push(parent);
        match parent {
            Some(p) => self.items[p].children.push(i),
            None => self.roots.push(i),
        }
        i
    }

    fn frame(&mut self, parent: Option<usize>, flow: Flow) -> usize {
        self.add(parent, String::new(), Kind::Frame, vec![], flow)
    }

    /// The box named `name` (`task/web`), or the nearest named ancestor of it
    /// (`internet/api` is drawn inside `internet`).
    pub fn find(&self, name: &str) -> Option<usize> {
        let mut parts: Vec<&str> = name.split('/').collect();
        while !parts.is_empty() {
            if let Some(&i) = self.named.get(&parts.join("/")) {
                return Some(i);
            }
            parts.pop();
        }
        None
    }

    /// The boxes holding box `i`, innermost first.
    fn holders(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.parent.get(i).copied().flatten(), |&p| self.parent[p])
    }

    /// The nearest box of `kind` that holds box `i`.
    pub fn ancestor(&self, i: usize, kind: Kind) -> Option<usize> {
        self.holders(i).find(|&p| self.items[p].kind == kind)
    }

    /// The box that shows address `ip` (a word of its text): `near` or a box holding it first
    /// (a task's own ecs-bridge), then any.
    pub fn showing(&self, ip: &str, near: Option<usize>) -> Option<usize> {
        let shows = |i: usize| self.items[i].lines.iter().any(|l| l.split([' ', '/', ':']).any(|w| w == ip));
        let mut mine = near.into_iter().chain(near.into_iter().flat_map(|n| self.holders(n)));
        mine.find(|&p| shows(p))
            .or_else(|| (0..self.items.len()).find(|&i| self.items[i].kind != Kind::Note && shows(i)))
    }

    /// Whether box `i` is drawn inside box `outer`.
    pub fn inside(&self, i: usize, outer: usize) -> bool {
        self.holders(i).any(|p| p == outer)
    }
}

fn ports_of(listen: &[crate::scenario::PortProto]) -> String {
    listen.iter().map(|p| format!(":{}/{}", p.port, p.proto)).collect::<Vec<_>>().join(" ")
}

/// `eth0 10.0.1.20 · 54.1.2.3 · sg web` for the picture, and the ENI's id for the page.
/// `place` follows the address (a task ENI's subnet, which need not be its instance's).
fn eni_line(prefix: &str, x: &Eni, place: &str) -> (String, String) {
    let mut line = format!("{prefix}{}{place}", x.ip);
    if let Some(p) = x.public_ip {
        line.push_str(&format!(" · {p}"));
    }
    if !x.security_groups.is_empty() {
        line.push_str(&format!(" · sg {}", x.security_groups.join(",")));
    }
    (line, format!("{} {} mac {}", x.id, x.ip, x.mac))
}

/// Long text (a placement failure) cut into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

fn is_public(lab: &Lab, subnet: usize) -> bool {
    let rt = &lab.vpc.route_tables[lab.vpc.subnets[subnet].route_table];
    rt.routes.iter().any(|(_, t)| matches!(t, RouteTarget::InternetGateway))
}

fn rule_line(dir: &str, r: &SgRule) -> String {
    let peer = match &r.peer.value {
        Peer::Cidr(c) => c.to_string(),
        Peer::Sg(g) => format!("sg/{g}"),
        Peer::PrefixList(s) => format!("pl/{}", s.id()),
    };
    let word = if dir == "in" { "from" } else { "to" };
    format!("{dir} {} {word} {peer}", crate::analyze::rule_traffic(r.protocol, r.ports))
}

/// The tree of `lab`, with a panel listing `notes` (text and verdict style) when there are any,
/// its legend and panel titles in `lang` (what AWS names stays as AWS writes it).
pub(super) fn build(lab: &Lab, notes: &[(String, &'static str)], lang: Lang) -> Tree {
    let mut t = Tree {
        // The load balancer entry only where there is one: the legend's height is the picture's.
        legend: LEGEND
            .iter()
            .filter(|(k, _, _)| *k != Kind::LoadBalancer || !lab.load_balancers.is_empty())
            .map(|(k, id, en)| (*k, i18n::text(lang, id, en)))
            .collect(),
        legend_arrows: LEGEND_ARROWS
            .iter()
            .filter(|(s, _, _)| *s != "proxy" || !lab.load_balancers.is_empty())
            .map(|(s, id, en)| (*s, i18n::text(lang, id, en)))
            .collect(),
        ..Tree::default()
    };
    let top = t.frame(None, Flow::Row(Level::Fixed));
    let mut inet = vec!["internet".to_string(), super::internet_client_line(lab)];
    for h in &lab.internet.hosts {
        let ports: Vec<String> = h.listen.iter().map(|p| format!(":{}/{}", p.port, p.proto)).collect();
        inet.push(format!("{} {} {}", h.name.value, h.ip.value, ports.join(" ")));
    }
    let internet = t.add(Some(top), "internet".into(), Kind::Internet, inet, Flow::Column);
    let igw = lab.vpc.igw_ns.as_ref().map(|_| {
        let lines = vec!["internet gateway".into(), "1:1 NAT public <-> private".into()];
        t.add(Some(top), "igw".into(), Kind::Gateway, lines, Flow::Column)
    });
    let vpc_title = vec![format!("VPC {} {}", lab.vpc.id, lab.vpc.cidr)];
    // The VPC, and the verdicts beside or under it (they are not the VPC's).
    let main = t.frame(None, Flow::Row(Level::Main));
    let vpc = t.add(Some(main), String::new(), Kind::Vpc, vpc_title, Flow::Column);
    let mut router = vec!["VPC router".to_string()];
    router.extend(super::router_services(lab));
    t.add(Some(vpc), "vpc".into(), Kind::Router, router, Flow::Column);
    if let Some(g) = igw {
        t.links.push((internet, g));
        t.links.push((g, vpc));
    }
    let body = t.frame(Some(vpc), Flow::Row(Level::Body));
    let zones = t.frame(Some(body), Flow::Row(Level::Fixed));
    let mut azs: Vec<(String, usize)> = vec![];
    for (si, sn) in lab.vpc.subnets.iter().enumerate() {
        let az = match azs.iter().find(|(name, _)| *name == sn.az) {
            Some((_, i)) => *i,
            None => {
                let i = t.add(Some(zones), String::new(), Kind::Az, zone_lines(lab, &sn.az), Flow::Row(Level::Subnets));
                azs.push((sn.az.clone(), i));
                i
            }
        };
        subnet(&mut t, lab, az, si);
    }
    groups(&mut t, lab, body, lang);
    if !notes.is_empty() {
        let title = i18n::text(lang, "picture-verdicts", "verdicts");
        let panel = t.add(Some(main), String::new(), Kind::Verdicts, vec![title], Flow::Row(Level::Notes));
        for (text, tone) in notes {
            let n = t.add(Some(panel), String::new(), Kind::Note, wrap(text, 50), Flow::Column);
            t.items[n].tone = tone;
        }
    }
    t
}

/// A zone's title, with how many tasks of each service run in it: a service's spread over
/// the zones reads at a glance.
fn zone_lines(lab: &Lab, az: &str) -> Vec<String> {
    let mut lines = vec![az.to_string()];
    let in_zone = |s: &crate::model::ecs_service::EcsService| {
        let here = |ti: &&usize| {
            lab.tasks.get(**ti).is_some_and(|t| t.placement.is_ok() && !t.is_stopping() && lab.az_of(t) == az)
        };
        s.tasks.iter().filter(here).count()
    };
    // On the title line: the picture keeps its height.
    let counts: Vec<String> = lab.services.iter().map(|s| format!("{} {}", s.name, in_zone(s))).collect();
    if !counts.is_empty() {
        lines[0] = format!("{az} · service tasks {}", counts.join(", "));
    }
    lines
}

fn subnet(t: &mut Tree, lab: &Lab, az: usize, si: usize) {
    let sn = &lab.vpc.subnets[si];
    let rt = &lab.vpc.route_tables[sn.route_table];
    let (kind, word) =
        if is_public(lab, si) { (Kind::PublicSubnet, "public") } else { (Kind::PrivateSubnet, "private") };
    let routes: Vec<String> = rt
        .routes
        .iter()
        .map(|(d, target)| match target {
            RouteTarget::InternetGateway => format!("{d} -> igw"),
            RouteTarget::NatGateway(n) => format!("{d} -> {}", NodeId::nat(n)),
            RouteTarget::VpcEndpoint(n) => match lab.endpoint(n) {
                Some(e) => format!("{} -> {}", e.prefix_list_id(&lab.region), e.id),
                None => format!("{d} -> endpoint/{n}"),
            },
        })
        .collect();
    let mut lines = vec![format!("subnet {} {} ({word})", sn.name, sn.cidr)];
    let routes = if routes.is_empty() { "local only".to_string() } else { routes.join(", ") };
    lines.extend(wrap(&format!("route table {}: {routes}", rt.name), 44));
    let s = t.add(Some(az), format!("subnet/{}", sn.name), kind, lines, Flow::Row(Level::Instances));
    t.items[s].more.push(format!("{} · VPC router {}", sn.id, sn.gateway));
    for n in lab.nats.iter().filter(|n| lab.enis[n.eni].subnet == si) {
        let (line, more) = eni_line("", &lab.enis[n.eni], "");
        let lines = vec![NodeId::nat(&n.name).to_string(), line, format!("EIP {}", n.eip)];
        let b = t.add(Some(s), NodeId::nat(&n.name).to_string(), Kind::Gateway, lines, Flow::Column);
        t.items[b].more.push(more);
    }
    endpoints(t, lab, s, si);
    load_balancers(t, lab, s, si);
    for (ii, i) in lab.instances.iter().enumerate().filter(|(_, i)| lab.enis[i.eni].subnet == si) {
        instance(t, lab, s, ii, i);
    }
    fargate_tasks(t, lab, s, si);
}

/// The Fargate tasks whose ENI is in subnet `si`, each a box of its own in the subnet (no
/// instance); one Fargate did not place (no ENI) is drawn in the first subnet.
fn fargate_tasks(t: &mut Tree, lab: &Lab, s: usize, si: usize) {
    let here = |task: &&Task| match task.eni {
        Some(e) => lab.enis[e].subnet == si,
        None => si == 0,
    };
    for task in lab.tasks.iter().filter(|x| x.is_fargate()).filter(here) {
        let name = NodeId::task(&task.name).to_string();
        if let Err(f) = &task.placement {
            let mut lines = vec![format!("{name} NOT PLACED")];
            lines.extend(wrap(f.reason(), 36));
            t.add(Some(s), name, Kind::Unplaced, lines, Flow::Column);
            continue;
        }
        let mut lines = vec![format!("{name} (FARGATE)")];
        let mut more = vec![];
        if let Some(x) = task.eni.map(|e| &lab.enis[e]) {
            let (line, m) = eni_line("ENI ", x, "");
            lines.push(line);
            more.push(m);
        }
        lines.push(format!("fargate-bridge {}", task.bridge_ip.map(|b| b.to_string()).unwrap_or_default()));
        lines.extend(task.containers.iter().map(|c| format!("{} {}", c.name, ports_of(&c.listen))));
        let b = t.add(Some(s), name, Kind::Task, lines, Flow::Column);
        t.items[b].more = more;
        if let Some(f) = task.launch.fargate() {
            t.items[b].more.push(format!("microVM {} · platform {} · no IMDS", f.vm_ns, f.platform_version));
        }
        stopped(t, lab, b, task);
    }
}

/// The ENIs of interface endpoints in subnet `si`: the first ENI of each endpoint is the box
/// `endpoint/NAME` (where arrows end), the others `endpoint/NAME@ZONE`.
fn endpoints(t: &mut Tree, lab: &Lab, s: usize, si: usize) {
    for e in &lab.endpoints {
        for (k, &i) in e.enis.iter().enumerate().filter(|(_, i)| lab.enis[**i].subnet == si) {
            let eni = &lab.enis[i];
            let node = format!("endpoint/{}", e.name);
            let name = if k == 0 { node.clone() } else { format!("{node}@{}", lab.vpc.subnets[si].az) };
            let (line, more) = eni_line("", eni, "");
            let dns = if e.private_dns { "" } else { " · no private DNS" };
            // One line: a VPC may have many endpoints, and the picture must keep its height.
            let lines = vec![format!("{node} {} · {line}{dns}", e.service.id())];
            let b = t.add(Some(s), name, Kind::Endpoint, lines, Flow::Column);
            t.items[b]
                .more
                .extend([more, format!("{} {}", e.id, e.service.service_name(&lab.region).unwrap_or_default())]);
        }
    }
}

/// The nodes of load balancers in subnet `si`: the first node of each is the box `alb/NAME`
/// (where arrows end), the others `alb/NAME@ZONE`; a click lists the listeners and targets.
fn load_balancers(t: &mut Tree, lab: &Lab, s: usize, si: usize) {
    for lb in &lab.load_balancers {
        for (k, &i) in lb.nodes.iter().enumerate().filter(|(_, i)| lab.enis[**i].subnet == si) {
            let node = lb.node_name();
            let name = if k == 0 { node.clone() } else { format!("{node}@{}", lab.vpc.subnets[si].az) };
            let (line, more) = eni_line("", &lab.enis[i], "");
            let lines = vec![format!("{node} {} · {line}", lb.scheme.as_str())];
            let b = t.add(Some(s), name, Kind::LoadBalancer, lines, Flow::Column);
            t.items[b].more.extend([more, lb.dns_name.clone()]);
            for l in &lb.listeners {
                let rules = crate::model::load_balancer::listener_summary(l);
                t.items[b].more.push(format!("listener {} :{}: {rules}", l.protocol.as_str(), l.port.value));
            }
            for g in lab
                .target_groups
                .iter()
                .filter(|g| g.load_balancer.is_some_and(|x| lab.load_balancers[x].name == lb.name))
            {
                let targets: Vec<String> =
                    g.targets.iter().map(|t| format!("{} {}:{}", t.node, t.ip, t.port)).collect();
                t.items[b].more.push(format!("target group {}: {}", g.name, targets.join(", ")));
            }
        }
    }
}

fn instance(t: &mut Tree, lab: &Lab, parent: usize, ii: usize, i: &crate::model::Instance) {
    let name = NodeId::instance(&i.name).to_string();
    let (line, more) = eni_line("eth0 ", &lab.enis[i.eni], "");
    let mut lines = vec![format!("{name} ({})", i.instance_type), line];
    lines.extend(super::imds_lines(i));
    // An agent that cannot reach the control plane: on AWS the instance never runs a task.
    let missed: Vec<_> =
        crate::analyze::control_plane::dials(lab, ii).into_iter().filter(|u| u.dial.failure.is_some()).collect();
    // In the title (the picture keeps its height); a click says which services and the log.
    if missed.iter().any(|u| u.keeps_tasks_off()) {
        lines[0].push_str(" NOT REGISTERED");
    } else if !missed.is_empty() {
        lines[0].push_str(" no metrics");
    }
    let b = t.add(Some(parent), name, Kind::Instance, lines, Flow::Row(Level::Bridges));
    t.items[b].more.extend([more, super::agent_line(i)]);
    if !missed.is_empty() {
        let services = missed.iter().map(|u| u.service.id()).collect::<Vec<_>>().join(", ");
        t.items[b].more.push(format!("cannot reach {services}: {}", missed[0].agent_log().replace('\n', " ")));
    }
    let tasks: Vec<&Task> = lab.tasks.iter().filter(|t| t.on_instance(ii)).collect();
    let placed = |m: NetworkMode| tasks.iter().filter(move |t| t.mode == m && t.placement.is_ok());
    // Docker makes docker0 at boot, whether or not a bridge task uses it.
    let title = format!("docker0 {}/{}", i.docker0_gw(), i.docker0.prefix());
    let f = t.add(Some(b), String::new(), Kind::Bridge, vec![title], Flow::Row(Level::Tasks));
    for task in placed(NetworkMode::Bridge) {
        bridge_task(t, lab, f, task);
    }
    if lab.has_ecs_bridge(ii) {
        let title = "ecs-bridge 169.254.172.1/22".to_string();
        let f = t.add(Some(b), String::new(), Kind::Bridge, vec![title], Flow::Row(Level::Tasks));
        for task in placed(NetworkMode::Awsvpc) {
            awsvpc_task(t, lab, f, task);
        }
    }
    for (mode, title) in [(NetworkMode::Host, "host network"), (NetworkMode::None, "no network")] {
        if placed(mode).next().is_some() {
            let f = t.add(Some(b), String::new(), Kind::Bridge, vec![title.into()], Flow::Row(Level::Tasks));
            for task in placed(mode) {
                let mut lines = vec![format!("{} ({})", NodeId::task(&task.name), task.mode)];
                for c in &task.containers {
                    let what = if mode == NetworkMode::None { "lo only".to_string() } else { ports_of(&c.listen) };
                    lines.push(format!("{} {what}", c.name));
                }
                let x = t.add(Some(f), NodeId::task(&task.name).to_string(), Kind::Task, lines, Flow::Column);
                stopped(t, lab, x, task);
            }
        }
    }
    for task in tasks.iter().filter(|t| t.placement.is_err()) {
        let mut lines = vec![format!("{} NOT PLACED", NodeId::task(&task.name))];
        if let Err(f) = &task.placement {
            lines.extend(wrap(f.reason(), 36));
        }
        t.add(Some(b), NodeId::task(&task.name).to_string(), Kind::Unplaced, lines, Flow::Column);
    }
}

fn bridge_task(t: &mut Tree, lab: &Lab, parent: usize, task: &Task) {
    let title = format!("{} (bridge)", NodeId::task(&task.name));
    let b = t.add(Some(parent), NodeId::task(&task.name).to_string(), Kind::Task, vec![title], Flow::Column);
    stopped(t, lab, b, task);
    let compact = task.service.is_some() && task.containers.len() == 1;
    for c in &task.containers {
        let mut lines = vec![format!("{} {}", c.name, c.ip.map(|a| a.to_string()).unwrap_or_default())];
        let ports = c.ports.iter().map(|p| format!("{}->{}/{}", p.host_port.unwrap_or(0), p.container_port, p.proto));
        if compact {
            // A service's one-container task is one box (`task/web-1/app` finds it): a
            // service's tasks side by side keep the picture on a projector.
            lines[0].extend(ports.map(|p| format!(" {p}")));
            t.items[b].lines.extend(lines);
            continue;
        }
        lines.extend(ports);
        t.add(Some(b), NodeId::container(&task.name, &c.name).to_string(), Kind::Container, lines, Flow::Column);
    }
}

fn awsvpc_task(t: &mut Tree, lab: &Lab, parent: usize, task: &Task) {
    let mut lines = vec![format!("{} (awsvpc)", NodeId::task(&task.name))];
    let mut more = vec![];
    if let Some(x) = task.eni.map(|e| &lab.enis[e]) {
        let (line, m) = eni_line("ENI ", x, &format!(" in {}", lab.vpc.subnets[x.subnet].name));
        match line.split_once(" · ").filter(|_| task.service.is_some()) {
            // A service's tasks stand side by side: narrow boxes, the groups on a line of
            // their own.
            Some((eni, rest)) => lines.extend([eni.to_string(), rest.to_string()]),
            None => lines.push(line),
        }
        more.push(m);
    }
    lines.push(format!("ecs-eth0 {}", task.bridge_ip.map(|b| b.to_string()).unwrap_or_default()));
    lines.extend(task.containers.iter().map(|c| format!("{} {}", c.name, ports_of(&c.listen))));
    let b = t.add(Some(parent), NodeId::task(&task.name).to_string(), Kind::Task, lines, Flow::Column);
    t.items[b].more = more;
    stopped(t, lab, b, task);
}

/// A click on a task gives its roles, and whether `aws.roles` declares them (IAM evaluates
/// only declared roles).
fn roles(t: &mut Tree, lab: &Lab, b: usize, task: &Task) {
    for (what, arn) in [("task role", &task.task_role_arn), ("execution role", &task.execution_role_arn)] {
        let Some(arn) = arn else { continue };
        let name = arn.rsplit('/').next().unwrap_or(arn);
        let line = match crate::analyze::role::declared(lab, name) {
            Some(r) => {
                // A declared role is the lesson: it is on the picture, not only on a click.
                if what == "task role" {
                    t.items[b].lines.push(format!("role {name}"));
                }
                format!("{what} {name}: {} inline, {} managed policies", r.policies.len(), r.managed_policy_arns.len())
            }
            None => format!("{what} {name} (not declared: unrestricted)"),
        };
        t.items[b].more.push(line);
    }
}

/// A task whose start the analyzer says fails (a secret, its image, its log stream) is drawn
/// as one that does not run, with ECS's error.
fn stopped(t: &mut Tree, lab: &Lab, b: usize, task: &Task) {
    roles(t, lab, b, task);
    // Stopped while the lab runs (StopTask, the service scheduler): DEACTIVATING, then STOPPED.
    if let Some(stop) = &task.stop {
        if stop.stopped_at.is_some() {
            t.items[b].kind = Kind::Unplaced;
        }
        if let Some(title) = t.items[b].lines.first_mut() {
            title.push_str(&format!(" {}", stop.last_status()));
        }
        t.items[b].more.push(stop.reason.clone());
        return;
    }
    let Some(ti) = lab.tasks.iter().position(|x| x.name == task.name) else { return };
    if lab.start_of(ti).is_none() {
        return;
    }
    let r = crate::analyze::pull::predicted(lab, &task.name);
    if let Some(reason) = r.reason.filter(|_| !r.started) {
        // The title says it (a projector's picture keeps its size); a click gives ECS's reason.
        t.items[b].kind = Kind::Unplaced;
        if let Some(title) = t.items[b].lines.first_mut() {
            title.push_str(" STOPPED");
        }
        t.items[b].more.push(reason.replace('\n', " "));
    }
}

/// The security groups and their rules, as the console lists them.
fn groups(t: &mut Tree, lab: &Lab, parent: usize, lang: Lang) {
    let used = |g: &str| lab.live_enis().any(|x| x.security_groups.iter().any(|s| s == g));
    let shown: Vec<_> = lab.vpc.security_groups.iter().filter(|g| used(&g.name.value)).collect();
    if shown.is_empty() {
        return;
    }
    let title = i18n::text(lang, "picture-security-groups", "security groups");
    let panel = t.add(Some(parent), String::new(), Kind::Groups, vec![title], Flow::Row(Level::Groups));
    for g in shown {
        let mut lines = vec![format!("sg/{}", g.name.value)];
        lines.extend(g.ingress.iter().map(|r| rule_line("in", r)));
        if g.ingress.is_empty() {
            lines.push("in: no rules (nothing in)".into());
        }
        match &g.egress {
            None => lines.push("out all traffic".into()),
            Some(rules) => lines.extend(rules.iter().map(|r| rule_line("out", r))),
        }
        t.add(Some(panel), format!("sg/{}", g.name.value), Kind::Group, lines, Flow::Column);
    }
}
