//! One workspace file as text, or the reason it is not context.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::LeftOut;

/// Files larger than this are generated or data, not context.
pub(super) const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// How far to look for a NUL byte: what git and grep look at to call a file binary.
const BINARY_PROBE_BYTES: usize = 8 * 1024;

/// The bytes of a text file of at most `MAX_FILE_BYTES`.
pub(super) fn read(path: &Path) -> Result<Vec<u8>, LeftOut> {
    let mut bytes = Vec::new();
    read_into(path, &mut bytes)?;
    Ok(bytes)
}

/// `read` into a buffer the caller reuses (the walk reads thousands of files per thread;
/// a fresh buffer each time costs more in the allocator than the read).
///
/// The size is checked on the open handle and the read is capped too, so a file that grows
/// between the two (a log being written) is still refused rather than read whole.
pub(super) fn read_into(path: &Path, bytes: &mut Vec<u8>) -> Result<(), LeftOut> {
    let unreadable = |err: std::io::Error| LeftOut::Unreadable(err.to_string());
    bytes.clear();
    let file = File::open(path).map_err(unreadable)?;
    let len = file.metadata().map_err(unreadable)?.len();
    if MAX_FILE_BYTES < len {
        return Err(LeftOut::TooLarge);
    }
    bytes.reserve(len as usize + 1);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(bytes)
        .map_err(unreadable)?;
    if MAX_FILE_BYTES < bytes.len() as u64 {
        return Err(LeftOut::TooLarge);
    }
    if is_binary(bytes) {
        return Err(LeftOut::Binary);
    }
    Ok(())
}

/// A NUL byte near the start: images, archives, compiled code. Text never has one.
fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(BINARY_PROBE_BYTES)]).is_some()
}

/// File text for a model: invalid UTF-8 is replaced, not refused (a Latin-1 comment should
/// not hide the code around it).
pub(super) fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_in_the_first_8_kib_makes_a_file_binary() {
        assert!(is_binary(b"PK\x03\x04\x00\x00"));
        let mut late = vec![b'a'; BINARY_PROBE_BYTES];
        late.push(0);
        assert!(!is_binary(&late));
    }

    #[test]
    fn invalid_utf8_is_replaced_not_refused() {
        assert_eq!(text(b"caf\xe9 = 1\n".to_vec()), "caf\u{fffd} = 1\n");
    }

    #[test]
    fn files_over_the_limit_are_too_large_and_binaries_are_binary() {
        let dir = tempfile::tempdir().unwrap();
        let huge = dir.path().join("huge.txt");
        std::fs::write(&huge, vec![b'x'; MAX_FILE_BYTES as usize + 1]).unwrap();
        assert_eq!(read(&huge), Err(LeftOut::TooLarge));
        let blob = dir.path().join("blob.bin");
        std::fs::write(&blob, b"\x00\x01").unwrap();
        assert_eq!(read(&blob), Err(LeftOut::Binary));
        assert!(matches!(
            read(&dir.path().join("missing")),
            Err(LeftOut::Unreadable(_))
        ));
    }
}
