//! The lab's containers as Docker on each instance would list them: the `ecs-agent` of every
//! instance, then each placed task in file order (its pause container first for awsvpc), with
//! the order they are created in.

use super::Lab;
use super::container::{Container, ProcessRole};
use super::instance::Instance;
use super::task::Task;
use crate::scenario::{NetworkMode, Node};
use std::collections::BTreeMap;

/// Containers are created one after the other; each gets its own creation instant so that the
/// views sort as Docker sorts them (newest first).
const CREATE_STEP_NS: u64 = 1_000_000;

/// Which container of an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    /// The instance's `ecs-agent` container.
    Agent,
    /// The pause container of an awsvpc task.
    Pause,
    /// The task's container at this index.
    App(usize),
}

/// A container of the lab, with where it lives.
#[derive(Clone, Copy, Debug)]
pub struct ContainerRef<'a> {
    pub lab: &'a Lab,
    pub instance: usize,
    pub task: Option<usize>,
    pub kind: ContainerKind,
    /// Creation order over the whole lab.
    pub seq: u64,
}

impl<'a> ContainerRef<'a> {
    pub fn inst(&self) -> &'a Instance {
        &self.lab.instances[self.instance]
    }
    pub fn task(&self) -> Option<&'a Task> {
        self.task.map(|t| &self.lab.tasks[t])
    }
    pub fn model(&self) -> &'a Container {
        match (self.kind, self.task()) {
            (ContainerKind::App(i), Some(t)) => &t.containers[i],
            (ContainerKind::Pause, Some(t)) => t.pause.as_ref().unwrap_or(&self.lab.instances[self.instance].agent),
            _ => &self.lab.instances[self.instance].agent,
        }
    }
    /// The network mode Docker sees: the task's, except the agent (host).
    pub fn mode(&self) -> NetworkMode {
        self.task().map(|t| t.mode).unwrap_or(NetworkMode::Host)
    }
    /// The journal role of the process that plays this container.
    pub fn role(&self) -> String {
        match (self.kind, self.task()) {
            (ContainerKind::Pause, Some(t)) => ProcessRole::pause(&t.name).to_string(),
            (ContainerKind::App(_), Some(t)) if self.model().command.is_some() => {
                ProcessRole::command(&t.name, &self.model().name).to_string()
            }
            _ => ProcessRole::Agent.to_string(),
        }
    }
    /// When the container was created, `up` having begun at `base_ns`.
    pub fn created_ns(&self, base_ns: u64) -> u64 {
        base_ns + self.seq * CREATE_STEP_NS
    }
    /// `task/NAME/CONTAINER`, `task/NAME` (pause) or `instance/NAME` (agent): the node to exec into.
    pub fn node(&self) -> Node {
        match (self.kind, self.task()) {
            (ContainerKind::App(_), Some(t)) => Node::container(&t.name, &self.model().name),
            (ContainerKind::Pause, Some(t)) => Node::task(&t.name),
            _ => Node::instance(&self.inst().name),
        }
    }
    /// The namespace the container's processes run in.
    pub fn ns(&self) -> &'a str {
        match self.kind {
            ContainerKind::Agent => &self.inst().ns,
            _ => &self.model().ns,
        }
    }
    /// Labels as the agent sets them (the pause carries them too, with its internal name).
    pub fn labels(&self) -> BTreeMap<String, String> {
        let mut m: BTreeMap<String, String> = self.model().labels.iter().cloned().collect();
        if let (ContainerKind::Pause, Some(t)) = (self.kind, self.task()) {
            m.insert("com.amazonaws.ecs.cluster".into(), self.lab.cluster.clone());
            m.insert("com.amazonaws.ecs.container-name".into(), self.model().name.clone());
            m.insert("com.amazonaws.ecs.task-arn".into(), t.arn.clone());
            m.insert("com.amazonaws.ecs.task-definition-family".into(), t.family.clone());
            m.insert("com.amazonaws.ecs.task-definition-version".into(), t.revision.to_string());
        }
        m
    }
}

/// Every container of the lab in creation order: the agents of all instances (they boot first),
/// then each placed task (pause, then its containers).
pub fn containers(lab: &Lab) -> Vec<ContainerRef<'_>> {
    let mut v = vec![];
    for i in 0..lab.instances.len() {
        v.push(ContainerRef { lab, instance: i, task: None, kind: ContainerKind::Agent, seq: 0 });
    }
    for (ti, t) in lab.tasks.iter().enumerate().filter(|(_, t)| t.placement.is_ok()) {
        if t.pause.is_some() {
            v.push(ContainerRef { lab, instance: t.instance, task: Some(ti), kind: ContainerKind::Pause, seq: 0 });
        }
        for ci in 0..t.containers.len() {
            v.push(ContainerRef { lab, instance: t.instance, task: Some(ti), kind: ContainerKind::App(ci), seq: 0 });
        }
    }
    for (i, c) in v.iter_mut().enumerate() {
        c.seq = i as u64;
    }
    v
}
