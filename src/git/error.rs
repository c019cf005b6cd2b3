//! libgit2's errors in the words git uses for them: what a user reads when a
//! repository cannot be opened or read.

/// A libgit2 error as the user should read it: its message without the class and code
/// (`; class=Repository (6); code=NotFound (-3)`), and the ones a user meets most in
/// git's own words.
pub fn in_user_words(git: &git2::Error) -> String {
    let message = git.message();
    let quoted = message
        .split_once('\'')
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(path, _)| absolute(path));
    match (git.code(), git.class(), quoted) {
        (git2::ErrorCode::NotFound, git2::ErrorClass::Repository, Some(path)) => {
            format!("not a git repository (or any parent): {path}")
        }
        (git2::ErrorCode::NotFound, git2::ErrorClass::Os, Some(path)) => {
            format!("not a git repository: {path} does not exist")
        }
        (git2::ErrorCode::Owner, _, Some(path)) => format!(
            "the repository {path} belongs to another user, so git does not trust it; if \
             it is yours to use, run: git config --global --add safe.directory {path}"
        ),
        _ => message.to_string(),
    }
}

/// A path libgit2 names, made absolute: it says `.` for the current directory.
fn absolute(path: &str) -> String {
    let p = std::path::Path::new(path);
    if p.is_absolute() {
        return path.to_string();
    }
    match std::env::current_dir() {
        Ok(cwd) if path == "." => cwd.display().to_string(),
        Ok(cwd) => cwd.join(p).display().to_string(),
        Err(_) => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: git2::ErrorCode, class: git2::ErrorClass, message: &str) -> git2::Error {
        git2::Error::new(code, class, message)
    }

    #[test]
    fn class_and_code_are_dropped_and_common_cases_named() {
        let e = error(
            git2::ErrorCode::NotFound,
            git2::ErrorClass::Repository,
            "could not find repository at '/srv/x'",
        );
        assert_eq!(
            in_user_words(&e),
            "not a git repository (or any parent): /srv/x"
        );
        let e = error(
            git2::ErrorCode::Owner,
            git2::ErrorClass::Config,
            "repository path '/srv/x' is not owned by current user",
        );
        assert!(in_user_words(&e).starts_with("the repository /srv/x belongs to another user"));
        let e = error(
            git2::ErrorCode::GenericError,
            git2::ErrorClass::Odb,
            "object not found",
        );
        assert_eq!(in_user_words(&e), "object not found");
    }
}
