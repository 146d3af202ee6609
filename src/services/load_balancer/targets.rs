//! A node's registered targets while the lab runs: each keyed by (group, target node, id,
//! port), with its health as the node sees it, and the serial of the checker that asks it.
//!
//! [`Targets::register`] takes the node's complete registrations from now on (RegisterTargets and
//! DeregisterTargets as a diff): a target kept keeps its health and its checker; a new one
//! starts `initial` (`Elb.RegistrationInProgress`) and gets a checker; one no longer listed is
//! `draining` (`Target.DeregistrationInProgress`): no new request or flow, no health check,
//! and it leaves the table when its group's deregistration delay has passed
//! (load-balancer-target-groups.html#deregistration-delay). ELB may end a drain early when the
//! target has nothing in flight; a node here always waits the whole delay, so that `draining`
//! can be seen. A target registered again while draining is registered anew: `initial`, fresh
//! counters, a new checker (RegisterTargets on a draining target puts it back in service, as
//! aws-load-balancer-controller#288 observed).

use super::health::{TargetHealth, first, registering};
use super::{Group, GroupTarget};
use crate::scenario::HealthCheck;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// (group, target node, id, port).
type Key = (String, String, String, u16);

fn key(group: &str, t: &GroupTarget) -> Key {
    (group.to_string(), t.node.clone(), t.id.clone(), t.port)
}

/// One registered (or draining) target.
pub(crate) struct Entry {
    /// Which checker owns it: a target registered anew gets a new serial, and the old
    /// checker, finding its serial gone, stops.
    pub serial: u64,
    pub group: String,
    pub target: GroupTarget,
    pub health: TargetHealth,
    /// Draining: when its deregistration completes.
    pub until: Option<Instant>,
}

impl Entry {
    fn key(&self) -> Key {
        key(&self.group, &self.target)
    }
    fn draining(&self) -> bool {
        self.until.is_some()
    }
}

/// What a registration changed: the serials that need a checker, the delays after which a
/// purge ends a drain.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Changes {
    pub fresh: Vec<u64>,
    pub drains: Vec<Duration>,
}

/// The node's groups (their settings; targets live in the entries) and targets.
pub(crate) struct Targets {
    groups: Vec<Group>,
    entries: Vec<Entry>,
    /// Round-robin counters, per group.
    next: HashMap<String, usize>,
    serial: u64,
}

impl Targets {
    /// The targets of the node's spec: `initial` (`Elb.InitialHealthChecking`), `unused` or
    /// `unavailable` as [`first`] says.
    pub fn new(groups: &[Group]) -> Targets {
        let mut t = Targets { groups: vec![], entries: vec![], next: HashMap::new(), serial: 0 };
        for g in groups {
            for target in &g.targets {
                let health = first(&g.name, &g.health_check, target);
                t.push(&g.name, target.clone(), health);
            }
        }
        t.groups = groups.iter().map(settings).collect();
        t
    }

    fn push(&mut self, group: &str, target: GroupTarget, health: TargetHealth) -> u64 {
        self.serial += 1;
        let serial = self.serial;
        self.entries.push(Entry { serial, group: group.to_string(), target, health, until: None });
        serial
    }

    /// The node's complete registrations from `now` on (see the module's documentation).
    pub fn register(&mut self, groups: &[Group], now: Instant) -> Changes {
        let mut old: HashMap<Key, Entry> =
            std::mem::take(&mut self.entries).into_iter().map(|e| (e.key(), e)).collect();
        let mut changes = Changes::default();
        for g in groups {
            for t in &g.targets {
                let kept = old.remove(&key(&g.name, t)).filter(|e| !e.draining() && e.target.in_use == t.in_use);
                match kept {
                    Some(mut e) => {
                        e.target = t.clone();
                        self.entries.push(e);
                    }
                    None => {
                        let serial = self.push(&g.name, t.clone(), registering(&g.name, &g.health_check, t));
                        if t.in_use && g.health_check.enabled {
                            changes.fresh.push(serial);
                        }
                    }
                }
            }
        }
        let mut gone: Vec<Entry> = old.into_values().collect();
        gone.sort_by_key(|e| e.serial);
        for mut e in gone {
            if !e.draining() {
                let delay = self.delay(&e.group);
                e.until = Some(now + delay);
                drain(&mut e.health);
                changes.drains.push(delay);
            }
            self.entries.push(e);
        }
        self.groups = groups.iter().map(settings).collect();
        self.purge(now);
        changes
    }

