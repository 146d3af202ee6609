//! Lookups on a validated scenario, by name.

use super::types::*;

/// The task definition a reference names: the given revision, or the family's latest.
pub fn find_task_def<'a>(tds: &'a [TaskDefinition], r: &TaskDefRef) -> Option<&'a TaskDefinition> {
    let mut of_family = tds.iter().filter(|t| t.family.value == r.family);
    match r.revision {
        Some(rev) => of_family.find(|t| t.revision == rev),
        None => of_family.max_by_key(|t| t.revision),
    }
}

impl Scenario {
    pub fn subnet(&self, name: &str) -> Option<&Subnet> {
        self.vpc.subnets.iter().find(|s| s.name.value == name)
    }
    pub fn route_table(&self, name: &str) -> Option<&RouteTable> {
        self.vpc.route_tables.iter().find(|s| s.name.value == name)
    }
    pub fn nat_gateway(&self, name: &str) -> Option<&NatGateway> {
        self.vpc.nat_gateways.iter().find(|s| s.name.value == name)
    }
    /// A declared security group (the implicit `default` group is not in the list).
    pub fn security_group(&self, name: &str) -> Option<&SecurityGroup> {
        self.vpc.security_groups.iter().find(|s| s.name.value == name)
    }
    pub fn network_acl_of(&self, subnet: &str) -> Option<&NetworkAcl> {
        self.vpc.network_acls.iter().find(|a| a.subnets.iter().any(|s| s.value == subnet))
    }
    pub fn internet_host(&self, name: &str) -> Option<&InternetHost> {
        self.internet.hosts.iter().find(|s| s.name.value == name)
    }
    pub fn instance(&self, name: &str) -> Option<&Instance> {
        self.instances.iter().find(|s| s.name.value == name)
    }
    pub fn task(&self, name: &str) -> Option<&Task> {
        self.tasks.iter().find(|s| s.name.value == name)
    }
    /// The task definition a reference names (latest revision when none is given).
    pub fn task_definition(&self, r: &TaskDefRef) -> Option<&TaskDefinition> {
        find_task_def(&self.task_definitions, r)
    }
    /// The task definition a task runs (always present in a validated scenario).
    pub fn task_def_of(&self, task: &Task) -> Option<&TaskDefinition> {
        self.task_definition(&task.task_definition.value)
    }
}

impl TaskDefinition {
    pub fn container(&self, name: &str) -> Option<&ContainerDefinition> {
        self.container_definitions.iter().find(|c| c.name.value == name)
    }
}

impl Instance {
    /// (max ENIs including the primary one, awsvpc tasks with trunking) for this instance:
    /// `maxEnis` if given (trunking capacity then from the type table, else 0), else the table.
    pub fn eni_limits(&self) -> (u32, u32) {
        let table = super::instance_types::eni_limits(&self.instance_type.value);
        match (self.max_enis, table) {
            (Some(m), t) => (m, t.map(|t| t.1).unwrap_or(0)),
            (None, Some(t)) => t,
            (None, None) => (1, 0),
        }
    }
}
