//! Robustness: the parser must not panic, loop or overflow its stack on any
//! input, and every error span must lie within the text on char boundaries.
//! Runs for ~2 s by default; `TENDON_FUZZ_SECS=60` for longer.

use std::time::{Duration, Instant};

use tendon::bicep::parser::parse;

/// xorshift64*: tiny, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn check(text: &str) {
    let program = parse(text);
    let mut last = 0;
    for e in &program.errors {
        let (s, t) = (e.span.start as usize, e.span.end as usize);
        assert!(s <= t && t <= text.len(), "span {s}..{t} outside {text:?}");
        assert!(
            text.is_char_boundary(s) && text.is_char_boundary(t),
            "span {s}..{t} not on char boundaries in {text:?}"
        );
        assert!(s >= last, "errors not sorted in {text:?}");
        last = s;
    }
}

fn budget() -> Duration {
    let secs = std::env::var("TENDON_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(2.0);
    Duration::from_secs_f64(secs / 3.0)
}

const SNIPPETS: &[&str] = &[
    "@description('Where')\nparam location string = resourceGroup().location\nparam n int?\n",
    "var names = [for (x, i) in range(0, 3): 'n-${x}-${i}']\nvar o = { a: 1, 'b-${c}': [1\n2], ...base }\n",
    "resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = if (deploy) {\n  name: 'hub'\n  properties: {\n    subnets: [for s in subs: {\n      name: s.name\n    }]\n  }\n  @batchSize(1)\n  resource sn 'subnets' = {\n    name: 'a'\n  }\n}\n",
    "type t = {\n  @minLength(1)\n  name: string\n  *: int\n} | 'x'\n  | -1\ntype g = resourceInput<'A/b@1'>.properties[*].x?\n",
    "func f(a string, b int) string => '${a}${b}'\noutput o string = a.?b[?0][^1]::c!.d(1, x => x * 2) ?? (c ? d : e)\n",
    "using './main.bicep'\nextends 'base.bicepparam'\nimport { a, b as c } from 'x.bicep'\nimport * as ns from 'y'\nparam p = '''\nmulti ${x}\n'''\nparam q = $$'''a $${b} ${c}'''\n",
];

const ALPHABET: &[u8] = b" \n'${}()[]@.?:=!<>|-+*/%,abcfinrx019\\";

const SOUP: &[&str] = &[
    "param",
    "var",
    "resource",
    "module",
    "output",
    "type",
    "func",
    "import",
    "for",
    "in",
    "if",
    "existing",
    "with",
    "as",
    "from",
    "using",
    "none",
    "true",
    "null",
    "x",
    "'s'",
    "'a${",
    "}'",
    "'''",
    "$'''",
    "${",
    "1",
    "99999999999999999999",
    "@",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    ".?",
    "?",
    ":",
    "::",
    "=",
    "==",
    "=~",
    "!",
    "!=",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "&&",
    "||",
    "??",
    "=>",
    "|",
    "...",
    "^",
    "\n",
    "\r\n",
    " ",
    "//c\n",
    "/*",
    "*/",
    "#disable-next-line x\n",
    "\\",
    "\\q",
    "é",
    "\u{feff}",
];

#[test]
fn fuzz_parser() {
    let per_phase = budget();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    // Random bytes.
    let t0 = Instant::now();
    while t0.elapsed() < per_phase {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                // Bias towards ASCII punctuation and letters.
                if rng.below(4) == 0 {
                    rng.next() as u8
                } else {
                    ALPHABET[rng.below(ALPHABET.len())]
                }
            })
            .collect();
        check(&String::from_utf8_lossy(&bytes));
    }

    // Token soup.
    let t0 = Instant::now();
    while t0.elapsed() < per_phase {
        let n = rng.below(80);
        let mut s = String::new();
        for _ in 0..n {
            s.push_str(SOUP[rng.below(SOUP.len())]);
            if rng.below(2) == 0 {
                s.push(' ');
            }
        }
        check(&s);
    }

    // Every truncation and single-byte mutation of realistic snippets.
    let t0 = Instant::now();
    'outer: for snippet in SNIPPETS {
        let bytes = snippet.as_bytes();
        for cut in 0..=bytes.len() {
            check(&String::from_utf8_lossy(&bytes[..cut]));
        }
        for i in 0..bytes.len() {
            for repl in b" \n'${}()[]@.?:=!|,x1\\".iter().chain([&0xC3u8]) {
                let mut m = bytes.to_vec();
                m[i] = *repl;
                check(&String::from_utf8_lossy(&m));
                let mut d = bytes.to_vec();
                d.remove(i);
                check(&String::from_utf8_lossy(&d));
            }
            if t0.elapsed() > per_phase * 4 {
                break 'outer;
            }
        }
    }
}

#[test]
fn deep_nesting_does_not_overflow() {
    for open in [
        "[",
        "(",
        "{a:",
        "'${",
        "!(",
        "-",
        "!",
        "[for x in ",
        "a.b",
        "1+",
        "x[0]",
        "a ? b : ",
        "x=>",
        "f(",
        "a::b",
        "a!",
    ] {
        let text = open.repeat(100_000);
        check(&text);
        let program = parse(&format!("var x = {text}"));
        assert!(!program.errors.is_empty());
    }
    for ty in ["[", "{a:", "string?", "t[]", "t.a", "(", "'a'|"] {
        check(&format!("type t = {}", ty.repeat(100_000)));
    }
    let text = format!("var x = {}{}", "[".repeat(50_000), "]".repeat(50_000));
    let program = parse(&text);
    assert!(
        program
            .errors
            .iter()
            .any(|e| e.message == "nesting too deep")
    );
}

/// The repository's own Bicep fixtures (real files): every truncation and a
/// random mutation per cut, through the parser *and* lowering, with no panic.
#[test]
fn truncated_fixture_files_compile_without_panic() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .is_some_and(|e| e == "bicep" || e == "bicepparam")
            {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() > 20, "Bicep fixtures are missing");
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let root =
        tendon::confine::ProjectRoot::at(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
    let t0 = Instant::now();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let bytes = text.as_bytes();
        for cut in 0..=bytes.len() {
            let mut b = bytes[..cut].to_vec();
            let cut_text = String::from_utf8_lossy(&b).into_owned();
            let _ = tendon::bicep::compile(&cut_text, path, &root);
            if !b.is_empty() {
                let i = rng.below(b.len());
                b[i] = ALPHABET[rng.below(ALPHABET.len())];
                let _ = tendon::bicep::compile(&String::from_utf8_lossy(&b), path, &root);
            }
        }
        if t0.elapsed() > budget() * 4 {
            break;
        }
    }
}
