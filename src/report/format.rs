//! The output formats (`--format`) and which renderer each one is. The renderers sit
//! beside this module and know nothing of it.

use super::{github, human, json, sarif, Render};

/// An output format (`--format`). Which of them a command takes is its own business
/// (see `cli`); every one of them renders any report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

impl Format {
    pub fn renderer(self) -> &'static dyn Render {
        match self {
            Format::Human => &human::Human,
            Format::Json => &json::Json,
            Format::Sarif => &sarif::Sarif,
            Format::Github => &github::Github,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
        }
    }
}
