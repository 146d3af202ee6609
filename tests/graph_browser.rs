//! The HTML picture in a real browser: Debian's Chromium, driven headless by playwright-core
//! (tests/browser/check.js; both installed by scripts/browser.sh, which scripts/test.sh runs).
//! At a projector's 1280x720 and at 1920x1080 the picture fits the window, a click on a box
//! shows what it is, and a click on a verdict's badge shows its explain. Screenshots land in
//! target/browser/. Without Chromium the test says "skipped" (and fails when
//! ECSNET_REQUIRE_BROWSER is set, as scripts/test.sh sets it).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Chromium to drive (CHROMIUM, else the one scripts/browser.sh found) with
/// playwright-core beside it, or why not.
fn browser() -> Result<String, String> {
    let found = std::fs::read_to_string(root().join("tests/browser/.chromium-path")).ok();
    let chromium = std::env::var("CHROMIUM")
        .ok()
        .or(found.map(|s| s.trim().to_string()))
        .unwrap_or_else(|| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Err(format!("no {chromium}"));
    }
    if !root().join("tests/browser/node_modules/playwright-core").exists() {
        return Err("no tests/browser/node_modules/playwright-core".into());
    }
    Ok(chromium)
}

/// The PNG's width and height, from its IHDR chunk.
fn png_size(p: &Path) -> (u32, u32) {
    let b = std::fs::read(p).unwrap();
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n", "{} is not a PNG", p.display());
    let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    (be(16), be(20))
}

fn out_dir() -> PathBuf {
    let d = root().join("target/browser");
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn the_html_picture_fits_a_projector_and_answers_clicks() {
    let chromium = match browser() {
        Ok(c) => c,
        Err(why) => {
            assert!(std::env::var_os("ECSNET_REQUIRE_BROWSER").is_none(), "{why} (run scripts/browser.sh)");
            eprintln!("skipped: needs chromium and playwright-core ({why}; run scripts/browser.sh)");
            return;
        }
    };
    let page = out_dir().join("01-bridge-vs-awsvpc.html");
    let st = Command::new(env!("CARGO_BIN_EXE_ecsnet"))
        .current_dir(root())
        .args(["graph", "scenarios/01-bridge-vs-awsvpc.yaml", "--format", "html"])
        .args(["--results", "tests/browser/results-01.json", "-o"])
        .arg(&page)
        .env("LC_ALL", "C")
        .status()
        .unwrap();
    assert!(st.success());
    for (w, h) in [(1280, 720), (1920, 1080)] {
        let shot = out_dir().join(format!("html-01-{w}x{h}.png"));
        let out = Command::new("node")
            .current_dir(root().join("tests/browser"))
            .env("CHROMIUM", &chromium)
            .arg("check.js")
            .arg(&page)
            .arg(&shot)
            .arg(format!("{w}x{h}"))
            .arg("task_web_awsvpc")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
        assert_eq!(png_size(&shot), (w, h));
        assert!(std::fs::metadata(&shot).unwrap().len() > 20_000, "a blank screenshot at {w}x{h}");
        assert_eq!(v["overflow"], false, "the picture scrolls at {w}x{h}");
        let b = &v["box"];
        assert_eq!(b["title"], "task/web-awsvpc (awsvpc)", "{v}");
        assert!(b["text"].as_str().unwrap().contains("ENI 10.0.128.4"), "{v}");
        assert!(b["text"].as_str().unwrap().contains("eni-"), "the ENI id is on the page: {v}");
        let verdict = &v["verdict"];
        assert!(verdict["title"].as_str().unwrap().starts_with("ok "), "{v}");
        // The first expectation's explain: the walk, hop by hop.
        assert!(verdict["text"].as_str().unwrap().contains("scenarios/01-bridge-vs-awsvpc.yaml:"), "{v}");
    }
}
