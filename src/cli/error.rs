//! The command layer's errors (exit 2), each keeping its typed cause, printed
//! once with the whole cause chain; a file with many problems is shown like an
//! intake's, each with its line.

use std::io;

use crate::diag::{Diagnostic, style};
use crate::files::FileError;
use crate::pack::PackError;
use crate::package::{PackError as ZipError, VerifyError};
use crate::pdf::PdfError;
use crate::policy::PolicyError;

use super::Io;

/// Why a command could not do its work.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file could not be read or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// The templates folder cannot be used.
    #[error("--templates")]
    Pack(#[source] PackError),
    /// The policy given with --policy cannot be used.
    #[error("--policy")]
    Policy(#[source] PolicyError),
    /// Fonts could not be loaded.
    #[error("--font-dir")]
    Fonts(#[source] PdfError),
    /// A packet could not be written.
    #[error("{0}")]
    Write(String, #[source] ZipError),
    /// A packet could not be read to verify.
    #[error("{0}")]
    Verify(String, #[source] VerifyError),
    /// The arguments do not make sense together.
    #[error("{0}")]
    Usage(String),
    /// Standard output or error could not be written.
    #[error("writing to standard {0} failed")]
    Output(&'static str, #[source] io::Error),
    /// The reader of standard output went away (`| head`): a quiet success.
    #[error("standard output was closed")]
    Closed,
}

impl CliError {
    /// Maps a failed write to standard output: a closed pipe ends quietly.
    pub fn stdout(e: io::Error) -> CliError {
        if e.kind() == io::ErrorKind::BrokenPipe { CliError::Closed } else { CliError::Output("output", e) }
    }

    /// Maps a failed write to standard error.
    pub fn stderr(e: io::Error) -> CliError {
        if e.kind() == io::ErrorKind::BrokenPipe { CliError::Closed } else { CliError::Output("error", e) }
    }
}

/// Prints an error and its causes, once: `error: a: b: c`. A policy or pack file
/// with problems prints each like an intake's diagnostic, under its own name.
pub fn print(e: &CliError, io: &mut Io<'_>) -> io::Result<()> {
    let file_problems = match e {
        CliError::Pack(PackError::Invalid { file, text, diagnostics })
        | CliError::Policy(PolicyError::Invalid { file, text, diagnostics }) => Some((file, text, diagnostics)),
        _ => None,
    };
    if let Some((file, text, diagnostics)) = file_problems {
        print_diagnostics(io, file, diagnostics, Some(text))?;
    }
    let mut line = format!("{}: {e}", style::error_label(io.color));
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        line.push_str(": ");
        line.push_str(&c.to_string());
        cause = c.source();
    }
    writeln!(io.err, "{line}")
}

/// Prints diagnostics as the command line shows them, naming `file`.
pub fn print_diagnostics(
    io: &mut Io<'_>,
    file: &str,
    diagnostics: &[Diagnostic],
    source: Option<&str>,
) -> io::Result<()> {
    for d in diagnostics {
        writeln!(io.err, "{}", d.render(file, source, io.color))?;
    }
    Ok(())
}
