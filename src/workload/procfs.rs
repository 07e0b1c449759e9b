//! Readers for the few `/proc` files the workload analyzer needs, under a root prefix.
//!
//! Every path is `root.join("proc/...")`, so tests and benchmarks run on fake trees. A process
//! can exit between two reads: a missing file is reported as [`ProcError::Vanished`], which the
//! analyzer treats as "the process is gone", never as a panic.

use std::ffi::CStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Why a `/proc` file could not be used.
#[derive(Debug, Error)]
pub enum ProcError {
    /// The file (or the whole pid directory) is not there: the process exited, or the field is
    /// not offered on this kernel.
    #[error("{path}: not there (process gone?)")]
    Vanished { path: PathBuf },
    /// The file exists but could not be read (e.g. `/proc/PID/io` of another user's process).
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The text is not in the format the kernel writes.
    #[error("{path}: unexpected format: {what}")]
    Parse { path: PathBuf, what: &'static str },
}

/// Read a small single-record file (`stat`, `status`, `io`, `uptime`) into `buf`, sparing the
/// second `read` that only confirms end of file: the kernel writes these whole in one read
/// when the buffer is large enough, so a read that does not fill the buffer is the end.
pub fn read_small(path: &Path, buf: &mut Vec<u8>) -> Result<(), ProcError> {
    const CHUNK: usize = 8192;
    let mut f = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    let mut len = 0;
    loop {
        if buf.len() < len + CHUNK {
            buf.resize(len + CHUNK, 0);
        }
        let n = f.read(&mut buf[len..]).map_err(|e| io_err(path, e))?;
        len += n;
        if n == 0 || len < buf.len() {
            break;
        }
    }
    buf.truncate(len);
    Ok(())
}

/// A `/proc` directory held open for one scan: the files of each process are opened relative
/// to it (`openat(dir, "PID/stat")`), so the kernel walks two path components instead of the
/// whole root prefix, and no path is built on the heap unless a read fails. The listing
/// (`readdir`) goes through the same descriptor.
pub struct ProcDir {
    dir: std::ptr::NonNull<libc::DIR>,
    path: PathBuf,
}

impl ProcDir {
    /// Open `path` (normally `POWERHOOK_ROOT/proc`).
    pub fn open(path: &Path) -> Result<Self, ProcError> {
        let c =
            std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| ProcError::Parse {
                path: path.to_path_buf(),
                what: "path holds a NUL byte",
            })?;
        // SAFETY: c is a valid NUL-terminated string; opendir returns NULL on failure.
        let dir = unsafe { libc::opendir(c.as_ptr()) };
        match std::ptr::NonNull::new(dir) {
            Some(dir) => Ok(ProcDir {
                dir,
                path: path.to_path_buf(),
            }),
            None => Err(io_err(path, std::io::Error::last_os_error())),
        }
    }

    /// The next entry whose name is a pid (as `str::parse::<u32>` reads it), in `readdir`
    /// order; `None` at the end of the listing or on a read error.
    pub fn next_pid(&mut self) -> Option<u32> {
        loop {
            // SAFETY: self.dir is an open DIR stream owned by self; the entry readdir returns
            // stays valid until the next readdir/closedir on this stream, and is read before.
            let ent = unsafe { libc::readdir(self.dir.as_ptr()) };
            if ent.is_null() {
                return None;
            }
            // SAFETY: d_name of a non-NULL dirent is a NUL-terminated name.
            let name = unsafe { CStr::from_ptr((*ent).d_name.as_ptr()) };
            if let Some(pid) = std::str::from_utf8(name.to_bytes())
                .ok()
                .and_then(|s| s.parse::<u32>().ok())
            {
                return Some(pid);
            }
        }
    }

    /// `uid` owning `PID` (the directory's owner: the process's effective uid).
    pub fn owner(&self, pid: u32) -> Option<u32> {
        let name = PidPath::new(pid, "");
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: the descriptor is open, name is NUL-terminated, st is a valid out-pointer.
        let rc = unsafe { libc::fstatat(self.fd(), name.as_ptr(), st.as_mut_ptr(), 0) };
        // SAFETY: fstatat filled st when it returned 0.
        (rc == 0).then(|| unsafe { st.assume_init() }.st_uid)
    }

