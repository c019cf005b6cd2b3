//! The Rust half of the benchmark harness (`bash benches/run.sh` drives it; run it alone
//! with `cargo bench --bench perf -- COMMAND DIR`):
//!
//! * `setup DIR`: writes the benchmark inputs: the synthetic registry (10,000 issues, 50
//!   patterns), its terms for `grep -F -i -f`, the CVE registry and its messages, and the
//!   `git fast-import` stream of the corpus history;
//! * `load DIR`: registry loading and matcher building, each on its own, and the whole
//!   `load::checker` without and with the compiled-registry cache;
//! * `throughput DIR`: normalization, the matcher and the whole engine in MB/s over the
//!   corpus text, against a bare aho-corasick scan for the same strings;
//! * `corpus DIR`: false positives of the synthetic registry over every corpus message, and
//!   recall of the CVE registry over `cve_mentions.jsonl`.
//!
//! Results are `key value` lines, which `run.sh` turns into its table.

#[path = "synth.rs"]
mod synth;

use std::hint::black_box;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use embargo::engine::matcher::Matcher;
use embargo::engine::normalize::Normalized;
use embargo::engine::registry;
use embargo::engine::verdict::{Checker, Kind, Level};
use embargo::load;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() {
    // `cargo bench` appends `--bench`.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let dir = args
        .get(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/bench/work"));
    let _ = std::fs::create_dir_all(&dir);
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup(&dir),
        Some("registry") => registry_only(&dir),
        Some("load-named") => load_named(&dir, &args[2..]),
        Some("load") => load(&dir),
        Some("throughput") => throughput(&dir),
        Some("corpus") => corpus(&dir),
        _ => {
            eprintln!("usage: perf setup|registry|load|throughput|corpus DIR, or perf load-named DIR NAME...");
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("perf: {e}");
        std::process::exit(2);
    }
}

fn setup(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let corpus = synth::corpus_dir();
    let issues = synth::synthetic_issues(10_000, 50);
    std::fs::write(
        dir.join("registry.json"),
        synth::synthetic_registry_json(&issues),
    )?;
    std::fs::write(dir.join("terms.txt"), synth::grep_terms(&issues))?;
    let cve = synth::read_jsonl(&corpus.join(synth::CVE_FILE))?;
    let ids = synth::cve_ids(&cve);
    std::fs::write(
        dir.join("cve-registry.json"),
        synth::cve_registry_json(&ids),
    )?;
    // One file per CVE message, for the commit-msg recall check.
    let msgs = dir.join("cve-messages");
    std::fs::create_dir_all(&msgs)?;
    for (i, m) in cve.iter().enumerate() {
        std::fs::write(msgs.join(format!("{i:04}.txt")), &m.message)?;
    }
    let history = synth::history(&corpus)?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("history.fi"))?);
    synth::write_fast_import(&history, &mut out)?;
    out.flush()?;
    let commits: usize = history.iter().map(|(_, m)| m.len()).sum();
    let bytes: usize = history
        .iter()
        .flat_map(|(_, m)| m.iter().map(|m| m.message.len()))
        .sum();
    println!("commits {commits}");
    println!("message_bytes {bytes}");
    println!("cve_messages {}", cve.len());
    println!("cve_ids {}", ids.len());
    Ok(())
}

/// Only the synthetic registry of `setup` (no corpus needed): DIR/registry.json.
fn registry_only(dir: &Path) -> Result<()> {
    let issues = synth::synthetic_issues(10_000, 50);
    std::fs::write(
        dir.join("registry.json"),
        synth::synthetic_registry_json(&issues),
    )?;
    Ok(())
}

