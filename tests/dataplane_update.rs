//! Issue 17: a running lab taken from one plan to the next by their difference (a task added
//! at the end of `tasks:`, then removed again), checked with real packets. Labs named `dl...`.

mod common;
use common::*;
use ecsnet::model::Lab;
use ecsnet::plan::Plan;
use std::path::Path;
use std::time::{Duration, Instant};

/// Awsvpc tasks `names`, in that order, whose app is a real HTTP server on port 80 (c5.xlarge:
/// room for 3, one ENI is the instance's own).
fn scenario(lab: &str, names: &[&str]) -> String {
    let mut s = format!(
        r#"version: 1
name: {lab}
vpc:
  cidr: 10.42.0.0/16
  subnets:
    - {{ name: a, cidr: 10.42.1.0/24, availabilityZone: us-east-1a }}
  securityGroups:
    - name: web
      ingress:
        - {{ protocol: tcp, ports: 80, source: 10.42.0.0/16 }}
instances:
  - {{ name: ecs-1, subnet: a, securityGroups: [web], instanceType: c5.xlarge }}
taskDefinitions:
  - family: web
    networkMode: awsvpc
    containerDefinitions:
      - name: app
        image: python:3
        portMappings: [{{ containerPort: 80 }}]
        x-ecsnet: {{ command: [/usr/bin/python3, -m, http.server, "80", --bind, 0.0.0.0] }}
tasks:
"#
    );
    for t in names {
        s.push_str(&format!(
            "  - {{ name: {t}, taskDefinition: web, instance: ecs-1, networkConfiguration: {{ awsvpcConfiguration: {{ subnets: [a], securityGroups: [web] }} }} }}\n"
        ));
    }
    s
}

/// Served by the tasks' HTTP servers (they serve `/`), downloaded across an update.
const BIG_FILE: &str = "/usr/bin/python3.11";

fn lab_of(path: &Path) -> Lab {
    let s = ecsnet::scenario::load(path).unwrap_or_else(|d| panic!("{d}"));
    ecsnet::model::build(&s).unwrap_or_else(|e| panic!("{e}"))
}

fn task_ip(lab: &Lab, task: &str) -> String {
    let t = lab.tasks.iter().find(|t| t.name == task).expect("task");
    lab.enis[t.eni.expect("an ENI")].ip.to_string()
}

