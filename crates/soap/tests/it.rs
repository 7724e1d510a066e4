//! Integration tests for `inboxd-soap`: golden requests and responses under `test-data/`, malformed
//! input, and property-based round trips. One binary, one module per concern.

mod it {
    pub mod decode;
    pub mod encode;
    pub mod malformed;
    pub mod roundtrip;
}

use std::path::PathBuf;

/// Reads a file under `crates/soap/test-data/`.
pub fn data(relative: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test-data")
        .join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Reads a golden file as text, without a trailing newline an editor may have added.
pub fn golden(relative: &str) -> String {
    let text = String::from_utf8(data(relative)).unwrap();
    text.trim_end_matches('\n').to_owned()
}
