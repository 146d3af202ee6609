//! What the metadata service answers, as a pure function of the request, the instance it comes
//! from and the session tokens issued so far.

use super::{ImdsConfig, ImdsInstance};
use crate::model::ACCOUNT;
use crate::services::task_metadata::TmdsCredentials;
use crate::services::task_metadata::credentials::fake_credentials;
use crate::sys::time::rfc3339;
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// The longest session a token can have (EC2: six hours).
pub const MAX_TOKEN_TTL: u64 = 21600;
/// Tokens kept at most; the oldest expired ones go first.
const MAX_TOKENS: usize = 10_000;

/// The API versions the service lists at `/` (and answers like `latest`).
const VERSIONS: &[&str] = &[
    "1.0",
    "2007-01-19",
    "2007-03-01",
    "2007-08-29",
    "2007-10-10",
    "2007-12-15",
    "2008-02-01",
    "2008-09-01",
    "2009-04-04",
    "2011-01-01",
    "2011-05-01",
    "2012-01-12",
    "2014-02-25",
    "2014-11-05",
    "2015-10-20",
    "2016-04-19",
    "2016-06-30",
    "2016-09-02",
    "2018-03-28",
    "2018-08-17",
    "2018-09-24",
    "2019-10-01",
    "2020-10-27",
    "2021-01-03",
    "2021-03-23",
    "2021-07-15",
    "2022-09-24",
    "latest",
];

/// A request, as the routes see it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub method: String,
    /// The path, without the query.
    pub path: String,
    pub peer: Option<Ipv4Addr>,
    /// `X-aws-ec2-metadata-token`.
    pub token: Option<String>,
    /// `X-aws-ec2-metadata-token-ttl-seconds`.
    pub token_ttl: Option<String>,
    /// Whether `X-Forwarded-For` was sent (EC2 refuses a token to a proxied request).
    pub forwarded: bool,
}

/// An answer: status, body, and what goes with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    /// `X-Aws-Ec2-Metadata-Token-Ttl-Seconds`: a new token's, or the seconds left of the one used.
    pub token_ttl: Option<u64>,
    /// The IP TTL the answer leaves with (the token's PUT response: the hop limit).
    pub ip_ttl: Option<u8>,
}

impl Answer {
    fn text(body: String) -> Answer {
        Answer { status: 200, content_type: "text/plain", body, token_ttl: None, ip_ttl: None }
    }

    /// EC2's HTML error page for `status`.
    pub fn error(status: u16) -> Answer {
        let title = match status {
            400 => "400 - Bad Request",
            401 => "401 - Unauthorized",
            403 => "403 - Forbidden",
            405 => "405 - Method Not Allowed",
            _ => "404 - Not Found",
        };
        let body = if status == 404 {
            format!(
                "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n\t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n <head>\n  <title>{title}</title>\n </head>\n <body>\n  <h1>{title}</h1>\n </body>\n</html>\n"
            )
        } else {
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n   <head>\n      <title>{title}</title>\n   </head>\n   <body>\n      <h1>{title}</h1>\n   </body>\n</html>\n"
            )
        };
        Answer { status, content_type: "text/html", body, token_ttl: None, ip_ttl: None }
    }
}

/// The session tokens issued: value -> (expiry, instance).
#[derive(Debug, Default)]
pub struct Tokens {
    issued: HashMap<String, (u64, usize)>,
}

impl Tokens {
    fn issue(&mut self, value: String, instance: usize, expires: u64, now: u64) {
        if self.issued.len() >= MAX_TOKENS {
            self.issued.retain(|_, (exp, _)| *exp > now);
        }
        if self.issued.len() < MAX_TOKENS {
            self.issued.insert(value, (expires, instance));
        }
    }

    /// Seconds left of a token of `instance`, if it is one and has not expired.
    fn left(&self, value: &str, instance: usize, now: u64) -> Option<u64> {
        self.issued.get(value).filter(|(exp, i)| *i == instance && *exp > now).map(|(exp, _)| exp - now)
    }
}

/// The answer to `req`; `mint` makes a new token's value.
pub fn answer(
    cfg: &ImdsConfig,
    lab: &str,
    tokens: &mut Tokens,
    req: &Request,
    now: u64,
    mint: &mut dyn FnMut() -> String,
) -> Answer {
    let Some((ii, inst)) =
        cfg.instances.iter().enumerate().find(|(_, i)| req.peer.is_some_and(|p| i.sources.contains(&p)))
    else {
        return Answer::error(403);
    };
    let segs: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
    if segs == ["latest", "api", "token"] {
        return token(inst, ii, tokens, req, now, mint);
    }
    if !matches!(req.method.as_str(), "GET" | "HEAD") {
        return Answer::error(405);
    }
    let left = match &req.token {
        Some(t) => match tokens.left(t, ii, now) {
            Some(left) => Some(left),
            None => return Answer::error(401),
        },
        None if inst.tokens_required => return Answer::error(401),
        None => None,
    };
    let mut a = route(cfg, lab, inst, &segs, now);
    if a.status == 200 {
        a.token_ttl = left;
    }
    a
}

