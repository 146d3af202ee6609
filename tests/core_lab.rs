//! Issue 2: real labs built from the scenarios, checked from outside with `ip` and `nft`.

mod common;
use common::*;

#[test]
fn seed_scenario_builds_as_ecs_does_and_leaves_nothing() {
    need_root!();
    let lab = "t-seed";
    let before = root_snapshot();
    let file = scenario_copy("scenarios/01-bridge-vs-awsvpc.yaml", lab);
    let _g = LabGuard(lab.into());
    let up = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(up.status.success(), "up failed: {}", text(&up));

    // The instance looks like the seed's `ip -4 addr show`.
    let inst = format!("ecsnet.{lab}.i.ecs-1");
    let addr = sh(&format!("ip -n {inst} -4 -o addr show"));
    assert!(addr.contains("lo    inet 127.0.0.1/8"), "{addr}");
    assert!(addr.contains("eth0    inet 10.0.14.107/18"), "{addr}");
    assert!(addr.contains("docker0    inet 172.17.0.1/16"), "{addr}");
    assert!(addr.contains("ecs-bridge    inet 169.254.172.1/22"), "{addr}");
    // docker0 has no container on ecs-2 (awsvpc only): NO-CARRIER, as on a real instance.
    let d0 = sh(&format!("ip -n ecsnet.{lab}.i.ecs-2 link show docker0"));
    assert!(d0.contains("NO-CARRIER"), "{d0}");
    // exec reaches the same namespace.
    let ex = ecsnet(&["exec", lab, "instance/ecs-1", "--", "ip", "-4", "addr", "show"]);
    assert!(text(&ex).contains("10.0.14.107/18"), "{}", text(&ex));

    // The awsvpc task: ENI + ecs-eth0 and the routes of ECS-FACTS §1.8.
    let routes = sh(&format!("ip -n ecsnet.{lab}.t.web-awsvpc -4 route"));
    assert!(routes.contains("default via 10.0.128.1 dev eth0"), "{routes}");
    assert!(routes.contains("10.0.128.0/18 dev eth0"), "{routes}");
    assert!(routes.contains("169.254.170.2 via 169.254.172.1 dev ecs-eth0"), "{routes}");
    assert!(routes.contains("169.254.172.1 via 169.254.172.1 dev ecs-eth0"), "{routes}");
    assert!(!routes.contains("169.254.172.0/22"), "the connected /22 must be gone: {routes}");
    let taddr = sh(&format!("ip -n ecsnet.{lab}.t.web-awsvpc -4 -o addr show"));
    assert!(taddr.contains("ecs-eth0    inet 169.254.172.2/22"), "{taddr}");
    let tlink = sh(&format!("ip -n ecsnet.{lab}.t.web-awsvpc link show ecs-eth0"));
    assert!(tlink.contains("0a:58:a9:fe:ac:02"), "MAC from the IP: {tlink}");
    // Links carry the lab's mark.
    let alias = sh(&format!("ip -n {inst} -d link show eth0"));
    assert!(alias.contains(&format!("alias ecsnet:{lab}")), "{alias}");
    // Docker's port publishing lives in the instance's own nft table.
    let nft = sh(&format!("ip netns exec {inst} nft list table inet ecsnet"));
    assert!(nft.contains("tcp dport 3000") && nft.contains("dnat ip to 172.17.0.2:3000"), "{nft}");
    // A pause process holds the task's namespace.
    let ps = ecsnet(&["ls"]);
    assert!(text(&ps).contains(lab), "{}", text(&ps));

    // Every expectation holds with real packets.
    let check = ecsnet(&["check", lab]);
    assert!(check.status.success(), "check failed: {}", text(&check));

    let down = ecsnet(&["down", lab]);
    assert!(down.status.success(), "{}", text(&down));
    assert_eq!(leftovers(lab), Vec::<String>::new());
    assert_eq!(before, root_snapshot(), "the root namespace changed");
}

