//! Load balancers, listeners, rules and target groups; and the AWS services a workload uses
//! (buckets, repositories, log groups, secrets, parameters).

use super::refs::{self, Src, candidates};
use super::{Out, P, document, or, string};
use crate::import::resource::Value;

/// Translate a resource of this group; false when `s` is not one.
pub fn translate(s: &Src, out: &mut Out) -> bool {
    let a = s.inst.address.as_str();
    let (kind, p) = match s.inst.kind.as_str() {
        "aws_lb" | "aws_alb" => ("AWS::ElasticLoadBalancingV2::LoadBalancer", load_balancer(s)),
        "aws_lb_listener" | "aws_alb_listener" => ("AWS::ElasticLoadBalancingV2::Listener", listener(s)),
        "aws_lb_listener_rule" | "aws_alb_listener_rule" => ("AWS::ElasticLoadBalancingV2::ListenerRule", rule(s)),
        "aws_lb_target_group" | "aws_alb_target_group" => ("AWS::ElasticLoadBalancingV2::TargetGroup", target_group(s)),
        "aws_s3_bucket" => ("AWS::S3::Bucket", P::default().with("BucketName", s.scalar("bucket"))),
        "aws_s3_bucket_policy" => (
            "AWS::S3::BucketPolicy",
            P::default().with("Bucket", s.scalar("bucket")).with("PolicyDocument", document(s, "policy")),
        ),
        "aws_ecr_repository" => ("AWS::ECR::Repository", P::default().with("RepositoryName", s.scalar("name"))),
        "aws_cloudwatch_log_group" => (
            "AWS::Logs::LogGroup",
            P::default().with("LogGroupName", s.scalar("name")).with("RetentionInDays", s.scalar("retention_in_days")),
        ),
        "aws_secretsmanager_secret" => ("AWS::SecretsManager::Secret", P::default().with("Name", s.scalar("name"))),
        "aws_ssm_parameter" => (
            "AWS::SSM::Parameter",
            P::default()
                .with("Name", s.scalar("name"))
                .with("Type", s.scalar("type"))
                .with("Value", s.scalar("value").or_else(|| s.scalar("insecure_value"))),
        ),
        _ => return false,
    };
    out.add(a, kind, p, a);
    true
}

fn load_balancer(s: &Src) -> P {
    let internal = s.scalar("internal").and_then(|v| v.bool()).unwrap_or(false);
    let mappings: Vec<Value> = s
        .blocks("subnet_mapping")
        .iter()
        .map(|b| {
            P::default()
                .with("SubnetId", b.scalar("subnet_id"))
                .with("AllocationId", b.scalar("allocation_id"))
                .with("PrivateIPv4Address", b.scalar("private_ipv4_address"))
                .build()
        })
        .collect();
    P::default()
        .with("Name", s.scalar("name"))
        .with("Scheme", Some(string(if internal { "internal" } else { "internet-facing" })))
        // Terraform's default type.
        .with("Type", or(s.scalar("load_balancer_type"), string("application")))
        .with("Subnets", s.list("subnets").filter(|_| mappings.is_empty()))
        .with("SubnetMappings", Some(Value::List(mappings)))
        .with("SecurityGroups", s.list("security_groups"))
        .with("Tags", super::tags(s))
}

fn listener(s: &Src) -> P {
    let certs =
        s.scalar("certificate_arn").map(|c| Value::List(vec![P::default().with("CertificateArn", Some(c)).build()]));
    P::default()
        .with("LoadBalancerArn", s.scalar("load_balancer_arn"))
        .with("Port", s.scalar("port"))
        .with("Protocol", s.scalar("protocol"))
        .with("Certificates", certs)
        .with("SslPolicy", s.scalar("ssl_policy").filter(|_| secure(s)))
        .with("DefaultActions", Some(actions(s, "default_action")))
}

