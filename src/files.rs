//! File access: every error names its path, and every file a user names is read
//! under the same rules (a regular file, within a size limit, read once).
//!
//! Intakes, policy files, templates, layouts and fonts all come through
//! [`read`] and [`read_text`], so `/dev/zero`, a FIFO or a folder given where a
//! file belongs is refused at once instead of read forever.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// A file operation that failed, with the path it concerns.
#[derive(Debug)]
pub struct FileError {
    /// The path, as given.
    pub path: PathBuf,
    /// What went wrong.
    pub problem: Problem,
}

/// What went wrong with a file.
#[derive(Debug)]
pub enum Problem {
    /// The operating system refused (`op` is what was being done).
    Io {
        /// What was being done: "reading", "writing", "creating".
        op: &'static str,
        /// The cause.
        source: io::Error,
    },
    /// Larger than the limit for its kind.
    TooLarge {
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// A folder, device, FIFO or socket where a regular file belongs.
    NotRegular(&'static str),
    /// Not UTF-8 text.
    NotUtf8 {
        /// Line of the first bad byte, from 1.
        line: usize,
        /// Column (in bytes) of the first bad byte, from 1.
        column: usize,
        /// The bad byte.
        byte: u8,
        /// The file starts with a UTF-16 byte-order mark.
        utf16: bool,
    },
    /// The target exists and may not be replaced.
    Exists,
    /// A symbolic link where the file itself belongs.
    Link,
}

impl FileError {
    /// An I/O error at `path`.
    pub fn io(path: &Path, op: &'static str, source: io::Error) -> FileError {
        FileError { path: path.to_path_buf(), problem: Problem::Io { op, source } }
    }

    fn new(path: &Path, problem: Problem) -> FileError {
        FileError { path: path.to_path_buf(), problem }
    }

    /// Whether the file does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(&self.problem, Problem::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display().to_string();
        let path = crate::diag::shown(&path);
        match &self.problem {
            Problem::Io { op, source } => write!(f, "{path}: {op} failed: {}", reason(source)),
            Problem::TooLarge { size, limit } => write!(f, "{path}: is {size} bytes; the most accepted is {limit}"),
            Problem::NotRegular(what) => write!(f, "{path}: is {what}, not a regular file"),
            Problem::NotUtf8 { line, column, byte, utf16 } => write!(
                f,
                "{path}:{line}:{column}: is not UTF-8 text (byte 0x{byte:02X}){}",
                if *utf16 { "; it is UTF-16" } else { "" }
            ),
            Problem::Exists => write!(f, "{path}: exists; use --force to replace it"),
            Problem::Link => write!(f, "{path}: is a symbolic link; give the file itself"),
        }
    }
}

impl std::error::Error for FileError {}

/// An I/O error in plain words.
pub fn reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or folder".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// What a non-regular file is, in words.
fn kind_of(meta: &fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "not a regular file"
    }
}

/// Opens a regular file for reading and checks it on the handle: a regular
/// file of at most `limit` bytes. Links are followed (the user named the file).
/// Opening never blocks on a FIFO.
pub fn open(path: &Path, limit: u64) -> Result<(File, u64), FileError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| FileError::io(path, "reading", e))?;
    let meta = file.metadata().map_err(|e| FileError::io(path, "reading", e))?;
    if !meta.is_file() {
        return Err(FileError::new(path, Problem::NotRegular(kind_of(&meta))));
    }
    if meta.len() > limit {
        return Err(FileError::new(path, Problem::TooLarge { size: meta.len(), limit }));
    }
    Ok((file, meta.len()))
}

/// Reads a whole regular file of at most `limit` bytes.
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let (file, size) = open(path, limit)?;
    let mut bytes = Vec::with_capacity(size as usize);
    // At most one byte past the limit: a file that grows while read is still refused.
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| FileError::io(path, "reading", e))?;
    if bytes.len() as u64 > limit {
        return Err(FileError::new(path, Problem::TooLarge { size: bytes.len() as u64, limit }));
    }
    Ok(bytes)
}

