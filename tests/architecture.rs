//! Architecture rules, read from the source: the engine (`src/engine/`) is pure (it imports
//! nothing from outside itself and does no I/O), there are no import circles between files or
//! top-level modules, and no file has more than 800 lines of non-test code. Each check names
//! what breaks it: the line, the circle, the file.

use std::collections::{BTreeMap, BTreeSet};
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

// ---------------------------------------------------------------------------------------
// No import circles, and no file over the size limit.
//
// Both read the same non-test code: a `#[cfg(test)]` item (a test module, a test-only
// helper) is left out, since tests may reach anywhere and do not count as the file's size.

/// Most lines of non-test code a source file may have (blank lines and comments not
/// counted): past this, a file holds more than one concept and is cut along its seams.
const MAX_CODE_LINES: usize = 800;

/// The lines of `text` outside `#[cfg(test)]` items, with their 1-based numbers. An item
/// is one line ending in `;`, or runs to the `}` indented as its `#[cfg(test)]` was.
fn non_test_lines(text: &str) -> Vec<(usize, &str)> {
    /// Where the `#[cfg(test)]` item being left out is.
    enum Skip {
        /// Not in one.
        No,
        /// Before its first line that is not an attribute; at this indentation.
        Attributes(usize),
        /// In its body, until the `}` at this indentation.
        Body(usize),
    }
    let mut out = Vec::new();
    let mut skip = Skip::No;
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        match skip {
            Skip::No if trimmed == "#[cfg(test)]" => skip = Skip::Attributes(indent),
            Skip::No => out.push((i + 1, line)),
            Skip::Attributes(_) if trimmed.starts_with("#[") => {}
            Skip::Attributes(_) if trimmed.ends_with(';') || one_line_block(trimmed) => {
                skip = Skip::No
            }
            Skip::Attributes(at) => skip = Skip::Body(at),
            Skip::Body(at) if indent == at && trimmed == "}" => skip = Skip::No,
            Skip::Body(_) => {}
        }
    }
    out
}

/// Whether `line` opens and closes its block: `fn f() {}`.
fn one_line_block(line: &str) -> bool {
    line.ends_with('}') && line.matches('{').count() == line.matches('}').count()
}

/// How many lines of `text` are code: not blank, not a comment, not in a `#[cfg(test)]`
/// item.
fn code_lines(text: &str) -> usize {
    let mut in_block_comment = false;
    let mut count = 0;
    for (_, line) in non_test_lines(text) {
        let trimmed = line.trim();
        if in_block_comment {
            in_block_comment = !trimmed.contains("*/");
            continue;
        }
        if trimmed.starts_with("/*") {
            in_block_comment = !trimmed.contains("*/");
            continue;
        }
        if !trimmed.is_empty() && !trimmed.starts_with("//") {
            count += 1;
        }
    }
    count
}

/// The module path of a source file relative to `src/` (`engine/matcher/mod.rs` is
/// `engine::matcher`), or `None` for the crate roots `lib.rs` and `main.rs`.
fn module_of(relative: &Path) -> Option<String> {
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop()?;
    let stem = last.strip_suffix(".rs")?;
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    if parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main") {
        return None;
    }
    Some(parts.join("::"))
}

/// Whether `c` can be part of an identifier.
fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The full paths a use tree names, each as its segments after `prefix`:
/// `{a::b, c::{self, d as e}}` is `a::b`, `c`, `c::d`.
fn expand_use_tree(prefix: &[String], tree: &str) -> Vec<Vec<String>> {
    let tree = tree.trim();
    if let Some(inner) = tree.strip_prefix('{') {
        let inner = inner.strip_suffix('}').unwrap_or(inner);
        let mut items = Vec::new();
        let (mut depth, mut start) = (0usize, 0usize);
        for (k, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    items.push(&inner[start..k]);
                    start = k + 1;
                }
                _ => {}
            }
        }
        items.push(&inner[start..]);
        return items
            .into_iter()
            .filter(|item| !item.trim().is_empty())
            .flat_map(|item| expand_use_tree(prefix, item))
            .collect();
    }
    if let Some(at) = tree.find("::{") {
        let mut longer = prefix.to_vec();
        longer.extend(tree[..at].split("::").map(|s| s.trim().to_string()));
        return expand_use_tree(&longer, &tree[at + 2..]);
    }
    let path = tree.split(" as ").next().unwrap_or("");
    let mut out = prefix.to_vec();
    out.extend(
        path.split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "self" && *s != "*")
            .map(str::to_string),
    );
    vec![out]
}

