//! Binary entry point: everything lives in the library so tests and benches share it.

fn main() {
    std::process::exit(embargo::cli::main());
}
