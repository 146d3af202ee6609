//! The VPC and what is in it: subnets, gateways, route tables and routes, security groups
//! and their rules, network ACLs, VPC endpoints.

use super::refs::Src;
use super::{Out, P, or, reference, string, tags};
use crate::import::resource::Value;

/// Translate a network resource; false when `s` is not one.
pub fn translate(s: &Src, out: &mut Out) -> bool {
    let a = s.inst.address.as_str();
    match s.inst.kind.as_str() {
        "aws_vpc" => out.add(a, "AWS::EC2::VPC", vpc(s), a),
        "aws_subnet" => out.add(a, "AWS::EC2::Subnet", subnet(s), a),
        "aws_internet_gateway" => internet_gateway(s, out),
        "aws_internet_gateway_attachment" => {
            let p = P::default()
                .with("VpcId", s.scalar("vpc_id"))
                .with("InternetGatewayId", s.scalar("internet_gateway_id"));
            out.add(a, "AWS::EC2::VPCGatewayAttachment", p, a)
        }
        "aws_eip" => out.add(a, "AWS::EC2::EIP", eip(s), a),
        "aws_nat_gateway" => {
            let p = P::default()
                .with("SubnetId", s.scalar("subnet_id"))
                .with("AllocationId", s.scalar("allocation_id"))
                .with("ConnectivityType", or(s.scalar("connectivity_type"), string("public")))
                .with("PrivateIpAddress", s.scalar("private_ip"))
                .with("Tags", tags(s));
            out.add(a, "AWS::EC2::NatGateway", p, a)
        }
        "aws_route_table" | "aws_default_route_table" => route_table(s, out),
        "aws_route" => out.add(
            a,
            "AWS::EC2::Route",
            route(s, P::default().with("RouteTableId", s.scalar("route_table_id")), "destination_"),
            a,
        ),
        "aws_route_table_association" => route_table_association(s, out),
        "aws_main_route_table_association" => out.pending.push((
            a.to_string(),
            s.inst.kind.clone(),
            P::default().with("RouteTableId", s.scalar("route_table_id")).build(),
        )),
        "aws_security_group" => security_group(s, out),
        "aws_security_group_rule" => super::network_rules::security_group_rule(s, out),
        "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => {
            super::network_rules::vpc_rule(s, out)
        }
        "aws_network_acl" => super::network_rules::network_acl(s, out),
        "aws_network_acl_rule" => super::network_rules::network_acl_rule(s, out),
        "aws_network_acl_association" => {
            let p =
                P::default().with("NetworkAclId", s.scalar("network_acl_id")).with("SubnetId", s.scalar("subnet_id"));
            out.add(a, "AWS::EC2::SubnetNetworkAclAssociation", p, a)
        }
        "aws_vpc_endpoint" => out.add(a, "AWS::EC2::VPCEndpoint", endpoint(s), a),
        "aws_vpc_endpoint_route_table_association"
        | "aws_vpc_endpoint_subnet_association"
        | "aws_vpc_endpoint_security_group_association" => {
            let p = P::default()
                .with("VpcEndpointId", s.scalar("vpc_endpoint_id"))
                .with("RouteTableIds", s.scalar("route_table_id"))
                .with("SubnetIds", s.scalar("subnet_id"))
                .with("SecurityGroupIds", s.scalar("security_group_id"));
            out.pending.push((a.to_string(), s.inst.kind.clone(), p.build()))
        }
        _ => return false,
    }
    true
}

fn vpc(s: &Src) -> P {
    P::default()
        .with("CidrBlock", s.scalar("cidr_block"))
        .with("EnableDnsSupport", or(s.scalar("enable_dns_support"), Value::Bool(true)))
        // Terraform's default, unlike a VPC made in the console.
        .with("EnableDnsHostnames", or(s.scalar("enable_dns_hostnames"), Value::Bool(false)))
        .with("InstanceTenancy", s.scalar("instance_tenancy"))
        .with("Tags", tags(s))
}

fn subnet(s: &Src) -> P {
    P::default()
        .with("VpcId", s.scalar("vpc_id"))
        .with("CidrBlock", s.scalar("cidr_block"))
        .with("Ipv6CidrBlock", s.scalar("ipv6_cidr_block"))
        .with("AvailabilityZone", s.scalar("availability_zone"))
        .with("AvailabilityZoneId", s.scalar("availability_zone_id").filter(|_| s.raw("availability_zone").is_none()))
        .with("MapPublicIpOnLaunch", or(s.scalar("map_public_ip_on_launch"), Value::Bool(false)))
        .with("Tags", tags(s))
}

