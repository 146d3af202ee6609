//! Topology pictures: VPC → subnets → instances → tasks and containers, ENIs with their
//! addresses, security groups, gateways; and, given results of `test --json`, the expectations
//! as edges coloured by verdict. Mermaid and DOT are text; SVG is laid out in-process by
//! [`layout`] (no graphviz needed), in time linear in the lab's size.

use crate::i18n::Lang;
use crate::judge::Verdict;
use crate::model::Lab;
use crate::scenario::NetworkMode;
use crate::scenario::Node as NodeId;
use std::fmt::Write as _;

mod html;
mod layout;
mod png;
mod tree;

pub use html::{Details, html};
pub use png::{MAX_SIDE as PNG_MAX_SIDE, png};

/// One box of the picture.
struct Node {
    id: String,
    label: Vec<String>,
    /// Index into `Lab::vpc.subnets`, None outside the VPC.
    subnet: Option<usize>,
    kind: &'static str,
}

struct Edge {
    from: String,
    to: String,
    label: String,
    /// `structure`, `pass`, `blocked`, `fail`.
    style: &'static str,
}

/// Node ids that are valid in Mermaid and DOT.
fn id(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

/// The picture under construction.
#[derive(Default)]
struct Picture {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
}

fn structure(f: &str, t: &str, l: &str) -> Edge {
    Edge { from: id(f), to: id(t), label: l.into(), style: "structure" }
}

fn eni_label(x: &crate::model::Eni) -> String {
    let mut v = format!("{} {}", x.id, x.ip);
    if let Some(p) = x.public_ip {
        v.push_str(&format!(" / {p}"));
    }
    if !x.security_groups.is_empty() {
        v.push_str(&format!(" sg: {}", x.security_groups.join(",")));
    }
    v
}

/// What the VPC router answers itself: the instance metadata service (when there are
/// instances) and the Amazon-provided DNS server (or that it is off).
/// One line, so that the picture keeps its height.
pub(crate) fn router_services(lab: &Lab) -> Vec<String> {
    let mut v = vec![];
    if !lab.instances.is_empty() {
        v.push(format!("IMDS {}:{}", crate::model::IMDS_IP, crate::model::IMDS_PORT));
    }
    let d = &lab.vpc.dns;
    v.push(if d.support {
        format!("DNS {}, {}", d.resolver, crate::model::dns::RESOLVER_LINK_LOCAL)
    } else {
        format!("DNS {} off (enableDnsSupport)", d.resolver)
    });
    let mut lines = vec![v.join(" · ")];
    lines.extend(cloud_map_lines(lab));
    lines
}

/// Each Cloud Map namespace the resolver answers, with its services' names, record types and
/// how many tasks are registered in each now: `Cloud Map corp.local: api A ×2 · worker SRV ×2`.
fn cloud_map_lines(lab: &Lab) -> Vec<String> {
    let cm = &lab.cloud_map;
    let mut out = vec![];
    for (ni, n) in cm.namespaces.iter().enumerate() {
        let mut parts = vec![];
        for (ci, c) in cm.services.iter().enumerate().filter(|(_, c)| c.namespace == ni) {
            let kinds = c.record_types();
            let count = crate::analyze::dns::registered(lab, ci).len();
            parts.push(format!("{} {} ×{count}", c.name, kinds.join("+")));
        }
        out.push(format!("Cloud Map {}: {}", n.name, parts.join(" · ")));
    }
    out
}

/// The internet's client and resolvers, as its box lists them (one line).
pub(crate) fn internet_client_line(lab: &Lab) -> String {
    let all: Vec<String> = crate::model::dns::internet_resolvers(lab).iter().map(|a| a.to_string()).collect();
    let (net, prefix) = crate::scenario::aws_service::AWS_PUBLIC_NET;
    format!("client {} · DNS {} · AWS APIs {net}/{prefix}", lab.internet.client, all.join(", "))
}

/// The agent's listeners and, where they differ from the defaults, who may reach IMDS.
fn agent_line(i: &crate::model::Instance) -> String {
    let mut parts = vec!["agent :51678, 127.0.0.1:51679".to_string()];
    parts.extend(imds_lines(i));
    parts.join(" · ")
}

/// Who may reach IMDS and how, when it differs from EC2's and the agent's defaults.
fn imds_lines(i: &crate::model::Instance) -> Vec<String> {
    let mut out = vec![];
    let o = &i.metadata_options;
    if o.tokens_required || o.hop_limit != 1 {
        let tokens = if o.tokens_required { "IMDSv2 only" } else { "IMDSv1+v2" };
        out.push(format!("{tokens}, hop limit {}", o.hop_limit));
    }
    let mut blocked = vec![];
    if i.agent_config.awsvpc_block_imds {
        blocked.push("awsvpc");
    }
    if i.block_imds_from_bridge {
        blocked.push("bridge");
    }
    if !blocked.is_empty() {
        out.push(format!("IMDS blocked: {}", blocked.join(", ")));
    }
    out
}

fn subnet_id(lab: &Lab, subnet: usize) -> String {
    format!("subnet/{}", lab.vpc.subnets[subnet].name)
}

impl Picture {
    fn node(&mut self, key: &str, label: Vec<String>, subnet: Option<usize>, kind: &'static str) {
        self.nodes.push(Node { id: id(key), label, subnet, kind });
    }

    /// The internet, the VPC router and the internet gateway.
    fn fabric(&mut self, lab: &Lab) {
        let mut inet = vec!["internet".to_string(), internet_client_line(lab)];
        for h in &lab.internet.hosts {
            let ports: Vec<String> = h.listen.iter().map(|p| format!("{}/{}", p.port, p.proto)).collect();
            inet.push(format!("{} {} [{}]", h.name.value, h.ip.value, ports.join(", ")));
        }
        self.node("internet", inet, None, "internet");
        let mut router = vec![format!("VPC router {}", lab.vpc.id), lab.vpc.cidr.to_string()];
        router.extend(router_services(lab));
        self.node("vpc", router, None, "router");
        if lab.vpc.igw_ns.is_some() {
            let label = vec!["internet gateway".into(), "1:1 NAT public <-> private".into()];
            self.node("igw", label, None, "gateway");
            self.edges.push(structure("internet", "igw", ""));
            self.edges.push(structure("igw", "vpc", ""));
        }
    }

    /// Each subnet with its availability zone, route table and routes.
    fn subnets(&mut self, lab: &Lab) {
        for (si, sn) in lab.vpc.subnets.iter().enumerate() {
            let rt = &lab.vpc.route_tables[sn.route_table];
            let mut label = vec![format!("subnet {} {}", sn.name, sn.cidr), format!("{} · table {}", sn.az, rt.name)];
            label.extend(rt.routes.iter().map(|(d, t)| {
                let target = match t {
                    crate::scenario::RouteTarget::InternetGateway => "igw".to_string(),
                    crate::scenario::RouteTarget::NatGateway(n) => NodeId::nat(n).to_string(),
                    crate::scenario::RouteTarget::VpcEndpoint(n) => format!("endpoint/{n}"),
                };
                format!("{d} -> {target}")
            }));
            let sid = subnet_id(lab, si);
            self.node(&sid, label, Some(si), "subnet");
            self.edges.push(structure("vpc", &sid, &format!("gw {}", sn.gateway)));
        }
    }

    fn nat_gateways(&mut self, lab: &Lab) {
        for n in &lab.nats {
            let x = &lab.enis[n.eni];
            let nid = NodeId::nat(&n.name).to_string();
            self.node(&nid, vec![nid.clone(), eni_label(x), format!("EIP {}", n.eip)], Some(x.subnet), "gateway");
            self.edges.push(structure(&subnet_id(lab, x.subnet), &nid, "ENI"));
        }
        // Interface endpoints: one node per endpoint, joined to each subnet it has an ENI in.
        for e in lab.endpoints.iter().filter(|e| !e.enis.is_empty()) {
            let id = format!("endpoint/{}", e.name);
            let ips: Vec<String> = e.enis.iter().map(|i| lab.enis[*i].ip.to_string()).collect();
            let first = lab.enis[e.enis[0]].subnet;
            self.node(&id, vec![id.clone(), e.service.id().to_string(), ips.join(", ")], Some(first), "gateway");
            for i in &e.enis {
                self.edges.push(structure(&subnet_id(lab, lab.enis[*i].subnet), &id, "ENI"));
            }
        }
    }

    /// Each instance and, inside it, its tasks as the network mode wires them.
    fn instances(&mut self, lab: &Lab) {
        for (ii, i) in lab.instances.iter().enumerate() {
            let x = &lab.enis[i.eni];
            let iid = NodeId::instance(&i.name).to_string();
            // ecs-bridge exists once an awsvpc task created it.
            let docker0 = format!("docker0 {}/{}", i.docker0_gw(), i.docker0.prefix());
            let bridges =
                if lab.has_ecs_bridge(ii) { format!("{docker0} · ecs-bridge 169.254.172.1/22") } else { docker0 };
            let mut label = vec![format!("{iid} ({})", i.instance_type), eni_label(x), bridges];
            label.push(agent_line(i));
            self.node(&iid, label, Some(x.subnet), "instance");
            self.edges.push(structure(&subnet_id(lab, x.subnet), &iid, "eth0"));
            for t in lab.tasks.iter().filter(|t| t.on_instance(ii)) {
                self.task(lab, &iid, t);
            }
        }
        for t in lab.tasks.iter().filter(|t| t.is_fargate()) {
            self.fargate_task(lab, t);
        }
    }

    /// A Fargate task: in its subnet, by its ENI; no instance.
    fn fargate_task(&mut self, lab: &Lab, t: &crate::model::Task) {
        let tid = NodeId::task(&t.name).to_string();
        let Some(x) = t.eni.map(|e| &lab.enis[e]).filter(|_| t.placement.is_ok()) else {
            let reason = t.placement.as_ref().err().map(|f| f.reason()).unwrap_or_default();
            self.node(&tid, vec![tid.clone(), format!("NOT PLACED: {reason}")], None, "unplaced");
            return;
        };
        let mut label = vec![
            format!("{tid} (FARGATE)"),
            eni_label(x),
            format!("fargate-bridge {}", t.bridge_ip.map(|b| b.to_string()).unwrap_or_default()),
        ];
        label.extend(t.containers.iter().map(|c| {
            let ports: Vec<String> = c.listen.iter().map(|p| format!("{}/{}", p.port, p.proto)).collect();
            format!("{} {}", c.name, ports.join(" "))
        }));
        self.node(&tid, label, Some(x.subnet), "task");
        self.edges.push(structure(&subnet_id(lab, x.subnet), &tid, "ENI eth0"));
    }

    fn task(&mut self, lab: &Lab, iid: &str, t: &crate::model::Task) {
        let tid = NodeId::task(&t.name).to_string();
        if let Err(f) = &t.placement {
            self.node(&tid, vec![tid.clone(), format!("NOT PLACED: {}", f.reason())], None, "unplaced");
            self.edges.push(Edge { from: id(iid), to: id(&tid), label: "not placed".into(), style: "blocked" });
            return;
        }
        match t.mode {
            NetworkMode::Awsvpc => {
                let x = &lab.enis[t.eni.unwrap_or(0)];
                let mut label = vec![
                    format!("{tid} (awsvpc)"),
                    eni_label(x),
                    format!("ecs-eth0 {}", t.bridge_ip.map(|b| b.to_string()).unwrap_or_default()),
                ];
                label.extend(t.containers.iter().map(|c| {
                    let ports: Vec<String> = c.listen.iter().map(|p| format!("{}/{}", p.port, p.proto)).collect();
                    format!("{} {}", c.name, ports.join(" "))
                }));
                self.node(&tid, label, Some(x.subnet), "task");
                self.edges.push(structure(&subnet_id(lab, x.subnet), &tid, "ENI eth0"));
                self.edges.push(structure(iid, &tid, "ecs-bridge"));
            }
            NetworkMode::Bridge | NetworkMode::None => {
                for c in &t.containers {
                    let cid = NodeId::container(&t.name, &c.name).to_string();
                    let ports: Vec<String> = c
                        .ports
                        .iter()
                        .map(|b| format!("{}->{}/{}", b.host_port.unwrap_or(0), b.container_port, b.proto))
                        .collect();
                    let addr = c.ip.map(|a| a.to_string()).unwrap_or_else(|| "lo only".into());
                    self.node(&cid, vec![format!("{cid} ({})", t.mode), addr, ports.join(", ")], None, "container");
                    let via = if t.mode == NetworkMode::Bridge { "docker0" } else { "none" };
                    self.edges.push(structure(iid, &cid, via));
                }
            }
            NetworkMode::Host => {
                for c in &t.containers {
                    let cid = NodeId::container(&t.name, &c.name).to_string();
                    let ports: Vec<String> = c.listen.iter().map(|p| format!("{}/{}", p.port, p.proto)).collect();
                    self.node(&cid, vec![format!("{cid} (host)"), ports.join(", ")], None, "container");
                    self.edges.push(structure(iid, &cid, "host network"));
                }
            }
        }
    }

    /// The most specific node that exists: `internet/api` is drawn inside `internet`,
    /// `task/web` as its first container when it has one box per container.
    fn find(&self, name: &str) -> Option<&Node> {
        let mut parts: Vec<&str> = name.split('/').collect();
        while !parts.is_empty() {
            let key = id(&parts.join("/"));
            if let Some(n) = self.nodes.iter().find(|n| n.id == key || n.id.starts_with(&format!("{key}_"))) {
                return Some(n);
            }
            parts.pop();
        }
        None
    }

    /// Expectations as edges, by verdict.
    fn verdicts(&mut self, verdicts: &[Verdict]) {
        for v in verdicts {
            let Some((from, to, port)) = ends(&v.title) else { continue };
            let to = to.split('/').take(2).collect::<Vec<_>>().join("/");
            // A name the picture has no box for: the arrow ends at who answered.
            let answered = v.served_by.as_deref().map(|n| n.split('/').take(2).collect::<Vec<_>>().join("/"));
            let t = self.find(&to).or_else(|| self.find(answered.as_deref()?));
            let (Some(s), Some(t)) = (self.find(from), t) else { continue };
            let style = tone(v);
            let mut label = port.to_string();
            if let Some(r) = &v.reason {
                if style != "pass" {
                    label = format!("{label} {r}");
                }
            }
            let (from, to) = (s.id.clone(), t.id.clone());
            self.edges.push(Edge { from, to, label, style });
        }
    }
}

fn build(lab: &Lab, verdicts: &[Verdict]) -> (Vec<Node>, Vec<Edge>) {
    let mut p = Picture::default();
    p.fabric(lab);
    p.subnets(lab);
    p.nat_gateways(lab);
    p.instances(lab);
    p.verdicts(verdicts);
    (p.nodes, p.edges)
}

fn esc(s: &str) -> String {
    s.replace('"', "'")
}

pub fn mermaid(lab: &Lab, verdicts: &[Verdict]) -> String {
    let (nodes, edges) = build(lab, verdicts);
    let mut s = String::from("flowchart TB\n");
    let node = |n: &Node| format!("{}[\"{}\"]", n.id, esc(&n.label.join("<br/>")));
    for n in nodes.iter().filter(|n| n.subnet.is_none()) {
        let _ = writeln!(s, "  {}", node(n));
    }
    for (si, sn) in lab.vpc.subnets.iter().enumerate() {
        let _ = writeln!(s, "  subgraph {}_box[\"{} {}\"]", id(&sn.name), esc(&sn.name), sn.cidr);
        for n in nodes.iter().filter(|n| n.subnet == Some(si)) {
            let _ = writeln!(s, "    {}", node(n));
        }
        let _ = writeln!(s, "  end");
    }
    let mut styles = vec![];
    for (link, e) in edges.iter().enumerate() {
        let arrow = match e.style {
            "structure" => "---",
            "blocked" => "-.->",
            _ => "==>",
        };
        if e.label.is_empty() {
            let _ = writeln!(s, "  {} {arrow} {}", e.from, e.to);
        } else {
            let _ = writeln!(s, "  {} {arrow}|\"{}\"| {}", e.from, esc(&e.label), e.to);
        }
        match e.style {
            "pass" => styles.push(format!("  linkStyle {link} stroke:#2e7d32,stroke-width:2px")),
            "fail" => styles.push(format!("  linkStyle {link} stroke:#c62828,stroke-width:3px")),
            "blocked" => styles.push(format!("  linkStyle {link} stroke:#757575")),
            _ => {}
        }
    }
    for st in styles {
        let _ = writeln!(s, "{st}");
    }
    s
}

fn color(style: &str) -> &'static str {
    match style {
        "pass" => "#2e7d32",
        "fail" => "#c62828",
        "blocked" => "#9e9e9e",
        _ => "#455a64",
    }
}

