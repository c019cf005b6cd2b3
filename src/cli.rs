//! Command-line parsing and dispatch; maps outcomes and errors to exit codes (§1).

pub fn main() -> i32 {
    2
}
