//! The reader end to end: template text in, resources with resolved properties out.

use super::read;
use crate::import::resource::{Input, Value};

fn s(x: &str) -> Value {
    Value::String(x.into())
}

fn list(xs: &[&str]) -> Value {
    Value::List(xs.iter().map(|x| s(x)).collect())
}

fn rf(id: &str, attr: Option<&str>) -> Value {
    Value::Ref { id: id.into(), attribute: attr.map(str::to_string) }
}

fn ok(t: &str) -> Input {
    read(t, &[], None, Some("demo")).unwrap()
}

/// Property `key` of resource `id`.
fn prop<'a>(i: &'a Input, id: &str, key: &str) -> &'a Value {
    let r = i.resources.iter().find(|r| r.id == id).unwrap_or_else(|| panic!("no {id}"));
    r.properties.get(key).unwrap_or_else(|| panic!("no {id}.{key} in {:?}", r.properties))
}

const VPC: &str = "  VPC:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n";

#[test]
fn sub_in_all_its_forms() {
    let t = format!(
        "Parameters:\n  Env:\n    Type: String\n    Default: prod\nResources:\n{VPC}  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: !Sub '${{Env}}-task'\n  Repo:\n    Type: AWS::ECR::Repository\n  X:\n    Type: AWS::SSM::Parameter\n    Properties:\n      A: !Sub 'arn:${{AWS::Partition}}:s3:::${{Env}}-${{AWS::Region}}-${{AWS::AccountId}}'\n      B: !Sub '${{Role.Arn}} ${{Role}} ${{!Literal}} ${{VPC.CidrBlock}} ${{VPC}}'\n      C: !Sub ['${{Uri}}:${{Tag}}', {{Uri: !GetAtt Repo.RepositoryUri, Tag: v1}}]\n      D: !Sub '${{AWS::StackName}}.${{AWS::URLSuffix}} ${{unclosed'\n"
    );
    let i = ok(&t);
    assert_eq!(prop(&i, "Role", "RoleName"), &s("prod-task"));
    assert_eq!(prop(&i, "X", "A"), &s("arn:aws:s3:::prod-us-east-1-123456789012"));
    assert_eq!(
        prop(&i, "X", "B"),
        &s("arn:aws:iam::123456789012:role/prod-task prod-task ${Literal} 10.0.0.0/16 vpc-vpc")
    );
    assert_eq!(prop(&i, "X", "C"), &s("123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:v1"));
    assert_eq!(prop(&i, "X", "D"), &s("demo.amazonaws.com ${unclosed"));
    assert!(i.notes.is_empty(), "{:?}", i.notes);
}