fn fill(kind: &str) -> &'static str {
    match kind {
        "internet" => "#e3f2fd",
        "router" | "gateway" => "#fff3e0",
        "subnet" => "#f1f8e9",
        "instance" => "#ede7f6",
        "task" => "#e8f5e9",
        "unplaced" => "#ffebee",
        _ => "#fafafa",
    }
}

/// DOT with one cluster per subnet (for graphviz users).
pub fn dot(lab: &Lab, verdicts: &[Verdict]) -> String {
    dot_inner(lab, verdicts, true)
}

fn dot_inner(lab: &Lab, verdicts: &[Verdict], clusters: bool) -> String {
    let (nodes, edges) = build(lab, verdicts);
    let mut s = format!(
        "digraph \"{}\" {{\n  rankdir=TB;\n  node [shape=box, style=filled, fontname=\"Helvetica\"];\n",
        esc(&lab.name)
    );
    let node =
        |n: &Node| format!("{} [label=\"{}\", fillcolor=\"{}\"];", n.id, esc(&n.label.join("\\n")), fill(n.kind));
    for n in nodes.iter().filter(|n| !clusters || n.subnet.is_none()) {
        let _ = writeln!(s, "  {}", node(n));
    }
    if clusters {
        for (si, sn) in lab.vpc.subnets.iter().enumerate() {
            let _ = writeln!(s, "  subgraph cluster_{} {{\n    label=\"{} {}\";", id(&sn.name), esc(&sn.name), sn.cidr);
            for n in nodes.iter().filter(|n| n.subnet == Some(si)) {
                let _ = writeln!(s, "    {}", node(n));
            }
            let _ = writeln!(s, "  }}");
        }
    }
    for e in &edges {
        let style = match e.style {
            "structure" => "dir=none".to_string(),
            "blocked" => format!("style=dashed, color=\"{}\"", color(e.style)),
            _ => format!("penwidth=2, color=\"{}\"", color(e.style)),
        };
        let _ = writeln!(s, "  {} -> {} [label=\"{}\", {style}];", e.from, e.to, esc(&e.label));
    }
    s.push_str("}\n");
    s
}

