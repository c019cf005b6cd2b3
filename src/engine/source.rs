//! What a checked text is: a commit message, a ref name, a tag's message, a field of a
//! pull or merge request, or other text a commit, tag or push publishes. The engine checks any text the same way; every entry point and
//! every output format names the text by its [`Source`].

/// Where a checked text came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A commit message file (the commit-msg hook); `-` is standard input.
    MessageFile { path: String },
    /// A commit's message.
    Commit { id: String, subject: String },
    /// A ref name being pushed or a branch name.
    RefName { name: String },
    /// An annotated tag's message.
    Tag { name: String, id: String },
    /// A field of a pull or merge request: `title`, `body`, `head branch`.
    Request { kind: RequestKind, field: String },
    /// Other text a commit, tag or push publishes: `object` is what holds it (`commit`,
    /// `tag`, `note`, `push option`, `ref`), `id` the object it belongs to, `field` which
    /// text (`author`, `mergetag`, the notes ref, the option's number, a path).
    Field {
        object: String,
        id: Option<String>,
        field: String,
    },
    /// Any text checked verbatim (`check-text`); `-` is standard input.
    Text { path: String },
    /// Text a commit adds (§11): lines of the file at `path` from line `first_line` of
    /// its new version on, or, with `first_line` `None`, the path itself. `commit` is
    /// `None` for the staged changes the commit-msg hook checks.
    Change {
        commit: Option<CommitRef>,
        path: String,
        first_line: Option<usize>,
    },
}

/// A commit named in a finding: its full id and subject line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRef {
    pub id: String,
    pub subject: String,
}

/// Which kind of request a [`Source::Request`] field belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    PullRequest,
    MergeRequest,
}

impl Source {
    /// The kind of text, as every output format names it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Source::MessageFile { .. } => "message-file",
            Source::Commit { .. } => "commit",
            Source::RefName { .. } => "ref",
            Source::Tag { .. } => "tag",
            Source::Request {
                kind: RequestKind::PullRequest,
                ..
            } => "pull-request",
            Source::Request {
                kind: RequestKind::MergeRequest,
                ..
            } => "merge-request",
            Source::Field { .. } => "field",
            Source::Text { .. } => "text",
            Source::Change { .. } => "change",
        }
    }

    /// The line of its file where the checked text starts: 1 for a whole text, the
    /// first added line for a change.
    pub fn first_line(&self) -> usize {
        match self {
            Source::Change {
                first_line: Some(n),
                ..
            } => *n,
            _ => 1,
        }
    }
}
