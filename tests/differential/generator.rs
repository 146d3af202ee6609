//! The generator of random valid labs: a seeded PRNG and the scenario it writes.

use ecsnet::scenario::{NetworkMode, Proto};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// splitmix64: tiny, good enough, and the same sequence on every machine for a seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    /// True with `percent`% probability.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

/// Ports the containers and hosts of a lab choose from, few enough that they collide (the same
/// port in several tasks, on several instances, in rules). 51678/51679 and 22 are left out: the
/// agent owns them on the instance.
const PORT_POOL: &[u16] = &[53, 80, 443, 3000, 5000, 5353, 8080, 9000];

/// What the generator has decided so far, which later parts refer to.
struct Gen {
    rng: Rng,
    octet: u8,
    igw: bool,
    nat: bool,
    subnets: Vec<SubnetPlan>,
    /// The route tables with a route to the NAT gateway, which must not stand in their subnets.
    tables_to_nat: BTreeSet<String>,
    groups: Vec<String>,
    ports: Vec<u16>,
    /// Public addresses given out in the file (Elastic IPs, internet hosts).
    public: BTreeSet<Ipv4Addr>,
    families: Vec<Family>,
    instances: Vec<(String, usize)>,
    /// IAM: its own stream, so a seed's network stays what it was before roles existed.
    iam: Rng,
    starts: Starts,
    /// Fargate: its own stream, so a seed's lab from before Fargate stays what it was when no
    /// family is Fargate-compatible.
    fargate: Rng,
    /// Load balancers: their own stream, so a seed's lab from before ALBs keeps its draws.
    alb: Rng,
    /// Services behind the ALB: their own stream, so the ALB labs from before keep their draws.
    svc: Rng,
    /// Listener rules on the Host header and weighted forwards: their own stream too.
    rules: Rng,
    /// Network load balancers (`type: network` instead of an ALB): their own stream, so every
    /// lab of an old seed keeps its draws where none is drawn.
    nlb: Rng,
    /// Cloud Map: whether and how `web` registers its tasks (a stream of its own).
    cloud: Rng,
    /// The `serviceDiscovery` block `web`'s registry names.
    discovery: String,
    lb: Option<AlbPlan>,
    /// The awsvpc tasks written (EC2 or Fargate): name, subnet, family index, placeable.
    vpc_tasks: Vec<(String, usize, usize, bool)>,
    /// The subnet the last awsvpc configuration drew.
    last_subnet: usize,
}

/// An ALB as decided before the file is written: its listener port, the subnets it adds (not
/// in `subnets`, so the main stream's draws stay), and whether families answer `/health` with
/// 404.
struct AlbPlan {
    port: u16,
    extra_subnets: Vec<SubnetPlan>,
    /// A lab built to answer (most of them): the ALB in subnets of its own routed to the
    /// internet gateway (internet-facing) or internal without one, its group admitting the
    /// listener from anywhere, and `tg-1` the tasks of family `web`, which listen on the
    /// group's port. Else every part is drawn as it comes, mostly blocked.
    web: Option<WebPlan>,
    health404: Vec<usize>,
    /// Per target group (`tg-1`, `tg-2`): its port and its targets (task, port when not the group's).
    groups: Vec<(u16, Vec<Registered>)>,
    /// The rule on `/api/*`: none, a forward to `tg-2` or a fixed response with this status.
    rule: AlbRule,
    /// The load balancer is a network one (drawn from `Gen::nlb`): no rules.
    nlb: Option<NlbPlan>,
}

/// A network load balancer's draws (`Gen::nlb`): a TCP listener forwarding to the TCP group
/// `tg-1`, whose health check is TCP or HTTP; the attributes; its security group or none; and
/// what the targets' groups admit.
struct NlbPlan {
    http_check: bool,
    /// `preserve_client_ip.enabled` set on `tg-1` (else its default: off for ip, on for instance).
    preserve: Option<bool>,
    /// `load_balancing.cross_zone.enabled` set on the load balancer (else off).
    cross_zone: Option<bool>,
    /// `alb-sg` on the load balancer, or no group (nothing filters at the nodes).
    groups: bool,
    /// What `tgt-sg` (and `inst-sg`) admit: the load balancer's group, anywhere (the clients),
    /// or only the VPC's CIDR (the nodes, and only the clients inside with the client IP preserved).
    admit: &'static str,
}

/// The family `web` and its Fargate tasks that `tg-1` registers in a lab built to answer.
struct WebPlan {
    /// The port its app listens on; the group's port (another one sometimes: 502).
    port: u16,
    group_port: u16,
    tasks: usize,
    /// Its app answers `/health` with 404 (unhealthy, the group fails open).
    health404: bool,
    kind: WebKind,
}

/// The placement strategies an EC2 `web` service draws.
const STRATEGIES: [&str; 3] = [
    "[{ type: spread, field: \"attribute:ecs.availability-zone\" }]",
    "[{ type: spread, field: instanceId }]",
    "[{ type: binpack, field: memory }]",
];

/// What runs `web` (drawn from `Gen::svc`): standalone Fargate tasks `web-N` registered by
/// hand, or a service `web` of `tasks` tasks whose `loadBalancers` register them in `tg-1`.
#[derive(Clone, Copy, PartialEq)]
enum WebKind {
    Tasks,
    /// A FARGATE service in 1-2 subnets.
    Fargate,
    /// An EC2 awsvpc service, spread over zones or bin-packed.
    Ec2(&'static str),
    /// An EC2 bridge service on dynamic host ports, `tg-1` of target type instance; the
    /// instances get `inst-sg`, admitting the ephemeral range from the ALB's group (or only
    /// the container port: the checks time out).
    Bridge {
        ephemeral: bool,
    },
}

/// A registered target: its task, and its port when not the group's.
type Registered = (String, Option<u16>);

#[derive(Clone, Copy, PartialEq)]
enum AlbRule {
    None,
    Forward,
    Fixed(u16),
}

/// What the tasks fetch from AWS before they start (their own random stream, so that a seed's
/// lab from before they existed stays what it was when they are off).
#[derive(Clone, Copy, Default)]
struct Starts {
    /// Images from the lab's ECR (token, manifest, layers), else Docker Hub-like (no pull).
    ecr: bool,
    /// awslogs on the first container (CreateLogStream).
    awslogs: bool,
    /// Interface endpoints for the registry and for logs (the VPC's default group).
    dkr_endpoint: bool,
    logs_endpoint: bool,
    /// The second container's image is in another account's registry (906394416424), whose
    /// repository's policy lets the lab's account pull (true) or has none (false).
    foreign: Option<bool>,
}

impl Starts {
    fn draw(seed: u64) -> Starts {
        let mut s = Rng(seed ^ 0x57a7_57a7_57a7_57a7);
        let ecr = s.chance(50);
        let awslogs = ecr && s.chance(50);
        let (dkr_endpoint, logs_endpoint) = (ecr && s.chance(40), awslogs && s.chance(40));
        // A stream of its own: a seed's lab from before cross-account pulls keeps its draws.
        let mut f = Rng(seed ^ 0x0acc_0acc_0acc_0acc);
        let foreign = (ecr && f.chance(40)).then(|| f.chance(60));
        Starts { ecr, awslogs, dkr_endpoint, logs_endpoint, foreign }
    }
}

/// A subnet as generated: the zone's letter and its route table (None: the main one).
struct SubnetPlan {
    name: String,
    zone: char,
    table: Option<String>,
}

/// A task definition as generated, with the ports its responders bind in the task's namespace
/// (awsvpc and host: one namespace for every container).
#[derive(Clone)]
struct Family {
    name: String,
    mode: NetworkMode,
    bound: Vec<(Proto, u16)>,
    /// A bridge family's static host ports.
    static_ports: BTreeSet<(Proto, u16)>,
    /// Registered as compatible with FARGATE (awsvpc only).
    fargate: bool,
}

fn proto_name(p: Proto) -> &'static str {
    if p == Proto::Tcp { "tcp" } else { "udp" }
}

