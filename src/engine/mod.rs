//! The pure engine: text and a registry in, findings out. No git, no files, no
//! environment, no printing; `tests/architecture.rs` keeps it so.

#![forbid(unsafe_code)]

pub mod codec;
pub mod compiled;
pub mod content;
pub mod date;
pub mod edit;
pub mod generic;
pub mod json;
pub mod matcher;
pub mod normalize;
pub mod registry;
pub mod render;
pub mod source;
pub mod timeline;
pub mod verdict;
