//! Keeps the `{subscriptionId}` / `{resourceGroupName}` placeholders from
//! leaking into computed values.
//!
//! When the deployment's subscription or resource group is unknown, ids carry
//! placeholder segments so that they stay comparable. Functions that only move
//! text around (`concat`, `format`, `toLower`, `resourceId`, ...) keep them. A
//! function whose result would depend on the placeholder *text* (a hash, a
//! length, a position, an encoding, an ordering) gives an Unknown instead, or
//! the answer when it is decided by the known text alone (`startsWith` of a
//! prefix that ends before the first placeholder).
//!
//! Placeholders are recognised case-insensitively, so that `toLower` of an id
//! still counts as depending on the deployment. Real subscription ids and
//! resource group names only contain letters, digits and `._-()`, which lets
//! `split` / `replace` on other characters (`/`) keep working.

use super::comparison::{MAX_VALUE_DEPTH, Tri};
use super::string::{index_of_str, starts_ends_with_str, utf16_len};
use super::{R, want_int};
use crate::arm::eval::{CLIENT_PLACEHOLDER, PRINCIPAL_PLACEHOLDER};
use crate::arm::eval::{RESOURCE_GROUP_PLACEHOLDER, SUBSCRIPTION_PLACEHOLDER};
use crate::value::{Kind, Value};

const TOKENS: [&str; 4] = [
    SUBSCRIPTION_PLACEHOLDER,
    RESOURCE_GROUP_PLACEHOLDER,
    PRINCIPAL_PLACEHOLDER,
    CLIENT_PLACEHOLDER,
];

/// The Unknown for `name()` applied to a deployment-dependent value.
pub(crate) fn unknown(name: &str) -> Value {
    Value::unknown(format!(
        "{name}() of a value that depends on the deployment's subscription or resource group"
    ))
}

/// True when the value or anything inside it (object keys included) contains a placeholder.
pub(crate) fn has_placeholder(v: &Value) -> bool {
    deep(v, 0)
}

fn deep(v: &Value, depth: usize) -> bool {
    if depth > MAX_VALUE_DEPTH {
        // Too deep to tell: assume the worst.
        return true;
    }
    match &v.kind {
        Kind::Str(s) => str_has(s),
        Kind::Array(a) => a.iter().any(|x| deep(x, depth + 1)),
        Kind::Object(o) => o.iter().any(|(k, x)| str_has(k) || deep(x, depth + 1)),
        _ => false,
    }
}

/// Byte spans of the placeholders and symbol tokens in `s` (placeholders
/// ASCII case-insensitive), in order; a placeholder inside a token is part of it.
fn spans(s: &str) -> Vec<(usize, usize)> {
    let tokens = crate::symbol::token_spans(s);
    // Every placeholder starts with `{`: test each one against the four.
    let bytes = s.as_bytes();
    let fixed: Vec<(usize, usize)> = memchr::memchr_iter(b'{', bytes)
        .filter_map(|i| {
            TOKENS.iter().find_map(|t| {
                let end = i + t.len();
                bytes
                    .get(i..end)
                    .is_some_and(|b| b.eq_ignore_ascii_case(t.as_bytes()))
                    .then_some((i, end))
            })
        })
        .collect();
    // Both lists are sorted: drop the placeholders inside a token in one pass.
    let mut out = Vec::with_capacity(tokens.len() + fixed.len());
    let mut tok = tokens.iter().peekable();
    for (a, b) in fixed {
        while tok.next_if(|&&(_, end)| end <= a).is_some_and(|&t| {
            out.push(t);
            true
        }) {}
        if tok.peek().is_none_or(|&&(start, _)| a < start) {
            out.push((a, b));
        }
    }
    out.extend(tok.copied());
    out.sort_unstable();
    out
}

