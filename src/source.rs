//! Where a checked text came from: a message file, a commit, a ref name, a tag, a field
//! of a pull or merge request. A leaf: `ci` names the texts a CI job brings with these
//! and `report` shows them, so neither has to import the other.

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    PullRequest,
    MergeRequest,
}

impl Source {
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
        }
    }
}
