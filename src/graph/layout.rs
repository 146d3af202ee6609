//! The SVG picture of a [`Tree`]: boxes inside boxes, measured bottom-up and placed top-down,
//! in time linear in the number of boxes. Rows of instances, of tasks and of security groups
//! wrap; the layout tries a fixed set of wraps and keeps the one that fills a 16:9 screen best,
//! so a lab of a few instances is readable on a projector. Text widths are those of DejaVu
//! Sans Mono (the font the PNG embeds), rounded up, so every line fits its box whatever the
//! viewer. Verdicts are straight arrows over the boxes; their labels never overlap each other.

use super::tree::{Flow, Kind, Level, Tree};
use std::fmt::Write as _;

pub(super) const FONT: i32 = 14;
/// DejaVu Sans Mono's advance is 0.602 em: 8.43 px at 14 px, rounded up.
pub(super) const CHAR_W: i32 = 9;
pub(super) const LINE_H: i32 = 18;
const PAD: i32 = 6;
const GAP: i32 = 10;
/// Between the internet row and the VPC: room for the gateway's link.
const GAP_TOP: i32 = 36;
const MARGIN: i32 = 20;
/// The screen the layout fills best.
pub(super) const SCREEN: (i32, i32) = (1920, 1080);

#[derive(Clone, Copy, Default, Debug, PartialEq)]
pub(super) struct Rect {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

impl Rect {
    pub fn cx(&self) -> i32 {
        self.x + self.w / 2
    }
    pub fn cy(&self) -> i32 {
        self.y + self.h / 2
    }
    pub fn right(&self) -> i32 {
        self.x + self.w
    }
    pub fn bottom(&self) -> i32 {
        self.y + self.h
    }
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.right() && o.x < self.right() && self.y < o.bottom() && o.y < self.bottom()
    }
    pub fn contains(&self, o: &Rect) -> bool {
        o.x >= self.x && o.right() <= self.right() && o.y >= self.y && o.bottom() <= self.bottom()
    }
}

/// How many boxes a row holds at each level before it wraps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Wraps {
    subnets: usize,
    instances: usize,
    bridges: usize,
    tasks: usize,
    groups: usize,
    notes: usize,
    body: usize,
    main: usize,
}

impl Wraps {
    fn of(&self, level: Level) -> usize {
        match level {
            Level::Fixed => usize::MAX,
            Level::Subnets => self.subnets,
            Level::Instances => self.instances,
            Level::Bridges => self.bridges,
            Level::Tasks => self.tasks,
            Level::Groups => self.groups,
            Level::Notes => self.notes,
            Level::Body => self.body,
            Level::Main => self.main,
        }
    }
}

/// Where everything goes.
pub(super) struct Layout {
    /// One rectangle per item of the tree, same order.
    pub boxes: Vec<Rect>,
    /// Where each legend entry goes: (x, row under the picture).
    pub legend: Vec<(i32, i32)>,
    pub width: i32,
    pub height: i32,
}

/// The width of a line: East Asian wide characters (Japanese) take two cells of a monospace
/// font, as a terminal draws them.
pub(super) fn text_width(s: &str) -> i32 {
    s.chars().map(|c| if wide(c) { 2 } else { 1 }).sum::<i32>() * CHAR_W
}

fn wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
}

fn pad(kind: Kind) -> i32 {
    match kind {
        Kind::Frame => 0,
        // A note is a line of its panel: the panel's gap is its spacing.
        Kind::Note => 1,
        _ => PAD,
    }
}

/// The space between an item's rows of children: a panel's notes are lines of one list.
fn row_gap(kind: Kind) -> i32 {
    if kind == Kind::Verdicts { 4 } else { GAP }
}

/// The height of an item's text block.
fn text_h(lines: usize) -> i32 {
    lines as i32 * LINE_H
}

