//! git configuration as hooks see it: libgit2's config levels plus what git passes on
//! its own command line (`git -c`) through the environment.

use anyhow::Context as _;

/// The value of a config key, or `None` when it is unset.
pub fn config_string(config: &git2::Config, key: &str) -> anyhow::Result<Option<String>> {
    match config.get_string(key) {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read git config {key}")),
    }
}

/// Config given on git's own command line (`git -c key=value commit`): git hands it to
/// hooks in the environment, where libgit2 does not look.
pub fn command_line_config() -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Ok(params) = std::env::var("GIT_CONFIG_PARAMETERS") {
        out.extend(parse_config_parameters(&params));
    }
    if let Some(count) = std::env::var("GIT_CONFIG_COUNT")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
    {
        for i in 0..count {
            if let (Ok(k), Ok(v)) = (
                std::env::var(format!("GIT_CONFIG_KEY_{i}")),
                std::env::var(format!("GIT_CONFIG_VALUE_{i}")),
            ) {
                out.push((k.to_ascii_lowercase(), v));
            }
        }
    }
    out
}

/// Parses git's `GIT_CONFIG_PARAMETERS`: shell-quoted `'key'='value'` or `'key=value'`
/// items separated by spaces.
pub fn parse_config_parameters(s: &str) -> Vec<(String, String)> {
    let mut items = Vec::new();
    let mut chars = s.chars().peekable();
    let mut current = String::new();
    let mut in_item = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_item = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    current.push(q);
                }
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    current.push(n);
                    in_item = true;
                }
            }
            ' ' if in_item => {
                items.push(std::mem::take(&mut current));
                in_item = false;
            }
            ' ' => {}
            c => {
                current.push(c);
                in_item = true;
            }
        }
    }
    if in_item {
        items.push(current);
    }
    items
        .into_iter()
        .filter_map(|item| {
            let (k, v) = item.split_once('=')?;
            Some((k.to_ascii_lowercase(), v.to_string()))
        })
        .collect()
}

/// The last value any config level (command line included) gives to any of `keys`:
/// git lets later settings win, and some settings share one meaning under two names.
pub fn last_config_value(
    repo: Option<&git2::Repository>,
    keys: &[&str],
) -> anyhow::Result<Option<String>> {
    let mut value = None;
    let config = match repo {
        Some(r) => Some(r.config().context("cannot read git config")?),
        None => git2::Config::open_default().ok(),
    };
    if let Some(config) = config {
        let mut entries = config.entries(None).context("cannot read git config")?;
        while let Some(entry) = entries.next() {
            let entry = entry.context("cannot read git config")?;
            let Some(name) = entry.name() else { continue };
            if keys.iter().any(|k| k.eq_ignore_ascii_case(name)) {
                value = entry.value().map(str::to_string);
            }
        }
    }
    for (k, v) in command_line_config() {
        if keys.iter().any(|key| key.eq_ignore_ascii_case(&k)) {
            value = Some(v);
        }
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_parameters_are_unquoted() {
        assert_eq!(
            parse_config_parameters("'core.commentChar'=';' 'commit.cleanup=verbatim'"),
            vec![
                ("core.commentchar".to_string(), ";".to_string()),
                ("commit.cleanup".to_string(), "verbatim".to_string())
            ]
        );
        assert_eq!(
            parse_config_parameters("'core.commentstring'='it'\\''s'"),
            vec![("core.commentstring".to_string(), "it's".to_string())]
        );
    }
}
