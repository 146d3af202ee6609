//! A listener's rules, by priority: the first whose conditions all match gives the action,
//! else the default action. Path patterns are case-sensitive, host headers are not; `*`
//! matches any characters and `?` one (listener-rules.html, rule condition types).

use super::http::Request;
use crate::scenario::{Action, Condition, Listener};

/// The action a request gets (rules are kept sorted by priority).
pub fn evaluate<'a>(l: &'a Listener, req: &Request) -> &'a Action {
    l.rules
        .iter()
        .find(|r| r.conditions.iter().all(|c| matches(c, req)))
        .and_then(|r| r.actions.first())
        .or_else(|| l.default_actions.first())
        .unwrap_or(&NOT_FOUND)
}

/// Never reached for a validated listener (it has one default action).
static NOT_FOUND: Action =
    Action::FixedResponse { status_code: 404, content_type: String::new(), message_body: String::new() };

/// Whether a condition holds for the request.
pub fn matches(c: &Condition, req: &Request) -> bool {
    match c {
        Condition::PathPattern(v) => v.iter().any(|p| glob(p.as_bytes(), req.path().as_bytes())),
        Condition::HostHeader(v) => {
            let host = req.host().to_ascii_lowercase();
            v.iter().any(|p| glob(p.to_ascii_lowercase().as_bytes(), host.as_bytes()))
        }
    }
}

/// `*` and `?` wildcards, iteratively (no recursion on hostile input).
pub fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(glob(b"/api/*", b"/api/x"));
        assert!(glob(b"/api/*", b"/api/"));
        assert!(!glob(b"/api/*", b"/api"));
        assert!(glob(b"/img/*.png", b"/img/a/b.png"));
        assert!(glob(b"/?", b"/a"));
        assert!(!glob(b"/API/*", b"/api/x"));
        assert!(glob(b"*", b""));
    }
}
