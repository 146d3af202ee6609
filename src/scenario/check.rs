//! Checks across blocks: every reference names something declared (with did-you-mean), IP
//! addresses fit their subnets and are not reserved or reused, tasks fit their task
//! definition's network mode, expectations point at existing tasks, containers and hosts.

use super::build::{Builder, Draft, INTERNET_CLIENT};
use super::lookup::find_task_def;
use super::types::*;
use super::walk::*;
use ipnetwork::Ipv4Network;
use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::path::PathBuf;

/// Check that `name` is one of `declared`; names in `seen` were declared by entries that had
/// their own errors and are not reported again.
fn reference(
    cx: &mut Ctx,
    name: &Located<String>,
    kind: &str,
    plural: &str,
    declared: &[&str],
    seen: &HashSet<String>,
) -> bool {
    if declared.contains(&name.value.as_str()) {
        return true;
    }
    if seen.contains(&name.value) {
        return false;
    }
    let help = match suggest(&name.value, declared) {
        Some(s) => format!("did you mean `{s}`?"),
        None if declared.is_empty() => format!("no {plural} are declared"),
        None => format!("declared {plural}: {}", names_list(declared.iter().copied())),
    };
    cx.err(&name.loc, format!("unknown {kind} `{}`", short(&name.value)), help);
    false
}

