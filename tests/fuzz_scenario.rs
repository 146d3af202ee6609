//! A bounded mutation fuzzer over the scenario parser and validator (and the model, plan and
//! pictures behind them): mutated versions of every shipped and broken scenario must give a
//! scenario or located diagnostics, never a panic or a hang. CI runs it for ECSNET_FUZZ_SECS (default 30);
//! run it longer with e.g. `ECSNET_FUZZ_SECS=600 cargo test --release --test fuzz_scenario -- --nocapture`.

use std::path::Path;
use std::time::{Duration, Instant};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic for a given seed, so a failure can be replayed.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

const TOKENS: &[&str] = &[
    "0",
    "-1",
    "65536",
    "99999999999999999999",
    "0.0.0.0/0",
    "10.0.0.0/8",
    "256.1.1.1",
    "sg/",
    "task/",
    "instance/x@public",
    "awsvpc",
    "bridge",
    "host",
    "none",
    "ENABLED",
    "true",
    "\"true\"",
    "null",
    "~",
    "[]",
    "{}",
    "[[[[",
    "&a",
    "*a",
    "!!str",
    "- ",
    ": ",
    "\t",
    "\u{0}",
    "é",
    "---",
    "...",
    "#",
    "'",
    "\"",
    "\\",
    ":3000",
    "/",
    "..",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];

fn mutate(rng: &mut Rng, src: &str) -> String {
    let mut lines: Vec<String> = src.lines().map(String::from).collect();
    for _ in 0..1 + rng.below(4) {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let i = rng.below(lines.len());
        match rng.below(7) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                let j = rng.below(lines.len());
                lines.swap(i, j);
            }
            3 => {
                // Replace a word with a hostile token.
                let words: Vec<&str> = lines[i].split(' ').collect();
                let w = rng.below(words.len());
                let t = TOKENS[rng.below(TOKENS.len())];
                lines[i] =
                    words.iter().enumerate().map(|(k, x)| if k == w { t } else { x }).collect::<Vec<_>>().join(" ");
            }
            4 => {
                // Indent or dedent.
                if rng.below(2) == 0 {
                    lines[i] = format!("  {}", lines[i]);
                } else {
                    lines[i] = lines[i].trim_start().to_string();
                }
            }
            5 => {
                let mut b: Vec<char> = lines[i].chars().collect();
                if !b.is_empty() {
                    let k = rng.below(b.len());
                    b[k] = char::from_u32(rng.below(0x80) as u32).unwrap_or('x');
                }
                lines[i] = b.into_iter().collect();
            }
            _ => {
                let j = rng.below(lines.len());
                let l = lines[j].clone();
                lines[i].push_str(&l);
            }
        }
    }
    lines.join("\n")
}

#[test]
fn parser_and_validator_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut corpus = vec![];
    for dir in ["scenarios", "tests/broken"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
            if let Ok(t) = std::fs::read_to_string(e.path()) {
                corpus.push((e.path(), t));
            }
        }
    }
    let secs: u64 = std::env::var("ECSNET_FUZZ_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    let seed: u64 = std::env::var("ECSNET_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_ec5e);
    let mut rng = Rng(seed);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let (mut n, mut ok, mut slowest) = (0u64, 0u64, Duration::ZERO);
    while Instant::now() < deadline {
        let (path, text) = &corpus[rng.below(corpus.len())];
        let input = mutate(&mut rng, text);
        let t = Instant::now();
        let r = std::panic::catch_unwind(|| {
            let s = ecsnet::scenario::load_str(path, &input);
            if let Ok(s) = &s {
                // The model and plan must cope with whatever validation lets through.
                if let Ok(lab) = ecsnet::model::build(s) {
                    let _ = ecsnet::plan::plan(&lab);
                    // So must every picture (the PNG, the slowest, for one case in 16).
                    let _ = (ecsnet::graph::mermaid(&lab, &[]), ecsnet::graph::dot(&lab, &[]));
                    let en = ecsnet::i18n::Lang::En;
                    let _ =
                        (ecsnet::graph::svg(&lab, &[], en), ecsnet::graph::html(&lab, &[], &Default::default(), en));
                    if n % 16 == 0 {
                        let _ = ecsnet::graph::png(&lab, &[], Some((320, 180)), en).map(|x| x.0);
                    }
                }
            }
            s.is_ok()
        });
        let el = t.elapsed();
        slowest = slowest.max(el);
        match r {
            Ok(valid) => ok += u64::from(valid),
            Err(_) => panic!("panic on input derived from {} (seed {seed}, case {n}):\n{input}", path.display()),
        }
        assert!(el < Duration::from_secs(2), "case {n} took {el:?}:\n{input}");
        n += 1;
    }
    eprintln!("fuzz: {n} cases in {secs} s ({ok} still valid), slowest {slowest:?}");
    assert!(n > 100);
}
