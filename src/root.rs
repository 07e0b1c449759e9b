//! The one path helper: every file powerhook reads itself is read under a root prefix
//! (`POWERHOOK_ROOT`, default `/`), so tests and demos run on a fake `/sys` and `/proc`.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Larger files are an error for that reading, not a memory blow-up.
const MAX_READ: u64 = 1 << 20;

/// A reading that failed: which file, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ReadError {
    pub path: PathBuf,
    pub reason: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

impl ReadError {
    pub fn new(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        ReadError {
            path: path.into(),
            reason: reason.into(),
        }
    }
    /// True when the file is simply not there (a collector reports absence, not an error).
    pub fn is_missing(&self) -> bool {
        self.reason.starts_with("missing")
    }
}

/// The root every path is read under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root(PathBuf);

impl Default for Root {
    fn default() -> Self {
        Root(PathBuf::from("/"))
    }
}

impl Root {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Root(path.into())
    }

    /// `POWERHOOK_ROOT`, else `/`.
    pub fn from_env() -> Self {
        match std::env::var_os("POWERHOOK_ROOT").filter(|v| !v.is_empty()) {
            Some(p) => Root(PathBuf::from(p)),
            None => Root::default(),
        }
    }

    /// True when this is the machine's own `/`.
    pub fn is_system(&self) -> bool {
        self.0 == Path::new("/")
    }

    pub fn as_path(&self) -> &Path {
        &self.0
    }

    /// `rel` (absolute or not) under the root.
    pub fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        let rel = rel.as_ref();
        self.0.join(rel.strip_prefix("/").unwrap_or(rel))
    }

    /// Read a file holding one value, trimmed; empty is an error.
    pub fn read_value(&self, rel: impl AsRef<Path>) -> Result<String, ReadError> {
        let path = self.path(rel);
        let text = read_text(&path)?;
        let v = text.trim();
        if v.is_empty() {
            return Err(ReadError::new(path, "empty"));
        }
        Ok(v.to_string())
    }
}

/// Read a text file of at most 1 MiB; every failure says which file and why.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    let file = std::fs::File::open(path).map_err(|e| {
        let reason = if e.kind() == std::io::ErrorKind::NotFound {
            "missing".to_string()
        } else {
            format!("cannot open: {e}")
        };
        ReadError::new(path, reason)
    })?;
    let mut buf = Vec::new();
    file.take(MAX_READ + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ReadError::new(path, format!("cannot read: {e}")))?;
    if buf.len() as u64 > MAX_READ {
        return Err(ReadError::new(path, "larger than 1 MiB"));
    }
    String::from_utf8(buf).map_err(|_| ReadError::new(path, "not UTF-8 text"))
}

/// Parse one field, naming the file and the bad value on failure.
pub fn parse_field<T: std::str::FromStr>(
    path: &Path,
    what: &str,
    value: &str,
) -> Result<T, ReadError> {
    value.trim().parse().map_err(|_| {
        ReadError::new(
            path,
            format!("{what}: `{}` is not a number", truncate(value, 40)),
        )
    })
}

fn truncate(s: &str, n: usize) -> String {
    if s.len() <= n {
        s.to_string()
    } else {
        let cut = (0..=n).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
        format!("{}…", &s[..cut])
    }
}
