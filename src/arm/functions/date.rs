//! Deterministic date functions: `dateTimeAdd`, `dateTimeFromEpoch`,
//! `dateTimeToEpoch`. (`utcNow` is a symbol: see `crate::symbol`.)
//!
//! Times are UTC seconds since 1970 plus 100 ns ticks, within .NET's DateTime
//! range (years 1 to 9999). Per the ARM docs, `P1Y` adds 365 days and `P1M` 30
//! days (no calendar months or leap years). Inputs or formats whose .NET
//! rendering is not reproduced here give an Unknown, never a guess.

use super::{R, arity, error, fixed, want_int, want_str};
use crate::value::Value;

const SECS_PER_DAY: i64 = 86_400;
const TICKS_PER_SEC: i64 = 10_000_000;
/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z as Unix seconds.
const MIN_SECS: i64 = -62_135_596_800;
const MAX_SECS: i64 = 253_402_300_799;

/// A point in time: Unix seconds and a sub-second tick count (0..10^7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Instant {
    secs: i64,
    ticks: i64,
}

/// How a timestamp was written, to decide how a result is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Written {
    /// `yyyy-MM-dd[T ]HH:mm:ssZ`, no fraction: printed back as `yyyy-MM-ddTHH:mm:ssZ`.
    PlainUtc,
    /// UTC with a fraction, or the compact form.
    Other,
    /// With an explicit `±hh:mm` offset (converted to UTC).
    Offset,
}

// ------------------------------------------------------------ calendar

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn in_range(secs: i64) -> Result<i64, Value> {
    if (MIN_SECS..=MAX_SECS).contains(&secs) {
        Ok(secs)
    } else {
        Err(error(
            "the date is outside the range 0001-01-01 to 9999-12-31",
        ))
    }
}

// ------------------------------------------------------------ parsing

/// A run of exactly `n` ASCII digits at the start of `s`, and the rest.
fn digits(s: &str, n: usize) -> Option<(i64, &str)> {
    let head = s.get(..n)?;
    if !head.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((head.parse().ok()?, s.get(n..)?))
}

fn skip_char(s: &str, c: char) -> Option<&str> {
    s.strip_prefix(c)
}

/// Parses the timestamp forms ARM templates use: ISO 8601 extended
/// (`2020-04-07T14:53:14Z`, `T` or space, optional fraction, `Z` or `±hh:mm`)
/// and the compact `utcNow()` default (`20200407T145314Z`).
fn parse_timestamp(s: &str) -> Option<(Instant, Written)> {
    let compact = s.len() == 16 && !s.contains('-');
    let (y, m, d, rest) = if compact {
        let (y, r) = digits(s, 4)?;
        let (m, r) = digits(r, 2)?;
        let (d, r) = digits(r, 2)?;
        (y, m, d, r)
    } else {
        let (y, r) = digits(s, 4)?;
        let (m, r) = digits(skip_char(r, '-')?, 2)?;
        let (d, r) = digits(skip_char(r, '-')?, 2)?;
        (y, m, d, r)
    };
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let sep = if compact { "" } else { ":" };
    let (hh, r) = digits(rest, 2)?;
    let (mm, r) = digits(r.strip_prefix(sep)?, 2)?;
    let (ss, r) = digits(r.strip_prefix(sep)?, 2)?;
    let (ticks, r) = fraction(r)?;
    let (offset, r) = zone(r)?;
    if !r.is_empty() || !(1..=12).contains(&m) || hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    if y < 1 || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let secs = days_from_civil(y, m, d) * SECS_PER_DAY + hh * 3600 + mm * 60 + ss - offset;
    let plain = !compact && offset == 0 && s.ends_with('Z') && !s.contains('.');
    let written = if plain {
        Written::PlainUtc
    } else if s.ends_with('Z') {
        Written::Other
    } else {
        Written::Offset
    };
    Some((Instant { secs, ticks }, written))
}

/// An optional `.fffffff` (1 to 7 digits) as ticks.
fn fraction(s: &str) -> Option<(i64, &str)> {
    let Some(r) = s.strip_prefix('.') else {
        return Some((0, s));
    };
    let n = r.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || n > 7 {
        return None;
    }
    let (v, rest) = digits(r, n)?;
    Some((v * 10_i64.pow(7 - n as u32), rest))
}

