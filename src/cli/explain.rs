//! `ecsnet explain LAB|FILE FROM TO:PORT`: the hop-by-hop verdict and its reason, computed on
//! the model (no packets, no root needed for a file).

use super::{CliError, Exit, Outcome};
use crate::i18n::tr;
use crate::scenario::Outcome as Verdict;

pub fn run(target: &str, from: &str, to: &str, protocol: &str, via: Option<&str>, json: bool) -> Outcome {
    let lab = super::lab_or_file(target)?;
    let proto = super::parse_protocol(protocol)?;
    let via = super::parse_via(via)?;
    let src = crate::scenario::parse_node(from).map_err(CliError::Invalid)?.0;
    let dst = crate::scenario::parse_node(to).map_err(CliError::Invalid)?;
    super::check_node_names(&lab, &src)?;
    super::check_node_names(&lab, &dst.0)?;
    let a = crate::analyze::analyze(&lab, &src, &dst.0, dst.1, proto, via);
    if json {
        println!("{}", serde_json::to_string_pretty(&a).unwrap_or_default());
    } else {
        let head = tr!(
            "explain-header",
            "{ $from } -> { $to }/{ $protocol } in lab { $lab }",
            from = from,
            to = to,
            protocol = protocol,
            lab = lab.name
        );
        println!("{head}");
        print!("{}", crate::analyze::render_in(&a, crate::i18n::lang()));
    }
    Ok(if a.outcome == Some(Verdict::Connected) { Exit::Ok } else { Exit::Failed })
}
