//! The packet password: from AUTHPACK_PASSWORD, else asked on the terminal.
//! Never from an argument, where other users could see it.

use std::io::IsTerminal;

use super::CliError;

/// The shortest password accepted.
pub const MIN_CHARS: usize = 8;

/// The password, asked twice when `confirm`.
pub fn ask(confirm: bool) -> Result<String, CliError> {
    let short = |what: &str| CliError::Usage(format!("{what} must be at least {MIN_CHARS} characters"));
    if let Ok(p) = std::env::var("AUTHPACK_PASSWORD") {
        if p.chars().count() < MIN_CHARS {
            return Err(short("AUTHPACK_PASSWORD"));
        }
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "a password is needed: set AUTHPACK_PASSWORD, or run on a terminal to be asked".into(),
        ));
    }
    let prompt = |text: &str| rpassword::prompt_password(text).map_err(CliError::stderr);
    let first = prompt("packet password: ")?;
    if first.chars().count() < MIN_CHARS {
        return Err(short("the password"));
    }
    if confirm && prompt("again: ")? != first {
        return Err(CliError::Usage("the passwords differ".into()));
    }
    Ok(first)
}