impl Builder {
    pub(crate) fn finish(&mut self, d: Draft, file: PathBuf) -> Option<Scenario> {
        let subnets: Vec<&str> = d.subnets.iter().map(|s| s.name.value.as_str()).collect();
        let route_tables: Vec<&str> = d.route_tables.iter().map(|s| s.name.value.as_str()).collect();
        let nats: Vec<&str> = d.nat_gateways.iter().map(|s| s.name.value.as_str()).collect();
        let mut sgs: Vec<&str> = d.security_groups.iter().map(|s| s.name.value.as_str()).collect();
        if !sgs.contains(&"default") {
            sgs.push("default");
        }
        let hosts: Vec<&str> = d.hosts.iter().map(|s| s.name.value.as_str()).collect();
        let instances: Vec<&str> = d.instances.iter().map(|s| s.name.value.as_str()).collect();
        let tasks: Vec<&str> = d.tasks.iter().map(|s| s.name.value.as_str()).collect();
        let families: Vec<&str> = {
            let mut f: Vec<&str> = d.task_definitions.iter().map(|t| t.family.value.as_str()).collect();
            f.dedup();
            f
        };
        let seen = &self.seen;
        let cx = &mut self.cx;

        for s in &d.subnets {
            if let Some(rt) = &s.route_table {
                if rt.value == "main" && !route_tables.contains(&"main") {
                    cx.err(
                        &rt.loc,
                        "unknown route table `main`",
                        "omit `routeTable` to use the VPC's main route table (local routes only)",
                    );
                } else {
                    reference(cx, rt, "route table", "route tables", &route_tables, &seen.route_tables);
                }
            }
        }
        for rt in &d.route_tables {
            for r in &rt.routes {
                if let RouteTarget::NatGateway(n) = &r.target.value {
                    reference(
                        cx,
                        &Located::new(n.clone(), r.target.loc.clone()),
                        "NAT gateway",
                        "NAT gateways",
                        &nats,
                        &seen.nats,
                    );
                }
            }
        }
        for n in &d.nat_gateways {
            reference(cx, &n.subnet, "subnet", "subnets", &subnets, &seen.subnets);
        }
        for sg in &d.security_groups {
            for r in sg.ingress.iter().chain(sg.egress.iter().flatten()) {
                if let Peer::Sg(n) = &r.peer.value {
                    reference(
                        cx,
                        &Located::new(n.clone(), r.peer.loc.clone()),
                        "security group",
                        "security groups",
                        &sgs,
                        &seen.sgs,
                    );
                }
            }
        }
        let mut acl_of: HashMap<&str, &str> = HashMap::new();
        for acl in &d.network_acls {
            for s in &acl.subnets {
                if !reference(cx, s, "subnet", "subnets", &subnets, &seen.subnets) {
                    continue;
                }
                if let Some(other) = acl_of.get(s.value.as_str()) {
                    cx.err(
                        &s.loc,
                        format!("subnet `{}` is already associated with network ACL `{other}`", s.value),
                        "a subnet is associated with exactly one network ACL; remove it from one of them",
                    );
                } else {
                    acl_of.insert(&s.value, &acl.name.value);
                }
            }
        }

        // Instances: subnet, private IP, security groups.
        let mut private_ips: HashMap<Ipv4Addr, &str> = HashMap::new();
        for i in &d.instances {
            let subnet_ok = reference(cx, &i.subnet, "subnet", "subnets", &subnets, &seen.subnets);
            if let Some(sl) = &i.security_groups {
                for s in sl {
                    reference(cx, s, "security group", "security groups", &sgs, &seen.sgs);
                }
            }
            let Some(ip) = &i.private_ip else { continue };
            if subnet_ok {
                if let Some(sn) = d.subnets.iter().find(|s| s.name.value == i.subnet.value) {
                    if !check_private_ip(cx, ip, &sn.name.value, sn.cidr.value) {
                        continue;
                    }
                }
            }
            if let Some(other) = private_ips.get(&ip.value) {
                cx.err(
                    &ip.loc,
                    format!("private IP {} is already used by instance `{other}`", ip.value),
                    "each instance needs its own address; change one, or omit `privateIp` to get a free one",
                );
            } else {
                private_ips.insert(ip.value, &i.name.value);
            }
        }

        // Public addresses: Elastic IPs and internet hosts.
        let mut publics: Vec<(&Located<Ipv4Addr>, String)> = Vec::new();
        for n in &d.nat_gateways {
            if let Some(e) = &n.elastic_ip {
                publics.push((e, format!("NAT gateway `{}`", n.name.value)));
            }
        }
        for h in &d.hosts {
            publics.push((&h.ip, format!("internet host `{}`", h.name.value)));
        }
        for i in &d.instances {
            if let Some(e) = &i.elastic_ip {
                publics.push((e, format!("instance `{}`", i.name.value)));
            }
        }
        publics.sort_by_key(|(s, _)| (s.loc.file.as_path().to_path_buf(), s.loc.line, s.loc.col));
        let vpc = d.vpc_cidr.as_ref().map(|c| c.value);
        let mut used: HashMap<Ipv4Addr, &str> = HashMap::new();
        for (ip, owner) in &publics {
            let what = if owner.starts_with("internet host") { "internet host address" } else { "Elastic IP" };
            if let Some(r) = not_public_reason(ip.value) {
                cx.err(
                    &ip.loc,
                    format!("{what} {} cannot be a public address: {r}", ip.value),
                    "use a public-looking address such as 198.51.100.80 (TEST-NET-2) or 192.0.2.80 (TEST-NET-1)",
                );
            } else if vpc.is_some_and(|v| v.contains(ip.value)) {
                cx.err(
                    &ip.loc,
                    format!("{what} {} is inside the VPC CIDR block", ip.value),
                    "use an address outside the VPC",
                );
            } else if ip.value == INTERNET_CLIENT {
                cx.err(
                    &ip.loc,
                    format!("{what} 203.0.113.10 is the address of the emulated internet client"),
                    "use another address",
                );
            } else if let Some(other) = used.get(&ip.value) {
                cx.err(
                    &ip.loc,
                    format!("{} is already used by {other}", ip.value),
                    "every public address must be unique",
                );
            } else {
                used.insert(ip.value, owner);
            }
        }

        // Tasks.
        for (t, netconf) in d.tasks.iter().zip(d.task_netconf.iter()) {
            reference(cx, &t.instance, "instance", "instances", &instances, &seen.instances);
            let r = &t.task_definition;
            let fam = Located::new(r.value.family.clone(), r.loc.clone());
            let td = if reference(cx, &fam, "task definition family", "task definitions", &families, &seen.families) {
                let td = find_task_def(&d.task_definitions, &r.value);
                if td.is_none() {
                    let revs: Vec<String> = d
                        .task_definitions
                        .iter()
                        .filter(|x| x.family.value == r.value.family)
                        .map(|x| x.revision.to_string())
                        .collect();
                    cx.err(
                        &r.loc,
                        format!("task definition `{}:{}` not found", r.value.family, r.value.revision.unwrap_or(0)),
                        format!("family `{}` has revision(s) {}", r.value.family, revs.join(", ")),
                    );
                }
                td
            } else {
                None
            };
            if let Some(aw) = &t.awsvpc {
                for s in &aw.subnets {
                    reference(cx, s, "subnet", "subnets", &subnets, &seen.subnets);
                }
                for s in &aw.security_groups {
                    reference(cx, s, "security group", "security groups", &sgs, &seen.sgs);
                }
            }
            let Some(td) = td else { continue };
            match (td.network_mode.value, &t.awsvpc, netconf) {
                (NetworkMode::Awsvpc, None, _) => cx.err(
                    &t.loc,
                    "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
                    format!(
                        "task definition `{}:{}` uses networkMode=awsvpc; add `networkConfiguration: {{ awsvpcConfiguration: {{ subnets: [SUBNET] }} }}`",
                        td.family.value, td.revision
                    ),
                ),
                (NetworkMode::Awsvpc, Some(_), _) => {}
                (mode, _, Some(loc)) => cx.err(
                    loc,
                    format!(
                        "networkConfiguration is only valid for awsvpc tasks; task definition `{}:{}` uses networkMode={mode}",
                        td.family.value, td.revision
                    ),
                    "remove `networkConfiguration` (ECS rejects it: \"Network Configuration is not valid for the given networkMode of this task definition.\")",
                ),
                _ => {}
            }
        }

        // Expectations.
        let task_def_of = |name: &str| -> Option<&TaskDefinition> {
            let t = d.tasks.iter().find(|t| t.name.value == name)?;
            find_task_def(&d.task_definitions, &t.task_definition.value)
        };
        let endpoint = |cx: &mut Ctx, e: &Located<Node>| -> bool {
            let named = |n: &String| Located::new(n.clone(), e.loc.clone());
            match &e.value {
                Node::Instance(n) | Node::InstancePublic(n) => {
                    reference(cx, &named(n), "instance", "instances", &instances, &seen.instances)
                }
                Node::Task { task: n, container: None } => {
                    reference(cx, &named(n), "task", "tasks", &tasks, &seen.tasks)
                }
                Node::Task { task: t, container: Some(c) } => {
                    if !reference(cx, &named(t), "task", "tasks", &tasks, &seen.tasks) {
                        return false;
                    }
                    let Some(td) = task_def_of(t) else { return false };
                    let names: Vec<&str> = td.container_definitions.iter().map(|c| c.name.value.as_str()).collect();
                    if names.contains(&c.as_str()) {
                        return true;
                    }
                    let help = match suggest(c, &names) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("its containers: {}", names_list(names.iter().copied())),
                    };
                    cx.err(
                        &e.loc,
                        format!(
                            "task `{t}` has no container `{}` (task definition `{}:{}`)",
                            short(c),
                            td.family.value,
                            td.revision
                        ),
                        help,
                    );
                    false
                }
                Node::InternetHost(n) => {
                    reference(cx, &named(n), "internet host", "internet hosts", &hosts, &seen.hosts)
                }
                Node::Nat(n) => reference(cx, &named(n), "NAT gateway", "NAT gateways", &nats, &seen.nats),
                Node::Internet | Node::Metadata | Node::Ip(_) => true,
            }
        };
        for e in &d.expect {
            match &e.kind {
                ExpectKind::Never(_) => {}
                ExpectKind::Placement(p) => {
                    reference(cx, &p.task, "task", "tasks", &tasks, &seen.tasks);
                }
                ExpectKind::Reach(r) => {
                    endpoint(cx, &r.from);
                    let to_ok = endpoint(cx, &r.to);
                    if let Some(s) = &r.served_by {
                        endpoint(cx, s);
                    }
                    if let Some(s) = &r.source_seen_as {
                        endpoint(cx, s);
                    }
                    if let (Some(via), true, Some(port)) = (r.via, to_ok, r.port) {
                        check_via(cx, r, via, port, &task_def_of);
                    }
                }
            }
        }

