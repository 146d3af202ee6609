//! The JSON Schema (draft-07) of the scenario file, built from the field tables the parser
//! itself uses, so that an editor (a YAML language server) checks and completes what ecsnet
//! reads. It describes the shapes; rules that need the whole file (references, addresses,
//! network modes) are `ecsnet validate`'s.

use super::document;
use super::fields::{Field, Presence, Rule, Shape, Table, Variant};
use serde_json::{Map, Value, json};

const IPV4: &str = "^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$";
const CIDR: &str = "^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])/([0-9]|[12][0-9]|3[0-2])$";

/// The schema of a scenario file.
pub fn json_schema() -> Value {
    schema_of(&document::TABLE, "ecsnet scenario (format version 1)")
}

/// The schema of an expectations file (`ecsnet test SCENARIO --expect FILE`).
pub fn expectations_schema() -> Value {
    schema_of(&super::expect_file::TABLE, "ecsnet expectations file")
}

/// The schema whose top level is `top`, with every table it reaches as a definition.
fn schema_of(top: &Table, title: &str) -> Value {
    let mut definitions = Map::new();
    for field in top.fields {
        collect(&field.shape, &mut definitions);
    }
    let mut schema = match table(top) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    schema.insert("$schema".into(), json!("http://json-schema.org/draft-07/schema#"));
    schema.insert("title".into(), json!(title));
    schema.insert("definitions".into(), Value::Object(definitions));
    Value::Object(schema)
}

/// The schema as pretty-printed JSON (what `ecsnet schema` prints).
pub fn schema_text() -> String {
    serde_json::to_string_pretty(&json_schema()).unwrap_or_default()
}

/// The expectations file's schema as pretty-printed JSON (`ecsnet schema --expect`).
pub fn expectations_schema_text() -> String {
    serde_json::to_string_pretty(&expectations_schema()).unwrap_or_default()
}

/// Every table reachable from a shape, by id.
fn collect(shape: &Shape, out: &mut Map<String, Value>) {
    let add = |t: &Table, out: &mut Map<String, Value>| {
        if !out.contains_key(t.id) {
            out.insert(t.id.to_string(), table(t));
            for f in t.fields {
                collect(&f.shape, out);
            }
        }
    };
    match shape {
        Shape::Block(t) => add(t, out),
        Shape::Variants(vs) => vs.iter().for_each(|v| add(v.table, out)),
        Shape::List(s) => collect(s, out),
        Shape::AnyOf(ss) => ss.iter().for_each(|s| collect(s, out)),
        _ => {}
    }
}

fn table(t: &Table) -> Value {
    let properties: Map<String, Value> = t.fields.iter().map(|f| (f.name.to_string(), field(f))).collect();
    let required: Vec<&str> = t.fields.iter().filter(|f| f.presence == Presence::Required).map(|f| f.name).collect();
    let mut s = json!({
        "type": "object",
        "description": t.doc,
        "properties": properties,
        "required": required,
        "additionalProperties": !t.strict,
    });
    if !t.rules.is_empty() {
        s["allOf"] = Value::Array(t.rules.iter().map(rule).collect());
    }
    s
}

fn field(f: &Field) -> Value {
    let mut s = shape(&f.shape);
    if s.get("$ref").is_some() {
        // Keywords beside `$ref` are ignored in draft-07: keep the description on a wrapper.
        s = json!({ "allOf": [s] });
    }
    s["description"] = json!(f.doc);
    if let Some(d) = f.default.and_then(|d| serde_json::from_str::<Value>(d).ok()) {
        s["default"] = d;
    }
    s
}

fn shape(shape: &Shape) -> Value {
    let digits = json!({ "type": "string", "pattern": "^[0-9]+$" });
    match shape {
        Shape::Text => json!({ "type": "string" }),
        Shape::Name => json!({ "type": "string", "pattern": "^[a-z0-9-]{1,40}$" }),
        Shape::EcsName => json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]{1,255}$" }),
        Shape::Pattern(p) => json!({ "type": "string", "pattern": p }),
        Shape::AnyOf(ss) => json!({ "anyOf": ss.iter().map(self::shape).collect::<Vec<_>>() }),
        Shape::Bool => json!({ "type": "boolean" }),
        Shape::Int { min, max } => {
            json!({ "anyOf": [{ "type": "integer", "minimum": min, "maximum": max }, digits] })
        }
        Shape::Enum(words) => json!({ "enum": enum_values(words) }),
        Shape::Ipv4 => json!({ "type": "string", "format": "ipv4", "pattern": IPV4 }),
        Shape::Cidr => json!({ "type": "string", "pattern": CIDR }),
        Shape::PortRange => json!({ "anyOf": [
            { "type": "integer", "minimum": 0, "maximum": 65535 },
            { "type": "string", "pattern": "^[0-9]{1,5}(-[0-9]{1,5})?$" },
        ] }),
        Shape::PortProto => json!({ "anyOf": [
            { "type": "integer", "minimum": 1, "maximum": 65535 },
            { "type": "string", "pattern": "^[0-9]{1,5}(/(tcp|udp))?$" },
        ] }),
        Shape::List(s) => json!({ "type": "array", "items": self::shape(s) }),
        Shape::Block(t) => reference(t),
        Shape::Variants(vs) => variants(vs),
        Shape::TextMap => {
            json!({ "type": "object", "additionalProperties": { "type": ["string", "number", "boolean"] } })
        }
        Shape::Any => json!({}),
    }
}

