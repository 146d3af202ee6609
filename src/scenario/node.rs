//! Nodes of a lab as users name them: `internet`, `internet/NAME`, `instance/NAME`,
//! `instance/NAME@public`, `task/NAME`, `task/NAME/CONTAINER`, `nat/NAME`, `metadata`,
//! `A.B.C.D`, each optionally followed by `:PORT`. One type for every layer, formatted in one
//! place ([`fmt::Display`]) and parsed in one ([`parse_node`]); serialized as that text.

use super::aws_service::AwsService;
use super::names::{name_ok, short, suggest};
use crate::i18n::tr;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::net::Ipv4Addr;

/// A node of a lab: in `from` / `to` / `servedBy` / `sourceSeenAs`, on the command line, and
/// in every output (who answered, what was probed).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    /// The internet's client host (203.0.113.10).
    Internet,
    InternetHost(String),
    /// A container instance, by its private address.
    Instance(String),
    /// A container instance by its public IP or Elastic IP.
    InstancePublic(String),
    /// A Fargate task by its ENI's public IP (`assignPublicIp: ENABLED`).
    TaskPublic(String),
    /// A task (its first container) or one of its containers.
    Task {
        task: String,
        container: Option<String>,
    },
    Nat(String),
    /// Every task of an ECS service (`services:`): a reachability check expands to one per
    /// task; `servedBy` is met by any of them.
    Service(String),
    /// The task metadata endpoint, 169.254.170.2.
    Metadata,
    /// The instance metadata service, 169.254.169.254.
    InstanceMetadata,
    /// The VPC's Amazon-provided DNS server (the VPC CIDR's base+2, and 169.254.169.253).
    Dns,
    /// An AWS service's public endpoint in the region (`aws/ecr.api`, `aws/s3`).
    Aws(AwsService),
    /// A VPC endpoint: its ENIs (interface endpoints).
    Endpoint(String),
    /// An application load balancer (`alb/NAME`): its nodes.
    LoadBalancer(String),
    /// A network load balancer (`nlb/NAME`): its nodes.
    NetworkLoadBalancer(String),
    Ip(Ipv4Addr),
    /// A DNS name (`api.local`, `ecr.api.ap-northeast-1.amazonaws.com`), only as a
    /// destination: what the source's resolver answers for it, as a client's `getaddrinfo`.
    Name(String),
}

impl Node {
    pub fn task(task: &str) -> Node {
        Node::Task { task: task.to_string(), container: None }
    }
    pub fn container(task: &str, container: &str) -> Node {
        Node::Task { task: task.to_string(), container: Some(container.to_string()) }
    }
    pub fn instance(name: &str) -> Node {
        Node::Instance(name.to_string())
    }
    pub fn internet_host(name: &str) -> Node {
        Node::InternetHost(name.to_string())
    }
    pub fn nat(name: &str) -> Node {
        Node::Nat(name.to_string())
    }
    /// The load balancer this node is (`alb/NAME` or `nlb/NAME`).
    pub fn load_balancer_name(&self) -> Option<&str> {
        match self {
            Node::LoadBalancer(n) | Node::NetworkLoadBalancer(n) => Some(n),
            _ => None,
        }
    }
    /// The task this node is or belongs to.
    pub fn task_name(&self) -> Option<&str> {
        match self {
            Node::Task { task, .. } => Some(task),
            _ => None,
        }
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Internet => write!(f, "internet"),
            Node::InternetHost(n) => write!(f, "internet/{n}"),
            Node::Instance(n) => write!(f, "instance/{n}"),
            Node::InstancePublic(n) => write!(f, "instance/{n}@public"),
            Node::TaskPublic(n) => write!(f, "task/{n}@public"),
            Node::Task { task, container: None } => write!(f, "task/{task}"),
            Node::Task { task, container: Some(c) } => write!(f, "task/{task}/{c}"),
            Node::Nat(n) => write!(f, "nat/{n}"),
            Node::Service(n) => write!(f, "service/{n}"),
            Node::Metadata => write!(f, "metadata"),
            Node::InstanceMetadata => write!(f, "imds"),
            Node::Dns => write!(f, "dns"),
            Node::Aws(svc) => write!(f, "{svc}"),
            Node::Endpoint(n) => write!(f, "endpoint/{n}"),
            Node::LoadBalancer(n) => write!(f, "alb/{n}"),
            Node::NetworkLoadBalancer(n) => write!(f, "nlb/{n}"),
            Node::Ip(ip) => write!(f, "{ip}"),
            Node::Name(n) => write!(f, "{n}"),
        }
    }
}

