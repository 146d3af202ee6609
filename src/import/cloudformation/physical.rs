//! What a resource's `Ref` or attribute reads as inside a string (`Fn::Sub`, `Fn::Join`):
//! the name or ARN AWS would give it, made deterministic (the lab's account, names from the
//! name property or the logical id, fixed suffixes where AWS adds random ones).

use crate::import::resource::{Resource, Value};

/// The lab's account id (what `AWS::AccountId` reads as).
pub const ACCOUNT: &str = crate::import::account::LAB;

/// The partition of a region: `aws-cn` for China, `aws-us-gov` for GovCloud.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// `AWS::URLSuffix`: `amazonaws.com`, `amazonaws.com.cn` in China.
pub fn url_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" }
}

/// The property holding a type's physical name, when it has one.
fn name_property(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "AWS::IAM::Role" => "RoleName",
        "AWS::IAM::Policy" => "PolicyName",
        "AWS::IAM::ManagedPolicy" => "ManagedPolicyName",
        "AWS::IAM::InstanceProfile" => "InstanceProfileName",
        "AWS::IAM::User" => "UserName",
        "AWS::S3::Bucket" => "BucketName",
        "AWS::Logs::LogGroup" => "LogGroupName",
        "AWS::ECR::Repository" => "RepositoryName",
        "AWS::ECS::Cluster" => "ClusterName",
        "AWS::ECS::TaskDefinition" => "Family",
        "AWS::ECS::Service" => "ServiceName",
        "AWS::EC2::SecurityGroup" => "GroupName",
        "AWS::SNS::Topic" => "TopicName",
        "AWS::SQS::Queue" => "QueueName",
        "AWS::DynamoDB::Table" => "TableName",
        "AWS::Lambda::Function" => "FunctionName",
        "AWS::CloudWatch::Alarm" => "AlarmName",
        "AWS::AutoScaling::AutoScalingGroup" => "AutoScalingGroupName",
        "AWS::EC2::LaunchTemplate" => "LaunchTemplateName",
        "AWS::Events::Rule" | "AWS::SecretsManager::Secret" | "AWS::SSM::Parameter" => "Name",
        "AWS::ElasticLoadBalancingV2::LoadBalancer" | "AWS::ElasticLoadBalancingV2::TargetGroup" => "Name",
        "AWS::ServiceDiscovery::Service" | "AWS::ServiceDiscovery::PrivateDnsNamespace" => "Name",
        "AWS::ECS::CapacityProvider" => "Name",
        _ => return None,
    })
}

/// The id prefix of the EC2 types whose `Ref` is an id (`vpc-...`).
fn id_prefix(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "AWS::EC2::VPC" => "vpc",
        "AWS::EC2::Subnet" => "subnet",
        "AWS::EC2::SecurityGroup" => "sg",
        "AWS::EC2::InternetGateway" => "igw",
        "AWS::EC2::EgressOnlyInternetGateway" => "eigw",
        "AWS::EC2::NatGateway" => "nat",
        "AWS::EC2::RouteTable" => "rtb",
        "AWS::EC2::VPCEndpoint" => "vpce",
        "AWS::EC2::NetworkInterface" => "eni",
        "AWS::EC2::NetworkAcl" => "acl",
        "AWS::EC2::TransitGateway" => "tgw",
        "AWS::EC2::VPCPeeringConnection" => "pcx",
        "AWS::EC2::Instance" => "i",
        "AWS::EC2::PrefixList" => "pl",
        "AWS::EC2::LaunchTemplate" => "lt",
        "AWS::EFS::FileSystem" => "fs",
        "AWS::ServiceDiscovery::PrivateDnsNamespace" => "ns",
        "AWS::ServiceDiscovery::Service" => "srv",
        _ => return None,
    })
}