/// Reads a whole regular file of at most `limit` bytes as UTF-8 text.
pub fn read_text(path: &Path, limit: u64) -> Result<String, FileError> {
    let bytes = read(path, limit)?;
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        let column = at - bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
        let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
        FileError::new(path, Problem::NotUtf8 { line, column, byte: bytes[at], utf16 })
    })
}

/// The regular files directly in `dir` whose names end with one of `extensions`, sorted.
pub fn list(dir: &Path, extensions: &[&str]) -> Result<Vec<PathBuf>, FileError> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| FileError::io(dir, "listing", e))? {
        let path = entry.map_err(|e| FileError::io(dir, "listing", e))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if extensions.iter().any(|e| name.to_ascii_lowercase().ends_with(e)) {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// A file stem safe anywhere: lower-case letters, digits and single hyphens,
/// at most 60 characters, `record` when nothing is left.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "record".into() } else { out }
}

/// Makes a folder and its parents.
pub fn create_dir_all(dir: &Path) -> Result<(), FileError> {
    fs::create_dir_all(dir).map_err(|e| FileError::io(dir, "creating", e))
}

/// Writes through a temporary file beside `target` (mode 0600), moved into place
/// only when complete. Without `force` an existing target is never replaced, even
/// one that appears while writing; a symbolic link at the target is never followed.
pub fn write_atomically<T, E: From<FileError>>(
    target: &Path,
    force: bool,
    fill: impl FnOnce(&mut File) -> Result<T, E>,
) -> Result<T, E> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("packet");
    if let Ok(meta) = fs::symlink_metadata(target) {
        if meta.file_type().is_symlink() {
            return Err(FileError::new(target, Problem::Link).into());
        }
        if !force {
            return Err(FileError::new(target, Problem::Exists).into());
        }
    }
    if !dir.is_dir() {
        let missing = io::Error::new(io::ErrorKind::NotFound, "the folder does not exist");
        return Err(FileError::io(&dir, "writing", missing).into());
    }
    remove_abandoned_temporaries(&dir, name);
    // Unique within the process too: a batch writes from several threads.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let serial = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temp = dir.join(format!(".{name}.{}-{serial}.tmp", std::process::id()));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .map_err(|e| FileError::io(target, "writing", e))?;
    let result = (|| {
        let value = fill(&mut file)?;
        file.flush().map_err(|e| FileError::io(target, "writing", e))?;
        file.sync_all().map_err(|e| FileError::io(target, "writing", e))?;
        if force {
            fs::rename(&temp, target).map_err(|e| FileError::io(target, "writing", e))?;
        } else {
            // A hard link fails if the target appeared meanwhile: nothing is replaced without --force.
            fs::hard_link(&temp, target).map_err(|e| match e.kind() {
                io::ErrorKind::AlreadyExists => FileError::new(target, Problem::Exists),
                _ => FileError::io(target, "writing", e),
            })?;
            let _ = fs::remove_file(&temp);
        }
        Ok(value)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Writes `bytes` to `target` atomically (see [`write_atomically`]).
pub fn write_bytes(target: &Path, force: bool, bytes: &[u8]) -> Result<(), FileError> {
    write_atomically(target, force, |f| f.write_all(bytes).map_err(|e| FileError::io(target, "writing", e)))
}

/// Removes `.NAME.PID-N.tmp` files beside a target that a killed build left:
/// its process is gone (per `/proc`) and the file has not been written for ten
/// minutes. A running build's file is never touched; where `/proc` cannot tell,
/// nothing is removed.
fn remove_abandoned_temporaries(dir: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(id) = file.to_str().and_then(|f| f.strip_prefix(&prefix)).and_then(|r| r.strip_suffix(".tmp")) else {
            continue;
        };
        let Some(Ok(pid)) = id.split('-').next().map(str::parse::<u32>) else { continue };
        let gone = !Path::new("/proc").join(pid.to_string()).exists();
        let stale = entry
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(600));
        if gone && stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether two paths name the same file (after resolving links); `false` when either is missing.
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file that fails every write after `budget` bytes, as a full disk or a pulled drive would.
    struct Failing<'a> {
        file: &'a mut File,
        budget: usize,
    }

    impl Write for Failing<'_> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if buf.len() > self.budget {
                return Err(io::Error::other("injected write failure"));
            }
            self.budget -= buf.len();
            self.file.write(buf)
        }

        fn flush(&mut self) -> io::Result<()> {
            self.file.flush()
        }
    }

    impl io::Seek for Failing<'_> {
        fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
            self.file.seek(pos)
        }
    }

    /// Why a test write failed (the test only needs to know that it did).
    #[derive(Debug)]
    #[allow(dead_code)]
    enum Failed {
        File(FileError),
        Pack(crate::package::PackError),
    }

    impl From<FileError> for Failed {
        fn from(e: FileError) -> Failed {
            Failed::File(e)
        }
    }

    #[test]
    fn a_write_failure_at_any_byte_leaves_the_previous_packet_and_no_temporary_file() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/esketamine-trd-initial");
        let text = fs::read_to_string(folder.join("intake.yaml")).unwrap();
        let pack = crate::Pack::bundled();
        let settings =
            crate::Settings { pack: &pack, policy: None, typesetter: None, markdown: true, redact: false, fhir: false };
        let packet = crate::build(&crate::Input { text, folder }, &settings).unwrap();
        let mut complete = io::Cursor::new(Vec::new());
        packet.write(&mut complete, 0, None).unwrap();
        let complete = complete.into_inner();

        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("packet.zip");
        // A failure after every 512 bytes of the packet, and at its last byte; half over an older packet.
        let cuts: Vec<usize> = (0..complete.len()).step_by(512).chain([complete.len() - 1]).collect();
        for (i, &budget) in cuts.iter().enumerate() {
            let force = i % 2 == 0;
            let previous = force.then(|| b"the previous packet".to_vec());
            let _ = fs::remove_file(&target);
            if let Some(p) = &previous {
                fs::write(&target, p).unwrap();
            }
            let result = write_atomically(&target, force, |file| {
                packet.write(Failing { file, budget }, 0, None).map_err(Failed::Pack)
            });
            assert!(result.is_err(), "cut at {budget} must fail");
            match &previous {
                Some(p) => assert_eq!(&fs::read(&target).unwrap(), p, "cut at {budget}: the previous packet stays"),
                None => assert!(!target.exists(), "cut at {budget}: nothing is written"),
            }
            let left: Vec<_> =
                fs::read_dir(dir.path()).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
            assert!(left.len() <= 1, "cut at {budget}: temporary files left: {left:?}");
        }
        assert!(cuts.len() > 20, "{} failure points", cuts.len());
        // With no failure, the complete packet replaces the previous one.
        fs::write(&target, b"the previous packet").unwrap();
        write_atomically(&target, true, |file| packet.write(file, 0, None).map_err(Failed::Pack)).unwrap();
        assert_eq!(fs::read(&target).unwrap(), complete);
    }

    #[test]
    fn files_that_are_not_regular_or_too_large_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        assert!(matches!(read(&fifo, 10).unwrap_err().problem, Problem::NotRegular("a FIFO")));
        assert!(matches!(read(Path::new("/dev/zero"), 10).unwrap_err().problem, Problem::NotRegular("a device")));
        assert!(matches!(read(dir.path(), 10).unwrap_err().problem, Problem::NotRegular("a folder")));
        let big = dir.path().join("big");
        fs::write(&big, [b'x'; 11]).unwrap();
        assert!(matches!(read(&big, 10).unwrap_err().problem, Problem::TooLarge { size: 11, limit: 10 }));
        let latin = dir.path().join("latin");
        fs::write(&latin, b"ok\nJos\xe9\n").unwrap();
        assert!(matches!(read_text(&latin, 100).unwrap_err().problem, Problem::NotUtf8 { line: 2, column: 4, .. }));
    }

    #[test]
    fn an_atomic_write_never_follows_a_link_or_replaces_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        fs::write(&outside, b"keep").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        assert!(matches!(write_bytes(&link, true, b"new").unwrap_err().problem, Problem::Link));
        assert_eq!(fs::read(&outside).unwrap(), b"keep");
        assert!(matches!(write_bytes(&outside, false, b"new").unwrap_err().problem, Problem::Exists));
        write_bytes(&outside, true, b"new").unwrap();
        assert_eq!(fs::read(&outside).unwrap(), b"new");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&outside).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
