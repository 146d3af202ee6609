//! Why a flow is not connected (or what is notable about it): AWS Reachability Analyzer's
//! explanation codes where AWS has one, ecsnet's own for ECS cases. Serialized as the code.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// AWS: no security group rule of the ENI allows the flow.
    EniSgRulesMismatch,
    /// AWS: a network ACL of a subnet the flow crosses denies it (or its reply).
    SubnetAclRestriction,
    /// AWS: no route (or a blackhole) to the destination.
    NoRouteToDestination,
    /// AWS: leaving through the internet gateway without a public IP.
    IgwPublicIpAssociationForEgress,
    /// AWS: entering from the internet to a private address.
    IgwPrivateIpAssociationForIngress,
    /// An awsvpc task's port is not published on its instance.
    AwsvpcPortNotPublishedOnHost,
    /// A task ENI on EC2 never gets a public IP.
    NoPublicIpOnEc2TaskEni,
    /// A NAT gateway accepts no inbound connection.
    NatGatewayNoInbound,
    /// Nothing listens on the port at the destination.
    NoListener,
    /// A `none` task has only a loopback interface.
    NetworkModeNone,
    /// The destination has no public address.
    NoPublicIp,
    /// The task was not placed (or does not exist).
    TaskNotPlaced,
    /// The source cannot send.
    InvalidSource,
    /// The instance metadata service is blocked for the source (ECS_AWSVPC_BLOCK_IMDS, or the
    /// DOCKER-USER rule AWS documents for bridge tasks).
    ImdsBlocked,
    /// ecs-init drops what reaches the agent's introspection port (51678) from other than
    /// loopback and docker0.
    OffhostIntrospectionBlocked,
    /// The VPC's enableDnsSupport is off: the Amazon-provided DNS server does not answer.
    DnsSupportDisabled,
    /// The task was placed but did not start: a call to AWS before its containers ran failed.
    TaskNotStarted,
    /// A Fargate task asked for the instance metadata service, which Fargate does not have.
    FargateNoImds,
    /// A network load balancer forwarded a target's own flow back to it with the client IP
    /// preserved: source and destination are the target's address, and it drops the packet
    /// (load-balancer-troubleshooting.html#loopback-timeout).
    NlbLoopback,
    /// The destination is a DNS name the source's resolver gives no address for (NXDOMAIN, no
    /// record, or no answer at all): a client has nothing to connect to.
    DnsNameNotResolved,
}

impl Reason {
    pub const ALL: [Reason; 20] = [
        Reason::EniSgRulesMismatch,
        Reason::SubnetAclRestriction,
        Reason::NoRouteToDestination,
        Reason::IgwPublicIpAssociationForEgress,
        Reason::IgwPrivateIpAssociationForIngress,
        Reason::AwsvpcPortNotPublishedOnHost,
        Reason::NoPublicIpOnEc2TaskEni,
        Reason::NatGatewayNoInbound,
        Reason::NoListener,
        Reason::NetworkModeNone,
        Reason::NoPublicIp,
        Reason::TaskNotPlaced,
        Reason::InvalidSource,
        Reason::ImdsBlocked,
        Reason::OffhostIntrospectionBlocked,
        Reason::DnsSupportDisabled,
        Reason::TaskNotStarted,
        Reason::FargateNoImds,
        Reason::NlbLoopback,
        Reason::DnsNameNotResolved,
    ];