/// The resource's name: its name property when a plain string, else from its logical id
/// (lowercased where AWS only allows lowercase: S3 buckets, ECR repositories), a stack's
/// prefix aside (the writer sees `STACK/LogicalId` where the reader saw `LogicalId`).
pub fn name(r: &Resource) -> String {
    if let Some(n) = name_property(&r.kind).and_then(|p| r.properties.get(p)).and_then(Value::str) {
        return n.to_string();
    }
    let id = r.id.rsplit('/').next().unwrap_or(&r.id);
    match r.kind.as_str() {
        "AWS::S3::Bucket" | "AWS::ECR::Repository" => id.to_lowercase(),
        _ => id.to_string(),
    }
}

/// The string a `Ref` (`attribute` None) or a `Fn::GetAtt` of `resource` reads as inside a
/// string in `region`.
pub fn physical(resource: &Resource, attribute: Option<&str>, region: &str) -> String {
    let n = name(resource);
    let arn = |service: &str, rest: &str| format!("arn:{}:{service}:{region}:{ACCOUNT}:{rest}", partition(region));
    let global = |service: &str, rest: &str| format!("arn:{}:{service}::{ACCOUNT}:{rest}", partition(region));
    let path = resource.properties.get("Path").and_then(Value::str).unwrap_or("/");
    let lower = resource.id.to_lowercase();
    let elb_kind = match resource.properties.get("Type").and_then(Value::str) {
        Some("network") => "net",
        Some("gateway") => "gwy",
        _ => "app",
    };
    let p = (resource.kind.as_str(), attribute);
    match p {
        ("AWS::IAM::Role", Some("Arn")) => global("iam", &format!("role{path}{n}")),
        ("AWS::IAM::Role", Some("RoleId")) => format!("AROA{}", resource.id.to_uppercase()),
        ("AWS::IAM::InstanceProfile", Some("Arn")) => global("iam", &format!("instance-profile{path}{n}")),
        ("AWS::IAM::User", Some("Arn")) => global("iam", &format!("user{path}{n}")),
        ("AWS::IAM::ManagedPolicy", None | Some("PolicyArn")) => global("iam", &format!("policy{path}{n}")),
        ("AWS::S3::Bucket", Some("Arn")) => format!("arn:{}:s3:::{n}", partition(region)),
        ("AWS::S3::Bucket", Some("DomainName")) => format!("{n}.s3.{}", url_suffix(region)),
        ("AWS::S3::Bucket", Some("RegionalDomainName")) => format!("{n}.s3.{region}.{}", url_suffix(region)),
        ("AWS::Logs::LogGroup", Some("Arn")) => arn("logs", &format!("log-group:{n}:*")),
        ("AWS::ECR::Repository", Some("Arn")) => arn("ecr", &format!("repository/{n}")),
        ("AWS::ECR::Repository", Some("RepositoryUri")) => {
            format!("{ACCOUNT}.dkr.ecr.{region}.{}/{n}", url_suffix(region))
        }
        ("AWS::ECS::Cluster", Some("Arn")) => arn("ecs", &format!("cluster/{n}")),
        ("AWS::ECS::TaskDefinition", None | Some("TaskDefinitionArn")) => arn("ecs", &format!("task-definition/{n}:1")),
        ("AWS::ECS::Service", None | Some("ServiceArn")) => {
            let cluster = resource.properties.get("Cluster").and_then(Value::str).unwrap_or("default");
            let cluster = cluster.rsplit('/').next().unwrap_or(cluster);
            arn("ecs", &format!("service/{cluster}/{n}"))
        }
        // The lab's Secrets Manager's ARN (its suffix made from the name), so that a task's
        // `valueFrom` and a policy's `Resource` name the secret the lab holds.
        ("AWS::SecretsManager::Secret", None | Some("Id")) => crate::scenario::aws::secret_arn(region, ACCOUNT, &n),
        ("AWS::SNS::Topic", None | Some("TopicArn")) => arn("sns", &n),
        ("AWS::SQS::Queue", None | Some("QueueUrl")) => {
            format!("https://sqs.{region}.{}/{ACCOUNT}/{n}", url_suffix(region))
        }
        ("AWS::SQS::Queue", Some("Arn")) => arn("sqs", &n),
        ("AWS::DynamoDB::Table", Some("Arn")) => arn("dynamodb", &format!("table/{n}")),
        ("AWS::Lambda::Function", Some("Arn")) => arn("lambda", &format!("function:{n}")),
        ("AWS::KMS::Key", None | Some("KeyId")) => lower,
        ("AWS::KMS::Key", Some("Arn")) => arn("kms", &format!("key/{lower}")),
        ("AWS::ElasticLoadBalancingV2::LoadBalancer", None | Some("LoadBalancerArn")) => {
            arn("elasticloadbalancing", &format!("loadbalancer/{elb_kind}/{n}/0123456789abcdef"))
        }
        ("AWS::ElasticLoadBalancingV2::LoadBalancer", Some("LoadBalancerFullName")) => {
            format!("{elb_kind}/{n}/0123456789abcdef")
        }
        ("AWS::ElasticLoadBalancingV2::TargetGroup", None | Some("TargetGroupArn")) => {
            arn("elasticloadbalancing", &format!("targetgroup/{n}/0123456789abcdef"))
        }
        ("AWS::ElasticLoadBalancingV2::TargetGroup", Some("TargetGroupFullName")) => {
            format!("targetgroup/{n}/0123456789abcdef")
        }
        ("AWS::ElasticLoadBalancingV2::Listener", None | Some("ListenerArn")) => {
            arn("elasticloadbalancing", &format!("listener/app/{lower}/0123456789abcdef/0123456789abcdef"))
        }
        ("AWS::EC2::SecurityGroup", Some("GroupId"))
        | ("AWS::EC2::VPC", Some("VpcId"))
        | ("AWS::EC2::Subnet", Some("SubnetId")) => physical(resource, None, region),
        ("AWS::EC2::VPC", Some("DefaultSecurityGroup")) => format!("sg-{lower}-default"),
        ("AWS::EC2::EIP", None) => "203.0.113.10".to_string(),
        ("AWS::EC2::EIP", Some("AllocationId")) => format!("eipalloc-{lower}"),
        ("AWS::EC2::VPCEndpoint", None | Some("Id")) => crate::import::names::vpce_id(&resource.id),
        (k, None) => match id_prefix(k) {
            Some(prefix) => format!("{prefix}-{lower}"),
            None => n,
        },
        (_, Some("Arn")) if name_property(&resource.kind).is_some() => placeholder_arn(resource, &n, region),
        (_, Some("Name" | "LoadBalancerName" | "TargetGroupName" | "QueueName" | "TopicName")) => n,
        (_, Some(a)) => format!("{}.{a}", resource.id),
    }
}

