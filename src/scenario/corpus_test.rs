//! Every file in tests/broken/ starts with `# expect: LINE:COL: substring`; loading it must
//! produce a diagnostic at that place whose message contains the substring.

use super::load;
use std::path::Path;

#[test]
fn broken_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "only {} files in {}", files.len(), dir.display());
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let first = text.lines().next().unwrap_or("");
        let Some(spec) = first.strip_prefix("# expect: ") else {
            failures.push(format!("{}: first line must be `# expect: LINE:COL: substring`", f.display()));
            continue;
        };
        let mut parts = spec.splitn(3, ':');
        let line: usize = parts.next().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
        let col: usize = parts.next().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
        let needle = parts.next().unwrap_or("").trim();
        match load(f) {
            Ok(_) => failures.push(format!("{}: loaded without errors", f.display())),
            Err(ds) => {
                let hit = ds.0.iter().any(|d| d.loc.line == line && d.loc.col == col && d.message.contains(needle));
                if !hit {
                    failures.push(format!("{}: expected {line}:{col}: {needle}\n  got:\n{ds}", f.display()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
