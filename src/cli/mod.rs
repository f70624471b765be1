//! The command line, and only the command line: clap's definitions (the single
//! source of the help text), one module per command, and printers that write
//! reports to any `Write`. Each command turns its arguments into a checked
//! configuration before any work, then calls the library.
//!
//! Exit codes: 0 success; 1 an invalid intake or a packet that fails to verify;
//! 2 usage, I/O, template or internal error. A closed pipe (`| head`) is a quiet
//! success; any other failure to write standard output or error is exit 2.

mod args;
mod batch;
mod build;
mod check;
mod error;
mod import;
mod init;
mod misc;
mod output;
mod password;
mod policies;
mod report;
mod serve;
mod settings;
mod templates;
mod verify;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

pub use args::{Cli, Command, Format, ImportSource, PoliciesAction, TemplatesAction};
pub use error::CliError;

/// Terminal streams, so tests can capture them.
pub struct Io<'a> {
    /// Standard output.
    pub out: &'a mut dyn Write,
    /// Standard error.
    pub err: &'a mut dyn Write,
    /// Whether to colour what goes to standard error.
    pub color: bool,
    /// Whether standard error is a terminal (for the progress bar).
    pub err_is_terminal: bool,
}

impl<'a> Io<'a> {
    /// The process's own streams: colour on a terminal unless NO_COLOR is set.
    pub fn terminal(out: &'a mut dyn Write, err: &'a mut dyn Write) -> Io<'a> {
        let err_is_terminal = io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Io { out, err, color: err_is_terminal && !no_color, err_is_terminal }
    }
}

/// Runs a parsed command line, returning the exit code.
pub fn run(cli: Cli, io: &mut Io<'_>) -> ExitCode {
    // One clock read for the whole run: SOURCE_DATE_EPOCH, when set, fixes every timestamp.
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|v| v.trim().parse::<i64>().ok());
    let result = match cli.command {
        Command::Build(args) => build::run(args, epoch, io),
        Command::Check(args) => check::run(args, io),
        Command::Init(args) => init::run(args, io),
        Command::Serve(args) => serve::run(args, io),
        Command::Verify { packet, json } => verify::run(&packet, json, io),
        Command::Policies { action, json } => policies::run(action.unwrap_or(PoliciesAction::List), json, io),
        Command::Import { source: ImportSource::Fhir { files, output, force } } => {
            import::fhir(&files, output.as_deref(), force, io)
        }
        Command::Templates { action: TemplatesAction::Eject { dir, force } } => templates::eject(&dir, force, io),
        Command::Schema => misc::schema(io),
        Command::Completions { shell } => misc::completions(shell, io),
        Command::Man { output } => misc::man(output.as_deref(), io),
    };
    match result {
        Ok(code) => code,
        Err(CliError::Closed) => ExitCode::SUCCESS,
        Err(e) => {
            // Standard error may itself be closed or full: there is nowhere left to say so.
            let _ = error::print(&e, io);
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