    /// A group's deregistration delay (a group no longer listed: ELB's default).
    fn delay(&self, group: &str) -> Duration {
        let secs = self.groups.iter().find(|g| g.name == group).map_or(300, |g| g.deregistration_delay_seconds);
        Duration::from_secs(u64::from(secs))
    }

    /// Drop the targets whose drain has ended by `now`; whether any was.
    pub fn purge(&mut self, now: Instant) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.until.is_none_or(|u| u > now));
        self.entries.len() != before
    }

    /// Every target's health, as the node writes it.
    pub fn all(&self) -> Vec<TargetHealth> {
        self.entries.iter().map(|e| e.health.clone()).collect()
    }

    /// What checker `serial` checks, while its target is registered: the target and its
    /// group's health check settings. None: stop.
    pub fn checked(&self, serial: u64) -> Option<(GroupTarget, HealthCheck)> {
        let e = self.entries.iter().find(|e| e.serial == serial && !e.draining())?;
        let hc = self.group(&e.group)?.health_check.clone();
        Some((e.target.clone(), hc))
    }

    /// The serials that need a checker: the registered targets in use, in groups whose health
    /// checks are on.
    pub fn checkers(&self) -> Vec<u64> {
        let checked = |e: &&Entry| self.group(&e.group).is_some_and(|g| g.health_check.enabled);
        self.entries.iter().filter(|e| !e.draining() && e.target.in_use).filter(checked).map(|e| e.serial).collect()
    }

    /// Step checker `serial`'s target with one check's outcome.
    pub fn update(&mut self, serial: u64, hc: &HealthCheck, o: super::health::Outcome) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.serial == serial && !e.draining()) {
            super::health::step(&mut e.health, hc, o);
        }
    }

    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// The targets of `group` a node may send to: the healthy ones among those `eligible`
    /// (in use, or in the node's rotation), or all of those when none is healthy (fail open).
    /// Draining targets are never part of it.
    pub fn pool(&self, group: &str, eligible: impl Fn(&GroupTarget) -> bool) -> Vec<GroupTarget> {
        let live: Vec<&Entry> =
            self.entries.iter().filter(|e| e.group == group && !e.draining() && eligible(&e.target)).collect();
        let healthy: Vec<&Entry> = live.iter().copied().filter(|e| e.health.state == "healthy").collect();
        let pool = if healthy.is_empty() { live } else { healthy };
        pool.into_iter().map(|e| e.target.clone()).collect()
    }

    /// Round robin over [`Targets::pool`] of the targets in use; None when it is empty.
    pub fn pick(&mut self, group: &str) -> Option<GroupTarget> {
        let pool = self.pool(group, |t| t.in_use);
        if pool.is_empty() {
            return None;
        }
        let n = self.next.entry(group.to_string()).or_insert(0);
        let k = *n % pool.len();
        *n = n.wrapping_add(1);
        pool.into_iter().nth(k)
    }
}

/// A group's settings, without its targets.
fn settings(g: &Group) -> Group {
    Group { targets: vec![], ..g.clone() }
}

/// A deregistered target's state (API_TargetHealth.html, target-group-health-checks.html).
fn drain(h: &mut TargetHealth) {
    h.state = "draining".to_string();
    h.reason = Some("Target.DeregistrationInProgress".to_string());
    h.description = Some("Target deregistration is in progress".to_string());
}

#[cfg(test)]
#[path = "targets_tests.rs"]
mod tests;
