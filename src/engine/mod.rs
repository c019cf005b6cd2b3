//! The pure engine: text and a registry in, findings out. No git, no files, no
//! environment, no printing; `tests/architecture.rs` keeps it so.

pub mod generic;
pub mod json;
pub mod matcher;
pub mod normalize;
pub mod registry;
pub mod verdict;