/// A random valid scenario for lab `name`, as YAML text.
pub fn generate(seed: u64, name: &str) -> String {
    let mut rng = Rng(seed);
    let octet = rng.range(0, 250) as u8;
    let igw = rng.chance(75);
    let nat = igw && rng.chance(50);
    let mut g = Gen {
        rng,
        octet,
        igw,
        nat,
        subnets: vec![],
        tables_to_nat: BTreeSet::new(),
        groups: vec![],
        ports: vec![],
        public: BTreeSet::new(),
        families: vec![],
        instances: vec![],
        starts: Starts::draw(seed),
        iam: Rng(seed ^ 0x1a11_1a11_1a11_1a11),
        fargate: Rng(seed ^ 0xfa26_a7e0_fa26_a7e0),
        alb: Rng(seed ^ 0xa1b0_a1b0_a1b0_a1b0),
        svc: Rng(seed ^ 0x5e41_5e41_5e41_5e41),
        rules: Rng(seed ^ 0x4057_4057_4057_4057),
        nlb: Rng(seed ^ 0x41b0_41b0_41b0_41b0),
        cloud: Rng(seed ^ 0xc10d_3a90_c10d_3a90),
        discovery: String::new(),
        lb: None,
        vpc_tasks: vec![],
        last_subnet: 0,
    };
    let mut pool = PORT_POOL.to_vec();
    g.rng.shuffle(&mut pool);
    g.ports = pool[..g.rng.range(3, 5)].to_vec();
    let mut y = format!(
        "version: 1\nname: {name}\ndescription: generated by tests/differential.rs from seed {seed}\nregion: us-east-1\n"
    );
    y += &format!("vpc:\n  cidr: 10.{octet}.0.0/16\n  internetGateway: {igw}\n");
    y += &dns_attributes(seed, g.starts);
    y += &g.subnets_and_route_tables();
    y += &g.nat_gateway();
    y += &g.security_groups();
    y += &g.alb_security_groups(y.contains("  securityGroups:\n"));
    y += &g.network_acl();
    y += &g.internet();
    y += &g.instances();
    y += &g.task_definitions();
    y += &g.web_family();
    let tasks = g.tasks();
    y += &g.web_tasks(tasks);
    y += &std::mem::take(&mut g.discovery);
    y += &iam_block(seed);
    y += &foreign_repository(g.starts.foreign);
    y = g.target_groups_only_from_alb(y);
    y += &g.load_balancer();
    y
}

/// The roles a task definition's taskRoleArn names: `role-1` and `role-2` declared (their
/// policies drawn), `role-3` not (unrestricted).
const ROLES: &[&str] = &["role-1", "role-2", "role-3"];

/// The declared roles, with policies that make the path matter: allowed only through an
/// endpoint (aws:SourceVpce present), only from outside it (aws:SourceIp present), an explicit
/// deny, or an AWS-managed policy.
fn iam_block(seed: u64) -> String {
    let mut r = Rng(seed ^ 0x901c_901c_901c_901c);
    let statements = [
        r#"{ "Effect": "Allow", "Action": "ecr:Describe*", "Resource": "*", "Condition": { "Null": { "aws:SourceVpce": "false" } } }"#,
        r#"{ "Effect": "Allow", "Action": ["ecr:*", "s3:List*"], "Resource": "*", "Condition": { "IpAddress": { "aws:SourceIp": "0.0.0.0/0" } } }"#,
        r#"{ "Effect": "Allow", "Action": "*", "Resource": "*" }, { "Effect": "Deny", "Action": "ecr:describeimages", "Resource": "arn:aws:ecr:*:*:repository/app" }"#,
        r#"{ "Effect": "Allow", "NotAction": "ecr:*", "Resource": "*" }"#,
    ];
    // No repositories: a scenario that declares none has every ECR image its tasks name.
    let mut y = "aws:\n  roles:\n".to_string();
    for role in &ROLES[..2] {
        if r.chance(30) {
            y += &format!("    - {{ roleName: {role}, managedPolicyArns: [AmazonEC2ContainerRegistryReadOnly] }}\n");
        } else {
            let st = r.pick(&statements);
            y += &format!(
                "    - roleName: {role}\n      policies:\n        - policyName: p\n          policyDocument: '{{ \"Version\": \"2012-10-17\", \"Statement\": [{st}] }}'\n"
            );
        }
    }
    // The instances' role (every generated instance has the default): one that may register,
    // or one that may not (ECS then refuses the agent's registration).
    if r.chance(30) {
        let policy = r.pick(&["AmazonEC2ContainerServiceforEC2Role", "AmazonEC2ContainerRegistryReadOnly"]);
        y += &format!("    - {{ roleName: ecsInstanceRole, managedPolicyArns: [{policy}] }}\n");
    }
    y
}

/// Another account's repository the `side` containers pull from, inside the `aws:` block:
/// with a policy that lets the lab's account pull, or without one (a cross-account denial).
fn foreign_repository(foreign: Option<bool>) -> String {
    let Some(allowed) = foreign else { return String::new() };
    let mut y = "  repositories:\n    - { name: side, registryId: \"906394416424\", images: [{ tags: [\"1\"] }] }\n"
        .to_string();
    if allowed {
        y = y.replace(
            " }] }\n",
            " }], repositoryPolicyText: '{ \"Statement\": [{ \"Effect\": \"Allow\", \"Principal\": { \"AWS\": \"arn:aws:iam::123456789012:root\" }, \"Action\": \"ecr:*\" }] }' }\n",
        );
    }
    y
}

/// The VPC's DNS attributes and DHCP options, drawn from a stream of their own so that the rest
/// of a seed's lab stays what it was before they existed.
fn dns_attributes(seed: u64, starts: Starts) -> String {
    let mut d = Rng(seed ^ 0xd45d_45d4_5d45_d45d);
    let support = d.chance(85);
    let hostnames = support && d.chance(80);
    let dhcp = match d.range(0, 5) {
        0 => "  dhcpOptions: { domainNameServers: [8.8.8.8, AmazonProvidedDNS] }\n",
        1 => "  dhcpOptions: { domainName: corp.example.com }\n",
        _ => "",
    };
    // An interface endpoint in the first subnet (which every lab has), with the VPC's default
    // security group: private DNS or not.
    let mut endpoints: Vec<&str> = match d.range(0, 3) {
        0 => vec!["{ name: ecr-api, service: ecr.api, subnets: [sn-1] }"],
        1 => vec!["{ name: sts, service: sts, subnets: [sn-1], privateDnsEnabled: false }"],
        _ => vec![],
    };
    if starts.dkr_endpoint {
        endpoints.push("{ name: ecr-dkr, service: ecr.dkr, subnets: [sn-1] }");
    }
    if starts.logs_endpoint {
        endpoints.push("{ name: logs, service: logs, subnets: [sn-1] }");
    }
    let endpoint =
        if endpoints.is_empty() { String::new() } else { format!("  vpcEndpoints: [{}]\n", endpoints.join(", ")) };
    format!("  enableDnsSupport: {support}\n  enableDnsHostnames: {hostnames}\n{dhcp}{endpoint}")
}

impl Gen {
    fn subnet_cidr(&self, i: usize) -> String {
        format!("10.{}.{}.0/24", self.octet, i + 1)
    }