/// The rows an item's children make: (children, row width, row height).
fn rows(t: &Tree, i: usize, wraps: &Wraps, sizes: &[(i32, i32)]) -> Vec<(Vec<usize>, i32, i32)> {
    let it = &t.items[i];
    let per = match it.flow {
        Flow::Column => 1,
        Flow::Row(l) => wraps.of(l).max(1),
    };
    it.children
        .chunks(per)
        .map(|c| {
            let w = c.iter().map(|&k| sizes[k].0).sum::<i32>() + GAP * (c.len() as i32 - 1);
            let h = c.iter().map(|&k| sizes[k].1).max().unwrap_or(0);
            (c.to_vec(), w, h)
        })
        .collect()
}

/// Children are measured before their parent: items come after their parent, so reverse
/// order is a post-order.
fn measure(t: &Tree, wraps: &Wraps, text: &[i32]) -> Vec<(i32, i32)> {
    let mut sizes = vec![(0, 0); t.items.len()];
    for i in (0..t.items.len()).rev() {
        let it = &t.items[i];
        let r = rows(t, i, wraps, &sizes);
        let cw = r.iter().map(|x| x.1).max().unwrap_or(0);
        let ch = r.iter().map(|x| x.2).sum::<i32>() + row_gap(it.kind) * (r.len() as i32 - 1).max(0);
        let p = pad(it.kind);
        let gap = if it.lines.is_empty() || r.is_empty() { 0 } else { GAP / 2 };
        sizes[i] = (text[i].max(cw) + 2 * p, p + text_h(it.lines.len()) + gap + ch + p);
    }
    sizes
}

fn place(t: &Tree, i: usize, x: i32, y: i32, wraps: &Wraps, sizes: &[(i32, i32)], boxes: &mut [Rect]) {
    let it = &t.items[i];
    boxes[i] = Rect { x, y, w: sizes[i].0, h: sizes[i].1 };
    let p = pad(it.kind);
    let gap = if it.lines.is_empty() { 0 } else { GAP / 2 };
    let mut cy = y + p + text_h(it.lines.len()) + gap;
    for (row, _, h) in rows(t, i, wraps, sizes) {
        let mut cx = x + p;
        for k in row {
            place(t, k, cx, cy, wraps, sizes, boxes);
            cx += sizes[k].0 + GAP;
        }
        cy += h + row_gap(it.kind);
    }
}

fn layout_with(t: &Tree, wraps: &Wraps, text: &[i32]) -> Layout {
    let sizes = measure(t, wraps, text);
    let mut boxes = vec![Rect::default(); t.items.len()];
    let (mut y, mut width) = (MARGIN, 0);
    for &r in &t.roots {
        place(t, r, MARGIN, y, wraps, &sizes, &mut boxes);
        y += sizes[r].1 + GAP_TOP;
        width = width.max(sizes[r].0);
    }
    let height = if t.roots.is_empty() { 2 * MARGIN } else { y - GAP_TOP + MARGIN };
    let width = width + 2 * MARGIN;
    Layout { boxes, legend: legend_places(t, width), width, height }
}

/// How large the picture can be drawn on `screen` (1.0: at its own size).
pub(super) fn scale_on(width: i32, height: i32, screen: (i32, i32)) -> f64 {
    (screen.0 as f64 / width as f64).min(screen.1 as f64 / height as f64)
}