/// Runs `f` until `budget` is spent (at least `min` times); returns the median.
fn median_time(min: usize, budget: Duration, mut f: impl FnMut()) -> Duration {
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < min || (start.elapsed() < budget && times.len() < 1000) {
        let t = Instant::now();
        f();
        times.push(t.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

fn load(dir: &Path) -> Result<()> {
    let path = dir.join("registry.json");
    let text = std::fs::read_to_string(&path)?;
    let origin = path.display().to_string();
    let budget = Duration::from_secs(3);
    let parsed =
        registry::parse(&text, &origin).map_err(|p| format!("{} registry problems", p.len()))?;
    println!("registry_bytes {}", text.len());
    println!("issues {}", parsed.issues.len());
    let t = median_time(5, budget, || {
        black_box(std::fs::read_to_string(&path).unwrap());
    });
    println!("read_ms {}", ms(t));
    let t = median_time(5, budget, || {
        black_box(registry::parse(&text, &origin).unwrap());
    });
    println!("parse_ms {}", ms(t));
    let t = median_time(5, budget, || {
        black_box(Matcher::new(&parsed.issues).unwrap());
    });
    println!("matcher_build_ms {}", ms(t));

    // What every command starts with: discovery, reading, then parsing and building, or
    // the cache. Without a usable cache directory first, then with a fresh one.
    // (A cache directory under a file cannot be created.)
    std::env::set_var("XDG_CACHE_HOME", path.join("cache"));
    let t = median_time(5, budget, || {
        black_box(load::checker(Some(&path), None).unwrap());
    });
    println!("load_checker_uncached_ms {}", ms(t));
    let cache = dir.join("perf-cache");
    let _ = std::fs::remove_dir_all(&cache);
    std::env::set_var("XDG_CACHE_HOME", &cache);
    black_box(load::checker(Some(&path), None)?);
    let t = median_time(5, budget, || {
        black_box(load::checker(Some(&path), None).unwrap());
    });
    println!("load_checker_cached_ms {}", ms(t));
    let size: u64 = std::fs::read_dir(cache.join("embargo"))?
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!("cache_bytes {size}");
    Ok(())
}

/// `load::checker` with the cache as it is (warm, for a measure of the fast path), for
/// DIR/registry.json and each registry NAME (a `git:` name, say), one after another in
/// each of 300 rounds so that a busy machine weighs on all alike; the medians.
fn load_named(dir: &Path, names: &[String]) -> Result<()> {
    let mut all = vec![dir.join("registry.json")];
    all.extend(names.iter().map(PathBuf::from));
    let mut times = vec![Vec::new(); all.len()];
    for round in 0..310 {
        for (i, name) in all.iter().enumerate() {
            let t = Instant::now();
            black_box(load::checker(Some(name), None)?);
            // The first rounds warm up.
            if round >= 10 {
                times[i].push(t.elapsed());
            }
        }
    }
    for (name, mut t) in all.iter().zip(times) {
        t.sort();
        println!("{} {}", ms(t[t.len() / 2]), name.display());
    }
    Ok(())
}

fn corpus_texts() -> Result<Vec<String>> {
    let mut texts = Vec::new();
    for (_, messages) in synth::history(&synth::corpus_dir())? {
        texts.extend(messages.into_iter().map(|m| m.message));
    }
    Ok(texts)
}

/// MB/s of several contenders over `texts`, the best of `rounds` passes each, interleaved
/// round by round so that a burst of load on the (shared, noisy) machine hits them alike.
#[allow(clippy::type_complexity)]
fn rates(
    texts: &[String],
    rounds: usize,
    fs: &mut [&mut dyn FnMut(&str) -> usize],
) -> Vec<(f64, usize)> {
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut best = vec![f64::INFINITY; fs.len()];
    let mut counts = vec![0; fs.len()];
    for _ in 0..rounds {
        for (k, f) in fs.iter_mut().enumerate() {
            let t = Instant::now();
            let mut count = 0;
            for s in texts {
                count += f(s);
            }
            best[k] = best[k].min(t.elapsed().as_secs_f64());
            counts[k] = count;
        }
    }
    best.iter()
        .zip(counts)
        .map(|(b, c)| (bytes as f64 / 1e6 / b, c))
        .collect()
}

fn throughput(dir: &Path) -> Result<()> {
    let text = std::fs::read_to_string(dir.join("registry.json"))?;
    let reg = registry::parse(&text, "registry.json")
        .map_err(|p| format!("{} registry problems", p.len()))?;
    let texts = corpus_texts()?;
    let bytes: usize = texts.iter().map(String::len).sum();
    println!("corpus_messages {}", texts.len());
    println!("corpus_bytes {bytes}");

    // The bare scan: the registry's ids, aliases and terms as written, ASCII
    // case-insensitively, over the raw text, with the automaton kind and overlapping
    // search a straightforward matcher would use. No normalization, no separators rule,
    // no patterns.
    let mut strings = Vec::new();
    for i in &reg.issues {
        strings.push(i.id.clone());
        strings.extend(i.aliases.iter().cloned());
        strings.extend(i.terms.iter().cloned());
    }
    let builder = || {
        let mut b = AhoCorasick::builder();
        b.match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true);
        b
    };
    let bare = builder()
        .kind(Some(AhoCorasickKind::DFA))
        .build(&strings)
        .or_else(|_| builder().build(&strings))?;
    println!("bare_ac_kind {:?}", bare.kind());
    let without_patterns: Vec<_> = reg
        .issues
        .iter()
        .map(|i| registry::Issue {
            patterns: Vec::new(),
            ..i.clone()
        })
        .collect();
    let literals_only = Matcher::new(&without_patterns)?;
    let matcher = Matcher::new(&reg.issues)?;
    let day = time::macros::date!(2026 - 11 - 28);
    let checker = Checker::new(reg)?;
    let names = [
        "bare_ac",
        "normalize",
        "matcher_literals",
        "matcher",
        "checker",
    ];
    let results = rates(
        &texts,
        7,
        &mut [
            &mut |s: &str| bare.find_overlapping_iter(s).count(),
            &mut |s: &str| Normalized::new(s).folded().len(),
            &mut |s: &str| literals_only.find(&Normalized::new(s)).len(),
            &mut |s: &str| matcher.find(&Normalized::new(s)).len(),
            &mut |s: &str| checker.check(s, day).len(),
        ],
    );
    for (name, (r, n)) in names.iter().zip(results) {
        println!("{name}_mbps {r:.1}");
        println!("{name}_count {n}");
    }
    Ok(())
}

fn corpus(dir: &Path) -> Result<()> {
    let day = time::macros::date!(2026 - 11 - 28);
    let text = std::fs::read_to_string(dir.join("registry.json"))?;
    let reg = registry::parse(&text, "registry.json")
        .map_err(|p| format!("{} registry problems", p.len()))?;
    let checker = Checker::new(reg)?;
    let texts = corpus_texts()?;
    let (mut blocked, mut warned, mut bidi) = (0, 0, 0);
    for s in &texts {
        let f = checker.check(s, day);
        if f.iter().any(|f| matches!(f.kind, Kind::Embargoed { .. })) {
            blocked += 1;
        }
        if f.iter().any(|f| f.level == Level::Warn) {
            warned += 1;
        }
        if f.iter().any(|f| matches!(f.kind, Kind::Bidi { .. })) {
            bidi += 1;
        }
    }
    println!("fp_messages {}", texts.len());
    println!("fp_blocked {blocked}");
    println!("fp_generic_warned {warned}");
    println!("fp_bidi {bidi}");

    let text = std::fs::read_to_string(dir.join("cve-registry.json"))?;
    let reg = registry::parse(&text, "cve-registry.json")
        .map_err(|p| format!("{} registry problems", p.len()))?;
    let checker = Checker::new(reg)?;
    let cve = synth::read_jsonl(&synth::corpus_dir().join(synth::CVE_FILE))?;
    let mut missed = Vec::new();
    for (i, m) in cve.iter().enumerate() {
        let f = checker.check(&m.message, day);
        if !f.iter().any(|f| matches!(f.kind, Kind::Embargoed { .. })) {
            missed.push(i);
        }
    }
    println!("recall_messages {}", cve.len());
    println!("recall_blocked {}", cve.len() - missed.len());
    for i in missed.iter().take(5) {
        let first = cve[*i].message.lines().next().unwrap_or("");
        eprintln!("recall miss #{i}: {first} {:?}", cve[*i].cves);
    }
    Ok(())
}