/// A string cut into known text and deploy-time parts.
enum Seg<'a> {
    Text(&'a str),
    /// A placeholder or token, with the length of its value when always the same.
    Sym(&'a str, Option<usize>),
}

/// The segments of `s` with the byte offset where each starts.
fn segments(s: &str) -> Vec<(usize, Seg<'_>)> {
    let mut out = Vec::new();
    let mut at = 0;
    for (a, b) in spans(s) {
        if a < at {
            continue;
        }
        if at < a {
            out.push((at, Seg::Text(s.get(at..a).unwrap_or_default())));
        }
        let text = s.get(a..b).unwrap_or_default();
        let len = if text.eq_ignore_ascii_case(SUBSCRIPTION_PLACEHOLDER) {
            Some(36)
        } else if text.eq_ignore_ascii_case(RESOURCE_GROUP_PLACEHOLDER) {
            None
        } else if crate::symbol::is_token(text) {
            crate::symbol::token_len(text)
        } else {
            // `{principalId of …`: only the start is marked; the rest is not text to cut.
            out.push((a, Seg::Sym(s.get(a..).unwrap_or_default(), None)));
            return out;
        };
        out.push((a, Seg::Sym(text, len)));
        at = b;
    }
    if at < s.len() {
        out.push((at, Seg::Text(s.get(at..).unwrap_or_default())));
    }
    out
}

/// The first `n` UTF-16 units of `s` (stopping before a split surrogate pair), and how many were taken.
fn utf16_take(s: &str, n: usize) -> (&str, usize) {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        if used + c.len_utf16() > n {
            return (s.get(..i).unwrap_or_default(), used);
        }
        used += c.len_utf16();
    }
    (s, used)
}

fn symbol_call(name: &str, text: &str, n: usize) -> String {
    use crate::symbol::{Arg, call};
    call(name, &[Arg::Str(text), Arg::Int(n as i64)])
}

/// `take(s, n)` of a string with deploy-time parts: exact as far as lengths
/// are known, then a `take` token for the rest.
fn take_symbolic(s: &str, n: usize) -> String {
    let mut out = String::new();
    let mut rem = n;
    for (at, seg) in segments(s) {
        if rem == 0 {
            break;
        }
        match seg {
            Seg::Text(t) => {
                let (taken, used) = utf16_take(t, rem);
                out.push_str(taken);
                rem -= used;
                if used < utf16_len(t) {
                    break;
                }
            }
            Seg::Sym(t, Some(len)) if len <= rem => {
                out.push_str(t);
                rem -= len;
            }
            Seg::Sym(t, Some(_)) => {
                out.push_str(&symbol_call("take", t, rem));
                rem = 0;
            }
            Seg::Sym(_, None) => {
                out.push_str(&symbol_call("take", s.get(at..).unwrap_or_default(), rem));
                rem = 0;
            }
        }
    }
    out
}

/// `skip(s, n)` of a string with deploy-time parts.
fn skip_symbolic(s: &str, n: usize) -> String {
    let mut out = String::new();
    let mut rem = n;
    for (at, seg) in segments(s) {
        if rem == 0 {
            out.push_str(s.get(at..).unwrap_or_default());
            break;
        }
        match seg {
            Seg::Text(t) => {
                let (_, used) = utf16_take(t, rem);
                rem -= used;
                if rem == 0 {
                    out.push_str(t.get(utf16_take(t, used).0.len()..).unwrap_or_default());
                }
            }
            Seg::Sym(_, Some(len)) if len <= rem => rem -= len,
            Seg::Sym(t, Some(_)) => {
                out.push_str(&symbol_call("skip", t, rem));
                rem = 0;
            }
            Seg::Sym(_, None) => {
                out.push_str(&symbol_call("skip", s.get(at..).unwrap_or_default(), rem));
                return out;
            }
        }
    }
    out
}

/// The value's length when every deploy-time part has a fixed length.
fn symbolic_len(s: &str) -> Option<usize> {
    segments(s)
        .iter()
        .try_fold(0usize, |acc, (_, seg)| match seg {
            Seg::Text(t) => Some(acc + utf16_len(t)),
            Seg::Sym(_, len) => len.map(|l| acc + l),
        })
}

