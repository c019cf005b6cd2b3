#!/usr/bin/env bash
# Writes the seed inputs of every fuzz target into fuzz/corpus/TARGET/seed-*: registries,
# messages, and objects, packs and commit-graphs made by real git in a temporary
# repository. Run once when a target is added; the seeds are kept in the repository.
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD/..
c=$PWD/corpus
for t in registry normalize matcher object pack commit_graph cleanup ci_event changes; do
    mkdir -p "$c/$t"
done
seed() { cat > "$c/$1/seed-$2"; }

# registry: the example, and small ones that reach each validation rule.
cp "$root/fixtures/registry.example.json" "$c/registry/seed-example"
printf '%s' '{"version":1,"policy":{"generic":"deny","level_notice_days":3},"issues":[{"id":"SX-1","severity":"high","aliases":["CVE-2026-1"],"terms":["a b"],"patterns":["x\\d+"],"released":"2026-01-02","disclosed":null}]}' | seed registry small
printf '%s' '{"version":1,"issues":[{"id":"A"},{"id":"a"},{"id":""},{"id":"B","severity":"bad","released":"2026-02-30","patterns":["(","a*"],"terms":[""],"extra":1}]}' | seed registry problems
printf '%s' '{"version":2,"issues":[[[[[[["\ud800"]]]]]]], "x": 1e999}' | seed registry odd

# normalize: the classes of text the folding and the rendering handle.
printf 'Fix SX-2026-0142 in the parser\n' | seed normalize ascii
printf 'r\xd0\xb0tch\xd0\xb5t \xef\xbc\xb3\xef\xbc\xb8\xef\xbc\x8d\xef\xbc\x92 \xef\xac\x81x caf\x65\xcc\x81 \xe2\x80\x8b\xe2\x80\xae\xd0\x9d\xce\x9c\n' | seed normalize unicode
printf 'a\033[1mb\033]8;;http://x\033\\c\007d s\bskip %%2D%%E2%%80%%93 &#45;&#x2d;&ndash;&nbsp; \xe3\x85\xa4 **SX**-2O26\n' | seed normalize rendered

printf 'Fix AX-2026-011\rFix S\nFix SQ\033[1DX-2026-011 \302\2332C x\033[4G\b\b\r\n' | seed normalize terminal

# matcher: id, term, pattern, then the message.
printf 'SX-2026-0142\nratchet header replay\nqueue\\s+takeover\nFix sx 2026 0142 and ratchet-header  replay; queue takeover\n' | seed matcher plain
printf 'CVE-2026-41873\nleak\n\nThe \xd0\xa1VE-2026-4187\xd0\xb7 leaks, leaked, leaking: `CVE`-`2026`-`41873`\n' | seed matcher rendered

printf 'SX-2026-011\nratchet header replay\nqueue\\s+takeover\nFix AX-2026-011\rFix S and ratchet heaXer replay\033[10Dd\n' | seed matcher terminal

# cleanup: mode byte, then the message.
printf '\x08Subject\n# comment\n# ------------------------ >8 ------------------------\ndiff --git a b\n' | seed cleanup scissors
printf '\x49Subject\n; Please enter the commit message\nbody\n' | seed cleanup auto
printf '\x04Subject\n\n#42 kept\n' | seed cleanup verbatim

# ci_event: event byte, then the payload.
printf '\x00{"ref":"refs/heads/main","before":"%s","after":"%s","repository":{"default_branch":"main"}}' "$(printf '1%.0s' {1..40})" "$(printf '2%.0s' {1..40})" | seed ci_event push
printf '\x01{"pull_request":{"title":"t","body":"b","head":{"sha":"%s","ref":"topic"},"base":{"sha":"%s"}}}' "$(printf 'a%.0s' {1..40})" "$(printf 'b%.0s' {1..40})" | seed ci_event pull-request
printf '\x03{"merge_group":{"base_sha":"%s","head_sha":"%s"}}' "$(printf 'c%.0s' {1..40})" "$(printf 'd%.0s' {1..40})" | seed ci_event merge-group

# changes: an old text, a 0xFF byte, the new text (a raw tree too, in the real repository below).
printf 'keep\nold\nkeep\n\377keep\nnew SX-2026-011\nkeep\n' | seed changes edit
printf 'a\nb\na\nb\nc\n\377b\na\nb\na\nc\nc' | seed changes moved
printf '\377root commit\nno newline' | seed changes added

# object, pack, commit_graph, changes: from a real repository.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_CONFIG_NOSYSTEM=1 HOME=$tmp GIT_AUTHOR_NAME=A GIT_AUTHOR_EMAIL=a@example.com \
    GIT_COMMITTER_NAME=C GIT_COMMITTER_EMAIL=c@example.com
git init -q -b main "$tmp/r"
cd "$tmp/r"
for i in $(seq 1 12); do
    printf 'line %s\n' "$i" >> f
    git add f
    git commit -q -m "Change $i: a longer message so that commits delta against each other
body line one
body line two $i"
done
mkdir -p src/sub && printf 'x\n' > src/sub/g && ln -s f link && git add -A && git commit -q -m tree
git tag -a -m "Release tag message" v1
git cat-file tree HEAD^{tree} | seed changes tree
git cat-file tree HEAD:src | seed changes subtree
git cat-file commit HEAD | seed object commit
git cat-file tag v1 | seed object tag
printf 'tree %s\nparent %s\nauthor A <a@example.com> 1 +0000\ncommitter C <c@example.com> 2 +0000\nencoding ISO-8859-1\ngpgsig -----BEGIN-----\n sig\n -----END-----\n\ncaf\xe9 \0hidden\n' \
    "$(git rev-parse HEAD^{tree})" "$(git rev-parse HEAD)" | seed object encoded
git repack -a -d -q --window=50 --depth=50
idx=$(ls .git/objects/pack/*.idx)
pack=${idx%.idx}.pack
# The pack target's input: count, offsets (LE u32), then the pack after its header.
git verify-pack -v "$idx" | awk '$2=="commit"||$2=="tag"||$2=="tree"||$2=="blob"{print $4, $2}' \
    | sort -n | head -16 > offsets
python3 - "$pack" offsets "$c/pack/seed-real" <<'PY'
import struct, sys
pack = open(sys.argv[1], 'rb').read()
offs = [int(l.split()[0]) for l in open(sys.argv[2])]
out = bytes([len(offs) - 1]) + b''.join(struct.pack('<I', o) for o in offs) + pack[12:-20]
open(sys.argv[3], 'wb').write(out)
PY
git commit-graph write --reachable
{ printf '\x00'; cat .git/objects/info/commit-graph; } | seed commit_graph single
rm -f .git/objects/info/commit-graph
git commit-graph write --reachable --split=no-merge --size-multiple=2
git commit -q --allow-empty -m more
git commit-graph write --reachable --split=no-merge --size-multiple=2
chain=.git/objects/info/commit-graphs
python3 - "$chain" "$c/commit_graph/seed-split" <<'PY'
import struct, sys, os
d = sys.argv[1]
names = [l.strip() for l in open(os.path.join(d, 'commit-graph-chain')) if l.strip()]
files = [open(os.path.join(d, f'graph-{n}.graph'), 'rb').read() for n in names]
if len(files) == 2 and len(files[0]) < 65536:
    out = b'\x01' + struct.pack('<H', len(files[0])) + files[0] + files[1]
    open(sys.argv[2], 'wb').write(out)
PY
echo "seeds written under $c"
