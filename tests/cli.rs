//! Fixture-driven CLI tests: each `tests/cmd/NAME.toml` gives the arguments and exit
//! code, `NAME.stdin` the input, `NAME.stdout` / `NAME.stderr` the exact expected output.
//! Regenerate expectations after a deliberate change with `TRYCMD=overwrite cargo test
//! --test cli`, then read the diff.

#[test]
fn cli_cases() {
    // The cases run in tests/cmd, inside embargo's own work tree, which must not be taken
    // for the repository being checked: its config is the developer's, and the example
    // registry the cases use is tracked there (and so would be refused as published).
    trycmd::TestCases::new()
        .env("GIT_CEILING_DIRECTORIES", env!("CARGO_MANIFEST_DIR"))
        .case("tests/cmd/*.toml");
}
