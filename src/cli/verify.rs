//! `authpack verify`: re-hash a packet's entries against its manifest.

use std::path::Path;
use std::process::ExitCode;

use super::output::{self, say};
use super::report::VerifyReport;
use super::{CliError, Io};
use crate::diag;
use crate::files;
use crate::package::{self, VerifyError};

/// The largest packet `verify` opens.
pub const MAX_PACKET_BYTES: u64 = 8 * 1024 * 1024 * 1024;

/// Runs `verify`.
pub fn run(path: &Path, json: bool, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let shown = diag::shown(&path.display().to_string()).into_owned();
    let open = || files::open(path, MAX_PACKET_BYTES).map(|(f, _)| std::io::BufReader::new(f));
    let failed = |e: VerifyError| CliError::Verify(shown.clone(), e);
    let result = match package::verify_packet(open()?, None) {
        Err(VerifyError::Encrypted) => {
            let password = super::password::ask(false)?;
            package::verify_packet(open()?, Some(&password)).map_err(failed)?
        }
        other => other.map_err(failed)?,
    };
    if json {
        return output::json(io, &VerifyReport { intact: result.is_intact(), entries: &result })
            .map(|()| exit(result.is_intact()));
    }
    for finding in &result.structure {
        say!(io, "altered  {}", diag::shown(finding))?;
    }
    for (label, names) in [("changed", &result.changed), ("missing", &result.missing), ("added", &result.added)] {
        for name in names {
            say!(io, "{label:<8} {}", diag::shown(name))?;
        }
    }
    let verdict = if result.is_intact() { "intact" } else { "ALTERED" };
    say!(
        io,
        "{shown}: {verdict} ({} entries match, {} changed, {} missing, {} added)",
        result.ok.len(),
        result.changed.len(),
        result.missing.len(),
        result.added.len()
    )?;
    Ok(exit(result.is_intact()))
}

fn exit(intact: bool) -> ExitCode {
    if intact { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
