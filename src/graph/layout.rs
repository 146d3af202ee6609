//! The SVG picture, laid out here in time linear in the number of boxes and edges: the
//! topology is a tree (internet → gateway → VPC router → subnets → NAT gateways and instances →
//! tasks or containers), so it is drawn in layers: the fabric on top, one column per subnet in
//! its cluster box, inside it the subnet, its NAT gateways, and each instance with its tasks
//! in a grid under it. Structure edges are orthogonal lines under the boxes; verdict edges are
//! straight arrows over them, coloured as in DOT. Text widths are estimated for a monospace
//! font, so every label fits its box whatever the viewer.

use super::{Edge, Node, color, fill};
use std::collections::HashMap;
use std::fmt::Write as _;

const FONT: i32 = 14;
const CHAR_W: i32 = 9;
const LINE_H: i32 = 18;
const PAD: i32 = 8;
const GAP_X: i32 = 24;
const GAP_Y: i32 = 40;
const MARGIN: i32 = 30;
/// Cluster box: padding around its column and the height of its title.
const CLUSTER_PAD: i32 = 14;
const CLUSTER_TITLE: i32 = 26;
/// Tasks (or NAT gateways) side by side before the grid wraps.
const PER_ROW: usize = 4;

#[derive(Clone, Copy, Default, Debug, PartialEq)]
pub(super) struct Rect {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

impl Rect {
    fn cx(&self) -> i32 {
        self.x + self.w / 2
    }
    fn bottom(&self) -> i32 {
        self.y + self.h
    }
}

/// Where everything goes.
pub(super) struct Layout {
    /// One rectangle per node, same order as the nodes.
    pub boxes: Vec<Rect>,
    /// Subnet cluster boxes with their titles.
    pub clusters: Vec<(Rect, String)>,
    pub width: i32,
    pub height: i32,
}

fn text_width(s: &str) -> i32 {
    s.chars().count() as i32 * CHAR_W
}

fn size(n: &Node) -> (i32, i32) {
    let w = n.label.iter().map(|l| text_width(l)).max().unwrap_or(0);
    (w + 2 * PAD, n.label.len().max(1) as i32 * LINE_H + 2 * PAD - 4)
}

fn is_instance(n: &Node) -> bool {
    n.kind == "instance"
}

/// For each node, the instance it hangs under (its tasks and containers), if any.
fn parents(nodes: &[Node], edges: &[Edge], index: &HashMap<&str, usize>) -> Vec<Option<usize>> {
    let mut parent = vec![None; nodes.len()];
    for e in edges.iter().filter(|e| e.style == "structure" || e.label == "not placed") {
        let (Some(&f), Some(&t)) = (index.get(e.from.as_str()), index.get(e.to.as_str())) else { continue };
        if is_instance(&nodes[f]) && !is_instance(&nodes[t]) && parent[t].is_none() {
            parent[t] = Some(f);
        }
    }
    parent
}

/// A column is a list of groups; a group is laid out as rows of at most PER_ROW boxes, each
/// row centred in the column.
type Column = Vec<Vec<usize>>;

fn columns(nodes: &[Node], parent: &[Option<usize>], subnets: usize) -> (Column, Vec<Column>) {
    let mut children: Vec<Vec<usize>> = vec![vec![]; nodes.len()];
    let mut strangers: Vec<Vec<usize>> = vec![vec![]; subnets];
    let mut top: Vec<Vec<usize>> = vec![vec![]; 4];
    let mut heads: Vec<Vec<usize>> = vec![vec![]; subnets];
    let mut nats: Vec<Vec<usize>> = vec![vec![]; subnets];
    let mut instances: Vec<Vec<usize>> = vec![vec![]; subnets];
    for (i, n) in nodes.iter().enumerate() {
        let home = |p: usize| nodes[p].subnet;
        match (n.subnet, parent[i]) {
            (Some(s), Some(p)) if home(p) != Some(s) => strangers[s].push(i),
            (_, Some(p)) => children[p].push(i),
            (Some(s), None) if n.kind == "subnet" => heads[s].push(i),
            (Some(s), None) if is_instance(n) => instances[s].push(i),
            (Some(s), None) => nats[s].push(i),
            (None, None) => {
                let rank = match n.kind {
                    "internet" => 0,
                    "gateway" => 1,
                    "router" => 2,
                    _ => 3,
                };
                top[rank].push(i);
            }
        }
    }
    let mut cols = vec![];
    for s in 0..subnets {
        let mut c: Column = vec![std::mem::take(&mut heads[s]), std::mem::take(&mut nats[s])];
        for &i in &instances[s] {
            c.push(vec![i]);
            c.push(std::mem::take(&mut children[i]));
        }
        c.push(std::mem::take(&mut strangers[s]));
        c.retain(|g| !g.is_empty());
        cols.push(c);
    }
    // Children of an instance outside every subnet (none today) stay drawn: under the fabric.
    let lost: Vec<usize> = children.into_iter().flatten().collect();
    top.push(lost);
    top.retain(|g| !g.is_empty());
    (top, cols)
}

/// The rows of a column: (node indices, row width, row height).
fn rows(col: &Column, sizes: &[(i32, i32)]) -> Vec<(Vec<usize>, i32, i32)> {
    let mut out = vec![];
    for g in col {
        for chunk in g.chunks(PER_ROW) {
            let w = chunk.iter().map(|&i| sizes[i].0).sum::<i32>() + GAP_X * (chunk.len() as i32 - 1);
            let h = chunk.iter().map(|&i| sizes[i].1).max().unwrap_or(0);
            out.push((chunk.to_vec(), w, h));
        }
    }
    out
}

/// Places the rows of a column from (x, y) in a column `width` wide; returns the bottom.
fn place(rows: &[(Vec<usize>, i32, i32)], x: i32, y: i32, width: i32, sizes: &[(i32, i32)], boxes: &mut [Rect]) -> i32 {
    let mut y = y;
    for (chunk, w, h) in rows {
        let mut cx = x + (width - w) / 2;
        for &i in chunk {
            let (bw, bh) = sizes[i];
            boxes[i] = Rect { x: cx, y, w: bw, h: bh };
            cx += bw + GAP_X;
        }
        y += h + GAP_Y;
    }
    y - GAP_Y
}

pub(super) fn layout(nodes: &[Node], edges: &[Edge], subnet_titles: &[String]) -> Layout {
    let index: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let parent = parents(nodes, edges, &index);
    let sizes: Vec<(i32, i32)> = nodes.iter().map(size).collect();
    let (top, cols) = columns(nodes, &parent, subnet_titles.len());
    let top_rows = rows(&top, &sizes);
    let col_rows: Vec<_> = cols.iter().map(|c| rows(c, &sizes)).collect();
    let col_w: Vec<i32> = col_rows
        .iter()
        .zip(subnet_titles)
        .map(|(r, t)| r.iter().map(|x| x.1).max().unwrap_or(0).max(text_width(t)) + 2 * CLUSTER_PAD)
        .collect();
    let cols_width = col_w.iter().sum::<i32>() + GAP_X * (col_w.len() as i32 - 1).max(0);
    let top_width = top_rows.iter().map(|r| r.1).max().unwrap_or(0);
    let width = cols_width.max(top_width);
    let mut boxes = vec![Rect::default(); nodes.len()];
    let top_bottom = place(&top_rows, MARGIN, MARGIN, width, &sizes, &mut boxes);
    let y0 = if top_rows.is_empty() { MARGIN } else { top_bottom + GAP_Y * 2 };
    let mut x = MARGIN + (width - cols_width) / 2;
    let mut clusters = vec![];
    let mut bottom = top_bottom;
    for ((r, w), title) in col_rows.iter().zip(&col_w).zip(subnet_titles) {
        let inner = y0 + CLUSTER_TITLE + CLUSTER_PAD;
        let end = if r.is_empty() {
            inner
        } else {
            place(r, x + CLUSTER_PAD, inner, w - 2 * CLUSTER_PAD, &sizes, &mut boxes)
        };
        let rect = Rect { x, y: y0, w: *w, h: end + CLUSTER_PAD - y0 };
        bottom = bottom.max(rect.bottom());
        clusters.push((rect, title.clone()));
        x += w + GAP_X;
    }
    Layout { boxes, clusters, width: width + 2 * MARGIN, height: bottom + MARGIN }
}

/// Text for SVG character data and attribute values.
pub(super) fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The legend's rows under the picture: what each box colour and each arrow means.
const LEGEND_H: i32 = 64;
const LEGEND_KINDS: [(&str, &str); 6] = [
    ("internet", "internet"),
    ("router", "router / gateway"),
    ("instance", "instance"),
    ("task", "task / container"),
    ("unplaced", "not placed"),
    ("subnet", "subnet"),
];
const LEGEND_ARROWS: [(&str, &str); 3] =
    [("pass", "verdict ok"), ("fail", "verdict failed"), ("blocked", "blocked as expected")];

/// The canvas: the picture and, under it, the legend (at least as wide as the legend).
fn canvas(l: &Layout) -> (i32, i32) {
    let row: i32 = LEGEND_KINDS.iter().map(|(_, t)| 24 + text_width(t) + 16).sum();
    (l.width.max(row + 2 * PAD), l.height + LEGEND_H)
}

fn legend(s: &mut String, l: &Layout) {
    s.push_str("<g id=\"legend\">\n");
    let (mut x, y) = (PAD, l.height + 8);
    for (kind, text) in LEGEND_KINDS {
        let dash = if kind == "subnet" { " stroke-dasharray=\"6 3\"" } else { "" };
        let _ = writeln!(
            s,
            "<rect x=\"{x}\" y=\"{y}\" width=\"18\" height=\"14\" rx=\"3\" fill=\"{}\" stroke=\"#37474f\"{dash}/><text class=\"e\" x=\"{}\" y=\"{}\">{}</text>",
            fill(kind),
            x + 24,
            y + 12,
            xml(text)
        );
        x += 24 + text_width(text) + 16;
    }
    let (mut x, y) = (PAD, l.height + 36);
    for (style, text) in LEGEND_ARROWS {
        let c = color(style);
        let dash = if style == "blocked" { " stroke-dasharray=\"8 5\"" } else { "" };
        let _ = writeln!(
            s,
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{c}\" stroke-width=\"2\"{dash} marker-end=\"url(#arrow-{style})\"/><text class=\"e\" x=\"{}\" y=\"{}\">{}</text>",
            y + 7,
            x + 30,
            y + 7,
            x + 38,
            y + 12,
            xml(text)
        );
        x += 38 + text_width(text) + 16;
    }
    s.push_str("</g>\n");
}

fn head(s: &mut String, l: &Layout, title: &str) {
    let (w, h) = canvas(l);
    let _ =
        writeln!(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">");
    let _ = writeln!(s, "<title>{}</title>", xml(title));
    s.push_str("<defs>\n");
    for style in ["pass", "fail", "blocked"] {
        let _ = writeln!(
            s,
            "<marker id=\"arrow-{style}\" markerWidth=\"10\" markerHeight=\"7\" refX=\"10\" refY=\"3.5\" orient=\"auto\"><polygon points=\"0 0, 10 3.5, 0 7\" fill=\"{}\"/></marker>",
            color(style)
        );
    }
    s.push_str("</defs>\n<style>\n");
    let _ = writeln!(s, "text {{ font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: {FONT}px; }}");
    s.push_str(".t { font-weight: bold; }\n.e { font-size: 11px; fill: #455a64; }\n");
    s.push_str(".v { font-size: 12px; paint-order: stroke; stroke: #ffffff; stroke-width: 3px; }\n");
    s.push_str(".c { font-weight: bold; fill: #33691e; }\n</style>\n");
    let _ = writeln!(s, "<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>");
}

fn clusters(s: &mut String, l: &Layout) {
    s.push_str("<g id=\"subnets\">\n");
    for (r, title) in &l.clusters {
        let _ = writeln!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\" fill=\"#f9fbe7\" stroke=\"#689f38\" stroke-dasharray=\"6 3\"/>",
            r.x, r.y, r.w, r.h
        );
        let _ = writeln!(s, "<text class=\"c\" x=\"{}\" y=\"{}\">{}</text>", r.x + CLUSTER_PAD, r.y + 19, xml(title));
    }
    s.push_str("</g>\n");
}