fn internet_gateway(s: &Src, out: &mut Out) {
    let a = &s.inst.address;
    out.add(a, "AWS::EC2::InternetGateway", P::default().with("Tags", tags(s)), a);
    // Terraform attaches the gateway to `vpc_id` itself; CloudFormation needs an attachment.
    if let Some(vpc) = s.scalar("vpc_id").filter(|v| !matches!(v, Value::Null)) {
        let p = P::default().with("VpcId", Some(vpc)).with("InternetGatewayId", Some(reference(a)));
        out.add(&format!("{a}#attachment"), "AWS::EC2::VPCGatewayAttachment", p, a);
    }
}

fn eip(s: &Src) -> P {
    // `vpc = true` is the older spelling of `domain = "vpc"`; EC2-Classic is gone.
    let domain = s.scalar("domain").or_else(|| Some(string("vpc")));
    P::default()
        .with("Domain", domain)
        .with("PublicIp", s.scalar("public_ip").filter(|v| matches!(v, Value::String(_))))
        .with("InstanceId", s.scalar("instance"))
        .with("NetworkInterfaceId", s.scalar("network_interface"))
        .with("Tags", tags(s))
}

/// A route's destination and target; `dest` is the prefix of the destination attributes
/// (`destination_` in `aws_route`, none in an inline `route`).
fn route(s: &Src, p: P, dest: &str) -> P {
    let cidr = if dest.is_empty() { "cidr_block".to_string() } else { format!("{dest}cidr_block") };
    let ipv6 = format!("{dest}ipv6_cidr_block");
    p.with("DestinationCidrBlock", s.scalar(&cidr))
        .with("DestinationIpv6CidrBlock", s.scalar(&ipv6))
        .with("DestinationPrefixListId", s.scalar("destination_prefix_list_id"))
        .with("GatewayId", s.scalar("gateway_id"))
        .with("NatGatewayId", s.scalar("nat_gateway_id"))
        .with("VpcEndpointId", s.scalar("vpc_endpoint_id"))
        .with("TransitGatewayId", s.scalar("transit_gateway_id"))
        .with("VpcPeeringConnectionId", s.scalar("vpc_peering_connection_id"))
        .with("NetworkInterfaceId", s.scalar("network_interface_id"))
        .with("EgressOnlyInternetGatewayId", s.scalar("egress_only_gateway_id"))
        .with("CarrierGatewayId", s.scalar("carrier_gateway_id"))
        .with("LocalGatewayId", s.scalar("local_gateway_id"))
        .with("CoreNetworkArn", s.scalar("core_network_arn"))
}

/// A route table and each inline `route` as a Route of its own. The VPC's default (main)
/// route table is marked `EcsnetMain: true`.
fn route_table(s: &Src, out: &mut Out) {
    let a = &s.inst.address;
    let main = s.inst.kind == "aws_default_route_table";
    let vpc = match s.scalar("vpc_id") {
        Some(v) if !matches!(v, Value::Unknown { .. }) || !main => Some(v),
        // `default_route_table_id = aws_vpc.main.default_route_table_id`: that VPC.
        _ => match s.scalar("default_route_table_id") {
            Some(Value::Ref { id, .. }) => Some(reference(&id)),
            other => other,
        },
    };
    let mut p = P::default().with("VpcId", vpc).with("Tags", tags(s));
    if main {
        p = p.with("EcsnetMain", Some(Value::Bool(true)));
    }
    out.add(a, "AWS::EC2::RouteTable", p, a);
    for (n, r) in s.blocks("route").iter().enumerate() {
        let p = route(r, P::default().with("RouteTableId", Some(reference(a))), "");
        out.add(&format!("{a}#route{n}"), "AWS::EC2::Route", p, a);
    }
}

fn route_table_association(s: &Src, out: &mut Out) {
    let a = &s.inst.address;
    let p = P::default().with("RouteTableId", s.scalar("route_table_id"));
    match s.scalar("gateway_id") {
        // An edge association: the gateway's inbound traffic goes through the table.
        Some(g) if !matches!(&g, Value::String(x) if x.is_empty()) => {
            out.add(a, "AWS::EC2::GatewayRouteTableAssociation", p.with("GatewayId", Some(g)), a)
        }
        _ => out.add(a, "AWS::EC2::SubnetRouteTableAssociation", p.with("SubnetId", s.scalar("subnet_id")), a),
    }
}

