//! A small XML checker for the JUnit report.

use std::collections::BTreeSet;

/// XML 1.0 well-formedness, enough for what a JUnit reader does: one root,
/// tags balanced, attributes quoted and unique, only the predefined or
/// numeric character references, only XML `Char`s.
pub fn xml_problem(x: &str) -> Option<String> {
    fn xml_char(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{d7ff}').contains(&c)
            || ('\u{e000}'..='\u{fffd}').contains(&c)
            || c >= '\u{10000}'
    }
    fn name_ok(n: &str) -> bool {
        !n.is_empty()
            && n.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':')
            && n.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.'))
    }
    fn text_ok(t: &str) -> Option<String> {
        let mut rest = t;
        while let Some(i) = rest.find(['&', '<']) {
            if rest[i..].starts_with('<') {
                return Some(format!(
                    "raw '<' in text {:?}",
                    &rest[i..rest.len().min(i + 40)]
                ));
            }
            let Some(end) = rest[i..].find(';') else {
                return Some("unterminated reference".into());
            };
            let ent = &rest[i + 1..i + end];
            let ok = matches!(ent, "amp" | "lt" | "gt" | "quot" | "apos")
                || ent
                    .strip_prefix("#x")
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32)
                    .is_some_and(xml_char);
            if !ok {
                return Some(format!("bad reference &{ent};"));
            }
            rest = &rest[i + end + 1..];
        }
        None
    }
    if let Some(c) = x.chars().find(|c| !xml_char(*c)) {
        return Some(format!("{c:?} is not an XML character"));
    }
    let mut rest = x;
    if let Some(r) = rest.strip_prefix("<?xml") {
        let Some(end) = r.find("?>") else {
            return Some("unterminated declaration".into());
        };
        rest = &r[end + 2..];
    }
    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    loop {
        let Some(lt) = rest.find('<') else {
            if !rest.trim().is_empty() && stack.is_empty() {
                return Some("text after the root".into());
            }
            break;
        };
        let text = &rest[..lt];
        if stack.is_empty() && !text.trim().is_empty() {
            return Some("text outside the root".into());
        }
        if let Some(p) = text_ok(text) {
            return Some(p);
        }
        rest = &rest[lt..];
        if let Some(r) = rest.strip_prefix("<!--") {
            let Some(end) = r.find("-->") else {
                return Some("unterminated comment".into());
            };
            rest = &r[end + 3..];
            continue;
        }
        if let Some(r) = rest.strip_prefix("<![CDATA[") {
            if stack.is_empty() {
                return Some("CDATA outside the root".into());
            }
            let Some(end) = r.find("]]>") else {
                return Some("unterminated CDATA".into());
            };
            rest = &r[end + 3..];
            continue;
        }
        // A tag: find its end outside quoted attribute values.
        let mut quote = None;
        let mut end = None;
        for (i, c) in rest.char_indices().skip(1) {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '>') => {
                    end = Some(i);
                    break;
                }
                (None, '<') => return Some("'<' inside a tag".into()),
                _ => {}
            }
        }
        let Some(end) = end else {
            return Some("unterminated tag".into());
        };
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name.trim_end() => {}
                other => return Some(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let (tag, empty) = match tag.strip_suffix('/') {
            Some(t) => (t, true),
            None => (tag, false),
        };
        let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
        let name = &tag[..name_end];
        if !name_ok(name) {
            return Some(format!("bad element name {name:?}"));
        }
        if stack.is_empty() {
            roots += 1;
            if roots > 1 {
                return Some("second root element".into());
            }
        }
        let mut attrs = tag[name_end..].trim_start();
        let mut seen = BTreeSet::new();
        while !attrs.is_empty() {
            let Some(eq) = attrs.find('=') else {
                return Some(format!("attribute without value in <{name}>"));
            };
            let key = attrs[..eq].trim();
            if !name_ok(key) || !seen.insert(key) {
                return Some(format!("bad or repeated attribute {key:?}"));
            }
            let v = attrs[eq + 1..].trim_start();
            let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                return Some(format!("unquoted attribute {key:?}"));
            };
            let Some(close) = v[1..].find(q) else {
                return Some(format!("unterminated attribute {key:?}"));
            };
            let value = &v[1..1 + close];
            if let Some(p) = text_ok(value) {
                return Some(format!("attribute {key}: {p}"));
            }
            let after = &v[close + 2..];
            if !after.is_empty() && !after.starts_with(char::is_whitespace) {
                return Some(format!("no space after attribute {key:?}"));
            }
            attrs = after.trim_start();
        }
        if !empty {
            stack.push(name);
        }
    }
    if !stack.is_empty() {
        return Some(format!("unclosed {stack:?}"));
    }
    (roots == 0).then(|| "no root element".into())
}
