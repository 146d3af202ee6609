//! The messages a learner reads follow LANG: with `LANG=ja_JP.UTF-8` (and LC_ALL unset) the
//! binary speaks Japanese, with `LANG=C` the same messages are the English of the code. Only
//! the `test` case builds a lab (as root; its own `jamsg-` name, always taken down).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Run ecsnet from the repository root in locale `lang` (LC_ALL and LC_MESSAGES unset, so
/// LANG decides, as on a learner's machine).
fn ecsnet(lang: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecsnet"))
        .args(args)
        .current_dir(root())
        .env("LANG", lang)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .expect("run ecsnet")
}

fn ja(args: &[&str]) -> Output {
    ecsnet("ja_JP.UTF-8", args)
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A copy of scenarios/02-awsvpc.yaml whose `name:` is not a lab name.
fn invalid_scenario() -> PathBuf {
    let text = std::fs::read_to_string(root().join("scenarios/02-awsvpc.yaml")).expect("scenario");
    let bad: String = text
        .lines()
        .map(|l| if l.starts_with("name:") { "name: Awsvpc_Mode".to_string() } else { l.to_string() })
        .collect::<Vec<_>>()
        .join("\n");
    let dir = std::env::temp_dir().join(format!("ecsnet-jamsg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("bad-name.yaml");
    std::fs::write(&p, bad).unwrap();
    p
}

#[test]
fn an_invalid_scenario_is_explained_in_japanese() {
    let f = invalid_scenario();
    let o = ja(&["validate", f.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("ラボ名 `Awsvpc_Mode` は無効です: 英小文字、数字、'-' だけを使ってください"), "{t}");
    assert!(t.contains("ラボ名は [a-z0-9-] の 1-20 文字で"), "{t}");
    // The location stays as compilers write it, for editors and CI to read.
    assert!(t.contains("bad-name.yaml:6:7: error: "), "{t}");
    // The generic checks of every field too: what is wrong, and how to fix it.
    let o = ja(&["validate", "tests/broken/unknown-field-did-you-mean.yaml"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(
        t.contains(": error: vpc に不明なフィールド `subnet` があります\n  help: もしかして `subnets` ですか?"),
        "{t}"
    );
    // AWS's own error text is quoted as AWS writes it; ecsnet's advice is Japanese.
    let o = ja(&["validate", "tests/broken/assign-public-ip.yaml"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(
        t.contains(": error: Assign public IP is not supported for this launch type.\n  help: EC2 インスタンス上では"),
        "{t}"
    );
}

/// `ecsnet validate tests/broken/NAME.yaml` in locale `lang`: exit 2, and the output.
fn validate_broken(lang: &str, name: &str) -> String {
    let o = ecsnet(lang, &["validate", &format!("tests/broken/{name}.yaml")]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    t
}

/// The block-specific checks (network ACLs, security groups, container definitions, instances,
/// subnets, the YAML parser's frame): (broken file, in Japanese, in English). What is wrong and
/// the fix follow LANG; AWS's own texts, the parser's words, field names and values stay
/// verbatim, in the compiler frame.
const BLOCK_ERRORS: &[(&str, &[&str], &[&str])] = &[
    (
        "nacl-duplicate-rule-number",
        &["nacl-duplicate-rule-number.yaml:12:25: error: The network acl entry identified by 100 already exists.\n  \
           help: ルール番号 100 はほかの ingress ルールが使っています (11 行目)。番号は方向ごとに一意にします"],
        &["nacl-duplicate-rule-number.yaml:12:25: error: The network acl entry identified by 100 already exists.\n  \
           help: rule number 100 is already used by another ingress rule (line 11); numbers must be unique per direction"],
    ),
    (
        "sg-tcp-without-ports",
        &["sg-tcp-without-ports.yaml:9:13: error: プロトコル tcp には `ports` が必要です\n  help: `ports: 443`、"],
        &["sg-tcp-without-ports.yaml:9:13: error: missing `ports` for protocol tcp\n  help: add `ports: 443`"],
    ),
    (
        "awsvpc-links",
        &["awsvpc-links.yaml:12:9: error: networkMode=awsvpc では `links` は使えません\n  help: 削除します: "],
        &["awsvpc-links.yaml:12:9: error: `links` is not supported when networkMode=awsvpc\n  help: remove it: "],
    ),
    (
        "none-with-port-mappings",
        &[
            "error: networkMode=none ではポートマッピングを指定できません",
            "help: `portMappings` を削除するか、別の networkMode を使います",
        ],
        &["help: remove `portMappings`, or use another networkMode"],
    ),
    (
        "reserved-private-ip",
        &[
            "プライベート IP 10.0.1.1 はサブネット `a` (10.0.1.0/24) で予約されています",
            "help: 10.0.1.4 から 10.0.1.254 までのアドレスを使います",
        ],
        &[],
    ),
    ("overlapping-subnets", &["error: The CIDR '10.0.1.0/24' conflicts with another subnet: サブネット `big`"], &[]),
    (
        "yaml-syntax-error",
        &["error: YAML の構文エラー: illegal placement of ':' indicator\n  help: "],
        &["error: YAML syntax error: illegal placement of ':' indicator"],
    ),
];

#[test]
fn block_errors_are_explained_in_japanese_and_english() {
    let kana = |t: &str| t.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c));
    for (name, ja, en) in BLOCK_ERRORS {
        let t = validate_broken("ja_JP.UTF-8", name);
        for want in *ja {
            assert!(t.contains(want), "{name} in Japanese lacks {want:?}:\n{t}");
        }
        let t = validate_broken("C", name);
        for want in *en {
            assert!(t.contains(want), "{name} in English lacks {want:?}:\n{t}");
        }
        assert!(!kana(&t), "kana in English output: {t}");
    }
}

#[test]
fn an_unknown_node_gets_did_you_mean_in_japanese() {
    let o = ja(&["explain", "scenarios/02-awsvpc.yaml", "task/web-11", "internet:80"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert_eq!(t, "ecsnet: ラボ awsvpc-mode にタスク `web-11` はありません。もしかして `web-1` ですか?\n");
}

#[test]
fn a_lab_that_is_not_up_is_said_in_japanese() {
    let o = ja(&["ps", "jamsg-not-up"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("起動中のラボ `jamsg-not-up` はありません (`ecsnet ls` で確認できます)"), "{t}");
}

#[test]
fn the_same_messages_are_english_with_lang_c() {
    let o = ecsnet("C", &["explain", "scenarios/02-awsvpc.yaml", "task/web-11", "internet:80"]);
    assert_eq!(text(&o), "ecsnet: lab awsvpc-mode has no task `web-11`: did you mean `web-1`?\n");
    let o = ecsnet("C", &["ps", "jamsg-not-up"]);
    assert_eq!(text(&o), "ecsnet: no running lab `jamsg-not-up` (see `ecsnet ls`)\n");
    let f = invalid_scenario();
    let o = ecsnet("C", &["validate", f.to_str().unwrap()]);
    let t = text(&o);
    assert!(t.contains("invalid lab name `Awsvpc_Mode`: use only lowercase letters, digits and '-'"), "{t}");
    assert!(!t.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)), "kana in English output: {t}");
}

/// `ecsnet down NAME` when dropped, so a failed assertion never leaves the lab behind.
struct Down(String);

impl Drop for Down {
    fn drop(&mut self) {
        let _ = ecsnet("C", &["down", &self.0]);
    }
}

#[test]
fn test_summarises_in_japanese() {
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let lab = format!("jamsg-{}", std::process::id());
    let _down = Down(lab.clone());
    let o = ja(&["test", "--name", &lab, "scenarios/05-none.yaml"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains(&format!("scenarios/05-none.yaml ({lab})")), "{t}");
    assert!(t.contains("  成功 3、失敗 0 (up "), "{t}");
    assert!(t.contains("\nシナリオ 1 個: 成功 3、失敗 0\n"), "{t}");
    // Column headers and verdict words stay as they are.
    assert!(t.contains("EXPECTATION") && t.contains("  ok  "), "{t}");
}

/// The HTML page's own words, its `lang` and the picture's legend follow LANG; what AWS names
/// (subnets, addresses) is the same in both.
#[test]
fn the_html_page_follows_lang() {
    let page = |lang: &str| {
        let o = ecsnet(lang, &["graph", "--format", "html", "scenarios/02-awsvpc.yaml"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    let (ja, en) = (page("ja_JP.UTF-8"), page("C"));
    assert!(
        ja.contains("<html lang=\"ja\">") && ja.contains("<div id=\"hint\">ラボ awsvpc-mode: 箱をクリック"),
        "{ja}"
    );
    assert!(ja.contains("title=\"閉じる (Escape)\""), "{ja}");
    assert!(en.contains("<html lang=\"en\">") && en.contains("<div id=\"hint\">lab awsvpc-mode: click a box"), "{en}");
    assert!(en.contains("title=\"close (Escape)\""), "{en}");
    assert!(ja.contains(">プライベートサブネット</text>") && en.contains(">private subnet</text>"));
    for same in ["subnet app-a 10.1.1.0/24 (private)", "task/web-1 (awsvpc)"] {
        assert!(ja.contains(same) && en.contains(same), "{same}");
    }
}
