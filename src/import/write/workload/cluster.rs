//! The input's ECS clusters are the lab's one cluster, `ecsnet-LAB`: where a string names a
//! cluster's ARN (an instance role's policy allowing `ecs:RegisterContainerInstance` on
//! `!Sub arn:…:cluster/${Cluster}`, a condition on `ecs:cluster`), it names the lab's, as it
//! names the real one on AWS; otherwise the lab's agent would be refused where AWS's is not.

use crate::import::resource::{Input, Note, Resource, Value};

/// `input` with every cluster ARN of its clusters naming `ecsnet-LAB` instead, and the note
/// saying so; None when no string names one.
pub fn the_lab_s(input: &Input, lab: &str) -> Option<(Input, Note)> {
    let own = format!("ecsnet-{lab}");
    let names: Vec<String> =
        input.resources.iter().filter(|r| r.kind == "AWS::ECS::Cluster").map(name).filter(|n| *n != own).collect();
    let mut out = input.clone();
    let mut changed = false;
    for r in &mut out.resources {
        for n in &names {
            changed |= rename(&mut r.properties, n, &own);
        }
    }
    let note = Note {
        origin: "cluster".into(),
        what: format!("the ARNs of cluster {} name the lab's one cluster, {own}", names.join(", ")),
        fix: String::new(),
        assumed: true,
    };
    changed.then_some((out, note))
}

/// The name the input gives the cluster (its ClusterName, else its logical id), as its
/// reader wrote it into strings.
fn name(r: &Resource) -> String {
    match r.properties.get("ClusterName").and_then(Value::str) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => r.id.rsplit('/').next().unwrap_or(&r.id).to_string(),
    }
}

/// `:cluster/NAME` (then the end, `/` or `"`) made `:cluster/OWN` in every string of `v`.
fn rename(v: &mut Value, name: &str, own: &str) -> bool {
    match v {
        Value::String(s) => {
            let from = format!(":cluster/{name}");
            let mut out = String::with_capacity(s.len());
            let mut rest = s.as_str();
            let mut changed = false;
            while let Some(k) = rest.find(&from) {
                let after = &rest[k + from.len()..];
                let whole = after.is_empty() || after.starts_with(['/', '"', ',', ' ']);
                out.push_str(&rest[..k]);
                out.push_str(if whole { ":cluster/" } else { &from });
                if whole {
                    out.push_str(own);
                    changed = true;
                }
                rest = after;
            }
            out.push_str(rest);
            if changed {
                *s = out;
            }
            changed
        }
        Value::List(l) => l.iter_mut().fold(false, |c, x| rename(x, name, own) | c),
        Value::Map(m) => m.iter_mut().fold(false, |c, (_, x)| rename(x, name, own) | c),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_arn_in_a_policy_names_the_lab_s_cluster() {
        let arn = |c: &str| Value::String(format!("arn:aws:ecs:us-east-1:123456789012:cluster/{c}"));
        let cluster = Resource {
            id: "cluster/Cluster".into(),
            kind: "AWS::ECS::Cluster".into(),
            properties: Value::Map(vec![]),
            origin: "logical id Cluster".into(),
        };
        let policy = Resource {
            id: "Role".into(),
            kind: "AWS::IAM::Role".into(),
            properties: Value::Map(vec![
                ("A".into(), arn("Cluster")),
                ("B".into(), arn("ClusterTwo")),
                ("C".into(), Value::String("x:cluster/Cluster/svc".into())),
            ]),
            origin: "logical id Role".into(),
        };
        let input = Input { resources: vec![cluster, policy], ..Input::default() };
        let (out, note) = the_lab_s(&input, "lab").expect("renamed");
        let p = &out.resources[1].properties;
        assert_eq!(p.get("A"), Some(&arn("ecsnet-lab")));
        assert_eq!(p.get("B"), Some(&arn("ClusterTwo")));
        assert_eq!(p.get("C"), Some(&Value::String("x:cluster/ecsnet-lab/svc".into())));
        assert!(note.assumed && note.what.contains("cluster Cluster"), "{note:?}");
        assert!(the_lab_s(&Input::default(), "lab").is_none());
    }
}
