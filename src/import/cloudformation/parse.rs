//! Template text -> a tree: JSON through serde_json, YAML through yaml_rust2's event parser so
//! that CloudFormation's short-form tags (`!Ref`, `!GetAtt A.B`, `!Sub ...`) are kept and
//! turned into the long forms (`{"Ref": ...}`, `{"Fn::GetAtt": [A, B]}`) the resolver reads.
//!
//! Scalars follow CloudFormation's YAML 1.1 reading: unquoted `yes/no/on/off` (any of the
//! usual three casings) are booleans like `true/false`, as the CloudFormation service does
//! (aws-cli quotes them when packaging for that reason, aws/aws-cli#5257; a tag `Value: YES`
//! is deployed as "true"). `y`/`n` stay strings (SnakeYAML and PyYAML do not read them as
//! booleans). Numbers are kept as written. Aliases are refused, as CloudFormation does.

use crate::import::resource::ImportError;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// The deepest nesting read (maps and lists); deeper is refused rather than recursed into.
pub const MAX_DEPTH: usize = 64;

/// A template's value before resolution.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A scalar's text (strings, numbers, booleans as CloudFormation passes them on).
    pub fn text(&self) -> Option<String> {
        match self {
            Node::Str(s) | Node::Num(s) => Some(s.clone()),
            Node::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

/// The template's text as a tree: JSON when it opens with `{`, else YAML.
pub fn parse(text: &str) -> Result<Node, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        return from_json(text);
    }
    let mut b = Builder::default();
    let mut p = Parser::new_from_str(text);
    let loaded = p.load(&mut b, false);
    // The builder's own error (too deep, an alias, a bad tag) came first: the parser went on.
    if let Some(e) = b.error {
        return Err(e);
    }
    if let Err(e) = loaded {
        let m = e.marker();
        // The scanner's own bound on flow nesting (`[[[[...`): the same refusal as ours.
        if e.info() == "recursion limit exceeded" {
            return Err(ImportError(format!("YAML error at line {}:{}: {}", m.line(), m.col() + 1, too_deep().0)));
        }
        return Err(ImportError(format!("YAML error at line {}:{}: {}", m.line(), m.col() + 1, e.info())));
    }
    Ok(b.root.unwrap_or(Node::Null))
}

/// JSON read through serde's visitor, not `serde_json::Value`, whose maps sort their keys:
/// the properties keep the order written. Depth counted by the seed.
struct Json(usize);

