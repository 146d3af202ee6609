//! The plan: every kernel object a lab needs, as data. The dataplane applies it phase by phase
//! (namespaces → sysctls → links → addresses → routes → rules → firewall → processes); teardown
//! only needs the namespace list, because every object lives inside the lab's namespaces.
//!
//! One file per resource kind emits that kind's objects; `plan` calls them in the order the
//! objects must appear, since the dataplane creates them in list order and interface indexes
//! follow the order of `bridges`, `veths` and `vlans`.

mod container;
mod dns;
mod docker;
mod eni;
pub mod fargate;
pub mod hosts;
#[cfg(test)]
mod hosts_tests;
mod instance;
mod instance_metadata;
mod internet;
mod internet_gateway;
pub mod load_balancer;
mod namespace;
mod nat_gateway;
mod network_acl;
pub mod nft;
mod objects;
pub mod process;
mod route_table;
mod security_group;
mod task;
#[cfg(test)]
mod tests;
mod vpc_endpoint;

pub use eni::{TRUNK_LINK, eni_owner_label};
pub use internet::host_mark;
pub use objects::{
    Addr, Bridge, Fdb, Firewall, MAIN_TABLE, Neigh, Plan, Route, RouteKind, Rule, Sysctl, Veth, Vlan, VlanPair, Vxlan,
};
use objects::{default_net, host, net};

use crate::model::Lab;
use crate::scenario::NetworkMode;

/// Build the plan for a lab.
pub fn plan(lab: &Lab) -> Plan {
    let namespaces = lab.namespaces();
    let mut p = Plan {
        lab: lab.name.clone(),
        lo_up: namespaces.clone(),
        namespaces,
        processes: process::processes(lab),
        ..Default::default()
    };
    namespace::sysctls(&mut p, lab);
    eni::router_sysctls(&mut p, lab);
    for inst in &lab.instances {
        instance::sysctls(&mut p, inst);
    }
    for e in lab.live_enis() {
        eni::link(&mut p, lab, e);
    }
    for inst in &lab.instances {
        eni::trunk(&mut p, lab, inst);
    }
    route_table::vpc_local(&mut p, lab);
    for (index, sn) in lab.vpc.subnets.iter().enumerate() {
        route_table::association(&mut p, lab, index, sn);
    }
    for rt in &lab.vpc.route_tables {
        route_table::routes(&mut p, lab, rt);
    }
    instance_metadata::address(&mut p, lab);
    dns::addresses(&mut p, lab);
    p.firewall(&lab.vpc.router_ns, router_firewall(lab));
    internet_gateway::links(&mut p, lab);
    internet::addresses(&mut p, lab);
    for nat in &lab.nats {
        nat_gateway::firewall(&mut p, lab, nat);
    }
    vpc_endpoint::firewalls(&mut p, lab);
    load_balancer::firewalls(&mut p, lab);
    load_balancer::reply_routes(&mut p, lab);
    vpc_endpoint::gateways(&mut p, lab);
    for (index, inst) in lab.instances.iter().enumerate() {
        instance::bridges(&mut p, inst, lab.has_ecs_bridge(index));
        let (mut published, mut on_docker0) = (vec![], vec![]);
        for t in lab.tasks.iter().filter(|t| t.on_instance(index) && t.is_running()) {
            match t.mode {
                NetworkMode::Awsvpc => {
                    task::ecs_eth0(&mut p, inst, t);
                    instance_metadata::awsvpc_block(&mut p, inst, t);
                }
                NetworkMode::Bridge => {
                    for c in &t.containers {
                        published.extend(container::docker_eth0(&mut p, inst, c));
                        on_docker0.push(c);
                    }
                }
                NetworkMode::Host | NetworkMode::None => {}
            }
        }
        container::docker0_peers(&mut p, &on_docker0);
        instance::firewall(&mut p, inst, &published);
    }
    for t in lab.tasks.iter().filter(|t| t.is_running()) {
        fargate::microvm(&mut p, &lab.name, t);
    }
    p
}

/// The VPC router's one nft table: the security groups' two gates, then the network ACLs'
/// base chain, which runs first by its priority; the input guards of what the router answers
/// itself (the metadata service, the VPC resolver).
pub fn router_firewall(lab: &Lab) -> nftables::schema::Nftables<'static> {
    use nftables::types::{NfChainPolicy as Policy, NfChainType as Ty, NfHook as Hook};
    let mut t = nft::TableBuilder::new();
    load_balancer::router_marks(&mut t, lab);
    security_group::gates(&mut t, lab);
    network_acl::chains(&mut t, lab);
    t.base("input", Ty::Filter, Hook::Input, 0, Policy::Accept);
    instance_metadata::guard(&mut t, lab);
    dns::guard(&mut t, lab);
    t.build()
}
