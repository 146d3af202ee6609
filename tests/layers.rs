//! The architecture, checked: the crate's top-level modules are layers, and a module may use
//! only the layers below it (never one above, never a sibling of its own layer); and no two
//! modules use each other in a circle. Read from the `crate::` and `super::` paths of every
//! file under src/ (comments excluded), so it needs neither root nor a build.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// From the bottom up; modules on one line are siblings and must not use each other.
const LAYERS: &[&[&str]] = &[
    &["i18n"],
    &["scenario"],
    &["import", "model"],
    &["plan", "analyze"],
    &["sys"],
    &["dataplane"],
    &["services"],
    &["probe"],
    &["judge"],
    &["check"],
    &["views", "report", "graph"],
    &["cli"],
];

fn rank(top: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&top))
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/a/b.rs` -> ["a", "b"]; `src/a/mod.rs` -> ["a"]; `src/lib.rs` -> [].
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The code of a file without comments (doc links name modules they do not use).
fn code(text: &str) -> String {
    text.lines().map(|l| if l.trim_start().starts_with("//") { "" } else { l }).collect::<Vec<_>>().join("\n")
}

/// Expand a `use` tree (`crate::{a, b::{c, d}}`) into its paths.
fn use_paths(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else { return vec![tree] };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = vec![];
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).flat_map(|p| use_paths(&format!("{prefix}{p}"))).collect()
}

/// Every module path a file refers to, absolute from the crate root.
fn references(module: &[String], text: &str) -> Vec<Vec<String>> {
    let text = code(text);
    let mut paths: Vec<String> = vec![];
    let use_re = regex::Regex::new(r"(?s)\buse\s+((?:crate|super|self)\b[^;]*);").unwrap();
    for c in use_re.captures_iter(&text) {
        paths.extend(use_paths(&c[1]));
    }
    let path_re = regex::Regex::new(r"\b(?:crate|(?:super::)+super|super)(?:::[A-Za-z_][A-Za-z0-9_]*)+").unwrap();
    for m in path_re.find_iter(&text) {
        paths.push(m.as_str().to_string());
    }
    let mut out = vec![];
    for p in paths {
        let segs: Vec<&str> = p.split("::").collect();
        let mut abs: Vec<String> = vec![];
        let mut i = 0;
        match segs.first() {
            Some(&"crate") => i = 1,
            Some(&"super") => {
                abs = module.to_vec();
                // A file's own module is its path; `super` is the parent of that.
                while segs.get(i) == Some(&"super") {
                    abs.pop();
                    i += 1;
                }
            }
            Some(&"self") => {
                abs = module.to_vec();
                i = 1;
            }
            _ => continue,
        }
        abs.extend(segs[i..].iter().map(|s| s.to_string()));
        out.push(abs);
    }
    out
}

/// The longest prefix of `path` that is a module of the crate.
fn resolve(path: &[String], modules: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| modules.contains(p))
}

fn graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut files = vec![];
    rust_files(&src(), &mut files);
    files.retain(|f| !f.ends_with("main.rs"));
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(f)).collect();
    let mut g: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for f in &files {
        let m = module_of(f);
        let text = std::fs::read_to_string(f).unwrap();
        let entry = g.entry(m.clone()).or_default();
        for r in references(&m, &text) {
            if let Some(t) = resolve(&r, &modules) {
                if t != m && !t.is_empty() {
                    entry.insert(t);
                }
            }
        }
    }
    g
}

#[test]
fn layers_only_point_down() {
    let mut bad = vec![];
    for (from, tos) in graph() {
        let Some(top) = from.first() else { continue };
        let Some(rf) = rank(top) else {
            bad.push(format!("src/{top}: not a layer; add it to LAYERS in tests/layers.rs and to the README"));
            continue;
        };
        for to in tos {
            let (Some(tt), Some(rt)) = (to.first(), to.first().and_then(|t| rank(t))) else { continue };
            if tt == top {
                continue;
            }
            if rt >= rf {
                let what = if rt == rf { "a sibling layer" } else { "a layer above" };
                bad.push(format!("{} uses {} ({what})", from.join("::"), to.join("::")));
            }
        }
    }
    assert!(bad.is_empty(), "upward or sideways imports:\n  {}", bad.join("\n  "));
}

#[test]
fn no_module_circles() {
    // A file may use its parent module's shared types (`super::Lab`): that edge is not part of a
    // circle. Every other edge counts.
    let g = graph();
    let edges: BTreeMap<Vec<String>, Vec<Vec<String>>> = g
        .iter()
        .map(|(from, tos)| (from.clone(), tos.iter().filter(|t| !from.starts_with(t)).cloned().collect()))
        .collect();
    // Tarjan's strongly connected components.
    struct T<'a> {
        e: &'a BTreeMap<Vec<String>, Vec<Vec<String>>>,
        idx: BTreeMap<Vec<String>, usize>,
        low: BTreeMap<Vec<String>, usize>,
        stack: Vec<Vec<String>>,
        on: BTreeSet<Vec<String>>,
        next: usize,
        sccs: Vec<Vec<Vec<String>>>,
    }
    fn visit(t: &mut T, v: &Vec<String>) {
        t.idx.insert(v.clone(), t.next);
        t.low.insert(v.clone(), t.next);
        t.next += 1;
        t.stack.push(v.clone());
        t.on.insert(v.clone());
        for w in t.e.get(v).cloned().unwrap_or_default() {
            if !t.idx.contains_key(&w) {
                visit(t, &w);
                let l = t.low[&w].min(t.low[v]);
                t.low.insert(v.clone(), l);
            } else if t.on.contains(&w) {
                let l = t.idx[&w].min(t.low[v]);
                t.low.insert(v.clone(), l);
            }
        }
        if t.low[v] == t.idx[v] {
            let mut c = vec![];
            while let Some(w) = t.stack.pop() {
                t.on.remove(&w);
                let done = w == *v;
                c.push(w);
                if done {
                    break;
                }
            }
            if c.len() > 1 {
                t.sccs.push(c);
            }
        }
    }
    let mut t = T {
        e: &edges,
        idx: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        on: BTreeSet::new(),
        next: 0,
        sccs: vec![],
    };
    for v in edges.keys() {
        if !t.idx.contains_key(v) {
            visit(&mut t, v);
        }
    }
    let circles: Vec<String> =
        t.sccs.iter().map(|c| c.iter().map(|m| m.join("::")).collect::<Vec<_>>().join(" <-> ")).collect();
    assert!(circles.is_empty(), "modules that use each other in a circle:\n  {}", circles.join("\n  "));
}

#[test]
fn the_checker_sees_what_it_must() {
    let m: Vec<String> = vec!["services".into(), "agent".into()];
    let refs =
        references(&m, "use super::{task_metadata::{self, X}, responder};\nfn f() { crate::dataplane::state::x(); }");
    let show: Vec<String> = refs.iter().map(|r| r.join("::")).collect();
    assert!(show.contains(&"services::task_metadata::self".to_string()), "{show:?}");
    assert!(show.contains(&"services::responder".to_string()), "{show:?}");
    assert!(show.contains(&"dataplane::state::x".to_string()), "{show:?}");
    assert!(references(&m, "// use crate::cli;").is_empty());
}