impl<'de> DeserializeSeed<'de> for Json {
    type Value = Node;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Json {
    type Value = Node;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Node, E> {
        Ok(Node::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Node, E> {
        Ok(Node::Num(n.to_string()))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Node, E> {
        Ok(Node::Num(n.to_string()))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Node, E> {
        Ok(Node::Num(n.to_string()))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Node, E> {
        Ok(Node::Str(s.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
        if self.0 >= MAX_DEPTH {
            return Err(de::Error::custom(too_deep().0));
        }
        let mut l = vec![];
        while let Some(x) = a.next_element_seed(Json(self.0 + 1))? {
            l.push(x);
        }
        Ok(Node::List(l))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
        if self.0 >= MAX_DEPTH {
            return Err(de::Error::custom(too_deep().0));
        }
        let mut m = vec![];
        while let Some(k) = a.next_key::<String>()? {
            m.push((k, a.next_value_seed(Json(self.0 + 1))?));
        }
        Ok(Node::Map(m))
    }
}

fn from_json(text: &str) -> Result<Node, ImportError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let err = |e: serde_json::Error| ImportError(format!("JSON error at line {}:{}: {e}", e.line(), e.column()));
    let node = Json(0).deserialize(&mut de).map_err(err)?;
    de.end().map_err(err)?;
    Ok(node)
}

fn too_deep() -> ImportError {
    ImportError(format!("the template nests deeper than {MAX_DEPTH} levels"))
}

/// A map or list being built, with the tag it was opened with.
enum Frame {
    List(Vec<Node>, Option<Tag>),
    Map(Vec<(String, Node)>, Option<String>, Option<Tag>),
}

/// Builds the tree from the parser's events; the first error stops it (later events ignored).
#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Node>,
    error: Option<ImportError>,
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.event(ev, mark) {
            self.error = Some(e);
        }
    }
}

impl Builder {
    fn event(&mut self, ev: Event, mark: Marker) -> Result<(), ImportError> {
        let at = |what: &str| ImportError(format!("YAML error at line {}:{}: {what}", mark.line(), mark.col() + 1));
        match ev {
            Event::Alias(_) => Err(at("aliases (*name) are not supported by CloudFormation")),
            Event::Scalar(s, style, _, tag) => {
                let node = scalar(s, style, tag.as_ref());
                let node = short_form(node, tag.as_ref()).map_err(|e| at(&e))?;
                self.push(node).map_err(|e| at(&e))
            }
            Event::SequenceStart(_, tag) | Event::MappingStart(_, tag) if self.stack.len() >= MAX_DEPTH => {
                let _ = tag;
                Err(too_deep())
            }
            Event::SequenceStart(_, tag) => {
                self.stack.push(Frame::List(vec![], tag));
                Ok(())
            }
            Event::MappingStart(_, tag) => {
                self.stack.push(Frame::Map(vec![], None, tag));
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, tag) = match self.stack.pop() {
                    Some(Frame::List(l, tag)) => (Node::List(l), tag),
                    Some(Frame::Map(m, _, tag)) => (Node::Map(m), tag),
                    None => return Ok(()),
                };
                let node = short_form(node, tag.as_ref()).map_err(|e| at(&e))?;
                self.push(node).map_err(|e| at(&e))
            }
            _ => Ok(()),
        }
    }

    /// A finished node goes into its parent (as a key, a value or an element) or is the root.
    fn push(&mut self, node: Node) -> Result<(), String> {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::List(l, _)) => l.push(node),
            Some(Frame::Map(m, key, _)) => match key.take() {
                Some(k) => m.push((k, node)),
                None => match node {
                    Node::Str(k) | Node::Num(k) => *key = Some(k),
                    Node::Bool(b) => *key = Some(b.to_string()),
                    Node::Null => *key = Some(String::new()),
                    _ => return Err("a map key must be a plain value".into()),
                },
            },
        }
        Ok(())
    }
}

/// A scalar typed as YAML 1.1 does for CloudFormation (see the module's comment).
fn scalar(s: String, style: TScalarStyle, tag: Option<&Tag>) -> Node {
    if let Some(t) = tag {
        if t.handle == "tag:yaml.org,2002:" && t.suffix == "str" || t.handle == "!" {
            return Node::Str(s);
        }
    }
    if style != TScalarStyle::Plain {
        return Node::Str(s);
    }
    match s.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => Node::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Node::Bool(true),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Node::Bool(false),
        _ if is_number(&s) => Node::Num(s),
        _ => Node::Str(s),
    }
}

/// `80`, `-1`, `0.5`, `1e3`, `0x1F`: a number, kept as written.
fn is_number(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    if let Some(h) = t.strip_prefix("0x") {
        return !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit());
    }
    let (mant, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let digits = mant.chars().filter(|c| c.is_ascii_digit()).count();
    let mant_ok = digits > 0 && mant.chars().all(|c| c.is_ascii_digit() || c == '.') && mant.matches('.').count() <= 1;
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    mant_ok && exp_ok
}

/// The functions with a short form: `!Sub x` is `{"Fn::Sub": x}`.
const FN_TAGS: &[&str] = &[
    "Sub",
    "Join",
    "Select",
    "Split",
    "GetAZs",
    "If",
    "Equals",
    "And",
    "Or",
    "Not",
    "FindInMap",
    "Base64",
    "ImportValue",
    "Cidr",
    "Length",
    "ToJsonString",
    "Transform",
];

/// A node with a CloudFormation short-form tag, in its long form.
fn short_form(node: Node, tag: Option<&Tag>) -> Result<Node, String> {
    let Some(tag) = tag.filter(|t| t.handle == "!") else {
        return Ok(node);
    };
    let one = |k: &str, v: Node| Node::Map(vec![(k.to_string(), v)]);
    Ok(match tag.suffix.as_str() {
        "Ref" => one("Ref", node),
        "Condition" => one("Condition", node),
        "GetAtt" => match node {
            Node::Str(s) => {
                let (res, attr) =
                    s.split_once('.').ok_or_else(|| format!("!GetAtt {s}: expected Resource.Attribute"))?;
                one("Fn::GetAtt", Node::List(vec![Node::Str(res.into()), Node::Str(attr.into())]))
            }
            n => one("Fn::GetAtt", n),
        },
        f if FN_TAGS.contains(&f) => one(&format!("Fn::{f}"), node),
        other => return Err(format!("unknown tag !{other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Node {
        Node::Str(x.into())
    }

    #[test]
    fn short_tags_become_long_forms() {
        let y = "a: !Ref X\nb: !GetAtt R.Arn\nc: !GetAtt [R, Outputs.Y]\nd: !Sub 'x-${A}'\ne: !Condition C\nf: !GetAZs ''\n";
        let n = parse(y).unwrap();
        assert_eq!(n.get("a"), Some(&Node::Map(vec![("Ref".into(), s("X"))])));
        let getatt = Node::Map(vec![("Fn::GetAtt".into(), Node::List(vec![s("R"), s("Arn")]))]);
        assert_eq!(n.get("b"), Some(&getatt));
        assert_eq!(n.get("c"), Some(&Node::Map(vec![("Fn::GetAtt".into(), Node::List(vec![s("R"), s("Outputs.Y")]))])));
        assert_eq!(n.get("d"), Some(&Node::Map(vec![("Fn::Sub".into(), s("x-${A}"))])));
        assert_eq!(n.get("e"), Some(&Node::Map(vec![("Condition".into(), s("C"))])));
        assert_eq!(n.get("f"), Some(&Node::Map(vec![("Fn::GetAZs".into(), s(""))])));
    }

    #[test]
    fn yaml_and_json_give_the_same_tree() {
        let y = "Z: 0\nA:\n  - 1\n  - true\n  - x\n  - null\n  - -2\n";
        let j = r#"{"Z": 0, "A": [1, true, "x", null, -2]}"#;
        assert_eq!(parse(y).unwrap(), parse(j).unwrap());
    }

    #[test]
    fn yaml_1_1_booleans_and_quoted_strings() {
        let n = parse("a: yes\nb: Off\nc: 'yes'\nd: y\ne: 2010-09-09\nf: 0.5\ng: '80'\nh: !!str 80\n").unwrap();
        assert_eq!(n.get("a"), Some(&Node::Bool(true)));
        assert_eq!(n.get("b"), Some(&Node::Bool(false)));
        assert_eq!(n.get("c"), Some(&s("yes")));
        assert_eq!(n.get("d"), Some(&s("y")));
        assert_eq!(n.get("e"), Some(&s("2010-09-09")));
        assert_eq!(n.get("f"), Some(&Node::Num("0.5".into())));
        assert_eq!(n.get("g"), Some(&s("80")));
        assert_eq!(n.get("h"), Some(&s("80")));
    }

    #[test]
    fn malformed_yaml_is_located() {
        let e = parse("Resources:\n  A: [1, 2\n  B: x\n").unwrap_err();
        assert!(e.0.starts_with("YAML error at line "), "{e}");
        let e = parse("a: b\n c: d\n").unwrap_err();
        assert!(e.0.contains("line 2:"), "{e}");
        let e = parse("a: !Foo x\n").unwrap_err();
        assert!(e.0.starts_with("YAML error at line 1:") && e.0.ends_with("unknown tag !Foo"), "{e}");
        let e = parse("a: &x 1\nb: *x\n").unwrap_err();
        assert!(e.0.contains("aliases"), "{e}");
        let e = parse("{\"a\": [1,}").unwrap_err();
        assert!(e.0.starts_with("JSON error at line 1:"), "{e}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("a: {}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(&deep).unwrap_err().0.contains("deeper than 64"));
        let deep = format!("{}{}", "{\"a\":".repeat(100), "1".to_string() + &"}".repeat(100));
        assert!(parse(&deep).is_err());
        let ok = format!("{}{}", "[".repeat(60), "]".repeat(60));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn numbers() {
        for n in ["80", "-1", "0.5", "1e3", "0x1F", "+2"] {
            assert!(is_number(n), "{n}");
        }
        for n in ["", ".", "1.2.3", "e3", "1e", "10.0.0.0/16", "-"] {
            assert!(!is_number(n), "{n}");
        }
    }
}
