//! ENI capacity per EC2 instance type (ECS-FACTS §4.1, from the ECS developer guide's
//! "Task limit without / with ENI trunking" table; t3.* added with trunking unsupported).
//!
//! `max ENIs` counts the primary ENI, so an instance runs `max ENIs - 1` awsvpc tasks without
//! trunking; with trunking it runs the `trunk tasks` value.

/// (instance type, max ENIs including the primary one, awsvpc tasks with ENI trunking)
pub const INSTANCE_TYPES: &[(&str, u32, u32)] = &[
    ("a1.medium", 2, 10),
    ("m5.large", 3, 10),
    ("m5.xlarge", 4, 20),
    ("m5.2xlarge", 4, 40),
    ("m5.4xlarge", 8, 60),
    ("m5.24xlarge", 15, 120),
    ("c5.large", 3, 10),
    ("c5.xlarge", 4, 20),
    ("c5.2xlarge", 4, 40),
    ("c5.4xlarge", 8, 60),
    ("c5.24xlarge", 15, 120),
    ("m6i.large", 3, 10),
    ("c6i.large", 3, 10),
    ("r5.large", 3, 10),
    ("t3.micro", 2, 0),
    ("t3.small", 3, 0),
    ("t3.medium", 3, 0),
    ("t3.large", 3, 0),
];

/// (instance type, vCPUs, memory in GiB), from EC2's instance type pages. The ECS agent
/// registers 1024 CPU units per vCPU and the memory it finds (Developer Guide, "Container
/// instance memory management"; ecsnet registers the whole of it: it reserves nothing for
/// the OS, as `ECS_RESERVED_MEMORY=0`).
const RESOURCES: &[(&str, u32, u32)] = &[
    ("a1.medium", 1, 2),
    ("m5.large", 2, 8),
    ("m5.xlarge", 4, 16),
    ("m5.2xlarge", 8, 32),
    ("m5.4xlarge", 16, 64),
    ("m5.24xlarge", 96, 384),
    ("c5.large", 2, 4),
    ("c5.xlarge", 4, 8),
    ("c5.2xlarge", 8, 16),
    ("c5.4xlarge", 16, 32),
    ("c5.24xlarge", 96, 192),
    ("m6i.large", 2, 8),
    ("c6i.large", 2, 4),
    ("r5.large", 2, 16),
    ("t3.micro", 2, 1),
    ("t3.small", 2, 2),
    ("t3.medium", 2, 4),
    ("t3.large", 2, 8),
];

/// `(CPU units, memory MiB)` the agent registers for a known instance type.
pub fn registered_resources(instance_type: &str) -> Option<(u32, u32)> {
    RESOURCES.iter().find(|(t, _, _)| *t == instance_type).map(|(_, cpu, gib)| (cpu * 1024, gib * 1024))
}

/// The default `instanceType`.
pub const DEFAULT_INSTANCE_TYPE: &str = "c5.large";

/// `(max ENIs, awsvpc tasks with ENI trunking)` for a known instance type; trunk tasks is 0
/// when the type does not support trunking.
pub fn eni_limits(instance_type: &str) -> Option<(u32, u32)> {
    INSTANCE_TYPES.iter().find(|(t, _, _)| *t == instance_type).map(|(_, e, t)| (*e, *t))
}

/// The known instance type names.
pub fn known_instance_types() -> impl Iterator<Item = &'static str> {
    INSTANCE_TYPES.iter().map(|(t, _, _)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert_eq!(eni_limits("c5.large"), Some((3, 10)));
        assert_eq!(eni_limits("m5.24xlarge"), Some((15, 120)));
        assert_eq!(eni_limits("t3.micro"), Some((2, 0)));
        assert_eq!(eni_limits("a1.medium"), Some((2, 10)));
        assert_eq!(eni_limits("x9.huge"), None);
        assert!(known_instance_types().any(|t| t == DEFAULT_INSTANCE_TYPE));
        assert!(known_instance_types().all(|t| registered_resources(t).is_some()));
        assert_eq!(registered_resources("c5.large"), Some((2048, 4096)));
    }
}