/// A verdict's style: `pass`, `fail` or `blocked` (passed, expected not to connect).
fn tone(v: &Verdict) -> &'static str {
    match (v.pass, v.outcome) {
        (false, _) => "fail",
        (true, Some(crate::scenario::Outcome::Connected)) => "pass",
        // A check that is not a flow (placement, a task's start) is simply ok.
        (true, None) if !v.title.contains(" -> ") => "pass",
        _ => "blocked",
    }
}

/// The two ends of a verdict's title `from -> to:port/proto ...`, and the port.
fn ends(title: &str) -> Option<(&str, &str, &str)> {
    let (from, rest) = title.split_once(" -> ")?;
    let to = rest.split([':', ' ']).next().unwrap_or(rest).trim_end_matches("@public");
    let port = rest.split_once(':').map(|(_, p)| p.split(' ').next().unwrap_or("")).unwrap_or("");
    Some((from, to, port))
}

/// The verdict panel's lines: number, verdict, title, why, and the DNAT that answered.
fn notes(lab: &Lab, verdicts: &[Verdict]) -> Vec<(String, &'static str)> {
    verdicts
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mark = match tone(v) {
                "fail" => "FAIL",
                "pass" => "ok",
                _ => "ok, blocked",
            };
            let mut text = format!("{} {mark}: {}", i + 1, v.title);
            if let Some(ip) = &v.probed {
                text.push_str(&format!(" · resolved to {ip}"));
            }
            if let Some(r) = &v.reason {
                text.push_str(&format!(" {r}"));
            }
            // Who answered, when it is not the box the arrow points at (a published port's
            // container, a host that owns an address).
            if let (Some(by), Some((_, to, port))) = (&v.served_by, ends(&v.title)) {
                if !by.starts_with(to) {
                    text.push_str(&format!(" · answered by {by}"));
                    let dnat = dnat_label(lab, by, port);
                    if dnat != "DNAT" {
                        text.push_str(&format!(" ({dnat})"));
                    }
                }
            }
            (text, tone(v))
        })
        .collect()
}

