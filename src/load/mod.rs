//! Loading the registry: [`discovery`] finds it, the [`cache`] keeps it compiled between
//! runs, and [`checker`] turns what was found into the engine's checker.

pub mod cache;
pub mod discovery;
