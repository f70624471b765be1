//! `authpack schema`, `completions` and `man`: what editors, shells and `man` read.

use std::path::Path;
use std::process::ExitCode;

use clap::CommandFactory;

use super::args::Cli;
use super::output::{self, say, tell};
use super::{CliError, Io};
use crate::files;

/// Prints the intake's JSON Schema.
pub fn schema(io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    say!(io, "{}", crate::intake::schema_json())?;
    Ok(ExitCode::SUCCESS)
}

/// Prints a shell completion script.
pub fn completions(shell: clap_complete::Shell, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    // Into memory first: a closed pipe (`| head`) must not panic the generator.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "authpack", &mut script);
    output::raw(io, &script)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the manual page, or writes one page per command into `dir`.
pub fn man(dir: Option<&Path>, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let command = Cli::command();
    let render = |page: clap::Command| {
        let mut bytes = Vec::new();
        clap_mangen::Man::new(page).render(&mut bytes).expect("roff renders into memory");
        bytes
    };
    let Some(dir) = dir else {
        output::raw(io, &render(command))?;
        return Ok(ExitCode::SUCCESS);
    };
    files::create_dir_all(dir)?;
    let mut pages = vec![("authpack.1".to_string(), command.clone())];
    for sub in command.get_subcommands() {
        let name = format!("authpack-{}", sub.get_name());
        pages.push((format!("{name}.1"), sub.clone().bin_name(name)));
    }
    for (file, page) in pages {
        files::write_bytes(&dir.join(&file), true, &render(page))?;
    }
    let shown = crate::diag::shown(&dir.display().to_string()).into_owned();
    tell!(io, "wrote manual pages to {shown}; view one with: man {shown}/authpack.1")?;
    Ok(ExitCode::SUCCESS)
}
