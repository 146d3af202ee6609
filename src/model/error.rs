//! What stops a valid scenario from becoming a lab: a name the model cannot find, or a pool
//! with no address left. (A task that cannot be placed is not an error: the lab records ECS's
//! placement failure for it, see `placement`.)

use crate::i18n::tr;
use crate::scenario::Loc;

/// A model error: something valid on paper that cannot be built (an exhausted pool).
#[derive(Debug, thiserror::Error)]
#[error("{loc}: error: {kind}")]
pub struct ModelError {
    pub loc: Loc,
    pub kind: ModelErrorKind,
}

/// Why the model could not be built, in the words `validate` shows (in the user's language).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelErrorKind {
    UnknownSubnet(String),
    UnknownInstance(String),
    UnknownTaskDefinition(String),
    SubnetFull(String),
    PublicIpPoolExhausted,
    /// An instance profile's declared role whose trust policy does not admit EC2.
    RoleNotTrustedByEc2(String),
}

impl std::fmt::Display for ModelErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            ModelErrorKind::UnknownSubnet(n) => tr!("model-unknown-subnet", "unknown subnet `{ $name }`", name = n),
            ModelErrorKind::UnknownInstance(n) => {
                tr!("model-unknown-instance", "unknown instance `{ $name }`", name = n)
            }
            ModelErrorKind::UnknownTaskDefinition(n) => {
                tr!("model-unknown-task-definition", "unknown task definition `{ $name }`", name = n)
            }
            ModelErrorKind::SubnetFull(n) => {
                tr!("model-subnet-full", "subnet `{ $name }` has no free address left", name = n)
            }
            ModelErrorKind::PublicIpPoolExhausted => tr!("model-pool-exhausted", "the public IP pool is exhausted"),
            ModelErrorKind::RoleNotTrustedByEc2(n) => tr!(
                "model-role-not-trusted-by-ec2",
                "the trust policy of role `{ $name }` does not let ec2.amazonaws.com assume it (sts:AssumeRole): on AWS this instance would get no credentials from its instance profile, and its ECS agent could not register. Name ec2.amazonaws.com as a Service principal in its assumeRolePolicyDocument",
                name = n
            ),
        };
        f.write_str(&s)
    }
}

impl std::error::Error for ModelErrorKind {}

impl ModelErrorKind {
    /// This error, at the place in the file that caused it.
    pub fn at(self, loc: &Loc) -> ModelError {
        ModelError { loc: loc.clone(), kind: self }
    }
}
