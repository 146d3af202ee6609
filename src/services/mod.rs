//! Processes that ecsnet runs inside a lab: the per-lab agent that hosts every built-in responder
//! (`ecsnet __agent CONFIG`), and the pause holder that keeps a task's namespace occupied the way
//! ECS's pause container does (`ecsnet __pause NETNS`). Both entry points run before any tokio
//! runtime or extra thread exists (RUST-NOTES §5).

pub mod agent;
pub mod holder;
pub mod responder;
pub mod sock;
pub mod tmds;

pub use agent::{AgentConfig, AgentError, BindError, ListenerSpec, agent_main, serve};
pub use holder::pause_main;
pub use responder::Identity;
pub use sock::raise_nofile_limit;
