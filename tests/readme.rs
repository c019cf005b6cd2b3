//! The versions the documentation tells users to pin (the pre-commit `rev:` and the GitHub
//! Action's `uses: …/embargo@…`) must be the release of the crate they get: `v` followed
//! by `Cargo.toml`'s `version`. A tag nobody created makes the example fail on first use.

mod common;

use common::project_root;

/// The `version` of the `[package]` table of a `Cargo.toml`.
fn package_version(cargo_toml: &str) -> Result<String, String> {
    let mut in_package = false;
    for line in cargo_toml.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() != "version" {
            continue;
        }
        let value = value.trim();
        return value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .map(str::to_string)
            .ok_or_else(|| format!("Cargo.toml: version is not a plain string: {value}"));
    }
    Err("Cargo.toml: no version in [package]".to_string())
}

/// What a pinned example names, and where.
#[derive(Debug)]
struct Pin {
    what: &'static str,
    line: usize,
    reference: String,
}

/// Every pre-commit `rev:` and every `uses:` of this repository's action inside the
/// fenced YAML blocks of a Markdown text.
fn pins(markdown: &str) -> Vec<Pin> {
    let mut found = Vec::new();
    let mut in_yaml = false;
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(fence) = trimmed.strip_prefix("```") {
            in_yaml = !in_yaml && matches!(fence.trim(), "yaml" | "yml");
            continue;
        }
        if !in_yaml {
            continue;
        }
        let item = trimmed.trim_start_matches("- ").trim();
        let before_comment = |s: &str| s.split(" #").next().unwrap_or("").trim().to_string();
        if let Some(rev) = item.strip_prefix("rev:") {
            found.push(Pin {
                what: "pre-commit rev",
                line: i + 1,
                reference: before_comment(rev),
            });
        } else if let Some(action) = item.strip_prefix("uses:") {
            let action = before_comment(action);
            if let Some((repo, reference)) = action.split_once('@') {
                if repo.rsplit('/').next() == Some("embargo") {
                    found.push(Pin {
                        what: "GitHub Action",
                        line: i + 1,
                        reference: reference.to_string(),
                    });
                }
            }
        }
    }
    found
}

/// Checks a README against a `Cargo.toml`: both kinds of example are there, and each
/// names `v<version>`.
fn check(readme: &str, cargo_toml: &str) -> Result<(), String> {
    let version = package_version(cargo_toml)?;
    let expected = format!("v{version}");
    let pins = pins(readme);
    for what in ["pre-commit rev", "GitHub Action"] {
        if !pins.iter().any(|p| p.what == what) {
            return Err(format!("README.md: no {what} example found"));
        }
    }
    let wrong: Vec<String> = pins
        .iter()
        .filter(|p| p.reference != expected)
        .map(|p| {
            format!(
                "README.md:{}: {} names {:?}, Cargo.toml's version is {version} (expected {expected})",
                p.line, p.what, p.reference
            )
        })
        .collect();
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong.join("\n"))
    }
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(project_root().join(relative))
        .unwrap_or_else(|e| panic!("{relative}: {e}"))
}

#[test]
fn readme_examples_name_the_version_in_cargo_toml() {
    if let Err(e) = check(&read("README.md"), &read("Cargo.toml")) {
        panic!("{e}");
    }
}

#[test]
fn docs_pages_name_no_other_version_of_the_action_or_hook() {
    let version = package_version(&read("Cargo.toml")).unwrap();
    let dir = project_root().join("docs");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for pin in pins(&text) {
            assert_eq!(
                pin.reference,
                format!("v{version}"),
                "{}:{}: {} names another version",
                path.display(),
                pin.line,
                pin.what
            );
        }
    }
}

/// The action and the hook definition are used at whatever ref the user pins; a version of
/// embargo they name (in a comment or an example) must not disagree with Cargo.toml.
#[test]
fn action_and_hook_definitions_name_no_version_of_embargo() {
    let version = package_version(&read("Cargo.toml")).unwrap();
    for file in ["action.yml", ".pre-commit-hooks.yaml"] {
        let text = read(file);
        for (i, line) in text.lines().enumerate() {
            for word in line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.')) {
                let Some(number) = word.strip_prefix('v') else {
                    continue;
                };
                let looks_like_version = number.split('.').count() >= 2
                    && number
                        .split('.')
                        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
                assert!(
                    !looks_like_version || number == version,
                    "{file}:{}: names version {word}, Cargo.toml's is {version}",
                    i + 1
                );
            }
            if let Some((_, pinned)) = line.split_once("embargo@") {
                let reference = pinned.split_whitespace().next().unwrap_or("");
                assert_eq!(
                    reference,
                    format!("v{version}"),
                    "{file}:{}: pins embargo at another version",
                    i + 1
                );
            }
        }
    }
}

const CARGO: &str = "[package]\nname = \"embargo\"\nversion = \"0.1.0\"\n\n[dependencies]\nversion_check = { version = \"9.9.9\" }\n";

const README: &str = "\
```yaml
repos:
  - repo: https://example.com/security/embargo   # this repository
    rev: v0.1.0
```

```yaml
    steps:
      - uses: actions/checkout@v4
      - uses: OWNER/embargo@v0.1.0  # this repository
```
";

#[test]
fn matching_versions_pass() {
    assert_eq!(package_version(CARGO).unwrap(), "0.1.0");
    check(README, CARGO).unwrap();
}

#[test]
fn a_readme_edited_by_hand_fails() {
    let rev = README.replace("rev: v0.1.0", "rev: v1.0.0");
    let err = check(&rev, CARGO).unwrap_err();
    assert!(
        err.contains("pre-commit rev") && err.contains("v1.0.0"),
        "{err}"
    );

    let action = README.replace("embargo@v0.1.0", "embargo@v1");
    let err = check(&action, CARGO).unwrap_err();
    assert!(
        err.contains("GitHub Action") && err.contains("\"v1\""),
        "{err}"
    );
}

#[test]
fn a_cargo_toml_bumped_by_hand_fails() {
    let bumped = CARGO.replace("version = \"0.1.0\"", "version = \"0.2.0\"");
    let err = check(README, &bumped).unwrap_err();
    assert!(err.contains("0.2.0"), "{err}");
}

#[test]
fn a_readme_without_the_examples_fails() {
    let err = check("no examples here\n", CARGO).unwrap_err();
    assert!(err.contains("no pre-commit rev example"), "{err}");
    let only_rev = README.replace("embargo@v0.1.0", "other@v0.1.0");
    let err = check(&only_rev, CARGO).unwrap_err();
    assert!(err.contains("no GitHub Action example"), "{err}");
}

#[test]
fn examples_outside_yaml_blocks_are_not_pins() {
    let prose = "Pin `rev: v9.9.9` or `uses: OWNER/embargo@v9.9.9` in your config.\n";
    assert!(pins(prose).is_empty());
}