/// Why the attribute `attribute` of a resource of type `kind` cannot be given before the lab
/// is made, and what to do: None when it can.
pub fn lab_made(kind: &str, id: &str, attribute: Option<&str>) -> Option<Value> {
    // The lab names a load balancer NAME-NUMBER.REGION.elb.amazonaws.com, its number derived
    // from the lab's name and the scenario's name for it, neither of which the reader knows;
    // a made-up name would resolve to nothing in the lab.
    (kind == "AWS::ElasticLoadBalancingV2::LoadBalancer" && attribute == Some("DNSName")).then(|| Value::Unknown {
        why: format!("the DNS name of load balancer {id} is made by the lab (NAME-NUMBER.REGION.elb.amazonaws.com)"),
        fix: "`ecsnet ps` shows it once the lab is up: write the value in by hand".into(),
    })
}

/// An ARN for a named type not in the table: `arn:aws:SERVICE:REGION:ACCOUNT:TYPE/NAME`.
fn placeholder_arn(r: &Resource, name: &str, region: &str) -> String {
    let mut parts = r.kind.split("::").skip(1);
    let service = parts.next().unwrap_or("unknown").to_lowercase();
    let ty = parts.next().unwrap_or("resource").to_lowercase();
    format!("arn:{}:{service}:{region}:{ACCOUNT}:{ty}/{name}", partition(region))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(kind: &str, id: &str, props: Vec<(&str, &str)>) -> Resource {
        let props = props.into_iter().map(|(k, v)| (k.to_string(), Value::String(v.into()))).collect();
        Resource { id: id.into(), kind: kind.into(), properties: Value::Map(props), origin: format!("logical id {id}") }
    }

    #[test]
    fn names_and_arns() {
        let role = res("AWS::IAM::Role", "TaskRole", vec![("RoleName", "app-task")]);
        assert_eq!(physical(&role, None, "us-east-1"), "app-task");
        assert_eq!(physical(&role, Some("Arn"), "us-east-1"), "arn:aws:iam::123456789012:role/app-task");
        let bucket = res("AWS::S3::Bucket", "AssetsBucket", vec![]);
        assert_eq!(physical(&bucket, None, "us-east-1"), "assetsbucket");
        assert_eq!(physical(&bucket, Some("Arn"), "cn-north-1"), "arn:aws-cn:s3:::assetsbucket");
        let lg = res("AWS::Logs::LogGroup", "Logs", vec![("LogGroupName", "/ecs/app")]);
        assert_eq!(physical(&lg, Some("Arn"), "eu-west-1"), "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/app:*");
        let repo = res("AWS::ECR::Repository", "Repo", vec![("RepositoryName", "web")]);
        assert_eq!(
            physical(&repo, Some("RepositoryUri"), "us-west-2"),
            "123456789012.dkr.ecr.us-west-2.amazonaws.com/web"
        );
        assert_eq!(physical(&repo, Some("Arn"), "us-west-2"), "arn:aws:ecr:us-west-2:123456789012:repository/web");
        let sg = res("AWS::EC2::SecurityGroup", "WebSG", vec![("GroupName", "web")]);
        assert_eq!(physical(&sg, None, "us-east-1"), "sg-websg");
        assert_eq!(physical(&sg, Some("GroupId"), "us-east-1"), "sg-websg");
        let td = res("AWS::ECS::TaskDefinition", "TaskDef", vec![("Family", "web")]);
        assert_eq!(physical(&td, None, "us-east-1"), "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1");
        let secret = res("AWS::SecretsManager::Secret", "Db", vec![("Name", "db")]);
        assert!(
            physical(&secret, None, "us-east-1")
                .starts_with("arn:aws:secretsmanager:us-east-1:123456789012:secret:db-")
        );
        let cluster = res("AWS::ECS::Cluster", "Cluster", vec![]);
        assert_eq!(physical(&cluster, Some("Arn"), "us-east-1"), "arn:aws:ecs:us-east-1:123456789012:cluster/Cluster");
        let queue = res("AWS::SQS::Queue", "Jobs", vec![]);
        assert_eq!(physical(&queue, Some("Arn"), "us-east-1"), "arn:aws:sqs:us-east-1:123456789012:Jobs");
        let topic = res("AWS::SNS::Topic", "Alerts", vec![("TopicName", "alerts")]);
        assert_eq!(physical(&topic, None, "us-east-1"), "arn:aws:sns:us-east-1:123456789012:alerts");
        let other = res("AWS::Foo::Bar", "Thing", vec![]);
        assert_eq!(physical(&other, None, "us-east-1"), "Thing");
        assert_eq!(physical(&other, Some("Endpoint.Address"), "us-east-1"), "Thing.Endpoint.Address");
    }

    #[test]
    fn partitions() {
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition("cn-northwest-1"), "aws-cn");
        assert_eq!(url_suffix("cn-northwest-1"), "amazonaws.com.cn");
        assert_eq!(partition("ap-northeast-1"), "aws");
    }
}