/// Whether a listener terminates TLS (HTTPS, TLS), the only ones with an SSL policy: AWS
/// computes none for the others, though the plan leaves it unknown.
fn secure(s: &Src) -> bool {
    !matches!(s.scalar("protocol"), Some(Value::String(p)) if matches!(p.as_str(), "HTTP" | "TCP" | "UDP" | "TCP_UDP"))
}

fn actions(s: &Src, key: &str) -> Value {
    let keys = configured_actions(s);
    Value::List(s.blocks(key).iter().enumerate().map(|(i, b)| action(b, keys.and_then(|k| k.get(i)))).collect())
}

/// The actions of a terraform-aws-modules/alb listener rule as the module call's `listeners`
/// constant says them: its rules are `for_each` over `"LISTENER/RULE"` keys and their actions are
/// `dynamic` blocks, absent from the configuration, so a target group unknown before apply is
/// found there by its `target_group_key`.
fn configured_actions<'a>(s: &Src<'a>) -> Option<&'a Vec<serde_json::Value>> {
    let key: String = serde_json::from_str(s.inst.index.strip_prefix('[')?.strip_suffix(']')?).ok()?;
    let (listener, rule) = key.split_once('/')?;
    let (_, call) = refs::call_of(s.doc, &s.inst.module)?;
    let listeners = call.pointer("/expressions/listeners/constant_value")?;
    listeners.get(listener)?.get("rules")?.get(rule)?.get("actions")?.as_array()
}

/// The module's target group of `target_group_key` in a configured action `c` at `path`, if
/// that key names exactly one target group of the module instance; noted.
fn keyed_group(b: &Src, c: Option<&serde_json::Value>, path: &str) -> Option<Value> {
    let key = c?.pointer(path)?.as_str()?;
    let index = format!("[{}]", serde_json::Value::String(key.to_string()));
    let found: Vec<_> = b
        .doc
        .insts
        .iter()
        .filter(|i| i.module == b.inst.module && i.kind == "aws_lb_target_group" && i.index == index)
        .collect();
    let [one] = found.as_slice() else { return None };
    let what =
        format!("a target group known after apply: the module call's listeners give its key, {key}: {}", one.address);
    candidates::note(b.doc, &b.inst.address, what);
    Some(refs::reference(one, "arn"))
}

/// The configured weighted target group of the same weight as the planned one `g`, when only
/// one has it: the provider keeps them in a set, whose order is not the configuration's.
fn same_weight(c: Option<&serde_json::Value>, g: &Src) -> Option<usize> {
    let want = g.raw("weight")?;
    let groups = c?.pointer("/weighted_forward/target_groups")?.as_array()?;
    let same: Vec<usize> =
        (0..groups.len()).filter(|&j| groups.get(j).and_then(|x| x.get("weight")) == Some(want)).collect();
    match same.as_slice() {
        [j] => Some(*j),
        _ => None,
    }
}

fn action(b: &Src, c: Option<&serde_json::Value>) -> Value {
    let sub = |key: &str, fields: &[(&str, &str)]| {
        b.blocks(key)
            .first()
            .map(|x| fields.iter().fold(P::default(), |p, (cfn, tf)| p.with(cfn, x.scalar(tf))).build())
    };
    let forward = b.blocks("forward").first().map(|f| {
        let groups: Vec<Value> = f
            .blocks("target_group")
            .iter()
            .map(|g| {
                let path = same_weight(c, g).map(|j| format!("/weighted_forward/target_groups/{j}/target_group_key"));
                let arn = g.scalar("arn").filter(|v| !matches!(v, Value::Unknown { .. }));
                let arn = arn.or_else(|| keyed_group(b, c, &path?)).or_else(|| g.scalar("arn"));
                P::default().with("TargetGroupArn", arn).with("Weight", g.scalar("weight")).build()
            })
            .collect();
        let sticky = f.blocks("stickiness").first().map(|st| {
            P::default().with("Enabled", st.scalar("enabled")).with("DurationSeconds", st.scalar("duration")).build()
        });
        P::default().with("TargetGroups", Some(Value::List(groups))).with("TargetGroupStickinessConfig", sticky).build()
    });
    P::default()
        .with("Type", b.scalar("type"))
        .with("Order", b.scalar("order"))
        .with(
            "TargetGroupArn",
            b.scalar("target_group_arn")
                .filter(|v| !matches!(v, Value::Unknown { .. }))
                .or_else(|| keyed_group(b, c, "/forward/target_group_key"))
                .or_else(|| b.scalar("target_group_arn")),
        )
        .with("ForwardConfig", forward)
        .with(
            "RedirectConfig",
            sub(
                "redirect",
                &[
                    ("Protocol", "protocol"),
                    ("Port", "port"),
                    ("Host", "host"),
                    ("Path", "path"),
                    ("Query", "query"),
                    ("StatusCode", "status_code"),
                ],
            ),
        )
        .with(
            "FixedResponseConfig",
            sub(
                "fixed_response",
                &[("StatusCode", "status_code"), ("ContentType", "content_type"), ("MessageBody", "message_body")],
            ),
        )
        .build()
}

