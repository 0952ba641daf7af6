//! The CLI integration tests: one binary, one module per command.

mod export;
