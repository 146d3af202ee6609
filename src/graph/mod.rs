//! Topology pictures: VPC → subnets → instances → tasks and containers, ENIs with their
//! addresses, security groups, gateways; and, given results of `test --json`, the expectations
//! as edges coloured by verdict. Mermaid and DOT are text; SVG is laid out in-process by
//! [`layout`] (no graphviz needed), in time linear in the lab's size.

use crate::judge::Verdict;
use crate::model::Lab;
use crate::scenario::NetworkMode;
use crate::scenario::Node as NodeId;
use std::fmt::Write as _;

mod html;
mod layout;

pub use html::{Details, html};

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
    /// The verdict it draws (its index among the verdicts given), for the HTML page.
    verdict: Option<usize>,
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
    Edge { from: id(f), to: id(t), label: l.into(), style: "structure", verdict: None }
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

/// The agent's listeners and, where they differ from the defaults, who may reach IMDS.
fn agent_line(i: &crate::model::Instance) -> String {
    let mut parts = vec!["agent :51678, 127.0.0.1:51679".to_string()];
    let o = &i.metadata_options;
    if o.tokens_required || o.hop_limit != 1 {
        let tokens = if o.tokens_required { "IMDSv2 only" } else { "IMDSv1+v2" };
        parts.push(format!("{tokens}, hop limit {}", o.hop_limit));
    }
    let mut blocked = vec![];
    if i.agent_config.awsvpc_block_imds {
        blocked.push("awsvpc");
    }
    if i.block_imds_from_bridge {
        blocked.push("bridge");
    }
    if !blocked.is_empty() {
        parts.push(format!("IMDS blocked: {}", blocked.join(", ")));
    }
    parts.join(" · ")
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
        let mut inet = vec!["internet".to_string(), format!("client {}", lab.internet.client)];
        for h in &lab.internet.hosts {
            let ports: Vec<String> = h.listen.iter().map(|p| format!("{}/{}", p.port, p.proto)).collect();
            inet.push(format!("{} {} [{}]", h.name.value, h.ip.value, ports.join(", ")));
        }
        self.node("internet", inet, None, "internet");
        let mut router = vec![format!("VPC router {}", lab.vpc.id), lab.vpc.cidr.to_string()];
        if !lab.instances.is_empty() {
            router.push(format!("IMDS {}:{}", crate::model::IMDS_IP, crate::model::IMDS_PORT));
        }
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
            for t in lab.tasks.iter().filter(|t| t.instance == ii) {
                self.task(lab, &iid, t);
            }
        }
    }

    fn task(&mut self, lab: &Lab, iid: &str, t: &crate::model::Task) {
        let tid = NodeId::task(&t.name).to_string();
        if let Err(f) = &t.placement {
            self.node(&tid, vec![tid.clone(), format!("NOT PLACED: {}", f.reason())], None, "unplaced");
            self.edges.push(Edge {
                from: id(iid),
                to: id(&tid),
                label: "not placed".into(),
                style: "blocked",
                verdict: None,
            });
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
        for (i, v) in verdicts.iter().enumerate() {
            let Some((from, rest)) = v.title.split_once(" -> ") else { continue };
            let to = rest.split([':', ' ']).next().unwrap_or(rest).trim_end_matches("@public");
            let to = to.split('/').take(2).collect::<Vec<_>>().join("/");
            let (Some(s), Some(t)) = (self.find(from), self.find(&to)) else { continue };
            let style = match (v.pass, v.outcome) {
                (false, _) => "fail",
                (true, Some(crate::scenario::Outcome::Connected)) => "pass",
                _ => "blocked",
            };
            let port = rest.split_once(':').map(|(_, p)| p.split(' ').next().unwrap_or("")).unwrap_or("");
            let mut label = port.to_string();
            if let Some(r) = &v.reason {
                if style != "pass" {
                    label = format!("{label} {r}");
                }
            }
            let (from, to) = (s.id.clone(), t.id.clone());
            self.edges.push(Edge { from, to, label, style, verdict: Some(i) });
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

/// SVG laid out in-process by [`layout`]: layered, one cluster box per subnet, linear in the
/// lab's size.
pub fn svg(lab: &Lab, verdicts: &[Verdict]) -> Result<String, String> {
    let (nodes, edges) = build(lab, verdicts);
    let titles: Vec<String> = lab.vpc.subnets.iter().map(|sn| format!("subnet {} {}", sn.name, sn.cidr)).collect();
    Ok(layout::render(&lab.name, &nodes, &edges, &titles))
}

/// Which nodes the picture has (for tests: every node of the scenario must be shown).
pub fn node_labels(lab: &Lab) -> Vec<String> {
    build(lab, &[]).0.into_iter().map(|n| n.label[0].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EniOwner;

    fn lab() -> Lab {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/01-bridge-vs-awsvpc.yaml");
        crate::model::build(&crate::scenario::load(&p).unwrap()).unwrap()
    }

    /// The legend says what each colour and arrow means, under the picture, overlapping no box.
    #[test]
    fn svg_has_a_legend_under_every_box() {
        let svg = svg(&lab(), &[]).unwrap();
        let attr = |tag: &str, name: &str| -> i32 {
            let at = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            tag[at..].split('"').next().unwrap().parse().unwrap()
        };
        let (pic, legend) = svg.split_once("<g id=\"legend\">").expect("a legend");
        for word in
            ["internet", "instance", "not placed", "subnet", "verdict ok", "verdict failed", "blocked as expected"]
        {
            assert!(legend.contains(&format!(">{word}</text>")), "legend lacks {word}");
        }
        let legend_top = legend.split("<rect").nth(1).map(|t| attr(t, "y")).unwrap();
        let lowest = pic.split("<rect id=").skip(1).map(|t| attr(t, "y") + attr(t, "height")).max().unwrap();
        assert!(lowest < legend_top, "a box ends at {lowest}, the legend starts at {legend_top}");
        let height = attr(svg.split("<svg").nth(1).unwrap(), "height");
        assert!(legend_top + 50 <= height, "the legend fits the canvas");
    }

    #[test]
    fn svg_is_valid_and_shows_every_node() {
        let l = lab();
        let svg = svg(&l, &[]).unwrap();
        assert!(svg.starts_with("<svg") || svg.contains("<svg"), "{}", &svg[..200.min(svg.len())]);
        assert!(svg.trim_end().ends_with("</svg>"));
        for t in &l.tasks {
            assert!(svg.contains(&format!("task/{}", t.name)), "task/{} missing", t.name);
        }
        for i in &l.instances {
            assert!(svg.contains(&format!("instance/{}", i.name)));
        }
        for e in &l.enis {
            if !matches!(e.owner, EniOwner::Task(_)) || l.tasks.iter().any(|t| t.eni.is_some()) {
                assert!(svg.contains(&e.ip.to_string()), "{} missing", e.ip);
            }
        }
        assert!(svg.contains("nat/nat-a") && svg.contains("internet gateway") && svg.contains("sg: web"));
    }

    #[test]
    fn mermaid_and_dot_have_subnets_and_verdict_edges() {
        let l = lab();
        let v = Verdict {
            outcome: Some(crate::scenario::Outcome::Timeout),
            reason: Some(crate::analyze::Reason::NoPublicIpOnEc2TaskEni),
            elapsed_ms: 0.0,
            ..Verdict::sample(0, "internet -> task/web-awsvpc:3000/tcp", "", true, "")
        };
        let m = mermaid(&l, std::slice::from_ref(&v));
        assert!(m.starts_with("flowchart TB") && m.contains("subgraph private_a_box"));
        assert!(m.contains("internet -.->|\"3000/tcp NO_PUBLIC_IP_ON_EC2_TASK_ENI\"| task_web_awsvpc"), "{m}");
        let d = dot(&l, &[v]);
        assert!(d.contains("subgraph cluster_public_a") && d.contains("style=dashed"));
    }

    /// `instances` instances in two subnets, each with `per` bridge tasks and `per` awsvpc tasks.
    fn big_lab(instances: usize, per: usize) -> Lab {
        let mut y = String::from(
            "version: 1\nname: big\nvpc:\n  cidr: 10.0.0.0/16\n  subnets: [{ name: a, cidr: 10.0.0.0/18 }, { name: b, cidr: 10.0.64.0/18 }]\ninstances:\n",
        );
        for i in 0..instances {
            y += &format!("  - {{ name: i{i}, subnet: {}, maxEnis: 40 }}\n", if i % 2 == 0 { "a" } else { "b" });
        }
        y += "taskDefinitions:\n  - { family: b, networkMode: bridge, containerDefinitions: [{ name: c, image: x, portMappings: [{ containerPort: 80 }] }] }\n";
        y += "  - { family: v, networkMode: awsvpc, containerDefinitions: [{ name: c, image: x, portMappings: [{ containerPort: 80 }] }] }\ntasks:\n";
        for i in 0..instances {
            for k in 0..per {
                y += &format!("  - {{ name: b{i}x{k}, taskDefinition: b, instance: i{i} }}\n");
                let net = format!("{{ awsvpcConfiguration: {{ subnets: [{}] }} }}", if k % 2 == 0 { "a" } else { "b" });
                y += &format!(
                    "  - {{ name: v{i}x{k}, taskDefinition: v, instance: i{i}, networkConfiguration: {net} }}\n"
                );
            }
        }
        let s = crate::scenario::load_str(std::path::Path::new("big.yaml"), &y).unwrap();
        crate::model::build(&s).unwrap()
    }

    /// Balanced tags and no raw `&` or `<` in text: enough of XML to catch a broken picture.
    fn well_formed(svg: &str) {
        let mut stack: Vec<&str> = vec![];
        let mut rest = svg;
        while let Some(a) = rest.find('<') {
            let text = &rest[..a];
            assert!(!text.contains('>'), "raw > in {text}");
            for (k, _) in text.match_indices('&') {
                let ent = &text[k..];
                assert!(["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].iter().any(|e| ent.starts_with(e)), "{ent}");
            }
            let b = rest[a..].find('>').expect("unclosed tag") + a;
            let tag = &rest[a + 1..b];
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name.trim()), "closing {name}");
            } else if !tag.starts_with('?') && !tag.ends_with('/') {
                stack.push(tag.split([' ', '\n']).next().unwrap());
            }
            assert_eq!(tag.matches('"').count() % 2, 0, "quotes in <{tag}>");
            rest = &rest[b + 1..];
        }
        assert!(stack.is_empty(), "unclosed {stack:?}");
    }

    #[test]
    fn svg_is_well_formed_with_clusters_and_verdict_edges() {
        let l = lab();
        let v = Verdict {
            outcome: Some(crate::scenario::Outcome::Timeout),
            reason: Some(crate::analyze::Reason::NoPublicIpOnEc2TaskEni),
            elapsed_ms: 0.0,
            ..Verdict::sample(0, "internet -> task/web-awsvpc:3000/tcp", "", false, "")
        };
        let s = svg(&l, &[v]).unwrap();
        well_formed(&s);
        for sn in &l.vpc.subnets {
            assert!(s.contains(&format!("subnet {} {}</text>", sn.name, sn.cidr)), "cluster {}", sn.name);
        }
        assert!(
            s.contains("stroke=\"#c62828\" stroke-width=\"3\"") && s.contains("3000/tcp NO_PUBLIC_IP_ON_EC2_TASK_ENI")
        );
    }

    #[test]
    fn svg_text_is_escaped() {
        let nodes =
            vec![Node { id: "x".into(), label: vec!["a<b & \"c\" 'd'>".into()], subnet: None, kind: "internet" }];
        let s = layout::render("lab <&>", &nodes, &[], &[]);
        well_formed(&s);
        assert!(
            s.contains("a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;")
                && s.contains("<title>lab &lt;&amp;&gt;</title>")
        );
    }

    #[test]
    fn svg_grows_linearly_shows_every_node_and_no_boxes_overlap() {
        let count = |l: &Lab| {
            let s = svg(l, &[]).unwrap();
            well_formed(&s);
            for label in node_labels(l) {
                assert!(s.contains(&layout::xml(&label)), "{label} missing");
            }
            (s.matches("<rect").count(), s.matches("<polyline").count(), s.len())
        };
        let (small, big) = (big_lab(4, 5), big_lab(8, 5));
        let (a, b) = (count(&small), count(&big));
        // Twice the instances and tasks: about twice the elements and bytes (the fabric is fixed).
        assert!(b.0 <= 2 * a.0 && b.0 * 10 >= 19 * a.0 - 100, "{a:?} {b:?}");
        assert!(b.1 <= 2 * a.1 + 2 && b.2 <= 2 * a.2 + 4096, "{a:?} {b:?}");
        let (nodes, edges) = build(&big, &[]);
        let titles = vec!["a".to_string(), "b".to_string()];
        let l = layout::layout(&nodes, &edges, &titles);
        let mut r = l.boxes.clone();
        r.sort_by_key(|r| (r.y, r.x));
        for (i, p) in r.iter().enumerate() {
            assert!(p.w > 0 && p.x >= 0 && p.x + p.w <= l.width && p.y + p.h <= l.height, "{p:?}");
            for q in r[i + 1..].iter().take_while(|q| q.y < p.y + p.h) {
                assert!(q.x >= p.x + p.w || q.x + q.w <= p.x, "{p:?} overlaps {q:?}");
            }
        }
    }

    /// The 2,000-task picture (scripts/graph_bench.py times the release binary).
    #[test]
    #[ignore]
    fn svg_of_2000_tasks_is_fast() {
        let l = big_lab(80, 13);
        let t = std::time::Instant::now();
        let s = svg(&l, &[]).unwrap();
        eprintln!("{} tasks: {} bytes in {:?}", l.tasks.len(), s.len(), t.elapsed());
        assert!(t.elapsed() < std::time::Duration::from_secs(30));
    }
}