/// The HTTP status `from` gets from `ip:80` (curl inside the task), retried for up to `wait`
/// while the server starts.
fn http_status(lab: &str, from: &str, ip: &str, wait: Duration) -> String {
    let start = Instant::now();
    loop {
        let url = format!("http://{ip}/");
        let args = ["exec", lab, from, "--", "curl", "-s", "-m", "2", "-o", "/dev/null", "-w", "%{http_code}", &url];
        let out = ecsnet(&args);
        let code = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if code == "200" || start.elapsed() > wait {
            return code;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn update(lab: &Lab, old: &Plan, new: &Plan) -> Duration {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let start = Instant::now();
    let t = rt.block_on(ecsnet::dataplane::update(lab, old, new)).unwrap_or_else(|e| panic!("update: {e}"));
    let took = start.elapsed();
    eprintln!("update of {} took {took:?}: {:?}", lab.name, t.0);
    took
}

#[test]
fn a_task_added_then_removed_while_the_lab_runs() {
    need_root!();
    let lab = "dl-upd";
    let _g = LabGuard(lab.into());
    let two = write_scenario(lab, &scenario(lab, &["t1", "t2"]));
    let three = two.with_file_name(format!("{lab}-3.yaml"));
    std::fs::write(&three, scenario(lab, &["t1", "t2", "t3"])).expect("write");
    let swapped = two.with_file_name(format!("{lab}-swapped.yaml"));
    std::fs::write(&swapped, scenario(lab, &["t1", "t3"])).expect("write");
    let up = ecsnet(&["up", two.to_str().unwrap()]);
    assert!(up.status.success(), "up failed: {}", text(&up));
    let wait = Duration::from_secs(10);

    // The plan the lab runs is that of its saved model.
    let running = ecsnet::dataplane::state::load_lab(lab).expect("lab.json");
    let (lab2, lab3) = (lab_of(&two), lab_of(&three));
    let (p2, p3) = (ecsnet::plan::plan(&running), ecsnet::plan::plan(&lab3));
    assert_eq!(task_ip(&lab2, "t1"), task_ip(&lab3, "t1"), "file order keeps addresses");
    let (ip1, ip2, ip3) = (task_ip(&lab3, "t1"), task_ip(&lab3, "t2"), task_ip(&lab3, "t3"));
    assert_eq!(http_status(lab, "task/t1", &ip2, wait), "200", "before the update");

    // A download from t2 to t1 runs across the update, which swaps the router's rules: an
    // established connection keeps flowing.
    let size = std::fs::metadata(BIG_FILE).expect("a big file").len();
    let download = {
        let (lab, url) = (lab.to_string(), format!("http://{ip2}{BIG_FILE}"));
        std::thread::spawn(move || {
            let fmt = "%{http_code} %{size_download}";
            let args =
                ["exec", &lab, "task/t1", "--", "curl", "-sS", "--limit-rate", "2M", "-o", "/dev/null", "-w", fmt];
            ecsnet(&[&args[..], &[url.as_str()]].concat())
        })
    };
    std::thread::sleep(Duration::from_millis(700));
    let added = update(&lab3, &p2, &p3);
    let got = download.join().expect("download");
    assert!(got.status.success(), "{}", text(&got));
    assert_eq!(String::from_utf8_lossy(&got.stdout), format!("200 {size}"), "{}", text(&got));
    assert_eq!(http_status(lab, "task/t1", &ip3, wait), "200", "the new task answers");
    assert_eq!(http_status(lab, "task/t3", &ip1, wait), "200", "and reaches the old ones");
    assert_eq!(http_status(lab, "task/t2", &ip1, wait), "200", "the old tasks still answer");
    let router = &lab3.vpc.router_ns;
    let eni = &lab3.enis[lab3.tasks[2].eni.expect("ENI")].router_link;
    let rules = || sh(&format!("ip netns exec {router} nft list table inet ecsnet"));
    assert!(rules().contains(eni.as_str()), "the router's rules know the new ENI {eni}: {}", rules());
    let saved = ecsnet::dataplane::state::load_lab(lab).expect("lab.json");
    assert_eq!(saved.tasks.len(), 3, "the new model is the lab's");
    let t3_ns = format!("ecsnet.{lab}.t.t3");
    assert!(Path::new("/run/netns").join(&t3_ns).exists());
    let journal = ecsnet::dataplane::state::load_journal(lab).expect("journal");
    assert!(journal.namespaces.contains(&t3_ns), "{:?}", journal.namespaces);
    assert!(journal.processes.iter().any(|p| p.role == "pause task/t3"), "{:?}", journal.processes);

    let t3_procs: Vec<i32> = journal.processes.iter().filter(|p| p.role.contains("task/t3")).map(|p| p.pid).collect();
    assert_eq!(t3_procs.len(), 2, "{:?}", journal.processes);
    let removed = update(&lab2, &p3, &p2);
    for pid in t3_procs {
        assert!(!Path::new(&format!("/proc/{pid}")).exists(), "process {pid} of t3 still runs");
    }
    // Its containers' cgroups are gone, the others' stay.
    let cgroups = ecsnet::sys::cgroup::v2_root().map(|r| r.join("ecsnet.slice").join(lab));
    if let Some(dir) = cgroups.filter(|d| d.is_dir()) {
        let ids = ecsnet::dataplane::sandbox::container_ids;
        for id in ids(&lab3) {
            let kept = ids(&lab2).contains(&id);
            let exists = dir.join(&id).exists();
            assert!(!exists || kept, "cgroup {id} of t3 is left");
        }
    }
    assert!(!Path::new("/run/netns").join(&t3_ns).exists(), "the task's namespace is gone");
    assert!(!rules().contains(eni.as_str()), "{}", rules());
    let links = sh(&format!("ip -n {router} -o link show"));
    assert!(!links.contains(eni.as_str()), "the router keeps no link of the ENI {eni}: {links}");
    let routes = sh(&format!("ip -n {router} route show {ip3}"));
    assert!(routes.trim().is_empty(), "{routes}");
    assert_eq!(http_status(lab, "task/t1", &ip2, wait), "200", "the old tasks still answer");
    assert_eq!(http_status(lab, "task/t2", &ip1, wait), "200");
    assert_ne!(http_status(lab, "task/t1", &ip3, Duration::ZERO), "200", "nothing answers for the removed task");
    let journal = ecsnet::dataplane::state::load_journal(lab).expect("journal");
    assert!(!journal.namespaces.contains(&t3_ns));
    assert!(!journal.processes.iter().any(|p| p.role.contains("t3")), "{:?}", journal.processes);

    // A replacement: t2 stopped, t3 started in its stead, in one update. t3 takes over t2's
    // address (file order), so the router's route to it must go before t3's is made.
    let lab_s = lab_of(&swapped);
    assert_eq!(task_ip(&lab_s, "t3"), ip2, "the replacement has its predecessor's address");
    let replaced = update(&lab_s, &p2, &ecsnet::plan::plan(&lab_s));
    assert!(!Path::new("/run/netns").join(format!("ecsnet.{lab}.t.t2")).exists());
    assert!(Path::new("/run/netns").join(&t3_ns).exists());
    assert_eq!(http_status(lab, "task/t1", &ip2, wait), "200", "the replacement answers");
    assert_eq!(http_status(lab, "task/t3", &ip1, wait), "200", "the old task still answers");
    let routes = sh(&format!("ip -n {router} route show {ip2}"));
    let eni_s = &lab_s.enis[lab_s.tasks[1].eni.expect("ENI")].router_link;
    assert!(routes.contains(eni_s.as_str()), "the route goes to the replacement's ENI {eni_s}: {routes}");
    eprintln!(
        "one task added: {added:?}; one removed: {removed:?}; one replaced (one added, one removed): {replaced:?}"
    );

    let down = ecsnet(&["down", lab]);
    assert!(down.status.success(), "{}", text(&down));
    assert_eq!(leftovers(lab), Vec::<String>::new());
}