#[test]
fn join_select_split_getazs_base64_length() {
    let t = "Resources:\n  X:\n    Type: AWS::Foo::Bar\n    Properties:\n      J: !Join ['-', [a, !Ref 'AWS::Region', 80]]\n      S: !Select [1, !GetAZs '']\n      Z: !GetAZs ap-northeast-1\n      P: !Select ['2', !Split [',', 'a,b,c']]\n      B: !Base64 '#!/bin/sh\n        echo hi'\n      N: !Join ['', !Split ['.', !Join ['.', [x, y]]]]\n      L: {'Fn::Length': [1, 2, 3]}\n";
    let i = read(t, &[], Some("us-west-2"), None).unwrap();
    assert_eq!(prop(&i, "X", "J"), &s("a-us-west-2-80"));
    assert_eq!(prop(&i, "X", "S"), &s("us-west-2b"));
    assert_eq!(prop(&i, "X", "Z"), &list(&["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]));
    assert_eq!(prop(&i, "X", "P"), &s("c"));
    assert_eq!(prop(&i, "X", "B"), &s("#!/bin/sh echo hi"));
    assert_eq!(prop(&i, "X", "N"), &s("xy"));
    assert_eq!(prop(&i, "X", "L"), &Value::Number("3".into()));
    assert_eq!(i.region.as_deref(), Some("us-west-2"));
    assert_eq!(i.name, None);
    let azs = ok("Resources:\n  X:\n    Type: T\n    Properties:\n      A: !GetAZs ''\n");
    assert_eq!(prop(&azs, "X", "A").list().len(), 6);
}

#[test]
fn select_out_of_range_is_noted_and_unknown() {
    let i = ok("Resources:\n  X:\n    Type: T\n    Properties:\n      A: !Select [5, [a, b]]\n");
    assert!(matches!(prop(&i, "X", "A"), Value::Unknown { why, .. } if why.contains("out of range")));
    assert_eq!(i.notes.len(), 1);
    assert_eq!(i.notes[0].origin, "logical id X");
}

#[test]
fn cidr_of_the_vpcs_block() {
    let t = format!(
        "Resources:\n{VPC}  Sub:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref VPC\n      CidrBlock: !Select [3, !Cidr [!GetAtt VPC.CidrBlock, 6, 8]]\n      All: !Cidr [!GetAtt VPC.CidrBlock, 6, 8]\n      V6: !Select [0, !Cidr [!Select [0, !GetAtt VPC.Ipv6CidrBlocks], 4, 64]]\n"
    );
    let i = ok(&t);
    assert_eq!(prop(&i, "Sub", "VpcId"), &rf("VPC", None));
    assert_eq!(prop(&i, "Sub", "CidrBlock"), &s("10.0.3.0/24"));
    let want: Vec<String> = (0..6).map(|n| format!("10.0.{n}.0/24")).collect();
    assert_eq!(prop(&i, "Sub", "All"), &Value::List(want.iter().map(|x| s(x)).collect()));
    assert!(matches!(prop(&i, "Sub", "V6"), Value::Unknown { .. }));
}

#[test]
fn refs_and_attributes_as_whole_values() {
    let t = format!(
        "Resources:\n{VPC}  SG:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      VpcId: !GetAtt VPC.VpcId\n      Other: !GetAtt [VPC, DefaultSecurityGroup]\n      Cidr: !GetAtt VPC.CidrBlock\n"
    );
    let i = ok(&t);
    assert_eq!(prop(&i, "SG", "VpcId"), &rf("VPC", Some("VpcId")));
    assert_eq!(prop(&i, "SG", "Other"), &rf("VPC", Some("DefaultSecurityGroup")));
    assert_eq!(prop(&i, "SG", "Cidr"), &s("10.0.0.0/16"));
    let bad =
        read("Resources:\n  X:\n    Type: T\n    Properties:\n      A: !Ref Nope\n", &[], None, None).unwrap_err();
    assert_eq!(bad.0, "logical id X: Nope is not a parameter or a resource of the template");
}

#[test]
fn short_tags_and_long_forms_read_the_same() {
    let yaml = format!(
        "Parameters:\n  P: {{Type: String, Default: x}}\nConditions:\n  C: !Equals [!Ref P, x]\nMappings:\n  M: {{k: {{v: mapped}}}}\nResources:\n{VPC}  X:\n    Type: T\n    Properties:\n      A: !Sub '${{P}}-${{VPC.CidrBlock}}'\n      B: !If [C, !FindInMap [M, k, v], !Ref 'AWS::NoValue']\n      D: !Select [0, !Cidr [!GetAtt VPC.CidrBlock, 2, 4]]\n      E: !Join [',', !Split ['|', !Base64 'a|b']]\n      F: !GetAtt VPC.DefaultNetworkAcl\n"
    );
    let json = r#"{"Parameters": {"P": {"Type": "String", "Default": "x"}},
      "Conditions": {"C": {"Fn::Equals": [{"Ref": "P"}, "x"]}},
      "Mappings": {"M": {"k": {"v": "mapped"}}},
      "Resources": {"VPC": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "X": {"Type": "T", "Properties": {
          "A": {"Fn::Sub": "${P}-${VPC.CidrBlock}"},
          "B": {"Fn::If": ["C", {"Fn::FindInMap": ["M", "k", "v"]}, {"Ref": "AWS::NoValue"}]},
          "D": {"Fn::Select": [0, {"Fn::Cidr": [{"Fn::GetAtt": ["VPC", "CidrBlock"]}, 2, 4]}]},
          "E": {"Fn::Join": [",", {"Fn::Split": ["|", {"Fn::Base64": "a|b"}]}]},
          "F": {"Fn::GetAtt": ["VPC", "DefaultNetworkAcl"]}}}}}"#;
    let (a, b) = (ok(&yaml), ok(json));
    assert_eq!(a, b);
    assert_eq!(prop(&a, "X", "A"), &s("x-10.0.0.0/16"));
    assert_eq!(prop(&a, "X", "B"), &s("mapped"));
    assert_eq!(prop(&a, "X", "D"), &s("10.0.0.0/28"));
    assert_eq!(prop(&a, "X", "E"), &s("a,b"));
}

#[test]
fn conditions() {
    let t = "Parameters:\n  Env: {Type: String, Default: dev}\n  Az: {Type: Number, Default: 3}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\n  IsDev: !Not [!Condition IsProd]\n  Three: !Equals [3, !Ref Az]\n  Both: !And [!Condition IsDev, !Condition Three]\n  Either: !Or [!Condition IsProd, !Equals [a, b]]\n  Nested: !Not [!Or [!Condition IsProd, !And [!Condition Both, !Equals [x, y]]]]\nResources:\n  Prod:\n    Type: T\n    Condition: IsProd\n  Dev:\n    Type: T\n    Condition: Nested\n    Properties:\n      A: !If [Both, yes-both, no]\n      B: !If [Either, x, !If [IsDev, dev, other]]\n      Gone: !Ref Prod\n";
    let i = ok(t);
    assert_eq!(i.resources.len(), 1);
    assert_eq!(prop(&i, "Dev", "A"), &s("yes-both"));
    assert_eq!(prop(&i, "Dev", "B"), &s("dev"));
    assert!(matches!(prop(&i, "Dev", "Gone"), Value::Unknown { why, .. } if why.contains("not created")));
    assert_eq!(i.notes.len(), 1);
    assert_eq!(i.notes[0].origin, "logical id Prod");
    assert_eq!(i.notes[0].what, "condition IsProd is false: not created");
    let prod = read(t, &[("Env".into(), "prod".into())], None, None).unwrap();
    assert_eq!(prod.resources.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), vec!["Prod"]);
    let cycle =
        "Conditions:\n  A: !Condition B\n  B: !Not [!Condition A]\nResources:\n  X:\n    Type: T\n    Condition: A\n";
    assert!(read(cycle, &[], None, None).unwrap_err().0.contains("refers to itself"));
}

#[test]
fn a_condition_on_a_missing_parameter_is_not_known() {
    let t = "Parameters:\n  Env: {Type: String}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\n  Any: !Or [!Condition IsProd, !Equals [a, a]]\nResources:\n  X:\n    Type: T\n    Condition: IsProd\n    Properties:\n      A: !If [IsProd, a, b]\n      B: !If [Any, a, b]\n";
    let i = ok(t);
    assert_eq!(i.resources.len(), 1);
    assert!(matches!(prop(&i, "X", "A"), Value::Unknown { fix, .. } if fix == "--param Env=VALUE"));
    assert_eq!(prop(&i, "X", "B"), &s("a"));
    assert_eq!(i.notes.len(), 1);
    assert!(i.notes[0].what.contains("not known"), "{}", i.notes[0]);
}

#[test]
fn parameters() {
    let t = "Parameters:\n  Cidr: {Type: String, Default: 10.1.0.0/16}\n  Port: {Type: Number, Default: 8080}\n  Subnets: {Type: 'List<AWS::EC2::Subnet::Id>'}\n  Names: {Type: CommaDelimitedList, Default: 'a, b,c'}\n  Missing: {Type: String}\n  Unused: {Type: String}\n  Ami: {Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: /aws/service/ami}\nResources:\n  X:\n    Type: T\n    Properties:\n      Cidr: !Ref Cidr\n      Port: !Ref Port\n      Subnets: !Ref Subnets\n      Names: !Ref Names\n      Missing: !Ref Missing\n      InString: !Sub 'x-${Missing}'\n      Ami: !Ref Ami\n";
    let given = [("Subnets".to_string(), "subnet-1,subnet-2".to_string()), ("Cidr".into(), "10.9.0.0/16".into())];
    let i = read(t, &given, None, None).unwrap();
    assert_eq!(prop(&i, "X", "Cidr"), &s("10.9.0.0/16"));
    assert_eq!(prop(&i, "X", "Port"), &Value::Number("8080".into()));
    assert_eq!(prop(&i, "X", "Subnets"), &list(&["subnet-1", "subnet-2"]));
    assert_eq!(prop(&i, "X", "Names"), &list(&["a", "b", "c"]));
    let missing =
        Value::Unknown { why: "parameter Missing has no default".into(), fix: "--param Missing=VALUE".into() };
    assert_eq!(prop(&i, "X", "Missing"), &missing);
    assert_eq!(prop(&i, "X", "InString"), &missing);
    let Value::Unknown { why, fix } = prop(&i, "X", "Ami") else { panic!("Ami") };
    assert!(why.contains("SSM parameter /aws/service/ami"), "{why}");
    assert_eq!(fix, "--param Ami=VALUE");
    assert!(i.notes.is_empty(), "{:?}", i.notes);
    let ami = read(t, &[("Ami".into(), "ami-123".into()), ("Typo".into(), "x".into())], None, None).unwrap();
    assert_eq!(prop(&ami, "X", "Ami"), &s("ami-123"));
    assert_eq!(ami.notes.len(), 1);
    assert_eq!(ami.notes[0].origin, "--param Typo");
}

#[test]
fn import_value() {
    let t = "Resources:\n  X:\n    Type: T\n    Properties:\n      A: !ImportValue shared-vpc\n      B: !ImportValue {'Fn::Sub': '${AWS::Region}-subnets'}\n";
    let i = ok(t);
    let want = Value::Unknown {
        why: "Fn::ImportValue shared-vpc: an export of another stack".into(),
        fix: "--param shared-vpc=VALUE".into(),
    };
    assert_eq!(prop(&i, "X", "A"), &want);
    let i = read(t, &[("shared-vpc".into(), "vpc-1".into())], None, None).unwrap();
    assert_eq!(prop(&i, "X", "A"), &s("vpc-1"));
    assert!(i.notes.is_empty(), "{:?}", i.notes);
}

#[test]
fn pseudo_parameters_and_no_value() {
    let t = "Resources:\n  X:\n    Type: T\n    Properties:\n      P: !Ref AWS::Partition\n      U: !Ref AWS::URLSuffix\n      R: !Ref AWS::Region\n      A: !Ref AWS::AccountId\n      S: !Ref AWS::StackName\n      I: !Ref AWS::StackId\n      N: !Ref AWS::NotificationARNs\n      Gone: !Ref AWS::NoValue\n      L: [a, !Ref AWS::NoValue, b]\n      M: {k: !Ref AWS::NoValue, j: 1}\n";
    let i = read(t, &[], Some("cn-north-1"), Some("app")).unwrap();
    assert_eq!(prop(&i, "X", "P"), &s("aws-cn"));
    assert_eq!(prop(&i, "X", "U"), &s("amazonaws.com.cn"));
    assert_eq!(prop(&i, "X", "R"), &s("cn-north-1"));
    assert_eq!(prop(&i, "X", "A"), &s("123456789012"));
    assert_eq!(prop(&i, "X", "S"), &s("app"));
    assert!(
        prop(&i, "X", "I")
            .str()
            .is_some_and(|x| x.starts_with("arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/app/"))
    );
    assert_eq!(prop(&i, "X", "N"), &Value::List(vec![]));
    assert!(i.resources[0].properties.get("Gone").is_none());
    assert_eq!(prop(&i, "X", "L"), &list(&["a", "b"]));
    assert_eq!(prop(&i, "X", "M"), &Value::Map(vec![("j".into(), Value::Number("1".into()))]));
    assert_eq!(i.name.as_deref(), Some("app"));
    let gov = read(t, &[], Some("us-gov-west-1"), None).unwrap();
    assert_eq!(prop(&gov, "X", "P"), &s("aws-us-gov"));
    assert_eq!(prop(&gov, "X", "S"), &s("stack"));
    assert_eq!(gov.notes.len(), 1, "the stack name taken is noted once");
}

#[test]
fn find_in_map_default_value() {
    let t = "Transform: AWS::LanguageExtensions\nMappings:\n  M:\n    us-east-1: {Ami: ami-1}\nResources:\n  X:\n    Type: T\n    Properties:\n      A: !FindInMap [M, !Ref AWS::Region, Ami]\n      B: !FindInMap [M, eu-west-1, Ami, {DefaultValue: ami-0}]\n";
    let i = ok(t);
    assert_eq!(prop(&i, "X", "A"), &s("ami-1"));
    assert_eq!(prop(&i, "X", "B"), &s("ami-0"));
    assert!(i.notes.is_empty());
    let bad =
        "Mappings: {M: {a: {b: c}}}\nResources:\n  X:\n    Type: T\n    Properties:\n      A: !FindInMap [M, a, x]\n";
    assert!(read(bad, &[], None, None).unwrap_err().0.contains("no M.a.x"));
}

#[test]
fn a_transform_is_noted_not_expanded() {
    let t = "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Role: !GetAtt FnRole.Arn\n";
    let i = ok(t);
    assert_eq!(i.resources[0].kind, "AWS::Serverless::Function");
    assert!(matches!(prop(&i, "Fn", "Role"), Value::Unknown { .. }));
    assert_eq!(i.notes.len(), 1);
    assert!(i.notes[0].what.contains("AWS::Serverless-2016-10-31 is not expanded"));
}

#[test]
fn cdk_output_reads_without_notes() {
    let t = r#"{
 "Resources": {
  "ClusterEB0386A7": {"Type": "AWS::ECS::Cluster", "Metadata": {"aws:cdk:path": "MyStack/Cluster/Resource"}},
  "TaskDefTaskRole1EDB4A67": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}}], "Version": "2012-10-17"}}, "Metadata": {"aws:cdk:path": "MyStack/TaskDef/TaskRole/Resource"}},
  "TaskDef54694570": {"Type": "AWS::ECS::TaskDefinition", "Properties": {
    "ContainerDefinitions": [{"Image": {"Fn::Join": ["", [{"Ref": "AWS::AccountId"}, ".dkr.ecr.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}, "/cdk-hnb659fds-container-assets-", {"Ref": "AWS::AccountId"}, "-", {"Ref": "AWS::Region"}, ":abc"]]}, "Name": "web"}],
    "TaskRoleArn": {"Fn::GetAtt": ["TaskDefTaskRole1EDB4A67", "Arn"]},
    "Policy": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":root ", {"Fn::GetAtt": ["TaskDefTaskRole1EDB4A67", "Arn"]}]]},
    "Family": "MyStackTaskDef"}, "Metadata": {"aws:cdk:path": "MyStack/TaskDef/Resource"}},
  "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:deflate64:abc"}, "Metadata": {"aws:cdk:path": "MyStack/CDKMetadata/Default"}, "Condition": "CDKMetadataAvailable"}
 },
 "Conditions": {"CDKMetadataAvailable": {"Fn::Or": [{"Fn::Equals": [{"Ref": "AWS::Region"}, "af-south-1"]}, {"Fn::Equals": [{"Ref": "AWS::Region"}, "ap-east-1"]}]}},
 "Parameters": {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version", "Description": "Version of the CDK Bootstrap resources in this environment, automatically retrieved from SSM Parameter Store. [cdk:skip]"}},
 "Rules": {"CheckBootstrapVersion": {"Assertions": [{"Assert": {"Fn::Not": [{"Fn::Contains": [["1", "2", "3", "4", "5"], {"Ref": "BootstrapVersion"}]}]}, "AssertDescription": "CDK bootstrap stack version 6 required."}]}}
}"#;
    let i = read(t, &[], Some("eu-west-1"), None).unwrap();
    assert!(i.notes.is_empty(), "{:?}", i.notes);
    assert_eq!(i.resources.len(), 3);
    assert_eq!(i.resources[2].origin, "logical id TaskDef54694570 (MyStack/TaskDef/Resource)");
    let c = &prop(&i, "TaskDef54694570", "ContainerDefinitions").list()[0];
    assert_eq!(
        c.get("Image"),
        Some(&s(
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdk-hnb659fds-container-assets-123456789012-eu-west-1:abc"
        ))
    );
    assert_eq!(prop(&i, "TaskDef54694570", "TaskRoleArn"), &rf("TaskDefTaskRole1EDB4A67", Some("Arn")));
    assert_eq!(
        prop(&i, "TaskDef54694570", "Policy"),
        &s("arn:aws:iam::123456789012:root arn:aws:iam::123456789012:role/TaskDefTaskRole1EDB4A67")
    );
}