/// `Z` or `±hh:mm` as an offset in seconds. A missing designator means local
/// time in .NET, which is not known here.
fn zone(s: &str) -> Option<(i64, &str)> {
    if let Some(r) = s.strip_prefix('Z') {
        return Some((0, r));
    }
    let (sign, r) = match s.chars().next()? {
        '+' => (1, s.get(1..)?),
        '-' => (-1, s.get(1..)?),
        _ => return None,
    };
    let (h, r) = digits(r, 2)?;
    let (m, r) = digits(skip_char(r, ':')?, 2)?;
    if h > 14 || m > 59 {
        return None;
    }
    Some((sign * (h * 3600 + m * 60), r))
}

/// An ISO 8601 duration `[-]P[nY][nM][nD][T[nH][nM][n[.f]S]]` as ticks; years
/// are 365 days and months 30 days. `None` when malformed; weeks and
/// fractional units other than seconds are not accepted.
fn parse_duration(s: &str) -> Option<i128> {
    let (sign, s) = match s.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, s),
    };
    let s = s.strip_prefix('P')?;
    let (date, time) = match s.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (s, None),
    };
    let day = i128::from(SECS_PER_DAY);
    let mut total: i128 = 0;
    let mut any = false;
    let date_units = [('Y', 365 * day), ('M', 30 * day), ('D', day)];
    let rest = components(date, &date_units, &mut total, &mut any)?;
    if !rest.is_empty() {
        return None;
    }
    if let Some(t) = time {
        let time_units = [('H', 3600), ('M', 60)];
        let rest = components(t, &time_units, &mut total, &mut any)?;
        if !rest.is_empty() {
            total = total.checked_add(seconds(rest)?)?;
            any = true;
        }
    }
    any.then_some(sign * total)
}

/// Reads `nX` components in the order of `units` (each at most once), adding
/// their value in ticks to `total`; returns the unread rest.
fn components<'a>(
    mut s: &'a str,
    units: &[(char, i128)],
    total: &mut i128,
    any: &mut bool,
) -> Option<&'a str> {
    for &(unit, secs) in units {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 12 || !s.get(n..)?.starts_with(unit) {
            continue;
        }
        let v: i128 = s.get(..n)?.parse().ok()?;
        *total = total.checked_add(
            v.checked_mul(secs)?
                .checked_mul(i128::from(TICKS_PER_SEC))?,
        )?;
        *any = true;
        s = s.get(n + 1..)?;
    }
    Some(s)
}

/// The trailing `n[.f]S` of a duration, in ticks.
fn seconds(s: &str) -> Option<i128> {
    let body = s.strip_suffix('S')?;
    let (whole, frac) = match body.split_once('.') {
        Some((w, f)) => (w, f),
        None => (body, ""),
    };
    if whole.is_empty() || whole.len() > 12 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 7 || !frac.bytes().all(|b| b.is_ascii_digit()) || body.ends_with('.') {
        return None;
    }
    let w: i128 = whole.parse().ok()?;
    let f: i128 = if frac.is_empty() {
        0
    } else {
        frac.parse::<i128>().ok()? * 10_i128.pow(7 - frac.len() as u32)
    };
    Some(w * i128::from(TICKS_PER_SEC) + f)
}

// ------------------------------------------------------------ printing

/// Prints `t` with a .NET format: `u`, `s`, or a custom format built from
/// `yyyy MM dd HH mm ss` and the separators `-:T Z/._`. `None` otherwise.
fn render(t: Instant, format: &str) -> Option<String> {
    let format = match format {
        "u" => "yyyy-MM-dd HH:mm:ssZ",
        "s" => "yyyy-MM-ddTHH:mm:ss",
        f => f,
    };
    let days = t.secs.div_euclid(SECS_PER_DAY);
    let sod = t.secs.rem_euclid(SECS_PER_DAY);
    let (y, mo, d) = civil_from_days(days);
    let fields = [
        ("yyyy", y, 4),
        ("MM", mo, 2),
        ("dd", d, 2),
        ("HH", sod / 3600, 2),
        ("mm", sod / 60 % 60, 2),
        ("ss", sod % 60, 2),
    ];
    let mut out = String::new();
    let mut rest = format;
    'outer: while !rest.is_empty() {
        for (tok, v, w) in fields {
            if let Some(r) = rest.strip_prefix(tok) {
                // A longer run of the same letter means something else in .NET.
                if r.starts_with(tok.chars().next()?) {
                    return None;
                }
                out.push_str(&format!("{v:0w$}"));
                rest = r;
                continue 'outer;
            }
        }
        let c = rest.chars().next()?;
        if !matches!(c, '-' | ':' | 'T' | 'Z' | ' ' | '/' | '.' | '_') {
            return None;
        }
        out.push(c);
        rest = rest.get(c.len_utf8()..)?;
    }
    Some(out)
}

