//! git's own commit-message cleanup, as `git commit` will apply it after the commit-msg
//! hook: which comment lines and which scissors tail are not part of the message.
