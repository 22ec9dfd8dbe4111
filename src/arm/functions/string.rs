//! String functions. Lengths and positions are in UTF-16 code units, as in .NET;
//! case-insensitive operations use simple (one-to-one) case mapping, as .NET's
//! ordinal-ignore-case and invariant-culture casing do.

use super::json::{parse_json, write_compact};
use super::{
    MAX_STRING_BYTES, R, arity, check_array_len, check_str_len, error, fixed, str_limit, want_int,
    want_str,
};
use crate::arm::eval::Ctx;
use crate::value::{Kind, Value};

// ------------------------------------------------------------ UTF-16 helpers

pub(crate) fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    }
}

/// `s[start..end]` in UTF-16 units (caller checks the bounds).
pub(crate) fn utf16_slice(s: &str, start: usize, end: usize) -> Result<String, Value> {
    if s.is_ascii() {
        return Ok(s.get(start..end).unwrap_or("").to_string());
    }
    let units: Vec<u16> = s.encode_utf16().collect();
    let part = units.get(start..end).unwrap_or(&[]);
    String::from_utf16(part).map_err(|_| {
        Value::unknown("a substring that splits a surrogate pair is not evaluated statically")
    })
}

/// Simple upper-case mapping (identity when the full mapping is not one char of
/// the same UTF-16 length), used for case-insensitive comparison.
fn fold(c: char) -> char {
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) if u.len_utf16() == c.len_utf16() => u,
        _ => c,
    }
}

fn simple_lower(c: char) -> char {
    let mut lo = c.to_lowercase();
    match (lo.next(), lo.next()) {
        (Some(l), None) if l.len_utf16() == c.len_utf16() => l,
        _ => c,
    }
}

fn folded(s: &str) -> String {
    s.chars().map(fold).collect()
}

fn text_of(name: &str, v: &Value) -> Result<String, Value> {
    match &v.kind {
        Kind::Str(s) => Ok(s.clone()),
        Kind::Int(i) => Ok(i.to_string()),
        _ => Err(error(format!(
            "{name}() expects a string or int, got {}",
            v.type_name()
        ))),
    }
}

// ------------------------------------------------------------ concat / format

/// `concat`: all arrays → one array; all strings/ints → one string.
pub(crate) fn concat(cx: &mut Ctx, args: Vec<Value>) -> R {
    arity("concat", &args, 1, usize::MAX)?;
    if args.iter().all(|a| matches!(a.kind, Kind::Array(_))) {
        let total = args
            .iter()
            .map(|a| a.as_array().map_or(0, <[Value]>::len))
            .fold(0usize, usize::saturating_add);
        check_array_len(cx, "concat", total)?;
        let mut out = Vec::with_capacity(total);
        for a in args {
            if let Kind::Array(items) = a.kind {
                out.extend(items);
            }
        }
        return Ok(Value::array(out));
    }
    let mut total = 0usize;
    for a in &args {
        total = total.saturating_add(match &a.kind {
            Kind::Str(s) => s.len(),
            Kind::Int(_) => 20,
            Kind::Array(_) => {
                return Err(error("concat() cannot mix arrays with strings"));
            }
            Kind::Null | Kind::Bool(_) | Kind::Float(_) => {
                return Err(Value::unknown(format!(
                    "concat() of a {} is not evaluated statically",
                    a.type_name()
                )));
            }
            _ => {
                return Err(error(format!(
                    "concat() expects strings, ints or arrays, got {}",
                    a.type_name()
                )));
            }
        });
    }
    check_str_len(cx, "concat", total)?;
    let mut out = String::with_capacity(total);
    for a in &args {
        match &a.kind {
            Kind::Str(s) => out.push_str(s),
            Kind::Int(i) => out.push_str(&i.to_string()),
            _ => {}
        }
    }
    Ok(Value::str(out))
}

