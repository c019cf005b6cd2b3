//! git configuration as git itself reads it: one `git config` run answers for every key
//! embargo reads, so `git -c`, `--config-env` (`GIT_CONFIG_COUNT`), every config file,
//! `include.path`, every `includeIf` condition and git's precedence are git's own, and
//! values are the bytes git compares.
//!
//! The hook is run by git, so the `git` on `PATH` (git puts its own exec path first) is
//! the git that runs it, with the environment it handed down.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use anyhow::{anyhow, bail, Context as _};

/// The keys embargo reads, as one extended regular expression for `git config`.
const KEYS: &str = r"^(core\.(comment(char|string)|hookspath)|commit\.(cleanup|verbose|template)|i18n\.commitencoding|embargo\.(registry|auditlog))$";

/// The most output accepted from `git config`: the keys above, a few values each.
const MAX_OUTPUT: usize = 1 << 20;

/// Every setting of the keys above, in git's order (a later one overrides an earlier).
#[derive(Debug, Clone, Default)]
pub struct GitConfig {
    /// Lower-case key, and the value (`None` for a key written without `=`).
    entries: Vec<(String, Option<Vec<u8>>)>,
}

static CONFIG: OnceLock<Result<GitConfig, String>> = OnceLock::new();

/// A `git config` run started by [`prefetch`], for [`get`] to collect.
static PENDING: Mutex<Option<Child>> = Mutex::new(None);

/// Starts the `git config` run now, for [`get`] to collect later: git's own start-up
/// (about a millisecond, most of the run) then overlaps the caller's work on another
/// core. It sees the same directory and environment as a later run would, as long as
/// the caller changes neither in between. A run that cannot start is left for [`get`]
/// to start again and report.
pub fn prefetch() {
    if CONFIG.get().is_some() {
        return;
    }
    if let Ok(mut pending) = PENDING.lock() {
        if pending.is_none() {
            *pending = spawn().ok();
        }
    }
}

/// The configuration of the repository git runs in (the current directory and
/// environment), read once per process.
pub fn get() -> anyhow::Result<&'static GitConfig> {
    CONFIG
        .get_or_init(|| read().map_err(|e| format!("{e:#}")))
        .as_ref()
        .map_err(|e| anyhow!("{e}"))
}

fn spawn() -> std::io::Result<Child> {
    Command::new("git")
        .args(["config", "-z", "--get-regexp", KEYS])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
}

fn read() -> anyhow::Result<GitConfig> {
    let pending = PENDING.lock().ok().and_then(|mut p| p.take());
    let child = match pending {
        Some(child) => child,
        None => spawn().context("cannot run `git config` to read git configuration")?,
    };
    let out = child
        .wait_with_output()
        .context("cannot run `git config` to read git configuration")?;
    match out.status.code() {
        Some(0) => {}
        // git config exits 1 when no key matches.
        Some(1) if out.stdout.is_empty() => return Ok(GitConfig::default()),
        _ => {
            let err = String::from_utf8_lossy(&out.stderr);
            let first = err.lines().next().unwrap_or("").trim();
            bail!("git cannot read its configuration: {first}");
        }
    }
    if out.stdout.len() > MAX_OUTPUT {
        bail!("git configuration is larger than {MAX_OUTPUT} bytes for the keys embargo reads");
    }
    GitConfig::parse(&out.stdout)
}

