//! The validated scenario: what a user wrote, with the place each value came from so that later
//! checks (and the planner) can still point at the line that caused a problem.

pub use super::node::Node;
use ipnetwork::Ipv4Network;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::Arc;

/// Where a value stands in a file (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loc {
    pub file: Arc<PathBuf>,
    pub line: usize,
    pub col: usize,
}

impl Loc {
    pub fn new(file: Arc<PathBuf>, line: usize, col: usize) -> Self {
        Loc { file, line, col }
    }
    /// A location for values ecsnet made up itself (defaults).
    pub fn none() -> Self {
        Loc { file: Arc::new(PathBuf::new()), line: 0, col: 0 }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// A value and where it was written.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Located<T> {
    pub value: T,
    #[serde(skip, default = "Loc::none")]
    pub loc: Loc,
}

impl<T> Located<T> {
    pub fn new(value: T, loc: Loc) -> Self {
        Located { value, loc }
    }
    /// A value ecsnet made up itself (a default): it stands nowhere in the file.
    pub fn bare(value: T) -> Self {
        Located { value, loc: Loc::none() }
    }
}

impl<T: PartialEq> PartialEq for Located<T> {
    fn eq(&self, o: &Self) -> bool {
        self.value == o.value
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Tcp,
    Udp,
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        })
    }
}

/// A port and protocol, written `443/tcp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PortProto {
    pub port: u16,
    pub proto: Proto,
}