/// `format(fmt, args...)`: .NET composite formatting with the invariant culture.
pub(crate) fn format(cx: &mut Ctx, args: Vec<Value>) -> R {
    arity("format", &args, 1, usize::MAX)?;
    let mut it = args.into_iter();
    let fmt_v = it.next().unwrap_or_else(Value::null);
    let fmt = want_str("format", &fmt_v)?;
    let rest: Vec<Value> = it.collect();
    let mut out = String::new();
    let mut chars = fmt.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if matches!(chars.peek(), Some((_, '{'))) => {
                chars.next();
                out.push('{');
            }
            '}' if matches!(chars.peek(), Some((_, '}'))) => {
                chars.next();
                out.push('}');
            }
            '}' => return Err(error(format!("format(): unmatched '}}' at {i}"))),
            '{' => {
                let body_start = i + 1;
                let mut body_end = None;
                for (j, d) in chars.by_ref() {
                    if d == '}' {
                        body_end = Some(j);
                        break;
                    }
                }
                let Some(body_end) = body_end else {
                    return Err(error(format!("format(): unmatched '{{' at {i}")));
                };
                let body = fmt.get(body_start..body_end).unwrap_or("");
                let item = parse_format_item(body)
                    .ok_or_else(|| error(format!("format(): invalid format item '{{{body}}}'")))?;
                let arg = rest.get(item.index).ok_or_else(|| {
                    error(format!(
                        "format(): index {} but only {} argument(s)",
                        item.index,
                        rest.len()
                    ))
                })?;
                let text = format_arg(arg, item.spec)?;
                if item.align != 0 && super::placeholder::str_has(&text) {
                    // Padding depends on the real length.
                    return Err(super::placeholder::unknown("format"));
                }
                let width = item.align.unsigned_abs() as usize;
                let len = utf16_len(&text);
                str_limit("format", out.len() + text.len() + width)?;
                if item.align > 0 && len < width {
                    out.extend(std::iter::repeat_n(' ', width - len));
                }
                out.push_str(&text);
                if item.align < 0 && len < width {
                    out.extend(std::iter::repeat_n(' ', width - len));
                }
            }
            c => out.push(c),
        }
        str_limit("format", out.len())?;
    }
    cx.charge(out.len())?;
    Ok(Value::str(out))
}

struct FormatItem<'a> {
    index: usize,
    align: i64,
    spec: Option<&'a str>,
}

/// `index[,alignment][:format]` (the text between the braces).
fn parse_format_item(body: &str) -> Option<FormatItem<'_>> {
    let (head, spec) = match body.split_once(':') {
        Some((h, s)) => (h, Some(s)),
        None => (body, None),
    };
    let (idx, align) = match head.split_once(',') {
        Some((i, a)) => (i, Some(a)),
        None => (head, None),
    };
    let idx = idx.trim_end();
    if idx.is_empty() || !idx.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let index = idx.parse::<usize>().ok()?;
    let align = match align {
        Some(a) => a
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|a| a.abs() < 1_000_000)?,
        None => 0,
    };
    Some(FormatItem { index, align, spec })
}

fn format_arg(v: &Value, spec: Option<&str>) -> Result<String, Value> {
    match &v.kind {
        Kind::Str(s) => Ok(s.clone()),
        Kind::Bool(b) => Ok(if *b { "True" } else { "False" }.to_string()),
        Kind::Null => Ok(String::new()),
        Kind::Int(i) => match spec {
            None | Some("") => Ok(i.to_string()),
            Some(spec) => format_int(*i, spec).ok_or_else(|| {
                Value::unknown(format!(
                    "format(): format specifier '{spec}' is not evaluated statically"
                ))
            }),
        },
        _ => Err(Value::unknown(format!(
            "format() of a {} is not evaluated statically",
            v.type_name()
        ))),
    }
}

/// Standard .NET numeric format strings for integers (D, N, F, X, G without
/// precision); `None` for anything else.
fn format_int(i: i64, spec: &str) -> Option<String> {
    let mut cs = spec.chars();
    let kind = cs.next()?;
    let prec_text = cs.as_str();
    let prec: Option<usize> = if prec_text.is_empty() {
        None
    } else if prec_text.len() <= 3 && prec_text.bytes().all(|b| b.is_ascii_digit()) {
        prec_text.parse().ok()
    } else {
        return None;
    };
    let sign = if i < 0 { "-" } else { "" };
    let digits = i.unsigned_abs().to_string();
    let zeros = |n: usize| "0".repeat(n);
    Some(match kind {
        'D' | 'd' => {
            let p = prec.unwrap_or(0);
            format!("{sign}{}{digits}", zeros(p.saturating_sub(digits.len())))
        }
        'N' | 'n' | 'F' | 'f' => {
            let p = prec.unwrap_or(2);
            let int_part = if matches!(kind, 'N' | 'n') {
                group_thousands(&digits)
            } else {
                digits
            };
            if p == 0 {
                format!("{sign}{int_part}")
            } else {
                format!("{sign}{int_part}.{}", zeros(p))
            }
        }
        'X' | 'x' => {
            let hex = if kind == 'X' {
                format!("{:X}", i as u64)
            } else {
                format!("{:x}", i as u64)
            };
            let p = prec.unwrap_or(0);
            format!("{}{hex}", zeros(p.saturating_sub(hex.len())))
        }
        'G' | 'g' if prec.is_none() => i.to_string(),
        _ => return None,
    })
}

fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (n, c) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ------------------------------------------------------------ conversions

pub(crate) fn change_case(lname: &str, args: Vec<Value>) -> R {
    let [v] = fixed(lname, args)?;
    let s = want_str(lname, &v)?;
    let out: String = if lname == "tolower" {
        s.chars().map(simple_lower).collect()
    } else {
        s.chars().map(fold).collect()
    };
    Ok(Value::str(out))
}

/// `string(x)`: strings unchanged, ints in decimal, bools `True`/`False`,
/// arrays and objects as compact JSON.
pub(crate) fn string(cx: &mut Ctx, args: Vec<Value>) -> R {
    let [v] = fixed("string", args)?;
    match &v.kind {
        Kind::Str(_) => Ok(v),
        Kind::Int(i) => Ok(Value::str(i.to_string())),
        Kind::Bool(b) => Ok(Value::str(if *b { "True" } else { "False" })),
        Kind::Array(_) | Kind::Object(_) => {
            let mut out = String::new();
            write_compact(&v, &mut out, MAX_STRING_BYTES)?;
            cx.charge(out.len())?;
            Ok(Value::str(out))
        }
        _ => Err(Value::unknown(format!(
            "string() of a {} is not evaluated statically",
            v.type_name()
        ))),
    }
}

// ------------------------------------------------------------ searching / slicing