    /// 1-3 subnets in one or two zones, each on the main table or a declared one: to the
    /// internet gateway, to the NAT gateway, or a narrower block (alone or next to 0.0.0.0/0).
    fn subnets_and_route_tables(&mut self) -> String {
        let mut tables: Vec<(String, Vec<(String, String)>)> = vec![];
        let igw_target = "gateway: internet-gateway".to_string();
        let nat_target = "natGateway: nat-1".to_string();
        if self.igw {
            tables.push(("public".into(), vec![("0.0.0.0/0".into(), igw_target.clone())]));
        }
        if self.nat {
            tables.push(("private".into(), vec![("0.0.0.0/0".into(), nat_target.clone())]));
        }
        if self.igw && self.rng.chance(40) {
            let block = self.rng.pick(&["192.0.2.0/24", "203.0.113.0/24", "192.0.2.128/25", "8.8.0.0/16"]).to_string();
            let target = if self.nat && self.rng.chance(50) { nat_target.clone() } else { igw_target.clone() };
            let mut routes = vec![(block, target)];
            if self.rng.chance(50) {
                let other = if self.nat && routes[0].1 == igw_target { nat_target.clone() } else { igw_target };
                routes.push(("0.0.0.0/0".into(), other));
            }
            tables.push(("narrow".into(), routes));
        }
        if self.rng.chance(15) {
            tables.push(("isolated".into(), vec![]));
        }
        let two_zones = self.rng.chance(40);
        let n = self.rng.range(1, 3);
        for i in 0..n {
            let zone = if two_zones && self.rng.chance(50) { 'b' } else { 'a' };
            let table = match self.rng.below(tables.len() + 1) {
                k if k < tables.len() => Some(tables[k].0.clone()),
                _ => None,
            };
            self.subnets.push(SubnetPlan { name: format!("sn-{}", i + 1), zone, table });
        }
        self.tables_to_nat =
            tables.iter().filter(|(_, r)| r.iter().any(|(_, t)| *t == nat_target)).map(|(n, _)| n.clone()).collect();
        if self.nat && self.subnets_for_nat().is_empty() {
            // Every subnet routes to the NAT gateway: it would route its own traffic to itself.
            self.subnets[0].table = Some("public".into());
        }
        self.plan_alb(&tables.iter().map(|t| t.0.clone()).collect::<Vec<_>>());
        let mut y = "  subnets:\n".to_string();
        let extra: Vec<(usize, &SubnetPlan)> = self
            .lb
            .as_ref()
            .map(|l| l.extra_subnets.iter().enumerate().map(|(k, s)| (LB_SUBNET_INDEX + k, s)).collect())
            .unwrap_or_default();
        for (i, SubnetPlan { name, zone, table }) in self.subnets.iter().enumerate().chain(extra) {
            let rt = table.as_ref().map(|t| format!(", routeTable: {t}")).unwrap_or_default();
            y += &format!(
                "    - {{ name: {name}, cidr: {}, availabilityZone: us-east-1{zone}{rt} }}\n",
                self.subnet_cidr(i)
            );
        }
        if !tables.is_empty() {
            y += "  routeTables:\n";
        }
        for (name, routes) in &tables {
            let routes: Vec<String> =
                routes.iter().map(|(d, t)| format!("{{ destinationCidrBlock: {d}, {t} }}")).collect();
            match routes.is_empty() {
                true => y += &format!("    - name: {name}\n"),
                false => y += &format!("    - name: {name}\n      routes: [{}]\n", routes.join(", ")),
            }
        }
        y
    }

    /// A public address not given out yet, from TEST-NET-1 (the default public IP pool,
    /// 198.51.100.0/24, is left to auto-assigned addresses).
    fn public_ip(&mut self) -> Ipv4Addr {
        loop {
            let ip = match self.rng.chance(80) {
                true => Ipv4Addr::new(192, 0, 2, self.rng.range(1, 254) as u8),
                false => Ipv4Addr::new(8, 8, self.rng.range(0, 255) as u8, self.rng.range(1, 254) as u8),
            };
            if self.public.insert(ip) {
                return ip;
            }
        }
    }

    /// The subnets a NAT gateway can stand in: those whose table routes nothing to it.
    fn subnets_for_nat(&self) -> Vec<usize> {
        let to_nat = |t: &Option<String>| t.as_ref().is_some_and(|t| self.tables_to_nat.contains(t));
        (0..self.subnets.len()).filter(|i| !to_nat(&self.subnets[*i].table)).collect()
    }

    /// The NAT gateway, in a subnet not routed to itself (mostly a public one).
    fn nat_gateway(&mut self) -> String {
        if !self.nat {
            return String::new();
        }
        let free = self.subnets_for_nat();
        let public: Vec<usize> =
            free.iter().copied().filter(|i| self.subnets[*i].table.as_deref() == Some("public")).collect();
        let si = match public.is_empty() {
            false if self.rng.chance(80) => *self.rng.pick(&public),
            _ => *self.rng.pick(&free),
        };
        let eip = match self.rng.chance(30) {
            true => format!(", elasticIp: {}", self.public_ip()),
            false => String::new(),
        };
        format!("  natGateways:\n    - {{ name: nat-1, subnet: {}{eip} }}\n", self.subnets[si].name)
    }

    /// A protocol and port range of a rule: `protocol: tcp, ports: 80`.
    fn rule_proto(&mut self) -> String {
        match self.rng.below(100) {
            0..40 => format!("protocol: tcp, ports: {}", self.rule_ports()),
            40..60 => format!("protocol: udp, ports: {}", self.rule_ports()),
            60..75 => "protocol: icmp".into(),
            _ => "protocol: all".into(),
        }
    }

    fn rule_ports(&mut self) -> String {
        match self.rng.below(100) {
            0..55 => self.rng.pick(&self.ports.clone()).to_string(),
            55..70 => "0-65535".into(),
            70..85 => "1024-65535".into(),
            _ => {
                let p = *self.rng.pick(&self.ports.clone());
                format!("{}-{}", p.saturating_sub(10).max(1), p + 10)
            }
        }
    }

    /// A peer of a security group rule: a CIDR block or a group.
    fn sg_peer(&mut self) -> String {
        let si = self.rng.below(self.subnets.len());
        let subnet = self.subnet_cidr(si);
        let vpc = format!("10.{}.0.0/16", self.octet);
        let mut peers = vec!["0.0.0.0/0".to_string(), vpc, subnet, "203.0.113.0/24".into(), "192.0.2.0/24".into()];
        peers.extend(self.groups.iter().map(|g| format!("sg/{g}")));
        peers.push("sg/default".into());
        self.rng.pick(&peers).clone()
    }

    /// 0-3 groups (sometimes the default one redeclared): ingress from blocks and groups,
    /// egress omitted (all), empty (none) or a few rules.
    fn security_groups(&mut self) -> String {
        let mut names: Vec<String> =
            ["web", "app", "db"][..self.rng.range(0, 3)].iter().map(|s| s.to_string()).collect();
        if self.rng.chance(10) {
            names.push("default".into());
        }
        self.groups = names.iter().filter(|n| *n != "default").cloned().collect();
        if names.is_empty() {
            return String::new();
        }
        let mut y = "  securityGroups:\n".to_string();
        for name in names {
            y += &format!("    - name: {name}\n");
            let ingress = self.rng.range(0, 3);
            if ingress > 0 {
                y += "      ingress:\n";
            }
            for _ in 0..ingress {
                let (proto, peer) = (self.rule_proto(), self.sg_peer());
                y += &format!("        - {{ {proto}, source: {peer} }}\n");
            }
            match self.rng.below(100) {
                0..65 => {}
                65..75 => y += "      egress: []\n",
                _ => {
                    y += "      egress:\n";
                    for _ in 0..self.rng.range(1, 2) {
                        let (proto, peer) = (self.rule_proto(), self.sg_peer());
                        y += &format!("        - {{ {proto}, destination: {peer} }}\n");
                    }
                }
            }
        }
        y
    }