/// The box a verdict's end names: a node (`task/web`), `imds` (served by the VPC router),
/// `metadata` (the agent of the caller's instance), or an address a box shows (169.254.172.1:
/// the caller's own ecs-bridge first).
fn end_box(t: &tree::Tree, name: &str, caller: Option<usize>) -> Option<usize> {
    match name {
        "imds" | "dns" => t.find("vpc"),
        _ if name.starts_with("aws/") => t.find("internet"),
        "metadata" => caller.and_then(|c| t.ancestor(c, tree::Kind::Instance)),
        // An AWS service's public address (a name that resolved there) is on the internet's box.
        _ if name.parse().is_ok_and(|ip| crate::scenario::aws_service::public_net().contains(ip)) => t.find("internet"),
        _ if name.parse::<std::net::Ipv4Addr>().is_ok() => t.showing(name, caller),
        // A gateway endpoint is a route, not a box: its calls reach the service's public address.
        _ if name.starts_with("endpoint/") => t.find(name).or_else(|| t.find("internet")),
        _ => t.find(name),
    }
}

/// The verdicts as numbered arrows between the boxes of `t`, and for an answer that came
/// through a published port, the DNAT hop from the instance to the container that answered.
fn arrows(t: &tree::Tree, verdicts: &[Verdict]) -> Vec<layout::Arrow> {
    let mut out = vec![];
    for (i, v) in verdicts.iter().enumerate() {
        // A name check goes from the asker to the resolver that answered (its address is on
        // the router's box, or the internet's).
        // So does an AWS API call: to the endpoint or the service's public address it reached.
        let asked = v.title.split_once(" dns ").or_else(|| v.title.split_once(" call "));
        let Some((from, to)) = (match asked {
            Some((f, _)) => v.served_by.as_deref().map(|s| (f, s)),
            // A check written with a name ends where the address its resolver gave is.
            None => ends(&v.title).map(|(f, t, _)| (f, v.probed.as_deref().unwrap_or(t))),
        }) else {
            continue;
        };
        let Some(f) = end_box(t, from, None) else { continue };
        let Some(to_box) = end_box(t, to, Some(f)).filter(|&b| b != f) else { continue };
        let nested = t.inside(f, to_box) || t.inside(to_box, f);
        out.push(layout::Arrow { from: f, to: to_box, style: tone(v), verdict: i, nested });
        let hop = v.served_by.as_deref().and_then(|s| t.find(s)).filter(|&s| s != to_box && t.inside(s, to_box));
        if let Some(s) = hop {
            out.push(layout::Arrow { from: to_box, to: s, style: "dnat", verdict: i, nested: true });
        }
        // A load balancer's node opened its own connection to the target that answered.
        let proxied = v
            .served_by
            .as_deref()
            .and_then(|s| t.find(s))
            .filter(|&s| s != to_box && (to.starts_with("alb/") || to.starts_with("nlb/")));
        if let Some(s) = proxied {
            out.push(layout::Arrow { from: to_box, to: s, style: "proxy", verdict: i, nested: false });
        }
    }
    out
}

