//! `embargo`: keeps mentions of embargoed security issues out of git history.
//!
//! A pure engine takes text and a registry and returns findings; thin edges around it
//! find the registry, read git, and print. Nothing in the engine imports an edge, no
//! imports go in a circle, and no file has over 800 lines of non-test code
//! (`tests/architecture.rs` checks all three; docs/architecture.md has the folders).
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
//!   - [`engine::date`]: `YYYY-MM-DD` days; [`engine::source`]: what a checked text is;
//!   - [`engine::timeline`]: the disclosure timeline: phases, dates, what notices may say;
//!   - [`engine::edit`]: an edit of the registry's text that keeps every other byte;
//!   - [`engine::content`]: what counts in the changes a commit makes (`policy.content`).
//! * [`load`] — from a registry somewhere to a checker: [`load::discovery`] finds it
//!   ([`load::git_registry`]: one committed in a git repository),
//!   [`load::cache`] keeps it compiled between runs ([`load::stamp`]: its `stat`),
//!   [`load::checker`] is the one way in.
//! * [`cleanup`] — git's own commit message cleanup, and the cleanups git may apply when
//!   the hook cannot know every input of it.
//! * [`git`] — everything that reads git and decides no policy: [`git::repo`] (opening,
//!   hook environment, quarantine), [`git::config`] (as git itself reads it),
//!   [`git::invocation`] (the `git commit` running the hook), [`git::commit_graph`],
//!   [`git::objects`] (raw commits and tags), [`git::encoding`] (their `encoding`, decoded
//!   as git does), [`git::published`] (all the text a commit or tag publishes),
//!   [`git::pushed`] (what else a push publishes: push options, notes, blobs and trees),
//!   [`git::pack`] (pack files read directly); [`mapped`] maps files into memory (packs
//!   and the cache).
//! * [`history`] — which commits to check: revision ranges ([`history::range`]), the new
//!   commits of a push ([`history::push`]), and one read of a history on every core
//!   ([`history::walk`]).
//! * [`ci`] — what a CI job is about (provider, event, ranges).
//! * [`ical`] — writes iCalendar (the timeline's calendar).
//! * [`report`] — renders findings (human, json, sarif, github); [`progress`] shows a
//!   long scan's progress; [`audit`] appends the server's audit log.
//! * [`commands`] — the entry points; [`cli`] parses the command line; [`manual`]
//!   generates its completions and man page.
//! * [`bounded`] — bounded reads of untrusted input.
//!
//! # Data path
//!
//! A text goes through the same modules whichever command reads it:
//!
//! message ([`commands`]: the hook's message file; [`history`], [`git::objects`]: commits
//! being pushed or scanned) → cleanup ([`cleanup`]: the commit-msg hook's message, as git will
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
pub mod ical;
pub mod load;
pub mod manual;
pub mod mapped;
pub mod progress;
pub mod report;
