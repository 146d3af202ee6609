//! The resource instances of a `terraform show -json` document (plan or state), each with
//! its known values, what the plan leaves unknown, and its configuration expressions; and the
//! tables that turn a concrete id or ARN back into the resource it names.

use serde_json::Value as Json;
use std::collections::HashMap;

/// Modules nest at most this deep (the same bound as every recursion of the import).
pub const MAX_DEPTH: usize = 64;

static NULL: Json = Json::Null;

/// One resource instance (`module.vpc.aws_subnet.private[0]`).
#[derive(Debug)]
pub struct Inst {
    pub address: String,
    /// The module instance it is in: `""`, `module.vpc`, `module.vpc[0]`.
    pub module: String,
    pub mode: String,
    pub kind: String,
    pub name: String,
    /// `[0]`, `["a"]`, or empty.
    pub index: String,
    pub values: Json,
    /// The plan's `after_unknown` (`true` where a value is known only after apply).
    pub unknown: Json,
}

impl Inst {
    /// The address without its instance key: what an index-less reference names.
    pub fn base(&self) -> String {
        self.address.strip_suffix(self.index.as_str()).unwrap_or(&self.address).to_string()
    }
}

/// The document read: instances, configuration, variables.
pub struct Doc {
    pub insts: Vec<Inst>,
    by_addr: HashMap<String, usize>,
    /// Concrete `id` and `arn` values of managed resources -> (instance, attribute).
    ids: HashMap<String, (usize, &'static str)>,
    /// Ids that are names (a role's, a bucket's): only matched where a name is expected.
    names: HashMap<String, usize>,
    pub config: Json,
    pub variables: Json,
    pub is_plan: bool,
    /// What reading found out by inference (a reference recovered), for the reader's notes.
    pub notes: std::cell::RefCell<Vec<crate::import::resource::Note>>,
}

/// Types whose `id` is a name rather than an AWS-generated id.
const NAME_IDS: &[&str] = &[
    "aws_iam_role",
    "aws_iam_instance_profile",
    "aws_s3_bucket",
    "aws_cloudwatch_log_group",
    "aws_ecr_repository",
    "aws_ecs_task_definition",
];

impl Doc {
    /// The instances of a plan (`planned_values`) or a state (`values`); `None` when the
    /// document is neither.
    pub fn parse(root: &Json) -> Option<Doc> {
        let mut doc = Doc {
            insts: vec![],
            by_addr: HashMap::new(),
            ids: HashMap::new(),
            names: HashMap::new(),
            config: root.get("configuration").cloned().unwrap_or(Json::Null),
            variables: root.get("variables").cloned().unwrap_or(Json::Null),
            is_plan: root.get("planned_values").is_some(),
            notes: Default::default(),
        };
        if let Some(planned) = root.get("planned_values") {
            let unknown = after_unknown(root);
            walk(&mut doc, module_of(planned), "", &unknown, 0);
            // Data sources read while planning are in the prior state only.
            let prior = root.pointer("/prior_state/values/root_module").unwrap_or(&NULL);
            walk(&mut doc, prior, "", &HashMap::new(), 0);
        } else if let Some(values) = root.get("values") {
            walk(&mut doc, module_of(values), "", &HashMap::new(), 0);
        } else {
            return None;
        }
        doc.index();
        Some(doc)
    }

    fn index(&mut self) {
        for (i, inst) in self.insts.iter().enumerate() {
            self.by_addr.insert(inst.address.clone(), i);
            if inst.mode != "managed" {
                continue;
            }
            for attr in ["id", "arn"] {
                let Some(v) = inst.values.get(attr).and_then(Json::as_str).filter(|s| !s.is_empty()) else {
                    continue;
                };
                if attr == "id" && NAME_IDS.contains(&inst.kind.as_str()) {
                    self.names.insert(v.to_string(), i);
                } else {
                    let attr = if attr == "id" { "id" } else { "arn" };
                    self.ids.entry(v.to_string()).or_insert((i, attr));
                }
            }
        }
    }

    pub fn get(&self, address: &str) -> Option<&Inst> {
        self.by_addr.get(address).and_then(|&i| self.insts.get(i))
    }

    /// The instances of one resource or data source (`aws_subnet.private`), in order.
    pub fn instances_of(&self, base: &str) -> Vec<&Inst> {
        self.insts.iter().filter(|i| i.base() == base).collect()
    }

    /// The resource a concrete id or ARN names, and which attribute it is.
    pub fn by_id(&self, s: &str) -> Option<(&Inst, &'static str)> {
        self.ids.get(s).and_then(|&(i, a)| Some((self.insts.get(i)?, a)))
    }

