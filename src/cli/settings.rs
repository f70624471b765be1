//! The options `check` and `build` share, made once per run into the library's
//! settings: the pack, the typesetter (when PDFs are made), the policy override.
//! Each is checked before any intake is read, and a bad one is exit 2.

use std::path::Path;
use std::sync::Arc;

use super::CliError;
use super::args::{Format, ReadArgs};
use crate::diag::{Diagnostic, Pos};
use crate::files::{self, Problem};
use crate::pack::{Pack, PackError};
use crate::pdf::Typesetter;
use crate::policy::PolicyProfile;
use crate::{Input, Settings};

/// What a run reads intakes with.
pub struct Reader {
    /// The documents, layout, policies and evidence.
    pub pack: Pack,
    /// Fonts and layout, when PDFs are made.
    pub typesetter: Option<Typesetter>,
    /// The profile given with `--policy`.
    pub policy: Option<Arc<PolicyProfile>>,
    /// Whether the packet holds the Markdown documents.
    pub markdown: bool,
}

impl Reader {
    /// Loads the pack, the fonts and the policy the options name.
    pub fn new(args: &ReadArgs) -> Result<Reader, CliError> {
        let pack = Pack::load(args.templates.as_deref()).map_err(CliError::Pack)?;
        let typesetter = match args.format {
            Format::Md => {
                if args.font_dir.is_some() {
                    return Err(CliError::Usage("--font-dir is for PDFs; --format md makes none".into()));
                }
                None
            }
            Format::Pdf | Format::All => {
                Some(Typesetter::new(args.font_dir.as_deref(), &pack.layout).map_err(CliError::Fonts)?)
            }
        };
        let policy = match &args.policy {
            Some(arg) => Some(crate::policy::resolve(arg, &pack.policies, Path::new(".")).map_err(CliError::Policy)?),
            None => None,
        };
        Ok(Reader { pack, typesetter, policy, markdown: args.format != Format::Pdf })
    }

    /// The library's settings.
    pub fn settings(&self, redact: bool, fhir: bool) -> Settings<'_> {
        Settings {
            pack: &self.pack,
            policy: self.policy.as_ref(),
            typesetter: self.typesetter.as_ref(),
            markdown: self.markdown,
            redact,
            fhir,
        }
    }
}

/// Reads an intake file. A file that cannot be an intake (missing, a folder,
/// too large, not UTF-8 text) is an invalid intake: a diagnostic, exit 1.
pub fn read_intake(path: &Path) -> Result<Input, Diagnostic> {
    let limit = crate::yaml::MAX_INPUT_BYTES as u64;
    let text = files::read_text(path, limit).map_err(|e| {
        let refuse = |message: String| Diagnostic::error("", message);
        match e.problem {
            Problem::NotRegular("a folder") => refuse("is a folder; give the intake file inside it".into())
                .hint("an intake is one YAML file; `authpack init -o intake.yaml` writes a starter"),
            Problem::NotRegular(what) => refuse(format!("is {what}, not a regular file")),
            Problem::TooLarge { size, limit } => refuse(format!("is {size} bytes; an intake is at most {limit} bytes"))
                .hint("enclose long records as attachments instead of pasting them into the intake"),
            Problem::NotUtf8 { line, column, byte, utf16 } => {
                refuse(format!("the file is not UTF-8 text: byte 0x{byte:02X} cannot start a character"))
                    .at(Some(Pos { line: line as u32, column: column as u32 }))
                    .hint(if utf16 {
                        "it is UTF-16; save it as UTF-8"
                    } else {
                        "save the file as UTF-8 (most editors: Save with encoding, UTF-8)"
                    })
            }
            Problem::Io { source, .. } => refuse(format!("cannot be read: {}", files::reason(&source))),
            Problem::Exists | Problem::Link => refuse(e.to_string()),
        }
    })?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    Ok(Input { text, folder })
}

impl From<PackError> for CliError {
    fn from(e: PackError) -> CliError {
        CliError::Pack(e)
    }
}
