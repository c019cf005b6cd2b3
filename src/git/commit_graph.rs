//! git's commit-graph file read without git: generation numbers, commit times and
//! parents, so a walk can stop as soon as nothing left can reach what it found.

use anyhow::Context as _;

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