    /// The resource a name-id (a role name, a bucket name) names.
    pub fn by_name(&self, s: &str) -> Option<&Inst> {
        self.names.get(s).and_then(|&i| self.insts.get(i))
    }

    /// The configuration of a module instance (`module.a[0].module.b` -> module_calls a, b).
    pub fn config_module(&self, module: &str) -> Option<&Json> {
        let mut m = self.config.get("root_module")?;
        for name in module_path(module) {
            m = m.get("module_calls")?.get(name)?.get("module")?;
        }
        Some(m)
    }

    /// The configuration block of an instance (its `expressions`, `count_expression`, ...).
    pub fn config_of(&self, inst: &Inst) -> Option<&Json> {
        let local = inst.base();
        let local = local.strip_prefix(&format!("{}.", inst.module)).unwrap_or(&local).to_string();
        let local = if inst.module.is_empty() { inst.base() } else { local };
        self.config_module(&inst.module)?
            .get("resources")?
            .as_array()?
            .iter()
            .find(|r| r.get("address").and_then(Json::as_str) == Some(local.as_str()))
    }
}

fn module_of(values: &Json) -> &Json {
    values.get("root_module").unwrap_or(&NULL)
}

/// `after_unknown` of every planned change, by address.
fn after_unknown(root: &Json) -> HashMap<String, Json> {
    let mut out = HashMap::new();
    for rc in root.get("resource_changes").and_then(Json::as_array).into_iter().flatten() {
        if let (Some(a), Some(u)) = (rc.get("address").and_then(Json::as_str), rc.pointer("/change/after_unknown")) {
            out.insert(a.to_string(), u.clone());
        }
    }
    out
}

fn walk(doc: &mut Doc, module: &Json, addr: &str, unknown: &HashMap<String, Json>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for r in module.get("resources").and_then(Json::as_array).into_iter().flatten() {
        let s = |k: &str| r.get(k).and_then(Json::as_str).unwrap_or("").to_string();
        let address = s("address");
        if address.is_empty() || doc.insts.iter().any(|i| i.address == address) {
            continue;
        }
        let index = match r.get("index") {
            Some(Json::Number(n)) => format!("[{n}]"),
            Some(Json::String(k)) => format!("[{}]", Json::String(k.clone())),
            _ => String::new(),
        };
        doc.insts.push(Inst {
            unknown: unknown.get(&address).cloned().unwrap_or(Json::Null),
            address,
            module: addr.to_string(),
            mode: s("mode"),
            kind: s("type"),
            name: s("name"),
            index,
            values: r.get("values").cloned().unwrap_or(Json::Null),
        });
    }
    for child in module.get("child_modules").and_then(Json::as_array).into_iter().flatten() {
        let a = child.get("address").and_then(Json::as_str).unwrap_or("").to_string();
        walk(doc, child, &a, unknown, depth + 1);
    }
}

/// `a.b["x.y"][0]` -> [`a`, `b["x.y"][0]`]: dots inside brackets or quotes do not split.
pub fn split_address(s: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut quoted, mut start) = (vec![], 0i32, false, 0);
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        match c {
            '"' if prev != '\\' => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth -= 1,
            '.' if depth == 0 && !quoted => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        prev = c;
    }
    parts.push(&s[start..]);
    parts
}

/// A step of an address: `private[0]` -> (`private`, `[0]`).
pub fn split_key(step: &str) -> (&str, &str) {
    match step.find('[') {
        Some(i) => (&step[..i], &step[i..]),
        None => (step, ""),
    }
}

/// The module calls of a module instance address: `module.a[0].module.b` -> [a, b].
pub fn module_path(module: &str) -> Vec<&str> {
    let parts = split_address(module);
    parts.iter().zip(parts.iter().skip(1)).filter(|(m, _)| **m == "module").map(|(_, n)| split_key(n).0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_at_dots_outside_keys() {
        assert_eq!(split_address("module.a[\"x.y\"].aws_subnet.b[0]"), ["module", "a[\"x.y\"]", "aws_subnet", "b[0]"]);
        assert_eq!(split_key("b[0]"), ("b", "[0]"));
        assert_eq!(module_path("module.a[0].module.b"), ["a", "b"]);
        assert!(module_path("").is_empty());
    }

    #[test]
    fn neither_plan_nor_state_is_refused() {
        assert!(Doc::parse(&serde_json::json!({"x": 1})).is_none());
        assert!(Doc::parse(&serde_json::json!({"values": 3})).is_some_and(|d| d.insts.is_empty()));
    }
}