impl GitConfig {
    /// Parses `git config -z --get-regexp` output: `key\nvalue\0`, or `key\0` for a key
    /// written without a value.
    pub fn parse(bytes: &[u8]) -> anyhow::Result<GitConfig> {
        let mut entries = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            let end = rest
                .iter()
                .position(|&b| b == 0)
                .context("git config output is not NUL-terminated")?;
            let item = &rest[..end];
            rest = &rest[end + 1..];
            let (key, value) = match item.iter().position(|&b| b == b'\n') {
                Some(nl) => (&item[..nl], Some(item[nl + 1..].to_vec())),
                None => (item, None),
            };
            let key = std::str::from_utf8(key)
                .context("git config printed a key that is not UTF-8")?
                .to_ascii_lowercase();
            entries.push((key, value));
        }
        Ok(GitConfig { entries })
    }

    /// The setting in force among `keys` (git lets the last one win; some settings share
    /// one meaning under two names): `None` when none is set, `Some(None)` for a key
    /// written without a value.
    pub fn last(&self, keys: &[&str]) -> Option<Option<&[u8]>> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| keys.iter().any(|key| key.eq_ignore_ascii_case(k)))
            .map(|(_, v)| v.as_deref())
    }

    /// A string setting; a key without a value or a value that is not UTF-8 is an error
    /// (git itself refuses the first).
    pub fn string(&self, key: &str) -> anyhow::Result<Option<String>> {
        match self.last(&[key]) {
            None => Ok(None),
            Some(None) => bail!("git config {key} has no value"),
            Some(Some(v)) => String::from_utf8(v.to_vec())
                .map(Some)
                .map_err(|_| anyhow!("git config {key} is not valid UTF-8")),
        }
    }

    /// A boolean-or-integer setting read as git's `git_config_bool_or_int`.
    pub fn bool_or_int(&self, key: &str) -> anyhow::Result<Option<i64>> {
        match self.last(&[key]) {
            None => Ok(None),
            Some(None) => Ok(Some(1)),
            Some(Some(v)) => parse_bool_or_int(v)
                .map(Some)
                .ok_or_else(|| anyhow!("git config {key} is neither a boolean nor a number")),
        }
    }

    /// A path setting: `~/` and `~` are the home directory; a relative path is taken
    /// relative to `base` whichever file or `-c` set it and whatever the current
    /// directory. For embargo's own paths (`embargo.registry`, `embargo.auditLog`)
    /// `base` is the repository's git directory, never a work tree; for
    /// `core.hooksPath` it is where git runs hooks. An empty value is `Some("")`, for
    /// the caller to give a meaning.
    pub fn path(&self, key: &str, base: Option<&Path>) -> anyhow::Result<Option<PathBuf>> {
        use std::os::unix::ffi::OsStrExt;
        let value = match self.last(&[key]) {
            None => return Ok(None),
            Some(None) => bail!("git config {key} has no value"),
            Some(Some(v)) => v,
        };
        if value.is_empty() {
            return Ok(Some(PathBuf::new()));
        }
        let path = if value == b"~" || value.starts_with(b"~/") {
            let home = std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .ok_or_else(|| anyhow!("git config {key} starts with ~ but $HOME is unset"))?;
            let rest = std::ffi::OsStr::from_bytes(value.get(2..).unwrap_or_default());
            PathBuf::from(home).join(rest)
        } else if value.starts_with(b"~") || value.starts_with(b"%(prefix)/") {
            bail!(
                "git config {key} names another user's home or git's prefix; give the path itself"
            );
        } else {
            PathBuf::from(std::ffi::OsStr::from_bytes(value))
        };
        if path.is_absolute() {
            return Ok(Some(path));
        }
        match base {
            Some(base) => Ok(Some(base.join(path))),
            None => bail!(
                "git config {key} is a relative path and there is no repository to take it \
                 relative to; give an absolute path"
            ),
        }
    }
}

/// git's `git_config_bool_or_int`: `true`/`yes`/`on`, `false`/`no`/`off`/empty
/// (any case), or an integer with an optional `k`, `m` or `g` suffix.
pub fn parse_bool_or_int(v: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(v).ok()?;
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => return Some(1),
        "false" | "no" | "off" | "" => return Some(0),
        _ => {}
    }
    let (digits, factor) = match s.as_bytes().last()?.to_ascii_lowercase() {
        b'k' => (&s[..s.len() - 1], 1024),
        b'm' => (&s[..s.len() - 1], 1024 * 1024),
        b'g' => (&s[..s.len() - 1], 1024 * 1024 * 1024),
        _ => (s, 1),
    };
    let n: i64 = digits.trim_start_matches('+').parse().ok()?;
    let n = n.checked_mul(factor)?;
    i32::try_from(n).ok().map(i64::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_git_config_z_output_in_order() {
        let c = GitConfig::parse(
            b"core.commentchar\n;\0commit.verbose\0core.commentstring\n\xff\xfe\0",
        )
        .unwrap();
        assert_eq!(
            c.last(&["core.commentChar", "core.commentString"]),
            Some(Some(&b"\xff\xfe"[..]))
        );
        assert_eq!(c.bool_or_int("commit.verbose").unwrap(), Some(1));
        assert_eq!(c.last(&["commit.cleanup"]), None);
        assert!(GitConfig::parse(b"no terminator").is_err());
    }

    #[test]
    fn bool_or_int_follows_git() {
        assert_eq!(parse_bool_or_int(b"Yes"), Some(1));
        assert_eq!(parse_bool_or_int(b"off"), Some(0));
        assert_eq!(parse_bool_or_int(b""), Some(0));
        assert_eq!(parse_bool_or_int(b"2"), Some(2));
        assert_eq!(parse_bool_or_int(b"1k"), Some(1024));
        assert_eq!(parse_bool_or_int(b"-1"), Some(-1));
        assert_eq!(parse_bool_or_int(b"maybe"), None);
    }

    #[test]
    fn relative_paths_are_taken_from_the_git_directory() {
        let c =
            GitConfig::parse(b"embargo.registry\nreg.json\0embargo.auditlog\n/abs/log\0").unwrap();
        assert_eq!(
            c.path("embargo.registry", Some(Path::new("/r/.git")))
                .unwrap(),
            Some(PathBuf::from("/r/.git/reg.json"))
        );
        assert!(c.path("embargo.registry", None).is_err());
        assert_eq!(
            c.path("embargo.auditLog", None).unwrap(),
            Some(PathBuf::from("/abs/log"))
        );
    }
}