    /// Like [`read_small`], for `PID/name` under this directory (no zero-filling of `buf`).
    pub fn read_small(&self, pid: u32, name: &str, buf: &mut Vec<u8>) -> Result<(), ProcError> {
        self.read(pid, name, buf, true, usize::MAX)
    }

    /// Like [`ProcDir::read_small`], keeping at most the first `max` bytes: for a caller that
    /// must not read an arbitrarily large file under a fake root.
    pub fn read_small_capped(
        &self,
        pid: u32,
        name: &str,
        buf: &mut Vec<u8>,
        max: usize,
    ) -> Result<(), ProcError> {
        self.read(pid, name, buf, true, max)
    }

    /// Read `PID/name` under this directory into `buf` (cleared first) until end of file (for
    /// `maps` and `cmdline`, which the kernel hands out a page at a time). "Not found" is
    /// [`ProcError::Vanished`].
    pub fn read_into(&self, pid: u32, name: &str, buf: &mut Vec<u8>) -> Result<(), ProcError> {
        self.read(pid, name, buf, false, usize::MAX)
    }

    /// Read `PID/name` into `buf` (cleared first) until end of file, or, with `short_is_end`,
    /// until a read that does not fill the room offered (see [`read_small`]); never more than
    /// `max` bytes.
    fn read(
        &self,
        pid: u32,
        name: &str,
        buf: &mut Vec<u8>,
        short_is_end: bool,
        max: usize,
    ) -> Result<(), ProcError> {
        const CHUNK: usize = 8192;
        let fd = self.open_file(pid, name)?;
        buf.clear();
        loop {
            let left = max - buf.len();
            if left == 0 {
                return Ok(());
            }
            buf.reserve(CHUNK.min(left));
            let spare = buf.spare_capacity_mut();
            let room = spare.len().min(left);
            // SAFETY: fd is open; the kernel writes at most `room` bytes into spare.
            let n = unsafe { libc::read(fd.0, spare.as_mut_ptr().cast(), room) };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(io_err(&self.file_path(pid, name), e));
            }
            let n = n as usize;
            // SAFETY: read initialised the first n (<= room) bytes of the spare capacity.
            unsafe { buf.set_len(buf.len() + n) };
            if n == 0 || (short_is_end && n < room) {
                return Ok(());
            }
        }
    }

    fn fd(&self) -> libc::c_int {
        // SAFETY: self.dir is an open DIR stream.
        unsafe { libc::dirfd(self.dir.as_ptr()) }
    }

    fn open_file(&self, pid: u32, name: &str) -> Result<Fd, ProcError> {
        let p = PidPath::new(pid, name);
        // SAFETY: the directory descriptor is open and p is NUL-terminated.
        let fd = unsafe { libc::openat(self.fd(), p.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
        if fd < 0 {
            return Err(io_err(
                &self.file_path(pid, name),
                std::io::Error::last_os_error(),
            ));
        }
        Ok(Fd(fd))
    }

    fn file_path(&self, pid: u32, name: &str) -> PathBuf {
        let mut p = self.path.join(pid.to_string());
        if !name.is_empty() {
            p.push(name);
        }
        p
    }
}

impl Drop for ProcDir {
    fn drop(&mut self) {
        // SAFETY: self.dir was opened by opendir and is closed only here.
        unsafe { libc::closedir(self.dir.as_ptr()) };
    }
}

/// An open file descriptor, closed on drop.
struct Fd(libc::c_int);

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: the descriptor is owned by self and closed only here.
        unsafe { libc::close(self.0) };
    }
}

/// `PID/name` (or `PID` when name is empty) as a NUL-terminated path on the stack.
struct PidPath {
    buf: [u8; 64],
}

