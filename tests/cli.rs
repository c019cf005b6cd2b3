//! Fixture-driven CLI tests: each `tests/cmd/NAME.toml` gives the arguments and exit
//! code, `NAME.stdin` the input, `NAME.stdout` / `NAME.stderr` the exact expected output.
//! Regenerate expectations after a deliberate change with `TRYCMD=overwrite cargo test
//! --test cli`, then read the diff.

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
