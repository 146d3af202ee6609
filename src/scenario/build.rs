//! From the node tree to the typed scenario: every block of the file, with the checks that
//! need only the block itself (types, ranges, name rules, duplicates). References between
//! objects are checked afterwards in `check.rs`.

use super::instance_types::{DEFAULT_INSTANCE_TYPE, eni_limits, known_instance_types};
use super::types::*;
use super::walk::*;
use ipnetwork::Ipv4Network;
use marked_yaml::Node;
use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::Arc;

pub(crate) const MAX_INSTANCES: usize = 200;
pub(crate) const MAX_TASKS: usize = 2000;
pub(crate) const MAX_TASK_DEFINITIONS: usize = 1000;
pub(crate) const MAX_EXPECTATIONS: usize = 20_000;
/// Subnets, route tables, security groups, ... (AWS's own quotas are lower).
const MAX_OBJECTS: usize = 500;
const MAX_RULES: usize = 1000;

/// The emulated internet client (SCENARIO.md).
pub(crate) const INTERNET_CLIENT: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 10);

const TOP_KEYS: &[&str] =
    &["version", "name", "description", "region", "vpc", "internet", "instances", "taskDefinitions", "tasks", "expect"];
const VPC_KEYS: &[&str] = &[
    "cidr",
    "internetGateway",
    "publicIpPool",
    "subnets",
    "routeTables",
    "natGateways",
    "securityGroups",
    "networkAcls",
];
const SUBNET_KEYS: &[&str] = &["name", "cidr", "availabilityZone", "routeTable"];
const ROUTE_TABLE_KEYS: &[&str] = &["name", "routes"];
const ROUTE_KEYS: &[&str] = &["destinationCidrBlock", "gateway", "natGateway"];
const NAT_KEYS: &[&str] = &["name", "subnet", "elasticIp"];
const SG_KEYS: &[&str] = &["name", "description", "ingress", "egress"];
const SG_IN_KEYS: &[&str] = &["protocol", "ports", "source", "description"];
const SG_OUT_KEYS: &[&str] = &["protocol", "ports", "destination", "description"];
const ACL_KEYS: &[&str] = &["name", "subnets", "ingress", "egress"];
const ACL_RULE_KEYS: &[&str] = &["ruleNumber", "protocol", "ports", "cidrBlock", "ruleAction"];
const INTERNET_KEYS: &[&str] = &["hosts"];
const HOST_KEYS: &[&str] = &["name", "ip", "listen"];
const INSTANCE_KEYS: &[&str] = &[
    "name",
    "subnet",
    "privateIp",
    "publicIp",
    "elasticIp",
    "securityGroups",
    "instanceType",
    "maxEnis",
    "eniTrunking",
];
const TASK_KEYS: &[&str] = &["name", "taskDefinition", "instance", "networkConfiguration"];
const NETCONF_KEYS: &[&str] = &["awsvpcConfiguration"];
const AWSVPC_KEYS: &[&str] = &["subnets", "securityGroups", "assignPublicIp"];

/// Names declared in the file, including by entries that had errors (so that references to
/// them do not produce a second, misleading error).
#[derive(Default)]
pub(crate) struct Seen {
    pub subnets: HashSet<String>,
    pub route_tables: HashSet<String>,
    pub nats: HashSet<String>,
    pub sgs: HashSet<String>,
    pub hosts: HashSet<String>,
    pub instances: HashSet<String>,
    pub families: HashSet<String>,
    pub tasks: HashSet<String>,
}

/// Everything read from the file, before cross-checks.
pub(crate) struct Draft {
    pub version: Option<u32>,
    pub name: Option<Located<String>>,
    pub description: Option<String>,
    pub region: String,
    pub vpc_ok: bool,
    pub vpc_cidr: Option<Located<Ipv4Network>>,
    pub internet_gateway: bool,
    pub public_ip_pool: Located<Ipv4Network>,
    pub subnets: Vec<Subnet>,
    pub route_tables: Vec<RouteTable>,
    pub nat_gateways: Vec<NatGateway>,
    pub security_groups: Vec<SecurityGroup>,
    pub network_acls: Vec<NetworkAcl>,
    pub hosts: Vec<InternetHost>,
    pub instances: Vec<Instance>,
    pub task_definitions: Vec<TaskDefinition>,
    pub tasks: Vec<Task>,
    /// Where each task's `networkConfiguration` key is (parallel to `tasks`).
    pub task_netconf: Vec<Option<Loc>>,
    pub expect: Vec<Expectation>,
}

pub(crate) struct Builder {
    pub cx: Ctx,
    pub base_dir: PathBuf,
    pub seen: Seen,
}

pub(crate) fn default_pool() -> Ipv4Network {
    Ipv4Network::new(Ipv4Addr::new(198, 51, 100, 0), 24).unwrap_or_else(|_| Ipv4Network::from(Ipv4Addr::UNSPECIFIED))
}

fn region_ok(r: &str) -> bool {
    // ^[a-z]{2}(-[a-z]+)+-\d$
    let parts: Vec<&str> = r.split('-').collect();
    r.len() <= 30
        && parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..parts.len() - 1].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts.last().is_some_and(|p| p.len() == 1 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Lab names: `[a-z0-9-]`, 1-20 characters, not starting or ending with '-'.
pub fn check_lab_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the lab name is empty".to_string());
    }
    if name.contains('\0') || name.contains('/') || name.contains("..") {
        return Err(format!(
            "invalid lab name `{}`: it must not contain `/`, `..` or NUL (it becomes part of file and namespace names)",
            short(name)
        ));
    }
    if name.chars().count() > 20 {
        return Err(format!("invalid lab name `{}`: at most 20 characters", short(name)));
    }
    if !name_ok(name, 20) {
        return Err(format!("invalid lab name `{}`: use only lowercase letters, digits and '-'", short(name)));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err(format!("invalid lab name `{}`: it must not start or end with '-'", short(name)));
    }
    Ok(())
}