impl PidPath {
    fn new(pid: u32, name: &str) -> Self {
        let mut buf = [0u8; 64];
        let mut digits = [0u8; 10];
        let (mut n, mut v) = (0, pid);
        loop {
            digits[n] = b'0' + (v % 10) as u8;
            n += 1;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        for i in 0..n {
            buf[i] = digits[n - 1 - i];
        }
        let mut len = n;
        // Names are the analyzer's own constants ("stat", "status", ...): short, no NUL.
        let name = &name.as_bytes()[..name.len().min(64 - 2 - len)];
        if !name.is_empty() {
            buf[len] = b'/';
            buf[len + 1..len + 1 + name.len()].copy_from_slice(name);
            len += 1 + name.len();
        }
        buf[len] = 0;
        PidPath { buf }
    }

    fn as_ptr(&self) -> *const libc::c_char {
        self.buf.as_ptr().cast()
    }
}

fn io_err(path: &Path, e: std::io::Error) -> ProcError {
    // ESRCH is what a read of a half-gone /proc/PID file gives on Linux.
    if e.kind() == std::io::ErrorKind::NotFound || e.raw_os_error() == Some(3) {
        ProcError::Vanished {
            path: path.to_path_buf(),
        }
    } else {
        ProcError::Io {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

/// Hasher for maps keyed by pid: pids are small distinct integers chosen by the kernel,
/// not by an adversary, so a multiplicative hash does (SipHash is a tenth of a steady scan).
#[derive(Debug, Clone, Copy, Default)]
pub struct PidHash;

impl std::hash::BuildHasher for PidHash {
    type Hasher = PidHasher;
    fn build_hasher(&self) -> PidHasher {
        PidHasher(0)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct PidHasher(u64);

impl std::hash::Hasher for PidHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, v: u32) {
        // Fibonacci hashing: the high bits (which the table uses) depend on every bit of v.
        self.0 = (self.0 ^ u64::from(v)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// The fields of `/proc/PID/stat` the analyzer uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    /// `comm`, the name in parentheses (at most 15 bytes on Linux).
    pub comm: String,
    /// Process state letter (`R`, `S`, `D`, `Z`, ...).
    pub state: u8,
    /// User + system CPU time, in clock ticks.
    pub cpu_ticks: u64,
    pub num_threads: u64,
    /// Start time after boot, in clock ticks: with the pid, identifies one process instance.
    pub starttime: u64,
    /// Resident set size, in pages.
    pub rss_pages: u64,
}

/// Clock ticks per second, the unit of `/proc/PID/stat`'s CPU times.
pub fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions; a non-positive answer falls back to Linux's 100.
    let v = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if v > 0 {
        v as f64
    } else {
        100.0
    }
}

/// Parse a `/proc/PID/stat` line. The name may hold spaces and parentheses, so the fields are
/// counted from the last `)`.
pub fn parse_stat(text: &[u8], path: &Path) -> Result<Stat, ProcError> {
    parse_stat_with(text, path, String::new())
}

/// [`parse_stat`] writing the name into `comm` (cleared first), so that a caller can hand in
/// a string it no longer needs and spare an allocation.
pub fn parse_stat_with(text: &[u8], path: &Path, mut comm: String) -> Result<Stat, ProcError> {
    let bad = |what| ProcError::Parse {
        path: path.to_path_buf(),
        what,
    };
    let open = text.iter().position(|&b| b == b'(').ok_or(bad("no '('"))?;
    let close = text.iter().rposition(|&b| b == b')').ok_or(bad("no ')'"))?;
    if close < open {
        return Err(bad("')' before '('"));
    }
    comm.clear();
    comm.push_str(&String::from_utf8_lossy(&text[open + 1..close]));
    let rest = &text[close + 1..];
    if !rest.is_ascii() && std::str::from_utf8(rest).is_err() {
        return Err(bad("not UTF-8"));
    }
    // Fields after the name, numbered as in proc(5): state is field 3. Split on ASCII
    // whitespace as `str::split_ascii_whitespace` does, in one pass over the bytes.
    // After state (3): ppid 4 .. utime 14, stime 15, ... num_threads 20, starttime 22, rss 24.
    let mut num = [0u64; 21]; // index i = field (i + 4)
    let mut state = None;
    let mut field = 3;
    let mut i = 0;
    while field <= 24 {
        while i < rest.len() && rest[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == rest.len() {
            break;
        }
        let start = i;
        while i < rest.len() && !rest[i].is_ascii_whitespace() {
            i += 1;
        }
        let f = &rest[start..i];
        if field == 3 {
            state = Some(f[0]);
        } else {
            // Fields 4..=24 are integers; some (e.g. priority) can be negative: 0 for those.
            num[field - 4] = parse_u64(f).unwrap_or(0);
        }
        field += 1;
    }
    let state = state.ok_or(bad("no state"))?;
    if field <= 24 {
        return Err(bad("too few fields"));
    }
    let field = |n: usize| num[n - 4];
    Ok(Stat {
        comm,
        state,
        cpu_ticks: field(14).saturating_add(field(15)),
        num_threads: field(20),
        starttime: field(22),
        rss_pages: field(24),
    })
}

/// A decimal `u64` as `str::parse::<u64>` reads it (optional `+`, digits only, no overflow).
fn parse_u64(f: &[u8]) -> Option<u64> {
    let digits = f.strip_prefix(b"+").unwrap_or(f);
    if digits.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(v)
}

/// The fields of `/proc/PID/status` the analyzer uses; `None` where the line is absent
/// (kernel threads have no `VmRSS`, old kernels no context-switch lines).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// Real uid (the first number of `Uid:`).
    pub uid: Option<u32>,
    pub vm_rss_kib: Option<u64>,
    pub threads: Option<u64>,
    pub voluntary_ctxt_switches: Option<u64>,
    pub nonvoluntary_ctxt_switches: Option<u64>,
}

/// Parse `/proc/PID/status`. Unknown or malformed lines are skipped.
pub fn parse_status(text: &[u8]) -> Status {
    let mut st = Status::default();
    for line in text.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (key, val) = (&line[..colon], &line[colon + 1..]);
        let first_num = || -> Option<u64> {
            std::str::from_utf8(val)
                .ok()?
                .split_ascii_whitespace()
                .next()?
                .parse()
                .ok()
        };
        match key {
            b"Uid" => st.uid = first_num().and_then(|v| u32::try_from(v).ok()),
            b"VmRSS" => st.vm_rss_kib = first_num(),
            b"Threads" => st.threads = first_num(),
            b"voluntary_ctxt_switches" => st.voluntary_ctxt_switches = first_num(),
            b"nonvoluntary_ctxt_switches" => st.nonvoluntary_ctxt_switches = first_num(),
            _ => {}
        }
    }
    st
}

/// The byte counters of `/proc/PID/io` (storage-level reads and writes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Io {
    pub read_bytes: u64,
    pub write_bytes: u64,
}

/// Parse `/proc/PID/io`; `None` unless both `read_bytes` and `write_bytes` are there.
pub fn parse_io(text: &[u8]) -> Option<Io> {
    let (mut r, mut w) = (None, None);
    for line in std::str::from_utf8(text).ok()?.lines() {
        if let Some(v) = line.strip_prefix("read_bytes:") {
            r = v.trim().parse().ok();
        } else if let Some(v) = line.strip_prefix("write_bytes:") {
            w = v.trim().parse().ok();
        }
    }
    Some(Io {
        read_bytes: r?,
        write_bytes: w?,
    })
}

/// `/proc/PID/cmdline`: NUL-separated arguments (a trailing NUL is dropped). Processes that
/// rewrite their argv may use spaces instead; both are split.
pub fn parse_cmdline(text: &[u8]) -> Vec<String> {
    text.split(|&b| b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// The distinct file names (basename, no directory) of the shared objects in `/proc/PID/maps`:
/// lines whose path ends in `.so` or holds `.so.`. Sorted and deduplicated.
pub fn parse_maps_libs(text: &[u8]) -> Vec<String> {
    let mut libs: Vec<String> = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        // address perms offset dev inode path: the path starts at the first '/' after the
        // five fixed fields.
        let Some(slash) = line.iter().position(|&b| b == b'/') else {
            continue;
        };
        let path = &line[slash..];
        let path = path.strip_suffix(b" (deleted)").unwrap_or(path);
        let base = match path.iter().rposition(|&b| b == b'/') {
            Some(i) => &path[i + 1..],
            None => path,
        };
        if !(base.ends_with(b".so") || base.windows(4).any(|w| w == b".so.")) {
            continue;
        }
        let name = String::from_utf8_lossy(base);
        if libs.last().map(|l| l.as_str()) != Some(&name) {
            libs.push(name.into_owned());
        }
    }
    libs.sort_unstable();
    libs.dedup();
    libs
}

/// Seconds since boot, from `/proc/uptime` (the first number).
pub fn parse_uptime(text: &[u8], path: &Path) -> Result<f64, ProcError> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.split_ascii_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
        .ok_or(ProcError::Parse {
            path: path.to_path_buf(),
            what: "uptime is not a number",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_spaces_and_parens_in_name() {
        let line = b"1234 (Web (Content) x) R 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 17 0 98765 1000 2048 18446744073709551615";
        let st = parse_stat(line, Path::new("stat")).expect("parses");
        assert_eq!(st.comm, "Web (Content) x");
        assert_eq!(st.state, b'R');
        assert_eq!(st.cpu_ticks, 300);
        assert_eq!(st.num_threads, 17);
        assert_eq!(st.starttime, 98765);
        assert_eq!(st.rss_pages, 2048);
    }

    #[test]
    fn u64_fields_read_as_str_parse_reads_them() {
        for f in [
            "0",
            "17",
            "+5",
            "-3",
            "",
            "+",
            "12a",
            "18446744073709551615",
            "18446744073709551616",
            "007",
        ] {
            assert_eq!(parse_u64(f.as_bytes()), f.parse::<u64>().ok(), "{f:?}");
        }
    }

    #[test]
    fn stat_truncated_is_an_error_not_a_panic() {
        assert!(parse_stat(b"12 (x) R 1 2 3", Path::new("s")).is_err());
        assert!(parse_stat(b"", Path::new("s")).is_err());
        assert!(parse_stat(b"12 )x( R", Path::new("s")).is_err());
    }

    #[test]
    fn status_fields_and_missing_lines() {
        let text = b"Name:\tx\nUid:\t1000\t1000\t1000\t1000\nThreads:\t4\nVmRSS:\t  2048 kB\nvoluntary_ctxt_switches:\t10\n";
        let st = parse_status(text);
        assert_eq!(st.uid, Some(1000));
        assert_eq!(st.threads, Some(4));
        assert_eq!(st.vm_rss_kib, Some(2048));
        assert_eq!(st.voluntary_ctxt_switches, Some(10));
        assert_eq!(st.nonvoluntary_ctxt_switches, None);
        assert_eq!(parse_status(b"garbage\n\0\0"), Status::default());
    }

    #[test]
    fn maps_libs_are_basenames_deduplicated() {
        let text = b"7f00-7f01 r--p 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3\n\
7f01-7f02 r-xp 00001000 08:01 1 /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3\n\
7f02-7f03 r--p 00000000 08:01 2 /usr/lib/python3/dist-packages/numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so\n\
7f03-7f04 rw-p 00000000 00:00 0 [heap]\n\
7f04-7f05 r--p 00000000 08:01 3 /usr/bin/python3.11\n\
7f05-7f06 r--p 00000000 08:01 4 /tmp/libgone.so (deleted)\n";
        let libs = parse_maps_libs(text);
        assert_eq!(
            libs,
            vec![
                "_multiarray_umath.cpython-311-x86_64-linux-gnu.so",
                "libblas.so.3",
                "libgone.so"
            ]
        );
    }

    #[test]
    fn io_needs_both_counters() {
        assert_eq!(
            parse_io(b"rchar: 1\nread_bytes: 4096\nwrite_bytes: 0\n"),
            Some(Io {
                read_bytes: 4096,
                write_bytes: 0
            })
        );
        assert_eq!(parse_io(b"rchar: 1\n"), None);
    }

    #[test]
    fn cmdline_split() {
        assert_eq!(parse_cmdline(b"a\0b c\0\0"), vec!["a", "b c"]);
        assert!(parse_cmdline(b"").is_empty());
    }
}
