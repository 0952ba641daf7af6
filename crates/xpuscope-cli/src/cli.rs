//! Command-line flags, as clap parses them. Commands turn these into validated options before any
//! work runs.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Output format shared by every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Aligned tables for a person.
    #[default]
    Text,
    /// JSON for programs (a stable contract; field names carry their unit).
    Json,
}

/// What an AI accelerator delivers for your model, how chips compare, what they cost, and how US
/// export rules classify them.
#[derive(Debug, Parser)]
#[command(name = "xpuscope", version, about, max_term_width = 100)]
pub struct Args {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Extra catalogue directory: every *.toml under it adds or overrides chips and models
    /// (may be repeated; also read from XPUSCOPE_CATALOG).
    #[arg(long, global = true, value_name = "DIR")]
    pub catalog: Vec<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the accelerators in the catalogue.
    Chips,
    /// Show one accelerator's spec sheet, each value with its source and grade.
    Chip {
        /// Chip id (see `xpuscope chips`).
        id: String,
    },
    /// List the models in the catalogue.
    Models,
    /// Show one model's architecture and parameter counts.
    Model {
        /// Model id, or a path to a Hugging Face config.json.
        id: String,
    },
}