/// `toLower`/`toUpper` leave tokens as they are: the values they stand for
/// (hashes, guids, locations) are lower-case, and names compare case-insensitively.
fn change_case_outside_tokens(lname: &str, s: &str) -> Option<R> {
    let tokens = crate::symbol::token_spans(s);
    if tokens.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    let push_case = |out: &mut String, t: &str| {
        let v = super::string::change_case(lname, vec![Value::str(t)]);
        if let Ok(v) = v
            && let Some(t) = v.as_str()
        {
            out.push_str(t);
        }
    };
    for (a, b) in tokens {
        push_case(&mut out, s.get(at..a).unwrap_or_default());
        out.push_str(s.get(a..b).unwrap_or_default());
        at = b;
    }
    push_case(&mut out, s.get(at..).unwrap_or_default());
    Some(Ok(Value::str(out)))
}

pub(crate) fn str_has(s: &str) -> bool {
    s.contains('{') && !spans(s).is_empty()
}

/// The text before the first placeholder (all of `s` when there is none).
fn known_prefix(s: &str) -> &str {
    match spans(s).first() {
        Some(&(a, _)) => s.get(..a).unwrap_or(""),
        None => s,
    }
}

/// The text after the last placeholder (all of `s` when there is none).
fn known_suffix(s: &str) -> &str {
    match spans(s).iter().map(|&(_, b)| b).max() {
        Some(b) => s.get(b..).unwrap_or(""),
        None => s,
    }
}

/// The known text between (and around) the placeholders.
fn known_segments(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut at = 0;
    for (a, b) in spans(s) {
        if a >= at {
            out.push(s.get(at..a).unwrap_or(""));
            at = b;
        }
    }
    out.push(s.get(at..).unwrap_or(""));
    out
}

/// Whether `text` can only match known text: none of its characters can occur
/// in a subscription id, a resource group name or a placeholder.
fn outside_values(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| !c.is_alphanumeric() && !matches!(c, '.' | '_' | '-' | '(' | ')' | '{' | '}'))
}

fn str_arg(args: &[Value], i: usize) -> Option<&str> {
    args.get(i).and_then(Value::as_str)
}

/// Placeholder-aware string equality: the same text stands for the same value;
/// different text is only known to differ when the known prefixes or suffixes do.
pub(crate) fn str_eq(x: &str, y: &str) -> Tri {
    if x == y {
        return Tri::Yes;
    }
    if !str_has(x) && !str_has(y) {
        return Tri::No;
    }
    let differ = |a: &str, b: &str, rev: bool| -> bool {
        if rev {
            a.chars().rev().zip(b.chars().rev()).any(|(p, q)| p != q)
        } else {
            a.chars().zip(b.chars()).any(|(p, q)| p != q)
        }
    };
    let (px, py) = (known_prefix(x), known_prefix(y));
    let (sx, sy) = (known_suffix(x), known_suffix(y));
    if differ(px, py, false) || differ(sx, sy, true) {
        Tri::No
    } else {
        Tri::Unknown
    }
}

/// Checks a call before it is evaluated. `None`: evaluate normally (no
/// placeholder involved, or the result does not depend on its text).
/// `Some(result)`: the decided result or an Unknown. Only the arguments the
/// function looks at as text are scanned, so that large arrays stay cheap.
pub(crate) fn check(lname: &str, args: &[Value]) -> Option<R> {
    let deny = || Some(Err(unknown(lname)));
    match lname {
        // Hashes, encodings, parsers and orderings of the placeholder text.
        "guid" | "uniquestring" if args.iter().any(has_placeholder) => hash_token(lname, args),
        "base64" | "base64tostring" | "base64tojson" | "datauri" | "datauritostring" | "uri"
        | "uricomponent" | "less" | "lessorequals" | "greater" | "greaterorequals" | "int"
        | "bool" | "json" | "parsecidr" | "cidrsubnet" | "cidrhost" | "datetimeadd"
        | "datetimetoepoch"
            if args.iter().any(has_placeholder) =>
        {
            deny()
        }
        // items() sorts by key.
        "items" => match args.first().map(|v| &v.kind) {
            Some(Kind::Object(o)) if o.iter().any(|(k, _)| str_has(k)) => deny(),
            _ => None,
        },
        _ if !text_args_have_placeholder(lname, args) => None,
        "tolower" | "toupper" => change_case_outside_tokens(lname, str_arg(args, 0)?),
        "length" => match str_arg(args, 0).map(symbolic_len) {
            Some(Some(n)) => Some(Ok(Value::int(n as i64))),
            Some(None) => deny(),
            None => None,
        },
        "lastindexof" if str_arg(args, 0).is_some() => deny(),
        "first" | "last" => first_last(lname, args),
        "take" | "skip" => take_skip(lname, args),
        "substring" => substring(args),
        "padleft" => pad_left(args),
        "indexof" => index_of(args),
        "startswith" | "endswith" => starts_ends(lname, args),
        "contains" => contains(args),
        "split" => split(args),
        "replace" => replace(args),
        _ => None,
    }
}