/// Terraform's condition blocks -> CloudFormation's `{Field, <Field>Config}`.
const CONDITIONS: &[(&str, &str, &str)] = &[
    ("path_pattern", "path-pattern", "PathPatternConfig"),
    ("host_header", "host-header", "HostHeaderConfig"),
    ("http_request_method", "http-request-method", "HttpRequestMethodConfig"),
    ("source_ip", "source-ip", "SourceIpConfig"),
];

fn rule(s: &Src) -> P {
    let mut conditions = vec![];
    for c in s.blocks("condition") {
        for (tf, field, config) in CONDITIONS {
            for b in c.blocks(tf) {
                let values = P::default().with("Values", b.list("values")).build();
                conditions.push(P::default().with("Field", Some(string(field))).with(config, Some(values)).build());
            }
        }
        for b in c.blocks("http_header") {
            let cfg =
                P::default().with("HttpHeaderName", b.scalar("http_header_name")).with("Values", b.list("values"));
            let p = P::default().with("Field", Some(string("http-header"))).with("HttpHeaderConfig", Some(cfg.build()));
            conditions.push(p.build());
        }
        let pairs: Vec<Value> = c
            .blocks("query_string")
            .iter()
            .map(|q| P::default().with("Key", q.scalar("key")).with("Value", q.scalar("value")).build())
            .collect();
        if !pairs.is_empty() {
            let cfg = P::default().with("Values", Some(Value::List(pairs))).build();
            conditions.push(
                P::default().with("Field", Some(string("query-string"))).with("QueryStringConfig", Some(cfg)).build(),
            );
        }
    }
    P::default()
        .with("ListenerArn", s.scalar("listener_arn"))
        .with("Priority", s.scalar("priority"))
        .with("Conditions", Some(Value::List(conditions)))
        .with("Actions", Some(actions(s, "action")))
}

fn target_group(s: &Src) -> P {
    let mut p = P::default()
        .with("Name", s.scalar("name"))
        .with("Port", s.scalar("port"))
        .with("Protocol", s.scalar("protocol"))
        // Terraform's default target type.
        .with("TargetType", or(s.scalar("target_type"), string("instance")))
        .with("VpcId", s.scalar("vpc_id"));
    if let Some(h) = s.blocks("health_check").first() {
        let matcher = h.scalar("matcher").map(|m| P::default().with("HttpCode", Some(m)).build());
        p = p
            .with("HealthCheckEnabled", h.scalar("enabled"))
            .with("HealthCheckPath", h.scalar("path"))
            .with("HealthCheckPort", h.scalar("port"))
            .with("HealthCheckProtocol", h.scalar("protocol"))
            .with("HealthCheckIntervalSeconds", h.scalar("interval"))
            .with("HealthCheckTimeoutSeconds", h.scalar("timeout"))
            .with("HealthyThresholdCount", h.scalar("healthy_threshold"))
            .with("UnhealthyThresholdCount", h.scalar("unhealthy_threshold"))
            .with("Matcher", matcher);
    }
    p.with("Tags", super::tags(s))
}
