//! AWS's rules evaluated on the model, without packets: route table lookup (longest prefix,
//! the implicit local route), security groups (stateful, allow-only, per direction) and
//! network ACLs (stateless, by rule number, implicit deny). Each lives with its hop
//! (`route_table`, `security_group`, `network_acl`); this module keeps their old path and names
//! for code that evaluates the rules alone.

pub use super::network_acl::{AclDecision, nacl};
pub use super::route_table::{NextHop as Hop, lookup as route};
pub use super::security_group::sg_allows;
pub use super::walk::{Dir, L4};
