//! Scenario names for imported resources: ecsnet's names are 1-40 of `[a-z0-9-]`, unique per
//! kind, so `PublicSubnet1` becomes `public-subnet-1` and `module.vpc.aws_subnet.private[0]`
//! becomes `private-0`; a name taken twice gets `-2`, `-3`.

use std::collections::{HashMap, HashSet};

/// The names given so far, per scenario kind (`subnet`, `sg`, `route-table`, ...).
#[derive(Debug, Default)]
pub struct Names {
    taken: HashMap<String, HashSet<String>>,
    of: HashMap<(String, String), String>,
    /// Ids are the CDK's: their hash suffix says nothing to a reader.
    cdk: bool,
}

impl Names {
    /// `cdk`: the ids are a `cdk synth` output's logical ids.
    pub fn new(cdk: bool) -> Self {
        Names { cdk, ..Names::default() }
    }

    /// Name resource `id` as a `kind`: from `preferred` (a Name tag, GroupName, ...) when it
    /// gives anything, else from the id; the same id and kind always get the same name.
    pub fn assign(&mut self, kind: &str, id: &str, preferred: Option<&str>) -> String {
        self.assign_within(kind, id, preferred, 40)
    }

    /// [`Names::assign`], at most `max` characters.
    pub fn assign_within(&mut self, kind: &str, id: &str, preferred: Option<&str>, max: usize) -> String {
        if let Some(n) = self.of.get(&(kind.to_string(), id.to_string())) {
            return n.clone();
        }
        let base = preferred.map(kebab).filter(|s| !s.is_empty()).unwrap_or_else(|| from_id(self.shown(id)));
        let base = if base.is_empty() { kind.to_string() } else { base };
        let base = truncate(&base, max).trim_end_matches('-').to_string();
        let taken = self.taken.entry(kind.to_string()).or_default();
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) {
            let suffix = format!("-{n}");
            name = format!("{}{suffix}", truncate(&base, max - suffix.len()));
            n += 1;
        }
        taken.insert(name.clone());
        self.of.insert((kind.to_string(), id.to_string()), name.clone());
        name
    }

    /// What of `id` a name is made from: a CDK id without its hash.
    pub fn shown<'i>(&self, id: &'i str) -> &'i str {
        if self.cdk { without_cdk_hash(id) } else { id }
    }

    /// The name given to `id` as a `kind`, if any.
    pub fn get(&self, kind: &str, id: &str) -> Option<&str> {
        self.of.get(&(kind.to_string(), id.to_string())).map(String::as_str)
    }
}

/// The id an imported VPC endpoint gets (`vpce-` and 17 hex digits, as EC2 makes them), the
/// same wherever its `Ref` is read: from the logical id (a stack's prefix aside), so that a
/// bucket policy's `aws:SourceVpce` names the endpoint the scenario declares with it.
pub fn vpce_id(id: &str) -> String {
    let logical = id.rsplit('/').next().unwrap_or(id);
    let h = ring::digest::digest(&ring::digest::SHA256, logical.as_bytes());
    let hex: String = h.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("vpce-{}", &hex[..17])
}

/// A CDK logical id without the hash of its construct path the CDK ends it with
/// (`WebServiceD04B5F3E` -> `WebService`; `Stack/WebServiceD04B5F3E` -> `Stack/WebService`).
fn without_cdk_hash(id: &str) -> &str {
    let Some(k) = id.len().checked_sub(8) else { return id };
    let hash = id.get(k..).is_some_and(|h| h.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)));
    let rest = &id[..k];
    if hash && rest.chars().any(|c| c.is_ascii_alphabetic()) && !rest.ends_with('/') { rest } else { id }
}

/// The name part of a Terraform address or a logical id: `aws_subnet.private[0]` ->
/// `private-0`, `module.vpc.aws_subnet.a["x"]` -> `a-x`, `PublicSubnet1` -> `public-subnet-1`.
fn from_id(id: &str) -> String {
    let parts: Vec<&str> = split_address(id);
    // A Terraform address ends with TYPE.NAME[INDEX]; a logical id is one part.
    let last = parts.last().copied().unwrap_or(id);
    kebab(last)
}