impl Builder {
    pub fn new(file: Arc<PathBuf>, base_dir: PathBuf) -> Self {
        Builder { cx: Ctx::new(file), base_dir, seen: Seen::default() }
    }

    pub fn draft(&mut self, root: &Node) -> Draft {
        let mut d = Draft {
            version: None,
            name: None,
            description: None,
            region: "us-east-1".to_string(),
            vpc_ok: false,
            vpc_cidr: None,
            internet_gateway: false,
            public_ip_pool: Located::bare(default_pool()),
            subnets: Vec::new(),
            route_tables: Vec::new(),
            nat_gateways: Vec::new(),
            security_groups: Vec::new(),
            network_acls: Vec::new(),
            hosts: Vec::new(),
            instances: Vec::new(),
            task_definitions: Vec::new(),
            tasks: Vec::new(),
            task_netconf: Vec::new(),
            expect: Vec::new(),
        };
        let rv = V::root(root, "scenario");
        let Some(top) = self.cx.entry_map(&rv, "the scenario", "version: 1") else { return d };
        let top = M { what: "the scenario (top level)".to_string(), ..top };
        top.strict(&mut self.cx, TOP_KEYS);
        let cx = &mut self.cx;

        if let Some(v) = top.req(cx, "version", "1") {
            if let Some(s) = cx.string(&v) {
                if s.value.trim() == "1" {
                    d.version = Some(1);
                } else {
                    cx.err(
                        &s.loc,
                        format!("unsupported scenario format version `{}`", short(&s.value)),
                        "this ecsnet reads `version: 1` files",
                    );
                }
            }
        }
        if let Some(v) = top.req(cx, "name", "my-lab") {
            if let Some(s) = cx.string(&v) {
                match check_lab_name(&s.value) {
                    Ok(()) => d.name = Some(s),
                    Err(e) => cx.err(
                        &s.loc,
                        e,
                        format!(
                            "lab names are 1-20 characters from [a-z0-9-], not starting or ending with '-', e.g. `{}`",
                            sanitize_name(&s.value, 20)
                        ),
                    ),
                }
            }
        }
        if let Some(v) = top.get("description") {
            d.description = cx.string(&v).map(|s| s.value);
        }
        if let Some(v) = top.get("region") {
            if let Some(s) = cx.string(&v) {
                if region_ok(&s.value) {
                    d.region = s.value;
                } else {
                    cx.err(
                        &s.loc,
                        format!("invalid region `{}`", short(&s.value)),
                        "write an AWS region name like `us-east-1` or `ap-northeast-1`",
                    );
                }
            }
        }
        if let Some(v) = top.req(cx, "vpc", "{ cidr: 10.0.0.0/16 }") {
            self.vpc(&v, &mut d);
        }
        if let Some(v) = top.get("internet") {
            self.internet(&v, &mut d);
        }
        if let Some(v) = top.get("instances") {
            let items = self.cx.items(&v, MAX_INSTANCES).unwrap_or_default();
            let mut uniq = Uniq::default();
            for it in items {
                if let Some(i) = self.instance(&it, &mut uniq) {
                    d.instances.push(i);
                }
            }
        }
        if let Some(v) = top.get("taskDefinitions") {
            let items = self.cx.items(&v, MAX_TASK_DEFINITIONS).unwrap_or_default();
            let mut parsed = Vec::new();
            for it in items {
                if let Some(td) = self.task_definition(&it) {
                    parsed.push(td);
                }
            }
            d.task_definitions = self.assign_revisions(parsed);
        }
        if let Some(v) = top.get("tasks") {
            let items = self.cx.items(&v, MAX_TASKS).unwrap_or_default();
            let mut uniq = Uniq::default();
            for it in items {
                if let Some((t, nc)) = self.task(&it, &mut uniq) {
                    d.tasks.push(t);
                    d.task_netconf.push(nc);
                }
            }
        }
        if let Some(v) = top.get("expect") {
            let items = self.cx.items(&v, MAX_EXPECTATIONS).unwrap_or_default();
            for it in items {
                if let Some(e) = self.expectation(&it) {
                    d.expect.push(e);
                }
            }
        }
        d
    }

