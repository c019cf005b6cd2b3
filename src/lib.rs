//! `embargo`: keeps mentions of embargoed security issues out of git history.
//!
//! A pure engine takes text and a registry and returns findings; thin edges around it
//! find the registry, read git, and print. Nothing in the engine imports an edge
//! (`tests/architecture.rs` checks it).
//!
//! # Module map
//!
//! * [`engine`] — the pure engine: no git, files, environment or printing.
//!   - [`engine::json`]: strict JSON reader that keeps every value's line and column;
//!   - [`engine::registry`]: the registry model, its issues, and validation of its JSON;
//!   - [`engine::normalize`]: Unicode folding, with a map back to the user's text;
//!   - [`engine::matcher`]: ids, aliases and terms (squeezed literal index), patterns;
//!   - [`engine::generic`]: the built-in generic security language;
//!   - [`engine::verdict`]: what is blocked on a given day; [`engine::verdict::Checker`];
//!   - [`engine::codec`], [`engine::compiled`]: the checker's compiled form, as bytes;
//!   - [`engine::date`]: `YYYY-MM-DD` days; [`engine::source`]: what a checked text is.
//!   - [`engine::content`]: what counts in the changes a commit makes (`policy.content`).
//! * [`load`] — from a registry somewhere to a checker: [`load::discovery`] finds it,
//!   [`load::cache`] keeps it compiled between runs ([`load::stamp`]: its `stat`),
//!   [`load::checker`] is the one way in.
//! * [`cleanup`] — git's own commit message cleanup.
//! * [`git`], [`objects`], [`walk`], [`pack`] — repositories, raw messages, one read of a
//!   history (from packs directly where it can); [`mapped`] maps files into memory.
//! * [`ci`] — what a CI job is about (provider, event, ranges).
//! * [`report`] — renders findings (human, json, sarif, github); [`progress`] shows a
//!   long scan's progress; [`audit`] appends the server's audit log.
//! * [`commands`] — the entry points; [`cli`] parses the command line.
//! * [`bounded`] — bounded reads of untrusted input.
//!
//! # Data path
//!
//! A text goes through the same modules whichever command reads it:
//!
//! message ([`commands`]: the hook's message file; [`objects`], [`walk`]: commits being
//! pushed or scanned) → cleanup ([`cleanup`]: the commit-msg hook's message, as git will
//! store it) → normalize ([`engine::normalize`]) → match ([`engine::matcher`],
//! [`engine::generic`]) → verdict ([`engine::verdict`]; `Checker::check` runs these three)
//! → report ([`report`]).

pub mod audit;
pub mod bounded;
pub mod ci;
pub mod cleanup;
pub mod cli;
pub mod commands;
pub mod engine;
pub mod git;
pub mod history;
pub mod load;
pub mod mapped;
pub mod progress;
pub mod report;
