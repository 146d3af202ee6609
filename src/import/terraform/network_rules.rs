//! Security group rules (inline blocks and rule resources) and network ACLs with their
//! entries and subnet associations.

use super::refs::Src;
use super::{Out, P, or, reference, tags};
use crate::import::resource::Value;

/// Where a rule's peer is read from: Terraform's attribute, CloudFormation's property for an
/// ingress and for an egress rule, and whether Terraform holds a list there.
struct Peer {
    tf: &'static str,
    ingress: &'static str,
    egress: &'static str,
    list: bool,
}

const INLINE_PEERS: &[Peer] = &[
    Peer { tf: "cidr_blocks", ingress: "CidrIp", egress: "CidrIp", list: true },
    Peer { tf: "ipv6_cidr_blocks", ingress: "CidrIpv6", egress: "CidrIpv6", list: true },
    Peer { tf: "prefix_list_ids", ingress: "SourcePrefixListId", egress: "DestinationPrefixListId", list: true },
    Peer { tf: "security_groups", ingress: "SourceSecurityGroupId", egress: "DestinationSecurityGroupId", list: true },
    Peer {
        tf: "source_security_group_id",
        ingress: "SourceSecurityGroupId",
        egress: "DestinationSecurityGroupId",
        list: false,
    },
];

const VPC_RULE_PEERS: &[Peer] = &[
    Peer { tf: "cidr_ipv4", ingress: "CidrIp", egress: "CidrIp", list: false },
    Peer { tf: "cidr_ipv6", ingress: "CidrIpv6", egress: "CidrIpv6", list: false },
    Peer { tf: "prefix_list_id", ingress: "SourcePrefixListId", egress: "DestinationPrefixListId", list: false },
    Peer {
        tf: "referenced_security_group_id",
        ingress: "SourceSecurityGroupId",
        egress: "DestinationSecurityGroupId",
        list: false,
    },
];

/// `all` is Terraform's other spelling of `-1`.
fn ip_protocol(v: Option<Value>) -> Option<Value> {
    match v {
        Some(Value::String(p)) if p.eq_ignore_ascii_case("all") => Some(Value::String("-1".into())),
        Some(Value::String(p)) => Some(Value::String(p.to_ascii_lowercase())),
        other => other,
    }
}

/// One CloudFormation rule per peer of a Terraform rule (`cidr_blocks = [a, b]` is two
/// rules); `self = true` is a rule whose peer is the group `own`.
fn rules(b: &Src, own: &Value, egress: bool, peers: &[Peer], protocol_key: &str) -> Vec<Value> {
    let base = P::default()
        .with("IpProtocol", ip_protocol(b.scalar(protocol_key)))
        .with("FromPort", b.scalar("from_port"))
        .with("ToPort", b.scalar("to_port"))
        .with("Description", b.scalar("description"));
    let mut out = vec![];
    for peer in peers {
        let key = if egress { peer.egress } else { peer.ingress };
        let values = match b.value_of(peer.tf, peer.list) {
            Some(Value::List(l)) => l,
            Some(v) => vec![v],
            None => vec![],
        };
        for v in values {
            out.push(base.clone().with(key, Some(v)).build());
        }
    }
    if b.scalar("self").and_then(|v| v.bool()) == Some(true) {
        let key = if egress { "DestinationSecurityGroupId" } else { "SourceSecurityGroupId" };
        out.push(base.clone().with(key, Some(own.clone())).build());
    }
    out
}

/// The rules of an inline `ingress` or `egress` block of group `own`.
pub fn sg_rules(b: &Src, own: &str, egress: bool) -> Vec<Value> {
    rules(b, &reference(own), egress, INLINE_PEERS, "protocol")
}

/// `aws_security_group_rule` -> SecurityGroupIngress / SecurityGroupEgress, one per peer.
pub fn security_group_rule(s: &Src, out: &mut Out) {
    let egress = s.text("type") == Some("egress");
    let group = s.scalar("security_group_id").unwrap_or(Value::Null);
    let made = rules(s, &group, egress, INLINE_PEERS, "protocol");
    add_rules(s, out, group, egress, made);
}

/// `aws_vpc_security_group_ingress_rule` / `_egress_rule`: one peer each.
pub fn vpc_rule(s: &Src, out: &mut Out) {
    let egress = s.inst.kind.ends_with("egress_rule");
    let group = s.scalar("security_group_id").unwrap_or(Value::Null);
    let made = rules(s, &group, egress, VPC_RULE_PEERS, "ip_protocol");
    add_rules(s, out, group, egress, made);
}

