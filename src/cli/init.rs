//! `authpack init`: write a starter intake, or ask for the essentials first (`-i`).

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::args::InitArgs;
use super::output::{self, tell};
use super::{CliError, Io};
use crate::diag;
use crate::files;
use crate::intake::starter;

/// Runs `init`.
pub fn run(args: InitArgs, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    if args.interactive {
        return interactive(args.output.as_deref(), args.force, io);
    }
    write(&starter::starter(&args.therapy, &args.kind), args.output.as_deref(), args.force, io)
}

/// Writes a starter to `output` (with the schema beside it), or prints it.
fn write(text: &str, output: Option<&Path>, force: bool, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let Some(path) = output else {
        output::raw(io, text.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    };
    files::write_bytes(path, force, text.as_bytes())?;
    // The schema the starter's first line names, for editors; an existing one is kept.
    let schema = path.with_file_name("intake.schema.json");
    let shown = |p: &Path| diag::shown(&p.display().to_string()).into_owned();
    if !schema.exists() {
        files::write_bytes(&schema, false, (crate::intake::schema_json() + "\n").as_bytes())?;
        tell!(io, "wrote {} (for editors)", shown(&schema))?;
    }
    tell!(io, "wrote {}; fill it in, then run: authpack check {}", shown(path), shown(path))?;
    Ok(ExitCode::SUCCESS)
}

/// Asks for the essentials on the terminal and writes a starter with them filled in.
fn interactive(output: Option<&Path>, force: bool, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock();
    let mut ask = |io: &mut Io<'_>, question: &str, allowed: &[&str], default: &str| -> Result<String, CliError> {
        loop {
            let choices = if allowed.is_empty() { String::new() } else { format!(" ({})", allowed.join(", ")) };
            write!(io.err, "{question}{choices} [{default}]: ")
                .and_then(|()| io.err.flush())
                .map_err(CliError::stderr)?;
            let mut answer = String::new();
            let read = lines.read_line(&mut answer).map_err(|e| CliError::Output("input", e))?;
            let answer = answer.trim();
            if read == 0 || answer.is_empty() {
                return Ok(default.to_string());
            }
            if allowed.is_empty() || allowed.contains(&answer) {
                return Ok(answer.to_string());
            }
            tell!(io, "  please answer one of: {}", allowed.join(", "))?;
        }
    };
    let therapy = ask(io, "therapy", &["esketamine-nasal", "ketamine-iv", "ketamine-im"], "esketamine-nasal")?;
    let kind = ask(io, "kind of request", &["initial", "continuation", "appeal", "claim"], "initial")?;
    let mut text = starter::starter(&therapy, &kind);
    // Each answer replaces the starter's value on the first line with that key, quoted as YAML.
    for (key, question) in [
        ("first_name", "patient's first name"),
        ("last_name", "patient's last name"),
        ("date_of_birth", "patient's date of birth (YYYY-MM-DD)"),
        ("member_id", "member ID"),
    ] {
        let current = starter::starter_value(&text, key).unwrap_or_default();
        let answer = ask(io, question, &[], &current)?;
        text = starter::replace_value(&text, key, &answer);
    }
    let path = match output {
        Some(p) => p.to_path_buf(),
        None => PathBuf::from(ask(io, "write to", &[], "intake.yaml")?),
    };
    write(&text, Some(&path), force, io)
}
