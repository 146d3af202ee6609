//! `http:` on a reachability check: the path to GET and what the answer must be, as a load
//! balancer's health check has it (a path and a status code), and a text the body must hold.

use super::super::fields::{Shape, Table, def, opt};
use super::super::located::Located;
use super::super::walk::*;
use super::ProbeProto;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};

/// What an HTTP answer must be; the path lives in `Reach::path`, where `path:` beside `http`
/// puts it too.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpCheck {
    /// The status code the answer must have.
    pub status: Option<u16>,
    /// A text the body must contain (case-sensitive).
    pub body_contains: Option<String>,
    /// `scheme: https`: the GET goes over TLS, the certificate verified against the lab CA
    /// for the destination's name (a load balancer's DNS name, else its address).
    #[serde(default)]
    pub https: bool,
}

/// A path to GET: `/`, then no blanks.
pub(super) const PATH: Shape = Shape::Pattern("^/[^\\s]*$");

pub(crate) static HTTP: Table = Table {
    id: "httpCheck",
    doc: "What an HTTP GET must get back.",
    strict: true,
    rules: &[],
    fields: &[
        def("path", PATH, "\"/\"", "The path to GET (the same as `path` beside `http`)."),
        opt("status", Shape::Int { min: 100, max: 599 }, "The status code the answer must have (e.g. 200, 404)."),
        opt("bodyContains", Shape::Text, "A text the answer's body must contain (case-sensitive)."),
        def(
            "scheme",
            Shape::Enum(&["http", "https"]),
            "\"http\"",
            "`https`: the GET goes over TLS, verifying the certificate against the lab CA.",
        ),
    ],
};

/// `http:`, and the path it names. It makes the probe an HTTP GET: any other `protocol` is a
/// contradiction.
pub(super) fn parse(
    cx: &mut Reader,
    v: &Value<'_>,
    protocol: ProbeProto,
    ok: &mut bool,
) -> Option<(Located<HttpCheck>, Option<Located<String>>)> {
    let parsed = block(cx, v);
    *ok &= parsed.is_some();
    let (check, path) = parsed?;
    if protocol != ProbeProto::Http {
        cx.err(
            &check.loc,
            tr!(
                "expect-http-protocol",
                "`http` checks the answer to an HTTP GET, but `protocol` is { $protocol }",
                protocol = protocol
            ),
            tr!("expect-http-protocol-help", "write `protocol: http`, or leave `protocol` out: `http` implies it"),
        );
        *ok = false;
        return None;
    }
    Some((check, path))
}

fn block(cx: &mut Reader, v: &Value<'_>) -> Option<(Located<HttpCheck>, Option<Located<String>>)> {
    let m = cx.map(v, "what an HTTP GET must get back")?;
    let m = Block { what: "`http`".to_string(), ..m };
    m.strict(cx, &HTTP);
    let mut ok = true;
    let path = match m.get("path") {
        Some(p) => {
            let s = cx.string(&p);
            ok &= s.is_some();
            s
        }
        None => None,
    };
    let status = match m.get("status") {
        Some(s) => {
            let n = cx.uint(&s, 100, 599);
            ok &= n.is_some();
            n.map(|n| n.value as u16)
        }
        None => None,
    };
    let body_contains = match m.get("bodyContains") {
        Some(b) => {
            let s = cx.nonempty(&b);
            ok &= s.is_some();
            s.map(|s| s.value)
        }
        None => None,
    };
    let https = match m.get("scheme") {
        Some(v) => {
            let c = cx.choice(&v, &["http", "https"]);
            ok &= c.is_some();
            c.is_some_and(|c| c.value == "https")
        }
        None => false,
    };
    ok.then(|| (Located::new(HttpCheck { status, body_contains, https }, m.loc.clone()), path))
}