/// The module a path starting with `crate` or `super` leaves from, and its other
/// segments; `None` for any other path. `module` is the importing file's module path.
fn anchor(module: &str, segments: &[String]) -> Option<Vec<String>> {
    let mut base: Vec<String> = module.split("::").map(str::to_string).collect();
    let mut rest = segments;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("super") => {
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The paths of the crate's own items that one file's non-test code names: every
/// `use crate::…`/`use super::…` tree, and every `crate::x::y`/`super::x::y` written
/// inline. A module's own children (`self::`, `mod x;`) are declarations, not imports.
fn imported_paths(module: &str, text: &str) -> BTreeSet<Vec<String>> {
    let code: Vec<&str> = non_test_lines(text)
        .into_iter()
        .map(|(_, line)| code(line))
        .collect();
    let code = code.join("\n");
    let mut out = BTreeSet::new();
    for (k, _) in code.match_indices("use ") {
        if code[..k].chars().next_back().is_some_and(ident_char) {
            continue;
        }
        let Some(end) = code[k..].find(';') else {
            continue;
        };
        let tree = code[k + 4..k + end].trim();
        for path in expand_use_tree(&[], tree) {
            out.extend(anchor(module, &path));
        }
    }
    for root in ["crate::", "super::"] {
        for (k, _) in code.match_indices(root) {
            let before = code[..k].chars().next_back();
            if before.is_some_and(|c| ident_char(c) || c == ':' || c == '$') {
                continue;
            }
            let path: String = code[k..]
                .chars()
                .take_while(|&c| ident_char(c) || c == ':')
                .collect();
            let segments: Vec<String> = path
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            out.extend(anchor(module, &segments));
        }
    }
    out
}

/// The import graph between `modules` (module path to source text): an edge from each
/// module to the longest known module that starts each path it imports.
fn import_graph(modules: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for (module, text) in modules {
        let edges: &mut BTreeSet<String> = graph.entry(module.clone()).or_default();
        for path in imported_paths(module, text) {
            let target = (1..=path.len())
                .rev()
                .map(|n| path[..n].join("::"))
                .find(|name| modules.contains_key(name));
            if let Some(target) = target.filter(|t| t != module) {
                edges.insert(target);
            }
        }
    }
    graph
}

/// The same graph with each module replaced by its top-level module (`engine::matcher`
/// is `engine`), edges inside one top-level module dropped.
fn top_level(graph: &BTreeMap<String, BTreeSet<String>>) -> BTreeMap<String, BTreeSet<String>> {
    let top = |m: &str| m.split("::").next().unwrap_or(m).to_string();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in graph {
        let edges = out.entry(top(from)).or_default();
        edges.extend(to.iter().map(|t| top(t)).filter(|t| *t != top(from)));
    }
    out
}

/// Import circles of `graph`, each written `a -> b -> a`: one for every edge a
/// depth-first walk finds going back to a module still on its path. Empty when there is
/// no circle.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        OnPath,
        Done,
    }
    fn visit<'g>(
        node: &'g str,
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'g str, State>,
        path: &mut Vec<&'g str>,
        found: &mut Vec<String>,
    ) {
        state.insert(node, State::OnPath);
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()) {
                None => visit(next, graph, state, path, found),
                Some(State::OnPath) => {
                    let from = path.iter().position(|n| *n == next).unwrap();
                    let mut circle = path[from..].to_vec();
                    circle.push(next);
                    found.push(circle.join(" -> "));
                }
                Some(State::Done) => {}
            }
        }
        path.pop();
        state.insert(node, State::Done);
    }
    let mut state = BTreeMap::new();
    let mut found = Vec::new();
    for node in graph.keys() {
        if !state.contains_key(node.as_str()) {
            visit(node, graph, &mut state, &mut Vec::new(), &mut found);
        }
    }
    found
}

/// Every source file under `src/`, as (path relative to `src/`, text).
fn all_sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    sources(&root)
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path.strip_prefix(&root).unwrap().to_path_buf(), text)
        })
        .collect()
}

