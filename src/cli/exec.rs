//! `ecsnet exec LAB NODE -- CMD...`: run a command in a node's network namespace (an interactive
//! shell when CMD is omitted), so `ip`, `ss`, `curl` and `tcpdump` see what the node sees.

use super::{CliError, Exit, Outcome};
use crate::model::Lab;
use crate::scenario::NetworkMode;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;

/// The namespace of a node reference.
pub fn node_ns(lab: &Lab, node: &str) -> Result<String, String> {
    let parts: Vec<&str> = node.split('/').collect();
    match parts.as_slice() {
        ["internet"] | ["internet", _] => Ok(lab.internet.ns.clone()),
        ["vpc"] | ["router"] | ["vpc-router"] => Ok(lab.vpc.router_ns.clone()),
        ["igw"] | ["internet-gateway"] => {
            lab.vpc.igw_ns.clone().ok_or_else(|| "this VPC has no internet gateway".into())
        }
        ["instance", n] => lab.instance(n).map(|i| i.ns.clone()).ok_or_else(|| format!("no instance `{n}`")),
        ["nat", n] => lab.nat(n).map(|x| x.ns.clone()).ok_or_else(|| format!("no NAT gateway `{n}`")),
        ["task", t, rest @ ..] => {
            let task = lab.task(t).ok_or_else(|| format!("no task `{t}`"))?;
            if let Err(f) = &task.placement {
                return Err(format!("task `{t}` was not placed ({})", f.reason()));
            }
            match rest {
                [] => match task.mode {
                    NetworkMode::Awsvpc => task.ns.clone().ok_or_else(|| "task has no namespace".into()),
                    _ => task.containers.first().map(|c| c.ns.clone()).ok_or_else(|| "task has no container".into()),
                },
                [c] => task
                    .containers
                    .iter()
                    .find(|x| x.name == *c)
                    .map(|x| x.ns.clone())
                    .ok_or_else(|| format!("task `{t}` has no container `{c}`")),
                _ => Err(format!("bad node `{node}`")),
            }
        }
        _ => Err(format!(
            "unknown node `{node}`: use instance/NAME, task/NAME[/CONTAINER], internet, nat/NAME, vpc or igw"
        )),
    }
}

pub fn run(lab: &str, node: &str, cmd: &[String]) -> Outcome {
    super::check_environment()?;
    let l = super::running_lab(lab)?;
    let ns = node_ns(&l, node).map_err(CliError::Invalid)?;
    let f = std::fs::File::open(crate::sys::netns::path(&ns))
        .map_err(|e| CliError::Failed(format!("namespace {ns}: {e}")))?;
    let argv: Vec<String> =
        if cmd.is_empty() { vec![std::env::var("SHELL").unwrap_or_else(|_| "/bin/bash".into())] } else { cmd.to_vec() };
    let fd = f.as_raw_fd();
    let mut c = std::process::Command::new(&argv[0]);
    c.args(&argv[1..]).env("ECSNET_NODE", node).env("ECSNET_EXEC_LAB", lab);
    // SAFETY: only the setns syscall runs between fork and exec.
    unsafe {
        c.pre_exec(move || {
            if libc::setns(fd, libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let e = c.exec();
    eprintln!("ecsnet: {}: {e}", argv[0]);
    Ok(Exit::NotExecuted)
}
