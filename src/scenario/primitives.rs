//! Values shared by several kinds: protocols, ports and network modes.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Tcp,
    Udp,
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        })
    }
}

/// A port and protocol, written `443/tcp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PortProto {
    pub port: u16,
    pub proto: Proto,
}

/// An inclusive port range (`3000` or `8000-8010`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    pub fn contains(&self, p: u16) -> bool {
        self.from <= p && p <= self.to
    }
}

/// RunTask's `launchType`: a container instance of the cluster (EC2), or a microVM of its own
/// (FARGATE).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LaunchType {
    #[default]
    Ec2,
    Fargate,
}

impl fmt::Display for LaunchType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LaunchType::Ec2 => "EC2",
            LaunchType::Fargate => "FARGATE",
        })
    }
}

/// The words of `launchType`.
pub(crate) const LAUNCH_TYPES: &[&str] = &["EC2", "FARGATE"];

/// The words of `networkMode`, in the order messages list them.
pub(crate) const NETWORK_MODES: &[&str] = &["bridge", "awsvpc", "host", "none"];

/// The words of a port's `protocol`.
pub(crate) const PORT_PROTOCOLS: &[&str] = &["tcp", "udp"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    Bridge,
    Awsvpc,
    Host,
    None,
}

impl fmt::Display for NetworkMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NetworkMode::Bridge => "bridge",
            NetworkMode::Awsvpc => "awsvpc",
            NetworkMode::Host => "host",
            NetworkMode::None => "none",
        })
    }
}
