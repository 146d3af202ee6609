//! Issue 13, item 4: an address no one holds on a local bridge (docker0, ecs-bridge) gets the
//! same verdict whatever the probe's timeout: no ARP request leaves those links (every peer is a
//! static neighbour), so the kernel drops the packet at once instead of answering EHOSTUNREACH
//! after about 3 s, which turned a `timeout` into `refused` for a long enough timeout.

mod common;
use common::*;

const SCENARIO: &str = r#"version: 1
name: t-unanswered
vpc:
  cidr: 10.79.0.0/16
  subnets: [{ name: a, cidr: 10.79.1.0/24 }]
instances: [{ name: i, subnet: a }]
taskDefinitions:
  - family: br
    containerDefinitions: [{ name: web, image: x, portMappings: [{ containerPort: 80 }] }]
  - family: vpc
    networkMode: awsvpc
    containerDefinitions: [{ name: web, image: x, portMappings: [{ containerPort: 80 }] }]
tasks:
  - { name: b, taskDefinition: br, instance: i }
  - { name: v, taskDefinition: vpc, instance: i, networkConfiguration: { awsvpcConfiguration: { subnets: [a] } } }
expect:
  - { from: instance/i, to: "172.17.0.99:80", reachable: false, result: timeout, timeoutMs: 4500 }
  - { from: instance/i, to: "172.17.0.99", protocol: icmp, reachable: false, result: timeout, timeoutMs: 4500 }
  - { from: task/b, to: "172.17.0.99:80", reachable: false, result: timeout, timeoutMs: 4500 }
  - { from: instance/i, to: "169.254.172.99:80", reachable: false, result: timeout, timeoutMs: 4500 }
  - { from: task/v, to: "169.254.172.99:80", reachable: false, result: timeout, timeoutMs: 4500 }
  - { from: task/b, to: "169.254.172.99", protocol: icmp, reachable: false, result: timeout, timeoutMs: 4500 }
  - { from: instance/i, to: "10.79.1.200:80", reachable: false, result: timeout, timeoutMs: 4500 }
"#;

#[test]
fn unanswered_local_addresses_time_out_whatever_the_timeout() {
    need_root!();
    let file = write_scenario("t-unanswered", SCENARIO);
    let o = ecsnet(&["test", file.to_str().unwrap()]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("7 passed, 0 failed"), "{t}");
    assert!(leftovers("t-unanswered").is_empty(), "{:?}", leftovers("t-unanswered"));
}