/// `split(s, delimiter | [delimiters])`, as .NET `String.Split(string[], None)`:
/// at each position the first listed delimiter that matches wins.
pub(crate) fn split(cx: &mut Ctx, args: Vec<Value>) -> R {
    let [s, d] = fixed("split", args)?;
    let s = want_str("split", &s)?;
    let delims: Vec<&str> = match &d.kind {
        Kind::Str(x) => vec![x.as_str()],
        Kind::Array(items) => {
            let mut v = Vec::with_capacity(items.len());
            for it in items {
                if it.is_unknown() {
                    return Err(it.clone());
                }
                v.push(want_str("split", it)?);
            }
            v
        }
        _ => {
            return Err(error(format!(
                "split() expects a string or array delimiter, got {}",
                d.type_name()
            )));
        }
    };
    let delims: Vec<&str> = delims.into_iter().filter(|d| !d.is_empty()).collect();
    if delims.is_empty() {
        // .NET then splits on white space; not reproduced.
        return Err(Value::unknown(
            "split() with an empty delimiter is not evaluated statically",
        ));
    }
    if s.len().saturating_mul(delims.len()) > 50_000_000 {
        return Err(super::limit("split() with very many delimiters"));
    }
    let mut parts = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let bytes = s.as_bytes();
    while i < bytes.len() {
        let rest = s.get(i..).unwrap_or("");
        if let Some(d) = delims.iter().find(|d| rest.starts_with(**d)) {
            parts.push(s.get(start..i).unwrap_or(""));
            i += d.len();
            start = i;
            if parts.len() > super::MAX_ARRAY_LEN {
                check_array_len(cx, "split", parts.len())?;
            }
        } else {
            // Advance one char (stay on char boundaries).
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    parts.push(s.get(start..).unwrap_or(""));
    check_array_len(cx, "split", parts.len())?;
    Ok(Value::array(parts.into_iter().map(Value::str).collect()))
}

/// `replace(s, old, new)`: ordinal, all occurrences.
pub(crate) fn replace(cx: &mut Ctx, args: Vec<Value>) -> R {
    let [s, old, new] = fixed("replace", args)?;
    let (s, old, new) = (
        want_str("replace", &s)?,
        want_str("replace", &old)?,
        want_str("replace", &new)?,
    );
    if old.is_empty() {
        return Err(error("replace(): the string to replace is empty"));
    }
    let n = s.matches(old).count();
    let len = (s.len() - n * old.len()).saturating_add(n.saturating_mul(new.len()));
    check_str_len(cx, "replace", len)?;
    Ok(Value::str(s.replace(old, new)))
}

/// `startsWith` / `endsWith`: case-insensitive.
pub(crate) fn starts_ends_with(lname: &str, args: Vec<Value>) -> R {
    let [s, x] = fixed(lname, args)?;
    let (s, x) = (want_str(lname, &s)?, want_str(lname, &x)?);
    Ok(Value::bool(starts_ends_with_str(
        s,
        x,
        lname == "startswith",
    )))
}

/// Whether `s` starts (`start`) or ends with `x`, case-insensitively.
pub(crate) fn starts_ends_with_str(s: &str, x: &str, start: bool) -> bool {
    if start {
        let mut sc = s.chars().map(fold);
        x.chars().map(fold).all(|c| sc.next() == Some(c))
    } else {
        let mut sc = s.chars().rev().map(fold);
        x.chars().rev().map(fold).all(|c| sc.next() == Some(c))
    }
}

/// String `indexOf` / `lastIndexOf`: case-insensitive, UTF-16 positions, -1 if absent.
pub(crate) fn index_of_str(s: &str, x: &str, last: bool) -> R {
    if x.is_empty() {
        if last {
            // .NET versions disagree on LastIndexOf("").
            return Err(Value::unknown(
                "lastIndexOf() of an empty string is not evaluated statically",
            ));
        }
        return Ok(Value::int(0));
    }
    let (fs, fx) = (folded(s), folded(x));
    let pos = if last { fs.rfind(&fx) } else { fs.find(&fx) };
    Ok(Value::int(match pos {
        Some(p) => utf16_len(fs.get(..p).unwrap_or("")) as i64,
        None => -1,
    }))
}

/// `substring(s, start, length?)`; out-of-range arguments are an error.
pub(crate) fn substring(args: Vec<Value>) -> R {
    arity("substring", &args, 2, 3)?;
    let mut it = args.into_iter();
    let (s, start, len) = (it.next(), it.next(), it.next());
    let s = s.unwrap_or_else(Value::null);
    let s = want_str("substring", &s)?;
    let total = utf16_len(s) as i64;
    let start = want_int("substring", &start.unwrap_or_else(Value::null))?;
    if start < 0 || start > total {
        return Err(error(format!(
            "substring(): start index {start} is outside a string of length {total}"
        )));
    }
    let len = match len {
        Some(l) => want_int("substring", &l)?,
        None => total - start,
    };
    if len < 0 || len > total - start {
        return Err(error(format!(
            "substring(): length {len} from index {start} is outside a string of length {total}"
        )));
    }
    Ok(Value::str(utf16_slice(
        s,
        start as usize,
        (start + len) as usize,
    )?))
}

pub(crate) fn trim(args: Vec<Value>) -> R {
    let [v] = fixed("trim", args)?;
    Ok(Value::str(want_str("trim", &v)?.trim()))
}

/// `padLeft(value, totalLength, padChar = ' ')`.
pub(crate) fn pad_left(cx: &mut Ctx, args: Vec<Value>) -> R {
    arity("padLeft", &args, 2, 3)?;
    let mut it = args.into_iter();
    let v = it.next().unwrap_or_else(Value::null);
    let total = want_int("padLeft", &it.next().unwrap_or_else(Value::null))?;
    let pad = match it.next() {
        Some(p) => {
            let p = want_str("padLeft", &p)?.to_string();
            let mut cs = p.chars();
            match (cs.next(), cs.next()) {
                (Some(c), None) if c.len_utf16() == 1 => c,
                _ => return Err(error("padLeft(): the padding must be a single character")),
            }
        }
        None => ' ',
    };
    let s = text_of("padLeft", &v)?;
    if total < 0 {
        return Err(error("padLeft(): negative total length"));
    }
    let len = utf16_len(&s);
    let total = usize::try_from(total).unwrap_or(usize::MAX);
    if total <= len {
        return Ok(Value::str(s));
    }
    let n = total - len;
    check_str_len(
        cx,
        "padLeft",
        n.saturating_mul(pad.len_utf8()).saturating_add(s.len()),
    )?;
    let mut out: String = std::iter::repeat_n(pad, n).collect();
    out.push_str(&s);
    Ok(Value::str(out))
}

/// `join(array, delimiter)` of strings.
pub(crate) fn join(cx: &mut Ctx, args: Vec<Value>) -> R {
    let [a, d] = fixed("join", args)?;
    let d = want_str("join", &d)?;
    let items = a
        .as_array()
        .ok_or_else(|| error(format!("join() expects an array, got {}", a.type_name())))?;
    let mut parts = Vec::with_capacity(items.len());
    for it in items {
        match &it.kind {
            Kind::Str(s) => parts.push(s.as_str()),
            Kind::Unknown(_) => return Err(it.clone()),
            _ => {
                return Err(Value::unknown(format!(
                    "join() of a {} element is not evaluated statically",
                    it.type_name()
                )));
            }
        }
    }
    let len = parts
        .iter()
        .map(|p| p.len())
        .fold(0usize, usize::saturating_add)
        .saturating_add(d.len().saturating_mul(parts.len()));
    check_str_len(cx, "join", len)?;
    Ok(Value::str(parts.join(d)))
}

// ------------------------------------------------------------ encodings

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                let idx = ((n >> (18 - 6 * k)) & 63) as usize;
                out.push(B64.get(idx).map_or('A', |c| *c as char));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 with padding (white space ignored, as .NET does).
fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let clean: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    let quads = clean.len() / 4;
    for (qi, q) in clean.chunks_exact(4).enumerate() {
        let mut n = 0u32;
        let mut pad = 0;
        for (k, &c) in q.iter().enumerate() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                // Padding only at the end of the last quad.
                b'=' if qi + 1 == quads && k >= 2 => {
                    pad += 1;
                    0
                }
                _ => return None,
            };
            if pad > 0 && c != b'=' {
                return None;
            }
            n = (n << 6) | u32::from(v);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(bytes.get(1..4 - pad).unwrap_or(&[]));
    }
    Some(out)
}

