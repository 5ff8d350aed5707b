//! Runs the JavaScript unit tests (`tests/js/`, node's built-in runner) against the example site's
//! index, so `cargo test` covers the browser side of search too. On CI (CI=true) a missing `node` is a
//! failure, not a skip.

use std::process::Command;

#[test]
fn javascript_search_tests_pass() {
    if Command::new("node").arg("--version").output().is_err() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "node is required on CI for the search tests (apt-get install -y nodejs)"
        );
        eprintln!("node not found: JavaScript search tests not run");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let build = Command::new(env!("CARGO_BIN_EXE_dafu"))
        .args(["build", "--root", env!("CARGO_MANIFEST_DIR"), "--out"])
        .arg(&public)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let run = Command::new("node")
        .arg("--test")
        .arg("tests/js/")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DAFU_SEARCH_SITE", &public)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "node --test failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("# fail 0"), "{stdout}");
    assert!(
        !stdout.contains("# skipped 1") && !stdout.contains("# skipped 2"),
        "{stdout}"
    );
}
