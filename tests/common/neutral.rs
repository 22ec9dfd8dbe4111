//! What no report may print raw: hidden characters, and lines a CI runner
//! reads as commands.

/// Characters that must never reach output raw (but the line feed): C0 and
/// C1 controls, DEL, line and paragraph separators, bidirectional controls,
/// and the non-characters XML forbids; the set `src/report/neutral.rs`
/// escapes.
pub fn hidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// The first hidden character in `out`, with its line.
pub fn hidden_problem(out: &str) -> Option<String> {
    let (i, c) = out.char_indices().find(|(_, c)| hidden(*c))?;
    let from = out[..i].rfind('\n').map_or(0, |n| n + 1);
    let to = out[i..].find('\n').map_or(out.len(), |n| i + n);
    Some(format!("raw {c:?} in output line {:?}", &out[from..to]))
}

/// The first line a CI runner would read as a command (`::` workflow
/// command, `##[` or `##vso[` logging command), unless it starts with one
/// of `own` (tendon's own commands in `github` format).
pub fn command_problem(out: &str, own: &[&str]) -> Option<String> {
    out.lines()
        .find(|line| {
            let command =
                line.starts_with("::") || line.starts_with("##[") || line.starts_with("##vso[");
            command && !own.iter().any(|p| line.starts_with(p))
        })
        .map(|line| format!("command line {line:?}"))
}