    fn vpc(&mut self, v: &V<'_>, d: &mut Draft) {
        let cx = &mut self.cx;
        let Some(m) = cx.map(v, "the vpc block") else { return };
        let m = M { what: "vpc".to_string(), ..m };
        m.strict(cx, VPC_KEYS);
        d.vpc_ok = true;
        if let Some(v) = m.req(cx, "cidr", "10.0.0.0/16") {
            if let Some(c) = cx.cidr(&v) {
                let p = c.value.prefix();
                let o = c.value.ip().octets();
                if !(16..=28).contains(&p) {
                    cx.err(
                        &c.loc,
                        format!(
                            "the VPC CIDR block {} is invalid: the netmask must be between /16 and /28, as in AWS",
                            c.value
                        ),
                        "use a block like 10.0.0.0/16",
                    );
                } else if o[0] == 0 || o[0] == 127 || o[0] >= 224 || (o[0] == 169 && o[1] == 254) {
                    cx.err(
                        &c.loc,
                        format!(
                            "the VPC CIDR block {} is not allowed (loopback, link-local, multicast or reserved)",
                            c.value
                        ),
                        "use a private range such as 10.0.0.0/16, 172.16.0.0/16 or 192.168.0.0/16",
                    );
                } else {
                    d.vpc_cidr = Some(c);
                }
            } else {
                d.vpc_ok = false;
            }
        } else {
            d.vpc_ok = false;
        }
        if let Some(v) = m.get("internetGateway") {
            d.internet_gateway = cx.boolean(&v).map(|b| b.value).unwrap_or(false);
        }
        if let Some(v) = m.get("publicIpPool") {
            if let Some(c) = cx.cidr(&v) {
                let reason = not_public_reason(c.value.network());
                if c.value.prefix() > 30 || c.value.prefix() < 8 {
                    cx.err(
                        &c.loc,
                        format!("publicIpPool {} must be between /8 and /30", c.value),
                        "for example 198.51.100.0/24",
                    );
                } else if let Some(r) = reason {
                    cx.err(
                        &c.loc,
                        format!("publicIpPool {} cannot hold public addresses: {r}", c.value),
                        "use a public-looking range such as 198.51.100.0/24 (TEST-NET-2)",
                    );
                } else if d.vpc_cidr.as_ref().is_some_and(|vc| vc.value.overlaps(c.value)) {
                    cx.err(
                        &c.loc,
                        format!("publicIpPool {} overlaps the VPC CIDR block", c.value),
                        "use a range outside the VPC",
                    );
                } else if c.value.contains(INTERNET_CLIENT) {
                    cx.err(
                        &c.loc,
                        format!("publicIpPool {} contains 203.0.113.10, the emulated internet client", c.value),
                        "use another range, e.g. 198.51.100.0/24",
                    );
                } else {
                    d.public_ip_pool = c;
                }
            }
        }
        let igw = d.internet_gateway;
        let vpc_cidr = d.vpc_cidr.clone();

        if let Some(v) = m.get("subnets") {
            let items = self.cx.items(&v, MAX_OBJECTS).unwrap_or_default();
            let mut uniq = Uniq::default();
            for it in items {
                if let Some(s) = self.subnet(&it, &d.region, vpc_cidr.as_ref(), &mut uniq) {
                    d.subnets.push(s);
                }
            }
            // overlaps: the later subnet is the error
            for i in 0..d.subnets.len() {
                if let Some(earlier) = d.subnets[..i].iter().find(|e| e.cidr.value.overlaps(d.subnets[i].cidr.value)) {
                    let s = &d.subnets[i];
                    self.cx.err(
                        &s.cidr.loc,
                        format!(
                            "The CIDR '{}' conflicts with another subnet: it overlaps subnet `{}` ({}, line {})",
                            s.cidr.value, earlier.name.value, earlier.cidr.value, earlier.cidr.loc.line
                        ),
                        "subnets of a VPC must not overlap; pick a free block",
                    );
                }
            }
        }
        if let Some(v) = m.get("routeTables") {
            let items = self.cx.items(&v, MAX_OBJECTS).unwrap_or_default();
            let mut uniq = Uniq::default();
            for it in items {
                if let Some(rt) = self.route_table(&it, igw, vpc_cidr.as_ref(), &mut uniq) {
                    d.route_tables.push(rt);
                }
            }
        }
        if let Some(v) = m.get("natGateways") {
            let items = self.cx.items(&v, MAX_OBJECTS).unwrap_or_default();
            let mut uniq = Uniq::default();
            let mut igw_reported = false;
            for it in items {
                if let Some(n) = self.nat(&it, &mut uniq) {
                    if !igw && !igw_reported {
                        igw_reported = true;
                        let loc = self.cx.loc(it.node);
                        self.cx.err(
                            &loc,
                            "a NAT gateway needs an internet gateway: AWS refuses to create a public NAT gateway in a VPC without one",
                            "set `internetGateway: true` in the vpc block",
                        );
                    }
                    d.nat_gateways.push(n);
                }
            }
        }
        if let Some(v) = m.get("securityGroups") {
            let items = self.cx.items(&v, MAX_OBJECTS).unwrap_or_default();
            let mut uniq = Uniq::default();
            for it in items {
                if let Some(sg) = self.security_group(&it, &mut uniq) {
                    d.security_groups.push(sg);
                }
            }
        }
        if let Some(v) = m.get("networkAcls") {
            let items = self.cx.items(&v, MAX_OBJECTS).unwrap_or_default();
            let mut uniq = Uniq::default();
            for it in items {
                if let Some(acl) = self.network_acl(&it, &mut uniq) {
                    d.network_acls.push(acl);
                }
            }
        }
    }

    /// `name:` of an ecsnet object: required, name rules, unique, remembered.
    fn object_name(&mut self, m: &M<'_>, kind: &str, example: &str, uniq: &mut Uniq) -> Option<Located<String>> {
        let cx = &mut self.cx;
        let v = m.req(cx, "name", example)?;
        let s = cx.string(&v)?;
        let ok = check_name(cx, &s, kind);
        let seen = match kind {
            "subnet" => &mut self.seen.subnets,
            "route table" => &mut self.seen.route_tables,
            "NAT gateway" => &mut self.seen.nats,
            "security group" => &mut self.seen.sgs,
            "internet host" => &mut self.seen.hosts,
            "instance" => &mut self.seen.instances,
            "task" => &mut self.seen.tasks,
            _ => return (ok && uniq.add(cx, &s, kind)).then_some(s),
        };
        seen.insert(s.value.clone());
        (ok && uniq.add(cx, &s, kind)).then_some(s)
    }

