//! Endpoint references: `internet`, `internet/NAME`, `instance/NAME`, `instance/NAME@public`,
//! `task/NAME`, `task/NAME/CONTAINER`, `nat/NAME`, `metadata`, `A.B.C.D`, each optionally
//! followed by `:PORT`.

use super::types::Endpoint;
use super::walk::{name_ok, short, suggest};
use std::net::Ipv4Addr;

const FORMS: &str = "`internet`, `internet/NAME`, `instance/NAME`, `instance/NAME@public`, `task/NAME`, \
                     `task/NAME/CONTAINER`, `nat/NAME`, `metadata` or an IPv4 address, optionally followed by `:PORT`";

/// Container names as ECS allows them: `[A-Za-z0-9_-]`, 1-255.
pub(crate) fn container_name_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Parse one endpoint like `task/web:3000` into the endpoint and its port, if any.
pub fn parse_endpoint(s: &str) -> Result<(Endpoint, Option<u16>), String> {
    if s.is_empty() {
        return Err(format!("empty endpoint; expected {FORMS}"));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("endpoint `{}` contains blanks; expected {FORMS}", short(s)));
    }
    let (head, port) = match s.rsplit_once(':') {
        Some((h, p)) => {
            let ok = !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
            match p.parse::<u16>() {
                Ok(n) if ok && n > 0 => (h, Some(n)),
                _ => {
                    return Err(format!(
                        "invalid port `{}` in `{}`: a port is a number from 1 to 65535",
                        short(p),
                        short(s)
                    ));
                }
            }
        }
        None => (s, None),
    };
    let name = |kind: &str, n: &str| -> Result<String, String> {
        if name_ok(n, 40) {
            Ok(n.to_string())
        } else {
            Err(format!(
                "invalid {kind} name `{}` in `{}`: names use only lowercase letters, digits and '-' (1-40 characters)",
                short(n),
                short(s)
            ))
        }
    };
    let ep = match head.split_once('/') {
        None => match head {
            "internet" => Endpoint::Internet,
            "metadata" => Endpoint::Metadata,
            _ => match head.parse::<Ipv4Addr>() {
                Ok(ip) => Endpoint::Ip(ip),
                Err(_) => {
                    let hint = match suggest(head, &["internet", "metadata"]) {
                        Some(k) => format!(" (did you mean `{k}`?)"),
                        None if head.bytes().all(|b| b.is_ascii_digit() || b == b'.') => {
                            " (not a valid IPv4 address)".to_string()
                        }
                        None => String::new(),
                    };
                    return Err(format!("unknown endpoint `{}`{hint}; expected {FORMS}", short(s)));
                }
            },
        },
        Some((kind, rest)) => match kind {
            "internet" => Endpoint::InternetHost(name("internet host", rest)?),
            "nat" => Endpoint::Nat(name("NAT gateway", rest)?),
            "instance" => match rest.split_once('@') {
                None => Endpoint::Instance(name("instance", rest)?),
                Some((n, "public")) => Endpoint::InstancePublic(name("instance", n)?),
                Some((_, q)) => {
                    return Err(format!(
                        "unknown address `@{}` in `{}`: only `instance/NAME@public` is supported",
                        short(q),
                        short(s)
                    ));
                }
            },
            "task" => match rest.split_once('/') {
                None => Endpoint::Task(name("task", rest)?),
                Some((t, c)) => {
                    let t = name("task", t)?;
                    if !container_name_ok(c) {
                        return Err(format!(
                            "invalid container name `{}` in `{}`: container names use letters, digits, '-' and '_' (1-255 characters)",
                            short(c),
                            short(s)
                        ));
                    }
                    Endpoint::TaskContainer(t, c.to_string())
                }
            },
            _ => {
                let hint = match suggest(kind, &["internet", "instance", "task", "nat"]) {
                    Some(k) => format!(" (did you mean `{k}/...`?)"),
                    None => String::new(),
                };
                return Err(format!(
                    "unknown endpoint kind `{}` in `{}`{hint}; expected {FORMS}",
                    short(kind),
                    short(s)
                ));
            }
        },
    };
    Ok((ep, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let p = |s: &str| parse_endpoint(s).unwrap();
        assert_eq!(p("task/web:3000"), (Endpoint::Task("web".into()), Some(3000)));
        assert_eq!(p("instance/ecs-1@public:3000"), (Endpoint::InstancePublic("ecs-1".into()), Some(3000)));
        assert_eq!(p("instance/ecs-1"), (Endpoint::Instance("ecs-1".into()), None));
        assert_eq!(p("10.0.1.5:80"), (Endpoint::Ip(Ipv4Addr::new(10, 0, 1, 5)), Some(80)));
        assert_eq!(p("10.0.1.5"), (Endpoint::Ip(Ipv4Addr::new(10, 0, 1, 5)), None));
        assert_eq!(p("internet"), (Endpoint::Internet, None));
        assert_eq!(p("internet/api:443"), (Endpoint::InternetHost("api".into()), Some(443)));
        assert_eq!(p("metadata"), (Endpoint::Metadata, None));
        assert_eq!(p("metadata:80"), (Endpoint::Metadata, Some(80)));
        assert_eq!(p("nat/nat-a"), (Endpoint::Nat("nat-a".into()), None));
        assert_eq!(p("task/web/app:80"), (Endpoint::TaskContainer("web".into(), "app".into()), Some(80)));
        assert_eq!(p("task/web/DVA-EC_site"), (Endpoint::TaskContainer("web".into(), "DVA-EC_site".into()), None));
        // round trip through Display
        for s in [
            "internet",
            "internet/api",
            "instance/a",
            "instance/a@public",
            "task/t",
            "task/t/c",
            "nat/n",
            "metadata",
            "1.2.3.4",
        ] {
            assert_eq!(p(s).0.to_string(), s);
        }
    }

    #[test]
    fn endpoint_errors() {
        let e = |s: &str| parse_endpoint(s).unwrap_err();
        assert!(e("task/web:0").contains("invalid port"));
        assert!(e("task/web:70000").contains("invalid port"));
        assert!(e("task/web:").contains("invalid port"));
        assert!(e("task/web:abc").contains("invalid port"));
        assert!(e("tasks/web").contains("did you mean `task/...`"));
        assert!(e("internt").contains("did you mean `internet`"));
        assert!(e("instance/a@private").contains("only `instance/NAME@public`"));
        assert!(e("task/Web").contains("invalid task name"));
        assert!(e("task/web/a.b").contains("invalid container name"));
        assert!(e("10.0.0.300").contains("not a valid IPv4"));
        assert!(e("").contains("empty"));
        assert!(e("task/ web").contains("blanks"));
        assert!(e("task/").contains("invalid task name"));
        assert!(e("::::").contains("invalid port"));
    }
}
