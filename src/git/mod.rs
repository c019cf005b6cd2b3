//! Everything that reads git: opening repositories (quarantine included), config,
//! raw commit and tag objects (decoded as git decodes them, every text field they
//! publish), what else a push publishes, pack files and the commit-graph. No policy
//! here: what is read is handed to the engine by the commands.

pub mod commit_graph;
pub mod config;
pub mod diff;
pub mod encoding;
pub mod error;
pub mod invocation;
pub mod objects;
pub mod pack;
pub mod published;
pub mod pushed;
pub mod repo;

pub use commit_graph::CommitGraph;
