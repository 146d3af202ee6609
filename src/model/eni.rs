//! Elastic network interfaces: the primary ENI of every instance and NAT gateway, and the ENI
//! of every placed awsvpc task, in that order; and the trunk ENI of an instance with ENI
//! trunking (held by the instance: it carries only its branches, the tasks' ENIs). Ids, router
//! link names and MACs derive from the lab and the owner's node name, so a lab always gets the
//! same ones.

use super::ids;
use crate::scenario::Node;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EniOwner {
    Instance(usize),
    Task(usize),
    Nat(usize),
    /// An interface VPC endpoint's (requester-managed).
    Endpoint(usize),
    /// A node of load balancer `usize` (requester-managed, as ELB's ENIs are).
    LoadBalancer(usize),
}

/// An elastic network interface: in the emulation a veth whose `eth0` end is in the owner's
/// namespace and whose other end (named after the ENI id) is in the VPC router.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Eni {
    /// `eni-` + 17 hex, as AWS shows it.
    pub id: String,
    /// The router-side link name (≤ 15 chars).
    pub router_link: String,
    pub mac: String,
    pub ip: Ipv4Addr,
    pub subnet: usize,
    pub security_groups: Vec<String>,
    pub owner: EniOwner,
    /// The namespace holding `eth0`.
    pub ns: String,
    pub public_ip: Option<Ipv4Addr>,
    /// Deleted with its task (a task stopped while the lab runs): kept in `Lab::enis` so that
    /// every other ENI keeps its index, and skipped by everything that wires or walks ENIs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub released: bool,
}

impl Eni {
    /// Whether what arrives at the ENI is answered by its owner (an instance or a task), rather
    /// than refused outright (a NAT gateway accepts nothing inbound).
    pub fn owner_answers(&self) -> bool {
        !matches!(self.owner, EniOwner::Nat(_) | EniOwner::Endpoint(_))
    }

    /// An ENI of `node` (owned as `owner`, its `eth0` in `ns`) with `ip` in subnet `subnet`; no
    /// security group and no public IP until the caller gives them.
    pub(super) fn new(lab: &str, node: &Node, owner: EniOwner, ns: String, ip: Ipv4Addr, subnet: usize) -> Eni {
        let key = node.to_string();
        let h = ids::hex(&[lab, "eni", &key], 17);
        Eni {
            id: format!("eni-{h}"),
            // IFNAMSIZ: a link name has at most 15 characters.
            router_link: format!("eni-{}", &h[..11]),
            // 0x0e: locally administered, as the first octet of a real ENI's MAC can be.
            mac: ids::mac_str(&ids::mac(0x0e, &[lab, "eni", &key])),
            ip,
            subnet,
            security_groups: vec![],
            owner,
            ns,
            public_ip: None,
            released: false,
        }
    }
}

/// The trunk ENI that ECS attaches to an instance with ENI trunking (`awsvpcTrunking`) when it
/// registers: the ENI of each of its awsvpc tasks is a branch of it, a VLAN of its own
/// (amazon-vpc-cni-plugins' `vpc-branch-eni`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrunkEni {
    /// `eni-` + 17 hex, as AWS shows it.
    pub id: String,
    /// The router-side link name (≤ 15 chars).
    pub router_link: String,
    pub mac: String,
}

impl TrunkEni {
    /// The trunk ENI of instance `instance`: ids derived as every ENI's, from its own key.
    pub(super) fn new(lab: &str, instance: &str) -> TrunkEni {
        let key = format!("{}/trunk", Node::instance(instance));
        let h = ids::hex(&[lab, "eni", &key], 17);
        TrunkEni {
            id: format!("eni-{h}"),
            router_link: format!("eni-{}", &h[..11]),
            mac: ids::mac_str(&ids::mac(0x0e, &[lab, "eni", &key])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_link_names_look_like_aws_and_fit_the_kernel() {
        let e = Eni::new("lab", &Node::task("web"), EniOwner::Task(0), "ns".into(), Ipv4Addr::new(10, 0, 1, 4), 0);
        assert_eq!(e.id.len(), "eni-".len() + 17);
        assert!(e.id.starts_with(&e.router_link), "{} / {}", e.id, e.router_link);
        assert!(e.router_link.len() <= 15, "{}", e.router_link);
        assert!(e.mac.starts_with("0e:"), "{}", e.mac);
        let again = Eni::new("lab", &Node::task("web"), EniOwner::Task(0), "ns".into(), Ipv4Addr::new(10, 0, 1, 4), 0);
        assert_eq!((e.id, e.mac), (again.id, again.mac), "the same lab gets the same ENI");
    }
}
