//! The authpack binary: parse the command line, run it, exit with its code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = authpack::cli::Cli::parse();
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    authpack::cli::run(cli, &mut authpack::cli::Io { out: &mut out, err: &mut err })
}
