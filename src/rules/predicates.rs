//! Typed predicates for what JSONPath cannot say. Each is documented in the
//! README ("Predicates"); arguments are field paths relative to the match,
//! or literals.

use serde_json::Value as J;

use crate::rules::load::{FieldPath, field_path};

#[derive(Debug)]
pub enum Predicate {
    /// `known(field, ...)`: every field is present and not Unknown.
    Known(Vec<FieldPath>),
    /// `equals_ignore_case(field, "literal")`.
    EqualsIgnoreCase(FieldPath, String),
    /// `one_of_ignore_case(field, "a", "b", ...)`.
    OneOfIgnoreCase(FieldPath, Vec<String>),
}

fn str_arg(args: &[toml::Value], i: usize, what: &str) -> Result<String, String> {
    match args.get(i) {
        Some(toml::Value::String(s)) => Ok(s.clone()),
        _ => Err(format!("argument {} must be a string ({what})", i + 1)),
    }
}

impl Predicate {
    pub fn parse(name: &str, args: &[toml::Value]) -> Result<Predicate, String> {
        match name {
            "known" => {
                if args.is_empty() {
                    return Err("known() needs at least one field".into());
                }
                let fields = (0..args.len())
                    .map(|i| str_arg(args, i, "a field path").map(|s| field_path(&s)))
                    .collect::<Result<_, _>>()?;
                Ok(Predicate::Known(fields))
            }
            "equals_ignore_case" => {
                if args.len() != 2 {
                    return Err("equals_ignore_case(field, value) takes 2 arguments".into());
                }
                Ok(Predicate::EqualsIgnoreCase(
                    field_path(&str_arg(args, 0, "a field path")?),
                    str_arg(args, 1, "the value")?,
                ))
            }
            "one_of_ignore_case" => {
                if args.len() < 2 {
                    return Err(
                        "one_of_ignore_case(field, value, ...) needs a field and values".into(),
                    );
                }
                let values = (1..args.len())
                    .map(|i| str_arg(args, i, "a value"))
                    .collect::<Result<_, _>>()?;
                Ok(Predicate::OneOfIgnoreCase(
                    field_path(&str_arg(args, 0, "a field path")?),
                    values,
                ))
            }
            other => Err(format!(
                "unknown predicate '{other}' (known: known, equals_ignore_case, one_of_ignore_case)"
            )),
        }
    }

    /// The fields this predicate reads.
    pub fn fields(&self) -> Vec<&FieldPath> {
        match self {
            Predicate::Known(fields) => fields.iter().collect(),
            Predicate::EqualsIgnoreCase(f, _) | Predicate::OneOfIgnoreCase(f, _) => vec![f],
        }
    }

    pub fn holds(&self, m: &J) -> bool {
        match self {
            Predicate::Known(fields) => fields.iter().all(|f| is_known(field(m, f))),
            Predicate::EqualsIgnoreCase(f, v) => field(m, f)
                .and_then(J::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case(v)),
            Predicate::OneOfIgnoreCase(f, vs) => field(m, f)
                .and_then(J::as_str)
                .is_some_and(|s| vs.iter().any(|v| s.eq_ignore_ascii_case(v))),
        }
    }
}

/// The value at a field path relative to `m`.
pub fn field<'a>(m: &'a J, path: &[String]) -> Option<&'a J> {
    let mut cur = m;
    for key in path {
        cur = match cur {
            J::Object(o) => o.get(key)?,
            J::Array(a) => a.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Present, and neither Unknown nor containing Unknown.
pub fn is_known(v: Option<&J>) -> bool {
    match v {
        None => false,
        Some(J::Object(o)) => !o.contains_key("$unknown") && o.values().all(|v| is_known(Some(v))),
        Some(J::Array(a)) => a.iter().all(|v| is_known(Some(v))),
        Some(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn predicates() {
        let m = json!({"a": "Kubenet", "b": {"$unknown": "r"}, "c": [1, {"$unknown": "r"}]});
        let p = |n: &str, a: Vec<&str>| {
            Predicate::parse(
                n,
                &a.into_iter()
                    .map(|s| toml::Value::String(s.into()))
                    .collect::<Vec<_>>(),
            )
            .unwrap()
        };
        assert!(p("known", vec!["a"]).holds(&m));
        assert!(!p("known", vec!["b"]).holds(&m));
        assert!(!p("known", vec!["c"]).holds(&m));
        assert!(!p("known", vec!["zz"]).holds(&m));
        assert!(p("equals_ignore_case", vec!["a", "kubenet"]).holds(&m));
        assert!(!p("equals_ignore_case", vec!["b", "kubenet"]).holds(&m));
        assert!(p("one_of_ignore_case", vec!["a", "azure", "KUBENET"]).holds(&m));
        assert!(Predicate::parse("nope", &[]).is_err());
    }
}
