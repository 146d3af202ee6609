//! The scenario as written: an ordered tree whose list items and map entries may carry a
//! comment (where they came from), emitted as block-style YAML that `ecsnet validate` reads
//! back exactly (strings quoted where YAML would read them as something else).

/// A YAML value to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Str(String),
    /// A number, written as is (`8080`, `0.5`).
    Num(String),
    Bool(bool),
    /// A multi-line text (a policy document): written as a `|` block.
    Text(String),
    List(Vec<Item>),
    Map(Vec<(String, Item)>),
}

/// A node and the comment lines written above it (`# from aws_security_group.web`).
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub comment: Vec<String>,
    pub node: Node,
}

impl From<Node> for Item {
    fn from(node: Node) -> Self {
        Item { comment: vec![], node }
    }
}

impl Node {
    pub fn str(s: impl Into<String>) -> Node {
        Node::Str(s.into())
    }

    pub fn num(n: impl ToString) -> Node {
        Node::Num(n.to_string())
    }

    /// A map from `(key, node)` pairs, without comments.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Node)>) -> Node {
        Node::Map(entries.into_iter().map(|(k, v)| (k.into(), Item::from(v))).collect())
    }

    pub fn list(items: impl IntoIterator<Item = Node>) -> Node {
        Node::List(items.into_iter().map(Item::from).collect())
    }

    /// This node with a comment above it.
    pub fn with_comment(self, line: impl Into<String>) -> Item {
        Item { comment: vec![line.into()], node: self }
    }
}

/// The document: a top-level map, each entry with its comments.
pub fn emit(top: &[(String, Item)]) -> String {
    let mut out = String::new();
    map_entries(&mut out, top, 0);
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn comments(out: &mut String, lines: &[String], at: usize) {
    for l in lines {
        for part in l.lines() {
            indent(out, at);
            out.push_str("# ");
            out.push_str(part);
            out.push('\n');
        }
    }
}

fn map_entries(out: &mut String, entries: &[(String, Item)], at: usize) {
    for (i, (k, item)) in entries.iter().enumerate() {
        // Inside a list item the first key follows `- ` on the same line (its comment was
        // written above the dash).
        if !(i == 0 && out.ends_with("- ")) {
            comments(out, &item.comment, at);
            indent(out, at);
        }
        out.push_str(&scalar_key(k));
        out.push(':');
        value_after_key(out, &item.node, at);
    }
}

fn value_after_key(out: &mut String, node: &Node, at: usize) {
    match node {
        Node::Map(m) if m.is_empty() => out.push_str(" {}\n"),
        Node::List(l) if l.is_empty() => out.push_str(" []\n"),
        Node::Map(m) => {
            out.push('\n');
            map_entries(out, m, at + 2);
        }
        Node::List(l) => {
            out.push('\n');
            list_items(out, l, at + 2);
        }
        Node::Text(t) => block_text(out, t, at + 2),
        n => {
            out.push(' ');
            out.push_str(&scalar(n));
            out.push('\n');
        }
    }
}

fn list_items(out: &mut String, items: &[Item], at: usize) {
    for item in items {
        comments(out, &item.comment, at);
        indent(out, at);
        out.push_str("- ");
        match &item.node {
            Node::Map(m) if !m.is_empty() => {
                // The first entry's own comment goes above the dash.
                if !m[0].1.comment.is_empty() {
                    out.truncate(out.len() - at - 2);
                    comments(out, &m[0].1.comment, at);
                    indent(out, at);
                    out.push_str("- ");
                }
                map_entries(out, m, at + 2);
            }
            Node::List(l) if !l.is_empty() => {
                out.push('\n');
                list_items(out, l, at + 2);
            }
            Node::Map(_) => out.push_str("{}\n"),
            Node::List(_) => out.push_str("[]\n"),
            Node::Text(t) => {
                out.truncate(out.len() - 1);
                block_text(out, t, at + 2);
            }
            n => {
                out.push_str(&scalar(n));
                out.push('\n');
            }
        }
    }
}

fn block_text(out: &mut String, t: &str, at: usize) {
    // `|-` keeps the text without its last newline, `|` with one.
    out.push_str(if t.ends_with('\n') { " |\n" } else { " |-\n" });
    for line in t.lines() {
        if !line.is_empty() {
            indent(out, at);
            out.push_str(line);
        }
        out.push('\n');
    }
}

fn scalar(n: &Node) -> String {
    match n {
        Node::Str(s) => quoted_if_needed(s),
        Node::Num(s) => s.clone(),
        Node::Bool(b) => b.to_string(),
        // A text as a scalar only inside flow context, which the emitter never writes.
        Node::Text(t) => double_quoted(t),
        Node::List(_) | Node::Map(_) => String::new(),
    }
}

fn scalar_key(k: &str) -> String {
    quoted_if_needed(k)
}

/// A string as YAML reads it back as the same string: plain when that is safe, else
/// double-quoted.
pub fn quoted_if_needed(s: &str) -> String {
    if plain_ok(s) { s.to_string() } else { double_quoted(s) }
}

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else { return false };
    if s.trim() != s || s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) && !(first == '-' && s.len() > 1 && !s.starts_with("- ")) {
        return false;
    }
    if s.chars().any(|c| c.is_control()) || s.contains(['{', '}', '[', ']', ',']) {
        return false;
    }
    !looks_like_other_type(s)
}