/// PUT /latest/api/token: a session token for the instance, sent back with its hop limit.
fn token(
    inst: &ImdsInstance,
    ii: usize,
    tokens: &mut Tokens,
    req: &Request,
    now: u64,
    mint: &mut dyn FnMut() -> String,
) -> Answer {
    if req.method != "PUT" {
        return Answer::error(405);
    }
    if req.forwarded {
        return Answer::error(403);
    }
    let ttl = req.token_ttl.as_deref().and_then(|t| t.trim().parse::<u64>().ok());
    let Some(ttl) = ttl.filter(|t| (1..=MAX_TOKEN_TTL).contains(t)) else {
        return Answer::error(400);
    };
    let value = mint();
    tokens.issue(value.clone(), ii, now + ttl, now);
    Answer { token_ttl: Some(ttl), ip_ttl: Some(inst.hop_limit), ..Answer::text(value) }
}

fn route(cfg: &ImdsConfig, lab: &str, inst: &ImdsInstance, segs: &[&str], now: u64) -> Answer {
    let Some((version, rest)) = segs.split_first() else {
        return Answer::text(VERSIONS.join("\n"));
    };
    if !VERSIONS.contains(version) {
        return Answer::error(404);
    }
    match rest {
        [] => Answer::text("dynamic\nmeta-data".into()),
        ["meta-data", path @ ..] => meta_data(cfg, lab, inst, &path.join("/"), now),
        ["dynamic"] => Answer::text("instance-identity/".into()),
        ["dynamic", "instance-identity"] => Answer::text("document".into()),
        ["dynamic", "instance-identity", "document"] => Answer::text(inst.identity.clone()),
        _ => Answer::error(404),
    }
}

/// A `meta-data/` path: a value, a directory's listing, or the role's documents.
fn meta_data(cfg: &ImdsConfig, lab: &str, inst: &ImdsInstance, path: &str, now: u64) -> Answer {
    let role = &inst.role;
    if path == "iam/info" {
        return Answer::text(ec2_json(&[
            ("Code", Some("Success".into())),
            ("LastUpdated", Some(rfc3339(last_rotated(cfg, now)))),
            ("InstanceProfileArn", Some(format!("arn:aws:iam::{ACCOUNT}:instance-profile/{role}"))),
            ("InstanceProfileId", Some(format!("AIPA{}", id_chars(lab, &inst.node, 17)))),
        ]));
    }
    if path == format!("iam/security-credentials/{role}") {
        let id = TmdsCredentials {
            id: format!("imds/{}", inst.node),
            role_arn: format!("arn:aws:iam::{ACCOUNT}:role/{role}"),
        };
        let c = fake_credentials(lab, &id, last_rotated(cfg, now));
        return Answer::text(ec2_json(&[
            ("Code", Some("Success".into())),
            ("LastUpdated", Some(rfc3339(last_rotated(cfg, now)))),
            ("Type", Some("AWS-HMAC".into())),
            ("AccessKeyId", Some(c.access_key_id)),
            ("SecretAccessKey", Some(c.secret_access_key)),
            ("Token", Some(c.token)),
            ("Expiration", Some(c.expiration)),
        ]));
    }
    if let Some(v) = inst.meta.get(path) {
        return Answer::text(v.clone());
    }
    let prefix = if path.is_empty() { String::new() } else { format!("{path}/") };
    let mut children: Vec<String> = vec![];
    for k in inst.meta.keys().filter_map(|k| k.strip_prefix(&prefix)) {
        let child = match k.split_once('/') {
            Some((dir, _)) => format!("{dir}/"),
            None => k.to_string(),
        };
        if children.last() != Some(&child) {
            children.push(child);
        }
    }
    if children.is_empty() { Answer::error(404) } else { Answer::text(children.join("\n")) }
}

/// When the instance role's credentials were last rotated: on the hour, not before launch.
fn last_rotated(cfg: &ImdsConfig, now: u64) -> u64 {
    (now - now % 3600).max(cfg.launched_unix)
}

/// Upper-case letters and digits for an IAM unique id, stable per lab and instance.
fn id_chars(lab: &str, node: &str, n: usize) -> String {
    crate::model::ids::hex(&[lab, "instance-profile", node], n).to_ascii_uppercase()
}

/// A flat JSON object as EC2's metadata prints it: two-space indent, ` : ` between key and
/// value, `null` for a missing value.
pub fn ec2_json(fields: &[(&str, Option<String>)]) -> String {
    let lines: Vec<String> = fields
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Some(s) => serde_json::Value::String(s.clone()).to_string(),
                None => "null".into(),
            };
            format!("  \"{k}\" : {v}")
        })
        .collect();
    format!("{{\n{}\n}}", lines.join(",\n"))
}