/// `a.b["x.y"][0]` -> [`a`, `b["x.y"][0]`]: dots inside brackets do not split.
fn split_address(id: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (vec![], 0i32, 0);
    for (i, c) in id.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '.' if depth == 0 => {
                parts.push(&id[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&id[start..]);
    parts
}

/// Lowercase, words split at case changes and at anything not a letter or digit, joined by
/// `-`, at most 40 characters.
pub fn kebab(s: &str) -> String {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let boundary = match prev {
                Some(p) if c.is_ascii_uppercase() => {
                    p.is_ascii_lowercase() || p.is_ascii_digit() || (p.is_ascii_uppercase() && next_lower)
                }
                // `Subnet1` -> `subnet-1`, but `Ec2` stays `ec2`: a number ends a word of 3
                // letters or more only.
                Some(p) if c.is_ascii_digit() => p.is_ascii_lowercase() && word_len(&out) >= 3,
                _ => false,
            };
            if boundary && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        prev = Some(c);
    }
    truncate(out.trim_matches('-'), 40).trim_matches('-').to_string()
}

/// Letters of the last word of `out` (since its last `-`).
fn word_len(out: &str) -> usize {
    out.rsplit('-').next().map_or(0, str::len)
}

fn truncate(s: &str, n: usize) -> &str {
    &s[..s.len().min(n)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_logical_ids_and_addresses() {
        assert_eq!(kebab("PublicSubnet1"), "public-subnet-1");
        assert_eq!(kebab("ECSCluster"), "ecs-cluster");
        assert_eq!(kebab("Ec2Nlb"), "ec2-nlb");
        assert_eq!(kebab("S3Bucket"), "s3-bucket");
        assert_eq!(kebab("Vpc1"), "vpc-1");
        assert_eq!(kebab("my_alb_sg"), "my-alb-sg");
        assert_eq!(from_id("aws_subnet.private[0]"), "private-0");
        assert_eq!(from_id("module.vpc.aws_subnet.a[\"x.y\"]"), "a-x-y");
        assert_eq!(from_id("WebSG"), "web-sg");
        assert_eq!(kebab("--"), "");
        assert_eq!(kebab(&"A".repeat(60)).len(), 40);
    }

    #[test]
    fn a_cdk_id_is_named_without_its_hash() {
        let mut n = Names::new(true);
        assert_eq!(n.assign("service", "WebServiceD04B5F3E", None), "web-service");
        assert_eq!(n.assign("sg", "Net/WebLBSecurityGroupAD942A36", None), "net-web-lb-security-group");
        assert_eq!(n.assign("lb", "WebLB720665E7", None), "web-lb");
        // Two ids that differ by their hash only: still two names.
        assert_eq!(n.assign("service", "WebService0123ABCD", None), "web-service-2");
        assert_eq!(n.assign("service", "WebServiceD04B5F3E", None), "web-service");
        assert_eq!(without_cdk_hash("DEADBEEF"), "DEADBEEF");
        assert_eq!(Names::default().assign("service", "WebServiceD04B5F3E", None), "web-service-d04-b5-f3-e");
    }

    #[test]
    fn a_name_is_unique_per_kind_and_stable_per_id() {
        let mut n = Names::default();
        assert_eq!(n.assign("subnet", "aws_subnet.a", None), "a");
        assert_eq!(n.assign("subnet", "module.x.aws_subnet.a", None), "a-2");
        assert_eq!(n.assign("subnet", "aws_subnet.a", None), "a");
        assert_eq!(n.assign("sg", "aws_security_group.a", None), "a");
        assert_eq!(n.assign("sg", "X", Some("Web Tier")), "web-tier");
        assert_eq!(n.get("subnet", "module.x.aws_subnet.a"), Some("a-2"));
        let long = "worker-queue-processing-fargate-service";
        assert_eq!(n.assign_within("service", "W", Some(long), 36), "worker-queue-processing-fargate-serv");
    }
}