    /// A reference to another object by name (existence is checked later).
    fn ref_name(&mut self, v: &V<'_>, kind: &str) -> Option<Located<String>> {
        let s = self.cx.string(v)?;
        check_name(&mut self.cx, &s, kind).then_some(s)
    }

    fn ref_list(&mut self, v: &V<'_>, kind: &str, limit: usize) -> Option<Vec<Located<String>>> {
        let list = self.cx.str_list(v, MAX_OBJECTS)?;
        let mut ok = true;
        for s in &list {
            ok &= check_name(&mut self.cx, s, kind);
        }
        if list.len() > limit {
            let loc = self.cx.vloc(v);
            self.cx.err(
                &loc,
                format!("too many entries in `{}`: {} (AWS allows at most {limit})", v.field, list.len()),
                "remove some entries",
            );
            ok = false;
        }
        let mut firsts: HashMap<&str, usize> = HashMap::new();
        for s in &list {
            if let Some(line) = firsts.get(s.value.as_str()) {
                let line = *line;
                self.cx.err(
                    &s.loc,
                    format!("`{}` is listed twice (first at line {line})", s.value),
                    "remove the duplicate",
                );
                ok = false;
            } else {
                firsts.insert(&s.value, s.loc.line);
            }
        }
        ok.then_some(list)
    }

    fn subnet(
        &mut self,
        v: &V<'_>,
        region: &str,
        vpc: Option<&Located<Ipv4Network>>,
        uniq: &mut Uniq,
    ) -> Option<Subnet> {
        let m = self.cx.entry_map(v, "a subnet", "{ name: public-a, cidr: 10.0.0.0/24 }")?;
        m.strict(&mut self.cx, SUBNET_KEYS);
        let name = self.object_name(&m, "subnet", "public-a", uniq);
        let cx = &mut self.cx;
        let cidr = m.req(cx, "cidr", "10.0.1.0/24").and_then(|v| cx.cidr(&v)).and_then(|c| {
            if !(16..=28).contains(&c.value.prefix()) {
                cx.err(
                    &c.loc,
                    format!(
                        "the subnet CIDR block {} is invalid: the netmask must be between /16 and /28, as in AWS",
                        c.value
                    ),
                    "use a block like 10.0.1.0/24",
                );
                return None;
            }
            if let Some(vc) = vpc {
                if !c.value.is_subnet_of(vc.value) {
                    cx.err(
                        &c.loc,
                        format!("the subnet CIDR block {} is not inside the VPC CIDR block {}", c.value, vc.value),
                        format!("pick a block inside {}", vc.value),
                    );
                    return None;
                }
            }
            Some(c)
        });
        let az = match m.get("availabilityZone") {
            Some(v) => {
                let s = cx.string(&v)?;
                let ok = s.value.len() == region.len() + 1
                    && s.value.starts_with(region)
                    && s.value.chars().last().is_some_and(|c| c.is_ascii_lowercase());
                if !ok {
                    cx.err(
                        &s.loc,
                        format!("availability zone `{}` is not in region `{region}`", short(&s.value)),
                        format!("write `{region}a`, `{region}b`, ... (or change `region` at the top)"),
                    );
                    return None;
                }
                s
            }
            None => Located::bare(format!("{region}a")),
        };
        let route_table = match m.get("routeTable") {
            Some(v) => Some(self.ref_name(&v, "route table")?),
            None => None,
        };
        Some(Subnet { name: name?, cidr: cidr?, availability_zone: az, route_table })
    }

    fn route_table(
        &mut self,
        v: &V<'_>,
        igw: bool,
        vpc: Option<&Located<Ipv4Network>>,
        uniq: &mut Uniq,
    ) -> Option<RouteTable> {
        let m = self.cx.entry_map(v, "a route table", "{ name: public, routes: [...] }")?;
        m.strict(&mut self.cx, ROUTE_TABLE_KEYS);
        let name = self.object_name(&m, "route table", "public", uniq);
        let mut routes = Vec::new();
        let mut ok = true;
        if let Some(rv) = m.get("routes") {
            let items = self.cx.items(&rv, MAX_RULES).unwrap_or_default();
            let mut dests: HashMap<Ipv4Network, usize> = HashMap::new();
            for it in items {
                match self.route(&it, igw, vpc) {
                    Some(r) => {
                        if let Some(line) = dests.get(&r.destination.value) {
                            self.cx.err(
                                &r.destination.loc,
                                format!("The route identified by {} already exists.", r.destination.value),
                                format!(
                                    "this route table already has a route to {} (line {line}); keep one",
                                    r.destination.value
                                ),
                            );
                            ok = false;
                        } else {
                            dests.insert(r.destination.value, r.destination.loc.line);
                        }
                        routes.push(r);
                    }
                    None => ok = false,
                }
            }
        }
        let name = name?;
        ok.then_some(RouteTable { name, routes })
    }