pub(crate) fn base64(cx: &mut Ctx, args: Vec<Value>) -> R {
    let [v] = fixed("base64", args)?;
    let s = want_str("base64", &v)?;
    check_str_len(cx, "base64", s.len().div_ceil(3).saturating_mul(4))?;
    Ok(Value::str(b64_encode(s.as_bytes())))
}

fn decode_text(name: &str, s: &str) -> Result<String, Value> {
    let bytes = b64_decode(s).ok_or_else(|| error(format!("{name}(): invalid base64 input")))?;
    // .NET's UTF-8 decoder replaces invalid sequences with U+FFFD as well.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

pub(crate) fn base64_to_string(args: Vec<Value>) -> R {
    let [v] = fixed("base64ToString", args)?;
    Ok(Value::str(decode_text(
        "base64ToString",
        want_str("base64ToString", &v)?,
    )?))
}

pub(crate) fn base64_to_json(cx: &mut Ctx, args: Vec<Value>) -> R {
    let [v] = fixed("base64ToJson", args)?;
    let text = decode_text("base64ToJson", want_str("base64ToJson", &v)?)?;
    cx.charge(text.len())?;
    parse_json(&text).map_err(|e| error(format!("base64ToJson(): invalid JSON: {e}")))
}

pub(crate) fn data_uri(cx: &mut Ctx, args: Vec<Value>) -> R {
    let [v] = fixed("dataUri", args)?;
    let Kind::Str(s) = &v.kind else {
        return Err(Value::unknown(format!(
            "dataUri() of a {} is not evaluated statically",
            v.type_name()
        )));
    };
    check_str_len(cx, "dataUri", s.len().div_ceil(3).saturating_mul(4) + 40)?;
    Ok(Value::str(format!(
        "data:text/plain;charset=utf8;base64,{}",
        b64_encode(s.as_bytes())
    )))
}

pub(crate) fn data_uri_to_string(args: Vec<Value>) -> R {
    let [v] = fixed("dataUriToString", args)?;
    let s = want_str("dataUriToString", &v)?;
    let Some(rest) = s.strip_prefix("data:") else {
        return Err(error("dataUriToString(): not a data URI"));
    };
    let Some((header, data)) = rest.split_once(',') else {
        return Err(error("dataUriToString(): not a data URI"));
    };
    if !header.ends_with(";base64") {
        return Err(Value::unknown(
            "dataUriToString() of a data URI that is not base64 is not evaluated statically",
        ));
    }
    Ok(Value::str(decode_text("dataUriToString", data)?))
}

/// RFC 3986 unreserved characters stay; everything else is %XX of its UTF-8 bytes.
pub(crate) fn uri_component(cx: &mut Ctx, args: Vec<Value>) -> R {
    let [v] = fixed("uriComponent", args)?;
    let s = want_str("uriComponent", &v)?;
    check_str_len(cx, "uriComponent", s.len().saturating_mul(3))?;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(Value::str(out))
}

pub(crate) fn uri_component_to_string(args: Vec<Value>) -> R {
    let [v] = fixed("uriComponentToString", args)?;
    let s = want_str("uriComponentToString", &v)?;
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (c, hex) {
            (b'%', Some(h)) => {
                out.push(h);
                i += 3;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map(Value::str).map_err(|_| {
        Value::unknown(
            "uriComponentToString() of invalid UTF-8 escapes is not evaluated statically",
        )
    })
}

/// `uri(base, relative)`: RFC 3986 reference resolution for the common shapes
/// (`https://host/path/` + `file`); anything .NET would normalise in ways not
/// reproduced here (dot segments, escapes, ports, queries) is Unknown.
pub(crate) fn uri(cx: &mut Ctx, args: Vec<Value>) -> R {
    let [b, r] = fixed("uri", args)?;
    let (base, rel) = (want_str("uri", &b)?, want_str("uri", &r)?);
    let unsupported = || Value::unknown("uri() of this URI shape is not evaluated statically");
    let plain = |s: &str| {
        s.bytes()
            .all(|c| c.is_ascii_graphic() && !matches!(c, b'%' | b'\\' | b'?' | b'#' | b'@'))
    };
    if !plain(base) || !plain(rel) {
        return Err(unsupported());
    }
    let Some((scheme, after)) = base.split_once("://") else {
        return Err(error("uri(): the base URI is not absolute"));
    };
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return Err(error("uri(): the base URI is not absolute"));
    }
    let (host, path) = match after.find('/') {
        Some(i) => (after.get(..i).unwrap_or(""), after.get(i..).unwrap_or("/")),
        None => (after, "/"),
    };
    let has_dots = |p: &str| p.split('/').any(|seg| seg == "." || seg == "..");
    if host.is_empty() || host.contains(':') || has_dots(path) || has_dots(rel) {
        return Err(unsupported());
    }
    // A relative reference with its own scheme or authority is not resolved here.
    if rel.starts_with("//") || rel.split('/').next().is_some_and(|seg| seg.contains(':')) {
        return Err(unsupported());
    }
    let new_path = if rel.starts_with('/') {
        rel.to_string()
    } else {
        let dir = path.rfind('/').and_then(|i| path.get(..=i)).unwrap_or("/");
        format!("{dir}{rel}")
    };
    let out = format!(
        "{}://{}{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase(),
        new_path
    );
    check_str_len(cx, "uri", out.len())?;
    Ok(Value::str(out))
}

#[cfg(test)]
mod tests {
    use crate::arm::eval::testenv::*;

    #[test]
    fn concat_strings_and_arrays() {
        assert_eq!(ev("concat('a', 'b', 1)").as_str(), Some("ab1"));
        assert_eq!(
            evj("concat(createArray('1-1', '1-2'), createArray('2-1'))"),
            r#"["1-1","1-2","2-1"]"#
        );
        assert!(reason(&ev("concat(createArray(1), 'a')")).starts_with("error:"));
        assert!(reason(&ev("concat()")).starts_with("error:"));
        // Unknown elements keep the array known.
        let v = ev("concat(createArray(parameters('p')), createArray(1))");
        assert_eq!(v.as_array().map(|a| a.len()), Some(2));
    }

    #[test]
    fn concat_size_limit() {
        let v = ev("concat(padLeft('', 600000, 'x'), padLeft('', 600000, 'y'))");
        assert!(reason(&v).starts_with("evaluation limit:"));
    }

    #[test]
    fn format_composite() {
        assert_eq!(ev("format('{0}, {1}', 'a', 1)").as_str(), Some("a, 1"));
        assert_eq!(
            ev("format('{0}, {1}. Formatted number: {2:N0}', 'Hello', 'User', 8175133)").as_str(),
            Some("Hello, User. Formatted number: 8,175,133")
        );
        assert_eq!(ev("format('{0:N2}', -1234)").as_str(), Some("-1,234.00"));
        assert_eq!(ev("format('{0:D5}', 42)").as_str(), Some("00042"));
        assert_eq!(ev("format('{0:x}', 255)").as_str(), Some("ff"));
        assert_eq!(ev("format('{0:X4}', 255)").as_str(), Some("00FF"));
        assert_eq!(ev("format('{0:F1}', 3)").as_str(), Some("3.0"));
        assert_eq!(
            ev("format('{0,4}|{0,-4}|', 'ab')").as_str(),
            Some("  ab|ab  |")
        );
        assert_eq!(ev("format('{{{0}}}', 1)").as_str(), Some("{1}"));
        assert_eq!(ev("format('{0} {0}', true())").as_str(), Some("True True"));
        assert_eq!(ev("format('{0}', null())").as_str(), Some(""));
        assert_eq!(ev("format('plain')").as_str(), Some("plain"));
        assert!(reason(&ev("format('{1}', 'a')")).starts_with("error:"));
        assert!(reason(&ev("format('{0', 'a')")).starts_with("error:"));
        assert!(reason(&ev("format('a}', 'a')")).starts_with("error:"));
        assert!(reason(&ev("format('{x}', 'a')")).starts_with("error:"));
        assert!(!reason(&ev("format('{0:P}', 1)")).starts_with("error:"));
        assert!(!reason(&ev("format('{0}', createArray())")).starts_with("error:"));
        assert!(reason(&ev("format('{0,999999}{0,999999}', 'a')")).starts_with("evaluation limit"));
    }

    #[test]
    fn case_and_string() {
        assert_eq!(ev("toLower('One Two')").as_str(), Some("one two"));
        assert_eq!(ev("toUpper('One Two ß é')").as_str(), Some("ONE TWO ß É"));
        assert_eq!(ev("string(true())").as_str(), Some("True"));
        assert_eq!(ev("string(false())").as_str(), Some("False"));
        assert_eq!(ev("string(5)").as_str(), Some("5"));
        assert_eq!(ev("string('x')").as_str(), Some("x"));
        assert_eq!(
            ev("string(createObject('a', createArray(1, true(), 'b\"c')))").as_str(),
            Some(r#"{"a":[1,true,"b\"c"]}"#)
        );
        assert!(ev("string(createArray(parameters('p')))").is_unknown());
        assert!(!reason(&ev("string(null())")).starts_with("error:"));
    }

    #[test]
    fn split_and_replace() {
        assert_eq!(
            evj("split('one,two,three', ',')"),
            r#"["one","two","three"]"#
        );
        assert_eq!(
            evj("split('one;two,three', createArray(',', ';'))"),
            r#"["one","two","three"]"#
        );
        assert_eq!(evj("split(',a,,', ',')"), r#"["","a","",""]"#);
        assert_eq!(evj("split('aXbXXc', 'XX')"), r#"["aXb","c"]"#);
        assert_eq!(evj("split('é-ü', '-')"), r#"["é","ü"]"#);
        assert!(ev("split('abc', '')").is_unknown());
        assert_eq!(
            ev("replace('123-123-1234', '-', '')").as_str(),
            Some("1231231234")
        );
        assert_eq!(ev("replace('aaa', 'aa', 'b')").as_str(), Some("ba"));
        assert!(reason(&ev("replace('a', '', 'b')")).starts_with("error:"));
        let many = "split(padLeft('', 200000, ','), ',')";
        assert!(reason(&ev(many)).starts_with("evaluation limit:"));
    }

    #[test]
    fn starts_ends_index() {
        assert_eq!(ev("startsWith('abcdef', 'ab')").as_bool(), Some(true));
        assert_eq!(ev("startsWith('abcdef', 'A')").as_bool(), Some(true));
        assert_eq!(ev("startsWith('abcdef', 'e')").as_bool(), Some(false));
        assert_eq!(ev("endsWith('abcdef', 'ef')").as_bool(), Some(true));
        assert_eq!(ev("endsWith('abcdef', 'F')").as_bool(), Some(true));
        assert_eq!(ev("endsWith('abcdef', 'e')").as_bool(), Some(false));
        assert_eq!(ev("endsWith('ef', 'xef')").as_bool(), Some(false));
        assert_eq!(ev("indexOf('test', 't')").as_int(), Some(0));
        assert_eq!(ev("indexOf('abcdef', 'CD')").as_int(), Some(2));
        assert_eq!(ev("lastIndexOf('test', 't')").as_int(), Some(3));
        assert_eq!(ev("lastIndexOf('abcdef', 'AB')").as_int(), Some(0));
        assert_eq!(ev("indexOf('abcdef', 'z')").as_int(), Some(-1));
        assert_eq!(ev("indexOf('é😀ab', 'A')").as_int(), Some(3));
        assert_eq!(ev("indexOf('abc', '')").as_int(), Some(0));
    }

    #[test]
    fn substring_trim_pad() {
        assert_eq!(ev("substring('hello there', 6, 3)").as_str(), Some("the"));
        assert_eq!(ev("substring('hello', 2)").as_str(), Some("llo"));
        assert_eq!(ev("substring('hello', 5)").as_str(), Some(""));
        assert!(reason(&ev("substring('hello', 6)")).starts_with("error:"));
        assert!(reason(&ev("substring('hello', 2, 4)")).starts_with("error:"));
        assert!(reason(&ev("substring('hello', -1, 1)")).starts_with("error:"));
        assert_eq!(ev("substring('é😀ab', 1, 2)").as_str(), Some("😀"));
        assert!(ev("substring('é😀ab', 2, 1)").is_unknown());
        assert_eq!(
            ev("trim('    one two three   ')").as_str(),
            Some("one two three")
        );
        assert_eq!(ev("padLeft('123', 10, '0')").as_str(), Some("0000000123"));
        assert_eq!(ev("padLeft(123, 5)").as_str(), Some("  123"));
        assert_eq!(ev("padLeft('123', 2)").as_str(), Some("123"));
        assert!(reason(&ev("padLeft('1', 3, 'ab')")).starts_with("error:"));
        assert!(reason(&ev("padLeft('1', 99999999999, '0')")).starts_with("evaluation limit:"));
    }

    #[test]
    fn join_values() {
        assert_eq!(
            ev("join(createArray('Contoso', 'Fabrikam'), ';')").as_str(),
            Some("Contoso;Fabrikam")
        );
        assert!(ev("join(createArray(parameters('p')), ';')").is_unknown());
    }

    #[test]
    fn encodings() {
        assert_eq!(
            ev("base64('one, two, three')").as_str(),
            Some("b25lLCB0d28sIHRocmVl")
        );
        assert_eq!(
            ev("base64ToString('b25lLCB0d28sIHRocmVl')").as_str(),
            Some("one, two, three")
        );
        assert_eq!(ev("base64('ab')").as_str(), Some("YWI="));
        assert_eq!(ev("base64ToString('YWI=')").as_str(), Some("ab"));
        assert_eq!(ev("base64ToString('YQ==')").as_str(), Some("a"));
        assert!(reason(&ev("base64ToString('YQ=a')")).starts_with("error:"));
        assert!(reason(&ev("base64ToString('Y')")).starts_with("error:"));
        assert_eq!(
            evj("base64ToJson('eyJvbmUiOiAiYSIsICJ0d28iOiAiYiJ9')"),
            r#"{"one":"a","two":"b"}"#
        );
        assert_eq!(
            ev("dataUri('Hello')").as_str(),
            Some("data:text/plain;charset=utf8;base64,SGVsbG8=")
        );
        assert_eq!(
            ev("dataUriToString('data:;base64,SGVsbG8sIFdvcmxkIQ==')").as_str(),
            Some("Hello, World!")
        );
        assert_eq!(
            ev("uriComponent('http://contoso.com/resources/nested/azuredeploy.json')").as_str(),
            Some("http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json")
        );
        assert_eq!(
            ev("uriComponentToString('http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json')")
                .as_str(),
            Some("http://contoso.com/resources/nested/azuredeploy.json")
        );
        assert_eq!(ev("uriComponent('é ')").as_str(), Some("%C3%A9%20"));
        assert_eq!(ev("uriComponentToString('%C3%A9%2')").as_str(), Some("é%2"));
    }

    #[test]
    fn uri_resolution() {
        assert_eq!(
            ev("uri('http://contoso.com/resources/', 'nested/azuredeploy.json')").as_str(),
            Some("http://contoso.com/resources/nested/azuredeploy.json")
        );
        assert_eq!(
            ev("uri('http://contoso.com/resources/azuredeploy.json', 'other.json')").as_str(),
            Some("http://contoso.com/resources/other.json")
        );
        assert_eq!(
            ev("uri('HTTPS://Contoso.com', '/a/b')").as_str(),
            Some("https://contoso.com/a/b")
        );
        assert!(ev("uri('http://x/a/', '../b')").is_unknown());
        assert!(ev("uri('http://x:8080/a/', 'b')").is_unknown());
        assert!(reason(&ev("uri('nope', 'b')")).starts_with("error:"));
    }
}
