//! The repository is itself an example site: it must build, and keep its promises.

mod common;

use std::path::Path;

#[test]
fn repository_example_site_builds() {
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_dafu"))
        .args(["build", "--root", env!("CARGO_MANIFEST_DIR"), "--out"])
        .arg(&public)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let files = common::snapshot(&public);
    let letters = files
        .keys()
        .filter(|p| p.starts_with("20") && p.ends_with("/index.html"))
        .count();
    assert!(
        letters >= 12,
        "the example site publishes at least twelve letters, found {letters}"
    );
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains("保密测试"),
            "{path} shows the example's 不予公开 letter"
        );
        if path.ends_with(".html") {
            assert!(!text.contains("**"), "{path} has unrendered bold markers");
        }
    }
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("content")
            .is_dir()
    );
}
