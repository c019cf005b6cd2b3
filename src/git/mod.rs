//! Git access for the entry points: opening the repository (quarantine included),
//! reading config, and reading commit and tag messages from raw objects.

use anyhow::Context as _;

/// Opens the repository the way git's own hooks see it: from `GIT_DIR` and the object
/// directory variables when git set them, else by discovery from the current directory.
/// `None` when there is no repository (a message file checked by hand).
pub fn open_from_env() -> anyhow::Result<Option<git2::Repository>> {
    match git2::Repository::open_from_env() {
        Ok(repo) => Ok(Some(repo)),
        Err(e)
            if e.code() == git2::ErrorCode::NotFound && std::env::var_os("GIT_DIR").is_none() =>
        {
            Ok(None)
        }
        Err(e) => Err(e).context("cannot open the git repository"),
    }
}

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

// ---------------------------------------------------------------------------------------
// Server side: the repository a pre-receive hook runs in, quarantine included.
// ---------------------------------------------------------------------------------------

/// The repository a `pre-receive` hook checks, opened the way git hands it over.
pub struct HookRepository {
    /// The repository; its object database also reads the quarantine and every directory
    /// in `GIT_ALTERNATE_OBJECT_DIRECTORIES`.
    pub repo: git2::Repository,
    /// The repository directory (`GIT_DIR`), absolute.
    pub git_dir: std::path::PathBuf,
    /// The quarantine: the object directory git receives the push into, when the hook
    /// runs inside one (git 2.11 and later, for every push that sends objects).
    pub quarantine: Option<Quarantine>,
}

/// git's quarantine directory and an object database that reads it alone.
pub struct Quarantine {
    pub path: std::path::PathBuf,
    pub odb: git2::Odb<'static>,
}

impl Quarantine {
    /// True when `oid` was received by this push (its object is in the quarantine).
    pub fn contains(&self, oid: git2::Oid) -> bool {
        self.odb.exists(oid)
    }
}

/// Opens the repository of a `pre-receive` hook: `GIT_DIR` (else discovery from the
/// current directory), plus the object directories git names in `GIT_OBJECT_DIRECTORY`
/// (the quarantine) and `GIT_ALTERNATE_OBJECT_DIRECTORIES`, parsed with git's own rules.
///
/// libgit2's `open_from_env` is not used: it splits the alternates variable on `:`
/// without undoing git's C-quoting, so a repository whose path contains `:` (git quotes
/// such a path) would lose its main object store and every lookup would fail.
pub fn open_for_hook() -> anyhow::Result<HookRepository> {
    use std::path::{Path, PathBuf};

    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let absolute = |p: &Path| -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        }
    };
    let repo = match std::env::var_os("GIT_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => {
            let dir = absolute(Path::new(&dir));
            git2::Repository::open_ext(
                &dir,
                git2::RepositoryOpenFlags::NO_SEARCH,
                std::iter::empty::<&std::ffi::OsStr>(),
            )
            .with_context(|| format!("cannot open the git repository {}", dir.display()))?
        }
        None => git2::Repository::discover(&cwd).context("cannot open the git repository")?,
    };
    let git_dir = repo.path().to_path_buf();
    let own_objects = git_dir.join("objects");
    let same_dir = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };

    let object_dir = std::env::var_os("GIT_OBJECT_DIRECTORY")
        .filter(|d| !d.is_empty())
        .map(|d| absolute(Path::new(&d)));
    // git ≥ 2.13 names the quarantine; before that, an object directory other than the
    // repository's own can only be one.
    let quarantine_path = std::env::var_os("GIT_QUARANTINE_PATH")
        .filter(|d| !d.is_empty())
        .map(|d| absolute(Path::new(&d)))
        .or_else(|| object_dir.clone().filter(|d| !same_dir(d, &own_objects)));

    // Every directory to read besides the repository's own, each once.
    let mut extra: Vec<PathBuf> = Vec::new();
    let mut push_dir = |dir: PathBuf| {
        if !same_dir(&dir, &own_objects) && !extra.iter().any(|d| same_dir(d, &dir)) {
            extra.push(dir);
        }
    };
    if let Some(dir) = &object_dir {
        push_dir(dir.clone());
    }
    if let Some(dir) = &quarantine_path {
        push_dir(dir.clone());
    }
    if let Some(value) = std::env::var_os("GIT_ALTERNATE_OBJECT_DIRECTORIES") {
        use std::os::unix::ffi::OsStrExt;
        for entry in parse_alternates(value.as_bytes()) {
            push_dir(absolute(Path::new(std::ffi::OsStr::from_bytes(&entry))));
        }
    }
    {
        let odb = repo.odb().context("cannot open the object database")?;
        for dir in &extra {
            if !dir.is_dir() {
                anyhow::bail!("object directory {} does not exist", dir.display());
            }
            odb.add_disk_alternate(utf8_path(dir)?)
                .with_context(|| format!("cannot add object directory {}", dir.display()))?;
        }
    }

    let quarantine = match quarantine_path {
        Some(path) => {
            let odb = git2::Odb::new().context("cannot open the quarantine")?;
            odb.add_disk_alternate(utf8_path(&path)?)
                .with_context(|| format!("cannot read the quarantine {}", path.display()))?;
            Some(Quarantine { path, odb })
        }
        None => None,
    };
    Ok(HookRepository {
        repo,
        git_dir,
        quarantine,
    })
}

