//! A listener's rules, as the model evaluates them (the analyzer asks the same function).

use super::http::Request;
use crate::scenario::{Action, Listener};

/// The action a request gets.
pub fn evaluate<'a>(l: &'a Listener, req: &Request) -> &'a Action {
    crate::model::load_balancer::action_for(l, req.path(), req.host()).unwrap_or(&NOT_FOUND)
}

/// Never reached for a validated listener (it has one default action).
static NOT_FOUND: Action =
    Action::FixedResponse { status_code: 404, content_type: String::new(), message_body: String::new() };
