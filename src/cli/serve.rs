//! `authpack serve`: the interview's server for one folder, until Ctrl-C.

use std::process::ExitCode;

use super::args::ServeArgs;
use super::output::{say, tell};
use super::{CliError, Io};
use crate::pack::Pack;
use crate::pdf::Typesetter;
use crate::serve::{self, Options};

/// Runs `serve`.
pub fn run(args: ServeArgs, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let pack = Pack::load(args.templates.as_deref()).map_err(CliError::Pack)?;
    let typesetter = Typesetter::new(args.font_dir.as_deref(), &pack.layout).map_err(CliError::Fonts)?;
    let options = Options { dir: args.dir.clone(), port: args.port, open: args.open };
    let shown = crate::diag::shown(&args.dir.display().to_string()).into_owned();
    let mut told = Ok(());
    let result = serve::run(options, pack, Some(typesetter), |url| {
        // The URL alone on standard output (for a script to read); the words on standard error.
        told = say!(io, "{url}").and_then(|()| {
            tell!(io, "authpack serve: the interview for {shown} is at the URL above; open it in a browser on this computer. Ctrl-C stops the server.")
        });
        let _ = io.out.flush();
    });
    told?;
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(message) => Err(CliError::Usage(message)),
    }
}