/// A security group and its inline rules, one CloudFormation rule per source.
/// `EcsnetDefaultEgress: false`: Terraform removes the allow-all egress rule AWS adds to a
/// new group, so a group without `egress` blocks allows no egress.
fn security_group(s: &Src, out: &mut Out) {
    let a = &s.inst.address;
    let mut ingress = vec![];
    let mut egress = vec![];
    for b in s.blocks("ingress") {
        ingress.extend(super::network_rules::sg_rules(&b, a, false));
    }
    for b in s.blocks("egress") {
        egress.extend(super::network_rules::sg_rules(&b, a, true));
    }
    let p = P::default()
        .with("GroupName", s.scalar("name"))
        .with("GroupDescription", or(s.scalar("description"), string("Managed by Terraform")))
        .with("VpcId", s.scalar("vpc_id"))
        .with("SecurityGroupIngress", Some(Value::List(ingress)))
        .with("SecurityGroupEgress", Some(Value::List(egress)))
        .with("EcsnetDefaultEgress", Some(Value::Bool(false)))
        .with("Tags", tags(s));
    out.add(a, "AWS::EC2::SecurityGroup", p, a);
}

fn endpoint(s: &Src) -> P {
    P::default()
        .with("ServiceName", s.scalar("service_name"))
        // Terraform's default type.
        .with("VpcEndpointType", or(s.scalar("vpc_endpoint_type"), string("Gateway")))
        .with("VpcId", s.scalar("vpc_id"))
        .with("SubnetIds", s.list("subnet_ids"))
        .with("SecurityGroupIds", s.list("security_group_ids"))
        .with("RouteTableIds", s.list("route_table_ids"))
        .with("PrivateDnsEnabled", s.scalar("private_dns_enabled"))
        .with("PolicyDocument", super::document(s, "policy"))
}

/// A state's group lists the rules of its separate rule resources too (it is read back from
/// AWS): each rule once, as the resource that makes it.
pub fn dedupe_rules(out: &mut Out) {
    let mut separate = vec![];
    for r in &out.resources {
        let key = match r.kind.as_str() {
            "AWS::EC2::SecurityGroupIngress" => "SecurityGroupIngress",
            "AWS::EC2::SecurityGroupEgress" => "SecurityGroupEgress",
            _ => continue,
        };
        if let (Some(Value::Ref { id, .. }), Value::Map(m)) = (r.properties.get("GroupId"), &r.properties) {
            let rule: Vec<_> = m.iter().filter(|(k, _)| k != "GroupId").cloned().collect();
            separate.push((id.clone(), key, Value::Map(rule)));
        }
    }
    for (group, key, rule) in separate {
        if let Some(Value::Map(m)) = out.find_mut(&group).map(|g| &mut g.properties) {
            if let Some((_, Value::List(l))) = m.iter_mut().find(|(k, _)| k == key) {
                l.retain(|x| x != &rule);
            }
            m.retain(|(_, v)| !matches!(v, Value::List(l) if l.is_empty()));
        }
    }
}

/// Folds the associations into what they associate: the main route table mark into its
/// table, endpoint associations into the endpoint's lists.
pub fn merge(out: &mut Out) {
    let pending = std::mem::take(&mut out.pending);
    for (addr, kind, props) in pending {
        let (target, entries): (Option<&Value>, Vec<(&str, &str)>) = match kind.as_str() {
            "aws_main_route_table_association" => (props.get("RouteTableId"), vec![]),
            k if k.starts_with("aws_vpc_endpoint_") => {
                (props.get("VpcEndpointId"), vec![("RouteTableIds", ""), ("SubnetIds", ""), ("SecurityGroupIds", "")])
            }
            _ => {
                out.pending.push((addr, kind, props));
                continue;
            }
        };
        let found = match target {
            Some(Value::Ref { id, .. }) => out.find_mut(id),
            _ => None,
        };
        let Some(r) = found else {
            out.notes.push(crate::import::resource::Note {
                origin: addr.clone(),
                what: format!("{kind} of a resource not in the plan or state"),
                fix: "import the configuration that makes that resource too".into(),
                assumed: false,
            });
            continue;
        };
        if entries.is_empty() {
            push_prop(r, "EcsnetMain", Value::Bool(true));
        }
        for (key, _) in entries {
            if let Some(v) = props.get(key) {
                append(r, key, v.clone());
            }
        }
    }
}

pub fn push_prop(r: &mut crate::import::resource::Resource, key: &str, v: Value) {
    if let Value::Map(m) = &mut r.properties {
        m.retain(|(k, _)| k != key);
        m.push((key.to_string(), v));
    }
}

/// Appends `v` to the list property `key`.
pub fn append(r: &mut crate::import::resource::Resource, key: &str, v: Value) {
    if let Value::Map(m) = &mut r.properties {
        match m.iter_mut().find(|(k, _)| k == key) {
            // A state lists an attached policy both in the role and in the attachment.
            Some((_, Value::List(l))) if l.contains(&v) => {}
            Some((_, Value::List(l))) => l.push(v),
            Some((_, other)) => *other = Value::List(vec![other.clone(), v]),
            None => m.push((key.to_string(), Value::List(vec![v]))),
        }
    }
}
