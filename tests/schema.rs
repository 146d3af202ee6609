//! The JSON Schema of the scenario file (no root needed): every shipped scenario validates
//! against it, broken files whose mistake is one of shape do not, and every field it names is
//! documented in docs/scenario.md.

use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A YAML file as JSON, with YAML's own types (what an editor's language server sees).
fn yaml_to_json(text: &str) -> Value {
    let docs = yaml_rust2::YamlLoader::load_from_str(text).expect("valid YAML");
    docs.into_iter().next().map(convert).unwrap_or(Value::Null)
}

fn convert(y: yaml_rust2::Yaml) -> Value {
    use yaml_rust2::Yaml;
    match y {
        Yaml::Real(r) => {
            r.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number)
        }
        Yaml::Integer(i) => Value::from(i),
        Yaml::String(s) => Value::String(s),
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Array(a) => Value::Array(a.into_iter().map(convert).collect()),
        Yaml::Hash(h) => Value::Object(
            h.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s,
                        other => format!("{other:?}"),
                    };
                    (key, convert(v))
                })
                .collect(),
        ),
        Yaml::Null | Yaml::Alias(_) | Yaml::BadValue => Value::Null,
    }
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft7::new(&ecsnet::scenario::schema::json_schema()).expect("the schema compiles")
}

/// The schema's complaints about a file, one line each.
fn errors(v: &jsonschema::Validator, file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let instance = yaml_to_json(&text);
    v.iter_errors(&instance).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_scenario_validates() {
    let v = validator();
    let files = yaml_files("scenarios");
    assert!(!files.is_empty());
    let mut bad = vec![];
    for f in &files {
        for e in errors(&v, f) {
            bad.push(format!("{}: {e}", f.display()));
        }
    }
    assert!(bad.is_empty(), "scenarios the schema refuses:\n{}", bad.join("\n"));
}

#[test]
fn broken_shapes_do_not_validate() {
    let v = validator();
    for (name, at) in [
        ("unknown-field-did-you-mean.yaml", "/vpc"),
        ("ports-wrong-type.yaml", "/vpc/securityGroups/0/ingress/0/ports"),
        ("version-2.yaml", "/version"),
        ("invalid-lab-name.yaml", "/name"),
        ("invalid-object-name.yaml", "/vpc/subnets/0/name"),
        ("sg-tcp-without-ports.yaml", "/vpc/securityGroups/0/ingress/0"),
        ("top-level-list.yaml", ""),
    ] {
        let errs = errors(&v, &root().join("tests/broken").join(name));
        assert!(errs.iter().any(|e| e.starts_with(&format!("{at}: "))), "{name}: no error at {at:?}, got {errs:?}");
    }
}

#[test]
fn shorthand_forms_validate() {
    let v = validator();
    let ok = |yaml: &str| {
        let errs: Vec<String> =
            v.iter_errors(&yaml_to_json(yaml)).map(|e| format!("{}: {e}", e.instance_path())).collect();
        assert!(errs.is_empty(), "{yaml}\n{errs:?}");
    };
    let bad = |yaml: &str| assert!(!v.is_valid(&yaml_to_json(yaml)), "the schema accepts:\n{yaml}");
    let base = "version: 1\nname: t\nvpc:\n  cidr: 10.0.0.0/16\n";
    ok(&format!(
        "{base}  internetGateway: true\n  routeTables:\n    - name: public\n      routes:\n        \
         - {{ destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway }}\n        \
         - {{ destinationCidrBlock: 192.0.2.0/24, natGateway: nat-a }}\n  securityGroups:\n    - name: web\n      \
         ingress:\n        - {{ protocol: tcp, ports: 443, source: 0.0.0.0/0 }}\n        \
         - {{ protocol: udp, ports: 8000-8010, source: sg/web }}\n        - {{ protocol: -1, source: 10.0.0.0/8 }}\n\
         internet:\n  hosts: [{{ name: api, ip: 198.51.100.80, listen: [443/tcp, 53/udp, 80] }}]\n\
         taskDefinitions:\n  - file: taskdefs/web.json\n  - family: web\n    cpu: 256\n    \
         containerDefinitions: [{{ name: app, image: x, memory: 512, portMappings: [{{ containerPort: \"3000\" }}], x-ecsnet: {{ listen: [8080/tcp] }} }}]\n\
         expect:\n  - never: {{ from: \"*\", to: task/db, except: [\"task/web-*\"] }}\n  \
         - {{ task: web, placed: false, reason: \"RESOURCE:ENI\" }}\n  \
         - {{ from: internet, to: \"instance/ecs-1@public:3000\", reachable: true }}\n"
    ));
    bad(&format!("{base}  routeTables: [{{ name: p, routes: [{{ destinationCidrBlock: 0.0.0.0/0 }}] }}]\n"));
    bad(&format!(
        "{base}  routeTables: [{{ name: p, routes: [{{ destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway, natGateway: n }}] }}]\n"
    ));
    bad(&format!(
        "{base}  securityGroups: [{{ name: w, ingress: [{{ protocol: icmp, ports: 80, source: 0.0.0.0/0 }}] }}]\n"
    ));
    bad(&format!(
        "{base}  securityGroups: [{{ name: w, ingress: [{{ protocol: tcp, ports: 80, destination: 0.0.0.0/0 }}] }}]\n"
    ));
    bad(&format!("{base}taskDefinitions: [{{ file: a.json, family: x }}]\n"));
    bad(&format!("{base}expect: [{{ never: {{ from: a, to: b }}, task: x }}]\n"));
    bad(&format!("{base}instances: [{{ name: a, subnet: s, publicIp: \"true\" }}]\n"));
}

#[test]
fn the_answer_and_host_port_forms_validate() {
    let v = validator();
    let doc =
        |entry: &str| yaml_to_json(&format!("version: 1\nname: t\nvpc:\n  cidr: 10.0.0.0/16\nexpect:\n  - {entry}\n"));
    for entry in [
        "{ from: task/w, to: metadata, http: { path: /v4, status: 200, bodyContains: TaskARN }, reachable: true }",
        "{ from: task/w, to: task/x:80, protocol: http, path: /health, http: { status: 404 }, reachable: true }",
        "{ from: task/w, to: task/x, icmp: echo-reply, reachable: true }",
        "{ from: task/w, to: task/x:53, protocol: udp, icmp: { type: 3, code: 3 }, reachable: false }",
        "{ task: api, container: api, containerPort: 5000, protocol: udp, hostPort: 32768 }",
        "never: { from: \"*\", to: task/w, expectViolated: true }",
    ] {
        let errs: Vec<String> = v.iter_errors(&doc(entry)).map(|e| format!("{}: {e}", e.instance_path())).collect();
        assert!(errs.is_empty(), "{entry}\n{errs:?}");
    }
    for entry in [
        "{ from: task/w, to: metadata, http: { status: 700 }, reachable: true }",
        "{ from: task/w, to: task/x, icmp: port-unreachble, reachable: false }",
        "{ from: task/w, to: task/x, icmp: { code: 3 }, reachable: false }",
        "{ task: api, containerPort: 5000, hostPort: 32768, placed: true }",
        "{ task: api, containerPort: 5000 }",
    ] {
        assert!(!v.is_valid(&doc(entry)), "the schema accepts {entry}");
    }
}

/// Every property name anywhere in the schema.
fn field_names(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(props)) = m.get("properties") {
                out.extend(props.keys().cloned());
            }
            m.values().for_each(|x| field_names(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| field_names(x, out)),
        _ => {}
    }
}