/// Whether a string argument (or a `split` delimiter) contains a placeholder.
fn text_args_have_placeholder(lname: &str, args: &[Value]) -> bool {
    args.iter().any(|a| match &a.kind {
        Kind::Str(s) => str_has(s),
        Kind::Array(items) if lname == "split" => {
            items.iter().any(|d| d.as_str().is_some_and(str_has))
        }
        _ => false,
    })
}

/// `uniqueString`/`guid` of deploy-time values: a token naming the call.
fn hash_token(lname: &str, args: &[Value]) -> Option<R> {
    let name = if lname == "guid" {
        "guid"
    } else {
        "uniqueString"
    };
    let mut parts = Vec::with_capacity(args.len());
    for a in args {
        // Other argument types are an error: left to the function.
        parts.push(crate::symbol::Arg::Str(a.as_str()?));
    }
    if parts.is_empty() {
        return None;
    }
    Some(Ok(Value::str(crate::symbol::call(name, &parts))))
}

fn first_last(lname: &str, args: &[Value]) -> Option<R> {
    let s = str_arg(args, 0)?;
    // The first (last) character is known unless a placeholder is there.
    let known = if lname == "first" {
        known_prefix(s)
    } else {
        known_suffix(s)
    };
    match (known.is_empty(), lname) {
        (false, _) => None,
        (true, "first") => Some(Ok(Value::str(take_symbolic(s, 1)))),
        (true, _) => Some(Err(unknown(lname))),
    }
}

fn take_skip(lname: &str, args: &[Value]) -> Option<R> {
    let s = str_arg(args, 0)?;
    let n = want_int(lname, args.get(1)?).ok()?.max(0);
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    Some(Ok(Value::str(if lname == "take" {
        take_symbolic(s, n)
    } else {
        skip_symbolic(s, n)
    })))
}

fn substring(args: &[Value]) -> Option<R> {
    let s = str_arg(args, 0)?;
    let start = want_int("substring", args.get(1)?).ok()?;
    let len = match args.get(2) {
        Some(l) => Some(want_int("substring", l).ok()?),
        None => None,
    };
    if start < 0 || len.is_some_and(|l| l < 0) {
        return None; // an error whatever the real value
    }
    if let Some(total) = symbolic_len(s) {
        let end = len.map_or(total as i64, |l| start.saturating_add(l));
        if start > total as i64 || end > total as i64 {
            return Some(Err(super::error(format!(
                "substring(): index {start} and length {} are outside a string of length {total}",
                end - start
            ))));
        }
    }
    let start = usize::try_from(start).unwrap_or(usize::MAX);
    let rest = skip_symbolic(s, start);
    Some(Ok(Value::str(match len {
        Some(l) => take_symbolic(&rest, usize::try_from(l).unwrap_or(usize::MAX)),
        None => rest,
    })))
}

fn pad_left(args: &[Value]) -> Option<R> {
    let s = str_arg(args, 0)?;
    let width = want_int("padLeft", args.get(1)?).ok()?;
    // Every placeholder stands for at least one character.
    let segments = known_segments(s);
    let min_len: usize = segments.iter().map(|t| utf16_len(t)).sum::<usize>() + segments.len() - 1;
    if width <= min_len as i64 {
        None
    } else {
        Some(Err(unknown("padLeft")))
    }
}

fn index_of(args: &[Value]) -> Option<R> {
    let (s, x) = (str_arg(args, 0)?, str_arg(args, 1)?);
    if str_has(x) {
        return Some(Err(unknown("indexOf")));
    }
    // A match inside the known prefix is the first match of the real text too.
    match index_of_str(known_prefix(s), x, false) {
        Ok(v) if v.as_int().is_some_and(|i| i >= 0) => Some(Ok(v)),
        _ => Some(Err(unknown("indexOf"))),
    }
}