/// The tree and the arrows of a picture, its own words in `lang`.
fn picture(lab: &Lab, verdicts: &[Verdict], lang: Lang) -> (tree::Tree, Vec<layout::Arrow>) {
    let t = tree::build(lab, &notes(lab, verdicts), lang);
    let a = arrows(&t, verdicts);
    (t, a)
}

/// `DNAT :8080 -> 172.17.0.2:80` for the container `task/web/app` answering on host port
/// `8080/tcp`, as Docker's DOCKER chain rewrote it.
fn dnat_label(lab: &Lab, served_by: &str, port: &str) -> String {
    let mut parts = served_by.split('/').skip(1);
    let (Some(task), Some(name)) = (parts.next(), parts.next()) else { return "DNAT".into() };
    let host: Option<u16> = port.split('/').next().and_then(|p| p.parse().ok());
    let c = lab.task(task).and_then(|t| t.containers.iter().find(|c| c.name == name));
    match (c, host) {
        (Some(c), Some(h)) => match (c.ports.iter().find(|b| b.host_port == Some(h)), c.ip) {
            (Some(b), Some(ip)) => format!("DNAT :{h} -> {ip}:{}", b.container_port),
            _ => "DNAT".into(),
        },
        _ => "DNAT".into(),
    }
}

/// SVG laid out in-process by [`layout`]: boxes inside boxes, linear in the lab's size.
pub fn svg(lab: &Lab, verdicts: &[Verdict], lang: Lang) -> Result<String, String> {
    let (t, a) = picture(lab, verdicts, lang);
    Ok(layout::render(&lab.name, &t, &a))
}

/// The title of every box that stands for something a user can name (for tests: every node
/// of the scenario must be shown).
pub fn node_labels(lab: &Lab) -> Vec<String> {
    tree::build(lab, &[], Lang::En)
        .items
        .into_iter()
        .filter(|it| !it.name.is_empty())
        .map(|it| it.lines[0].clone())
        .collect()
}

#[cfg(test)]
mod tests;
