//! `embargo`: keeps mentions of embargoed security issues out of git history.
//!
//! The crate is layered so the policy can be read without the plumbing:
//!
//! * the **core** is pure — no git, no CLI, no printing. It takes text and returns findings:
//!   [`registry`] (model and validation, over the spanned reader in [`json`]),
//!   [`normalize`] (Unicode folding with a map back to the user's text),
//!   [`matcher`] (ids, aliases, terms and patterns compiled once),
//!   [`generic`] (built-in generic security language) and [`verdict`] (what is blocked today);
//! * the **edges** wrap it: [`discovery`] finds the registry and [`cache`] keeps it
//!   compiled between runs; [`git`] and [`objects`] read repositories and raw messages,
//!   decoded as git decodes them ([`encoding`]); [`published`] lists all the text a
//!   commit or tag publishes and [`pushed`] the rest of what a push publishes;
//!   [`new_commits`] says which commits a push brings; [`cleanup`] applies git's own message cleanup; [`ci`]
//!   reads what a CI job is about; [`walk`] reads a history once, from packs directly where it can ([`pack`]);
//!   [`mapped`] maps files (cache files, packs) into memory; [`report`] renders findings,
//!   [`progress`] shows a long scan's progress and [`audit`] appends the server's audit
//!   log; [`commands`] are the entry points and [`cli`] parses the command line.

pub mod audit;
pub mod bounded;
pub mod ci;
pub mod cleanup;
pub mod cli;
pub mod commands;
pub mod encoding;
pub mod engine;
pub mod git;
pub mod load;
pub mod mapped;
pub mod new_commits;
pub mod objects;
pub mod pack;
pub mod progress;
pub mod published;
pub mod pushed;
pub mod report;
pub mod walk;
