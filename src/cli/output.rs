//! Writing to the terminal: every write checked, a closed pipe a quiet end.

use serde::Serialize;

use super::{CliError, Io};

/// Writes one line to standard output.
macro_rules! say {
    ($io:expr, $($arg:tt)*) => {
        writeln!($io.out, $($arg)*).map_err($crate::cli::CliError::stdout)
    };
}

/// Writes one line to standard error.
macro_rules! tell {
    ($io:expr, $($arg:tt)*) => {
        writeln!($io.err, $($arg)*).map_err($crate::cli::CliError::stderr)
    };
}

pub(crate) use {say, tell};

/// Prints one JSON document on standard output.
pub fn json<T: Serialize>(io: &mut Io<'_>, value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).expect("reports serialize");
    say!(io, "{text}")
}

/// Writes bytes to standard output as they are.
pub fn raw(io: &mut Io<'_>, bytes: &[u8]) -> Result<(), CliError> {
    io.out.write_all(bytes).and_then(|()| io.out.flush()).map_err(CliError::stdout)
}

/// Prints diagnostics on standard error, naming `file`.
pub fn diagnostics(
    io: &mut Io<'_>,
    file: &str,
    diagnostics: &[crate::diag::Diagnostic],
    source: Option<&str>,
) -> Result<(), CliError> {
    super::error::print_diagnostics(io, file, diagnostics, source).map_err(CliError::stderr)
}
