//! The engine (`src/engine/`) is pure: it imports nothing from outside itself and does no
//! I/O. This test reads every engine source file and names each line that breaks that.

use std::path::{Path, PathBuf};

/// Crates an engine file may name: the standard library and crates that do no I/O.
const ALLOWED_ROOTS: &[&str] = &[
    "std",
    "core",
    "alloc",
    "crate",
    "super",
    "self",
    "regex",
    "regex_syntax",
    "aho_corasick",
    "unicode_normalization",
    "unicode_security",
    "time",
    "serde_json",
];

/// What no engine line may contain: files, environment, processes, the terminal, the
/// network, git, raw system calls, printing.
const FORBIDDEN: &[&str] = &[
    "std::fs",
    "std::env",
    "std::process",
    "std::net",
    "std::os",
    "stdin(",
    "stdout(",
    "stderr(",
    "File::",
    "println!",
    "eprintln!",
    "print!",
    "eprint!",
    "dbg!",
    "git2",
    "libc",
    "unsafe",
];

/// Every `.rs` file under `dir`, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// How deep the file's module is below the crate root: `engine/mod.rs` is 1,
/// `engine/verdict.rs` and `engine/matcher/mod.rs` 2, `engine/matcher/literals.rs` 3.
fn module_depth(relative: &Path) -> usize {
    let parts = relative.components().count();
    match relative.file_name().and_then(|n| n.to_str()) {
        Some("mod.rs") => parts - 1,
        _ => parts,
    }
}

/// The code of a line: nothing of a line comment (doc comments included).
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(at) => &line[..at],
        None => line,
    }
}

/// The problems of one engine file, as `name:line: what`. `depth` is how deep its
/// module is below the crate root (see [`module_depth`]).
fn problems(name: &str, text: &str, depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    // Indentation of the inline modules (`mod tests {`) the line is in.
    let mut inline: Vec<usize> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let at = format!("{name}:{}", i + 1);
        let indent = line.len() - line.trim_start().len();
        if inline.last() == Some(&indent) && line.trim() == "}" {
            inline.pop();
        }
        let code = code(line);
        let trimmed = code.trim_start();
        let declares_module = ["mod ", "pub mod ", "pub(crate) mod ", "pub(super) mod "]
            .iter()
            .any(|p| trimmed.starts_with(p));
        if declares_module && trimmed.trim_end().ends_with('{') {
            inline.push(indent);
        }
        for item in FORBIDDEN {
            if contains_word(code, item) {
                out.push(format!("{at}: uses `{item}`"));
            }
        }
        // `crate::` paths must stay in the engine.
        for (k, _) in code.match_indices("crate::") {
            let before = code[..k].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if !code[k..].starts_with("crate::engine") {
                out.push(format!(
                    "{at}: imports from outside the engine (`crate::` path)"
                ));
            }
        }
        // `super::super::...` may climb to `crate::engine` and no further.
        let climbs_allowed = depth + inline.len() - 1;
        for (k, _) in code.match_indices("super::") {
            if code[..k].ends_with("super::") {
                continue;
            }
            let climbs = code.as_bytes()[k..]
                .chunks(7)
                .take_while(|c| *c == b"super::")
                .count();
            if climbs > climbs_allowed {
                out.push(format!("{at}: `super::` leaves the engine"));
            }
        }
        if let Some(rest) = trimmed
            .strip_prefix("use ")
            .or(trimmed.strip_prefix("pub use "))
        {
            let root: String = rest
                .trim_start_matches("::")
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !ALLOWED_ROOTS.contains(&root.as_str()) {
                out.push(format!(
                    "{at}: `use {root}::`: not a crate the engine may use (a child module is `self::{root}`)"
                ));
            }
        }
        if trimmed.starts_with("extern crate") {
            out.push(format!("{at}: `extern crate`"));
        }
    }
    out
}

/// Whether `code` contains `item` not as the tail of a longer name (`my_libc`).
fn contains_word(code: &str, item: &str) -> bool {
    code.match_indices(item).any(|(k, _)| {
        let before = code[..k].chars().next_back();
        let after = code[k + item.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        let starts_word = item.starts_with(|c: char| c.is_alphanumeric());
        let ends_word = item.ends_with(|c: char| c.is_alphanumeric());
        let glued = (starts_word && word(before)) || (ends_word && word(after));
        !glued
    })
}

#[test]
fn the_engine_imports_nothing_from_outside_and_does_no_io() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = sources(&root.join("engine"));
    assert!(files.len() >= 8, "the engine's files: {files:?}");
    let mut found = Vec::new();
    for path in &files {
        let relative = path.strip_prefix(&root).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        let name = format!("src/{}", relative.display());
        found.extend(problems(&name, &text, module_depth(relative)));
    }
    assert!(
        found.is_empty(),
        "the engine is not pure:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_purity_check_names_each_offending_line() {
    let text = "\
//! A module whose comments may say std::fs and crate::cli.
use std::collections::HashMap;
use crate::engine::normalize::fold;
use crate::load::cache;
use super::verdict::Checker;
use super::super::git;
use git2::Repository;
use anyhow::Context;
fn f() {
    let _ = std::fs::read(\"x\");
    let _ = std::env::var(\"X\");
    println!(\"hi\");
    let _ = std::io::stdin();
    let x = crate::report::escape_controls(\"\");
    let my_libc_free_name = 1;
}
#[cfg(test)]
mod tests {
    use super::super::matcher;
    use super::super::super::cli;
}
";
    let found = problems("src/engine/x.rs", text, 2);
    let expected = [
        "src/engine/x.rs:4: imports from outside the engine (`crate::` path)",
        "src/engine/x.rs:6: `super::` leaves the engine",
        "src/engine/x.rs:7: uses `git2`",
        "src/engine/x.rs:7: `use git2::`: not a crate the engine may use (a child module is `self::git2`)",
        "src/engine/x.rs:8: `use anyhow::`: not a crate the engine may use (a child module is `self::anyhow`)",
        "src/engine/x.rs:10: uses `std::fs`",
        "src/engine/x.rs:11: uses `std::env`",
        "src/engine/x.rs:12: uses `println!`",
        "src/engine/x.rs:13: uses `stdin(`",
        "src/engine/x.rs:14: imports from outside the engine (`crate::` path)",
        "src/engine/x.rs:20: `super::` leaves the engine",
    ];
    assert_eq!(found, expected);
    assert_eq!(module_depth(Path::new("engine/mod.rs")), 1);
    assert_eq!(module_depth(Path::new("engine/verdict.rs")), 2);
    assert_eq!(module_depth(Path::new("engine/matcher/mod.rs")), 2);
    assert_eq!(module_depth(Path::new("engine/matcher/literals.rs")), 3);
}
