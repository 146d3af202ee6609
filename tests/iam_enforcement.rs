//! Issue 16, the seed's exercise on real packets (root): inside a task, the real boto3, the AWS
//! CLI and the AWS SDK for JavaScript v3 call ECR DescribeImages with the task role's credentials, through
//! the ecr-api interface endpoint. The front door evaluates the call as IAM does: the task
//! whose role allows only S3 gets ECR's HTTP 400 AccessDeniedException with AWS's exact
//! message; the task whose role has AmazonEC2ContainerRegistryReadOnly gets the images; the
//! endpoint's policy, which admits my-repo only, denies `other` to both. `ecsnet iam simulate`
//! says the same without packets.

mod common;
use common::*;

#[test]
fn a_task_role_without_the_permission_gets_ecrs_access_denied() {
    need_root!();
    let lab = "t-iam-ecr";
    let file = scenario_copy("scenarios/20-iam-task-role.yaml", lab);
    let _ = ecsnet(&["down", lab]);
    let _g = LabGuard(lab.to_string());
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "up: {}", text(&o));
    let id = |t: &str| ecsnet::dataplane::state::load_lab(lab).expect("lab").task(t).expect("task").id.clone();
    let denied = |role: &str, task: &str, repo: &str, why: &str| {
        format!(
            "User: arn:aws:sts::123456789012:assumed-role/{role}/{} is not authorized to perform: ecr:DescribeImages on resource: arn:aws:ecr:ap-northeast-1:123456789012:repository/{repo} {why}",
            id(task)
        )
    };
    let identity = "because no identity-based policy allows the ecr:DescribeImages action";
    let endpoint = "because no VPC endpoint policy allows the ecr:DescribeImages action";
    let mut ran = false;
    if let Some(py) = sdk::python() {
        ran = true;
        let script = sdk::dir().join("ecr_describe.py");
        let args = [script.to_str().unwrap(), "ap-northeast-1", "my-repo", "other"];
        let v = sdk::run_json_in_task(lab, "task/before/app", &py, &args);
        assert_eq!(v["my-repo"]["error"], "AccessDeniedException", "{v}");
        assert_eq!(v["my-repo"]["message"], denied("s3-only-role", "before", "my-repo", identity), "{v}");
        let v = sdk::run_json_in_task(lab, "task/after/app", &py, &args);
        assert_eq!(v["my-repo"], serde_json::json!(["latest"]), "{v}");
        assert_eq!(v["other"]["error"], "AccessDeniedException", "{v}");
        assert_eq!(v["other"]["message"], denied("ecr-read-role", "after", "other", endpoint), "{v}");
    }
    if let Some(node) = sdk::node() {
        ran = true;
        let script = sdk::dir().join("ecr_describe.js");
        let v = sdk::run_json_in_task(
            lab,
            "task/before/app",
            &node,
            &[script.to_str().unwrap(), "ap-northeast-1", "my-repo"],
        );
        assert_eq!(v["my-repo"]["error"], "AccessDeniedException", "{v}");
        assert_eq!(v["my-repo"]["message"], denied("s3-only-role", "before", "my-repo", identity), "{v}");
        let v = sdk::run_json_in_task(
            lab,
            "task/after/app",
            &node,
            &[script.to_str().unwrap(), "ap-northeast-1", "my-repo"],
        );
        assert_eq!(v["my-repo"], serde_json::json!(["latest"]), "{v}");
    }
    if let Some(aws) = sdk::aws_cli() {
        ran = true;
        // The AWS CLI prints the service's code and message as botocore read them.
        let run = |task: &str, repo: &str| {
            let o = std::process::Command::new(bin())
                .args(["exec", lab, task, "--"])
                .arg(&aws)
                .args(["--region", "ap-northeast-1", "ecr", "describe-images", "--repository-name", repo])
                .output()
                .expect("exec");
            (o.status.success(), text(&o))
        };
        let (ok, out) = run("task/before/app", "my-repo");
        let want = format!(
            "An error occurred (AccessDeniedException) when calling the DescribeImages operation: {}",
            denied("s3-only-role", "before", "my-repo", identity)
        );
        assert!(!ok && out.contains(&want), "{out}");
        let (ok, out) = run("task/after/app", "my-repo");
        assert!(ok && out.contains("\"latest\""), "{out}");
    }
    if !ran {
        eprintln!("skipped: no SDK client installed (scripts/sdk-clients.sh)");
    }
}

/// Issue 16's second exercise: a bucket policy that denies every request not from the VPC's
/// gateway endpoint (aws:SourceVpce). boto3 in the task whose route goes to the endpoint reads
/// the object; the same role through the NAT gets S3's 403 AccessDenied with the explicit deny.
#[test]
fn a_bucket_policy_admits_only_the_gateway_endpoint() {
    need_root!();
    let lab = "t-iam-s3-vpce";
    let file = scenario_copy("scenarios/21-s3-bucket-policy.yaml", lab);
    let _ = ecsnet(&["down", lab]);
    let _g = LabGuard(lab.to_string());
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "up: {}", text(&o));
    let Some(py) = sdk::python() else {
        eprintln!("skipped: no SDK client installed (scripts/sdk-clients.sh)");
        return;
    };
    let script = sdk::dir().join("s3_get.py");
    let args = [script.to_str().unwrap(), "ap-northeast-1", "app-config/settings.json"];
    let v = sdk::run_json_in_task(lab, "task/via-endpoint/app", &py, &args);
    assert_eq!(v["app-config/settings.json"], "{ \"feature\": \"on\" }", "{v}");
    let v = sdk::run_json_in_task(lab, "task/via-nat/app", &py, &args);
    let id = ecsnet::dataplane::state::load_lab(lab).expect("lab").task("via-nat").expect("task").id.clone();
    assert_eq!(v["app-config/settings.json"]["error"], "AccessDenied", "{v}");
    assert_eq!(
        v["app-config/settings.json"]["message"],
        format!(
            "User: arn:aws:sts::123456789012:assumed-role/app-task-role/{id} is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::app-config/settings.json\" with an explicit deny in a resource-based policy"
        ),
        "{v}"
    );
    // `ecsnet test` makes the same calls itself and agrees with the analyzer.
    let t = ecsnet(&["check", lab]);
    assert!(t.status.success() && !text(&t).contains("MISMATCH"), "{}", text(&t));
}