fn utf8_path(path: &std::path::Path) -> anyhow::Result<&str> {
    path.to_str()
        .with_context(|| format!("object directory {} is not valid UTF-8", path.display()))
}

/// Splits `GIT_ALTERNATE_OBJECT_DIRECTORIES` as git does (`parse_alt_odb_entry`):
/// entries separated by `:`; an entry that starts with `"` is C-quoted (git quotes a
/// path containing `:` or starting with `"`), and an entry whose quoting is broken is
/// taken literally up to the next `:`; entries starting with `#` are comments; empty
/// entries are skipped.
pub fn parse_alternates(value: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        let (entry, end) = if rest[0] == b'#' {
            (Vec::new(), find_or_len(rest, b':'))
        } else if let Some((unquoted, end)) =
            (rest[0] == b'"').then(|| unquote_c_style(rest)).flatten()
        {
            (unquoted, end)
        } else {
            let end = find_or_len(rest, b':');
            (rest[..end].to_vec(), end)
        };
        // git skips one byte after the entry: the separator.
        rest = &rest[(end + 1).min(rest.len())..];
        if !entry.is_empty() {
            out.push(entry);
        }
    }
    out
}

fn find_or_len(s: &[u8], byte: u8) -> usize {
    s.iter().position(|&b| b == byte).unwrap_or(s.len())
}

