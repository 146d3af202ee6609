//! AWS's public service endpoints, as a task reaches them across the VPC (AWS-SERVICES §2).
//! Scenario vocabulary (`aws/NAME` names one), used by the model and the analyzer:
//! each service of the region has its public names (`api.ecr.REGION.amazonaws.com`, the
//! registry's `*.dkr.ecr…`, `s3…` and its bucket names, `sts…` and the global
//! `sts.amazonaws.com`, …) and a public address in the lab's internet. Without a NAT gateway,
//! a public IP or an interface endpoint, a task times out on them, exactly as on AWS; through a
//! NAT gateway they answer.
//!
//! Addresses: service `i` of [`AwsService::ALL`] has 198.18.i.0/24 (in 198.18.0.0/15, the block
//! RFC 2544 sets aside, which no documentation example or default pool uses) and answers at its
//! `.10`; a /24 per service is what a prefix list (`pl-…`) of a gateway endpoint names.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::Ipv4Addr;

/// Where AWS's public endpoints live in the lab's internet: 198.18.0.0/15.
pub const AWS_PUBLIC_NET: (Ipv4Addr, u8) = (Ipv4Addr::new(198, 18, 0, 0), 15);
/// AWS_PUBLIC_NET as a network.
pub fn public_net() -> ipnetwork::Ipv4Network {
    let (net, prefix) = AWS_PUBLIC_NET;
    ipnetwork::Ipv4Network::new(net, prefix).unwrap_or_else(|_| ipnetwork::Ipv4Network::from(net))
}

/// The port every endpoint answers on (HTTPS).
pub const HTTPS_PORT: u16 = 443;

/// A service with a public endpoint in each region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AwsService {
    EcrApi,
    EcrDkr,
    S3,
    Logs,
    Sts,
    /// `sts.amazonaws.com`: the global endpoint (in us-east-1), which SDKs in "legacy" mode
    /// call; no interface endpoint covers it.
    StsGlobal,
    SecretsManager,
    Ssm,
    Ecs,
    EcsAgent,
    EcsTelemetry,
    DynamoDb,
    /// Cloud Map's data plane (DiscoverInstances): the SDKs send it to `data-servicediscovery`,
    /// the operation's endpoint prefix, not to the control plane's `servicediscovery`.
    CloudMapData,
}

impl AwsService {
    pub const ALL: [AwsService; 13] = [
        AwsService::EcrApi,
        AwsService::EcrDkr,
        AwsService::S3,
        AwsService::Logs,
        AwsService::Sts,
        AwsService::StsGlobal,
        AwsService::SecretsManager,
        AwsService::Ssm,
        AwsService::Ecs,
        AwsService::EcsAgent,
        AwsService::EcsTelemetry,
        AwsService::DynamoDb,
        // Last, so the services before it keep their addresses.
        AwsService::CloudMapData,
    ];

