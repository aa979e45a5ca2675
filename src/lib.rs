//! mailflowc compiles one TOML description of a mail flow — a secure email
//! gateway in front of Microsoft 365 — into everything that has to be
//! configured: Exchange Online PowerShell today, gateway configuration, DNS
//! fragments and a runbook as the project grows.
//!
//! Data flows one way, one module per stage:
//! [`parse`] (TOML → raw types, spans kept) → [`check`] (every semantic
//! problem collected) → [`lower`] (normalized [`model`]) → [`targets`] (the
//! typed plan, then templates, in memory) → [`write`] (the output tree,
//! atomically). [`pipeline`] runs the first four; [`diagnostics`] is the one
//! place problems are rendered; [`knowledge`] holds the facts every stage
//! shares.

pub mod audit;
pub mod catalog;
pub mod check;
pub mod cli;
pub mod commands;
pub mod context;
pub mod diagnostics;
pub mod dnscheck;
pub mod exchange;
pub mod fleet;
pub mod git;
pub mod import;
pub mod init;
pub mod knowledge;
pub mod lower;
pub mod mailflow;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod planner;
pub mod secret;
pub mod targets;
pub mod trees;
pub mod write;

pub use context::Context;
pub use pipeline::{analyze, analyze_with, compile, compile_with, reveal, CompileError, Compiled};