const ISO: &str = "yyyy-MM-ddTHH:mm:ssZ";

// ------------------------------------------------------------ functions

fn not_reproduced(name: &str, what: &str) -> Value {
    Value::unknown(format!("{name}() {what} is not evaluated statically"))
}

/// `dateTimeAdd(base, duration, format?)`.
pub(crate) fn date_time_add(args: Vec<Value>) -> R {
    arity("dateTimeAdd", &args, 2, 3)?;
    let (Some(base), Some(dur)) = (args.first(), args.get(1)) else {
        return Err(error("dateTimeAdd() takes 2 or 3 arguments"));
    };
    let base = want_str("dateTimeAdd", base)?;
    let dur = want_str("dateTimeAdd", dur)?;
    let format = match args.get(2) {
        Some(f) => Some(want_str("dateTimeAdd", f)?),
        None => None,
    };
    // .NET would convert an offset to the server's local time; not reproduced.
    let (t, written) = parse_timestamp(base)
        .filter(|(_, w)| *w != Written::Offset)
        .ok_or_else(|| not_reproduced("dateTimeAdd", "of this base value"))?;
    let ticks =
        parse_duration(dur).ok_or_else(|| not_reproduced("dateTimeAdd", "with this duration"))?;
    let total = i128::from(t.secs) * i128::from(TICKS_PER_SEC) + i128::from(t.ticks) + ticks;
    let secs = i64::try_from(total.div_euclid(i128::from(TICKS_PER_SEC)))
        .map_err(|_| error("dateTimeAdd(): the result is out of range"))?;
    let sub = total.rem_euclid(i128::from(TICKS_PER_SEC)) as i64;
    let result = Instant {
        secs: in_range(secs)?,
        ticks: sub,
    };
    let format = match format {
        Some(f) => f,
        // Without a format the base's own shape is kept; reproduced for plain UTC only.
        None if written == Written::PlainUtc && result.ticks == 0 => ISO,
        None => {
            return Err(not_reproduced(
                "dateTimeAdd",
                "output format for this base value",
            ));
        }
    };
    render(result, format)
        .map(Value::str)
        .ok_or_else(|| not_reproduced("dateTimeAdd", &format!("with format '{format}'")))
}

/// `dateTimeFromEpoch(seconds)`: `yyyy-MM-ddTHH:mm:ssZ`.
pub(crate) fn date_time_from_epoch(args: Vec<Value>) -> R {
    let [v] = fixed("dateTimeFromEpoch", args)?;
    let secs = in_range(want_int("dateTimeFromEpoch", &v)?)?;
    let t = Instant { secs, ticks: 0 };
    render(t, ISO)
        .map(Value::str)
        .ok_or_else(|| error("dateTimeFromEpoch(): cannot print the date"))
}