    fn route(&mut self, v: &V<'_>, igw: bool, vpc: Option<&Located<Ipv4Network>>) -> Option<Route> {
        let cx = &mut self.cx;
        let m = cx.entry_map(v, "a route", "{ destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway }")?;
        m.strict(cx, ROUTE_KEYS);
        let dest = m.req(cx, "destinationCidrBlock", "0.0.0.0/0").and_then(|v| cx.cidr(&v));
        if let (Some(d), Some(vc)) = (&dest, vpc) {
            if d.value.is_subnet_of(vc.value) {
                cx.err(
                    &d.loc,
                    format!(
                        "route destination {} is inside the VPC CIDR block {}: the local route already covers it",
                        d.value, vc.value
                    ),
                    "remove this route (AWS only lets routes this specific target a network interface)",
                );
                return None;
            }
        }
        let gw = m.get("gateway");
        let nat = m.get("natGateway");
        let target = match (gw, nat) {
            (Some(_), Some(n)) => {
                let loc = cx.vloc(&n);
                cx.err(
                    &loc,
                    "a route has exactly one target, but this one has both `gateway` and `natGateway`",
                    "split it into two routes with different destinations, or remove one target",
                );
                return None;
            }
            (None, None) => {
                cx.err(&m.loc, "missing route target", "add `gateway: internet-gateway` or `natGateway: NAME`");
                return None;
            }
            (Some(g), None) => {
                let s = cx.string(&g)?;
                if s.value != "internet-gateway" {
                    cx.err(
                        &s.loc,
                        format!("unknown gateway `{}`", short(&s.value)),
                        "the only gateway is `internet-gateway` (the VPC's internet gateway); for a NAT gateway write `natGateway: NAME`",
                    );
                    return None;
                }
                if !igw {
                    cx.err(
                        &s.loc,
                        "this route targets the internet gateway, but the VPC has none",
                        "set `internetGateway: true` in the vpc block",
                    );
                    return None;
                }
                Located::new(RouteTarget::InternetGateway, s.loc)
            }
            (None, Some(n)) => {
                let s = self.ref_name(&n, "NAT gateway")?;
                Located::new(RouteTarget::NatGateway(s.value), s.loc)
            }
        };
        Some(Route { destination: dest?, target })
    }

    fn nat(&mut self, v: &V<'_>, uniq: &mut Uniq) -> Option<NatGateway> {
        let m = self.cx.entry_map(v, "a NAT gateway", "{ name: nat-a, subnet: public-a }")?;
        m.strict(&mut self.cx, NAT_KEYS);
        let name = self.object_name(&m, "NAT gateway", "nat-a", uniq);
        let subnet = m.req(&mut self.cx, "subnet", "public-a").and_then(|v| self.ref_name(&v, "subnet"));
        let elastic_ip = match m.get("elasticIp") {
            Some(v) => Some(self.cx.ipv4(&v)?),
            None => None,
        };
        Some(NatGateway { name: name?, subnet: subnet?, elastic_ip })
    }

    fn security_group(&mut self, v: &V<'_>, uniq: &mut Uniq) -> Option<SecurityGroup> {
        let m = self.cx.entry_map(v, "a security group", "{ name: web, ingress: [...] }")?;
        m.strict(&mut self.cx, SG_KEYS);
        let name = self.object_name(&m, "security group", "web", uniq);
        if let Some(n) = &name {
            if n.value.starts_with("sg-") {
                self.cx.err(
                    &n.loc,
                    format!("invalid security group name `{}`: group names may not be in the format sg-*", n.value),
                    "AWS reserves sg-* for group IDs; choose another name",
                );
            }
        }
        let cx = &mut self.cx;
        let description = m.get("description").and_then(|v| cx.string(&v)).map(|s| s.value);
        let mut ok = true;
        let mut ingress = Vec::new();
        if let Some(iv) = m.get("ingress") {
            for it in cx.items(&iv, MAX_RULES).unwrap_or_default() {
                match sg_rule(cx, &it, true) {
                    Some(r) => ingress.push(r),
                    None => ok = false,
                }
            }
        }
        let egress = match m.get("egress") {
            Some(ev) => {
                let mut out = Vec::new();
                for it in cx.items(&ev, MAX_RULES).unwrap_or_default() {
                    match sg_rule(cx, &it, false) {
                        Some(r) => out.push(r),
                        None => ok = false,
                    }
                }
                Some(out)
            }
            None => None,
        };
        let name = name?;
        ok.then_some(SecurityGroup { name, description, ingress, egress })
    }

    fn network_acl(&mut self, v: &V<'_>, uniq: &mut Uniq) -> Option<NetworkAcl> {
        let m = self.cx.entry_map(v, "a network ACL", "{ name: private, subnets: [private-a], ingress: [...] }")?;
        m.strict(&mut self.cx, ACL_KEYS);
        let name = self.object_name(&m, "network ACL", "private", uniq);
        let subnets =
            m.req(&mut self.cx, "subnets", "[private-a]").and_then(|v| self.ref_list(&v, "subnet", MAX_OBJECTS));
        let cx = &mut self.cx;
        let mut ok = true;
        let mut dirs: [Vec<AclRule>; 2] = [Vec::new(), Vec::new()];
        for (i, dir) in ["ingress", "egress"].iter().enumerate() {
            let Some(rv) = m.get(dir) else { continue };
            let mut numbers: HashMap<u32, usize> = HashMap::new();
            for it in cx.items(&rv, MAX_RULES).unwrap_or_default() {
                match acl_rule(cx, &it) {
                    Some((r, num_loc)) => {
                        if let Some(line) = numbers.get(&r.rule_number) {
                            cx.err(
                                &num_loc,
                                format!("The network acl entry identified by {} already exists.", r.rule_number),
                                format!("rule number {} is already used by another {dir} rule (line {line}); numbers must be unique per direction", r.rule_number),
                            );
                            ok = false;
                        } else {
                            numbers.insert(r.rule_number, num_loc.line);
                        }
                        if let Some(d) = dirs.get_mut(i) {
                            d.push(r);
                        }
                    }
                    None => ok = false,
                }
            }
        }
        let [ingress, egress] = dirs;
        let (name, subnets) = (name?, subnets?);
        ok.then_some(NetworkAcl { name, subnets, ingress, egress })
    }