/// The layout, with the wraps that let it be drawn largest on [`SCREEN`] (legend included).
pub(super) fn layout(t: &Tree) -> Layout {
    let text: Vec<i32> = t.items.iter().map(|it| it.lines.iter().map(|l| text_width(l)).max().unwrap_or(0)).collect();
    let start =
        Wraps { subnets: 1, instances: 2, bridges: usize::MAX, tasks: 1, groups: 1, notes: 1, body: 2, main: 2 };
    let mut best: Option<(f64, Layout)> = None;
    let mut consider = |w: Wraps| {
        let l = layout_with(t, &w, &text);
        let (cw, ch) = canvas(&l);
        let s = scale_on(cw, ch, SCREEN);
        let better = best.as_ref().is_none_or(|(b, _)| s > *b + 1e-9);
        if better {
            best = Some((s, l));
        }
        better
    };
    type Knob = (fn(&mut Wraps) -> &mut usize, Level, &'static [usize]);
    let knobs: [Knob; 8] = [
        (|w| &mut w.main, Level::Main, &[1, 2]),
        (|w| &mut w.body, Level::Body, &[1, 2]),
        (|w| &mut w.subnets, Level::Subnets, &[1, 2, 3]),
        (|w| &mut w.instances, Level::Instances, &[1, 2, 3, 4]),
        (|w| &mut w.bridges, Level::Bridges, &[2, 3, usize::MAX]),
        (|w| &mut w.tasks, Level::Tasks, &[1, 2, 3, 4]),
        (|w| &mut w.groups, Level::Groups, &[1, 2, 3]),
        (|w| &mut w.notes, Level::Notes, &[1, 2, 3, 4]),
    ];
    // Only the levels whose rows could wrap matter (a level with one box per row has one way).
    let wraps_at = |level: Level| t.items.iter().any(|it| it.flow == Flow::Row(level) && it.children.len() > 1);
    let live: Vec<&Knob> = knobs.iter().filter(|k| wraps_at(k.1)).collect();
    let combos: usize = live.iter().map(|k| k.2.len()).product();
    if combos.saturating_mul(t.items.len()) <= 400_000 {
        // Every combination: the best there is, in a few ms for a lab of a few instances.
        for n in 0..combos {
            let (mut w, mut rest) = (start, n);
            for k in &live {
                *(k.0)(&mut w) = k.2[rest % k.2.len()];
                rest /= k.2.len();
            }
            consider(w);
        }
    } else {
        // A big lab: one level at a time, outermost first, keeping what draws largest so far;
        // twice round, since a choice further down can make another above pay. Linear.
        let mut w = start;
        consider(w);
        for _ in 0..2 {
            for k in &live {
                let mut keep = *(k.0)(&mut w);
                for &c in k.2 {
                    let mut trial = w;
                    *(k.0)(&mut trial) = c;
                    if consider(trial) {
                        keep = c;
                    }
                }
                *(k.0)(&mut w) = keep;
            }
        }
    }
    best.map(|(_, l)| l).unwrap_or(Layout { boxes: vec![], legend: vec![], width: 0, height: 0 })
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

/// Fill, stroke, stroke width and dash of each kind of box (AWS's diagram colours: purple
/// VPC, dashed blue zones, green public and teal private subnets, orange compute).
pub(super) fn style(kind: Kind) -> (&'static str, &'static str, &'static str, &'static str) {
    match kind {
        Kind::Internet => ("#e3f2fd", "#1565c0", "1.5", ""),
        Kind::Gateway | Kind::Router => ("#ede7f6", "#5e35b1", "1.5", ""),
        Kind::Vpc => ("#ffffff", "#8c4fff", "2.5", ""),
        Kind::Az => ("#ffffff", "#147eba", "1.5", "8 4"),
        Kind::PublicSubnet => ("#f2f6e8", "#7aa116", "1.5", ""),
        Kind::PrivateSubnet => ("#e6f6f7", "#00a4a6", "1.5", ""),
        Kind::Instance => ("#fff3e0", "#ed7100", "2", ""),
        Kind::Bridge => ("#ffffff", "#78909c", "1", "5 3"),
        Kind::Task => ("#fffdf7", "#bf5b00", "1.5", ""),
        Kind::Container => ("#ffffff", "#8d6e63", "1", ""),
        Kind::Unplaced => ("#ffebee", "#c62828", "2", "6 3"),
        Kind::Endpoint => ("#f3e5f5", "#8e24aa", "1.5", ""),
        Kind::LoadBalancer => ("#ede7f6", "#5e35b1", "1.5", ""),
        Kind::Groups => ("#fafafa", "#757575", "1", "5 3"),
        Kind::Group => ("#fff0f5", "#d81b60", "1.5", ""),
        Kind::Verdicts => ("#ffffff", "#37474f", "1", ""),
        Kind::Note => ("none", "none", "0", ""),
        Kind::Frame => ("none", "none", "0", ""),
    }
}

/// Verdict arrows: colour, width, dash.
pub(super) fn arrow(style: &str) -> (&'static str, i32, &'static str) {
    match style {
        "pass" => ("#2e7d32", 3, ""),
        "fail" => ("#c62828", 4, ""),
        "dnat" => ("#6a1b9a", 2, "3 3"),
        "proxy" => ("#5e35b1", 2, "6 3"),
        _ => ("#616161", 2, "9 5"),
    }
}

const LEGEND_ROW: i32 = 26;

/// The legend's entries as (x, row) placed within `width`, wrapping: the boxes first, then
/// the arrows, in the words of the tree's language.
fn legend_places(t: &Tree, width: i32) -> Vec<(i32, i32)> {
    let widths = t
        .legend
        .iter()
        .map(|(_, w)| 26 + text_width(w) + 18)
        .chain(t.legend_arrows.iter().map(|(_, w)| 42 + text_width(w) + 18));
    let (mut x, mut row, mut out) = (MARGIN, 0, vec![]);
    for w in widths {
        if x > MARGIN && x + w > width - MARGIN {
            x = MARGIN;
            row += 1;
        }
        out.push((x, row));
        x += w;
    }
    out
}

/// The canvas: the picture and, under it, the legend.
pub(super) fn canvas(l: &Layout) -> (i32, i32) {
    let rows = l.legend.last().map(|p| p.1 + 1).unwrap_or(0);
    (l.width, l.height + rows * LEGEND_ROW + 8)
}

fn legend(s: &mut String, t: &Tree, l: &Layout) {
    s.push_str("<g id=\"legend\">\n");
    let top = l.height;
    for ((kind, text), (x, row)) in t.legend.iter().zip(&l.legend) {
        let (fill, stroke, sw, dash) = style(*kind);
        let y = top + row * LEGEND_ROW;
        let dash = if dash.is_empty() { String::new() } else { format!(" stroke-dasharray=\"{dash}\"") };
        let _ = writeln!(
            s,
            "<rect x=\"{x}\" y=\"{y}\" width=\"20\" height=\"15\" rx=\"3\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{sw}\"{dash}/><text class=\"e\" x=\"{}\" y=\"{}\">{}</text>",
            x + 26,
            y + 13,
            xml(text)
        );
    }
    for ((st, text), (x, row)) in t.legend_arrows.iter().zip(&l.legend[t.legend.len().min(l.legend.len())..]) {
        let (c, w, dash) = arrow(st);
        let y = top + row * LEGEND_ROW + 8;
        let dash = if dash.is_empty() { String::new() } else { format!(" stroke-dasharray=\"{dash}\"") };
        let _ = writeln!(
            s,
            "<line x1=\"{x}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{c}\" stroke-width=\"{w}\"{dash} marker-end=\"url(#arrow-{st})\"/><text class=\"e\" x=\"{}\" y=\"{}\">{}</text>",
            x + 34,
            x + 42,
            y + 5,
            xml(text)
        );
    }
    s.push_str("</g>\n");
}

fn head(s: &mut String, l: &Layout, title: &str, proxy: bool) {
    let (w, h) = canvas(l);
    let _ =
        writeln!(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">");
    let _ = writeln!(s, "<title>{}</title>", xml(title));
    s.push_str("<defs>\n");
    let styles: &[&str] =
        if proxy { &["pass", "fail", "blocked", "dnat", "proxy"] } else { &["pass", "fail", "blocked", "dnat"] };
    for st in styles {
        let _ = writeln!(
            s,
            "<marker id=\"arrow-{st}\" markerWidth=\"4\" markerHeight=\"4\" refX=\"4\" refY=\"2\" orient=\"auto\" markerUnits=\"strokeWidth\"><polygon points=\"0 0, 4 2, 0 4\" fill=\"{}\"/></marker>",
            arrow(st).0
        );
    }
    s.push_str("</defs>\n<style>\n");
    let _ = writeln!(
        s,
        "text {{ font-family: 'DejaVu Sans Mono', Menlo, Consolas, 'IPAGothic', 'IPAexGothic', 'Noto Sans Mono CJK JP', 'Noto Sans CJK JP', 'TakaoGothic', 'VL Gothic', monospace; font-size: {FONT}px; fill: #212121; }}"
    );
    s.push_str(".t { font-weight: bold; }\n.e { fill: #37474f; }\n");
    s.push_str(".b { font-size: 11px; font-weight: bold; }\n</style>\n");
    let _ = writeln!(s, "<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>");
}

/// The HTML and SVG id of a named box.
pub(super) fn box_id(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

fn boxes(s: &mut String, t: &Tree, l: &Layout) {
    s.push_str("<g id=\"nodes\">\n");
    for (it, r) in t.items.iter().zip(&l.boxes) {
        if it.kind == Kind::Frame {
            continue;
        }
        if it.kind == Kind::Note {
            let c = arrow(it.tone).0;
            let (x, y) = (r.x + pad(Kind::Note), r.y + pad(Kind::Note) - 4);
            let _ = write!(s, "<text data-kind=\"Note\" fill=\"{c}\" x=\"{x}\" y=\"{y}\">");
            for line in &it.lines {
                let _ = write!(s, "<tspan x=\"{x}\" dy=\"{LINE_H}\">{}</tspan>", xml(line));
            }
            s.push_str("</text>\n");
            continue;
        }
        let (fill, stroke, sw, dash) = style(it.kind);
        let dash = if dash.is_empty() { String::new() } else { format!(" stroke-dasharray=\"{dash}\"") };
        let id = if it.name.is_empty() { String::new() } else { format!(" id=\"{}\"", xml(&box_id(&it.name))) };
        let _ = writeln!(
            s,
            "<rect{id} data-kind=\"{:?}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"5\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{sw}\"{dash}/>",
            it.kind, r.x, r.y, r.w, r.h
        );
        if it.lines.is_empty() {
            continue;
        }
        let _ = write!(s, "<text x=\"{}\" y=\"{}\">", r.x + PAD, r.y + PAD - 4);
        for (k, line) in it.lines.iter().enumerate() {
            let class = if k == 0 { " class=\"t\"" } else { "" };
            let _ = write!(s, "<tspan x=\"{}\" dy=\"{LINE_H}\"{class}>{}</tspan>", r.x + PAD, xml(line));
        }
        s.push_str("</text>\n");
    }
    s.push_str("</g>\n");
}

/// The rectangle a line of text covers, its baseline at (x, y).
fn text_rect(x: i32, y: i32, text: &str) -> Rect {
    Rect { x, y: y - FONT + 2, w: text_width(text), h: FONT + 2 }
}

/// The rectangles of every line of text in the boxes (where badges must not sit).
pub(super) fn line_rects(t: &Tree, l: &Layout) -> Vec<(usize, Rect)> {
    let mut out = vec![];
    for (i, (it, r)) in t.items.iter().zip(&l.boxes).enumerate() {
        let p = pad(it.kind);
        for (k, line) in it.lines.iter().enumerate() {
            out.push((i, text_rect(r.x + p, r.y + p - 4 + (k as i32 + 1) * LINE_H, line)));
        }
    }
    out
}

/// The point where the segment from `r`'s centre towards (tx, ty) leaves `r`.
fn border(r: &Rect, tx: i32, ty: i32) -> (i32, i32) {
    let (cx, cy) = (r.cx() as f64, r.cy() as f64);
    let (dx, dy) = (tx as f64 - cx, ty as f64 - cy);
    if dx == 0.0 && dy == 0.0 {
        return (r.cx(), r.cy());
    }
    let sx = if dx != 0.0 { (r.w as f64 / 2.0) / dx.abs() } else { f64::INFINITY };
    let sy = if dy != 0.0 { (r.h as f64 / 2.0) / dy.abs() } else { f64::INFINITY };
    let k = sx.min(sy).min(1.0);
    ((cx + dx * k).round() as i32, (cy + dy * k).round() as i32)
}

/// One arrow between two boxes.
pub(super) struct Arrow {
    pub from: usize,
    pub to: usize,
    /// `pass`, `fail`, `blocked`, `dnat`.
    pub style: &'static str,
    /// The verdict it draws: its badge shows the number (index + 1) of its line in the
    /// verdict panel, and the HTML page opens its explain on a click.
    pub verdict: usize,
    /// One end is drawn inside the other (a task calling its own instance, an instance's
    /// published port answered by its container): that end is the outer box's title row.
    pub nested: bool,
}

pub(super) const BADGE_R: i32 = 10;

/// Where each arrow's numbered badge goes: on its line, as near its head as it can sit
/// clear of every other badge and of every line of text; where the whole line runs over text,
/// clear of badges only (moved back along the line, then beside its start).
pub(super) fn badge_rects(t: &Tree, arrows: &[Arrow], l: &Layout) -> Vec<Rect> {
    let text = line_rects(t, l);
    let mut placed: Vec<Rect> = vec![];
    for a in arrows {
        let ((x1, y1), (x2, y2)) = ends(a, l);
        let len = (((x2 - x1) as f64).powi(2) + ((y2 - y1) as f64).powi(2)).sqrt().max(1.0);
        let at = |d: f64| {
            let k = (d / len).min(1.0);
            let (x, y) = (x2 as f64 - (x2 - x1) as f64 * k, y2 as f64 - (y2 - y1) as f64 * k);
            Rect { x: x as i32 - BADGE_R, y: y as i32 - BADGE_R, w: 2 * BADGE_R, h: 2 * BADGE_R }
        };
        // Only the text near this line can be in the way.
        let near = Rect {
            x: x1.min(x2) - 2 * BADGE_R,
            y: y1.min(y2) - 2 * BADGE_R,
            w: (x1 - x2).abs() + 4 * BADGE_R,
            h: (y1 - y2).abs() + 4 * BADGE_R,
        };
        let lines: Vec<&Rect> = text.iter().map(|(_, r)| r).filter(|r| r.overlaps(&near)).collect();
        let free = |r: &Rect| !placed.iter().any(|p| p.overlaps(r));
        let clear = |r: &Rect| free(r) && !lines.iter().any(|x| x.overlaps(r));
        let steps = ((len - 3.0 * BADGE_R as f64) / BADGE_R as f64).max(0.0) as usize;
        // On the line, or just beside it (a badge's width either side, across the line).
        let (nx, ny) = (-(y2 - y1) as f64 / len, (x2 - x1) as f64 / len);
        let beside = |r: Rect, k: f64| {
            let (dx, dy) = ((nx * k * BADGE_R as f64) as i32, (ny * k * BADGE_R as f64) as i32);
            Rect { x: r.x + dx, y: r.y + dy, ..r }
        };
        let on_line = (0..=steps).flat_map(|k| {
            let r = at(3.0 * BADGE_R as f64 + (k * BADGE_R as usize) as f64);
            [r, beside(r, 2.2), beside(r, -2.2)]
        });
        let r = on_line.clone().find(|r| clear(r)).unwrap_or_else(|| {
            let mut d = 3.0 * BADGE_R as f64;
            let mut r = at(d);
            while !free(&r) {
                d += BADGE_R as f64;
                r = at(d);
                if d > len {
                    r.y += ((d - len) / BADGE_R as f64) as i32 * BADGE_R;
                }
            }
            r
        });
        placed.push(r);
    }
    placed
}

fn ends(a: &Arrow, l: &Layout) -> ((i32, i32), (i32, i32)) {
    let (f, t) = (l.boxes[a.from], l.boxes[a.to]);
    if a.nested {
        // From (or to) the inner box's top, to (or from) the outer box's title row above it.
        let (outer, inner) = if f.contains(&t) { (f, t) } else { (t, f) };
        let x = inner.x + inner.w.min(2 * LINE_H) / 2;
        let title = (x, outer.y + PAD + LINE_H / 2 + 2);
        let top = (x, inner.y);
        return if f.contains(&t) { (title, top) } else { (top, title) };
    }
    (border(&f, t.cx(), t.cy()), border(&t, f.cx(), f.cy()))
}

fn links(s: &mut String, t: &Tree, l: &Layout) {
    s.push_str("<g id=\"links\" fill=\"none\">\n");
    for &(a, b) in &t.links {
        let (ra, rb) = (l.boxes[a], l.boxes[b]);
        // Side by side: a level line between facing sides; else down from the upper box.
        let d = if ra.bottom() > rb.y && rb.bottom() > ra.y {
            let y = ra.cy().max(rb.y + 10).min(rb.bottom() - 10);
            format!("{},{y} {},{y}", ra.right(), rb.x)
        } else {
            let x = ra.cx().clamp(rb.x + 10, rb.right() - 10);
            format!("{x},{} {x},{}", ra.bottom(), rb.y)
        };
        let _ = writeln!(s, "<polyline points=\"{d}\" stroke=\"#5e35b1\" stroke-width=\"2.5\"/>");
    }
    s.push_str("</g>\n");
}

fn arrows(s: &mut String, t: &Tree, arrows: &[Arrow], l: &Layout) {
    s.push_str("<g id=\"verdicts\">\n");
    for a in arrows {
        let ((x1, y1), (x2, y2)) = ends(a, l);
        let (c, w, dash) = arrow(a.style);
        let dash = if dash.is_empty() { String::new() } else { format!(" stroke-dasharray=\"{dash}\"") };
        let _ = writeln!(
            s,
            "<line data-verdict=\"{}\" x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"{c}\" stroke-width=\"{w}\" stroke-opacity=\"0.85\"{dash} marker-end=\"url(#arrow-{})\"/>",
            a.verdict, a.style
        );
    }
    // Badges over every line, so that no line hides a number.
    for (a, r) in arrows.iter().zip(badge_rects(t, arrows, l)) {
        let c = arrow(a.style).0;
        let n = (a.verdict + 1).to_string();
        let _ = writeln!(
            s,
            "<g data-verdict=\"{}\"><circle cx=\"{}\" cy=\"{}\" r=\"{BADGE_R}\" fill=\"#ffffff\" stroke=\"{c}\" stroke-width=\"2\"/><text class=\"b\" x=\"{}\" y=\"{}\" fill=\"{c}\">{n}</text></g>",
            a.verdict,
            r.cx(),
            r.cy(),
            r.cx() - text_width(&n) * 11 / FONT / 2,
            r.cy() + 4,
        );
    }
    s.push_str("</g>\n");
}

/// The whole picture as one SVG document.
pub(super) fn render(title: &str, t: &Tree, verdicts: &[Arrow]) -> String {
    let l = layout(t);
    let mut s = String::with_capacity(t.items.len() * 400 + verdicts.len() * 200 + 4096);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    // The load balancer arrow's marker only where the legend has it (labs with one).
    let proxy = t.legend_arrows.iter().any(|(st, _)| *st == "proxy");
    head(&mut s, &l, title, proxy);
    boxes(&mut s, t, &l);
    links(&mut s, t, &l);
    arrows(&mut s, t, verdicts, &l);
    legend(&mut s, t, &l);
    s.push_str("</svg>\n");
    s
}