/// git's `unquote_c_style`: `s` starts with `"`; returns the unquoted bytes and the
/// offset just past the closing quote, or `None` for broken quoting.
pub fn unquote_c_style(s: &[u8]) -> Option<(Vec<u8>, usize)> {
    if s.first() != Some(&b'"') {
        return None;
    }
    let mut out = Vec::new();
    let mut i = 1;
    loop {
        match *s.get(i)? {
            b'"' => return Some((out, i + 1)),
            b'\\' => {
                let c = *s.get(i + 1)?;
                i += 2;
                let byte = match c {
                    b'a' => 0x07,
                    b'b' => 0x08,
                    b'f' => 0x0c,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'v' => 0x0b,
                    b'\\' | b'"' => c,
                    b'0'..=b'3' => {
                        let d1 = *s.get(i)?;
                        let d2 = *s.get(i + 1)?;
                        if !(b'0'..=b'7').contains(&d1) || !(b'0'..=b'7').contains(&d2) {
                            return None;
                        }
                        i += 2;
                        ((c - b'0') << 6) | ((d1 - b'0') << 3) | (d2 - b'0')
                    }
                    _ => return None,
                };
                out.push(byte);
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
}

/// What the commit walk needs of a commit: its parents and committer time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitLinks {
    pub parents: Vec<git2::Oid>,
    pub time: i64,
}

/// Reads the parents and committer time from a raw commit's headers.
pub fn commit_links(data: &[u8]) -> anyhow::Result<CommitLinks> {
    let mut parents = Vec::new();
    let mut time = 0;
    for line in data.split(|&b| b == b'\n') {
        if line.is_empty() {
            break;
        }
        if let Some(hex) = line.strip_prefix(b"parent ") {
            let hex = std::str::from_utf8(hex).unwrap_or("");
            parents.push(
                git2::Oid::from_str(hex.trim())
                    .map_err(|_| anyhow::anyhow!("bad parent line `parent {hex}`"))?,
            );
        } else if let Some(sig) = line.strip_prefix(b"committer ") {
            let sig = String::from_utf8_lossy(sig);
            if let Some(after) = sig.rfind('>').map(|i| &sig[i + 1..]) {
                time = after
                    .split_whitespace()
                    .next()
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(0);
            }
        }
    }
    Ok(CommitLinks { parents, time })
}

/// A commit's entry in the commit-graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphCommit {
    /// Topological level: 1 for a root, one more than the highest parent otherwise.
    pub generation: u32,
    pub time: i64,
    pub parents: Vec<git2::Oid>,
}

/// The repository's commit-graph (`objects/info/commit-graph`, or a split chain under
/// `objects/info/commit-graphs/`), read without git: generation numbers let a walk stop
/// as soon as nothing left to visit can reach what it has found. SHA-1 graphs only.
pub struct CommitGraph {
    layers: Vec<GraphLayer>,
    total: u32,
}

struct GraphLayer {
    data: Vec<u8>,
    /// Global position of this layer's first commit.
    base: u32,
    count: u32,
    fanout: usize,
    lookup: usize,
    commits: usize,
    edges: Option<usize>,
}

const GRAPH_HASH_LEN: usize = 20;
const GRAPH_PARENT_NONE: u32 = 0x7000_0000;

impl CommitGraph {
    /// Opens the graph of `objects_dir`. `Ok(None)` when there is none or it cannot be
    /// used (an old graph without generation numbers, a SHA-256 graph); an error when a
    /// graph exists but is corrupt.
    pub fn open(objects_dir: &std::path::Path) -> anyhow::Result<Option<CommitGraph>> {
        let info = objects_dir.join("info");
        let chain = info.join("commit-graphs").join("commit-graph-chain");
        let files: Vec<std::path::PathBuf> = if chain.is_file() {
            let text = std::fs::read_to_string(&chain)
                .with_context(|| format!("cannot read {}", chain.display()))?;
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|h| info.join("commit-graphs").join(format!("graph-{h}.graph")))
                .collect()
        } else if info.join("commit-graph").is_file() {
            vec![info.join("commit-graph")]
        } else {
            return Ok(None);
        };
        let mut layers = Vec::new();
        let mut total: u32 = 0;
        for file in files {
            let data =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let Some(layer) = GraphLayer::parse(data, total)
                .with_context(|| format!("commit-graph {} is corrupt", file.display()))?
            else {
                return Ok(None);
            };
            total = total
                .checked_add(layer.count)
                .context("commit-graph chain is too large")?;
            layers.push(layer);
        }
        let graph = CommitGraph { layers, total };
        // Parents must lie inside the graph and generations must be computed (zero means
        // "not computed", written by git before 2.19).
        for layer in &graph.layers {
            for i in 0..layer.count {
                let (p1, p2, word, _) = layer.entry(i);
                if word >> 2 == 0 {
                    return Ok(None);
                }
                for p in [p1, p2] {
                    if p != GRAPH_PARENT_NONE && p & 0x8000_0000 == 0 && p >= graph.total {
                        anyhow::bail!("commit-graph parent position {p} is out of range");
                    }
                }
            }
        }
        Ok(Some(graph))
    }

    pub fn len(&self) -> u32 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The commit's generation, time and parents, when the graph holds it.
    pub fn get(&self, oid: git2::Oid) -> Option<GraphCommit> {
        let key = oid.as_bytes();
        for layer in self.layers.iter().rev() {
            if let Some(i) = layer.find(key) {
                return self.decode(layer, i);
            }
        }
        None
    }

    fn decode(&self, layer: &GraphLayer, i: u32) -> Option<GraphCommit> {
        let (p1, p2, word, low) = layer.entry(i);
        let generation = word >> 2;
        let time = (i64::from(word & 3) << 32) | i64::from(low);
        let mut parents = Vec::new();
        if p1 != GRAPH_PARENT_NONE {
            parents.push(self.oid_at(p1)?);
        }
        if p2 != GRAPH_PARENT_NONE {
            if p2 & 0x8000_0000 == 0 {
                parents.push(self.oid_at(p2)?);
            } else {
                let edges = layer.edges?;
                let mut k = (p2 & 0x7fff_ffff) as usize;
                loop {
                    let at = edges + 4 * k;
                    let v = u32::from_be_bytes(layer.data.get(at..at + 4)?.try_into().ok()?);
                    parents.push(self.oid_at(v & 0x7fff_ffff)?);
                    if v & 0x8000_0000 != 0 {
                        break;
                    }
                    k += 1;
                }
            }
        }
        Some(GraphCommit {
            generation,
            time,
            parents,
        })
    }

    fn oid_at(&self, pos: u32) -> Option<git2::Oid> {
        let layer = self
            .layers
            .iter()
            .find(|l| pos >= l.base && pos - l.base < l.count)?;
        let at = layer.lookup + (pos - layer.base) as usize * GRAPH_HASH_LEN;
        git2::Oid::from_bytes(layer.data.get(at..at + GRAPH_HASH_LEN)?).ok()
    }
}