    fn internet(&mut self, v: &V<'_>, d: &mut Draft) {
        let Some(m) = self.cx.map(v, "the internet block") else { return };
        let m = M { what: "internet".to_string(), ..m };
        m.strict(&mut self.cx, INTERNET_KEYS);
        let Some(hv) = m.get("hosts") else { return };
        let items = self.cx.items(&hv, MAX_OBJECTS).unwrap_or_default();
        let mut uniq = Uniq::default();
        for it in items {
            let Some(hm) =
                self.cx.entry_map(&it, "an internet host", "{ name: api, ip: 198.51.100.80, listen: [443/tcp] }")
            else {
                continue;
            };
            hm.strict(&mut self.cx, HOST_KEYS);
            let name = self.object_name(&hm, "internet host", "api", &mut uniq);
            let cx = &mut self.cx;
            let ip = hm.req(cx, "ip", "198.51.100.80").and_then(|v| cx.ipv4(&v));
            let mut listen = Vec::new();
            let mut ok = true;
            if let Some(lv) = hm.get("listen") {
                match cx.items(&lv, MAX_RULES) {
                    Some(items) => {
                        for l in items {
                            match cx.port_proto(&l) {
                                Some(pp) if !listen.contains(&pp) => listen.push(pp),
                                Some(_) => {}
                                None => ok = false,
                            }
                        }
                    }
                    None => ok = false,
                }
            }
            if let (Some(name), Some(ip), true) = (name, ip, ok) {
                d.hosts.push(InternetHost { name, ip, listen });
            }
        }
    }

    fn instance(&mut self, v: &V<'_>, uniq: &mut Uniq) -> Option<Instance> {
        let m = self.cx.entry_map(v, "an instance", "{ name: ecs-1, subnet: public-a }")?;
        m.strict(&mut self.cx, INSTANCE_KEYS);
        let name = self.object_name(&m, "instance", "ecs-1", uniq);
        let subnet = m.req(&mut self.cx, "subnet", "public-a").and_then(|v| self.ref_name(&v, "subnet"));
        let mut ok = true;
        let security_groups = match m.get("securityGroups") {
            Some(v) => {
                let l = self.ref_list(&v, "security group", 5);
                ok &= l.is_some();
                l
            }
            None => None,
        };
        let cx = &mut self.cx;
        let opt_ip = |cx: &mut Ctx, key: &str, ok: &mut bool| match m.get(key) {
            Some(v) => {
                let r = cx.ipv4(&v);
                *ok &= r.is_some();
                r
            }
            None => None,
        };
        let private_ip = opt_ip(cx, "privateIp", &mut ok);
        let elastic_ip = opt_ip(cx, "elasticIp", &mut ok);
        let public_ip = match m.get("publicIp") {
            Some(v) => cx.boolean(&v).map(|b| b.value).unwrap_or_else(|| {
                ok = false;
                false
            }),
            None => false,
        };
        let max_enis = match m.get("maxEnis") {
            Some(v) => match cx.uint(&v, 1, 100) {
                Some(n) => u32::try_from(n.value).ok(),
                None => {
                    ok = false;
                    None
                }
            },
            None => None,
        };
        let instance_type = match m.get("instanceType") {
            Some(v) => match cx.nonempty(&v) {
                Some(s) => s,
                None => {
                    ok = false;
                    Located::bare(DEFAULT_INSTANCE_TYPE.to_string())
                }
            },
            None => Located::bare(DEFAULT_INSTANCE_TYPE.to_string()),
        };
        if max_enis.is_none() && eni_limits(&instance_type.value).is_none() && instance_type.loc.line > 0 {
            let known: Vec<&str> = known_instance_types().collect();
            let help = match suggest(&instance_type.value, &known) {
                Some(s) => format!("did you mean `{s}`? (or set `maxEnis: N` to give the ENI count of another type)"),
                None => format!("known types: {}; for another type set `maxEnis: N`", quoted_list(&known)),
            };
            cx.err(
                &instance_type.loc,
                format!("unknown instance type `{}`: ecsnet does not know its ENI limit", short(&instance_type.value)),
                help,
            );
            ok = false;
        }
        let eni_trunking = match m.get("eniTrunking") {
            Some(v) => match cx.boolean(&v) {
                Some(b) => {
                    if b.value && max_enis.is_none() && eni_limits(&instance_type.value).is_some_and(|(_, t)| t == 0) {
                        cx.err(
                            &b.loc,
                            format!("ENI trunking is not supported on {}", instance_type.value),
                            "remove `eniTrunking`, or use a type that supports it (e.g. c5.large: 10 tasks with trunking)",
                        );
                        ok = false;
                    }
                    b.value
                }
                None => {
                    ok = false;
                    false
                }
            },
            None => false,
        };
        let (name, subnet) = (name?, subnet?);
        ok.then_some(Instance {
            name,
            subnet,
            private_ip,
            public_ip,
            elastic_ip,
            security_groups,
            instance_type,
            max_enis,
            eni_trunking,
            loc: m.loc.clone(),
        })
    }