/// Would YAML 1.2's core schema (or 1.1's booleans) read this as a number, boolean or null?
fn looks_like_other_type(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    if matches!(
        l.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~" | ".inf" | "-.inf" | ".nan"
    ) {
        return true;
    }
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    let numeric =
        !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '_' || c == 'e' || c == 'E');
    numeric && t.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '.')
        || t.starts_with("0x")
        || t.starts_with("0o")
}

fn double_quoted(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            c if c.is_control() => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Vec<(String, Item)> {
        vec![
            ("version".into(), Node::num(1).into()),
            ("name".into(), Node::str("web").into()),
            (
                "vpc".into(),
                Node::map([
                    ("cidr", Node::str("10.0.0.0/16")),
                    (
                        "subnets",
                        Node::List(vec![
                            Node::map([("name", Node::str("a")), ("cidr", Node::str("10.0.0.0/24"))])
                                .with_comment("from aws_subnet.a"),
                        ]),
                    ),
                ])
                .into(),
            ),
            ("policy".into(), Node::Text("{\n  \"Version\": \"2012-10-17\"\n}".into()).into()),
            ("ports".into(), Node::list([Node::str("443"), Node::str("true"), Node::str("a: b")]).into()),
        ]
    }

    #[test]
    fn a_document_reads_back_as_written() {
        let text = emit(&doc());
        assert_eq!(
            text,
            "version: 1\nname: web\nvpc:\n  cidr: 10.0.0.0/16\n  subnets:\n    # from aws_subnet.a\n    - name: a\n      cidr: 10.0.0.0/24\npolicy: |-\n  {\n    \"Version\": \"2012-10-17\"\n  }\nports:\n  - \"443\"\n  - \"true\"\n  - \"a: b\"\n"
        );
        let back = yaml_rust2::YamlLoader::load_from_str(&text).unwrap();
        assert_eq!(back[0]["ports"][0].as_str(), Some("443"));
        assert_eq!(back[0]["vpc"]["subnets"][0]["cidr"].as_str(), Some("10.0.0.0/24"));
        assert_eq!(back[0]["policy"].as_str(), Some("{\n  \"Version\": \"2012-10-17\"\n}"));
    }

    #[test]
    fn strings_that_yaml_would_retype_are_quoted() {
        for s in
            ["", "1", "-1", "0.5", "yes", "No", "null", "~", "- a", "#x", "a #b", "*x", "&a", "a:", "[x]", "x,y", " a"]
        {
            assert!(quoted_if_needed(s).starts_with('"'), "{s:?}");
        }
        for s in ["a", "10.0.0.0/16", "sg/web", "-x", "arn:aws:iam::123456789012:role/x", "ap-northeast-1a", "1.0.0a"] {
            assert_eq!(quoted_if_needed(s), s);
        }
    }
}