fn starts_ends(lname: &str, args: &[Value]) -> Option<R> {
    let (s, x) = (str_arg(args, 0)?, str_arg(args, 1)?);
    if str_has(x) {
        return Some(Err(unknown(lname)));
    }
    let start = lname == "startswith";
    let known = if start {
        known_prefix(s)
    } else {
        known_suffix(s)
    };
    if starts_ends_with_str(known, x, start) {
        return Some(Ok(Value::bool(true)));
    }
    // `x` agrees with all the known text and goes on into a placeholder.
    if starts_ends_with_str(x, known, start) {
        return Some(Err(unknown(lname)));
    }
    Some(Ok(Value::bool(false)))
}

fn contains(args: &[Value]) -> Option<R> {
    let (s, x) = (str_arg(args, 0)?, str_arg(args, 1)?);
    if !str_has(x) && known_segments(s).iter().any(|seg| seg.contains(x)) {
        return Some(Ok(Value::bool(true)));
    }
    Some(Err(unknown("contains")))
}

fn split(args: &[Value]) -> Option<R> {
    let delims: Vec<&str> = match &args.get(1)?.kind {
        Kind::Str(d) => vec![d.as_str()],
        Kind::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => return None,
    };
    if delims.iter().all(|d| outside_values(d)) {
        None
    } else {
        Some(Err(unknown("split")))
    }
}