    /// Sometimes one network ACL on one or two subnets: a few allow and deny rules each way,
    /// replies often allowed only to part of the ephemeral range.
    fn network_acl(&mut self) -> String {
        if !self.rng.chance(30) {
            return String::new();
        }
        let mut idx: Vec<usize> = (0..self.subnets.len()).collect();
        self.rng.shuffle(&mut idx);
        let on: Vec<String> =
            idx[..self.rng.range(1, idx.len().min(2))].iter().map(|i| self.subnets[*i].name.clone()).collect();
        let mut y = format!("  networkAcls:\n    - name: acl-1\n      subnets: [{}]\n", on.join(", "));
        for dir in ["ingress", "egress"] {
            y += &format!("      {dir}:\n");
            let mut number = 100;
            for _ in 0..self.rng.range(1, 4) {
                let action = if self.rng.chance(30) { "deny" } else { "allow" };
                let proto = match (dir, self.rng.below(100)) {
                    ("egress", 0..40) => {
                        let eph = *self.rng.pick(&["1024-65535", "32768-60999", "1024-40000", "49152-65535"]);
                        format!("protocol: {}, ports: {eph}", self.rng.pick(&["tcp", "udp"]))
                    }
                    _ => self.rule_proto(),
                };
                let block = self.acl_block();
                y += &format!(
                    "        - {{ ruleNumber: {number}, {proto}, cidrBlock: {block}, ruleAction: {action} }}\n"
                );
                number += self.rng.range(1, 3) * 10;
            }
            if self.rng.chance(50) {
                y += &format!(
                    "        - {{ ruleNumber: {number}, protocol: all, cidrBlock: 0.0.0.0/0, ruleAction: allow }}\n"
                );
            }
        }
        y
    }

    fn acl_block(&mut self) -> String {
        let si = self.rng.below(self.subnets.len());
        let subnet = self.subnet_cidr(si);
        let vpc = format!("10.{}.0.0/16", self.octet);
        self.rng.pick(&["0.0.0.0/0".to_string(), vpc, subnet, "203.0.113.0/24".into(), "192.0.2.0/24".into()]).clone()
    }

    /// 0-2 internet hosts listening on tcp and udp (declared with or without an internet
    /// gateway: without one, nothing reaches them).
    fn internet(&mut self) -> String {
        let n = self.rng.range(0, 2);
        if n == 0 {
            return String::new();
        }
        let mut y = "internet:\n  hosts:\n".to_string();
        for name in ["api", "dns"][..n].iter() {
            let ip = self.public_ip();
            let mut listen = vec![];
            for _ in 0..self.rng.range(1, 2) {
                let port = *self.rng.pick(&self.ports.clone());
                let proto = if self.rng.chance(65) { "tcp" } else { "udp" };
                let l = format!("{port}/{proto}");
                if !listen.contains(&l) {
                    listen.push(l);
                }
            }
            y += &format!("    - {{ name: {name}, ip: {ip}, listen: [{}] }}\n", listen.join(", "));
        }
        y
    }

    /// 1-3 instances: some with a fixed private IP, a public IP or an Elastic IP, on the
    /// default group, no group or named ones, some with more ENIs than a c5.large.
    fn instances(&mut self) -> String {
        let mut y = "instances:\n".to_string();
        let mut fixed = BTreeSet::new();
        for i in 0..self.rng.range(1, 3) {
            let si = self.rng.below(self.subnets.len());
            let mut fields = format!("name: ecs-{}, subnet: {}", i + 1, self.subnets[si].name);
            if self.rng.chance(30) {
                let host = self.rng.range(10, 250) as u8;
                if fixed.insert((si, host)) {
                    fields += &format!(", privateIp: 10.{}.{}.{host}", self.octet, si + 1);
                }
            }
            match self.rng.below(100) {
                0..35 => fields += ", publicIp: true",
                35..45 => fields += &format!(", elasticIp: {}", self.public_ip()),
                _ => {}
            }
            fields += &self.group_list("securityGroups");
            if self.rng.chance(20) {
                fields += &format!(", maxEnis: {}", self.rng.range(2, 5));
            } else if self.rng.chance(15) {
                fields += ", eniTrunking: true";
            }
            fields += &self.agent_settings();
            y += &format!("  - {{ {fields} }}\n");
            self.instances.push((format!("ecs-{}", i + 1), si));
        }
        y
    }

    /// The settings that change who reaches the metadata service and the agent: ECS's
    /// IMDS block for awsvpc tasks, AWS's documented rule for bridge containers, ecs-init's
    /// introspection guard lifted.
    fn agent_settings(&mut self) -> String {
        let mut agent = vec![];
        if self.rng.chance(20) {
            agent.push("ECS_AWSVPC_BLOCK_IMDS: true");
        }
        if self.rng.chance(15) {
            agent.push("ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS: true");
        }
        let mut out = String::new();
        if !agent.is_empty() {
            out += &format!(", ecsAgent: {{ {} }}", agent.join(", "));
        }
        if self.rng.chance(20) {
            out += ", blockImdsFromBridge: true";
        }
        out
    }

    /// `, securityGroups: [...]`: omitted (the default group), empty, or 1-2 declared groups.
    fn group_list(&mut self, field: &str) -> String {
        match self.rng.below(100) {
            0..30 => String::new(),
            30..45 => format!(", {field}: []"),
            _ if self.groups.is_empty() => format!(", {field}: [default]"),
            _ => {
                let mut g = self.groups.clone();
                self.rng.shuffle(&mut g);
                g.truncate(self.rng.range(1, 2));
                format!(", {field}: [{}]", g.join(", "))
            }
        }
    }

    /// 2-5 task definitions in random network modes.
    fn task_definitions(&mut self) -> String {
        let mut y = "taskDefinitions:\n".to_string();
        for i in 0..self.rng.range(2, 5) {
            let mode = match self.rng.below(100) {
                0..35 => NetworkMode::Bridge,
                35..65 => NetworkMode::Awsvpc,
                65..85 => NetworkMode::Host,
                _ => NetworkMode::None,
            };
            let family = format!("fam-{}", i + 1);
            let mode_name = format!("{mode:?}").to_lowercase();
            y += &format!("  - family: {family}\n    networkMode: {mode_name}\n");
            // Fargate needs a size from its table and, for ECR or awslogs, an execution role.
            let fargate = mode == NetworkMode::Awsvpc && self.fargate.chance(50);
            if fargate {
                y += "    requiresCompatibilities: [EC2, FARGATE]\n    cpu: 256\n    memory: 512\n";
                if self.starts.ecr || self.starts.awslogs {
                    y += "    executionRoleArn: arn:aws:iam::123456789012:role/ecsTaskExecutionRole\n";
                }
            }
            if self.iam.chance(70) {
                let role = self.iam.pick(ROLES);
                y += &format!("    taskRoleArn: arn:aws:iam::123456789012:role/{role}\n");
            }
            y += "    containerDefinitions:\n";
            let mut bound = vec![];
            let mut static_ports = BTreeSet::new();
            for c in 0..self.rng.range(1, 2) {
                let name = ["app", "side"][c];
                if self.starts.ecr {
                    let account = if c == 1 && self.starts.foreign.is_some() { "906394416424" } else { "123456789012" };
                    y += &format!(
                        "      - name: {name}\n        image: {account}.dkr.ecr.us-east-1.amazonaws.com/{name}:1\n"
                    );
                } else {
                    y += &format!("      - name: {name}\n        image: example/{name}:1\n");
                }
                if self.starts.awslogs && c == 0 {
                    y += "        logConfiguration: { logDriver: awslogs, options: { awslogs-group: /ecs/diff, awslogs-stream-prefix: ecs } }\n";
                }
                let mut own = BTreeSet::new();
                y += &self.port_mappings(mode, &mut bound, &mut own, &mut static_ports);
                let status = (c == 0 && mode == NetworkMode::Awsvpc && self.health404(i))
                    .then_some("httpStatus: { /health: 404 }");
                y += &self.extra_listen(mode, &mut bound, &own, status);
            }
            self.families.push(Family { name: family, mode, bound, static_ports, fargate });
        }
        y
    }