#[test]
fn not_a_template() {
    assert_eq!(read("a: 1\n", &[], None, None).unwrap_err().0, "not a CloudFormation template: no Resources");
    assert!(read("", &[], None, None).is_err());
    assert!(read("Resources:\n  X:\n    Properties: {}\n", &[], None, None).unwrap_err().0.contains("no Type"));
}

#[test]
fn deep_templates_are_refused() {
    let deep =
        format!("Resources:\n  X:\n    Type: T\n    Properties:\n      A: {}1{}\n", "[".repeat(70), "]".repeat(70));
    assert!(read(&deep, &[], None, None).unwrap_err().0.contains("deeper than 64"));
    // A long chain of conditions: bounded by evaluation depth, not by the stack.
    let mut t = String::from("Conditions:\n  C0: !Equals [a, a]\n");
    for n in 1..400 {
        t.push_str(&format!("  C{n}: !Not [!Condition C{}]\n", n - 1));
    }
    t.push_str("Resources:\n  X:\n    Type: T\n    Condition: C399\n");
    assert!(read(&t, &[], None, None).unwrap_err().0.contains("too deep"));
}

#[test]
fn garbage_never_panics() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..200 {
        let len = (seed % 300) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let alphabet = b"{}[]:,-!&*'\"\n #|>%@`ResourcesTypeRefFn::Sub${}.0123abc\t";
                alphabet.get((seed % alphabet.len() as u64) as usize).copied().unwrap_or(b' ')
            })
            .collect();
        let _ = read(&String::from_utf8_lossy(&bytes), &[], None, None);
    }
    for junk in [
        "\u{0}\u{1}\u{ff}",
        "Resources: !Ref",
        "Resources:\n  X: !GetAtt .",
        "Resources: {X: {Type: T, Properties: !Sub [1]}}",
    ] {
        let _ = read(junk, &[], None, None);
    }
}

