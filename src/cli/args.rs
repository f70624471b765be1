//! The command line's definition: clap derive, whose doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Prior-authorization packets for esketamine and ketamine therapy, from one YAML intake.
#[derive(Debug, Parser)]
#[command(name = "authpack", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build a packet (zip) from each intake.
    Build(BuildArgs),
    /// Check an intake exactly as build would, and print the criteria table.
    Check(CheckArgs),
    /// Write a commented starter intake.
    Init(InitArgs),
    /// Start an intake from records another system exported.
    Import {
        /// The kind of records.
        #[command(subcommand)]
        source: ImportSource,
    },
    /// Open the guided interview in the browser: a local server for one folder.
    Serve(ServeArgs),
    /// Re-hash every entry of a packet against its manifest. An encrypted
    /// packet's password comes from AUTHPACK_PASSWORD or the terminal.
    Verify {
        /// The packet (zip).
        #[arg(value_name = "PACKET")]
        packet: PathBuf,
        /// Print one JSON document on stdout instead.
        #[arg(long)]
        json: bool,
    },
    /// List the bundled policy profiles, or show one.
    Policies {
        /// list or show.
        #[command(subcommand)]
        action: Option<PoliciesAction>,
        /// Print JSON on stdout instead.
        #[arg(long, global = true)]
        json: bool,
    },
    /// Print the JSON Schema of the intake (for editors: see the README).
    Schema,
    /// Print a shell completion script.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one page per command into DIR.
    Man {
        /// Write authpack.1 and authpack-COMMAND.1 files here instead of printing.
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
    },
    /// Work with the document templates.
    Templates {
        /// eject.
        #[command(subcommand)]
        action: TemplatesAction,
    },
}

/// The options that decide whether an intake can be built: `check` and `build` share them.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// What the packet holds besides the records: Markdown, PDFs, or both.
    /// PDFs need every character to be in a font and every record to be placeable.
    #[arg(long, value_enum, default_value_t = Format::All)]
    pub format: Format,
    /// A folder whose documents/*.md, layout.typ, policies/*.yaml and
    /// evidence/library.yaml replace the defaults by name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// A bundled policy id or a policy file, instead of the intake's.
    #[arg(long, value_name = "ID|FILE")]
    pub policy: Option<String>,
    /// A folder of extra fonts (.ttf, .otf, .ttc, .otc) for characters the bundled fonts lack.
    #[arg(long, value_name = "DIR")]
    pub font_dir: Option<PathBuf>,
}

/// `serve`'s arguments.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The folder: its intake.yaml is opened for editing (or started), records
    /// go into its records/, and the packet is built into it as packet.zip.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// The port on 127.0.0.1 [default: a free one].
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Open the default browser at the URL.
    #[arg(long)]
    pub open: bool,
    /// A folder whose documents, layout, policies and evidence replace the defaults by name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// A folder of extra fonts for characters the bundled fonts lack.
    #[arg(long, value_name = "DIR")]
    pub font_dir: Option<PathBuf>,
}

/// `build`'s arguments.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Intake files (YAML), or folders: each folder's *.yaml files and */intake.yaml.
    #[arg(required = true, value_name = "INTAKE|DIR")]
    pub intakes: Vec<PathBuf>,
    /// Where to write: a .zip file for one intake, a folder for several
    /// [default: beside each intake, named after it].
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// The options that decide what can be built.
    #[command(flatten)]
    pub read: ReadArgs,
    /// Build this many packets at once [default: one per core].
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Replace an existing packet.
    #[arg(long)]
    pub force: bool,
    /// Take the people out: names, identifiers, addresses and free text become
    /// placeholders, dates shift by one offset, records are withheld.
    #[arg(long)]
    pub redact: bool,
    /// Also write pas-bundle.json: the request as a Da Vinci PAS Bundle (FHIR R4),
    /// with the letter, crosswalk and faxed records inline, validated before it is packed.
    #[arg(long)]
    pub fhir: bool,
    /// Encrypt the packet (AES-256 zip). The password comes from the
    /// AUTHPACK_PASSWORD environment variable, or is asked for on the terminal.
    #[arg(long)]
    pub encrypt: bool,
    /// Print one JSON summary on stdout instead of the report on stderr.
    #[arg(long)]
    pub json: bool,
}

/// `check`'s arguments.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The intake file.
    #[arg(value_name = "INTAKE")]
    pub intake: PathBuf,
    /// The options that decide what can be built, as for build.
    #[command(flatten)]
    pub read: ReadArgs,
    /// Print one JSON document on stdout instead.
    #[arg(long)]
    pub json: bool,
}

/// `init`'s arguments.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The therapy requested.
    #[arg(long, default_value = "esketamine-nasal", value_parser = ["esketamine-nasal", "ketamine-iv", "ketamine-im"])]
    pub therapy: String,
    /// The kind of request.
    #[arg(long, default_value = "initial", value_parser = ["initial", "continuation", "appeal", "claim"])]
    pub kind: String,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
    /// Ask for the therapy, the kind and the essential facts on the terminal.
    #[arg(short, long)]
    pub interactive: bool,
}

/// What a packet holds besides the records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The Markdown documents only (fastest).
    Md,
    /// The PDFs only: each document and the combined fax.
    Pdf,
    /// Markdown and PDFs.
    All,
}

/// `policies` subcommands.
#[derive(Debug, Subcommand)]
pub enum PoliciesAction {
    /// List every bundled profile.
    List,
    /// Print one profile's criteria and source.
    Show {
        /// The profile id.
        id: String,
    },
}

/// `templates` subcommands.
#[derive(Debug, Subcommand)]
pub enum TemplatesAction {
    /// Copy the default templates, layout, policy profiles and evidence library into DIR for editing.
    Eject {
        /// The folder to create.
        dir: PathBuf,
        /// Replace files that exist.
        #[arg(long)]
        force: bool,
    },
}

/// What `import` reads.
#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// FHIR R4 JSON (Bundles or single resources, from an EHR or a patient portal):
    /// writes a starter intake whose every value names its resource, with what
    /// FHIR cannot say marked !fill; inline documents go into records/ beside it.
    Fhir {
        /// FHIR JSON files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The intake to write [default: print it; needed when records are imported].
        #[arg(short, long, value_name = "INTAKE")]
        output: Option<PathBuf>,
        /// Replace an existing intake and records.
        #[arg(long)]
        force: bool,
    },
}