fn replace(args: &[Value]) -> Option<R> {
    let (s, old) = (args.first()?, str_arg(args, 1)?);
    // Placeholders only in the new text are carried along like in concat.
    if !has_placeholder(s) && !str_has(old) {
        return None;
    }
    if outside_values(old) {
        return None;
    }
    if str_has(old) {
        return Some(Err(unknown("replace")));
    }
    // `replace(x, '-', '')` of `'st-{uniqueString(…)}'`: the hash has no `-`,
    // so only the text around it changes.
    let (Some(text), Some(new)) = (s.as_str(), str_arg(args, 2)) else {
        return Some(Err(unknown("replace")));
    };
    let spans = spans(text);
    let outside_tokens = !old.is_empty()
        && spans.iter().all(|&(a, b)| {
            text.get(a..b)
                .and_then(crate::symbol::alphabet)
                .is_some_and(|alpha| !old.chars().any(alpha))
        });
    if !outside_tokens {
        return Some(Err(unknown("replace")));
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (a, b) in spans {
        out.push_str(&text.get(at..a).unwrap_or_default().replace(old, new));
        out.push_str(text.get(a..b).unwrap_or_default());
        at = b;
    }
    out.push_str(&text.get(at..).unwrap_or_default().replace(old, new));
    Some(Ok(Value::str(out)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::eval::testenv::*;

    const SUB: &str = "{subscriptionId}";
    const RG: &str = "{resourceGroupName}";

    fn rg_id() -> String {
        format!("/subscriptions/{SUB}/resourceGroups/{RG}")
    }

    /// Evaluates with the resource group id as parameter `id` and the name as `rg`.
    fn evp(text: &str) -> crate::value::Value {
        let mut env = TestEnv::new()
            .var("id", Value::str(rg_id()))
            .var("rg", Value::str(RG));
        ev_in(&mut env, text)
    }

    fn is_placeholder_unknown(v: &Value) -> bool {
        v.unknown_reason().is_some_and(|r| {
            r.contains("depends on the deployment's subscription or resource group")
        })
    }

    #[test]
    fn detection_is_deep_and_case_insensitive() {
        assert!(has_placeholder(&Value::str(rg_id())));
        assert!(has_placeholder(&Value::str("{SUBSCRIPTIONID}")));
        assert!(has_placeholder(&from_json(
            r#"{"a":[1,{"b":"x{resourcegroupname}"}]}"#
        )));
        assert!(has_placeholder(&from_json(r#"{"{subscriptionId}":1}"#)));
        assert!(!has_placeholder(&from_json(r#"{"a":["{other}", "{", 1]}"#)));
    }

    #[test]
    fn encodings_are_unknown() {
        for f in [
            "base64(variables('rg'))",
            "dataUri(variables('rg'))",
            "uri('https://x/', variables('rg'))",
            "uriComponent(variables('id'))",
            "base64ToString(variables('rg'))",
            "int(variables('rg'))",
            "json(variables('rg'))",
            "items(createObject(variables('rg'), 1))",
        ] {
            assert!(is_placeholder_unknown(&evp(f)), "{f}");
        }
        assert_eq!(
            reason(&evp("base64(variables('rg'))")),
            "base64() of a value that depends on the deployment's subscription or resource group"
        );
    }

    #[test]
    fn hashes_are_symbols() {
        assert_eq!(
            evp("uniqueString(variables('id'))").as_str(),
            Some("{uniqueString(resourceGroup().id)}")
        );
        assert_eq!(
            evp("guid(variables('id'))").as_str(),
            Some("{guid(resourceGroup().id)}")
        );
        // Built differently, a different symbol; built the same way, the same.
        assert_eq!(
            evp("uniqueString(toLower(variables('id')))").as_str(),
            Some("{uniqueString(toLower(resourceGroup().id))}")
        );
        assert_eq!(
            evp("concat('aks-', uniqueString(variables('id')))"),
            evp("format('aks-{0}', uniqueString(variables('id')))")
        );
        let t = evp("guid('a', variables('rg'))");
        assert_eq!(
            crate::symbol::display(t.as_str().unwrap_or_default()),
            "{guid('a', resourceGroup().name)}"
        );
        // Symbols of symbols.
        assert_eq!(
            evp("uniqueString(uniqueString(variables('id')), 'x')").as_str(),
            Some("{uniqueString(uniqueString(resourceGroup().id)\u{FF0C}\u{02BC}x\u{02BC})}")
        );
        // Hash output is lower-case: toLower keeps the token; length is known.
        assert_eq!(
            evp("toLower(concat('AKS-', uniqueString(variables('id'))))").as_str(),
            Some("aks-{uniqueString(resourceGroup().id)}")
        );
        assert_eq!(
            evp("length(concat('aks-', uniqueString(variables('id'))))").as_int(),
            Some(17)
        );
        assert_eq!(evp("length(guid(variables('rg')))").as_int(), Some(36));
        // Wrong argument types are still ARM's error.
        assert!(reason(&evp("uniqueString(variables('id'), 1)")).starts_with("error:"));
    }

    #[test]
    fn lengths_and_positions() {
        assert!(is_placeholder_unknown(&evp("length(variables('id'))")));
        assert_eq!(
            evp("length(createArray(variables('id')))").as_int(),
            Some(1)
        );
        assert_eq!(
            evp("length(createObject('a', variables('id')))").as_int(),
            Some(1)
        );
        assert_eq!(
            evp("indexOf(variables('id'), 'SUBSCRIPTIONS')").as_int(),
            Some(1)
        );
        assert!(is_placeholder_unknown(&evp(
            "indexOf(variables('id'), 'groups')"
        )));
        assert!(is_placeholder_unknown(&evp(
            "lastIndexOf(variables('id'), '/')"
        )));
        assert!(is_placeholder_unknown(&evp(
            "indexOf('abc', variables('rg'))"
        )));
        // Arrays use deep equality: the same id is found.
        assert_eq!(
            evp("indexOf(createArray('x', variables('id')), variables('id'))").as_int(),
            Some(1)
        );
    }

    #[test]
    fn lookups_by_deploy_time_keys() {
        let a = evp(
            "createObject('westeurope', 'weu', 'northeurope', 'neu')[resourceGroup().location]",
        );
        let b =
            evp(r#"json('{"westeurope": "weu", "northeurope": "neu"}')[resourceGroup().location]"#);
        assert!(
            crate::symbol::is_token(a.as_str().unwrap_or_default()),
            "{a:?}"
        );
        assert_eq!(a, b);
        let other = evp("createObject('westeurope', 'weu')[resourceGroup().location]");
        assert_ne!(a, other);
        // Not a map of strings: unknown.
        assert!(evp("createObject('westeurope', 1)[resourceGroup().location]").is_unknown());
    }

    #[test]
    fn replace_around_hashes() {
        assert_eq!(
            evp("replace(concat('st-a-', uniqueString(variables('id'))), '-', '')").as_str(),
            Some("sta{uniqueString(resourceGroup().id)}")
        );
        // A guid has dashes of its own.
        assert!(is_placeholder_unknown(&evp(
            "replace(concat('a-', guid(variables('id'))), '-', '')"
        )));
        assert!(is_placeholder_unknown(&evp(
            "replace(concat('a-', uniqueString(variables('id'))), 'a', '')"
        )));
    }

    #[test]
    fn slicing() {
        assert_eq!(
            evp("take(variables('id'), 14)").as_str(),
            Some("/subscriptions")
        );
        // The subscription id is a GUID: 36 characters.
        assert_eq!(
            evp("take(variables('id'), 52)").as_str(),
            Some(format!("/subscriptions/{SUB}/").as_str())
        );
        assert_eq!(
            evp("take(variables('id'), 20)").as_str(),
            Some("/subscriptions/{take(subscription().subscriptionId\u{FF0C}5)}")
        );
        // A resource group name has no fixed length: the rest is one symbol.
        assert_eq!(
            crate::symbol::display(
                evp("take(variables('id'), 70)")
                    .as_str()
                    .unwrap_or_default()
            ),
            "/subscriptions/{subscriptionId}/resourceGroups/{take(resourceGroup().name, 3)}"
        );
        assert_eq!(
            evp("skip(variables('id'), 15)").as_str(),
            Some(format!("{SUB}/resourceGroups/{RG}").as_str())
        );
        assert_eq!(
            evp("skip(variables('id'), 16)").as_str(),
            Some(
                format!("{{skip(subscription().subscriptionId\u{FF0C}1)}}/resourceGroups/{RG}")
                    .as_str()
            )
        );
        // The storage-account idiom: the whole value fits, so take is exact.
        assert_eq!(
            evp("take(concat('st', uniqueString(variables('id'))), 24)").as_str(),
            Some("st{uniqueString(resourceGroup().id)}")
        );
        assert_eq!(
            crate::symbol::display(
                evp("take(concat('st', uniqueString(variables('id'))), 8)")
                    .as_str()
                    .unwrap_or_default()
            ),
            "st{take(uniqueString(resourceGroup().id), 6)}"
        );
        assert_eq!(
            evp("substring(variables('id'), 1, 4)").as_str(),
            Some("subs")
        );
        assert_eq!(
            crate::symbol::display(
                evp("substring(uniqueString(variables('id')), 0, 6)")
                    .as_str()
                    .unwrap_or_default()
            ),
            "{take(uniqueString(resourceGroup().id), 6)}"
        );
        assert!(
            reason(&evp("substring(uniqueString(variables('id')), 10, 6)")).starts_with("error:")
        );
        assert!(!is_placeholder_unknown(&evp(
            "substring(variables('rg'), 0)"
        )));
        assert_eq!(evp("first(variables('id'))").as_str(), Some("/"));
        assert_eq!(
            crate::symbol::display(evp("first(variables('rg'))").as_str().unwrap_or_default()),
            "{take(resourceGroup().name, 1)}"
        );
        assert!(is_placeholder_unknown(&evp("last(variables('id'))")));
        assert_eq!(
            evp("last(concat(variables('rg'), '-x'))").as_str(),
            Some("x")
        );
        assert_eq!(evp("padLeft(variables('rg'), 1, '0')").as_str(), Some(RG));
        assert!(is_placeholder_unknown(&evp(
            "padLeft(variables('rg'), 10, '0')"
        )));
    }

    #[test]
    fn searching() {
        assert_eq!(
            evp("startsWith(variables('id'), '/SUBSCRIPTIONS/')").as_bool(),
            Some(true)
        );
        assert_eq!(
            evp("startsWith(variables('id'), '/providers/')").as_bool(),
            Some(false)
        );
        assert!(is_placeholder_unknown(&evp(
            "startsWith(variables('id'), '/subscriptions/0')"
        )));
        assert_eq!(
            evp("endsWith(concat(variables('rg'), '-kv'), '-KV')").as_bool(),
            Some(true)
        );
        assert!(is_placeholder_unknown(&evp(
            "endsWith(variables('id'), 'rg')"
        )));
        assert_eq!(
            evp("contains(variables('id'), '/resourceGroups/')").as_bool(),
            Some(true)
        );
        assert!(is_placeholder_unknown(&evp(
            "contains(variables('id'), 'prod')"
        )));
        assert!(is_placeholder_unknown(&evp(
            "contains('abc', variables('rg'))"
        )));
    }

    #[test]
    fn split_and_replace_on_separators() {
        assert_eq!(
            render(&evp("split(variables('id'), '/')")),
            format!(r#"["","subscriptions","{SUB}","resourceGroups","{RG}"]"#)
        );
        assert!(is_placeholder_unknown(&evp("split(variables('id'), '-')")));
        assert!(is_placeholder_unknown(&evp("split(variables('rg'), 'e')")));
        assert_eq!(
            evp("replace(variables('id'), '/', '|')").as_str(),
            Some(format!("|subscriptions|{SUB}|resourceGroups|{RG}").as_str())
        );
        assert!(is_placeholder_unknown(&evp(
            "replace(variables('id'), '-', '')"
        )));
        assert!(is_placeholder_unknown(&evp(
            "replace('a-b', variables('rg'), '')"
        )));
        assert_eq!(
            evp("replace('a-x', 'x', variables('rg'))").as_str(),
            Some(format!("a-{RG}").as_str())
        );
    }

    #[test]
    fn text_moving_functions_keep_working() {
        assert_eq!(
            evp("concat(variables('id'), '/x')").as_str(),
            Some(format!("{}/x", rg_id()).as_str())
        );
        assert_eq!(
            evp("format('{0}-kv', variables('rg'))").as_str(),
            Some(format!("{RG}-kv").as_str())
        );
        assert_eq!(
            evp("toLower(variables('rg'))").as_str(),
            Some("{resourcegroupname}")
        );
        assert_eq!(evp("toUpper('a')").as_str(), Some("A"));
        assert!(is_placeholder_unknown(&evp(
            "format('{0,30}', variables('rg'))"
        )));
        assert_eq!(evp("empty(variables('rg'))").as_bool(), Some(false));
    }

    #[test]
    fn comparisons() {
        assert_eq!(
            evp("equals(variables('id'), variables('id'))").as_bool(),
            Some(true)
        );
        assert!(is_placeholder_unknown(&evp(
            "equals(variables('id'), '/subscriptions/x/resourceGroups/y')"
        )));
        assert_eq!(
            evp("equals(variables('id'), '/providers/x')").as_bool(),
            Some(false)
        );
        assert_eq!(evp("equals(variables('rg'), 1)").as_bool(), Some(false));
        assert!(is_placeholder_unknown(&evp(
            "equals(toLower(variables('rg')), variables('rg'))"
        )));
        assert!(is_placeholder_unknown(&evp("less(variables('rg'), 'a')")));
        assert!(is_placeholder_unknown(&evp(
            "greaterOrEquals('a', variables('rg'))"
        )));
        assert_eq!(
            evp("contains(createArray(variables('id')), variables('id'))").as_bool(),
            Some(true)
        );
        assert!(is_placeholder_unknown(&evp(
            "contains(createArray('rg1'), variables('rg'))"
        )));
        assert_eq!(
            render(&evp(
                "union(createArray(variables('rg')), createArray(variables('rg')))"
            )),
            format!(r#"["{RG}"]"#)
        );
        assert!(is_placeholder_unknown(&evp(
            "union(createArray(variables('rg')), createArray('rg1'))"
        )));
    }

    #[test]
    fn str_eq_rules() {
        assert_eq!(str_eq("a", "a"), Tri::Yes);
        assert_eq!(str_eq("a", "b"), Tri::No);
        assert_eq!(str_eq("x{subscriptionId}", "y"), Tri::No);
        assert_eq!(str_eq("{subscriptionId}x", "abcy"), Tri::No);
        assert_eq!(str_eq("{subscriptionId}x", "abcx"), Tri::Unknown);
    }
}
