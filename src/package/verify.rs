//! Verify: re-hash every entry of a packet against its manifest.

use std::io::{self, Read, Seek};

use serde::Serialize;
use zip::ZipArchive;

use super::{MANIFEST_NAME, Manifest, hash_reader};

/// What verifying a packet found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Verification {
    /// Entries whose bytes match the manifest.
    pub ok: Vec<String>,
    /// Entries whose size or hash differ from the manifest.
    pub changed: Vec<String>,
    /// Entries the manifest lists that the zip lacks.
    pub missing: Vec<String>,
    /// Entries in the zip that the manifest does not list.
    pub added: Vec<String>,
}

impl Verification {
    /// Whether every entry matches and nothing was added or removed.
    pub fn is_intact(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.added.is_empty()
    }
}

/// A packet that cannot be read as one.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Not a readable zip.
    #[error("not a readable zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// No manifest, or one that does not parse.
    #[error("the manifest is missing or unreadable: {0}")]
    Manifest(String),
    /// Reading failed.
    #[error("reading the packet: {0}")]
    Io(#[from] io::Error),
    /// The packet is encrypted and no password was given.
    #[error("the packet is encrypted; set AUTHPACK_PASSWORD or run on a terminal to be asked")]
    Encrypted,
    /// The password does not open the packet.
    #[error("the password does not open the packet")]
    WrongPassword,
}

/// Re-hashes every entry of a packet against its manifest.
///
/// An encrypted packet needs its `password`.
pub fn verify_packet<R: Read + Seek>(reader: R, password: Option<&str>) -> Result<Verification, VerifyError> {
    let mut zip = ZipArchive::new(reader)?;
    let manifest: Manifest = {
        let mut file = open_entry(&mut zip, MANIFEST_NAME, password).map_err(|e| match e {
            zip::result::ZipError::UnsupportedArchive(m) if m.contains("Password") => VerifyError::Encrypted,
            zip::result::ZipError::InvalidPassword => VerifyError::WrongPassword,
            e => VerifyError::Manifest(e.to_string()),
        })?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(|e| VerifyError::Manifest(e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| VerifyError::Manifest(e.to_string()))?
    };
    let mut result = Verification::default();
    let names: Vec<String> = zip.file_names().map(|n| n.map(|n| n.into_owned())).collect::<Result<_, _>>()?;
    for listed in &manifest.files {
        match open_entry(&mut zip, &listed.path, password) {
            Ok(file) => {
                let (size, sha) = hash_reader(file)?;
                if size == listed.size && sha == listed.sha256 {
                    result.ok.push(listed.path.clone());
                } else {
                    result.changed.push(listed.path.clone());
                }
            }
            Err(zip::result::ZipError::FileNotFound) => result.missing.push(listed.path.clone()),
            Err(e) => return Err(e.into()),
        }
    }
    for name in names {
        if name != MANIFEST_NAME && !manifest.files.iter().any(|f| f.path == name) {
            result.added.push(name);
        }
    }
    result.added.sort();
    Ok(result)
}

fn open_entry<'a, R: Read + Seek>(
    zip: &'a mut ZipArchive<R>,
    name: &str,
    password: Option<&str>,
) -> zip::result::ZipResult<zip::read::ZipFile<'a, R>> {
    match password {
        Some(p) => zip.by_name_decrypt(name, p.as_bytes()),
        None => zip.by_name(name),
    }
}