fn add_rules(s: &Src, out: &mut Out, group: Value, egress: bool, made: Vec<Value>) {
    let a = &s.inst.address;
    let kind = if egress { "AWS::EC2::SecurityGroupEgress" } else { "AWS::EC2::SecurityGroupIngress" };
    for (n, rule) in made.into_iter().enumerate() {
        let mut props = vec![("GroupId".to_string(), group.clone())];
        if let Value::Map(m) = rule {
            props.extend(m);
        }
        let id = if n == 0 { a.clone() } else { format!("{a}#rule{n}") };
        out.add(&id, kind, P(props), a);
    }
}

/// CloudFormation's protocol number for Terraform's name or number (`tcp` -> 6, `all` -> -1).
fn protocol_number(v: Option<Value>) -> Option<Value> {
    let n = match v.as_ref().and_then(Value::str).map(str::to_ascii_lowercase).as_deref() {
        Some("tcp") => "6",
        Some("udp") => "17",
        Some("icmp") => "1",
        Some("icmpv6") => "58",
        Some("all" | "-1") => "-1",
        Some(n) if n.parse::<i32>().is_ok() => return Some(Value::Number(n.to_string())),
        _ => return v,
    };
    Some(Value::Number(n.into()))
}

/// A NetworkAclEntry's properties from a rule (`number`, `action`: the attribute names of an
/// inline block or of `aws_network_acl_rule`).
fn acl_entry(b: &Src, acl: Value, egress: Value, number: &str, action: &str) -> P {
    let protocol = protocol_number(b.scalar("protocol"));
    let proto = protocol.as_ref().and_then(Value::str).unwrap_or("").to_string();
    let mut p = P::default()
        .with("NetworkAclId", Some(acl))
        .with("RuleNumber", b.scalar(number))
        .with("Protocol", protocol)
        .with("RuleAction", b.scalar(action))
        .with("Egress", Some(egress))
        .with("CidrBlock", b.scalar("cidr_block"))
        .with("Ipv6CidrBlock", b.scalar("ipv6_cidr_block"));
    // Ports mean something for TCP and UDP only, ICMP types for ICMP only.
    if proto == "6" || proto == "17" {
        let range = P::default().with("From", b.scalar("from_port")).with("To", b.scalar("to_port"));
        p = p.with("PortRange", Some(range.build()));
    }
    if proto == "1" || proto == "58" {
        let icmp = P::default().with("Code", b.scalar("icmp_code")).with("Type", b.scalar("icmp_type"));
        p = p.with("Icmp", Some(icmp.build()));
    }
    p
}

/// `aws_network_acl` -> NetworkAcl, a NetworkAclEntry per inline rule and a
/// SubnetNetworkAclAssociation per subnet.
pub fn network_acl(s: &Src, out: &mut Out) {
    let a = &s.inst.address;
    out.add(a, "AWS::EC2::NetworkAcl", P::default().with("VpcId", s.scalar("vpc_id")).with("Tags", tags(s)), a);
    for (dir, egress) in [("ingress", false), ("egress", true)] {
        for (n, b) in s.blocks(dir).iter().enumerate() {
            let p = acl_entry(b, reference(a), Value::Bool(egress), "rule_no", "action");
            out.add(&format!("{a}#{dir}{n}"), "AWS::EC2::NetworkAclEntry", p, a);
        }
    }
    let subnets = match s.list("subnet_ids") {
        Some(Value::List(l)) => l,
        Some(v) => vec![v],
        None => vec![],
    };
    for (n, subnet) in subnets.into_iter().enumerate() {
        let p = P::default().with("NetworkAclId", Some(reference(a))).with("SubnetId", Some(subnet));
        out.add(&format!("{a}#subnet{n}"), "AWS::EC2::SubnetNetworkAclAssociation", p, a);
    }
}

pub fn network_acl_rule(s: &Src, out: &mut Out) {
    let a = &s.inst.address;
    let acl = s.scalar("network_acl_id").unwrap_or(Value::Null);
    let egress = or(s.scalar("egress"), Value::Bool(false)).unwrap_or(Value::Bool(false));
    out.add(a, "AWS::EC2::NetworkAclEntry", acl_entry(s, acl, egress, "rule_number", "rule_action"), a);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_become_numbers() {
        let n = |p: &str| protocol_number(Some(Value::String(p.into())));
        assert_eq!(n("tcp"), Some(Value::Number("6".into())));
        assert_eq!(n("UDP"), Some(Value::Number("17".into())));
        assert_eq!(n("all"), Some(Value::Number("-1".into())));
        assert_eq!(n("-1"), Some(Value::Number("-1".into())));
        assert_eq!(n("50"), Some(Value::Number("50".into())));
        assert_eq!(ip_protocol(Some(Value::String("all".into()))), Some(Value::String("-1".into())));
    }
}