#[test]
fn test_verb_reports_pass_fail_invalid_with_exit_codes() {
    need_root!();
    let good = write_scenario(
        "t-verb-ok",
        "version: 1\nname: t-verb-ok\nvpc:\n  cidr: 10.9.0.0/16\n  subnets: [{name: a, cidr: 10.9.1.0/24}]\n  securityGroups: [{name: s, ingress: [{protocol: tcp, ports: 80, source: 10.9.0.0/16}]}]\ninstances: [{name: i, subnet: a, securityGroups: [s]}]\ntaskDefinitions:\n  - family: w\n    networkMode: awsvpc\n    containerDefinitions: [{name: c, image: x, portMappings: [{containerPort: 80}]}]\ntasks:\n  - {name: w, taskDefinition: w, instance: i, networkConfiguration: {awsvpcConfiguration: {subnets: [a], securityGroups: [s]}}}\nexpect:\n  - {from: instance/i, to: task/w:80, reachable: true, servedBy: task/w}\n",
    );
    let _g = LabGuard("t-verb-ok".into());
    let junit = good.with_extension("xml");
    let o = ecsnet(&["test", good.to_str().unwrap(), "--junit", junit.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let x = std::fs::read_to_string(&junit).unwrap();
    assert!(x.contains("<testsuite name=\"t-verb-ok\" tests=\"1\" failures=\"0\""), "{x}");
    assert_eq!(leftovers("t-verb-ok"), Vec::<String>::new());

    // An expectation the lab does not meet (the security group opens 81, not 80): exit 1,
    // and the lab is still torn down.
    let bad = write_scenario(
        "t-verb-bad",
        &std::fs::read_to_string(&good)
            .unwrap()
            .replace("t-verb-ok", "t-verb-bad")
            .replace("ports: 80, source", "ports: 81, source"),
    );
    let _g2 = LabGuard("t-verb-bad".into());
    let o = ecsnet(&["test", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("FAIL"), "{}", text(&o));
    assert_eq!(leftovers("t-verb-bad"), Vec::<String>::new());

    // A broken scenario: exit 2 with line and column.
    let broken =
        write_scenario("t-verb-broken", "version: 1\nname: t-verb-broken\nvpc:\n  cidr: 10.9.0.0/16\n  subnet: []\n");
    let o = ecsnet(&["test", broken.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains(":5:3"), "{}", text(&o));
}

#[test]
fn every_shipped_scenario_passes() {
    need_root!();
    let before = root_snapshot();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("scenarios"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for f in files {
        let rel = f.strip_prefix(root).unwrap().to_str().unwrap().to_string();
        let stem = f.file_stem().unwrap().to_str().unwrap();
        let lab = format!("t-all-{}", &stem[..2]);
        let copy = scenario_copy(&rel, &lab);
        let _g = LabGuard(lab.clone());
        let o = ecsnet(&["test", copy.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{rel}: {}", text(&o));
        assert_eq!(leftovers(&lab), Vec::<String>::new());
    }
    assert_eq!(before, root_snapshot(), "the root namespace changed");
}

#[test]
fn up_twice_is_a_clear_error_and_down_is_idempotent() {
    need_root!();
    let lab = "t-twice";
    let file = scenario_copy("scenarios/05-none.yaml", lab);
    let _g = LabGuard(lab.into());
    assert!(ecsnet(&["up", file.to_str().unwrap()]).status.success());
    let again = ecsnet(&["up", file.to_str().unwrap()]);
    // A lab already up is the environment's state, not a failed verdict: exit 3.
    assert_eq!(again.status.code(), Some(3));
    assert!(text(&again).contains("already up"), "{}", text(&again));
    assert!(ecsnet(&["down", lab]).status.success());
    assert!(ecsnet(&["down", lab]).status.success());
    assert_eq!(leftovers(lab), Vec::<String>::new());
}

#[test]
fn down_cleans_up_after_up_was_stopped_half_way() {
    need_root!();
    for step in 1..=6 {
        let lab = format!("t-half-{step}");
        let file = scenario_copy("scenarios/01-bridge-vs-awsvpc.yaml", &lab);
        let _g = LabGuard(lab.clone());
        let o = ecsnet(&["up", "--stop-after", &step.to_string(), file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(ecsnet(&["down", &lab]).status.success());
        assert_eq!(leftovers(&lab), Vec::<String>::new(), "after stopping at phase {step}");
    }
}