    fn task(&mut self, v: &V<'_>, uniq: &mut Uniq) -> Option<(Task, Option<Loc>)> {
        let m = self.cx.entry_map(v, "a task", "{ name: web, taskDefinition: web, instance: ecs-1 }")?;
        m.strict(&mut self.cx, TASK_KEYS);
        let name = self.object_name(&m, "task", "web", uniq);
        let cx = &mut self.cx;
        let td =
            m.req(cx, "taskDefinition", "web").and_then(|v| cx.string(&v)).and_then(|s| {
                match parse_task_def_ref(&s.value) {
                    Ok(r) => Some(Located::new(r, s.loc)),
                    Err(e) => {
                        cx.err(&s.loc, e, "write the family name, or family:revision, e.g. `web` or `web:2`");
                        None
                    }
                }
            });
        let instance = m.req(&mut self.cx, "instance", "ecs-1").and_then(|v| self.ref_name(&v, "instance"));
        let netconf_loc = m.key_loc(&self.cx, "networkConfiguration");
        let mut ok = true;
        let awsvpc = match m.get("networkConfiguration") {
            Some(nv) => {
                let r = self.awsvpc_configuration(&nv);
                ok &= r.is_some();
                r
            }
            None => None,
        };
        let task = Task { name: name?, task_definition: td?, instance: instance?, awsvpc, loc: m.loc.clone() };
        ok.then_some((task, netconf_loc))
    }

    fn awsvpc_configuration(&mut self, v: &V<'_>) -> Option<AwsvpcConfiguration> {
        let nc = self.cx.map(v, "the task's network configuration")?;
        let nc = M { what: "networkConfiguration".to_string(), ..nc };
        nc.strict(&mut self.cx, NETCONF_KEYS);
        let av = nc.req(&mut self.cx, "awsvpcConfiguration", "{ subnets: [private-a] }")?;
        let am = self.cx.map(&av, "subnets, securityGroups, assignPublicIp")?;
        let am = M { what: "awsvpcConfiguration".to_string(), ..am };
        am.strict(&mut self.cx, AWSVPC_KEYS);
        let subnets = am.req(&mut self.cx, "subnets", "[private-a]").and_then(|v| {
            let l = self.ref_list(&v, "subnet", 16)?;
            if l.is_empty() {
                let loc = self.cx.vloc(&v);
                self.cx.err(&loc, "`subnets` must name at least one subnet", "for example `subnets: [private-a]`");
                return None;
            }
            Some(l)
        });
        let security_groups = match am.get("securityGroups") {
            Some(v) => self.ref_list(&v, "security group", 5),
            None => Some(vec![Located::bare("default".to_string())]),
        };
        let cx = &mut self.cx;
        let assign = match am.get("assignPublicIp") {
            Some(v) => match cx.choice(&v, &["ENABLED", "DISABLED"])? {
                Located { value: "ENABLED", loc } => {
                    cx.err(
                        &loc,
                        "Assign public IP is not supported for this launch type.",
                        "ECS gives task ENIs no public IP on EC2 instances: for egress put the task in a private subnet \
                         whose route table sends 0.0.0.0/0 to a NAT gateway; for inbound use bridge or host mode on an \
                         instance with `publicIp: true`",
                    );
                    return None;
                }
                Located { loc, .. } => Located::new(false, loc),
            },
            None => Located::bare(false),
        };
        Some(AwsvpcConfiguration { subnets: subnets?, security_groups: security_groups?, assign_public_ip: assign })
    }
}

/// `family`, `family:REV`, or a task definition ARN.
pub(crate) fn parse_task_def_ref(s: &str) -> Result<TaskDefRef, String> {
    let t = match s.find(":task-definition/") {
        Some(p) if s.starts_with("arn:") => &s[p + ":task-definition/".len()..],
        _ => s,
    };
    let (family, rev) = match t.split_once(':') {
        Some((f, r)) => {
            let ok = !r.is_empty() && r.len() <= 10 && r.bytes().all(|b| b.is_ascii_digit());
            match r.parse::<u32>() {
                Ok(n) if ok && n > 0 => (f, Some(n)),
                _ => return Err(format!("invalid task definition revision `{}` in `{}`", short(r), short(s))),
            }
        }
        None => (t, None),
    };
    if !super::node::container_name_ok(family) {
        return Err(format!(
            "invalid task definition family `{}`: up to 255 letters, numbers, hyphens and underscores",
            short(family)
        ));
    }
    Ok(TaskDefRef { family: family.to_string(), revision: rev })
}

fn rule_protocol(cx: &mut Ctx, m: &M<'_>) -> Option<RuleProto> {
    let v = m.req(cx, "protocol", "tcp")?;
    let p = cx.choice(&v, &["tcp", "udp", "icmp", "all", "-1"])?;
    Some(match p.value {
        "tcp" => RuleProto::Tcp,
        "udp" => RuleProto::Udp,
        "icmp" => RuleProto::Icmp,
        _ => RuleProto::All,
    })
}

/// `ports` as the protocol wants it: required for tcp/udp, forbidden for icmp/all.
fn rule_ports(cx: &mut Ctx, m: &M<'_>, proto: RuleProto) -> Result<Option<PortRange>, ()> {
    match (m.get("ports"), proto) {
        (Some(v), RuleProto::Tcp | RuleProto::Udp) => cx.port_range(&v).map(Some).ok_or(()),
        (None, RuleProto::Tcp | RuleProto::Udp) => {
            let p = if proto == RuleProto::Tcp { "tcp" } else { "udp" };
            cx.err(
                &m.loc,
                format!("missing `ports` for protocol {p}"),
                "add `ports: 443`, a range like `ports: 8000-8010`, or `ports: 0-65535` for all ports",
            );
            Err(())
        }
        (Some(v), _) => {
            let loc = cx.vloc(&v);
            let p = if proto == RuleProto::Icmp { "icmp" } else { "all" };
            cx.err(
                &loc,
                format!("`ports` cannot be used with protocol {p}"),
                format!("remove `ports`: protocol {p} has no ports"),
            );
            Err(())
        }
        (None, _) => Ok(None),
    }
}

