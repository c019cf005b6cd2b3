//! Hostile messages, each of which a reader takes for a mention of an embargoed issue of
//! the example registry: every one is blocked. They are the variants of each class of
//! contract §5 (look-alikes, compatibility forms, invisible and control characters,
//! terminal escapes, Markdown and HTML markup, percent-encoding and character references,
//! digit look-alikes and other scripts' digits, separators, inflections) that a
//! determined committer tries; `docs/matching.md` lists what is deliberately not read.
//! And messages that must pass: the rules say they are no mention.

use embargo::engine::registry;
use embargo::engine::verdict::{Checker, Level};

fn checker() -> Checker {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/registry.example.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    Checker::new(registry::parse(&text, path).unwrap()).unwrap()
}

fn blocked(checker: &Checker, message: &str) -> bool {
    let day = time::macros::date!(2026 - 11 - 27);
    checker
        .check(message, day)
        .iter()
        .any(|f| f.level == Level::Block)
}

const HOSTILE: &[&str] = &[
    // Joined in camelCase or PascalCase, as a test or a method is named.
    "func TestSX2026011(t *testing.T) {",
    "it('fixesCve202641873', () => {",
    "void ratchetHeaderReplay();",
    "class ChunkDigestTest {",
    "Fix СVЕ-2026-41873",
    "Fix ЅХ-2026-011",
    "Fix SΧ-2026-011",
    "Fix ՏX-2026-011",
    "Fix ＳＸ－２０２６－０１１",
    "Fix 𝐒𝐗-2026-011",
    "Fix SX-²⁰²⁶-⁰¹¹",
    "Fix SX-②⓪②⑥-⓪①①",
    "Fix SX-2026-01\u{1b}[1m1",
    "Fix \u{1b}]8;;http://x\u{7}SX-2026-011\u{1b}]8;;\u{7}",
    "Fix S\u{0}X-2026-011",
    "Fix SX-20\u{7f}26-011",
    "Fix SX-2026\u{9b}1m-011",
    "Fix **SX**-2026-011",
    "Fix `SX`-`2026`-`011`",
    "Fix ~~SX~~-2026-011",
    "Fix _SX_-2026-011",
    "Fix SX%2D2026%2D011",
    "Fix CVE%2d2026%2d41873",
    "Fix SX&#45;2026&#x2d;011",
    "Fix SX&ndash;2026&ndash;011",
    "Fix ratchet&nbsp;header&nbsp;replay",
    "Fix ratchet%20header%20replay",
    "Fix ratchet\u{3164}header replay",
    "Fix SX-2O26-O11",
    "Fix SX-2026-0l1",
    "Fix CVE-2026-4I873",
    "Fix ratchet header replays",
    "Fix ratchet header replayed",
    "Fix ratchet header replaying",
    "Fix S\u{200b}X-2026-011",
    "Fix S\u{ad}X-2026-011",
    "Fix ŚX-2026-011",
    "Fix S\u{fe0f}X-2026-011",
    "Fix \u{202e}SX-2026-011",
    "Fix S\u{e0041}X-2026-011",
    "Fix S\u{2060}X-2026-011",
    "Fix S\u{180e}X-2026-011",
    "Fix SX 2026 011",
    "Fix SX.2026.011",
    "Fix SX/2026/011",
    "Fix SX_2026_011",
    "Fix SX-2026-\n011",
    "Fix SX-\n2026-011",
    "Fix SX<b>-</b>2026-011",
    "Fix <span>SX</span>-2026-011",
    "Fix &#83;X-2026-011",
    "Fix %53X-2026-011",
    "Fix S̸X-2026-011",
    "Fix Ratchet-Header-Replay",
    "Fix ratchet_header_replay",
    "Fix RATCHET HEADER REPLAY",
    "Fix ratchet  header\treplay",
    "Fix ratchet header re\u{ad}play",
    "Fix rátchet header replay",
    "Fix rаtchеt header replay",
    "Fix queue takeover via relay",
    "Fix SX−2026−011",
    "Fix SX‐2026‑011",
    "Fix SX﹣2026﹣011",
    "Fix SX-٢٠٢٦-٠١١",
    "Fix SX-२०२६-०११",
    "Fix SX-𝟐𝟎𝟐𝟔-𝟎𝟏𝟏",
    "Fix SX-2\u{fe0f}⃣026-011",
    "Fix s\u{8}SX-2026-011",
    "Fix SX-2026-011\u{1b}[8m",
    "Fix ＧＨＳＡ-7xq2-9m4r-p3fw",
    "Fix ghsa_7xq2_9m4r_p3fw",
    "Fix GHSA-7XQ2-9M4R-P3FW",
    "Fix CVE 2026 41873",
    "Fix CVE202641873",
    "Fix cve-2026-41873.",
    "Fix (CVE-2026-41873)",
    "Fix [CVE-2026-41873](http://x)",
    "Fix HX-REPORT-4471",
    "Fix hx report 4471",
    "Fix manifest symlink escape",
    "Fix symlinked manifest outside",
    "Fix chunk digest",
    "Fix chunk-digest",
    "Fix SX\u{2003}-2026-011",
    "Fix S&#x58;-2026-011",
    "Fix SX&#8209;2026&#8209;011",
    "Fix SX&minus;2026&minus;011",
    "Fix SX&#x2D;2026&#X2D;011",
    "Fix SX&#0045;2026&#0045;011",
    "Fix CVE–2026–41873",
    "Fix C\u{200d}VE-2026-41873",
    "Fix CVE-2026-41873\u{200b}",
    "Fix ᏟVE-2026-41873",
    "Fix ⅭVE-2026-41873",
    "Fix Ϲ∨Ε-2026-41873",
    "Fix ꓚꓦꓰ-2026-41873",
    "Fix SX⸺2026⸺011",
    "Fix SX\u{a0}-\u{a0}2026\u{a0}-\u{a0}011",
    "Fix S\u{34f}X-2026-011",
    "Fix SX-2026-0١١",
    "Fix \u{1b}[31mSX\u{1b}[0m-2026-011",
    "Fix S\u{1b}[XX-2026-011",
    "Fix SX-2026-011 (via =?UTF-8?Q?SX=2D2026=2D011?=)",
    "Fix ratchet header\nreplay",
    "Fix ratchet\nheader replay",
    "Fix ratchet-header-replay",
    "Fix sx2026011",
    "Fix SX2026-011",
    "Fix SX-2026011",
    "Fix **SX**-**2026**-**011**",
    "Fix *SX*-2026-011",
    "Fix __SX__-2026-011",
    "Fix ~SX~-2026-011",
    "Fix ``SX``-2026-011",
    "Fix ***SX***-2026-011",
    "Fix SX-`2026`-011",
    "Fix SX`-`2026`-`011",
    "Fix _SX-2026-011_",
    "Fix *CVE*-*2026*-*41873*",
    "Fix `GHSA-7xq2-9m4r-p3fw`",
    "Fix GHSA-`7xq2`-9m4r-p3fw",
    "Fix SX%2d2026%2d011",
    "Fix SX%E2%80%902026-011",
    "Fix SX%20-%202026-011",
    "Fix %53%58-2026-011",
    "Fix CVE-%32%30%32%36-41873",
    "Fix SX-2026%2D011",
    "Fix SX&#45;2026-011",
    "Fix SX&#45 2026-011",
    "Fix SX&dash;2026-011",
    "Fix SX&hyphen;2026-011",
    "Fix SX&#x2010;2026-011",
    "Fix SX&lowbar;2026&lowbar;011",
    "Fix SX&#95;2026-011",
    "Fix SX&sol;2026-011",
    "Fix SX&#32;2026-011",
    "Fix SX&#160;2026-011",
    "Fix SX&ensp;2026-011",
    "Fix SX&mdash;2026-011",
    "Fix SX&period;2026-011",
    "Fix &#x53;&#x58;-2026-011",
    "Fix SX-&#50;&#48;26-011",
    "Fix SX&#X2D;2026-011",
    "Fix SX&#0000045;2026-011",
    "Fix SX-2026\u{1b}[0;31;1m-011",
    "Fix SX\u{1b}(B-2026-011",
    "Fix SX\u{1b}Pq#0\u{1b}\\-2026-011",
    "Fix SX\u{1b}]0;title\u{1b}\\-2026-011",
    "Fix SX\u{9b}31m-2026-011",
    "Fix SX\u{1b}7-2026-011",
    "Fix SX-2026-0111\u{8}",
    "Fix SX-2026-012\u{8}1",
    "Fix SX-2026-0\u{0}11",
    "Fix SX\u{85}-2026-011",
    "Fix SX-2O26-011",
    "Fix SX-2026-Oll",
    "Fix SX-2026-o1I",
    "Fix CVE-2O26-4l873",
    "Fix ЅХ-２О２６-О1１",
    "Fix ratchet header replay's",
    "Fix manifest symlink escapes",
    "Fix manifest symlink escaped",
    "Fix manifest symlink escaping",
    "Fix chunk digests",
    "Fix chunk digested",
    "Fix chunk digesting",
    "Fix Chunk Digests",
    "Fix chunk-digesting",
    "Fix CHUNK DIGESTED",
    "Fix chunk\u{3164}digest",
    "Fix chunk\u{115f}digest",
    "Fix chunk\u{1160}digest",
    "Fix chunk\u{ffa0}digest",
    "Fix chunk⠀digest",
    "Fix ratchet\u{3164}header\u{3164}replay",
    "Fix chunk\u{3000}digest",
    "Fix СНUNK DIGEST",
    "Fix сhunk digеst",
    "Fix ΜΑΝΙFΕSΤ SYMLINK ESCAPE",
    "Fix МАNIFЕSТ symlink escape",
    "Fix HX-ᎡEPOᎡT-4471",
    "Fix НХ-RЕРОRТ-4471",
    "Fix ꓢꓫ-2026-011",
    "Fix 𝖲𝖷-2026-011",
    "Fix SX-2026-0𝟙𝟙",
    "Fix СVE-2026-41873",
    // Long horizontal strokes look like a dash (UTS #39 gives them the em dash's prototype).
    "Fix SX─2026─011",
    "Fix SX━2026━011",
    "Fix SXー2026ー011",
    "Fix SXｰ2026ｰ011",
    "Fix SX一2026一011",
    "Fix CVEㅡ2026ㅡ41873",
    "Fix SX˗2026⁃011",
    // A terminal's cursor moves back and what follows overwrites (the screen shows the id).
    "Fix AX-2026-011\rFix S",
    "Fix SQ\u{1b}[1DX-2026-011",
    "Fix ZZ\u{1b}[2DSX-2026-011",
    "Fix AX-2026-011\u{1b}[15DFix S",
    "Fix AX-2026-011\u{1b}[1GFix S",
    "Fix S\u{9b}1DSX-2026-011",
    "Fix SX-2026-0XY\u{8}\u{8}11",
    "Fix ratchet heaXer replay\u{1b}[10Dd",
    "Fix SX-2026\u{1b}[C011",
];

