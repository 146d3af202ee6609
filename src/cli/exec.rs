//! `ecsnet exec LAB NODE -- CMD...`: run a command in a node as `docker exec` runs one in a
//! container (an interactive shell when CMD is omitted): in its network namespace, with its
//! hostname, its /etc/hosts and /etc/resolv.conf, its cgroup, and its environment only, so
//! `ip`, `ss`, `curl`, `tcpdump` and an AWS SDK see what the node sees (the caller's AWS keys
//! never leak in).

use super::{CliError, Exit, Outcome};
use crate::dataplane::sandbox::{NODE_MARK, Sandbox};
use crate::dataplane::state;
use crate::i18n::tr;
use crate::model::Lab;
use crate::model::docker::ContainerKind;
use crate::scenario::NetworkMode;
use std::io::IsTerminal;
use std::os::unix::process::CommandExt;
use std::path::Path;

/// A task's container as `docker exec` enters it: `task/NAME` is the pause container of an
/// awsvpc task (its namespace is the task's) and the first container otherwise.
fn task_sandbox(lab: &Lab, dir: &Path, t: &str, container: Option<&str>, tty: bool) -> Result<Sandbox, String> {
    let ti = lab
        .tasks
        .iter()
        .position(|x| x.name == t)
        .ok_or_else(|| tr!("exec-no-task", "no task `{ $task }`", task = t))?;
    let task = &lab.tasks[ti];
    if let Err(f) = &task.placement {
        return Err(tr!(
            "exec-task-not-placed",
            "task `{ $task }` was not placed ({ $reason })",
            task = t,
            reason = f.reason()
        ));
    }
    let kind = match container {
        Some(c) => ContainerKind::App(task.containers.iter().position(|x| x.name == c).ok_or_else(|| {
            tr!("exec-no-container", "task `{ $task }` has no container `{ $container }`", task = t, container = c)
        })?),
        None if task.mode == NetworkMode::Awsvpc => ContainerKind::Pause,
        None if task.containers.is_empty() => return Err(tr!("exec-task-no-container", "task has no container")),
        None => ContainerKind::App(0),
    };
    let ctr = crate::model::docker::task_containers(lab, ti).into_iter().find(|c| c.kind == kind);
    let ctr = ctr.ok_or_else(|| tr!("exec-no-such-container", "task `{ $task }` has no such container", task = t))?;
    Ok(Sandbox::container(dir, &ctr, tty))
}

/// Where a node reference runs a command.
pub fn sandbox(lab: &Lab, node: &str, tty: bool) -> Result<Sandbox, String> {
    let dir = state::dir(&lab.name);
    let parts: Vec<&str> = node.split('/').collect();
    match parts.as_slice() {
        ["internet"] => Ok(Sandbox::internet(&dir, lab, tty)),
        ["internet", host] => Sandbox::internet_host(&dir, lab, host, tty)
            .ok_or_else(|| tr!("exec-no-internet-host", "no internet host `{ $host }`", host = host)),
        ["vpc"] | ["router"] | ["vpc-router"] => Ok(Sandbox::plain(&lab.vpc.router_ns, "vpc-router", tty)),
        ["igw"] | ["internet-gateway"] => match &lab.vpc.igw_ns {
            Some(ns) => Ok(Sandbox::plain(ns, "internet-gateway", tty)),
            None => Err(tr!("exec-no-igw", "this VPC has no internet gateway")),
        },
        ["instance", n] => lab
            .instance(n)
            .map(|i| Sandbox::instance(&dir, lab, i, tty))
            .ok_or_else(|| tr!("exec-no-instance", "no instance `{ $name }`", name = n)),
        ["nat", n] => lab
            .nat(n)
            .map(|x| Sandbox::plain(&x.ns, n, tty))
            .ok_or_else(|| tr!("exec-no-nat", "no NAT gateway `{ $name }`", name = n)),
        ["task", t] => task_sandbox(lab, &dir, t, None, tty),
        ["task", t, c] => task_sandbox(lab, &dir, t, Some(c), tty),
        ["task", ..] => Err(tr!("exec-bad-node", "bad node `{ $node }`", node = node)),
        // A container's id (a prefix of 3 or more) or name, as `docker exec` takes it.
        [one] => match crate::views::inspect::find(lab, one, None) {
            Ok(c) => Ok(Sandbox::container(&dir, &c, tty)),
            Err(e) => Err(tr!(
                "exec-unknown-node-why",
                "unknown node `{ $node }` ({ $error }): use instance/NAME, task/NAME[/CONTAINER], a container id or name, internet[/NAME], nat/NAME, vpc or igw",
                node = node,
                error = e
            )),
        },
        _ => Err(tr!(
            "exec-unknown-node",
            "unknown node `{ $node }`: use instance/NAME, task/NAME[/CONTAINER], a container id or name, internet[/NAME], nat/NAME, vpc or igw",
            node = node
        )),
    }
}

/// A shell of the machine's, as `docker exec -it C bash` would start one.
fn default_shell() -> Vec<String> {
    let sh = if Path::new("/bin/bash").exists() { "/bin/bash" } else { "/bin/sh" };
    vec![sh.to_string()]
}

pub fn run(lab: &str, node: &str, cmd: &[String]) -> Outcome {
    super::check_environment()?;
    let l = super::running_lab(lab)?;
    let tty = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let sb = sandbox(&l, node, tty).map_err(CliError::Invalid)?;
    let argv = if cmd.is_empty() { default_shell() } else { cmd.to_vec() };
    let mut c = sb.command(lab, &argv).map_err(|e| CliError::Failed(format!("{node}: {e}")))?;
    c.env(NODE_MARK, node);
    let e = c.exec();
    eprintln!("ecsnet: {}: {e}", argv[0]);
    Ok(Exit::NotExecuted)
}
