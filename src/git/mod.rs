//! Everything that reads git: opening repositories (quarantine included), config,
//! raw commit and tag objects, pack files and the commit-graph. No policy here: what
//! is read is handed to the engine by the commands.

pub mod commit_graph;
pub mod config;
pub mod diff;
pub mod objects;
pub mod pack;
pub mod repo;

pub use commit_graph::CommitGraph;