        if !self.cx.diags.is_empty() || self.cx.overflow {
            return None;
        }
        let vpc = Vpc {
            cidr: d.vpc_cidr?,
            internet_gateway: d.internet_gateway,
            public_ip_pool: d.public_ip_pool,
            subnets: d.subnets,
            route_tables: d.route_tables,
            nat_gateways: d.nat_gateways,
            security_groups: d.security_groups,
            network_acls: d.network_acls,
        };
        if !d.vpc_ok {
            return None;
        }
        Some(Scenario {
            file,
            version: d.version?,
            name: d.name?,
            description: d.description,
            region: d.region,
            vpc,
            internet: Internet { hosts: d.hosts },
            instances: d.instances,
            task_definitions: d.task_definitions,
            tasks: d.tasks,
            expect: d.expect,
        })
    }
}

/// An address inside its subnet and not one of the five AWS reserves.
fn check_private_ip(cx: &mut Ctx, ip: &Located<Ipv4Addr>, subnet: &str, net: Ipv4Network) -> bool {
    if !net.contains(ip.value) {
        cx.err(
            &ip.loc,
            format!("private IP {} is not inside subnet `{subnet}` ({net})", ip.value),
            format!("use an address inside {net}, or omit `privateIp` to get the first free one"),
        );
        return false;
    }
    let base = u32::from(net.network());
    let last = u32::from(net.broadcast());
    let n = u32::from(ip.value);
    let why = match n.wrapping_sub(base) {
        0 => Some("the network address"),
        1 => Some("reserved by AWS for the VPC router"),
        2 => Some("reserved by AWS for the DNS server"),
        3 => Some("reserved by AWS for future use"),
        _ if n == last => Some("the network broadcast address (AWS does not support broadcast in a VPC)"),
        _ => None,
    };
    if let Some(why) = why {
        let first = Ipv4Addr::from(base.saturating_add(4));
        let final_ = Ipv4Addr::from(last.saturating_sub(1));
        cx.err(
            &ip.loc,
            format!(
                "private IP {} is reserved in subnet `{subnet}` ({net}): it is {why}; AWS reserves the first four and the last address of every subnet",
                ip.value
            ),
            format!("use an address from {first} to {final_}"),
        );
        return false;
    }
    true
}