    /// The name after `com.amazonaws.REGION.` in the endpoint service's name, which
    /// `aws/NAME` takes: `ecr.api`, `ecr.dkr`, `s3`, `sts`, `ecs-agent`, ….
    pub fn id(self) -> &'static str {
        match self {
            AwsService::EcrApi => "ecr.api",
            AwsService::EcrDkr => "ecr.dkr",
            AwsService::S3 => "s3",
            AwsService::Logs => "logs",
            AwsService::Sts => "sts",
            AwsService::StsGlobal => "sts-global",
            AwsService::SecretsManager => "secretsmanager",
            AwsService::Ssm => "ssm",
            AwsService::Ecs => "ecs",
            AwsService::EcsAgent => "ecs-agent",
            AwsService::EcsTelemetry => "ecs-telemetry",
            AwsService::DynamoDb => "dynamodb",
            AwsService::CloudMapData => "data-servicediscovery",
        }
    }

    pub fn from_id(id: &str) -> Option<AwsService> {
        AwsService::ALL.into_iter().find(|s| s.id() == id)
    }

    /// Every id, for messages.
    pub fn ids() -> Vec<&'static str> {
        AwsService::ALL.iter().map(|s| s.id()).collect()
    }

    fn index(self) -> u8 {
        AwsService::ALL.iter().position(|s| *s == self).unwrap_or(0) as u8
    }

    /// Its address in the lab's internet.
    pub fn public_ip(self) -> Ipv4Addr {
        Ipv4Addr::new(198, 18, self.index(), 10)
    }

    /// The block its public addresses are in (what its prefix list names).
    pub fn public_block(self) -> (Ipv4Addr, u8) {
        (Ipv4Addr::new(198, 18, self.index(), 0), 24)
    }

    /// The block as a network (a gateway endpoint's prefix list).
    pub fn public_net(self) -> ipnetwork::Ipv4Network {
        let (net, prefix) = self.public_block();
        ipnetwork::Ipv4Network::new(net, prefix).unwrap_or_else(|_| ipnetwork::Ipv4Network::from(net))
    }

    /// `com.amazonaws.REGION.ID`, the endpoint service's name (None for the global STS).
    pub fn service_name(self, region: &str) -> Option<String> {
        (self != AwsService::StsGlobal).then(|| format!("com.amazonaws.{region}.{}", self.id()))
    }

    /// Its public names in `region` (a leading `*.` is a wildcard of one or more labels).
    pub fn hostnames(self, region: &str, account: &str) -> Vec<String> {
        let r = region;
        match self {
            AwsService::EcrApi => vec![format!("api.ecr.{r}.amazonaws.com")],
            AwsService::EcrDkr => {
                vec![format!("{account}.dkr.ecr.{r}.amazonaws.com"), format!("*.dkr.ecr.{r}.amazonaws.com")]
            }
            AwsService::S3 => {
                let mut v = vec![format!("s3.{r}.amazonaws.com"), format!("*.s3.{r}.amazonaws.com")];
                // us-east-1's S3 also answers the legacy global names.
                if r == "us-east-1" {
                    v.extend(["s3.amazonaws.com".to_string(), "*.s3.amazonaws.com".to_string()]);
                }
                v
            }
            AwsService::Logs => vec![format!("logs.{r}.amazonaws.com")],
            AwsService::Sts => vec![format!("sts.{r}.amazonaws.com")],
            AwsService::StsGlobal => vec!["sts.amazonaws.com".to_string()],
            AwsService::SecretsManager => vec![format!("secretsmanager.{r}.amazonaws.com")],
            AwsService::Ssm => vec![format!("ssm.{r}.amazonaws.com")],
            AwsService::Ecs => vec![format!("ecs.{r}.amazonaws.com")],
            AwsService::EcsAgent => vec![format!("ecs-a.{r}.amazonaws.com"), format!("*.ecs-a.{r}.amazonaws.com")],
            AwsService::EcsTelemetry => {
                vec![format!("ecs-t.{r}.amazonaws.com"), format!("*.ecs-t.{r}.amazonaws.com")]
            }
            AwsService::DynamoDb => vec![format!("dynamodb.{r}.amazonaws.com")],
            AwsService::CloudMapData => vec![format!("data-servicediscovery.{r}.amazonaws.com")],
        }
    }

    /// The label of its `vpce-…` names: `vpce-ID-SFX.LABEL.REGION.vpce.amazonaws.com`.
    pub fn vpce_label(self) -> &'static str {
        match self {
            AwsService::EcrApi => "api.ecr",
            AwsService::EcrDkr => "dkr.ecr",
            AwsService::EcsAgent => "ecs-a",
            AwsService::EcsTelemetry => "ecs-t",
            AwsService::StsGlobal => "sts",
            other => other.id(),
        }
    }

    /// The service whose public address is `ip`.
    pub fn at(ip: Ipv4Addr) -> Option<AwsService> {
        AwsService::ALL.into_iter().find(|s| s.public_ip() == ip)
    }
}

impl fmt::Display for AwsService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "aws/{}", self.id())
    }
}

/// Whether `name` matches `pattern` (`*.x` matches one or more labels before `.x`).
pub fn name_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(rest) => name.strip_suffix(rest).is_some_and(|head| head.len() > 1 && head.ends_with('.')),
        None => pattern == name,
    }
}

/// Whether `ip` is in the block of AWS's public endpoints.
pub fn in_aws_public(ip: Ipv4Addr) -> bool {
    let (net, prefix) = AWS_PUBLIC_NET;
    u32::from(ip) >> (32 - prefix) == u32::from(net) >> (32 - prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_addresses_and_wildcards() {
        let dkr = AwsService::EcrDkr.hostnames("ap-northeast-1", "123456789012");
        assert_eq!(dkr[0], "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com");
        assert!(name_matches(&dkr[1], "999999999999.dkr.ecr.ap-northeast-1.amazonaws.com"));
        assert!(!name_matches(&dkr[1], "dkr.ecr.ap-northeast-1.amazonaws.com"), "a wildcard needs a label");
        assert!(name_matches(
            "*.s3.eu-west-1.amazonaws.com",
            "prod-eu-west-1-starport-layer-bucket.s3.eu-west-1.amazonaws.com"
        ));
        let ips: std::collections::BTreeSet<_> = AwsService::ALL.iter().map(|s| s.public_ip()).collect();
        assert_eq!(ips.len(), AwsService::ALL.len(), "one address each");
        assert!(AwsService::ALL.iter().all(|s| in_aws_public(s.public_ip())));
        assert!(!in_aws_public(Ipv4Addr::new(198, 20, 0, 1)) && in_aws_public(Ipv4Addr::new(198, 19, 255, 1)));
        assert_eq!(AwsService::at(AwsService::Sts.public_ip()), Some(AwsService::Sts));
        assert_eq!(AwsService::from_id("ecr.api"), Some(AwsService::EcrApi));
        assert_eq!(AwsService::S3.service_name("us-east-1").as_deref(), Some("com.amazonaws.us-east-1.s3"));
        assert!(AwsService::StsGlobal.service_name("us-east-1").is_none());
    }
}
