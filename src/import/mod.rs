//! Import: infrastructure code people already have (a CloudFormation template, a Terraform
//! plan or state in `terraform show -json` form) turned into a scenario file.
//!
//! Two readers and one writer, so that what a resource becomes in a lab is decided once:
//! - `cloudformation`: a template (JSON or YAML, short-form tags) with its parameters,
//!   conditions, mappings and intrinsic functions resolved;
//! - `terraform`: the `aws_*` resources of a plan or state, translated to the CloudFormation
//!   type and properties they create (`aws_security_group` -> `AWS::EC2::SecurityGroup`);
//! - `write`: those resources -> a scenario (YAML text, each block with a comment naming the
//!   resource it came from), and everything it could not carry over, listed.
//!
//! Pure: text in, text out. The CLI reads the files and writes the result.

pub mod account;
pub mod cloudformation;
pub mod names;
pub mod resource;
pub mod terraform;
pub mod write;
pub mod yaml;
