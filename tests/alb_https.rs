//! HTTPS listeners and what is judged through an ALB, on real packets (root; labs `tls-…`):
//! a client on the lab's internet speaks HTTPS to the ALB's DNS name and verifies the node's
//! certificate against the lab CA (curl, never `-k`), HTTP is redirected to HTTPS, the task
//! sees `X-Forwarded-Proto: https` (scenario 26).

mod common;
use common::*;
use serde_json::Value;
use std::process::Command;

/// `ecsnet exec LAB NODE -- ARGS...`: (exit code, stdout).
fn exec(lab: &str, node: &str, args: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(bin()).args(["exec", lab, node, "--"]).args(args).output().expect("exec");
    (o.status.code(), String::from_utf8_lossy(&o.stdout).to_string())
}

fn curl(lab: &str, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["curl", "--noproxy", "*", "-s", "-m", "5"];
    all.extend_from_slice(args);
    exec(lab, "internet", &all)
}

#[test]
fn https_from_the_internet_verifies_the_lab_ca_and_http_redirects_there() {
    need_root!();
    let lab = "tls-h1";
    let _g = up_copy("scenarios/26-fargate-service-alb.yaml", lab);
    let model = lab_json(lab);
    let name = model["load_balancers"][0]["dns_name"].as_str().unwrap().to_string();

    // HTTPS to the DNS name: curl verifies the chain (the lab CA, in the bundle the internet
    // host's sandbox sees) and the name.
    let (code, out) = curl(lab, &[&format!("https://{name}/orders?x=1")]);
    assert_eq!(code, Some(0), "curl https: {out}");
    let id: Value = serde_json::from_str(out.trim()).expect("the task's identity");
    assert!(id["task"].as_str().unwrap_or("").starts_with("api-"), "{id}");
    assert_eq!(id["forwarded"]["x-forwarded-proto"], "https", "{id}");
    assert_eq!(id["forwarded"]["x-forwarded-port"], "443", "{id}");
    assert_eq!(id["forwarded"]["x-forwarded-for"], "203.0.113.10", "{id}");

    // The certificate is for the DNS name only: by address, curl refuses it (exit 60:
    // "SSL certificate problem" / no alternative name matches).
    let public = model["enis"].as_array().unwrap().iter().find_map(|e| {
        e["public_ip"].as_str().filter(|_| e["owner"].to_string().contains("LoadBalancer")).map(str::to_string)
    });
    if let Some(ip) = public {
        let (code, _) = curl(lab, &[&format!("https://{ip}/")]);
        assert_eq!(code, Some(60), "a certificate not for the address must be refused");
    }

    // HTTP on 80 answers 301 to the same URL over HTTPS, without :443.
    let (code, out) =
        curl(lab, &["-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", &format!("http://{name}/a/b?q=1")]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(out.trim(), format!("301 https://{name}/a/b?q=1"));

    // Following it ends at a task, over verified HTTPS.
    let (code, out) = curl(lab, &["-L", &format!("http://{name}/")]);
    assert_eq!(code, Some(0), "curl -L: {out}");
    let id: Value = serde_json::from_str(out.trim()).expect("identity after the redirect");
    assert_eq!(id["forwarded"]["x-forwarded-proto"], "https", "{id}");

    // Plain HTTP to the HTTPS port gets no HTTP answer.
    let (code, _) = curl(lab, &[&format!("http://{name}:443/")]);
    assert_ne!(code, Some(0), "plain HTTP to an HTTPS listener");

    // The scenario's own expectations (the https probe included) pass on packets.
    let o = ecsnet(&["check", lab]);
    assert!(o.status.success(), "check: {}", text(&o));
}

/// Scenario 24's ALB (HTTP, two awsvpc web tasks in two zones) with checks of its own: six
/// requests spread over both web tasks, and the web tasks reachable from the internet only
/// through the ALB (their own addresses are private and admit only the ALB's group).
#[test]
fn requests_spread_over_two_tasks_and_the_tasks_are_reached_only_through_the_alb() {
    need_root!();
    let lab = "tls-h2";
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("scenarios/24-alb-awsvpc.yaml")).unwrap();
    let head = text.split("\nexpect:").next().unwrap().replacen("\nname: alb\n", &format!("\nname: {lab}\n"), 1);
    let body = format!(
        "{head}\nexpect:\n\
         \x20 - {{ from: internet, to: alb/web:80, reachable: true, http: {{ path: / }}, requests: 6, servedBy: [task/web-a, task/web-c] }}\n\
         \x20 - never: {{ from: internet, to: \"task/web-*\", onlyThrough: alb/web }}\n\
         \x20 - {{ targetHealth: {{ targetGroup: web, target: task/web-a, state: healthy }} }}\n"
    );
    let file = write_scenario(lab, &body);
    let _ = ecsnet(&["down", lab]);
    let _g = LabGuard(lab.to_string());
    let o = ecsnet(&["test", file.to_str().unwrap(), "--name", lab]);
    let t = text_of(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("6 requests answered by task/web-a, task/web-c"), "{t}");
    assert!(t.contains("reached through alb/web"), "{t}");
}

fn text_of(o: &std::process::Output) -> String {
    text(o)
}