/// `via: hostPort|publicHostPort` needs a host port for the container port.
fn check_via<'a>(
    cx: &mut Ctx,
    r: &Reach,
    via: Via,
    port: u16,
    task_def_of: &dyn Fn(&str) -> Option<&'a TaskDefinition>,
) {
    let (task, container) = match &r.to.value {
        Node::Task { task, container } => (task, container.as_ref()),
        _ => return,
    };
    let Some(td) = task_def_of(task) else { return };
    let via_name = if via == Via::HostPort { "hostPort" } else { "publicHostPort" };
    match td.network_mode.value {
        NetworkMode::Awsvpc | NetworkMode::None => {
            cx.err(
                &r.to.loc,
                format!(
                    "`via: {via_name}` needs a host port, but task `{task}` uses networkMode={}: its ports are not published on the instance",
                    td.network_mode.value
                ),
                format!("remove `via` and probe `task/{task}:{port}` (the task's own address)"),
            );
        }
        NetworkMode::Host => {}
        NetworkMode::Bridge => {
            let proto = if r.protocol == ProbeProto::Udp { Proto::Udp } else { Proto::Tcp };
            let mapped: Vec<String> = td
                .container_definitions
                .iter()
                .filter(|c| container.is_none_or(|n| *n == c.name.value))
                .flat_map(|c| c.port_mappings.iter())
                .map(|pm| format!("{}/{}", pm.container_port.value, pm.protocol))
                .collect();
            if mapped.contains(&format!("{port}/{proto}")) {
                return;
            }
            cx.err(
                &r.to.loc,
                format!("`via: {via_name}`: container port {port}/{proto} of task `{task}` has no port mapping, so it has no host port"),
                if mapped.is_empty() {
                    "add a portMappings entry for it in the task definition".to_string()
                } else {
                    format!("mapped container ports: {}", mapped.join(", "))
                },
            );
        }
    }
}