    /// A container's port mappings. awsvpc and host containers share a namespace, so their
    /// ports are unique in the task (`bound`); a bridge container's only in itself (`own`),
    /// and its static host ports in the task.
    fn port_mappings(
        &mut self,
        mode: NetworkMode,
        bound: &mut Vec<(Proto, u16)>,
        own: &mut BTreeSet<(Proto, u16)>,
        static_ports: &mut BTreeSet<(Proto, u16)>,
    ) -> String {
        if mode == NetworkMode::None {
            return String::new();
        }
        let mut maps = vec![];
        for _ in 0..self.rng.range(0, 2) {
            let port = *self.rng.pick(&self.ports.clone());
            let proto = if self.rng.chance(70) { Proto::Tcp } else { Proto::Udp };
            let shared = mode != NetworkMode::Bridge && bound.contains(&(proto, port));
            if shared || !own.insert((proto, port)) {
                continue;
            }
            let host = match mode {
                NetworkMode::Bridge => self.bridge_host_port(port, proto, static_ports),
                _ if self.rng.chance(50) => format!(", hostPort: {port}"),
                _ => String::new(),
            };
            maps.push(format!("{{ containerPort: {port}{host}, protocol: {} }}", proto_name(proto)));
            if mode != NetworkMode::Bridge {
                bound.push((proto, port));
            }
        }
        match maps.is_empty() {
            true => String::new(),
            false => format!("        portMappings: [{}]\n", maps.join(", ")),
        }
    }

    /// A bridge mapping's host port: static (the container port or another pool port, unique
    /// in the task), 0 or omitted (dynamic).
    fn bridge_host_port(&mut self, port: u16, proto: Proto, static_ports: &mut BTreeSet<(Proto, u16)>) -> String {
        match self.rng.below(100) {
            0..45 => {
                let hp = if self.rng.chance(60) { port } else { *self.rng.pick(&self.ports.clone()) };
                match static_ports.insert((proto, hp)) {
                    true => format!(", hostPort: {hp}"),
                    false => String::new(),
                }
            }
            45..60 => ", hostPort: 0".into(),
            _ => String::new(),
        }
    }

    /// Sometimes `x-ecsnet.listen`: ports the responder answers on without a mapping.
    fn extra_listen(
        &mut self,
        mode: NetworkMode,
        bound: &mut Vec<(Proto, u16)>,
        own: &BTreeSet<(Proto, u16)>,
        status: Option<&str>,
    ) -> String {
        if !self.rng.chance(30) {
            return status.map(|s| format!("        x-ecsnet: {{ {s} }}\n")).unwrap_or_default();
        }
        let mut listen = vec![];
        for _ in 0..self.rng.range(1, 2) {
            let port = *self.rng.pick(&self.ports.clone());
            let proto = if self.rng.chance(65) { Proto::Tcp } else { Proto::Udp };
            let taken = own.contains(&(proto, port))
                || (mode != NetworkMode::Bridge && bound.contains(&(proto, port)))
                || listen.contains(&(proto, port));
            if !taken {
                listen.push((proto, port));
            }
        }
        if mode != NetworkMode::Bridge {
            bound.extend(listen.iter().copied());
        }
        let l: Vec<String> = listen.iter().map(|(pr, p)| format!("{p}/{}", proto_name(*pr))).collect();
        let status = status.map(|s| format!(", {s}")).unwrap_or_default();
        format!("        x-ecsnet: {{ listen: [{}]{status} }}\n", l.join(", "))
    }

    /// A task of every task definition, then 0-2 more, on random instances. Host mode tasks
    /// whose ports would meet another host task's on the instance go elsewhere or are left out:
    /// two responders cannot bind one port (ECS's placement checks only the mapped ones, and an
    /// unmapped `listen` port is ours).
    fn tasks(&mut self) -> String {
        let mut y = "tasks:\n".to_string();
        let mut host_bound: Vec<BTreeSet<(Proto, u16)>> = vec![BTreeSet::new(); self.instances.len()];
        // Bridge static host ports per instance: a host task's program cannot bind one either
        // (docker-proxy holds it), and the other way round.
        let mut published: Vec<BTreeSet<(Proto, u16)>> = vec![BTreeSet::new(); self.instances.len()];
        let mut count = 0;
        let mut order: Vec<usize> = (0..self.families.len()).collect();
        self.rng.shuffle(&mut order);
        for _ in 0..self.rng.range(0, 2) {
            order.push(self.rng.below(self.families.len()));
        }
        for (i, fi) in order.into_iter().enumerate() {
            let Family { name: family, mode, bound, static_ports, fargate } = self.families[fi].clone();
            let mut candidates: Vec<usize> = (0..self.instances.len()).collect();
            self.rng.shuffle(&mut candidates);
            let fits = |ii: &usize| match mode {
                NetworkMode::Host => bound.iter().all(|b| !host_bound[*ii].contains(b) && !published[*ii].contains(b)),
                NetworkMode::Bridge => static_ports.iter().all(|p| !host_bound[*ii].contains(p)),
                _ => true,
            };
            let Some(ii) = candidates.into_iter().find(fits) else { continue };
            match mode {
                NetworkMode::Host => host_bound[ii].extend(bound.iter().copied()),
                NetworkMode::Bridge => published[ii].extend(static_ports.iter().copied()),
                _ => {}
            }
            let prefix = match mode {
                NetworkMode::Bridge => "br",
                NetworkMode::Awsvpc => "vpc",
                NetworkMode::Host => "host",
                NetworkMode::None => "none",
            };
            let mut fields =
                format!("name: {prefix}-{}, taskDefinition: {family}, instance: {}", i + 1, self.instances[ii].0);
            if mode == NetworkMode::Awsvpc {
                fields += &self.awsvpc_configuration(ii);
            }
            let same_zone = self.subnets[self.last_subnet].zone == self.subnets[self.instances[ii].1].zone;
            let mut vpc_task = (format!("{prefix}-{}", i + 1), self.last_subnet, fi, same_zone);
            // A Fargate-compatible family's task runs on Fargate most of the time (the draws
            // above are made all the same, so the rest of the lab does not move).
            if fargate && self.fargate.chance(70) {
                fields = format!("name: fg-{}, taskDefinition: {family}, launchType: FARGATE", i + 1);
                fields += &self.fargate_configuration();
                vpc_task = (format!("fg-{}", i + 1), self.last_subnet, fi, true);
            }
            if mode == NetworkMode::Awsvpc {
                self.vpc_tasks.push(vpc_task);
            }
            y += &format!("  - {{ {fields} }}\n");
            count += 1;
        }
        if count == 0 { String::new() } else { y }
    }

    /// A Fargate task's network configuration: any subnet, any groups, a public IP or not
    /// (drawn from the Fargate stream).
    fn fargate_configuration(&mut self) -> String {
        let all: Vec<String> = self.subnets.iter().map(|s| s.name.clone()).collect();
        let subnet = self.fargate.pick(&all).clone();
        self.last_subnet = self.subnets.iter().position(|s| s.name == subnet).unwrap_or(0);
        let groups = match (self.fargate.below(100), self.groups.is_empty()) {
            (0..30, _) | (_, true) => String::new(),
            _ => format!(", securityGroups: [{}]", self.fargate.pick(&self.groups.clone())),
        };
        let public = if self.fargate.chance(60) { "ENABLED" } else { "DISABLED" };
        format!(
            ", networkConfiguration: {{ awsvpcConfiguration: {{ subnets: [{subnet}]{groups}, assignPublicIp: {public} }} }}"
        )
    }

