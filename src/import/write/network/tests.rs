//! The network writer on hand-made inputs: the YAML it writes, the notes, and that the
//! scenario validator accepts the file.

use crate::import::resource::{Input, Resource, Value};
use crate::import::write::{Ctx, Options, Output, write};
use std::path::Path;

fn s(x: &str) -> Value {
    Value::String(x.into())
}

fn n(x: i64) -> Value {
    Value::Number(x.to_string())
}

fn r(id: &str) -> Value {
    Value::Ref { id: id.into(), attribute: None }
}

fn att(id: &str, a: &str) -> Value {
    Value::Ref { id: id.into(), attribute: Some(a.into()) }
}

fn unknown(fix: &str) -> Value {
    Value::Unknown { why: "a parameter with no default".into(), fix: fix.into() }
}

fn map(pairs: &[(&str, Value)]) -> Value {
    Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

fn res(id: &str, kind: &str, props: &[(&str, Value)]) -> Resource {
    Resource {
        id: id.into(),
        kind: format!("AWS::EC2::{kind}"),
        properties: map(props),
        origin: format!("logical id {id}"),
    }
}

fn input(resources: Vec<Resource>) -> Input {
    Input { resources, region: Some("us-east-1".into()), ..Input::default() }
}

fn run(resources: Vec<Resource>) -> Output {
    let opts =
        Options { name: "t".into(), region: "us-east-1".into(), command: "ecsnet import cloudformation t.yaml".into() };
    write(&input(resources), &opts)
}

/// The scenario validator accepts the generated file.
fn valid(out: &Output) {
    if let Err(d) = crate::scenario::load_str(Path::new("imported.yaml"), &out.yaml) {
        panic!("{}\n{d:?}", out.yaml);
    }
}

fn noted(out: &Output, origin: &str, part: &str) -> bool {
    out.notes.iter().any(|x| x.origin == format!("logical id {origin}") && x.to_string().contains(part))
}

fn vpc() -> Resource {
    res("Vpc", "VPC", &[("CidrBlock", s("10.0.0.0/16"))])
}

/// A VPC with an attached internet gateway, a public subnet with a NAT gateway and a private one.
fn public_private() -> Vec<Resource> {
    vec![
        vpc(),
        res("Igw", "InternetGateway", &[]),
        res("IgwAttach", "VPCGatewayAttachment", &[("VpcId", r("Vpc")), ("InternetGatewayId", r("Igw"))]),
        res(
            "PublicSubnet",
            "Subnet",
            &[
                ("VpcId", r("Vpc")),
                ("CidrBlock", s("10.0.0.0/24")),
                ("AvailabilityZone", s("us-east-1a")),
                ("MapPublicIpOnLaunch", Value::Bool(true)),
            ],
        ),
        res(
            "PrivateSubnet",
            "Subnet",
            &[("VpcId", r("Vpc")), ("CidrBlock", s("10.0.1.0/24")), ("AvailabilityZone", s("us-east-1b"))],
        ),
        res("NatEip", "EIP", &[("Domain", s("vpc"))]),
        res("Nat", "NatGateway", &[("SubnetId", r("PublicSubnet")), ("AllocationId", att("NatEip", "AllocationId"))]),
        res("PublicRT", "RouteTable", &[("VpcId", r("Vpc"))]),
        res(
            "PublicDefault",
            "Route",
            &[("RouteTableId", r("PublicRT")), ("DestinationCidrBlock", s("0.0.0.0/0")), ("GatewayId", r("Igw"))],
        ),
        res("PrivateRT", "RouteTable", &[("VpcId", r("Vpc"))]),
        res(
            "PrivateDefault",
            "Route",
            &[("RouteTableId", r("PrivateRT")), ("DestinationCidrBlock", s("0.0.0.0/0")), ("NatGatewayId", r("Nat"))],
        ),
        res(
            "PublicAssoc",
            "SubnetRouteTableAssociation",
            &[("SubnetId", r("PublicSubnet")), ("RouteTableId", r("PublicRT"))],
        ),
        res(
            "PrivateAssoc",
            "SubnetRouteTableAssociation",
            &[("SubnetId", r("PrivateSubnet")), ("RouteTableId", r("PrivateRT"))],
        ),
    ]
}

#[test]
fn public_and_private_subnets_with_igw_and_nat() {
    let out = run(public_private());
    valid(&out);
    let y = &out.yaml;
    for part in [
        "# from logical id Vpc\nvpc:\n  cidr: 10.0.0.0/16\n",
        "  # from logical id Igw, attached by logical id IgwAttach\n  internetGateway: true\n",
        "    # from logical id PublicSubnet\n    - name: public-subnet\n      cidr: 10.0.0.0/24\n      availabilityZone: us-east-1a\n      # from logical id PublicAssoc\n      routeTable: public-rt\n",
        "    - name: public-rt\n      routes:\n        # from logical id PublicDefault\n        - destinationCidrBlock: 0.0.0.0/0\n          gateway: internet-gateway\n",
        "        - destinationCidrBlock: 0.0.0.0/0\n          natGateway: nat\n",
        "    # from logical id Nat\n    - name: nat\n      subnet: public-subnet\n",
        "  # CloudFormation's and Terraform's default\n  enableDnsHostnames: false\n",
    ] {
        assert!(y.contains(part), "{part}\n---\n{y}");
    }
    // Every resource was carried over: nothing noted.
    assert!(out.notes.is_empty(), "{:?}", out.notes);
    // MapPublicIpOnLaunch is kept for the instances.
    let inp = input(public_private());
    let mut ctx = Ctx::new(&inp, "us-east-1".into());
    super::top_level(&mut ctx);
    assert_eq!(ctx.public_subnets.iter().collect::<Vec<_>>(), vec!["PublicSubnet"]);
}

#[test]
fn an_elastic_ip_with_a_known_address_is_kept() {
    let mut rs = public_private();
    rs[5] = res("NatEip", "EIP", &[("PublicIp", s("52.1.2.3"))]);
    let out = run(rs);
    valid(&out);
    assert!(out.yaml.contains("      # from logical id NatEip\n      elasticIp: \"52.1.2.3\"\n"), "{}", out.yaml);
}

#[test]
fn routes_to_targets_the_scenario_lacks_are_noted_one_by_one() {
    let mut rs = public_private();
    let route = |id: &str, dest: &str, key: &str, v: Value| {
        res(id, "Route", &[("RouteTableId", r("PrivateRT")), ("DestinationCidrBlock", s(dest)), (key, v)])
    };
    rs.extend([
        route("ToTgw", "172.16.0.0/12", "TransitGatewayId", s("tgw-1")),
        route("ToPeer", "192.168.0.0/16", "VpcPeeringConnectionId", s("pcx-1")),
        route("ToEni", "100.64.0.0/10", "NetworkInterfaceId", s("eni-1")),
        route("Local", "10.0.0.0/16", "GatewayId", s("local")),
        route("Again", "0.0.0.0/0", "GatewayId", r("Igw")),
        res(
            "S3",
            "VPCEndpoint",
            &[
                ("VpcId", r("Vpc")),
                ("ServiceName", s("com.amazonaws.us-east-1.s3")),
                ("RouteTableIds", Value::List(vec![r("PrivateRT")])),
            ],
        ),
        route("ToS3", "198.18.2.0/24", "VpcEndpointId", r("S3")),
        res(
            "V6",
            "Route",
            &[("RouteTableId", r("PrivateRT")), ("DestinationIpv6CidrBlock", s("::/0")), ("GatewayId", r("Igw"))],
        ),
    ]);
    let out = run(rs);
    valid(&out);
    assert!(noted(&out, "ToTgw", "via TransitGatewayId"));
    assert!(noted(&out, "ToPeer", "via VpcPeeringConnectionId"));
    assert!(noted(&out, "ToEni", "via NetworkInterfaceId"));
    assert!(noted(&out, "Again", "The route identified by 0.0.0.0/0 already exists."));
    assert!(noted(&out, "V6", "DestinationIpv6CidrBlock"));
    // The local route and the gateway endpoint's route are made by the scenario itself.
    assert!(!out.notes.iter().any(|x| x.origin.ends_with("Local") || x.origin.ends_with("ToS3")), "{:?}", out.notes);
    assert_eq!(out.notes.len(), 5, "{:?}", out.notes);
    assert!(out.yaml.contains(
        "    - name: s3\n      service: s3\n      type: Gateway\n      routeTables:\n        - private-rt\n"
    ));
}

#[test]
fn a_route_to_a_vpn_gateway_and_a_private_nat_are_noted() {
    let mut rs = public_private();
    rs.push(res("Vgw", "VPNGateway", &[("Type", s("ipsec.1"))]));
    rs.push(res(
        "ToVgw",
        "Route",
        &[("RouteTableId", r("PrivateRT")), ("DestinationCidrBlock", s("172.16.0.0/12")), ("GatewayId", r("Vgw"))],
    ));
    rs.push(res("PrivNat", "NatGateway", &[("SubnetId", r("PrivateSubnet")), ("ConnectivityType", s("private"))]));
    let out = run(rs);
    valid(&out);
    assert!(noted(&out, "ToVgw", "not the VPC's internet gateway"));
    assert!(noted(&out, "Vgw", "a VPN gateway"));
    assert!(noted(&out, "PrivNat", "a private NAT gateway"));
}

fn rule(proto: Value, from: i64, to: i64, peer: (&str, Value)) -> Value {
    map(&[("IpProtocol", proto), ("FromPort", n(from)), ("ToPort", n(to)), peer])
}

/// Groups that name each other, standalone rules (one on the VPC's default group), a
/// Terraform group without egress, and two rules the scenario cannot carry.
fn groups() -> Vec<Resource> {
    let mut rs = public_private();
    let list = |v: Vec<Value>| Value::List(v);
    rs.extend([
        res(
            "AlbSG",
            "SecurityGroup",
            &[
                ("VpcId", r("Vpc")),
                ("GroupName", s("alb")),
                ("GroupDescription", s("the load balancer")),
                ("SecurityGroupIngress", list(vec![rule(s("tcp"), 443, 443, ("CidrIp", s("0.0.0.0/0")))])),
            ],
        ),
        res(
            "SGWeb",
            "SecurityGroup",
            &[
                ("VpcId", r("Vpc")),
                (
                    "SecurityGroupIngress",
                    list(vec![rule(s("6"), 8000, 8010, ("SourceSecurityGroupId", att("AlbSG", "GroupId")))]),
                ),
                ("SecurityGroupEgress", list(vec![rule(s("-1"), -1, -1, ("CidrIp", s("0.0.0.0/0")))])),
            ],
        ),
        res(
            "WebIcmp",
            "SecurityGroupIngress",
            &[
                ("GroupId", r("SGWeb")),
                ("IpProtocol", s("icmp")),
                ("FromPort", n(-1)),
                ("ToPort", n(-1)),
                ("CidrIp", s("10.0.0.0/16")),
            ],
        ),
        res("DbSG", "SecurityGroup", &[("VpcId", r("Vpc")), ("GroupName", s("default"))]),
        res(
            "DbOut",
            "SecurityGroupEgress",
            &[
                ("GroupId", att("DbSG", "GroupId")),
                ("IpProtocol", n(6)),
                ("FromPort", n(5432)),
                ("ToPort", n(5432)),
                ("DestinationSecurityGroupId", r("SGWeb")),
            ],
        ),
        res(
            "TfSG",
            "SecurityGroup",
            &[("VpcId", r("Vpc")), ("GroupName", s("sg-batch")), ("EcsnetDefaultEgress", Value::Bool(false))],
        ),
        res(
            "SshDefault",
            "SecurityGroupIngress",
            &[
                ("GroupId", att("Vpc", "DefaultSecurityGroup")),
                ("IpProtocol", s("tcp")),
                ("FromPort", n(22)),
                ("ToPort", n(22)),
                ("CidrIp", s("10.0.0.0/8")),
            ],
        ),
        res(
            "V6In",
            "SecurityGroupIngress",
            &[
                ("GroupId", r("AlbSG")),
                ("IpProtocol", s("tcp")),
                ("FromPort", n(80)),
                ("ToPort", n(80)),
                ("CidrIpv6", s("::/0")),
            ],
        ),
        res(
            "Gre",
            "SecurityGroupIngress",
            &[("GroupId", r("AlbSG")), ("IpProtocol", s("47")), ("CidrIp", s("10.0.0.0/8"))],
        ),
    ]);
    rs
}

#[test]
fn security_groups_reference_each_other_and_merge_standalone_rules() {
    let out = run(groups());
    valid(&out);
    let y = &out.yaml;
    for part in [
        // AWS's default group, declared because a rule is added to it: its own rule first.
        "    # the default security group of logical id Vpc\n    - name: default\n      ingress:\n        # AWS's rule of the default group: its own members\n        - protocol: all\n          source: sg/default\n        # from logical id SshDefault\n        - protocol: tcp\n          ports: 22\n          source: 10.0.0.0/8\n",
        "    - name: alb\n      description: the load balancer\n      ingress:\n        - protocol: tcp\n          ports: 443\n          source: 0.0.0.0/0\n",
        // `SGWeb` would be `sg-web`, which AWS keeps for ids.
        "    # from logical id SGWeb\n    - name: web\n      ingress:\n        - protocol: tcp\n          ports: 8000-8010\n          source: sg/alb\n        # from logical id WebIcmp\n        - protocol: icmp\n          source: 10.0.0.0/16\n      egress:\n        - protocol: all\n          destination: 0.0.0.0/0\n",
        // Not the VPC's default group: another name; a standalone egress rule keeps AWS's rule.
        "    - name: default-2\n      egress:\n        # AWS's default egress rule\n        - protocol: all\n          destination: 0.0.0.0/0\n        # from logical id DbOut\n        - protocol: tcp\n          ports: 5432\n          destination: sg/web\n",
        "    - name: batch\n      # no egress rule: Terraform removes AWS's default one\n      egress: []\n",
    ] {
        assert!(y.contains(part), "{part}\n---\n{y}");
    }
    assert!(noted(&out, "V6In", "IPv6"));
    assert!(noted(&out, "Gre", "protocol 47"));
    assert!(noted(&out, "DbSG", "Cannot use reserved security group name: default"));
    assert_eq!(out.notes.len(), 3, "{:?}", out.notes);
}

#[test]
fn network_acl_entries_with_protocol_numbers() {
    let mut rs = public_private();
    let entry = |id: &str, num: i64, proto: i64, egress: bool, extra: (&str, Value)| {
        res(
            id,
            "NetworkAclEntry",
            &[
                ("NetworkAclId", r("PrivateAcl")),
                ("RuleNumber", n(num)),
                ("Protocol", n(proto)),
                ("Egress", Value::Bool(egress)),
                ("CidrBlock", s("0.0.0.0/0")),
                ("RuleAction", s("allow")),
                extra,
            ],
        )
    };
    rs.extend([
        res("PrivateAcl", "NetworkAcl", &[("VpcId", r("Vpc"))]),
        res(
            "AclAssoc",
            "SubnetNetworkAclAssociation",
            &[("SubnetId", r("PrivateSubnet")), ("NetworkAclId", r("PrivateAcl"))],
        ),
        entry("In443", 100, 6, false, ("PortRange", map(&[("From", n(443)), ("To", n(443))]))),
        entry("InDns", 110, 17, false, ("PortRange", map(&[("From", n(53)), ("To", n(53))]))),
        entry("InPing", 120, 1, false, ("Icmp", map(&[("Type", n(-1)), ("Code", n(-1))]))),
        entry("OutAll", 100, -1, true, ("Egress", Value::Bool(true))),
        entry("InGre", 130, 47, false, ("Egress", Value::Bool(false))),
        res("Lonely", "NetworkAcl", &[("VpcId", r("Vpc"))]),
    ]);
    let out = run(rs);
    valid(&out);
    let want = "  networkAcls:\n    # from logical id PrivateAcl\n    - name: private-acl\n      subnets:\n        # from logical id AclAssoc\n        - private-subnet\n      ingress:\n        # from logical id In443\n        - ruleNumber: 100\n          protocol: tcp\n          ports: 443\n          cidrBlock: 0.0.0.0/0\n          ruleAction: allow\n        # from logical id InDns\n        - ruleNumber: 110\n          protocol: udp\n          ports: 53\n          cidrBlock: 0.0.0.0/0\n          ruleAction: allow\n        # from logical id InPing\n        - ruleNumber: 120\n          protocol: icmp\n          cidrBlock: 0.0.0.0/0\n          ruleAction: allow\n      egress:\n        # from logical id OutAll\n        - ruleNumber: 100\n          protocol: all\n          cidrBlock: 0.0.0.0/0\n          ruleAction: allow\n";
    assert!(out.yaml.contains(want), "{}", out.yaml);
    assert!(noted(&out, "InGre", "protocol 47"));
    assert!(noted(&out, "Lonely", "no subnet"));
    assert_eq!(out.notes.len(), 2, "{:?}", out.notes);
}

#[test]
fn interface_and_gateway_endpoints_with_cloudformation_defaults() {
    let mut rs = public_private();
    let policy = map(&[
        ("Version", s("2012-10-17")),
        (
            "Statement",
            Value::List(vec![map(&[
                ("Effect", s("Allow")),
                ("Principal", s("*")),
                ("Action", s("s3:GetObject")),
                ("Resource", s("arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*")),
            ])]),
        ),
    ]);
    rs.extend([
        res("EpSG", "SecurityGroup", &[("VpcId", r("Vpc")), ("GroupName", s("endpoints"))]),
        res(
            "EcrApi",
            "VPCEndpoint",
            &[
                ("VpcId", r("Vpc")),
                ("ServiceName", s("com.amazonaws.us-east-1.ecr.api")),
                ("VpcEndpointType", s("Interface")),
                ("SubnetIds", Value::List(vec![r("PrivateSubnet")])),
                ("SecurityGroupIds", Value::List(vec![att("EpSG", "GroupId")])),
            ],
        ),
        res(
            "S3Gw",
            "VPCEndpoint",
            &[
                ("VpcId", r("Vpc")),
                ("ServiceName", s("com.amazonaws.us-east-1.s3")),
                ("RouteTableIds", Value::List(vec![r("PrivateRT")])),
                ("PolicyDocument", policy),
            ],
        ),
        res(
            "Sqs",
            "VPCEndpoint",
            &[
                ("VpcId", r("Vpc")),
                ("ServiceName", s("com.amazonaws.us-east-1.sqs")),
                ("VpcEndpointType", s("Interface")),
                ("SubnetIds", Value::List(vec![r("PrivateSubnet")])),
            ],
        ),
        res(
            "Logs",
            "VPCEndpoint",
            &[
                ("VpcId", r("Vpc")),
                ("ServiceName", s("com.amazonaws.us-east-1.logs")),
                ("VpcEndpointType", s("Interface")),
                ("PrivateDnsEnabled", Value::Bool(true)),
                ("SubnetIds", Value::List(vec![r("PrivateSubnet")])),
                ("PolicyDocument", map(&[("Statement", unknown("--param LogsPolicy=..."))])),
            ],
        ),
        res(
            "Hosts",
            "SecurityGroup",
            &[
                ("VpcId", r("Vpc")),
                (
                    "SecurityGroupEgress",
                    Value::List(vec![rule(
                        s("tcp"),
                        443,
                        443,
                        ("DestinationPrefixListId", att("S3Gw", "PrefixListId")),
                    )]),
                ),
            ],
        ),
    ]);
    let out = run(rs);
    valid(&out);
    let y = &out.yaml;
    for part in [
        "    # from logical id EcrApi\n    - name: ecr-api\n      service: ecr.api\n      type: Interface\n      subnets:\n        - private-subnet\n      securityGroups:\n        - endpoints\n      # CloudFormation's and Terraform's default\n      privateDnsEnabled: false\n",
        "    - name: s3-gw\n      service: s3\n      type: Gateway\n      routeTables:\n        - private-rt\n      policy: |-\n        {\n          \"Version\": \"2012-10-17\",\n          \"Statement\": [\n            {\n              \"Effect\": \"Allow\",\n",
        "    - name: logs\n      service: logs\n      type: Interface\n      subnets:\n        - private-subnet\n      privateDnsEnabled: true\n",
        "      egress:\n        - protocol: tcp\n          ports: 443\n          destination: pl/s3\n",
    ] {
        assert!(y.contains(part), "{part}\n---\n{y}");
    }
    assert!(noted(&out, "Sqs", "com.amazonaws.us-east-1.sqs is not one the lab serves"));
    assert!(
        out.notes.iter().any(|x| x.origin.ends_with("Logs") && x.fix == "--param LogsPolicy=..."),
        "{:?}",
        out.notes
    );
    assert_eq!(out.notes.len(), 2, "{:?}", out.notes);
}

#[test]
fn a_second_vpc_and_what_is_in_it_are_noted_and_skipped() {
    let mut rs = public_private();
    rs.extend([
        res("Other", "VPC", &[("CidrBlock", s("10.9.0.0/16"))]),
        res("OtherSubnet", "Subnet", &[("VpcId", r("Other")), ("CidrBlock", s("10.9.0.0/24"))]),
        res("OtherRT", "RouteTable", &[("VpcId", r("Other"))]),
        res(
            "OtherAssoc",
            "SubnetRouteTableAssociation",
            &[("SubnetId", r("OtherSubnet")), ("RouteTableId", r("OtherRT"))],
        ),
    ]);
    let out = run(rs);
    valid(&out);
    assert!(noted(&out, "Other", "a second VPC"));
    for id in ["OtherSubnet", "OtherRT", "OtherAssoc"] {
        assert!(noted(&out, id, "not in the scenario's VPC"), "{id}: {:?}", out.notes);
    }
    assert!(!out.yaml.contains("10.9."), "{}", out.yaml);
}

#[test]
fn unknown_cidrs_are_noted_with_their_fix() {
    let rs = vec![
        res("Vpc", "VPC", &[("CidrBlock", unknown("--param VpcCidr=10.0.0.0/16"))]),
        res("A", "Subnet", &[("VpcId", r("Vpc")), ("CidrBlock", unknown("--param SubnetCidr=10.0.0.0/24"))]),
        res("SG", "SecurityGroup", &[("VpcId", r("Vpc")), ("GroupName", s("app"))]),
    ];
    let out = run(rs);
    let vpc_note = out.notes.iter().find(|x| x.origin == "logical id Vpc").expect("the VPC's CIDR is noted");
    assert!(vpc_note.what.contains("CidrBlock is not known"));
    assert_eq!(vpc_note.fix, "--param VpcCidr=10.0.0.0/16");
    assert!(out.notes.iter().any(|x| x.origin == "logical id A" && x.fix == "--param SubnetCidr=10.0.0.0/24"));
    // What can be written still is.
    assert!(
        out.yaml
            .contains("# from logical id Vpc\nvpc:\n  securityGroups:\n    # from logical id SG\n    - name: app\n"),
        "{}",
        out.yaml
    );
}

#[test]
fn terraforms_main_route_table_is_named_main() {
    let rs = vec![
        vpc(),
        res("Igw", "InternetGateway", &[("VpcId", r("Vpc"))]),
        res("A", "Subnet", &[("VpcId", r("Vpc")), ("CidrBlock", s("10.0.0.0/24"))]),
        res("B", "Subnet", &[("VpcId", r("Vpc")), ("CidrBlock", s("10.0.1.0/24"))]),
        res(
            "Tagged",
            "RouteTable",
            &[("VpcId", r("Vpc")), ("Tags", Value::List(vec![map(&[("Key", s("Name")), ("Value", s("main"))])]))],
        ),
        res("Main", "RouteTable", &[("VpcId", r("Vpc")), ("EcsnetMain", Value::Bool(true))]),
        res(
            "MainDefault",
            "Route",
            &[("RouteTableId", r("Main")), ("DestinationCidrBlock", s("0.0.0.0/0")), ("GatewayId", r("Igw"))],
        ),
        res("BAssoc", "SubnetRouteTableAssociation", &[("SubnetId", r("B")), ("RouteTableId", r("Tagged"))]),
    ];
    let out = run(rs);
    valid(&out);
    let y = &out.yaml;
    assert!(y.contains("  # from logical id Igw\n  internetGateway: true\n"), "{y}");
    assert!(y.contains("    - name: a\n      cidr: 10.0.0.0/24\n    # from"), "{y}");
    assert!(y.contains("      routeTable: main-2\n"), "{y}");
    assert!(y.contains("    # from logical id Main\n    - name: main\n      routes:\n"), "{y}");
    let s = crate::scenario::load_str(Path::new("imported.yaml"), y).expect("valid");
    assert_eq!(s.vpc.route_tables.len(), 2);
}

#[test]
fn dhcp_options_and_dns_attributes() {
    let rs = vec![
        res(
            "Vpc",
            "VPC",
            &[
                ("CidrBlock", s("10.0.0.0/16")),
                ("EnableDnsSupport", Value::Bool(false)),
                ("EnableDnsHostnames", Value::Bool(true)),
            ],
        ),
        res(
            "Dhcp",
            "DHCPOptions",
            &[
                ("DomainName", s("corp.example.com")),
                ("DomainNameServers", Value::List(vec![s("AmazonProvidedDNS"), s("10.0.0.53")])),
                ("NtpServers", Value::List(vec![s("10.0.0.123")])),
            ],
        ),
        res("DhcpAssoc", "VPCDHCPOptionsAssociation", &[("VpcId", r("Vpc")), ("DhcpOptionsId", r("Dhcp"))]),
        res("Extra", "VPCCidrBlock", &[("VpcId", r("Vpc")), ("CidrBlock", s("10.1.0.0/16"))]),
    ];
    let out = run(rs);
    valid(&out);
    let y = &out.yaml;
    assert!(y.contains("  enableDnsSupport: false\n  enableDnsHostnames: false\n  # from logical id Dhcp, associated by logical id DhcpAssoc\n  dhcpOptions:\n    domainName: corp.example.com\n    domainNameServers:\n      - AmazonProvidedDNS\n      - \"10.0.0.53\"\n"), "{y}");
    assert!(noted(&out, "Vpc", "EnableDnsHostnames without EnableDnsSupport"));
    assert!(noted(&out, "Dhcp", "NtpServers"));
    assert!(noted(&out, "Extra", "secondary CIDR block"));
    assert_eq!(out.notes.len(), 3, "{:?}", out.notes);
}

#[test]
fn no_vpc_at_all_is_noted() {
    let out = run(vec![]);
    assert!(out.notes.iter().any(|x| x.what.contains("no AWS::EC2::VPC")));
    assert!(!out.yaml.contains("\nvpc:"), "{}", out.yaml);
}

/// A subnet, a group with inline rules and a route table setting only what their writers
/// read (or declare as metadata), then each with one property more.
fn declared_only() -> Vec<Resource> {
    let tags = Value::List(vec![map(&[("Key", s("Name")), ("Value", s("app"))])]);
    let rule = map(&[
        ("IpProtocol", s("tcp")),
        ("FromPort", n(443)),
        ("ToPort", n(443)),
        ("CidrIp", s("10.0.0.0/16")),
        ("Description", s("https")),
    ]);
    vec![
        vpc(),
        res(
            "Sub",
            "Subnet",
            &[
                ("VpcId", r("Vpc")),
                ("CidrBlock", s("10.0.1.0/24")),
                ("AvailabilityZone", s("us-east-1a")),
                ("MapPublicIpOnLaunch", Value::Bool(false)),
                // A flag left off changes nothing.
                ("AssignIpv6AddressOnCreation", Value::Bool(false)),
                ("Tags", tags.clone()),
            ],
        ),
        res(
            "Sg",
            "SecurityGroup",
            &[
                ("VpcId", r("Vpc")),
                ("GroupDescription", s("app")),
                ("SecurityGroupIngress", Value::List(vec![rule])),
                ("Tags", tags.clone()),
            ],
        ),
        res("Rt", "RouteTable", &[("VpcId", r("Vpc")), ("Tags", tags)]),
    ]
}

fn push(rs: &mut [Resource], id: &str, key: &str, v: Value) {
    let r = rs.iter_mut().find(|r| r.id == id).unwrap();
    if let Value::Map(m) = &mut r.properties {
        m.push((key.into(), v));
    }
}

#[test]
fn resources_setting_only_what_their_writers_read_are_not_noted() {
    let out = run(declared_only());
    valid(&out);
    assert!(out.notes.is_empty(), "{:?}", out.notes);
}

#[test]
fn each_property_a_writer_does_not_read_is_one_note() {
    let mut rs = declared_only();
    push(&mut rs, "Sub", "Ipv4NetmaskLength", n(24));
    push(&mut rs, "Sub", "SomethingNew", s("x"));
    let Value::Map(sg) = &mut rs.iter_mut().find(|r| r.id == "Sg").unwrap().properties else { unreachable!() };
    if let Some((_, Value::List(rules))) = sg.iter_mut().find(|(k, _)| k == "SecurityGroupIngress") {
        if let Value::Map(rule) = &mut rules[0] {
            rule.push(("Frob".into(), s("y")));
        }
    }
    let out = run(rs);
    valid(&out);
    let count = |origin: &str, what: &str| {
        out.notes.iter().filter(|x| x.origin == format!("logical id {origin}") && x.what.starts_with(what)).count()
    };
    assert_eq!(count("Sub", "Ipv4NetmaskLength is not carried over: the lab has no IPAM"), 1, "{:?}", out.notes);
    assert_eq!(count("Sub", "SomethingNew is not carried over: the importer does not know"), 1);
    assert_eq!(count("Sg", "SecurityGroupIngress[0].Frob is not carried over"), 1);
    assert_eq!(out.notes.len(), 3, "{:?}", out.notes);
    assert!(noted(&out, "Sub", "give the subnet a CidrBlock"), "the fix is given");
}
