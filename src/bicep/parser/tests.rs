//! Parser tests: tree shapes (through a compact S-expression rendering) and
//! error recovery with exact spans.

use super::parse;
use crate::bicep::syntax::*;
use crate::source::Span;

/// Renders an expression compactly: `(+ a (* b c))`, `"a${x}b"`, `[1 2]`.
fn sx(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Null => "null".into(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Int(n) => n.to_string(),
        ExprKind::String { parts, holes } => {
            let mut s = String::from("\"");
            for (i, p) in parts.iter().enumerate() {
                s.push_str(p);
                if let Some(h) = holes.get(i) {
                    s.push_str(&format!("${{{}}}", sx(h)));
                }
            }
            s.push('"');
            s
        }
        ExprKind::Ident(id) => id.name.clone(),
        ExprKind::Array(items) => {
            let v: Vec<String> = items
                .iter()
                .map(|i| match i {
                    ArrayItem::Expr(e) => sx(e),
                    ArrayItem::Spread(e) => format!("...{}", sx(e)),
                })
                .collect();
            format!("[{}]", v.join(" "))
        }
        ExprKind::Object(items) => {
            let v: Vec<String> = items
                .iter()
                .map(|i| match i {
                    ObjectItem::Property { key, value } => format!("{}:{}", sx(key), sx(value)),
                    ObjectItem::Spread(e) => format!("...{}", sx(e)),
                    ObjectItem::Resource(s) => match &s.kind {
                        StmtKind::Resource(r) => {
                            format!("@{} resource {}", s.decorators.len(), r.name.name)
                        }
                        _ => "bad-resource".into(),
                    },
                    ObjectItem::Error(_) => "ERR".into(),
                })
                .collect();
            format!("{{{}}}", v.join(" "))
        }
        ExprKind::Call { name, args } => format!("{}({})", name.name, list(args)),
        ExprKind::MethodCall { target, name, args } => {
            format!("{}.{}({})", sx(target), name.name, list(args))
        }
        ExprKind::Member { target, name, safe } => {
            format!(
                "{}{}{}",
                sx(target),
                if *safe { ".?" } else { "." },
                name.name
            )
        }
        ExprKind::Index {
            target,
            index,
            safe,
            from_end,
        } => format!(
            "{}[{}{}{}]",
            sx(target),
            if *safe { "?" } else { "" },
            if *from_end { "^" } else { "" },
            sx(index)
        ),
        ExprKind::Child { target, name } => format!("{}::{}", sx(target), name.name),
        ExprKind::NonNull(e) => format!("{}!", sx(e)),
        ExprKind::Unary { op, operand } => {
            let o = if *op == UnaryOp::Not { "!" } else { "neg" };
            format!("({o} {})", sx(operand))
        }
        ExprKind::Binary { op, lhs, rhs } => format!("({op:?} {} {})", sx(lhs), sx(rhs)),
        ExprKind::Ternary {
            cond,
            then,
            otherwise,
        } => format!("(? {} {} {})", sx(cond), sx(then), sx(otherwise)),
        ExprKind::Lambda { params, body } => {
            let p: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
            format!("(\\{} {})", p.join(","), sx(body))
        }
        ExprKind::For {
            item,
            index,
            source,
            body,
        } => format!(
            "(for {} {} {} {})",
            item.as_ref().map_or("-", |i| i.name.as_str()),
            index.as_ref().map_or("-", |i| i.name.as_str()),
            sx(source),
            sx(body)
        ),
        ExprKind::If { cond, body } => format!("(if {} {})", sx(cond), sx(body)),
        ExprKind::Paren(e) => format!("({})", sx(e)),
        ExprKind::Error => "ERR".into(),
    }
}

fn list(args: &[Expr]) -> String {
    args.iter().map(sx).collect::<Vec<_>>().join(", ")
}

/// The value of `var x = <src>`, checking there is no error.
fn var(src: &str) -> Expr {
    let p = parse(&format!("var x = {src}"));
    assert_eq!(p.errors, vec![], "errors in {src:?}");
    match p.statements.into_iter().next().map(|s| s.kind) {
        Some(StmtKind::Var { value, .. }) => value,
        other => panic!("not a var: {other:?}"),
    }
}