    /// Mostly a subnet in the instance's zone (sometimes another, which ECS refuses to place).
    fn awsvpc_configuration(&mut self, ii: usize) -> String {
        let zone = self.subnets[self.instances[ii].1].zone;
        let same: Vec<String> = self.subnets.iter().filter(|s| s.zone == zone).map(|s| s.name.clone()).collect();
        let all: Vec<String> = self.subnets.iter().map(|s| s.name.clone()).collect();
        let subnet = if self.rng.chance(90) { self.rng.pick(&same).clone() } else { self.rng.pick(&all).clone() };
        self.last_subnet = self.subnets.iter().position(|s| s.name == subnet).unwrap_or(0);
        let groups = self.group_list("securityGroups");
        format!(", networkConfiguration: {{ awsvpcConfiguration: {{ subnets: [{subnet}]{groups} }} }}")
    }
}

/// Where the subnet a one-zone lab gets for its ALB goes (10.X.10.0/24).
const LB_SUBNET_INDEX: usize = 9;
/// The ALB's group, and the group that admits only it (given to some targets).
const ALB_SG: &str = "alb-sg";
const TARGET_SG: &str = "tgt-sg";
/// The group every instance gets when a bridge service is behind the ALB (its dynamic ports).
const INSTANCE_SG: &str = "inst-sg";

/// ALBs (issue 17), all drawn from `Gen::alb`.
impl Gen {
    /// Whether the lab has an ALB, its listener port, the subnet a one-zone lab adds for it, and
    /// the families whose app answers `/health` with 404.
    fn plan_alb(&mut self, tables: &[String]) {
        if !self.alb.chance(60) {
            return;
        }
        let port = *self.alb.pick(&[80u16, 8080]);
        let web = self.alb.chance(90).then(|| self.web_plan());
        let zones: BTreeSet<char> = self.subnets.iter().map(|s| s.zone).collect();
        let extra_subnets = match (zones.len() < 2, web.is_some()) {
            // Its own subnet in each zone, on the table with the internet gateway's route.
            (_, true) => {
                let table = self.igw.then(|| "public".to_string());
                let lb = |zone: char| SubnetPlan { name: format!("sn-lb{zone}"), zone, table: table.clone() };
                vec![lb('a'), lb('b')]
            }
            (true, false) => {
                let zone = if zones.contains(&'a') { 'b' } else { 'a' };
                let k = self.alb.below(tables.len() + 1);
                vec![SubnetPlan { name: "sn-lb".into(), zone, table: tables.get(k).cloned() }]
            }
            (false, false) => vec![],
        };
        let health404 = (0..5).filter(|_| self.alb.chance(30)).collect();
        let rule = match self.alb.below(100) {
            0..40 => AlbRule::None,
            40..70 => AlbRule::Forward,
            _ => AlbRule::Fixed(*self.alb.pick(&[200, 404, 503])),
        };
        let nlb = self.nlb.chance(40).then(|| self.nlb_plan());
        let rule = if nlb.is_some() { AlbRule::None } else { rule };
        self.lb = Some(AlbPlan { port, extra_subnets, web, health404, groups: vec![], rule, nlb });
    }

    fn nlb_plan(&mut self) -> NlbPlan {
        let preserve = match self.nlb.below(3) {
            0 => None,
            k => Some(k == 1),
        };
        let cross_zone = match self.nlb.below(3) {
            0 => None,
            k => Some(k == 1),
        };
        let admit = match self.nlb.below(100) {
            0..40 => "sg",
            40..70 => "anywhere",
            _ => "vpc",
        };
        NlbPlan { http_check: self.nlb.chance(25), preserve, cross_zone, groups: self.nlb.chance(60), admit }
    }

    /// The source `tgt-sg` and `inst-sg` admit TCP from.
    fn target_source(&self) -> String {
        match self.lb.as_ref().and_then(|l| l.nlb.as_ref()).map(|n| n.admit) {
            Some("anywhere") => "0.0.0.0/0".into(),
            Some("vpc") => format!("10.{}.0.0/16", self.octet),
            _ => format!("sg/{ALB_SG}"),
        }
    }

    /// The family `web` of a lab built to answer: one container listening on its port, an
    /// image of no registry (nothing to pull), sometimes answering `/health` with 404.
    fn web_family(&self) -> String {
        let Some(w) = self.lb.as_ref().and_then(|l| l.web.as_ref()) else { return String::new() };
        let status = if w.health404 { "        x-ecsnet: { httpStatus: { /health: 404 } }\n" } else { "" };
        let (mode, host) = match w.kind {
            WebKind::Bridge { .. } => ("bridge\n    memory: 256", ", hostPort: 0"),
            _ => ("awsvpc\n    requiresCompatibilities: [EC2, FARGATE]\n    cpu: 256\n    memory: 512", ""),
        };
        format!(
            "  - family: web\n    networkMode: {mode}\n    containerDefinitions:\n      - name: app\n        image: example/web:1\n        portMappings: [{{ containerPort: {}{host}, protocol: tcp }}]\n{status}",
            w.port
        )
    }

    /// `tasks` (its header written when the lab has none else) and the Fargate tasks of
    /// `web` in any subnet, mostly with the group that admits the ALB's.
    fn web_tasks(&mut self, tasks: String) -> String {
        let Some((n, kind)) = self.lb.as_ref().and_then(|l| l.web.as_ref()).map(|w| (w.tasks, w.kind)) else {
            return tasks;
        };
        if kind != WebKind::Tasks {
            return tasks + &self.web_service(n, kind);
        }
        let subnets = self.web_subnets();
        let mut y = if tasks.is_empty() { "tasks:\n".to_string() } else { tasks };
        for k in 1..=n {
            let subnet = self.alb.pick(&subnets).clone();
            let groups = self.web_group();
            y += &format!(
                "  - {{ name: web-{k}, taskDefinition: web, launchType: FARGATE, networkConfiguration: {{ awsvpcConfiguration: {{ subnets: [{subnet}], securityGroups: [{groups}] }} }} }}\n"
            );
        }
        y
    }

    /// Every subnet of the lab, the ALB's own included.
    fn web_subnets(&self) -> Vec<String> {
        let mut subnets: Vec<String> = self.subnets.iter().map(|s| s.name.clone()).collect();
        subnets.extend(self.lb.iter().flat_map(|l| l.extra_subnets.iter().map(|s| s.name.clone())));
        subnets
    }

    /// A web task's group: mostly the one admitting the ALB's, sometimes the ALB's own (the
    /// listener port only) or another.
    fn web_group(&mut self) -> String {
        match self.alb.below(100) {
            0..85 => TARGET_SG.to_string(),
            85..93 => ALB_SG.to_string(),
            _ => self.alb.pick(&self.groups.iter().cloned().chain(["default".to_string()]).collect::<Vec<_>>()).clone(),
        }
    }

    /// The service `web` (drawn from `Gen::svc`): its tasks registered in `tg-1` by ECS.
    fn web_service(&mut self, n: usize, kind: WebKind) -> String {
        let Some(port) = self.lb.as_ref().and_then(|l| l.web.as_ref()).map(|w| w.port) else { return String::new() };
        let mut y = format!("services:\n  - serviceName: web\n    taskDefinition: web\n    desiredCount: {n}\n");
        let mut subnets = self.web_subnets();
        self.svc.shuffle(&mut subnets);
        match kind {
            WebKind::Fargate => {
                subnets.truncate(self.svc.range(1, 2));
                y += "    launchType: FARGATE\n";
            }
            WebKind::Ec2(strategy) => y += &format!("    placementStrategy: {strategy}\n"),
            _ => {}
        }
        if kind != (WebKind::Bridge { ephemeral: true }) && kind != (WebKind::Bridge { ephemeral: false }) {
            let group = if self.svc.chance(90) { TARGET_SG.to_string() } else { self.web_group() };
            y += &format!(
                "    networkConfiguration:\n      awsvpcConfiguration: {{ subnets: [{}], securityGroups: [{group}] }}\n",
                subnets.join(", ")
            );
        }
        // The analyzer judges the lab as `up` built it: ECS must not replace a task failing its
        // health checks while the probes run (a constant, so no draw changes).
        y += "    healthCheckGracePeriodSeconds: 3600\n";
        y += &self.registry(port, kind);
        y + &format!(
            "    loadBalancers:\n      - {{ targetGroupArn: tg-1, containerName: app, containerPort: {port} }}\n"
        )
    }