#[test]
fn every_hostile_variant_is_blocked() {
    let checker = checker();
    let missed: Vec<&&str> = HOSTILE.iter().filter(|m| !blocked(&checker, m)).collect();
    assert!(
        missed.is_empty(),
        "{} of {} passed: {missed:#?}",
        missed.len(),
        HOSTILE.len()
    );
}

#[test]
fn what_no_reader_takes_for_a_mention_passes() {
    let checker = checker();
    for message in [
        // A filler shows a blank: `S X` is not the id.
        "Fix S\u{115f}X-2026-011",
        "Fix S\u{ffa0}X-2026-011",
        // Decoded once, as a browser does: this shows `&#45;`.
        "Fix SX&amp;#45;2026-011",
        // Greek Rho is a P: `PEPORT`.
        "Fix \u{397}\u{3a7}-\u{3a1}\u{395}\u{3a1}\u{39f}R\u{3a4}-4471",
        // Another number, another word.
        "Fix CVE-2026-041873",
        "Fix SX-2026-0111",
        "Fix SX-2026-011s",
        // Disclosed (released 2026-10-02, details public 21 days later).
        "Fix stale cookie scope",
        // The cursor moved back one column: the screen shows `ZSX-2026-011`.
        "Fix ZZ\u{1b}[DSX-2026-011",
        // Old Mac line endings overwrite nothing that reads as a mention.
        "Line one\rLine two\r\nSX-2026 line three",
        // An e-mail address, an include and a comparison are no tags to hide.
        "Signed-off-by: A U Thor <author@example.com>\n#include <stdio.h>\nif a<b",
    ] {
        assert!(!blocked(&checker, message), "{message:?}");
    }
}
