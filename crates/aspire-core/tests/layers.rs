//! The layers of the workspace, as ARCHITECTURE.md states them, read from each crate's manifest:
//! the core does no I/O and speaks no SQL or HTTP; only the store talks to a database; the use
//! cases know nothing of HTTP or the terminal.

use std::collections::BTreeSet;
use std::path::PathBuf;

fn dependencies(krate: &str) -> BTreeSet<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(krate).join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let manifest: toml::Table = text.parse().expect("a manifest");
    manifest
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default()
}

const DATABASE: &[&str] = &["sqlx", "rusqlite", "libsqlite3-sys", "tokio-postgres"];
const HTTP: &[&str] = &["axum", "tower", "tower-http", "hyper", "askama", "lettre"];
const TERMINAL: &[&str] = &["clap", "indicatif"];

#[test]
fn the_layers_depend_one_way() {
    assert!(dependencies("aspire-web").contains("axum"), "the manifests are read");
    assert!(dependencies("aspire-store").contains("sqlx"), "the manifests are read");
    let core = dependencies("aspire-core");
    let pure: BTreeSet<String> =
        ["chrono", "rand_xoshiro", "rayon", "serde", "statrs", "thiserror", "toml"].map(String::from).into();
    assert!(core.is_subset(&pure), "aspire-core depends only on pure crates, not {:?}", core.difference(&pure));
    for krate in ["aspire-core", "aspire-import", "aspire-app"] {
        let deps = dependencies(krate);
        for d in DATABASE {
            assert!(!deps.contains(*d), "{krate} must not depend on {d}: only aspire-store talks to a database");
        }
    }
    let app = dependencies("aspire-app");
    for d in HTTP.iter().chain(TERMINAL) {
        assert!(
            !app.contains(*d),
            "aspire-app must not depend on {d}: a use case knows nothing of HTTP or the terminal"
        );
    }
    for krate in ["aspire-core", "aspire-import", "aspire-store"] {
        let deps = dependencies(krate);
        for d in ["aspire-app", "aspire-web", "aspire"] {
            assert!(!deps.contains(d), "{krate} must not depend on {d}: dependencies point one way");
        }
    }
    assert!(!dependencies("aspire-store").contains("aspire-web"));
    assert!(!dependencies("aspire-web").contains("clap"), "the web knows nothing of the terminal");
}