    /// Half the time `web` registers its tasks in a Cloud Map service, as ECS allows for its
    /// network mode: A and/or SRV records for awsvpc (with `port` or the container's), SRV with
    /// the container's host port for bridge; MULTIVALUE or WEIGHTED (one record per answer).
    fn registry(&mut self, port: u16, kind: WebKind) -> String {
        if !self.cloud.chance(50) {
            return String::new();
        }
        let bridge = matches!(kind, WebKind::Bridge { .. });
        let (records, extra) = match self.cloud.below(100) {
            _ if bridge => ("{ type: SRV, ttl: 10 }", format!(", containerName: app, containerPort: {port}")),
            0..60 => ("{ type: A, ttl: 10 }", String::new()),
            60..80 => ("{ type: A, ttl: 10 }, { type: SRV, ttl: 10 }", format!(", port: {port}")),
            _ => ("{ type: SRV, ttl: 10 }", format!(", containerName: app, containerPort: {port}")),
        };
        let routing = if self.cloud.chance(25) { "WEIGHTED" } else { "MULTIVALUE" };
        let ns = self.cloud.pick(&["corp.local", "svc.internal", "example.test"]).to_string();
        self.discovery = format!(
            "serviceDiscovery:\n  namespaces: [{{ name: {ns} }}]\n  services:\n    - {{ name: web, namespace: {ns}, dnsConfig: {{ routingPolicy: {routing}, dnsRecords: [{records}] }} }}\n"
        );
        format!("    serviceRegistries: [{{ registryArn: web{extra} }}]\n")
    }

    fn web_plan(&mut self) -> WebPlan {
        let port = *self.alb.pick(&[80u16, 3000, 8080]);
        let group_port = if self.alb.chance(8) { 9000 } else { port };
        let kind = match self.svc.below(100) {
            0..35 => WebKind::Tasks,
            35..65 => WebKind::Fargate,
            65..85 => WebKind::Ec2(STRATEGIES[self.svc.below(STRATEGIES.len())]),
            _ => WebKind::Bridge { ephemeral: self.svc.chance(75) },
        };
        WebPlan { port, group_port, tasks: self.alb.range(1, 3), health404: self.alb.chance(20), kind }
    }

    fn health404(&self, family: usize) -> bool {
        self.lb.as_ref().is_some_and(|l| l.health404.contains(&family))
    }

    /// The ALB's group (admitting its listener port or not, egress sometimes restricted) and
    /// the group that admits TCP only from it.
    fn alb_security_groups(&mut self, has_header: bool) -> String {
        let Some(port) = self.lb.as_ref().map(|l| l.port) else { return String::new() };
        let mut y = if has_header { String::new() } else { "  securityGroups:\n".into() };
        let vpc = format!("10.{}.0.0/16", self.octet);
        let web = self.lb.as_ref().is_some_and(|l| l.web.is_some());
        let ingress = match self.alb.below(100) {
            _ if web => format!("{{ protocol: tcp, ports: {port}, source: 0.0.0.0/0 }}"),
            0..50 => format!("{{ protocol: tcp, ports: {port}, source: 0.0.0.0/0 }}"),
            50..75 => format!("{{ protocol: tcp, ports: {port}, source: {vpc} }}"),
            _ => "{ protocol: tcp, ports: 443, source: 0.0.0.0/0 }".into(),
        };
        y += &format!("    - name: {ALB_SG}\n      ingress: [{ingress}]\n");
        let egress = match self.alb.below(100) {
            _ if web => None,
            0..55 => None,
            55..70 => Some(format!("sg/{TARGET_SG}")),
            70..85 => Some(vpc),
            _ => Some("203.0.113.0/24".into()),
        };
        if let Some(to) = egress {
            y += &format!("      egress: [{{ protocol: tcp, ports: 0-65535, destination: {to} }}]\n");
        }
        let source = self.target_source();
        y += &format!(
            "    - name: {TARGET_SG}\n      ingress: [{{ protocol: tcp, ports: 0-65535, source: {source} }}]\n"
        );
        let web = self.lb.as_ref().and_then(|l| l.web.as_ref());
        if let Some((WebKind::Bridge { ephemeral }, port)) = web.map(|w| (w.kind, w.port)) {
            let ports = if ephemeral { "32768-65535".to_string() } else { port.to_string() };
            y += &format!(
                "    - name: {INSTANCE_SG}\n      ingress: [{{ protocol: tcp, ports: {ports}, source: {source} }}]\n"
            );
        }
        y
    }

    /// The target groups' targets among the awsvpc tasks (EC2 ones placed in their instance's
    /// zone, Fargate ones), and some of them given only the group that admits the ALB's.
    fn target_groups_only_from_alb(&mut self, y: String) -> String {
        let Some(rule) = self.lb.as_ref().map(|l| l.rule) else { return y };
        let candidates: Vec<(String, usize)> =
            self.vpc_tasks.iter().filter(|t| t.3).map(|t| (t.0.clone(), t.2)).collect();
        let n = if rule == AlbRule::Forward { 2 } else { 1 };
        let mut only_alb = BTreeSet::new();
        let mut groups = vec![];
        for _ in 0..n {
            let mut c = candidates.clone();
            self.alb.shuffle(&mut c);
            c.truncate(if self.alb.chance(10) { 0 } else { self.alb.range(1, 2) });
            let mut targets = vec![];
            let mut group_port = None;
            for (task, fi) in c {
                let tcp: Vec<u16> = self.families[fi].bound.iter().filter(|b| b.0 == Proto::Tcp).map(|b| b.1).collect();
                let port = match tcp.is_empty() || self.alb.chance(10) {
                    true => 80,
                    false => *self.alb.pick(&tcp),
                };
                let gp = *group_port.get_or_insert(port);
                targets.push((task.clone(), (port != gp).then_some(port)));
                if self.alb.chance(50) {
                    only_alb.insert(task);
                }
            }
            groups.push((group_port.unwrap_or(80), targets));
        }
        if let Some(l) = self.lb.as_mut() {
            if let Some(w) = &l.web {
                // A service's tasks are registered by ECS, not listed.
                let listed = if w.kind == WebKind::Tasks { w.tasks } else { 0 };
                groups[0] = (w.group_port, (1..=listed).map(|k| (format!("web-{k}"), None)).collect());
            }
            l.groups = groups;
        }
        let bridge =
            self.lb.as_ref().and_then(|l| l.web.as_ref()).is_some_and(|w| matches!(w.kind, WebKind::Bridge { .. }));
        y.lines().map(|l| format!("{}\n", with_instance_group(&with_target_group(l, &only_alb), bridge))).collect()
    }