fn sg_rule(cx: &mut Ctx, v: &V<'_>, ingress: bool) -> Option<SgRule> {
    let (what, keys, peer_key, hints): (&str, &[&str], &str, &[(&str, &str)]) = if ingress {
        (
            "an ingress rule",
            SG_IN_KEYS,
            "source",
            &[("destination", "ingress rules use `source`; `destination` is for egress rules")],
        )
    } else {
        (
            "an egress rule",
            SG_OUT_KEYS,
            "destination",
            &[("source", "egress rules use `destination`; `source` is for ingress rules")],
        )
    };
    let m = cx.entry_map(v, what, &format!("{{ protocol: tcp, ports: 443, {peer_key}: 0.0.0.0/0 }}"))?;
    m.strict_with(cx, keys, hints);
    let proto = rule_protocol(cx, &m);
    let ports = match proto {
        Some(p) => rule_ports(cx, &m, p).ok(),
        None => None,
    };
    let peer = m.req(cx, peer_key, "0.0.0.0/0").and_then(|pv| {
        let s = cx.string(&pv)?;
        if let Some(n) = s.value.strip_prefix("sg/") {
            let ns = Located::new(n.to_string(), s.loc.clone());
            return check_name(cx, &ns, "security group").then(|| Located::new(Peer::Sg(n.to_string()), s.loc));
        }
        match parse_cidr(&s.value) {
            Ok(net) => Some(Located::new(Peer::Cidr(net), s.loc)),
            Err((msg, help)) => {
                cx.err(&s.loc, format!("`{peer_key}`: {msg}"), format!("{help}, or `sg/NAME` for a security group"));
                None
            }
        }
    });
    let description = m.get("description").and_then(|v| cx.string(&v)).map(|s| s.value);
    Some(SgRule { protocol: proto?, ports: ports?, peer: peer?, description, loc: m.loc.clone() })
}

fn acl_rule(cx: &mut Ctx, v: &V<'_>) -> Option<(AclRule, Loc)> {
    let m = cx.entry_map(
        v,
        "a network ACL rule",
        "{ ruleNumber: 100, protocol: tcp, ports: 443, cidrBlock: 0.0.0.0/0, ruleAction: allow }",
    )?;
    m.strict(cx, ACL_RULE_KEYS);
    let num = m.req(cx, "ruleNumber", "100").and_then(|v| cx.uint(&v, 1, 32766));
    let proto = rule_protocol(cx, &m);
    let ports = match proto {
        Some(p) => rule_ports(cx, &m, p).ok(),
        None => None,
    };
    let cidr = m.req(cx, "cidrBlock", "0.0.0.0/0").and_then(|v| cx.cidr(&v));
    let action = m.req(cx, "ruleAction", "allow").and_then(|v| cx.choice(&v, &["allow", "deny"]));
    let num = num?;
    let rule = AclRule {
        rule_number: u32::try_from(num.value).ok()?,
        protocol: proto?,
        ports: ports?,
        cidr_block: cidr?.value,
        rule_action: if action?.value == "allow" { AclAction::Allow } else { AclAction::Deny },
        loc: m.loc.clone(),
    };
    Some((rule, num.loc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        assert!(region_ok("us-east-1"));
        assert!(region_ok("ap-northeast-1"));
        assert!(region_ok("us-gov-west-1"));
        assert!(!region_ok("us-east"));
        assert!(!region_ok("useast-1"));
        assert!(!region_ok("us-east-12"));
        assert!(!region_ok("US-east-1"));
    }

    #[test]
    fn lab_names() {
        assert!(check_lab_name("bridge-vs-awsvpc").is_ok());
        assert!(check_lab_name("a").is_ok());
        assert!(check_lab_name("").is_err());
        assert!(check_lab_name("-a").is_err());
        assert!(check_lab_name("a-").is_err());
        assert!(check_lab_name("a/b").unwrap_err().contains("`/`"));
        assert!(check_lab_name("a..b").is_err());
        assert!(check_lab_name("a\0b").is_err());
        assert!(check_lab_name("abcdefghijklmnopqrstu").unwrap_err().contains("20"));
        assert!(check_lab_name("My-lab").is_err());
    }

    #[test]
    fn task_def_refs() {
        assert_eq!(parse_task_def_ref("web").unwrap(), TaskDefRef { family: "web".into(), revision: None });
        assert_eq!(parse_task_def_ref("web:3").unwrap(), TaskDefRef { family: "web".into(), revision: Some(3) });
        assert_eq!(
            parse_task_def_ref("arn:aws:ecs:us-east-1:123456789012:task-definition/web_2:7").unwrap(),
            TaskDefRef { family: "web_2".into(), revision: Some(7) }
        );
        assert!(parse_task_def_ref("web:0").is_err());
        assert!(parse_task_def_ref("web:x").is_err());
        assert!(parse_task_def_ref("web:99999999999").is_err());
        assert!(parse_task_def_ref("we b").is_err());
        assert!(parse_task_def_ref("").is_err());
    }
}