#[test]
fn fargate_alb_private_fixture() {
    let t = include_str!("../../../tests/import/cloudformation/fargate-alb-private.yaml");
    let i = read(t, &[], Some("ap-northeast-1"), Some("web")).unwrap();
    // The NAT gateway, its address and its route: EnableNat is false by default.
    let omitted: Vec<&str> = i.notes.iter().map(|n| n.origin.as_str()).collect();
    assert_eq!(omitted, vec!["logical id NatGatewayEIP", "logical id NatGateway", "logical id DefaultPrivateRoute"]);
    assert_eq!(i.resources.len(), 30);
    assert_eq!(prop(&i, "PublicSubnet1", "CidrBlock"), &s("10.20.0.0/24"));
    assert_eq!(prop(&i, "PrivateSubnet2", "CidrBlock"), &s("10.20.3.0/24"));
    // ap-northeast-1 has no zone b.
    assert_eq!(prop(&i, "PrivateSubnet2", "AvailabilityZone"), &s("ap-northeast-1c"));
    assert_eq!(prop(&i, "PrivateSubnet1", "MapPublicIpOnLaunch"), &Value::Bool(false));
    assert_eq!(prop(&i, "EcrDkrEndpoint", "ServiceName"), &s("com.amazonaws.ap-northeast-1.ecr.dkr"));
    assert_eq!(
        prop(&i, "EcrDkrEndpoint", "SubnetIds"),
        &Value::List(vec![rf("PrivateSubnet1", None), rf("PrivateSubnet2", None)])
    );
    let ingress = &prop(&i, "EndpointSecurityGroup", "SecurityGroupIngress").list()[0];
    assert_eq!(ingress.get("CidrIp"), Some(&s("10.20.0.0/16")));
    let ingress = &prop(&i, "ServiceSecurityGroup", "SecurityGroupIngress").list()[0];
    assert_eq!(ingress.get("FromPort"), Some(&Value::Number("80".into())));
    assert_eq!(ingress.get("SourceSecurityGroupId"), Some(&rf("LoadBalancerSecurityGroup", None)));
    let exec = prop(&i, "TaskExecutionRole", "ManagedPolicyArns");
    assert_eq!(exec, &list(&["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]));
    let c = &prop(&i, "TaskDefinition", "ContainerDefinitions").list()[0];
    assert_eq!(c.get("Image"), Some(&s("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/demo-app:latest")));
    let opts = c.get("LogConfiguration").and_then(|l| l.get("Options")).unwrap();
    assert_eq!(opts.get("awslogs-group"), Some(&rf("LogGroup", None)));
    assert_eq!(opts.get("awslogs-region"), Some(&s("ap-northeast-1")));
    assert_eq!(prop(&i, "TaskDefinition", "ExecutionRoleArn"), &rf("TaskExecutionRole", Some("Arn")));
    let net = prop(&i, "Service", "NetworkConfiguration").get("AwsvpcConfiguration").unwrap();
    assert_eq!(net.get("AssignPublicIp"), Some(&s("DISABLED")));
    assert_eq!(prop(&i, "Service", "DesiredCount"), &Value::Number("2".into()));
    assert_eq!(prop(&i, "Cluster", "ClusterName"), &s("demo-cluster"));
    assert_eq!(i.name.as_deref(), Some("web"));
    // With a NAT gateway: all of it created, the private route through it.
    let nat = read(t, &[("EnableNat".into(), "true".into())], Some("ap-northeast-1"), None).unwrap();
    assert!(nat.notes.is_empty(), "{:?}", nat.notes);
    assert_eq!(prop(&nat, "DefaultPrivateRoute", "NatGatewayId"), &rf("NatGateway", None));
    assert_eq!(prop(&nat, "NatGateway", "AllocationId"), &rf("NatGatewayEIP", Some("AllocationId")));
}

#[test]
fn a_stacks_exports_resolve_the_imports_of_the_stacks_after_it() {
    use super::{Stack, read_stacks};
    let network = "Resources:\n  VPC:\n    Type: AWS::EC2::VPC\n    Properties: { CidrBlock: 10.0.0.0/16 }\n  Role:\n    Type: AWS::IAM::Role\n    Properties: { RoleName: exec }\nOutputs:\n  VpcId:\n    Value: !Ref VPC\n    Export: { Name: !Sub '${AWS::StackName}:VpcId' }\n  RoleArn:\n    Value: !GetAtt Role.Arn\n    Export: { Name: !Join [':', [!Ref AWS::StackName, RoleArn]] }\n";
    let service = "Parameters:\n  StackName: { Type: String, Default: production }\nResources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties: { RoleName: task }\n  SG:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      VpcId: { 'Fn::ImportValue': !Sub '${StackName}:VpcId' }\n      Description: !Sub 'role ${Role}'\n  TD:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      ExecutionRoleArn: !ImportValue 'production:RoleArn'\n      TaskRoleArn: !GetAtt Role.Arn\n";
    let stacks = [Stack { name: "production".into(), text: network }, Stack { name: "web".into(), text: service }];
    let i = read_stacks(&stacks, &[], None).unwrap();
    let ids: Vec<&str> = i.resources.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["production/VPC", "production/Role", "web/Role", "web/SG", "web/TD"]);
    assert_eq!(prop(&i, "web/SG", "VpcId"), &rf("production/VPC", None));
    assert_eq!(prop(&i, "web/SG", "Description"), &s("role task"));
    assert_eq!(prop(&i, "web/TD", "ExecutionRoleArn"), &rf("production/Role", Some("Arn")));
    assert_eq!(prop(&i, "web/TD", "TaskRoleArn"), &rf("web/Role", Some("Arn")));
    assert!(i.resources[0].origin.ends_with("in stack production"), "{}", i.resources[0].origin);
    assert!(i.notes.is_empty(), "{:?}", i.notes);
    // Deployed in the other order, the import is unknown, with how to give it.
    let rev = [Stack { name: "web".into(), text: service }, Stack { name: "production".into(), text: network }];
    let i = read_stacks(&rev, &[], None).unwrap();
    assert!(
        matches!(prop(&i, "web/SG", "VpcId"), Value::Unknown { fix, .. } if fix.contains("--param production:VpcId="))
    );
}

#[test]
fn a_nested_stack_is_read_from_its_template_and_expanded_in_place() {
    use super::{Loader, Stack, read_stacks_with};
    use std::rc::Rc;
    let parent = "Resources:\n  Net:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: https://s3.amazonaws.com/bucket/infra/vpc.yaml\n      Parameters: { Cidr: 10.9.0.0/16 }\n  Sg:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: https://s3.amazonaws.com/bucket/infra/sg.yaml\n      Parameters:\n        Vpc: !GetAtt Net.Outputs.Vpc\n        Subnets: !GetAtt Net.Outputs.Subnets\n";
    let vpc = "Parameters:\n  Cidr: { Type: String }\nResources:\n  VPC:\n    Type: AWS::EC2::VPC\n    Properties: { CidrBlock: !Ref Cidr }\n  A:\n    Type: AWS::EC2::Subnet\n    Properties: { VpcId: !Ref VPC, CidrBlock: 10.9.0.0/24 }\n  B:\n    Type: AWS::EC2::Subnet\n    Properties: { VpcId: !Ref VPC, CidrBlock: 10.9.1.0/24 }\nOutputs:\n  Vpc: { Value: !Ref VPC }\n  Subnets: { Value: !Join [',', [!Ref A, !Ref B]] }\n";
    let sg = "Parameters:\n  Vpc: { Type: 'AWS::EC2::VPC::Id' }\n  Subnets: { Type: 'List<AWS::EC2::Subnet::Id>' }\nResources:\n  G:\n    Type: AWS::EC2::SecurityGroup\n    Properties: { VpcId: !Ref Vpc, GroupDescription: !Select [1, !Ref Subnets] }\n  E:\n    Type: AWS::EC2::VPCEndpoint\n    Properties: { VpcId: !Ref Vpc, ServiceName: com.amazonaws.us-east-1.logs, SubnetIds: !Ref Subnets }\n";
    let load: Loader = Rc::new(move |url: &str| match url.rsplit('/').next() {
        Some("vpc.yaml") => Some(vpc.to_string()),
        Some("sg.yaml") => Some(sg.to_string()),
        _ => None,
    });
    let i = read_stacks_with(&[Stack { name: "app".into(), text: parent }], &[], None, load).unwrap();
    let ids: Vec<&str> = i.resources.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["Net/VPC", "Net/A", "Net/B", "Sg/G", "Sg/E"]);
    assert_eq!(prop(&i, "Net/VPC", "CidrBlock"), &s("10.9.0.0/16"));
    assert_eq!(prop(&i, "Sg/G", "VpcId"), &rf("Net/VPC", None));
    // The subnets went through a comma-joined output and came back as the subnets.
    assert_eq!(prop(&i, "Sg/E", "SubnetIds"), &Value::List(vec![rf("Net/A", None), rf("Net/B", None)]));
    assert!(i.resources.iter().all(|r| r.kind != "AWS::CloudFormation::Stack"));
    assert!(i.notes.is_empty(), "{:?}", i.notes);
    // Without its template, the nested stack is said and its outputs are unknown.
    let none: Loader = Rc::new(|_: &str| None);
    let i = read_stacks_with(&[Stack { name: "app".into(), text: parent }], &[], None, none).unwrap();
    assert!(i.notes.iter().any(|n| n.what.contains("its template is not read")), "{:?}", i.notes);
}

/// Subnets of this one stack, for the join-and-split tests.
const SUBNETS: &str = "  A:\n    Type: AWS::EC2::Subnet\n    Properties: { VpcId: !Ref VPC, CidrBlock: 10.0.0.0/24 }\n  B:\n    Type: AWS::EC2::Subnet\n    Properties: { VpcId: !Ref VPC, CidrBlock: 10.0.1.0/24 }\n";

#[test]
fn a_split_of_joined_references_reads_back_as_the_references() {
    let t = format!(
        "Resources:\n{VPC}{SUBNETS}  E:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n      SubnetIds: !Split [',', !Join [',', [!Ref A, !Ref B]]]\n      One: !Select [1, !Split [',', !Join [',', [!Ref A, !Ref B]]]]\n      Text: !Split [',', 'x,y']\n"
    );
    let i = ok(&t);
    assert_eq!(prop(&i, "E", "SubnetIds"), &Value::List(vec![rf("A", None), rf("B", None)]));
    assert_eq!(prop(&i, "E", "One"), &rf("B", None));
    assert_eq!(prop(&i, "E", "Text"), &list(&["x", "y"]));
}

#[test]
fn a_split_of_an_exported_join_reads_back_as_the_other_stacks_references() {
    use super::{Stack, read_stacks};
    let net = format!(
        "Resources:\n{VPC}{SUBNETS}Outputs:\n  Subnets:\n    Value: !Join [',', [!Ref A, !Ref B]]\n    Export: {{ Name: !Sub '${{AWS::StackName}}-Subnets' }}\n"
    );
    let app = "Resources:\n  E:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n      SubnetIds: !Split [',', !ImportValue 'net-Subnets']\n";
    let stacks = [Stack { name: "net".into(), text: &net }, Stack { name: "app".into(), text: app }];
    let i = read_stacks(&stacks, &[], None).unwrap();
    assert_eq!(prop(&i, "app/E", "SubnetIds"), &Value::List(vec![rf("net/A", None), rf("net/B", None)]));
}

#[test]
fn nested_outputs_joined_by_the_parent_read_back_as_the_references() {
    use super::{Loader, Stack, read_stacks_with};
    use std::rc::Rc;
    let parent = "Resources:\n  Net:\n    Type: AWS::CloudFormation::Stack\n    Properties: { TemplateURL: net.yaml }\n  App:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: app.yaml\n      Parameters:\n        Subnets: !Join [',', [!GetAtt Net.Outputs.A, !GetAtt Net.Outputs.B]]\n";
    let net = format!("Resources:\n{VPC}{SUBNETS}Outputs:\n  A: {{ Value: !Ref A }}\n  B: {{ Value: !Ref B }}\n");
    let app = "Parameters:\n  Subnets: { Type: 'List<AWS::EC2::Subnet::Id>' }\nResources:\n  E:\n    Type: AWS::EC2::VPCEndpoint\n    Properties: { SubnetIds: !Ref Subnets }\n";
    let load: Loader = Rc::new(move |url: &str| match url {
        "net.yaml" => Some(net.clone()),
        "app.yaml" => Some(app.to_string()),
        _ => None,
    });
    let i = read_stacks_with(&[Stack { name: "top".into(), text: parent }], &[], None, load).unwrap();
    assert_eq!(prop(&i, "App/E", "SubnetIds"), &Value::List(vec![rf("Net/A", None), rf("Net/B", None)]));
}

#[test]
fn in_a_multi_stack_import_every_note_names_its_stack() {
    use super::{Stack, read_stacks};
    let t = "Conditions:\n  No: !Equals [a, b]\nResources:\n  Alarm:\n    Type: AWS::CloudWatch::Alarm\n    Condition: No\n  Topic:\n    Type: AWS::SNS::Topic\n";
    let stacks = [Stack { name: "one".into(), text: t }, Stack { name: "two".into(), text: t }];
    let i = read_stacks(&stacks, &[], None).unwrap();
    let origins: Vec<&str> = i.notes.iter().map(|n| n.origin.as_str()).collect();
    assert_eq!(origins, ["logical id Alarm in stack one", "logical id Alarm in stack two"]);
}

#[test]
fn a_load_balancers_dns_name_is_unknown_wherever_it_is_used() {
    use super::{Loader, Stack, read_stacks_with};
    use std::rc::Rc;
    let lb = "  LB:\n    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n    Properties: { Scheme: internal }\n";
    let t = format!(
        "Resources:\n{lb}  X:\n    Type: AWS::Foo::Bar\n    Properties:\n      Att: !GetAtt LB.DNSName\n      Sub: !Sub 'http://${{LB.DNSName}}/api'\n      Join: !Join ['', [!GetAtt LB.DNSName, /api]]\n      Name: !GetAtt LB.LoadBalancerName\n"
    );
    let i = ok(&t);
    for key in ["Att", "Sub", "Join"] {
        assert!(
            matches!(prop(&i, "X", key), Value::Unknown { why, .. } if why.contains("DNS name of load balancer LB")),
            "{key}: {:?}",
            prop(&i, "X", key)
        );
    }
    assert_eq!(prop(&i, "X", "Name"), &rf("LB", Some("LoadBalancerName")));
    // Through a nested stack's output, joined by the parent: unknown too, never `Net/LB/api`.
    let parent = "Resources:\n  Net:\n    Type: AWS::CloudFormation::Stack\n    Properties: { TemplateURL: net.yaml }\n  App:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: app.yaml\n      Parameters:\n        Url: !Join ['/', [!GetAtt Net.Outputs.Url, api]]\n";
    let net = format!("Resources:\n{lb}Outputs:\n  Url: {{ Value: !GetAtt LB.DNSName }}\n");
    let app = "Parameters:\n  Url: { Type: String }\nResources:\n  X:\n    Type: AWS::Foo::Bar\n    Properties: { Url: !Ref Url }\n";
    let load: Loader = Rc::new(move |url: &str| match url {
        "net.yaml" => Some(net.clone()),
        "app.yaml" => Some(app.to_string()),
        _ => None,
    });
    let i = read_stacks_with(&[Stack { name: "top".into(), text: parent }], &[], None, load).unwrap();
    assert!(matches!(prop(&i, "App/X", "Url"), Value::Unknown { .. }), "{:?}", prop(&i, "App/X", "Url"));
}

#[test]
fn the_region_and_account_a_template_writes_are_the_lab_s() {
    let t = "Rules: {CheckBootstrapVersion: {Assertions: []}}\nResources:\n  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n      AvailabilityZone: eu-west-1b\n      Arn: !Sub 'arn:aws:ecr:${AWS::Region}:222233334444:repository/x'\n";
    let i = ok(t);
    assert_eq!(i.region.as_deref(), Some("eu-west-1"));
    // AWS::Region reads as the region found; the account written out becomes the lab's.
    assert_eq!(prop(&i, "S", "Arn"), &s("arn:aws:ecr:eu-west-1:123456789012:repository/x"));
    assert!(i.notes.iter().all(|n| n.assumed), "{:?}", i.notes);
    assert_eq!(i.notes.len(), 2);
    // --region wins, and says nothing.
    let i = read(t, &[], Some("us-west-2"), None).unwrap();
    assert_eq!(i.region.as_deref(), Some("us-west-2"));
    assert!(i.notes.iter().all(|n| n.origin == "account"), "{:?}", i.notes);
}

#[test]
fn a_hand_written_template_keeps_the_accounts_it_writes() {
    let t = "Resources:\n  S:\n    Type: T\n    Properties:\n      Image: 275396840892.dkr.ecr.us-east-1.amazonaws.com/x:1\n";
    let i = ok(t);
    assert_eq!(prop(&i, "S", "Image"), &s("275396840892.dkr.ecr.us-east-1.amazonaws.com/x:1"));
    assert!(i.notes.iter().all(|n| n.origin == "region"), "{:?}", i.notes);
}
