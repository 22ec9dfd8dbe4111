//! Bicep pragmas, each on its own line: `#disable-next-line RULE …` suppresses
//! the next code line; `#disable-diagnostics RULE …` suppresses until a
//! `#restore-diagnostics` naming the same rule, or the end of the file. Other
//! tools' codes in the same pragma (Bicep's own `BCP081`, linter rule names)
//! are not ours and are left alone.

use super::{Catalog, Directive, tokens};
use crate::source::Span;

/// One line: its byte range, whether it holds code, and the pragma on it.
struct Line<'a> {
    start: usize,
    end: usize,
    code: bool,
    pragma: Option<(&'a str, Vec<(usize, &'a str)>)>,
    /// A pragma's trailing `// comment`, its reason.
    reason: Span,
}

/// Lexical state carried from one line to the next.
#[derive(Clone, Copy, PartialEq)]
enum State {
    Code,
    BlockComment,
    /// Inside a `'''` multi-line string.
    Verbatim,
}

pub fn pragmas(text: &str, catalog: &Catalog) -> Vec<Directive> {
    let lines = lines(text);
    let mut out = Vec::new();
    // Open `#disable-diagnostics` rules: (index into out, canonical rule).
    let mut open: Vec<(usize, String)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((name, args)) = &line.pragma else {
            continue;
        };
        let ours = args.iter().filter(|(_, t)| catalog.ours(t));
        match *name {
            "disable-next-line" => {
                let scope = lines
                    .get(i + 1..)
                    .unwrap_or(&[])
                    .iter()
                    .find(|l| l.code)
                    .map_or(Span::default(), |l| Span::new(l.start, l.end));
                for (at, t) in ours {
                    out.push(directive(*at, t, scope, line.reason));
                }
            }
            "disable-diagnostics" => {
                for (at, t) in ours {
                    open.push((out.len(), catalog.canonical(t)));
                    // Open to the end of the file until restored.
                    let scope = Span::new(line.end, u32::MAX as usize);
                    out.push(directive(*at, t, scope, line.reason));
                }
            }
            "restore-diagnostics" => {
                for (_, t) in ours {
                    let rule = catalog.canonical(t);
                    if let Some(k) = open.iter().position(|(_, r)| *r == rule) {
                        let (idx, _) = open.remove(k);
                        if let Some(d) = out.get_mut(idx) {
                            d.scope = Span::new(d.scope.start as usize, line.start);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn directive(at: usize, rule: &str, scope: Span, reason: Span) -> Directive {
    Directive {
        rule: rule.to_string(),
        at: Span::new(at, at + rule.len()),
        scope,
        reason,
    }
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut state = State::Code;
    let mut start = 0;
    for raw in text.split_inclusive('\n') {
        let end = start + raw.trim_end_matches(['\n', '\r']).len();
        let body = text.get(start..end).unwrap_or("");
        let trimmed = body.trim_start();
        let mut reason = Span::default();
        let pragma = (state == State::Code && trimmed.starts_with('#')).then(|| {
            let lead = body.len() - trimmed.len();
            // A trailing `//` comment is not part of the pragma.
            let p = trimmed.split("//").next().unwrap_or("");
            if p.len() < trimmed.len() {
                reason = super::trimmed(text, start + lead + p.len() + 2, end);
            }
            let mut toks = tokens(p.get(1..).unwrap_or(""), start + lead + 1);
            let name = toks.next().map_or("", |(_, n)| n);
            (name, toks.collect::<Vec<_>>())
        });
        let code = if pragma.is_some() {
            false
        } else {
            let (c, next) = scan_line(body, state);
            state = next;
            c
        };
        out.push(Line {
            start,
            end,
            code,
            pragma,
            reason,
        });
        start += raw.len();
    }
    out
}

/// Whether a line holds code, and the state after it.
fn scan_line(line: &str, mut state: State) -> (bool, State) {
    let b = line.as_bytes();
    let at = |i: usize| b.get(i).copied();
    let mut code = state == State::Verbatim;
    let mut i = 0;
    while let Some(c) = at(i) {
        match state {
            State::BlockComment => {
                if c == b'*' && at(i + 1) == Some(b'/') {
                    state = State::Code;
                    i += 1;
                }
                i += 1;
            }
            State::Verbatim => {
                if b.get(i..i + 3) == Some(b"'''") {
                    state = State::Code;
                    i += 3;
                } else {
                    i += 1;
                }
            }
            State::Code => match (c, at(i + 1)) {
                (b'/', Some(b'/')) => break,
                (b'/', Some(b'*')) => {
                    state = State::BlockComment;
                    i += 2;
                }
                (b'\'', _) if b.get(i..i + 3) == Some(b"'''") => {
                    code = true;
                    state = State::Verbatim;
                    i += 3;
                }
                (b'\'', _) => {
                    // A single-quoted string ends at its quote or the line's end.
                    code = true;
                    i += 1;
                    while let Some(c) = at(i) {
                        i += if c == b'\\' { 2 } else { 1 };
                        if c == b'\'' {
                            break;
                        }
                    }
                }
                (c, _) if c.is_ascii_whitespace() => i += 1,
                _ => {
                    code = true;
                    i += 1;
                }
            },
        }
    }
    (code, state)
}

#[cfg(test)]
mod tests {
    use super::super::tests::catalog;
    use super::*;

    fn found(text: &str) -> Vec<(String, String)> {
        pragmas(text, &catalog())
            .iter()
            .map(|d| {
                let scope = text
                    .get(d.scope.start as usize..(d.scope.end as usize).min(text.len()))
                    .unwrap_or("");
                (d.rule.clone(), scope.to_string())
            })
            .collect()
    }

    fn pair(rule: &str, scope: &str) -> (String, String) {
        (rule.to_string(), scope.to_string())
    }

    #[test]
    fn next_line_skips_comments_and_other_pragmas_and_foreign_codes() {
        let text = "#disable-next-line AKS011 BCP081 no-unused-params kubenet-shared-subnet // why\n\
                    // a comment\n\
                    #disable-next-line BCP081\n\
                    \n\
                    resource a 'x' = {}\n";
        assert_eq!(
            found(text),
            vec![
                pair("AKS011", "resource a 'x' = {}"),
                pair("kubenet-shared-subnet", "resource a 'x' = {}"),
            ]
        );
    }

    #[test]
    fn pragmas_inside_strings_and_comments_do_not_count() {
        let text = "var s = '''\n#disable-next-line AKS011\n'''\n/*\n#disable-next-line AKS012\n*/\nvar t = 1\n";
        assert!(found(text).is_empty());
        // Not on its own line.
        assert!(found("var x = 1 #disable-next-line AKS011\nvar y = 2\n").is_empty());
    }

    #[test]
    fn disable_until_restored_or_the_end() {
        let text = "#disable-diagnostics AKS011 shared-route-table\nvar a = 1\n\
                    #restore-diagnostics kubenet-shared-subnet\nvar b = 2\n";
        let ds = pragmas(text, &catalog());
        assert_eq!(ds.len(), 2);
        let a = text.find("\nvar a").unwrap_or(0);
        let restore = text.find("#restore").unwrap_or(0);
        assert_eq!(ds[0].scope, Span::new(a, restore));
        assert_eq!(ds[1].scope, Span::new(a, u32::MAX as usize));
    }
}