fn vx(src: &str) -> String {
    sx(&var(src))
}

fn one(src: &str) -> Statement {
    let p = parse(src);
    assert_eq!(p.errors, vec![], "errors in {src:?}");
    assert_eq!(p.statements.len(), 1, "{src:?}");
    p.statements
        .into_iter()
        .next()
        .unwrap_or_else(|| unreachable!())
}

fn errors(src: &str) -> Vec<(String, Span)> {
    parse(src)
        .errors
        .into_iter()
        .map(|e| (e.message, e.span))
        .collect()
}

/// Renders a type compactly.
fn tx(t: &TypeExpr) -> String {
    match &t.kind {
        TypeKind::Name { name, args } if args.is_empty() => name.name.clone(),
        TypeKind::Name { name, args } => {
            format!(
                "{}<{}>",
                name.name,
                args.iter().map(tx).collect::<Vec<_>>().join(",")
            )
        }
        TypeKind::Literal(e) => sx(e),
        TypeKind::Union(m) => format!("({})", m.iter().map(tx).collect::<Vec<_>>().join("|")),
        TypeKind::Array(t) => format!("{}[]", tx(t)),
        TypeKind::Object(props) => {
            let v: Vec<String> = props
                .iter()
                .map(|p| format!("{}{}:{}", "@".repeat(p.decorators.len()), p.name, tx(&p.ty)))
                .collect();
            format!("{{{}}}", v.join(" "))
        }
        TypeKind::Tuple(items) => {
            format!("[{}]", items.iter().map(tx).collect::<Vec<_>>().join(","))
        }
        TypeKind::Nullable(t) => format!("{}?", tx(t)),
        TypeKind::NonNull(t) => format!("{}!", tx(t)),
        TypeKind::Access { target, member } => format!("{}.{member}", tx(target)),
        TypeKind::Resource(s) => format!("resource {:?}", s.as_ref().map(|s| s.value.as_str())),
        TypeKind::Paren(t) => format!("({})", tx(t)),
        TypeKind::Error => "ERR".into(),
    }
}

fn type_of(src: &str) -> String {
    match one(&format!("type t = {src}")).kind {
        StmtKind::Type { ty, .. } => tx(&ty),
        other => panic!("not a type: {other:?}"),
    }
}

#[test]
fn precedence() {
    assert_eq!(vx("1 + 2 * 3 - 4"), "(Sub (Add 1 (Mul 2 3)) 4)");
    assert_eq!(
        vx("a || b && c == d < e + f"),
        "(Or a (And b (Eq c (Less d (Add e f)))))"
    );
    assert_eq!(vx("a ?? b || c"), "(Coalesce a (Or b c))");
    assert_eq!(vx("a =~ b != c !~ d"), "(NotEqI (NotEq (EqI a b) c) d)");
    assert_eq!(vx("-a.b * !c"), "(Mul (neg a.b) (! c))");
    assert_eq!(vx("a ? b : c ? d : e"), "(? a b (? c d e))");
    assert_eq!(vx("a ?? b ? c : d"), "(? (Coalesce a b) c d)");
    assert_eq!(vx("a\n  ? b\n  : c"), "(? a b c)");
    assert_eq!(vx("(1 + 2) * 3"), "(Mul ((Add 1 2)) 3)");
}

#[test]
fn postfix_chains() {
    assert_eq!(
        vx("a.?b[?0][^1]::c!.d(1, 2).e"),
        "a.?b[?0][^1]::c!.d(1, 2).e"
    );
    assert_eq!(vx("sys.concat('a')"), "sys.concat(\"a\")");
    assert_eq!(vx("kv.getSecret('s')"), "kv.getSecret(\"s\")");
    assert_eq!(vx("f(\n  1,\n  2\n)"), "f(1, 2)");
    assert_eq!(vx("a.if.null"), "a.if.null");
}

