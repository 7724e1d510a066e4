//! Workspace rules checked mechanically (the invariants in ARCHITECTURE.md): the sans-IO cores depend on no IO,
//! async or database crate; every Rust source file starts with a `//!` header; no test carries the ignore attribute.

use std::fs;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `[dependencies]` section names of a crate's manifest (dev-dependencies are allowed anything).
fn dependencies(krate: &str) -> Vec<String> {
    let manifest =
        fs::read_to_string(workspace().join("crates").join(krate).join("Cargo.toml")).unwrap();
    let mut in_deps = false;
    let mut names = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps && let Some((name, _)) = line.split_once('=') {
            // `foo.workspace = true` and `foo = "1"` both name `foo`.
            let name = name.trim();
            names.push(name.strip_suffix(".workspace").unwrap_or(name).to_string());
        }
    }
    names
}

#[test]
fn sans_io_cores_have_no_io_dependencies() {
    let forbidden = [
        "tokio",
        "axum",
        "hyper",
        "reqwest",
        "rusqlite",
        "inboxd-store",
        "rustls",
        "tokio-rustls",
        "quick-xml",
        "serde_json",
    ];
    for krate in ["model", "waitset", "threading", "imap-sync"] {
        let deps = dependencies(krate);
        assert!(
            !deps.is_empty() || krate == "model" || krate == "threading",
            "{krate}: no deps parsed"
        );
        for dep in &deps {
            assert!(
                !forbidden.contains(&dep.as_str()),
                "{krate} must not depend on {dep}"
            );
        }
    }
    assert_eq!(
        dependencies("model"),
        vec!["thiserror".to_string()],
        "model depends only on thiserror"
    );
    for dep in dependencies("soap") {
        assert!(
            !dep.starts_with("inboxd-store") && !dep.starts_with("inboxd-waitset"),
            "soap must not depend on {dep}"
        );
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_source_file_has_a_module_header_and_no_test_is_ignored() {
    let mut files = Vec::new();
    rust_files(&workspace().join("crates"), &mut files);
    assert!(files.len() > 50, "found only {} files", files.len());
    let mut missing = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        if !text.trim_start().starts_with("//!") {
            missing.push(file.display().to_string());
        }
        assert!(
            !text.contains(concat!("#[", "ignore")),
            "{} ignores a test",
            file.display()
        );
    }
    assert!(
        missing.is_empty(),
        "files without a //! header:\n{}",
        missing.join("\n")
    );
}