/// An inclusive port range (`3000` or `8000-8010`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    pub fn contains(&self, p: u16) -> bool {
        self.from <= p && p <= self.to
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Scenario {
    pub file: PathBuf,
    pub version: u32,
    pub name: Located<String>,
    pub description: Option<String>,
    pub region: String,
    pub vpc: Vpc,
    pub internet: Internet,
    pub instances: Vec<Instance>,
    pub task_definitions: Vec<TaskDefinition>,
    pub tasks: Vec<Task>,
    pub expect: Vec<Expectation>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Vpc {
    pub cidr: Located<Ipv4Network>,
    pub internet_gateway: bool,
    /// Where auto-assigned public IPs come from (default 198.51.100.0/24).
    pub public_ip_pool: Located<Ipv4Network>,
    pub subnets: Vec<Subnet>,
    pub route_tables: Vec<RouteTable>,
    pub nat_gateways: Vec<NatGateway>,
    /// As written; the VPC's `default` group is added by the model when not declared.
    pub security_groups: Vec<SecurityGroup>,
    pub network_acls: Vec<NetworkAcl>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Subnet {
    pub name: Located<String>,
    pub cidr: Located<Ipv4Network>,
    pub availability_zone: Located<String>,
    /// None: the main route table.
    pub route_table: Option<Located<String>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RouteTable {
    pub name: Located<String>,
    pub routes: Vec<Route>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Route {
    pub destination: Located<Ipv4Network>,
    pub target: Located<RouteTarget>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RouteTarget {
    InternetGateway,
    NatGateway(String),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NatGateway {
    pub name: Located<String>,
    pub subnet: Located<String>,
    /// None: one is allocated from the public IP pool.
    pub elastic_ip: Option<Located<Ipv4Addr>>,
}

/// `tcp`, `udp`, `icmp` or `all` (AWS `-1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleProto {
    Tcp,
    Udp,
    Icmp,
    All,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Peer {
    Cidr(Ipv4Network),
    /// `sg/NAME`: every ENI that carries that group.
    Sg(String),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SgRule {
    pub protocol: RuleProto,
    /// None: all ports (only valid with icmp/all, or meaning 0-65535).
    pub ports: Option<PortRange>,
    /// `source` for ingress, `destination` for egress.
    pub peer: Located<Peer>,
    pub description: Option<String>,
    pub loc: Loc,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SecurityGroup {
    pub name: Located<String>,
    pub description: Option<String>,
    pub ingress: Vec<SgRule>,
    /// None: allow all outbound, as AWS creates a group.
    pub egress: Option<Vec<SgRule>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AclAction {
    Allow,
    Deny,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AclRule {
    pub rule_number: u32,
    pub protocol: RuleProto,
    pub ports: Option<PortRange>,
    pub cidr_block: Ipv4Network,
    pub rule_action: AclAction,
    pub loc: Loc,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NetworkAcl {
    pub name: Located<String>,
    pub subnets: Vec<Located<String>>,
    pub ingress: Vec<AclRule>,
    pub egress: Vec<AclRule>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Internet {
    pub hosts: Vec<InternetHost>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InternetHost {
    pub name: Located<String>,
    pub ip: Located<Ipv4Addr>,
    pub listen: Vec<PortProto>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Instance {
    pub name: Located<String>,
    pub subnet: Located<String>,
    pub private_ip: Option<Located<Ipv4Addr>>,
    pub public_ip: bool,
    pub elastic_ip: Option<Located<Ipv4Addr>>,
    /// None: the VPC's default group.
    pub security_groups: Option<Vec<Located<String>>>,
    pub instance_type: Located<String>,
    /// Overrides the instance type's ENI count.
    pub max_enis: Option<u32>,
    pub eni_trunking: bool,
    pub loc: Loc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    Bridge,
    Awsvpc,
    Host,
    None,
}

impl fmt::Display for NetworkMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NetworkMode::Bridge => "bridge",
            NetworkMode::Awsvpc => "awsvpc",
            NetworkMode::Host => "host",
            NetworkMode::None => "none",
        })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum TaskDefSource {
    Inline,
    File(PathBuf),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TaskDefinition {
    pub family: Located<String>,
    /// From a describe output, else 1 (or the next one for a repeated family).
    pub revision: u32,
    pub network_mode: Located<NetworkMode>,
    pub task_role_arn: Option<String>,
    pub execution_role_arn: Option<String>,
    pub container_definitions: Vec<ContainerDefinition>,
    pub source: TaskDefSource,
    pub loc: Loc,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PortMapping {
    pub container_port: Located<u16>,
    /// None or 0 in the file: dynamic (bridge) / equal to containerPort (awsvpc, host).
    pub host_port: Option<Located<u16>>,
    pub protocol: Proto,
    pub loc: Loc,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct XEcsnet {
    /// A real program to run instead of the built-in responder.
    pub command: Option<Vec<String>>,
    /// Extra ports the responder listens on, not mapped.
    pub listen: Vec<PortProto>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ContainerDefinition {
    pub name: Located<String>,
    pub image: String,
    pub essential: bool,
    pub command: Vec<String>,
    pub entry_point: Vec<String>,
    pub port_mappings: Vec<PortMapping>,
    pub environment: Vec<(String, String)>,
    pub links: Option<Located<Vec<String>>>,
    pub hostname: Option<Located<String>>,
    pub dns_servers: Option<Located<Vec<String>>>,
    pub dns_search_domains: Option<Located<Vec<String>>>,
    pub extra_hosts: Option<Located<Vec<(String, String)>>>,
    pub disable_networking: Option<Located<bool>>,
    pub docker_labels: Vec<(String, String)>,
    pub x_ecsnet: XEcsnet,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskDefRef {
    pub family: String,
    /// None: the latest revision.
    pub revision: Option<u32>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AwsvpcConfiguration {
    pub subnets: Vec<Located<String>>,
    pub security_groups: Vec<Located<String>>,
    pub assign_public_ip: Located<bool>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Task {
    pub name: Located<String>,
    pub task_definition: Located<TaskDefRef>,
    pub instance: Located<String>,
    pub awsvpc: Option<AwsvpcConfiguration>,
    pub loc: Loc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeProto {
    Tcp,
    Udp,
    Http,
    Icmp,
}

impl fmt::Display for ProbeProto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProbeProto::Tcp => "tcp",
            ProbeProto::Udp => "udp",
            ProbeProto::Http => "http",
            ProbeProto::Icmp => "icmp",
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Connected,
    Refused,
    Timeout,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Connected => "connected",
            Outcome::Refused => "refused",
            Outcome::Timeout => "timeout",
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Via {
    /// Probe the instance's private IP at the mapped host port.
    HostPort,
    /// Probe the instance's public IP at the mapped host port.
    PublicHostPort,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Reach {
    pub from: Located<Node>,
    pub to: Located<Node>,
    /// Required except for icmp; `metadata` defaults to 80.
    pub port: Option<u16>,
    pub protocol: ProbeProto,
    /// For http: the GET path (default `/`).
    pub path: String,
    pub via: Option<Via>,
    pub reachable: bool,
    pub result: Option<Outcome>,
    pub served_by: Option<Located<Node>>,
    pub source_seen_as: Option<Located<Node>>,
    pub reason: Option<String>,
    pub timeout_ms: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Placement {
    pub task: Located<String>,
    pub placed: bool,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[allow(clippy::large_enum_variant)]
pub enum ExpectKind {
    Reach(Reach),
    Placement(Placement),
    Never(Never),
}

/// A Network-Access-Analyzer-style negative: no flow from any node matching `from` to any
/// node matching `to`, on any port the destination declares, may connect.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Never {
    /// Node patterns (`internet`, `task/*`, `instance/web-*`); `*` matches any text.
    pub from: Located<String>,
    pub to: Located<String>,
    pub except: Vec<String>,
    /// None: the protocol each declared port has.
    pub protocol: Option<ProbeProto>,
}

/// `*` matches any run of characters; everything else matches itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let Some((head, rest)) = pattern.split_once('*') else { return pattern == text };
    let Some(mut t) = text.strip_prefix(head) else { return false };
    if rest.is_empty() {
        return true;
    }
    loop {
        if glob(rest, t) {
            return true;
        }
        let mut c = t.chars();
        if c.next().is_none() {
            return false;
        }
        t = c.as_str();
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Expectation {
    pub kind: ExpectKind,
    pub loc: Loc,
}

impl Reach {
    /// A one-line name for tables and JUnit: `internet -> instance/ecs-1@public:3000/tcp`.
    pub fn title(&self) -> String {
        let mut s = format!("{} -> {}", self.from.value, self.to.value);
        if let Some(p) = self.port {
            s.push_str(&format!(":{p}"));
        }
        s.push_str(&format!("/{}", self.protocol));
        match self.via {
            Some(Via::HostPort) => s.push_str(" via hostPort"),
            Some(Via::PublicHostPort) => s.push_str(" via publicHostPort"),
            None => {}
        }
        s
    }
}
