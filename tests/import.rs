//! Issue 19: `ecsnet import` turns CloudFormation templates and Terraform plans into
//! scenarios that validate, and (as root) the imported labs come up and are probed with the
//! hand-written expectations kept beside them (`ecsnet test --expect`). Labs are named
//! `imp-*`.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/import").join(rel)
}

/// `ecsnet import ARGS -o OUT`: its exit status, the scenario, stderr.
fn import(args: &[&str], out: &Path) -> (Option<i32>, String, String) {
    let o = Command::new(bin()).arg("import").args(args).arg("-o").arg(out).output().expect("run ecsnet");
    let yaml = std::fs::read_to_string(out).unwrap_or_default();
    (o.status.code(), yaml, String::from_utf8_lossy(&o.stderr).to_string())
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ecsnet-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn a_cloudformation_template_becomes_a_scenario_that_validates() {
    let out = tmp("cfn.yaml");
    let tpl = fixture("cloudformation/fargate-alb-private.yaml");
    let (code, yaml, err) = import(&["cloudformation", tpl.to_str().unwrap(), "--name", "imp-cfn"], &out);
    assert_eq!(code, Some(0), "{err}\n{yaml}");
    // Every block names the resource it came from; what is not built is listed.
    for origin in ["# from logical id VPC", "# from logical id ServiceSecurityGroup", "# from logical id Service"] {
        assert!(yaml.contains(origin), "{origin} missing:\n{yaml}");
    }
    assert!(err.contains("logical id NatGateway: condition CreateNat is false"), "{err}");
    assert!(yaml.contains("# - logical id NatGateway: condition CreateNat is false"), "{yaml}");
    // CloudFormation's default for an interface endpoint's private DNS is false; the template
    // asks for true, which the scenario writes explicitly.
    assert!(yaml.contains("privateDnsEnabled: true"), "{yaml}");
    // A parameter given on the command line changes the scenario.
    let (code, yaml, err) =
        import(&["cloudformation", tpl.to_str().unwrap(), "--param", "EnableNat=true", "--name", "imp-cfn"], &out);
    assert_eq!(code, Some(0), "{err}");
    assert!(yaml.contains("natGateway:"), "{yaml}");
    // A parameter the template does not have is said, not ignored.
    let (_, _, err) = import(&["cloudformation", tpl.to_str().unwrap(), "--param", "Nope=1"], &out);
    assert!(err.contains("--param Nope: names no parameter"), "{err}");
}

#[test]
fn a_cdk_synth_output_for_an_env_keeps_its_region_and_readable_names() {
    let out = tmp("cdk.yaml");
    let tpl = fixture("cloudformation/cdk/PrivateEndpoints.template.json");
    let (code, yaml, err) = import(&["cloudformation", tpl.to_str().unwrap()], &out);
    assert_eq!(code, Some(0), "{err}\n{yaml}");
    // The region and the account the stack was synthesized for, said as assumed.
    assert!(yaml.contains("region: ap-northeast-1\n"), "{yaml}");
    assert!(err.contains("assumed (check it): region: the stacks are deployed in ap-northeast-1"), "{err}");
    assert!(err.contains("the template's account 111122223333 is written as the lab's"), "{err}");
    assert!(yaml.contains("image: 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/orders:v1"), "{yaml}");
    assert!(!err.contains("not one the lab serves") && !err.contains("is not a zone of"), "{err}");
    // `PrivateEndpoints.template.json` is stack PrivateEndpoints; names without the CDK's hash.
    assert!(yaml.contains("name: private-endpoints\n"), "{yaml}");
    for name in [
        "serviceName: orders-service",
        "- name: orders-lb\n",
        "- name: vpc-ecr-api\n",
        "- name: orders-service-security-group",
    ] {
        assert!(yaml.contains(name), "{name} missing:\n{yaml}");
    }
    // Custom::VpcRestrictDefaultSG: the default group without AWS's rules, not a note.
    assert!(yaml.contains("- name: default\n      ingress: []\n      egress: []"), "{yaml}");
    assert!(!err.contains("Custom::VpcRestrictDefaultSG is not carried over"), "{err}");
    let v = Command::new(bin()).arg("validate").arg(&out).output().expect("run ecsnet");
    assert!(v.status.success(), "{}", text(&v));
    // The "Disallow all traffic" placeholder: a group with no egress, not a widened icmp rule.
    let tpl = fixture("cloudformation/cdk/Ec2Nlb.template.json");
    let (code, yaml, err) = import(&["cloudformation", tpl.to_str().unwrap()], &out);
    assert_eq!(code, Some(0), "{err}");
    assert!(yaml.contains("allows nothing\n      egress: []"), "{yaml}");
    assert!(!err.contains("icmp type 252"), "{err}");
    assert!(yaml.contains("name: ec2-nlb\n"), "{yaml}");
    // `cloudMapOptions`: the cluster's namespace, the service's SRV record and its registry.
    for want in [
        "serviceDiscovery:\n  namespaces:\n",
        "    - name: internal.local\n",
        "    - name: api\n      namespace: internal.local\n      dnsConfig:\n        routingPolicy: MULTIVALUE\n        dnsRecords:\n          - type: SRV\n            ttl: 60\n      healthCheckCustomConfig:\n        failureThreshold: 1\n",
        "    serviceRegistries:\n      - registryArn: api\n        containerName: api\n        containerPort: 80\n",
    ] {
        assert!(yaml.contains(want), "{want} missing:\n{yaml}");
    }
    assert!(!err.contains("ServiceDiscovery") && !err.contains("ServiceRegistries"), "{err}");
    let v = Command::new(bin()).arg("validate").arg(&out).output().expect("run ecsnet");
    assert!(v.status.success(), "{}", text(&v));
}

#[test]
fn terraform_plans_and_states_become_scenarios_that_validate() {
    for (f, lab) in [("network_plan", "imp-tfp"), ("network_state", "imp-tfs"), ("ecs_module_plan", "imp-tfe")] {
        let out = tmp(&format!("{f}.yaml"));
        let plan = fixture(&format!("terraform/{f}.json"));
        let (code, yaml, err) = import(&["terraform", plan.to_str().unwrap(), "--name", lab], &out);
        assert_eq!(code, Some(0), "{f}: {err}\n{yaml}");
        assert!(yaml.contains("aws_vpc."), "{f}:\n{yaml}");
        assert!(
            yaml.lines().any(|l| l.trim_start().starts_with("# from ") && l.contains("aws_subnet.")),
            "{f}:\n{yaml}"
        );
    }
    // A type the scenario has no block for is listed with its address.
    let out = tmp("ecs.yaml");
    let (_, _, err) = import(&["terraform", fixture("terraform/ecs_module_plan.json").to_str().unwrap()], &out);
    assert!(err.contains("aws_sns_topic.alerts"), "{err}");
}

#[test]
fn garbage_is_refused_with_exit_2_and_no_panic() {
    let bad = tmp("bad.json");
    for (kind, text) in
        [("terraform", "{\"format_version\": 1"), ("cloudformation", "Resources: [1, 2"), ("terraform", "[]")]
    {
        std::fs::write(&bad, text).unwrap();
        let (code, _, err) = import(&[kind, bad.to_str().unwrap()], &tmp("bad.yaml"));
        assert_eq!(code, Some(2), "{kind} {text}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// `ecsnet test SCENARIO --expect FILE` of an imported scenario, on real packets.
fn test_imported(kind: &str, source: &str, lab: &str, expect: &str) -> String {
    let out = tmp(&format!("{lab}.yaml"));
    let (code, yaml, err) = import(&[kind, fixture(source).to_str().unwrap(), "--name", lab], &out);
    assert_eq!(code, Some(0), "{err}\n{yaml}");
    let _guard = LabGuard(lab.to_string());
    let o =
        Command::new(bin()).arg("test").arg(&out).arg("--expect").arg(fixture(expect)).output().expect("run ecsnet");
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(leftovers(lab).is_empty(), "left behind: {:?}", leftovers(lab));
    t
}

#[test]
fn an_imported_fargate_service_behind_an_alb_passes_its_expectations() {
    need_root!();
    let t = test_imported(
        "cloudformation",
        "cloudformation/fargate-alb-private.yaml",
        "imp-cfn-up",
        "cloudformation/fargate-alb-private.expect.yaml",
    );
    assert!(t.contains("4 requests answered by task/demo-service-1, task/demo-service-2"), "{t}");
    assert!(t.contains("9 passed, 0 failed"), "{t}");
}

#[test]
fn an_imported_terraform_plan_shows_its_tasks_cannot_start() {
    need_root!();
    let t = test_imported(
        "terraform",
        "terraform/ecs_module_plan.json",
        "imp-tf-up",
        "terraform/ecs_module_plan.expect.yaml",
    );
    assert!(t.contains("ResourceInitializationError"), "{t}");
    assert!(t.contains("2 passed, 0 failed"), "{t}");
}

#[test]
fn a_real_cdk_synth_output_passes_its_expectations() {
    need_root!();
    // Synthesized for ap-northeast-1 and account 111122223333: no --region given.
    let t = test_imported(
        "cloudformation",
        "cloudformation/cdk/PrivateEndpoints.template.json",
        "imp-cdk-pe",
        "cloudformation/cdk/PrivateEndpoints.expect.yaml",
    );
    assert!(t.contains("node in ap-northeast-1a: healthy; node in ap-northeast-1c: healthy"), "{t}");
    assert!(t.contains("4 requests answered by task/orders-service-1, task/orders-service-2"), "{t}");
    assert!(t.contains("7 passed, 0 failed"), "{t}");
}

#[test]
fn a_cdk_nlb_with_a_security_group_nothing_opens_is_not_reached() {
    need_root!();
    let t = test_imported(
        "cloudformation",
        "cloudformation/cdk/Ec2Nlb.template.json",
        "imp-cdk-nlb",
        "cloudformation/cdk/Ec2Nlb.expect.yaml",
    );
    assert!(t.contains("internet -> nlb/api-lb:80/tcp"), "{t}");
    assert!(t.contains("api.internal.local"), "{t}");
    assert!(t.contains("5 passed, 0 failed"), "{t}");
}

#[test]
fn a_cdk_backend_found_through_cloud_map_answers_its_name() {
    need_root!();
    let t = test_imported(
        "cloudformation",
        "cloudformation/cdk/CloudMapFargate.template.json",
        "imp-cdk-cm",
        "cloudformation/cdk/CloudMapFargate.expect.yaml",
    );
    assert!(t.contains("Cloud Map service backend.svc.local (A): the 2 running task(s)"), "{t}");
    assert!(t.contains("4 passed, 0 failed"), "{t}");
}
