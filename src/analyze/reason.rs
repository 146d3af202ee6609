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
}

impl Reason {
    pub const ALL: [Reason; 15] = [
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
            Reason::OffhostIntrospectionBlocked => "OFFHOST_INTROSPECTION_BLOCKED",
        }
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
}
