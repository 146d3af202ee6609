//! What stops a valid scenario from becoming a lab: a name the model cannot find, or a pool
//! with no address left. (A task that cannot be placed is not an error: the lab records ECS's
//! placement failure for it, see `placement`.)

use crate::scenario::Loc;

/// A model error: something valid on paper that cannot be built (an exhausted pool).
#[derive(Debug, thiserror::Error)]
#[error("{loc}: error: {kind}")]
pub struct ModelError {
    pub loc: Loc,
    pub kind: ModelErrorKind,
}

/// Why the model could not be built, in the words `validate` shows.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModelErrorKind {
    #[error("unknown subnet `{0}`")]
    UnknownSubnet(String),
    #[error("unknown instance `{0}`")]
    UnknownInstance(String),
    #[error("unknown task definition `{0}`")]
    UnknownTaskDefinition(String),
    #[error("subnet `{0}` has no free address left")]
    SubnetFull(String),
    #[error("the public IP pool is exhausted")]
    PublicIpPoolExhausted,
}

impl ModelErrorKind {
    /// This error, at the place in the file that caused it.
    pub fn at(self, loc: &Loc) -> ModelError {
        ModelError { loc: loc.clone(), kind: self }
    }
}