impl std::str::FromStr for Node {
    type Err = String;
    /// A node without a port.
    fn from_str(s: &str) -> Result<Node, String> {
        match parse_node(s)? {
            (n, None) => Ok(n),
            (_, Some(_)) => Err(tr!("endpoint-no-port", "`{ $node }` takes no port", node = short(s))),
        }
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The forms an endpoint takes, for the errors.
fn forms() -> String {
    tr!(
        "endpoint-forms",
        "`internet`, `internet/NAME`, `instance/NAME`, `instance/NAME@public`, `task/NAME`, `task/NAME/CONTAINER`, `service/NAME`, `nat/NAME`, `aws/SERVICE`, `endpoint/NAME`, `alb/NAME`, `nlb/NAME`, `metadata`, `imds`, `dns`, an IPv4 address or a DNS name, optionally followed by `:PORT`"
    )
}

/// Container names as ECS allows them: `[A-Za-z0-9_-]`, 1-255.
pub(crate) fn container_name_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Parse one node like `task/web:3000` into the endpoint and its port, if any.
pub fn parse_node(s: &str) -> Result<(Node, Option<u16>), String> {
    if s.is_empty() {
        return Err(tr!("endpoint-empty", "empty endpoint; expected { $forms }", forms = forms()));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(tr!(
            "endpoint-blanks",
            "endpoint `{ $node }` contains blanks; expected { $forms }",
            node = short(s),
            forms = forms()
        ));
    }
    let (head, port) = match s.rsplit_once(':') {
        Some((h, p)) => {
            let ok = !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
            match p.parse::<u16>() {
                Ok(n) if ok && n > 0 => (h, Some(n)),
                _ => {
                    return Err(tr!(
                        "endpoint-bad-port",
                        "invalid port `{ $port }` in `{ $node }`: a port is a number from 1 to 65535",
                        port = short(p),
                        node = short(s)
                    ));
                }
            }
        }
        None => (s, None),
    };
    let node = match head.split_once('/') {
        None => single_word(s, head)?,
        Some((kind, rest)) => kind_and_name(s, kind, rest)?,
    };
    Ok((node, port))
}

/// A DNS name as a client writes one: two labels at least (`names::dns_label_ok`), a trailing
/// dot allowed, 253 characters at most, and a last label that is not a number (`10.0.0.300`
/// is a mistyped address, not a name).
pub fn is_dns_name(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    let labels: Vec<&str> = s.split('.').collect();
    s.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| super::names::dns_label_ok(l))
        && labels.last().is_some_and(|l| !l.bytes().all(|b| b.is_ascii_digit()))
}

/// `internet`, `metadata`, `imds`, `dns`, an IPv4 address or a DNS name.
fn single_word(s: &str, head: &str) -> Result<Node, String> {
    match head {
        "internet" => Ok(Node::Internet),
        "metadata" => Ok(Node::Metadata),
        "imds" => Ok(Node::InstanceMetadata),
        "dns" => Ok(Node::Dns),
        _ => match head.parse::<Ipv4Addr>() {
            Ok(ip) => Ok(Node::Ip(ip)),
            // Names are case-insensitive; the resolvers answer them in lowercase.
            Err(_) if is_dns_name(head) => Ok(Node::Name(head.trim_end_matches('.').to_ascii_lowercase())),
            Err(_) => {
                let hint = match suggest(head, &["internet", "metadata", "imds"]) {
                    Some(k) => tr!("endpoint-did-you-mean", " (did you mean `{ $name }`?)", name = k),
                    None if head.bytes().all(|b| b.is_ascii_digit() || b == b'.') => {
                        tr!("endpoint-not-ipv4", " (not a valid IPv4 address)")
                    }
                    None => String::new(),
                };
                Err(tr!(
                    "endpoint-unknown",
                    "unknown endpoint `{ $node }`{ $hint }; expected { $forms }",
                    node = short(s),
                    hint = hint,
                    forms = forms()
                ))
            }
        },
    }
}

/// `KIND/NAME...`: an internet host, a NAT gateway, an instance or a task (or its container).
fn kind_and_name(s: &str, kind: &str, rest: &str) -> Result<Node, String> {
    let name = |kind: &str, n: &str| -> Result<String, String> {
        if name_ok(n, 40) {
            Ok(n.to_string())
        } else {
            Err(tr!(
                "endpoint-bad-name",
                "invalid { $kind } name `{ $name }` in `{ $node }`: names use only lowercase letters, digits and '-' (1-40 characters)",
                kind = kind,
                name = short(n),
                node = short(s)
            ))
        }
    };
    Ok(match kind {
        "internet" => Node::InternetHost(name("internet host", rest)?),
        "nat" => Node::Nat(name("NAT gateway", rest)?),
        "service" => Node::Service(name("service", rest)?),
        "endpoint" => Node::Endpoint(name("VPC endpoint", rest)?),
        "alb" => Node::LoadBalancer(name("load balancer", rest)?),
        "nlb" => Node::NetworkLoadBalancer(name("load balancer", rest)?),
        "aws" => match AwsService::from_id(rest) {
            Some(svc) => Node::Aws(svc),
            None => {
                let ids = AwsService::ids();
                let hint = suggest(rest, &ids)
                    .map(|k| tr!("endpoint-did-you-mean", " (did you mean `{ $name }`?)", name = format!("aws/{k}")))
                    .unwrap_or_default();
                return Err(tr!(
                    "endpoint-unknown-aws",
                    "unknown AWS service `{ $name }` in `{ $node }`{ $hint }; ecsnet serves { $services }",
                    name = short(rest),
                    node = short(s),
                    hint = hint,
                    services = ids.join(", ")
                ));
            }
        },
        "instance" => match rest.split_once('@') {
            None => Node::Instance(name("instance", rest)?),
            Some((n, "public")) => Node::InstancePublic(name("instance", n)?),
            Some((_, q)) => {
                return Err(tr!(
                    "endpoint-unknown-address",
                    "unknown address `@{ $address }` in `{ $node }`: only `instance/NAME@public` is supported",
                    address = short(q),
                    node = short(s)
                ));
            }
        },
        "task" if rest.ends_with("@public") => Node::TaskPublic(name("task", rest.trim_end_matches("@public"))?),
        "task" => match rest.split_once('/') {
            None => Node::Task { task: name("task", rest)?, container: None },
            Some((t, c)) => {
                let t = name("task", t)?;
                if !container_name_ok(c) {
                    return Err(tr!(
                        "endpoint-bad-container",
                        "invalid container name `{ $name }` in `{ $node }`: container names use letters, digits, '-' and '_' (1-255 characters)",
                        name = short(c),
                        node = short(s)
                    ));
                }
                Node::Task { task: t, container: Some(c.to_string()) }
            }
        },
        _ => {
            let hint = match suggest(kind, &["internet", "instance", "task", "nat", "aws", "endpoint", "alb", "nlb"]) {
                Some(k) => tr!("endpoint-did-you-mean-kind", " (did you mean `{ $name }/...`?)", name = k),
                None => String::new(),
            };
            return Err(tr!(
                "endpoint-unknown-kind",
                "unknown endpoint kind `{ $kind }` in `{ $node }`{ $hint }; expected { $forms }",
                kind = short(kind),
                node = short(s),
                hint = hint,
                forms = forms()
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_parse_format_and_serialize_as_text() {
        let p = |s: &str| parse_node(s).unwrap();
        assert_eq!(p("task/web:3000"), (Node::task("web"), Some(3000)));
        assert_eq!(p("instance/ecs-1@public:3000"), (Node::InstancePublic("ecs-1".into()), Some(3000)));
        assert_eq!(p("task/web@public:80"), (Node::TaskPublic("web".into()), Some(80)));
        assert_eq!(p("instance/ecs-1"), (Node::Instance("ecs-1".into()), None));
        assert_eq!(p("10.0.1.5:80"), (Node::Ip(Ipv4Addr::new(10, 0, 1, 5)), Some(80)));
        assert_eq!(p("10.0.1.5"), (Node::Ip(Ipv4Addr::new(10, 0, 1, 5)), None));
        assert_eq!(p("internet"), (Node::Internet, None));
        assert_eq!(p("internet/api:443"), (Node::InternetHost("api".into()), Some(443)));
        assert_eq!(p("metadata"), (Node::Metadata, None));
        assert_eq!(p("metadata:80"), (Node::Metadata, Some(80)));
        assert_eq!(p("imds"), (Node::InstanceMetadata, None));
        assert_eq!(Node::InstanceMetadata.to_string(), "imds");
        assert_eq!(p("dns:53"), (Node::Dns, Some(53)));
        assert_eq!(p("aws/ecr.api:443"), (Node::Aws(AwsService::EcrApi), Some(443)));
        assert_eq!(Node::Aws(AwsService::EcsAgent).to_string(), "aws/ecs-agent");
        assert!(parse_node("aws/ecr-api").unwrap_err().contains("did you mean `aws/ecr.api`"));
        assert_eq!(Node::Dns.to_string(), "dns");
        assert_eq!(p("nat/nat-a"), (Node::Nat("nat-a".into()), None));
        assert_eq!(p("alb/web:80"), (Node::LoadBalancer("web".into()), Some(80)));
        assert_eq!(p("task/web/app:80"), (Node::container("web", "app"), Some(80)));
        assert_eq!(p("task/web/DVA-EC_site"), (Node::container("web", "DVA-EC_site"), None));
        assert_eq!(p("api.local:8080"), (Node::Name("api.local".into()), Some(8080)));
        assert_eq!(p("API.Local.:80"), (Node::Name("api.local".into()), Some(80)));
        assert_eq!(
            p("ecr.api.ap-northeast-1.amazonaws.com:443"),
            (Node::Name("ecr.api.ap-northeast-1.amazonaws.com".into()), Some(443))
        );
        // round trip through Display
        for s in [
            "internet",
            "internet/api",
            "instance/a",
            "instance/a@public",
            "task/t",
            "task/t/c",
            "nat/n",
            "alb/web",
            "metadata",
            "1.2.3.4",
            "web.local",
        ] {
            assert_eq!(p(s).0.to_string(), s);
            let json = serde_json::to_string(&p(s).0).unwrap();
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<Node>(&json).unwrap(), p(s).0);
        }
    }

    #[test]
    fn node_errors() {
        let e = |s: &str| parse_node(s).unwrap_err();
        assert!(e("task/web:0").contains("invalid port"));
        assert!(e("task/web:70000").contains("invalid port"));
        assert!(e("task/web:").contains("invalid port"));
        assert!(e("task/web:abc").contains("invalid port"));
        assert!(e("tasks/web").contains("did you mean `task/...`"));
        assert!(e("internt").contains("did you mean `internet`"));
        assert!(e("instance/a@private").contains("only `instance/NAME@public`"));
        assert!(e("task/Web").contains("invalid task name"));
        assert!(e("task/web/a.b").contains("invalid container name"));
        assert!(e("10.0.0.300").contains("not a valid IPv4"));
        assert!(e("web").contains("unknown endpoint"), "one label is not a name");
        assert!(e("a..b").contains("unknown endpoint"));
        assert!(e("").contains("empty"));
        assert!(e("task/ web").contains("blanks"));
        assert!(e("task/").contains("invalid task name"));
        assert!(e("::::").contains("invalid port"));
    }
}