impl GraphLayer {
    fn parse(data: Vec<u8>, base: u32) -> anyhow::Result<Option<GraphLayer>> {
        if data.len() < 8 || &data[..4] != b"CGPH" {
            anyhow::bail!("bad signature");
        }
        if data[4] != 1 {
            anyhow::bail!("unknown version {}", data[4]);
        }
        if data[5] != 1 {
            return Ok(None); // SHA-256: libgit2 reads SHA-1 repositories only.
        }
        let chunks = usize::from(data[6]);
        let mut fanout = None;
        let mut lookup = None;
        let mut commits = None;
        let mut edges = None;
        for c in 0..chunks {
            let at = 8 + 12 * c;
            let entry = data.get(at..at + 12).context("truncated chunk table")?;
            let offset = u64::from_be_bytes(entry[4..12].try_into().unwrap());
            let offset = usize::try_from(offset)
                .ok()
                .filter(|&o| o <= data.len())
                .context("chunk offset out of range")?;
            match &entry[..4] {
                b"OIDF" => fanout = Some(offset),
                b"OIDL" => lookup = Some(offset),
                b"CDAT" => commits = Some(offset),
                b"EDGE" => edges = Some(offset),
                _ => {}
            }
        }
        let fanout = fanout.context("no OIDF chunk")?;
        let lookup = lookup.context("no OIDL chunk")?;
        let commits = commits.context("no CDAT chunk")?;
        let count_at = fanout + 255 * 4;
        let count = u32::from_be_bytes(
            data.get(count_at..count_at + 4)
                .context("truncated OIDF")?
                .try_into()
                .unwrap(),
        );
        let n = count as usize;
        if data.len() < lookup + n * GRAPH_HASH_LEN
            || data.len() < commits + n * (GRAPH_HASH_LEN + 16)
        {
            anyhow::bail!("truncated OIDL or CDAT chunk");
        }
        Ok(Some(GraphLayer {
            data,
            base,
            count,
            fanout,
            lookup,
            commits,
            edges,
        }))
    }

    fn fan(&self, byte: usize) -> u32 {
        let at = self.fanout + 4 * byte;
        self.data
            .get(at..at + 4)
            .map_or(0, |b| u32::from_be_bytes(b.try_into().unwrap()))
    }

    fn find(&self, key: &[u8]) -> Option<u32> {
        let first = usize::from(*key.first()?);
        let mut lo = if first == 0 { 0 } else { self.fan(first - 1) };
        let mut hi = self.fan(first).min(self.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let at = self.lookup + mid as usize * GRAPH_HASH_LEN;
            match self.data[at..at + GRAPH_HASH_LEN].cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// (parent 1, parent 2, generation/time-high word, time-low word) of local entry `i`.
    fn entry(&self, i: u32) -> (u32, u32, u32, u32) {
        let at = self.commits + i as usize * (GRAPH_HASH_LEN + 16) + GRAPH_HASH_LEN;
        let word = |k: usize| {
            u32::from_be_bytes(self.data[at + 4 * k..at + 4 * k + 4].try_into().unwrap())
        };
        (word(0), word(1), word(2), word(3))
    }
}

#[cfg(test)]
mod hook_tests {
    use super::*;

    #[test]
    fn alternates_are_split_and_unquoted_like_git() {
        assert_eq!(
            parse_alternates(b"/a/objects:/b/objects"),
            vec![b"/a/objects".to_vec(), b"/b/objects".to_vec()]
        );
        assert_eq!(
            parse_alternates(b"\"/srv/a:b.git/./objects\":/c"),
            vec![b"/srv/a:b.git/./objects".to_vec(), b"/c".to_vec()]
        );
        assert_eq!(
            parse_alternates(b"/x::#comment:\"q\\\"\\\\\\303\\251\\n\""),
            vec![b"/x".to_vec(), b"q\"\\\xc3\xa9\n".to_vec()]
        );
        // Broken quoting: taken literally up to the next separator.
        assert_eq!(
            parse_alternates(b"\"/unterminated:/next"),
            vec![b"\"/unterminated".to_vec(), b"/next".to_vec()]
        );
        assert_eq!(parse_alternates(b""), Vec::<Vec<u8>>::new());
    }

    #[test]
    fn commit_links_reads_parents_and_committer_time() {
        let raw = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
parent 1111111111111111111111111111111111111111\n\
parent 2222222222222222222222222222222222222222\n\
author A <a@b> 5 +0000\ncommitter C <c@d> 1700000000 +0100\n\nparent 3333333333333333333333333333333333333333\n";
        let links = commit_links(raw).unwrap();
        assert_eq!(links.parents.len(), 2);
        assert_eq!(links.time, 1_700_000_000);
    }
}