    /// The code as AWS (or ecsnet) writes it.
    pub fn code(self) -> &'static str {
        match self {
            Reason::EniSgRulesMismatch => "ENI_SG_RULES_MISMATCH",
            Reason::SubnetAclRestriction => "SUBNET_ACL_RESTRICTION",
            Reason::NoRouteToDestination => "NO_ROUTE_TO_DESTINATION",
            Reason::IgwPublicIpAssociationForEgress => "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
            Reason::IgwPrivateIpAssociationForIngress => "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS",
            Reason::AwsvpcPortNotPublishedOnHost => "AWSVPC_PORT_NOT_PUBLISHED_ON_HOST",
            Reason::NoPublicIpOnEc2TaskEni => "NO_PUBLIC_IP_ON_EC2_TASK_ENI",
            Reason::NatGatewayNoInbound => "NAT_GATEWAY_NO_INBOUND",
            Reason::NoListener => "NO_LISTENER",
            Reason::NetworkModeNone => "NETWORK_MODE_NONE",
            Reason::NoPublicIp => "NO_PUBLIC_IP",
            Reason::TaskNotPlaced => "TASK_NOT_PLACED",
            Reason::InvalidSource => "INVALID_SOURCE",
            Reason::ImdsBlocked => "IMDS_BLOCKED",
            Reason::DnsSupportDisabled => "DNS_SUPPORT_DISABLED",
            Reason::OffhostIntrospectionBlocked => "OFFHOST_INTROSPECTION_BLOCKED",
            Reason::TaskNotStarted => "TASK_NOT_STARTED",
            Reason::FargateNoImds => "FARGATE_NO_IMDS",
            Reason::NlbLoopback => "NLB_LOOPBACK",
            Reason::DnsNameNotResolved => "DNS_NAME_NOT_RESOLVED",
        }
    }

    /// Why, in AWS and ECS terms: what a learner needs to know to understand the verdict.
    pub fn why(self) -> &'static str {
        match self {
            Reason::EniSgRulesMismatch => {
                "security groups are stateful allow-lists on an ENI: a connection gets in only if a rule of one of the receiving ENI's groups allows its protocol and port from the sender (its address, or a group the sender's ENI is a member of). An awsvpc task has an ENI and groups of its own; a bridge or host task is behind its instance's"
            }
            Reason::SubnetAclRestriction => {
                "network ACLs are stateless and checked where the flow crosses a subnet's edge, in both directions: the request and the reply (to the client's ephemeral port, 32768-60999 for a Linux client) each need an allow rule numbered before any deny"
            }
            Reason::NoRouteToDestination => {
                "no route leads there: the route table of the sender's subnet has none covering the destination (or a blackhole), or, from the internet, the VPC has no internet gateway"
            }
            Reason::IgwPublicIpAssociationForEgress => {
                "an internet gateway translates only addresses that have a public IP or an Elastic IP: a private address alone goes nowhere through it"
            }
            Reason::IgwPrivateIpAssociationForIngress => {
                "from the internet only public IPs and Elastic IPs can be reached; private addresses are not routed there"
            }
            Reason::AwsvpcPortNotPublishedOnHost => {
                "an awsvpc task has an ENI of its own: its ports are not published on the instance (no hostPort, no Docker DNAT), so the instance's address does not lead to it"
            }
            Reason::NoPublicIpOnEc2TaskEni => {
                "on the EC2 launch type a task's ENI never gets a public IP (assignPublicIp is for Fargate), even in a public subnet: the internet cannot reach an awsvpc task directly, and it goes out only through a NAT gateway"
            }
            Reason::NatGatewayNoInbound => {
                "a NAT gateway translates only connections started inside the VPC: nothing from the internet can open one through it"
            }
            Reason::NoListener => {
                "the packet arrived, and the destination said nothing listens on that port (a TCP reset, or ICMP port unreachable for UDP)"
            }
            Reason::NetworkModeNone => {
                "a task in `none` network mode has only a loopback interface: nothing goes in or out"
            }
            Reason::NoPublicIp => "the destination has no public address, so nothing outside the VPC can address it",
            Reason::TaskNotPlaced => {
                "the task was not placed (ECS's reason, e.g. RESOURCE:ENI or RESOURCE:PORTS), so it has no address"
            }
            Reason::InvalidSource => "this node cannot send packets",
            Reason::ImdsBlocked => {
                "the instance metadata service is blocked for this sender (ECS_AWSVPC_BLOCK_IMDS for awsvpc tasks, the DOCKER-USER rule AWS documents for bridge tasks), so that tasks use their task role, not the instance's"
            }
            Reason::OffhostIntrospectionBlocked => {
                "ecs-init's input rules let only loopback and docker0 reach the agent's introspection API on port 51678"
            }
            Reason::DnsSupportDisabled => {
                "the VPC's enableDnsSupport is off: the Amazon-provided DNS server (the VPC CIDR's base+2 and 169.254.169.253) answers nothing, so every query times out"
            }
            Reason::FargateNoImds => {
                "a Fargate task runs in a microVM with no instance metadata service: 169.254.169.254 does not answer (its credentials come from the task credentials endpoint at 169.254.170.2)"
            }
            Reason::TaskNotStarted => {
                "the task was placed but never started: a call the ECS agent makes before the containers run (a secret, the image pull, the awslogs stream) failed, so nothing of it listens"
            }
            Reason::NlbLoopback => {
                "a network load balancer that preserves the client's IP does not support loopback (hairpinning): a target whose own flow hashes back to it receives a packet from its own address, drops it, and the connection times out (it succeeds only when the flow reaches another target)"
            }
            Reason::DnsNameNotResolved => {
                "a client connects to a name by asking its resolver first (the VPC's Amazon-provided DNS server for a task or an instance): no address came back (NXDOMAIN, no record of the name, or no answer), so nothing is sent. A Cloud Map name has records only for the registered tasks that are running; an interface endpoint's private DNS name exists only with privateDnsEnabled"
            }
        }
    }

    /// What to change so that the flow gets through (if that is what is wanted).
    pub fn fix(self) -> &'static str {
        match self {
            Reason::EniSgRulesMismatch => {
                "add an inbound rule to a security group of the receiving ENI for this protocol and port, from the sender's CIDR or from a group the sender's ENI is a member of (`source: sg/NAME`)"
            }
            Reason::SubnetAclRestriction => {
                "allow the flow in that subnet's ACL both ways, the ephemeral ports of the replies included"
            }
            Reason::NoRouteToDestination => {
                "add a route for the destination to the sender's route table (to the internet gateway from a public subnet, to a NAT gateway from a private one); to be reached from the internet, the VPC needs an internet gateway and the target a public IP"
            }
            Reason::IgwPublicIpAssociationForEgress => {
                "give the sender a public IP or an Elastic IP, or route its subnet through a NAT gateway"
            }
            Reason::IgwPrivateIpAssociationForIngress => {
                "address the target by its public IP (e.g. `instance/NAME@public`), or put a load balancer in front of it"
            }
            Reason::AwsvpcPortNotPublishedOnHost => {
                "reach the task at its own address (`task/NAME`), or run it in bridge mode with a hostPort and reach `instance/NAME:HOSTPORT`"
            }
            Reason::NoPublicIpOnEc2TaskEni => {
                "put a load balancer in front of the task, or run it in bridge mode with a hostPort and reach `instance/NAME@public:HOSTPORT`; for its own outbound traffic, route its subnet through a NAT gateway"
            }
            Reason::NatGatewayNoInbound => "for inbound traffic use a public IP on the target, or a load balancer",
            Reason::NoListener => {
                "check the port: declare it in the container's `portMappings` (or `x-ecsnet.listen`), or probe the port it listens on"
            }
            Reason::NetworkModeNone => "use the awsvpc, bridge or host network mode",
            Reason::NoPublicIp => {
                "give it a public IP or an Elastic IP (a public subnet with mapPublicIpOnLaunch), or a load balancer"
            }
            Reason::TaskNotPlaced => {
                "see the placement reason in `ecsnet ps`: free ENIs (a larger instance type, or ENI trunking) or host ports (dynamic host ports)"
            }
            Reason::InvalidSource => "probe from a task, an instance, the internet or an internet host",
            Reason::ImdsBlocked => {
                "use the task role through the task credentials endpoint (169.254.170.2), or lift the block (`ecsAgent: { ECS_AWSVPC_BLOCK_IMDS: false }`, `blockImdsFromBridge: false`)"
            }
            Reason::OffhostIntrospectionBlocked => {
                "query it from the instance or a bridge task, or set ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS: true in the instance's `ecsAgent`"
            }
            Reason::DnsSupportDisabled => {
                "set `enableDnsSupport: true` in the vpc block, or name another resolver in `dhcpOptions.domainNameServers`"
            }
            Reason::FargateNoImds => {
                "give the task a `taskRoleArn` and let the SDK use AWS_CONTAINER_CREDENTIALS_RELATIVE_URI; read the zone and addresses from the task metadata endpoint (ECS_CONTAINER_METADATA_URI_V4)"
            }
            Reason::NlbLoopback => {
                "turn client IP preservation off on the target group (`preserve_client_ip.enabled: false`, TCP groups), or register the targets by IP (`targetType: ip`), so that the target sees the load balancer's address"
            }
            Reason::DnsNameNotResolved => {
                "check the name with `ecsnet explain LAB FROM --dns NAME`: a Cloud Map service needs `serviceRegistries` on the ECS service and a running task; a private hosted name needs the VPC's enableDnsSupport and enableDnsHostnames"
            }
            Reason::TaskNotStarted => {
                "see why with `ecsnet explain LAB task/NAME --start`: a NAT gateway, or the VPC endpoints the start needs (ecr.api, ecr.dkr, the S3 gateway endpoint, logs, secretsmanager or ssm) with security groups that admit 443 from the instance"
            }
        }
    }

    /// `why` in the user's language (English when its catalog lacks it).
    pub fn why_in(self, lang: crate::i18n::Lang) -> String {
        crate::i18n::text(lang, &format!("reason-why-{}", self.code()), self.why())
    }

    /// `fix` in the user's language.
    pub fn fix_in(self, lang: crate::i18n::Lang) -> String {
        crate::i18n::text(lang, &format!("reason-fix-{}", self.code()), self.fix())
    }

    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Reason, D::Error> {
        let s = String::deserialize(d)?;
        Reason::from_code(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown reason code `{s}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in Reason::ALL {
            assert_eq!(Reason::from_code(r.code()), Some(r));
            let j = serde_json::to_string(&r).unwrap();
            assert_eq!(j, format!("\"{}\"", r.code()));
            assert_eq!(serde_json::from_str::<Reason>(&j).unwrap(), r);
        }
        assert_eq!(Reason::from_code("NOPE"), None);
    }

    #[test]
    fn every_reason_is_explained_in_japanese_too() {
        use crate::i18n::Lang;
        for r in Reason::ALL {
            assert_ne!(r.why_in(Lang::Ja), r.why(), "{r}: no reason-why-{} in ja.ftl", r.code());
            assert_ne!(r.fix_in(Lang::Ja), r.fix(), "{r}: no reason-fix-{} in ja.ftl", r.code());
            assert_eq!(r.why_in(Lang::En), r.why());
        }
    }
}
