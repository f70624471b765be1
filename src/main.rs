//! The authpack binary: parse the command line, run it, exit with its code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = authpack::cli::Cli::parse();
    // Unlocked handles: a batch's progress bar draws on stderr from worker threads.
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    authpack::cli::run(cli, &mut authpack::cli::Io::terminal(&mut out, &mut err))
}