    /// `targetGroups` and `loadBalancers`.
    fn load_balancer(&mut self) -> String {
        let Some(plan) = self.lb.take() else { return String::new() };
        let mut y = "targetGroups:\n".to_string();
        let bridge = plan.web.as_ref().is_some_and(|w| matches!(w.kind, WebKind::Bridge { .. }));
        for (i, (port, targets)) in plan.groups.iter().enumerate() {
            let kind = if i == 0 && bridge { "instance" } else { "ip" };
            let path = if self.alb.chance(50) { "/health" } else { "/" };
            let check = match &plan.nlb {
                None => format!("healthCheckPath: {path}"),
                Some(n) => nlb_group(n, path),
            };
            let t: Vec<String> = targets
                .iter()
                .map(|(task, p)| match p {
                    Some(p) => format!("{{ id: task/{task}, port: {p} }}"),
                    None => format!("{{ id: task/{task} }}"),
                })
                .collect();
            y += &format!(
                "  - {{ name: tg-{}, port: {port}, targetType: {kind}, {check}, healthCheckIntervalSeconds: 5, healthCheckTimeoutSeconds: 2, healthyThresholdCount: 2, unhealthyThresholdCount: 2, deregistrationDelayTimeoutSeconds: 1, targets: [{}] }}\n",
                i + 1,
                t.join(", ")
            );
        }
        y + &self.alb_itself(&plan)
    }

    fn alb_itself(&mut self, plan: &AlbPlan) -> String {
        let mut all: Vec<&SubnetPlan> = match plan.web {
            Some(_) => plan.extra_subnets.iter().collect(),
            None => self.subnets.iter().chain(&plan.extra_subnets).collect(),
        };
        self.alb.shuffle(&mut all);
        let a = all.iter().find(|s| s.zone == 'a').map(|s| s.name.clone()).unwrap_or_default();
        let b = all.iter().find(|s| s.zone == 'b').map(|s| s.name.clone()).unwrap_or_default();
        let facing = if plan.web.is_some() { 25 } else { 70 };
        let scheme = if self.igw && self.alb.chance(facing) { "internet-facing" } else { "internal" };
        let groups = if plan.web.is_some() || self.alb.chance(85) {
            format!(", securityGroups: [{ALB_SG}]")
        } else {
            String::new()
        };
        if let Some(n) = &plan.nlb {
            return nlb_itself(n, scheme, (&a, &b), plan.port);
        }
        let mut rules: Vec<String> = self.host_rule().into_iter().collect();
        match plan.rule {
            AlbRule::None => {}
            AlbRule::Forward => rules.push(format!("{{ priority: 10, conditions: [{{ field: path-pattern, values: [/api/*] }}], actions: [{}] }}", self.forward_to_tg2())),
            AlbRule::Fixed(code) => rules.push(format!("{{ priority: 10, conditions: [{{ field: path-pattern, values: [/api/*] }}], actions: [{{ type: fixed-response, fixedResponseConfig: {{ statusCode: \"{code}\" }} }}] }}")),
        };
        let rules = if rules.is_empty() { String::new() } else { format!(", rules: [{}]", rules.join(", ")) };
        format!(
            "loadBalancers:\n  - name: lb-1\n    scheme: {scheme}\n    subnets: [{a}, {b}]\n    listeners:\n      - {{ port: {}, protocol: HTTP, defaultActions: [{{ type: forward, targetGroupArn: tg-1 }}]{rules} }}\n{}",
            plan.port,
            if groups.is_empty() { String::new() } else { format!("    securityGroups: [{ALB_SG}]\n") }
        )
    }
}

/// A network load balancer's group `tg-1`: protocol TCP, its health check TCP (the default)
/// or HTTP on `path`, its `preserve_client_ip.enabled` when drawn.
fn nlb_group(n: &NlbPlan, path: &str) -> String {
    let check = if n.http_check {
        format!("healthCheckProtocol: HTTP, healthCheckPath: {path}")
    } else {
        "healthCheckProtocol: TCP".into()
    };
    let attr = match n.preserve {
        Some(p) => format!(", attributes: {{ preserve_client_ip.enabled: {p} }}"),
        None => String::new(),
    };
    format!("protocol: TCP, {check}{attr}")
}

/// The network load balancer `lb-1`: one TCP listener forwarding to `tg-1`, no rules.
fn nlb_itself(n: &NlbPlan, scheme: &str, (a, b): (&str, &str), port: u16) -> String {
    let groups = if n.groups { format!("    securityGroups: [{ALB_SG}]\n") } else { String::new() };
    let attr = match n.cross_zone {
        Some(c) => format!("    attributes: {{ load_balancing.cross_zone.enabled: {c} }}\n"),
        None => String::new(),
    };
    format!(
        "loadBalancers:\n  - name: lb-1\n    type: network\n    scheme: {scheme}\n    subnets: [{a}, {b}]\n    listeners:\n      - {{ port: {port}, protocol: TCP, defaultActions: [{{ type: forward, targetGroupArn: tg-1 }}] }}\n{groups}{attr}"
    )
}

/// An instance line (`ecs-N`) with `inst-sg` added to its groups, when `on`.
fn with_instance_group(line: &str, on: bool) -> String {
    if !on || !line.starts_with("  - { name: ecs-") {
        return line.to_string();
    }
    if line.contains("securityGroups: []") {
        return line.replace("securityGroups: []", &format!("securityGroups: [{INSTANCE_SG}]"));
    }
    if line.contains("securityGroups: [") {
        return line.replacen("securityGroups: [", &format!("securityGroups: [{INSTANCE_SG}, "), 1);
    }
    match line.strip_suffix(" }") {
        Some(head) => format!("{head}, securityGroups: [default, {INSTANCE_SG}] }}"),
        None => line.to_string(),
    }
}

/// Listener rules drawn from `Gen::rules`.
impl Gen {
    /// Sometimes a rule on the Host header before the path rule: the load balancer's DNS name
    /// (what a client sends) matches `*.elb.amazonaws.com` and `*lb-1-*`, never
    /// `old.example.com`; it answers a fixed response of its own.
    fn host_rule(&mut self) -> Option<String> {
        if !self.rules.chance(20) {
            return None;
        }
        let host =
            *self.rules.pick(&["\"*.elb.amazonaws.com\"", "\"*lb-1-*\"", "old.example.com", "\"*.EXAMPLE.com\""]);
        let code = *self.rules.pick(&[202u16, 410]);
        Some(format!(
            "{{ priority: 5, conditions: [{{ field: host-header, values: [{host}] }}], actions: [{{ type: fixed-response, fixedResponseConfig: {{ statusCode: \"{code}\" }} }}] }}"
        ))
    }

    /// The path rule's forward: to tg-2, or weighted between tg-1 and tg-2 (weights 0, 1 or 3:
    /// a group of weight 0 gets nothing).
    fn forward_to_tg2(&mut self) -> String {
        if !self.rules.chance(50) {
            return "{ type: forward, targetGroupArn: tg-2 }".into();
        }
        let (a, b) = (*self.rules.pick(&[0u32, 1, 3]), *self.rules.pick(&[1u32, 3]));
        format!(
            "{{ type: forward, forwardConfig: {{ targetGroups: [{{ targetGroupArn: tg-1, weight: {a} }}, {{ targetGroupArn: tg-2, weight: {b} }}] }} }}"
        )
    }
}

/// A task line of `tasks` whose task is in `only`: its groups replaced by the one admitting
/// only the ALB's.
fn with_target_group(line: &str, only: &BTreeSet<String>) -> String {
    let named = only.iter().any(|t| line.starts_with(&format!("  - {{ name: {t}, ")));
    let Some(at) = line.find("subnets: [").filter(|_| named) else { return line.to_string() };
    let Some(close) = line[at..].find(']').map(|c| at + c + 1) else { return line.to_string() };
    let mut rest = &line[close..];
    if let Some(r) = rest.strip_prefix(", securityGroups: [") {
        rest = r.find(']').map(|c| &r[c + 1..]).unwrap_or(r);
    }
    format!("{}, securityGroups: [{TARGET_SG}]{rest}", &line[..close])
}