/// Structure edges: orthogonal, from the upper box's bottom to the lower box's top, under the
/// boxes; the label sits just above the lower box.
fn structure_edges(s: &mut String, nodes: &[Node], edges: &[Edge], l: &Layout, index: &HashMap<&str, usize>) {
    let mut label_x: Vec<i32> = vec![0; nodes.len()];
    let mut labels = String::new();
    s.push_str("<g id=\"structure\" fill=\"none\">\n");
    for e in edges.iter().filter(|e| e.style == "structure" || e.label == "not placed") {
        let (Some(&f), Some(&t)) = (index.get(e.from.as_str()), index.get(e.to.as_str())) else { continue };
        let (a, b) = if l.boxes[f].y <= l.boxes[t].y { (l.boxes[f], l.boxes[t]) } else { (l.boxes[t], l.boxes[f]) };
        let mid = b.y - GAP_Y / 2;
        let dash = if e.style == "structure" { "" } else { " stroke-dasharray=\"6 4\"" };
        let _ = writeln!(
            s,
            "<polyline points=\"{},{} {},{mid} {},{mid} {},{}\" stroke=\"{}\" stroke-width=\"1.5\"{dash}/>",
            a.cx(),
            a.bottom(),
            a.cx(),
            b.cx(),
            b.cx(),
            b.y,
            color(e.style)
        );
        if !e.label.is_empty() {
            let lt = if l.boxes[f].y <= l.boxes[t].y { t } else { f };
            let x = l.boxes[lt].cx() + 4 + label_x[lt];
            label_x[lt] += text_width(&e.label) * 11 / FONT + 12;
            let _ = writeln!(labels, "<text class=\"e\" x=\"{x}\" y=\"{}\">{}</text>", b.y - 4, xml(&e.label));
        }
    }
    s.push_str("</g>\n");
    s.push_str(&labels);
}