#[test]
fn no_import_circles_between_files_or_top_level_modules() {
    let mut modules = BTreeMap::new();
    let mut files = BTreeMap::new();
    for (relative, text) in all_sources() {
        if let Some(module) = module_of(&relative) {
            files.insert(module.clone(), format!("src/{}", relative.display()));
            modules.insert(module, text);
        }
    }
    assert!(modules.len() >= 40, "the modules: {:?}", modules.keys());
    let graph = import_graph(&modules);
    // The graph is real: the commands reach the engine through the loader.
    assert!(graph["commands::check"].contains("load"), "{graph:?}");
    assert!(graph["load"].contains("engine::verdict"), "{graph:?}");
    let by_file: BTreeMap<String, BTreeSet<String>> = graph
        .iter()
        .map(|(from, to)| {
            let to = to.iter().map(|t| files[t].clone()).collect();
            (files[from].clone(), to)
        })
        .collect();
    let file_cycles = cycles(&by_file);
    assert!(
        file_cycles.is_empty(),
        "import circles between files:\n{}",
        file_cycles.join("\n")
    );
    let module_cycles = cycles(&top_level(&graph));
    assert!(
        module_cycles.is_empty(),
        "import circles between top-level modules:\n{}",
        module_cycles.join("\n")
    );
}

#[test]
fn the_circle_check_finds_a_circle_and_the_imports_that_make_it() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in edges {
            g.entry(from.to_string())
                .or_default()
                .insert(to.to_string());
            g.entry(to.to_string()).or_default();
        }
        g
    };
    let circle = graph(&[
        ("cli", "commands"),
        ("commands", "report"),
        ("commands", "engine"),
        ("report", "engine"),
        ("report", "cli"),
    ]);
    assert_eq!(cycles(&circle), ["cli -> commands -> report -> cli"]);
    let tree = graph(&[
        ("cli", "commands"),
        ("commands", "report"),
        ("commands", "engine"),
        ("report", "engine"),
    ]);
    assert!(cycles(&tree).is_empty());
    assert_eq!(cycles(&graph(&[("a", "a")])), ["a -> a"]);

    // The same circle, from source text: `use` trees, inline paths, `super::`, and a
    // test module that may import anything.
    let modules: BTreeMap<String, String> = [
        ("cli", "use crate::commands::{self, check::run as go};\n"),
        (
            "commands",
            "//! Uses crate::cli only in a comment.\npub mod check;\n",
        ),
        (
            "commands::check",
            "fn f() { let _ = crate::report::Format::Human; }\n\
             #[cfg(test)]\nmod tests {\n    use crate::cli;\n}\n",
        ),
        (
            "report",
            "pub use crate::engine::{verdict::{Checker, Verdict}, source::Source};\n",
        ),
        ("report::human", "use super::super::cli::Args;\n"),
        ("engine", "pub mod verdict;\n"),
        ("engine::verdict", "use super::Finding;\n"),
    ]
    .into_iter()
    .map(|(m, t)| (m.to_string(), t.to_string()))
    .collect();
    let found = import_graph(&modules);
    let expected = graph(&[
        ("cli", "commands"),
        ("cli", "commands::check"),
        ("commands::check", "report"),
        ("report", "engine"),
        ("report", "engine::verdict"),
        ("report::human", "cli"),
        ("engine::verdict", "engine"),
    ]);
    assert_eq!(found, expected);
    assert_eq!(
        cycles(&top_level(&found)),
        ["cli -> commands -> report -> cli"]
    );
    assert_eq!(
        module_of(Path::new("engine/matcher/mod.rs")).unwrap(),
        "engine::matcher"
    );
    assert_eq!(module_of(Path::new("cli.rs")).unwrap(), "cli");
    assert_eq!(module_of(Path::new("lib.rs")), None);
}

#[test]
fn no_source_file_has_more_code_lines_than_the_limit() {
    let mut too_long = Vec::new();
    for (relative, text) in all_sources() {
        let lines = code_lines(&text);
        if lines > MAX_CODE_LINES {
            too_long.push(format!(
                "src/{}: {lines} lines of non-test code (at most {MAX_CODE_LINES})",
                relative.display()
            ));
        }
    }
    assert!(too_long.is_empty(), "{}", too_long.join("\n"));
}

#[test]
fn the_size_check_counts_code_and_nothing_else() {
    let text = "\
//! A module.

/// A function.
pub fn f() -> u32 {
    // Why, not what.
    /* a block
       comment */
    1
}

#[cfg(test)]
pub(crate) fn only_for_tests() {}
const C: u8 = 0;

#[cfg(test)]
mod tests {
    #[test]
    fn t() {
        assert_eq!(super::f(), 1);
    }
}

#[cfg(test)]
use std::fmt;
fn g() {}
";
    // `pub fn f() -> u32 {`, `1`, `}`, `const C`, `fn g() {}`.
    assert_eq!(code_lines(text), 5);
    let long: String = (0..MAX_CODE_LINES + 1)
        .map(|i| format!("const C{i}: u8 = 0;\n"))
        .collect();
    assert_eq!(code_lines(&long), MAX_CODE_LINES + 1);
}
