//! JSON syntax (RFC 8259) checked without recursion: serde_json stops at
//! 128 levels, and `tendon world` prints templates as deep as they are.

/// The first syntax error in `text`, if any.
pub fn json_problem(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut i = 0;
    // Open containers: `true` for an object.
    let mut stack: Vec<bool> = Vec::new();
    let ws = |i: &mut usize| {
        while b
            .get(*i)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        {
            *i += 1;
        }
    };
    let err = |i: usize, what: &str| Some(format!("{what} at byte {i}"));
    'value: loop {
        ws(&mut i);
        match b.get(i) {
            Some(b'{') | Some(b'[') => {
                let object = b[i] == b'{';
                i += 1;
                ws(&mut i);
                if b.get(i) == Some(if object { &b'}' } else { &b']' }) {
                    i += 1;
                } else {
                    stack.push(object);
                    if object && let Some(p) = key(b, &mut i) {
                        return err(i, p);
                    }
                    continue 'value;
                }
            }
            Some(b'"') => {
                if let Some(p) = string(b, &mut i) {
                    return err(i, p);
                }
            }
            Some(c) if *c == b'-' || c.is_ascii_digit() => {
                if let Some(p) = number(b, &mut i) {
                    return err(i, p);
                }
            }
            _ => {
                let lit = ["true", "false", "null"]
                    .into_iter()
                    .find(|l| b[i..].starts_with(l.as_bytes()));
                match lit {
                    Some(l) => i += l.len(),
                    None => return err(i, "expected a value"),
                }
            }
        }
        // After a value: close containers or go on with the next element.
        loop {
            ws(&mut i);
            let Some(&object) = stack.last() else {
                return (i != b.len()).then(|| format!("trailing text at byte {i}"));
            };
            match b.get(i) {
                Some(b',') => {
                    i += 1;
                    if object {
                        ws(&mut i);
                        if let Some(p) = key(b, &mut i) {
                            return err(i, p);
                        }
                    }
                    continue 'value;
                }
                Some(b'}') if object => {
                    i += 1;
                    stack.pop();
                }
                Some(b']') if !object => {
                    i += 1;
                    stack.pop();
                }
                _ => return err(i, "expected ',' or a closing bracket"),
            }
        }
    }
}

/// `"key" :` at `i`.
fn key(b: &[u8], i: &mut usize) -> Option<&'static str> {
    while b.get(*i).is_some_and(|c| c.is_ascii_whitespace()) {
        *i += 1;
    }
    if b.get(*i) != Some(&b'"') {
        return Some("expected a key");
    }
    if let Some(p) = string(b, i) {
        return Some(p);
    }
    while b.get(*i).is_some_and(|c| c.is_ascii_whitespace()) {
        *i += 1;
    }
    if b.get(*i) != Some(&b':') {
        return Some("expected ':'");
    }
    *i += 1;
    None
}

fn string(b: &[u8], i: &mut usize) -> Option<&'static str> {
    *i += 1;
    loop {
        match b.get(*i) {
            None => return Some("unterminated string"),
            Some(b'"') => {
                *i += 1;
                return None;
            }
            Some(b'\\') => match b.get(*i + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => *i += 2,
                Some(b'u')
                    if b.len() >= *i + 6 && b[*i + 2..*i + 6].iter().all(u8::is_ascii_hexdigit) =>
                {
                    *i += 6
                }
                _ => return Some("bad escape"),
            },
            Some(c) if *c < 0x20 => return Some("raw control character in a string"),
            Some(_) => *i += 1,
        }
    }
}

fn number(b: &[u8], i: &mut usize) -> Option<&'static str> {
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > from
    };
    if b.get(*i) == Some(&b'-') {
        *i += 1;
    }
    if b.get(*i) == Some(&b'0') {
        *i += 1;
    } else if !digits(i) {
        return Some("bad number");
    }
    if b.get(*i) == Some(&b'.') {
        *i += 1;
        if !digits(i) {
            return Some("bad fraction");
        }
    }
    if matches!(b.get(*i), Some(b'e' | b'E')) {
        *i += 1;
        if matches!(b.get(*i), Some(b'+' | b'-')) {
            *i += 1;
        }
        if !digits(i) {
            return Some("bad exponent");
        }
    }
    None
}