#[test]
fn literals_and_spans() {
    let e = var("'abc'");
    assert_eq!(e.span, Span::new(8, 13));
    assert_eq!(e.as_plain_str(), Some("abc"));
    assert_eq!(
        vx("[true, false, null, 9223372036854775807]"),
        "[true false null 9223372036854775807]"
    );
    let p = parse("var x = 9223372036854775808");
    assert_eq!(p.errors.len(), 1);
    assert_eq!(p.errors[0].span, Span::new(8, 27));
}

#[test]
fn interpolation_parts_and_holes() {
    let e = var("'a${b}c${'d${e}'}'");
    match &e.kind {
        ExprKind::String { parts, holes } => {
            assert_eq!(parts, &["a", "c", ""]);
            assert_eq!(holes.len(), 2);
            assert_eq!(sx(&holes[1]), "\"d${e}\"");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(vx("'${a}'"), "\"${a}\"");
    assert_eq!(vx(r"'it\'s \${x} \u{48}i'"), "\"it's ${x} Hi\"");
    assert_eq!(vx("$'''\nx ${a.b} y\n'''"), "\"x ${a.b} y\n\"");
}

#[test]
fn multi_line_strings() {
    assert_eq!(
        var("'''\nline1\nline2'''").as_plain_str(),
        Some("line1\nline2")
    );
    assert_eq!(var("'''a\\n${b}'''").as_plain_str(), Some("a\\n${b}"));
    assert_eq!(var("''''quoted''''").as_plain_str(), Some("'quoted'"));
}

#[test]
fn objects_and_arrays() {
    assert_eq!(
        vx("{\n  a: 1\n  'b-${c}': 2, d: [\n    1\n    2,\n  ]\n  ...e\n}"),
        "{\"a\":1 \"b-${c}\":2 \"d\":[1 2] ...e}"
    );
    assert_eq!(vx("{ a: 1, b: 2, }"), "{\"a\":1 \"b\":2}");
    assert_eq!(vx("[...a, 1]"), "[...a 1]");
    assert_eq!(vx("{}"), "{}");
    assert_eq!(vx("[\n]"), "[]");
    // Identifier keys carry the identifier's span.
    let e = var("{ key: 1 }");
    match &e.kind {
        ExprKind::Object(items) => match &items[0] {
            ObjectItem::Property { key, .. } => assert_eq!(key.span, Span::new(10, 13)),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn loops_and_lambdas() {
    assert_eq!(vx("[for x in xs: x.id]"), "(for x - xs x.id)");
    assert_eq!(
        vx("[for (x, i) in range(0, 3): '${x}-${i}']"),
        "(for x i range(0, 3) \"${x}-${i}\")"
    );
    assert_eq!(
        vx("[\n  for x in xs: if (x.on) {\n    name: x.name\n  }\n]"),
        "(for x - xs (if x.on {\"name\":x.name}))"
    );
    assert_eq!(vx("map(xs, x => x * 2)"), "map(xs, (\\x (Mul x 2)))");
    assert_eq!(
        vx("reduce(xs, 0, (acc, x) =>\n  acc + x)"),
        "reduce(xs, 0, (\\acc,x (Add acc x)))"
    );
    assert_eq!(vx("() => 1"), "(\\ 1)");
}

#[test]
fn resources_modules_and_nested_resources() {
    let src = "@batchSize(2)\nresource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = [for s in subs: {\n  name: s\n  @description('child')\n  resource sn 'subnets' = {\n    name: 'a'\n  }\n  resource: 'not a child'\n}]";
    let st = one(src);
    assert_eq!(st.decorators.len(), 1);
    assert_eq!(sx(&st.decorators[0]), "batchSize(2)");
    assert_eq!(st.span, Span::new(0, src.len()));
    match &st.kind {
        StmtKind::Resource(r) => {
            assert_eq!(r.name.name, "vnet");
            assert_eq!(
                r.type_string.value,
                "Microsoft.Network/virtualNetworks@2023-09-01"
            );
            assert!(!r.existing);
            assert_eq!(
                sx(&r.body),
                "(for s - subs {\"name\":s @1 resource sn \"resource\":\"not a child\"})"
            );
        }
        other => panic!("{other:?}"),
    }
    let st = one(
        "resource kv 'Microsoft.KeyVault/vaults@2023-07-01' existing =\n  if (x) {\n  name: 'kv'\n}",
    );
    match &st.kind {
        StmtKind::Resource(r) => {
            assert!(r.existing);
            assert_eq!(sx(&r.body), "(if x {\"name\":\"kv\"})");
        }
        other => panic!("{other:?}"),
    }
    match one("module m './m.bicep' = {\n  params: {}\n}").kind {
        StmtKind::Module { name, path, body } => {
            assert_eq!(name.name, "m");
            assert_eq!(path.value, "./m.bicep");
            assert_eq!(path.span, Span::new(9, 20));
            assert_eq!(sx(&body), "{\"params\":{}}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn params_vars_outputs_funcs() {
    match one("@secure()\nparam p string = 'x'").kind {
        StmtKind::Param { name, ty, default } => {
            assert_eq!(name.name, "p");
            assert_eq!(ty.as_ref().map(tx).as_deref(), Some("string"));
            assert_eq!(default.as_ref().map(sx).as_deref(), Some("\"x\""));
        }
        other => panic!("{other:?}"),
    }
    match one("param z int?").kind {
        StmtKind::Param {
            ty: Some(ty),
            default: None,
            ..
        } => assert!(ty.is_nullable()),
        other => panic!("{other:?}"),
    }
    // `.bicepparam` form: no type.
    match one("param location = 'westeurope'").kind {
        StmtKind::Param {
            ty: None,
            default: Some(v),
            ..
        } => assert_eq!(sx(&v), "\"westeurope\""),
        other => panic!("{other:?}"),
    }
    match one("var v string[] = []").kind {
        StmtKind::Var { ty: Some(ty), .. } => assert_eq!(tx(&ty), "string[]"),
        other => panic!("{other:?}"),
    }
    match one("output o resource 'A/b@1' = x").kind {
        StmtKind::Output {
            ty: OutputType::Resource(Some(s)),
            ..
        } => assert_eq!(s.value, "A/b@1"),
        other => panic!("{other:?}"),
    }
    match one("output o string = a").kind {
        StmtKind::Output {
            ty: OutputType::Type(t),
            value,
            ..
        } => {
            assert_eq!(tx(&t), "string");
            assert_eq!(sx(&value), "a");
        }
        other => panic!("{other:?}"),
    }
    match one("func f(a string, b int) string =>\n  '${a}${b}'").kind {
        StmtKind::Func {
            name,
            params,
            ret,
            body,
        } => {
            assert_eq!(name.name, "f");
            assert_eq!(params.len(), 2);
            assert_eq!(tx(&params[1].1), "int");
            assert_eq!(ret.as_ref().map(tx).as_deref(), Some("string"));
            assert_eq!(sx(&body), "\"${a}${b}\"");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        one("targetScope = 'subscription'").kind,
        StmtKind::TargetScope(_)
    ));
    assert!(matches!(
        one("metadata m = {}").kind,
        StmtKind::Metadata { .. }
    ));
    assert!(matches!(
        one("assert a = 1 < 2").kind,
        StmtKind::Assert { .. }
    ));
    assert!(matches!(
        one("test t 'x.bicep' = {\n  params: {}\n}").kind,
        StmtKind::Test { .. }
    ));
}

#[test]
fn types() {
    assert_eq!(
        type_of("'a' | 'b' | -1 | !true"),
        "(\"a\"|\"b\"|(neg 1)|(! true))"
    );
    assert_eq!(type_of("\n  | 'a'\n  | 'b'"), "(\"a\"|\"b\")");
    assert_eq!(type_of("'a'\n  | 'b'"), "(\"a\"|\"b\")");
    assert_eq!(type_of("[string, int?]"), "[string,int?]");
    assert_eq!(type_of("string[][]"), "string[][]");
    assert_eq!(type_of("(string | int)[]!"), "((string|int))[]!");
    assert_eq!(
        type_of("{\n  @minLength(1)\n  name: string\n  'quoted-key': int\n  *: bool\n}"),
        "{@name:string quoted-key:int *:bool}"
    );
    assert_eq!(type_of("a.b[*].c.*[0]"), "a.b.*.c.*.0");
    assert_eq!(
        type_of("resourceInput<\n  'A/b@1'\n>.properties"),
        "resourceInput<\"A/b@1\">.properties"
    );
    assert_eq!(
        type_of("sys.resourceInput<'A/b@1'>"),
        "sys.resourceInput<\"A/b@1\">"
    );
    match one("param r resource 'A/b@1'").kind {
        StmtKind::Param { ty: Some(t), .. } => assert_eq!(tx(&t), "resource Some(\"A/b@1\")"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn imports_extensions_and_bicepparam_statements() {
    match one("import {a, b as c\n 'd' as e} from 'x.bicep'").kind {
        StmtKind::Import(Import {
            kind: ImportKind::Names(n),
            from: Some(f),
            ..
        }) => {
            assert_eq!(n.len(), 3);
            assert_eq!(n[1].1.as_ref().map(|i| i.name.as_str()), Some("c"));
            assert_eq!(n[2].0.name, "d");
            assert_eq!(f.value, "x.bicep");
        }
        other => panic!("{other:?}"),
    }
    match one("import * as ns from 'y.bicep'").kind {
        StmtKind::Import(Import {
            kind: ImportKind::Wildcard,
            alias: Some(a),
            ..
        }) => {
            assert_eq!(a.name, "ns")
        }
        other => panic!("{other:?}"),
    }
    match one("import 'kubernetes@1.0.0' with { ns: 'x' } as k8s").kind {
        StmtKind::Import(Import {
            kind: ImportKind::Extension,
            from: Some(f),
            config: Some(_),
            alias: Some(a),
        }) => {
            assert_eq!(f.value, "kubernetes@1.0.0");
            assert_eq!(a.name, "k8s");
        }
        other => panic!("{other:?}"),
    }
    match one("extension 'br:x/y:1' with {\n  a: 1\n} as graph").kind {
        StmtKind::Extension {
            name,
            config: Some(_),
            alias: Some(a),
            ..
        } => {
            assert_eq!(name, "br:x/y:1");
            assert_eq!(a.name, "graph");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        one("provider microsoftGraph").kind,
        StmtKind::Extension {
            config: None,
            alias: None,
            ..
        }
    ));
    match one("using './main.bicep' with {\n  mode: 'stack'\n}").kind {
        StmtKind::Using {
            path: Some(p),
            config: Some(_),
        } => assert_eq!(p.value, "./main.bicep"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        one("using none").kind,
        StmtKind::Using {
            path: None,
            config: None
        }
    ));
    assert!(matches!(
        one("extends 'base.bicepparam'").kind,
        StmtKind::Extends(_)
    ));
    assert!(matches!(
        one("extensionConfig k8s with {}").kind,
        StmtKind::ExtensionConfig { .. }
    ));
    match one("param tags = {\n  ...base.tags\n  env: 'prod'\n}").kind {
        StmtKind::Param {
            default: Some(v), ..
        } => assert_eq!(sx(&v), "{...base.tags \"env\":\"prod\"}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn comments_and_pragmas_are_trivia() {
    let p = parse(
        "// c\n#disable-next-line no-unused-params\nparam a string /* x */ = 'b' // d\n/* multi\nline */\nvar b = 1\n",
    );
    assert_eq!(p.errors, vec![]);
    assert_eq!(p.statements.len(), 2);
}

#[test]
fn missing_colon() {
    assert_eq!(
        errors("var o = {\n  a 1\n  b: 2\n}\nvar ok = 1"),
        vec![(
            "expected ':' after the property name".to_string(),
            Span::new(14, 15)
        )]
    );
    let p = parse("var o = {\n  a 1\n  b: 2\n}\nvar ok = 1");
    assert_eq!(p.statements.len(), 2);
    assert_eq!(vx("{ a: 1 }"), "{\"a\":1}");
    match &p.statements[0].kind {
        StmtKind::Var { value, .. } => assert_eq!(sx(value), "{ERR \"b\":2}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unterminated_string_and_bad_escape() {
    assert_eq!(
        errors("var a = 'abc\nvar b = 'x\\qy'\nvar c = 1"),
        vec![
            ("unterminated string".to_string(), Span::new(8, 12)),
            (
                "unknown escape sequence '\\q'".to_string(),
                Span::new(23, 25)
            ),
        ]
    );
    let p = parse("var a = 'abc\nvar b = 'x\\qy'\nvar c = 1");
    assert_eq!(p.statements.len(), 3);
}

#[test]
fn stray_token_then_a_correct_statement() {
    let src = "var a = 1 )\n) var b\nvar c = 2";
    let p = parse(src);
    assert_eq!(
        p.errors.iter().map(|e| e.span).collect::<Vec<_>>(),
        vec![Span::new(10, 11), Span::new(12, 13)]
    );
    assert!(p.errors[0].message.starts_with("expected a new line"));
    assert!(
        matches!(p.statements.last().map(|s| &s.kind), Some(StmtKind::Var { name, .. }) if name.name == "c")
    );
    // An unknown keyword becomes an error statement.
    let p = parse("foo bar\nparam x int");
    assert_eq!(p.errors.len(), 1);
    assert_eq!(p.errors[0].span, Span::new(0, 3));
    assert!(matches!(p.statements[0].kind, StmtKind::Error));
    assert!(matches!(p.statements[1].kind, StmtKind::Param { .. }));
}

#[test]
fn missing_pieces_get_empty_spans_where_expected() {
    assert_eq!(
        errors("var a =\nvar b = 1"),
        vec![(
            "expected an expression, found new line".to_string(),
            Span::new(7, 7)
        )]
    );
    assert_eq!(
        errors("var a = f(1, 2"),
        vec![(
            "expected ',' or ')' in the argument list".to_string(),
            Span::new(14, 14)
        )]
    );
    assert_eq!(
        errors("var a = [\n  1\n"),
        vec![("expected ']'".to_string(), Span::new(14, 14))]
    );
}

#[test]
fn nesting_too_deep_is_an_error() {
    let src = format!("var a = {}1{}\nvar b = 1", "[".repeat(300), "]".repeat(300));
    let p = parse(&src);
    assert_eq!(p.errors.len(), 1);
    assert_eq!(p.errors[0].message, "nesting too deep");
    assert_eq!(p.statements.len(), 2);
}

#[test]
fn a_megabyte_parses_without_errors() {
    let chunk = "@description('Subnet ${i}')\nparam p_NAME string = 'x'\nvar v_NAME = [for (s, i) in range(0, 3): {\n  name: 'sn-${s}-${i}'\n  prefix: cidrSubnet('10.0.0.0/16', 24, i)\n  on: i % 2 == 0 && !empty(p_NAME) ? true : false\n}]\nresource r_NAME 'Microsoft.Network/virtualNetworks@2023-09-01' = {\n  name: 'vnet-NAME'\n  location: resourceGroup().location\n  properties: {\n    addressSpace: { addressPrefixes: ['10.0.0.0/16'] }\n    subnets: [for s in v_NAME: { name: s.name, properties: { addressPrefix: s.prefix } }]\n  }\n  resource sn 'subnets' existing = {\n    name: 'a'\n  }\n}\noutput o_NAME string = r_NAME::sn.id\n";
    let mut text = String::with_capacity(1 << 20);
    let mut n = 0;
    while text.len() < 1 << 20 {
        text.push_str(&chunk.replace("NAME", &n.to_string()));
        n += 1;
    }
    let p = parse(&text);
    assert_eq!(p.errors, vec![]);
    assert_eq!(p.statements.len(), n * 4);
}

#[test]
fn missing_close_paren_is_reported_at_the_end_of_the_line() {
    assert_eq!(
        errors("resource r 'A/b@1' = if (true\nvar b = 1"),
        vec![(
            "expected ')' after the condition".to_string(),
            Span::new(29, 29)
        )]
    );
    assert_eq!(
        errors("var a = (null) ? :\nvar b = 1"),
        vec![
            (
                "expected an expression, found ':'".to_string(),
                Span::new(17, 18)
            ),
            (
                "expected an expression, found new line".to_string(),
                Span::new(18, 18)
            ),
        ]
    );
}