/// `dateTimeToEpoch(timestamp)`: whole Unix seconds (fractions dropped).
pub(crate) fn date_time_to_epoch(args: Vec<Value>) -> R {
    let [v] = fixed("dateTimeToEpoch", args)?;
    let s = want_str("dateTimeToEpoch", &v)?;
    let (t, _) =
        parse_timestamp(s).ok_or_else(|| not_reproduced("dateTimeToEpoch", "of this value"))?;
    Ok(Value::int(in_range(t.secs)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::eval::testenv::*;

    #[test]
    fn calendar_round_trips() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1, 1, 1) * SECS_PER_DAY, MIN_SECS);
        for z in [-719_162, -1, 0, 59, 365, 11_016, 19_480, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z, "{z}");
        }
        assert_eq!(civil_from_days(2_932_896), (9999, 12, 31));
    }

    #[test]
    fn docs_examples_date_time_add() {
        // ARM docs, "Date functions for ARM templates", dateTimeAdd remarks.
        let cases = [
            ("2023-01-01 00:00:00Z", "P1Y", "2024-01-01T00:00:00Z"),
            ("2024-01-01 00:00:00Z", "P1Y", "2024-12-31T00:00:00Z"),
            ("2023-02-01 00:00:00Z", "P1M", "2023-03-03T00:00:00Z"),
            ("2024-02-01 00:00:00Z", "P1M", "2024-03-02T00:00:00Z"),
            // The docs' example with base time 2020-04-07 14:53:14Z.
            ("2020-04-07 14:53:14Z", "P3Y", "2023-04-07T14:53:14Z"),
            ("2020-04-07 14:53:14Z", "-P9D", "2020-03-29T14:53:14Z"),
            ("2020-04-07T14:53:14Z", "PT1H", "2020-04-07T15:53:14Z"),
        ];
        for (base, dur, want) in cases {
            let v = ev(&format!("dateTimeAdd('{base}', '{dur}')"));
            assert_eq!(v.as_str(), Some(want), "{base} + {dur}");
        }
    }

    #[test]
    fn durations() {
        let t = |d: &str| parse_duration(d).map(|x| x / i128::from(TICKS_PER_SEC));
        assert_eq!(t("P1Y2M3DT4H"), Some((365 + 60 + 3) * 86_400 + 4 * 3600));
        assert_eq!(t("-PT1H"), Some(-3600));
        assert_eq!(t("PT1M30S"), Some(90));
        assert_eq!(parse_duration("PT0.5S"), Some(5_000_000));
        assert_eq!(t("P0D"), Some(0));
        for bad in [
            "", "P", "PT", "1D", "P1H", "PT1D", "P1DT", "P1W", "P1.5D", "PT1.S", "P1D1M",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn date_time_add_formats_and_errors() {
        assert_eq!(
            ev("dateTimeAdd('2020-04-07T14:53:14Z', 'PT1H', 'yyyyMMddTHHmmssZ')").as_str(),
            Some("20200407T155314Z")
        );
        assert_eq!(
            ev("dateTimeAdd('20200407T145314Z', 'P1D', 'u')").as_str(),
            Some("2020-04-08 14:53:14Z")
        );
        assert_eq!(
            ev("dateTimeAdd('2020-12-31T23:59:59.5Z', 'PT0.5S', 'yyyy-MM-dd')").as_str(),
            Some("2021-01-01")
        );
        // Shapes whose .NET output is not reproduced stay unknown, not errors.
        for e in [
            "dateTimeAdd('20200407T145314Z', 'P1D')",
            "dateTimeAdd('2020-04-07T14:53:14.1Z', 'P1D')",
            "dateTimeAdd('2020-04-07T14:53:14Z', 'P1D', 'MMMM d')",
            "dateTimeAdd('2020-04-07T14:53:14', 'P1D')",
            "dateTimeAdd('04/07/2020', 'P1D')",
            "dateTimeAdd('2020-04-07T14:53:14Z', 'P1W')",
            "dateTimeAdd('2020-04-07T14:53:14+02:00', 'PT0S', 's')",
        ] {
            let r = reason(&ev(e)).to_string();
            assert!(!r.starts_with("error:"), "{e}: {r}");
        }
        assert!(reason(&ev("dateTimeAdd('9999-12-31T00:00:00Z', 'P1D')")).starts_with("error:"));
        assert!(reason(&ev("dateTimeAdd('0001-01-01T00:00:00Z', '-PT1S')")).starts_with("error:"));
        assert!(reason(&ev("dateTimeAdd(1, 'P1D')")).starts_with("error:"));
        assert!(reason(&ev("dateTimeAdd('x')")).starts_with("error:"));
        assert!(ev("dateTimeAdd(utcNow(), 'P1D')").is_unknown());
    }

    #[test]
    fn epoch_conversions() {
        // ARM docs examples for dateTimeFromEpoch / dateTimeToEpoch.
        assert_eq!(
            ev("dateTimeFromEpoch(1683040573)").as_str(),
            Some("2023-05-02T15:16:13Z")
        );
        assert_eq!(
            ev("dateTimeToEpoch('2023-05-02T15:16:13Z')").as_int(),
            Some(1_683_040_573)
        );
        assert_eq!(
            ev("dateTimeFromEpoch(0)").as_str(),
            Some("1970-01-01T00:00:00Z")
        );
        assert_eq!(
            ev("dateTimeFromEpoch(-1)").as_str(),
            Some("1969-12-31T23:59:59Z")
        );
        assert_eq!(
            ev("dateTimeToEpoch('1969-12-31T23:59:59.9Z')").as_int(),
            Some(-1)
        );
        assert_eq!(
            ev("dateTimeToEpoch('1970-01-01T02:00:00+02:00')").as_int(),
            Some(0)
        );
        assert_eq!(
            ev("dateTimeToEpoch(dateTimeFromEpoch(253402300799))").as_int(),
            Some(MAX_SECS)
        );
        assert!(reason(&ev("dateTimeFromEpoch(253402300800)")).starts_with("error:"));
        assert!(reason(&ev("dateTimeFromEpoch('1')")).starts_with("error:"));
        assert!(!reason(&ev("dateTimeToEpoch('2023-02-30T00:00:00Z')")).starts_with("error:"));
        assert_eq!(
            ev("utcNow('yyyyMMdd')").as_str(),
            Some("{utcNow(\u{2bc}yyyyMMdd\u{2bc})}")
        );
    }
}
