//! An instance's metadata options (`metadataOptions:`), as EC2's RunInstances takes them, with
//! EC2's defaults for an instance launched without them: IMDSv1 and v2 both answer, and the
//! token's PUT response crosses one hop.

use super::fields::{Shape, Table, def};
use super::walk::*;
use serde::{Deserialize, Serialize};

/// The instance metadata service's options for one instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataOptions {
    /// `httpTokens: required`: IMDSv2 only (a request without a token gets 401).
    pub tokens_required: bool,
    /// `httpPutResponseHopLimit`: the IP TTL of the token's PUT response.
    pub hop_limit: u8,
}

impl Default for MetadataOptions {
    fn default() -> Self {
        MetadataOptions { tokens_required: false, hop_limit: 1 }
    }
}

const TOKENS: &[&str] = &["optional", "required"];

pub(crate) static TABLE: Table = Table {
    id: "metadataOptions",
    doc: "The instance metadata service's options, as in EC2's RunInstances.",
    strict: true,
    rules: &[],
    fields: &[
        def(
            "httpTokens",
            Shape::Enum(TOKENS),
            "\"optional\"",
            "`required`: IMDSv2 only, a request without a session token gets 401; `optional`: v1 and v2.",
        ),
        def(
            "httpPutResponseHopLimit",
            Shape::Int { min: 1, max: 64 },
            "1",
            "IP TTL of the token's PUT response: 1 reaches the instance and its awsvpc tasks, 2 also bridge containers.",
        ),
    ],
};

/// `metadataOptions:` of an instance; None when invalid (reported).
pub(crate) fn parse(cx: &mut Reader, v: &Value<'_>) -> Option<MetadataOptions> {
    let m = cx.map(v, "metadata options")?;
    let m = Block { what: "metadataOptions".to_string(), ..m };
    m.strict(cx, &TABLE);
    let mut o = MetadataOptions::default();
    let mut ok = true;
    if let Some(t) = m.get("httpTokens") {
        match cx.choice(&t, TOKENS) {
            Some(t) => o.tokens_required = t.value == "required",
            None => ok = false,
        }
    }
    if let Some(h) = m.get("httpPutResponseHopLimit") {
        match cx.uint(&h, 1, 64) {
            Some(h) => o.hop_limit = u8::try_from(h.value).unwrap_or(1),
            None => ok = false,
        }
    }
    ok.then_some(o)
}
