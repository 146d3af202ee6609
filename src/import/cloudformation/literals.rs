//! What a template says literally about where it is deployed: the region and the account
//! written out in its resources (a stack synthesized by the CDK for an `env`, or a template
//! written for one region: `ap-northeast-1a`, `com.amazonaws.ap-northeast-1.ecr.api`,
//! `111122223333.dkr.ecr.ap-northeast-1.amazonaws.com/orders`), where `AWS::Region` and
//! `AWS::AccountId` would say nothing.
//!
//! Only `Resources` and the parameters' defaults are read: a region in `Mappings` or in a
//! condition (`!Equals [!Ref AWS::Region, us-east-1]`) is one the template may be deployed
//! in, not the one it is.

use super::parse::Node;
use std::collections::HashMap;

/// How often each region and each account is written in one or more templates.
#[derive(Debug, Default)]
pub struct Literals {
    regions: HashMap<String, usize>,
    accounts: HashMap<String, usize>,
    /// One place each region is written, to say where it came from.
    example: HashMap<String, String>,
}

impl Literals {
    /// Count what template `tpl` writes.
    pub fn add(&mut self, tpl: &Node) {
        if let Some(r) = tpl.get("Resources") {
            self.walk(r);
        }
        if let Some(Node::Map(ps)) = tpl.get("Parameters") {
            ps.iter().filter_map(|(_, p)| p.get("Default")).for_each(|d| self.walk(d));
        }
    }

    fn walk(&mut self, n: &Node) {
        match n {
            Node::Str(s) => self.text(s),
            Node::List(l) => l.iter().for_each(|x| self.walk(x)),
            // A resource's `Metadata` (the CDK's asset paths, cfn-init's files) says nothing
            // about where the stack runs, nor the keys of a lookup in `Mappings`.
            Node::Map(m) => m
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "Metadata" | "Fn::FindInMap" | "Fn::Equals"))
                .for_each(|(_, v)| self.walk(v)),
            _ => {}
        }
    }

    fn text(&mut self, s: &str) {
        let words = s.split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        for w in words {
            let region = if is_region(w) {
                Some(w)
            } else {
                w.strip_suffix(|c: char| c.is_ascii_lowercase()).filter(|r| is_region(r))
            };
            if let Some(r) = region {
                *self.regions.entry(r.to_string()).or_default() += 1;
                self.example.entry(r.to_string()).or_insert_with(|| s.to_string());
            }
        }
        for a in crate::import::account::named_in(s) {
            *self.accounts.entry(a.to_string()).or_default() += 1;
        }
    }

    /// The region written most often (ties: the first by name), and one place it is written.
    pub fn region(&self) -> Option<(String, String)> {
        let r = crate::import::account::most(&self.regions)?;
        let at = self.example.get(&r).cloned().unwrap_or_default();
        Some((r, at))
    }

    /// The account written most often (ties: the first by number).
    pub fn account(&self) -> Option<String> {
        crate::import::account::most(&self.accounts)
    }
}

/// `ap-northeast-1`, `us-gov-west-1`, `cn-north-1`: a region's name, not any `word-word-1`
/// (`my-app-1` is a name, not a region).
pub fn is_region(s: &str) -> bool {
    const GEO: [&str; 10] = ["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx", "cn"];
    const DIR: [&str; 9] =
        ["east", "west", "north", "south", "central", "northeast", "northwest", "southeast", "southwest"];
    let parts: Vec<&str> = s.split('-').collect();
    let (geo, dir, n) = match parts.as_slice() {
        [g, d, n] => (g, d, n),
        [g, "gov" | "iso" | "isob" | "isof" | "isoe", d, n] => (g, d, n),
        _ => return false,
    };
    GEO.contains(geo) && DIR.contains(dir) && (1..=2).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(yaml: &str) -> Literals {
        let mut l = Literals::default();
        l.add(&super::super::parse::parse(yaml).unwrap());
        l
    }

    #[test]
    fn the_region_a_template_writes() {
        let l = of("Resources:
  S: { Type: AWS::EC2::Subnet, Properties: { AvailabilityZone: ap-northeast-1a } }
  E: { Type: AWS::EC2::VPCEndpoint, Properties: { ServiceName: com.amazonaws.ap-northeast-1.ecr.api } }
  T: { Type: X, Properties: { Image: 111122223333.dkr.ecr.ap-northeast-1.amazonaws.com/orders:v1 } }
  U: { Type: X, Properties: { Name: my-app-1, Bucket: arn:aws:s3:::eu-west-1-logs, Ami: !FindInMap [M, us-east-1, Z] } }
Mappings: { M: { us-east-1: { Z: us-east-1a } } }
Conditions: { C: !Equals [!Ref AWS::Region, us-west-2] }
");
        assert_eq!(l.region().unwrap().0, "ap-northeast-1");
        assert_eq!(l.region().unwrap().1, "ap-northeast-1a");
        assert_eq!(l.account().as_deref(), Some("111122223333"));
        assert!(of("Resources: { A: { Type: X, Properties: { Az: !Select [0, !GetAZs ''] } } }").region().is_none());
    }

    #[test]
    fn region_names() {
        for r in ["us-east-1", "ap-northeast-3", "us-gov-west-1", "cn-northwest-1", "eu-central-2", "il-central-1"] {
            assert!(is_region(r), "{r}");
        }
        for r in ["my-app-1", "us-east", "us-east-1a", "east-us-1", "ap-northeast-123"] {
            assert!(!is_region(r), "{r}");
        }
    }
}
