//! IAM's policy evaluation, as the analyzer uses it. The evaluator itself lives in the model
//! (`model::iam`), below placement, which needs it for role trust policies; its items are here
//! under their usual paths.

pub use crate::model::iam::*;