fn boxes(s: &mut String, nodes: &[Node], l: &Layout) {
    s.push_str("<g id=\"nodes\">\n");
    for (n, r) in nodes.iter().zip(&l.boxes) {
        let _ = writeln!(
            s,
            "<rect id=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"{}\" stroke=\"#37474f\"/>",
            xml(&n.id),
            r.x,
            r.y,
            r.w,
            r.h,
            fill(n.kind)
        );
        let _ = write!(s, "<text x=\"{}\" y=\"{}\">", r.x + PAD, r.y + PAD - 4);
        for (k, line) in n.label.iter().enumerate() {
            let class = if k == 0 { " class=\"t\"" } else { "" };
            let _ = write!(s, "<tspan x=\"{}\" dy=\"{LINE_H}\"{class}>{}</tspan>", r.x + PAD, xml(line));
        }
        s.push_str("</text>\n");
    }
    s.push_str("</g>\n");
}

/// Verdict edges: straight arrows over the boxes, the label at the middle.
fn verdict_edges(s: &mut String, edges: &[Edge], l: &Layout, index: &HashMap<&str, usize>) {
    s.push_str("<g id=\"verdicts\">\n");
    for e in edges.iter().filter(|e| e.style != "structure" && e.label != "not placed") {
        let (Some(&f), Some(&t)) = (index.get(e.from.as_str()), index.get(e.to.as_str())) else { continue };
        let (a, b) = (l.boxes[f], l.boxes[t]);
        let (x1, y1) = (a.cx(), if a.y <= b.y { a.bottom() } else { a.y });
        let (x2, y2) = (b.cx(), if a.y <= b.y { b.y } else { b.bottom() });
        let (width, dash) = match e.style {
            "fail" => (3, ""),
            "blocked" => (2, " stroke-dasharray=\"8 5\""),
            _ => (2, ""),
        };
        let c = color(e.style);
        // Which verdict it is, for the HTML page's clicks.
        let data = e.verdict.map(|i| format!(" data-verdict=\"{i}\"")).unwrap_or_default();
        let _ = writeln!(
            s,
            "<line{data} x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"{c}\" stroke-width=\"{width}\"{dash} marker-end=\"url(#arrow-{})\"/>",
            e.style
        );
        if !e.label.is_empty() {
            let _ = writeln!(
                s,
                "<text{data} class=\"v\" fill=\"{c}\" x=\"{}\" y=\"{}\">{}</text>",
                (x1 + x2) / 2 + 4,
                (y1 + y2) / 2,
                xml(&e.label)
            );
        }
    }
    s.push_str("</g>\n");
}

/// The whole picture as one SVG document.
pub(super) fn render(title: &str, nodes: &[Node], edges: &[Edge], subnet_titles: &[String]) -> String {
    let l = layout(nodes, edges, subnet_titles);
    let index: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let mut s = String::with_capacity(nodes.len() * 400 + edges.len() * 200 + 2048);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    head(&mut s, &l, title);
    clusters(&mut s, &l);
    structure_edges(&mut s, nodes, edges, &l, &index);
    boxes(&mut s, nodes, &l);
    verdict_edges(&mut s, edges, &l, &index);
    legend(&mut s, &l);
    s.push_str("</svg>\n");
    s
}