/// The words, and the numbers among them as numbers too (YAML reads `-1` and `1` as numbers;
/// ecsnet reads them as the words).
fn enum_values(words: &[&str]) -> Vec<Value> {
    let mut out: Vec<Value> = words.iter().map(|w| json!(w)).collect();
    out.extend(words.iter().filter_map(|w| w.parse::<i64>().ok()).map(|n| json!(n)));
    out
}

fn reference(t: &Table) -> Value {
    json!({ "$ref": format!("#/definitions/{}", t.id) })
}

/// `if` the entry has one of the first variant's keys `then` it is that block, `else` the same
/// for the next variants; the last one is the default.
fn variants(vs: &[Variant]) -> Value {
    let Some((last, rest)) = vs.split_last() else { return json!({}) };
    let mut s = reference(last.table);
    for v in rest.iter().rev() {
        let has: Vec<Value> = v.when.iter().map(|k| json!({ "required": [k] })).collect();
        s = json!({ "if": { "anyOf": has }, "then": reference(v.table), "else": s });
    }
    s["type"] = json!("object");
    s
}

fn rule(r: &Rule) -> Value {
    let when = |field: &str, values: &[&str]| json!({ "properties": { field: { "enum": enum_values(values) } }, "required": [field] });
    match r {
        Rule::ExactlyOne(fields) => {
            json!({ "oneOf": fields.iter().map(|f| json!({ "required": [f] })).collect::<Vec<_>>() })
        }
        Rule::RequiredWhen { field, values, then } => {
            json!({ "if": when(field, values), "then": { "required": [then] } })
        }
        Rule::ForbiddenWhen { field, values, then } => {
            json!({ "if": when(field, values), "then": { "not": { "required": [then] } } })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn tables() -> Vec<&'static Table> {
        fn walk(shape: &'static Shape, out: &mut Vec<&'static Table>) {
            let add = |t: &'static Table, out: &mut Vec<&'static Table>| {
                if !out.iter().any(|o| std::ptr::eq(*o, t)) {
                    out.push(t);
                    t.fields.iter().for_each(|f| walk(&f.shape, out));
                }
            };
            match shape {
                Shape::Block(t) => add(t, out),
                Shape::Variants(vs) => vs.iter().for_each(|v| add(v.table, out)),
                Shape::List(s) => walk(s, out),
                Shape::AnyOf(ss) => ss.iter().for_each(|s| walk(s, out)),
                _ => {}
            }
        }
        let mut out = vec![&document::TABLE];
        document::TABLE.fields.iter().for_each(|f| walk(&f.shape, &mut out));
        out
    }

    #[test]
    fn tables_are_consistent() {
        let all = tables();
        let ids: HashSet<&str> = all.iter().map(|t| t.id).collect();
        assert_eq!(ids.len(), all.len(), "table ids must be unique");
        for t in all {
            let names: HashSet<&str> = t.fields.iter().map(|f| f.name).collect();
            assert_eq!(names.len(), t.fields.len(), "{}: a field declared twice", t.id);
            for f in t.fields {
                assert!(!f.doc.is_empty(), "{}.{} has no doc", t.id, f.name);
                if let Some(d) = f.default {
                    assert!(serde_json::from_str::<Value>(d).is_ok(), "{}.{}: default {d} is not JSON", t.id, f.name);
                }
            }
            for r in t.rules {
                let named = match r {
                    Rule::ExactlyOne(fs) => fs.to_vec(),
                    Rule::RequiredWhen { field, then, .. } | Rule::ForbiddenWhen { field, then, .. } => {
                        vec![*field, *then]
                    }
                };
                assert!(named.iter().all(|n| names.contains(n)), "{}: a rule names an undeclared field", t.id);
            }
        }
    }

    #[test]
    fn schema_shape() {
        let s = json_schema();
        assert_eq!(s["$schema"], "http://json-schema.org/draft-07/schema#");
        assert_eq!(s["additionalProperties"], false);
        assert_eq!(s["required"], json!(["version", "name", "vpc"]));
        let defs = s["definitions"].as_object().unwrap();
        for id in ["vpc", "subnet", "route", "securityGroup", "networkAcl", "instance", "task", "containerDefinition"] {
            assert!(defs.contains_key(id), "no definition {id}");
        }
        assert_eq!(defs["containerDefinition"]["additionalProperties"], true);
        assert_eq!(defs["subnet"]["additionalProperties"], false);
        assert!(schema_text().starts_with("{\n"));
    }

    #[test]
    fn the_expectations_file_schema() {
        let s = expectations_schema();
        assert_eq!(s["required"], json!(["expect"]));
        assert_eq!(s["additionalProperties"], false);
        assert!(s["definitions"].as_object().unwrap().len() > 3);
    }
}