#[test]
fn every_schema_field_is_documented() {
    let doc = std::fs::read_to_string(root().join("docs/scenario.md")).expect("docs/scenario.md");
    let mut names = vec![];
    field_names(&ecsnet::scenario::schema::json_schema(), &mut names);
    names.sort();
    names.dedup();
    assert!(names.len() > 50, "only {} field names", names.len());
    let missing: Vec<&String> = names.iter().filter(|n| !doc.contains(&format!("`{n}`"))).collect();
    assert!(missing.is_empty(), "fields of the schema not in docs/scenario.md: {missing:?}");
}

#[test]
fn the_doc_names_the_editor_header() {
    let doc = std::fs::read_to_string(root().join("docs/scenario.md")).expect("docs/scenario.md");
    assert!(doc.contains("# yaml-language-server: $schema="));
    assert!(doc.contains("ecsnet schema > ecsnet.schema.json"));
}

/// `ecsnet schema` prints the same schema, as JSON an editor can load.
#[test]
fn the_schema_verb_prints_it() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_ecsnet")).arg("schema").output().unwrap();
    assert!(o.status.success());
    let printed: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(printed, ecsnet::scenario::schema::json_schema());
    assert_eq!(printed["$schema"], "http://json-schema.org/draft-07/schema#");
}

/// `ecsnet schema --expect`: the schema of an expectations file, which the shipped ones meet
/// and a scenario (or a misspelt top-level field) does not.
#[test]
fn the_expectations_file_schema_checks_expectations_files() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_ecsnet")).args(["schema", "--expect"]).output().unwrap();
    assert!(o.status.success());
    let printed: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(printed, ecsnet::scenario::schema::expectations_schema());
    let v = jsonschema::draft7::new(&printed).expect("the schema compiles");
    let mut checked = 0;
    for dir in ["tests/import/cloudformation", "tests/import/terraform"] {
        for f in yaml_files(dir).into_iter().filter(|f| f.to_string_lossy().ends_with(".expect.yaml")) {
            assert_eq!(errors(&v, &f), Vec::<String>::new(), "{}", f.display());
            checked += 1;
        }
    }
    assert!(checked >= 2, "no expectations file found");
    assert!(!v.is_valid(&yaml_to_json("expect: []\nexpcet: []\n")));
    assert!(!v.is_valid(&yaml_to_json("expect:\n  - { form: internet, to: alb/web:80, reachable: true }\n")));
    assert!(!v.is_valid(&yaml_to_json("version: 1\nname: x\nvpc: { cidr: 10.0.0.0/16 }\n")));
}
