//! `--select`, `--extend-select` and `--ignore`: the command line narrows or
//! widens a run over the configuration, as in ruff; unknown names stop it.

mod common;

use common::{scratch, stderr, stdout, tendon, tendon_in};

const BROKEN: &str = "fixtures/TDN001/fail/broken.json:8:7: error[TDN001]: unexpected character '\"', expected ',' or '}'\n";
const WINDOWS: &str = "fixtures/TDN001/fail/good.json:11:71: error[AKS001]: node pool 'win' of cluster 'aks-good' runs Windows, which kubenet does not support\n";
const RETIRED: &str = "fixtures/TDN001/fail/good.json:12:46: note[AKS021]: cluster 'aks-good' uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay\n";

fn gcc(flags: &[&str]) -> (String, Option<i32>) {
    let mut args = vec!["check", "fixtures/TDN001/fail", "--format", "gcc"];
    args.extend_from_slice(flags);
    let o = tendon(&args);
    assert_eq!(stderr(&o), "", "{flags:?}");
    (stdout(&o), o.status.code())
}

#[test]
fn select_narrows_a_run_and_ignore_comes_last() {
    assert_eq!(gcc(&["--select", "AKS001"]), (WINDOWS.into(), Some(1)));
    // Comma-separated or repeated, ids in any case, slugs and prefixes.
    let both = format!("{BROKEN}{WINDOWS}");
    assert_eq!(gcc(&["--select", "aks001,TDN001"]), (both.clone(), Some(1)));
    assert_eq!(
        gcc(&["--select", "kubenet-windows-pool", "--select", "TDN*"]),
        (both.clone(), Some(1))
    );
    assert_eq!(
        gcc(&["--select", "AKS0*", "--ignore", "kubenet-retirement"]),
        (WINDOWS.into(), Some(1))
    );
    // Only the note left: below the failing severity, exit 0.
    assert_eq!(gcc(&["--ignore", "AKS001,TDN*"]), (RETIRED.into(), Some(0)));
    // --ignore wins over --extend-select.
    assert_eq!(
        gcc(&[
            "--select",
            "TDN001",
            "--extend-select",
            "AKS001",
            "--ignore",
            "AKS001"
        ]),
        (BROKEN.into(), Some(1))
    );
}

#[test]
fn the_command_line_overrides_the_configuration() {
    let dir = scratch("selection-over-config");
    std::fs::write(
        dir.join("azuredeploy.json"),
        common::windows_pool_template("\"aks\"", "\"win\""),
    )
    .unwrap();
    std::fs::write(
        dir.join("tendon.toml"),
        "ignore = [\"AKS001\", \"kubenet-retirement\"]\n",
    )
    .unwrap();
    let run = |flags: &[&str]| {
        let mut args = vec!["check", ".", "--format", "gcc"];
        args.extend_from_slice(flags);
        let o = tendon_in(&dir, &args);
        assert_eq!(stderr(&o), "", "{flags:?}");
        let ids: Vec<String> = stdout(&o)
            .lines()
            .filter_map(|l| l.split(": ").nth(1).map(str::to_string))
            .collect();
        (ids, o.status.code())
    };
    assert_eq!(run(&[]), (vec![], Some(0)));
    // --extend-select brings back a rule the configuration ignores.
    assert_eq!(
        run(&["--extend-select", "AKS001"]),
        (vec!["error[AKS001]".to_string()], Some(1))
    );
    // --select starts afresh: the configuration's ignore no longer applies.
    assert_eq!(
        run(&["--select", "AKS0*"]),
        (
            vec!["error[AKS001]".to_string(), "note[AKS021]".to_string()],
            Some(1)
        )
    );
    assert_eq!(
        run(&["--select", "AKS0*", "--ignore", "AKS001"]),
        (vec!["note[AKS021]".to_string()], Some(0))
    );
}

#[test]
fn unknown_names_on_the_command_line_stop_the_run() {
    let cases: [(&[&str], &str); 4] = [
        (
            &["--select", "AKS9999"],
            "tendon: --select: no rule has the id or slug \"AKS9999\"\n",
        ),
        (
            &["--ignore", "AKS001,kubenet-retirment"],
            "tendon: --ignore: no rule has the id or slug \"kubenet-retirment\" (did you mean \"kubenet-retirement\"?)\n",
        ),
        (
            &["--extend-select", "AKS9*"],
            "tendon: --extend-select: no rule id or slug starts with \"AKS9\"\n",
        ),
        (
            &["--select", ""],
            "tendon: --select: no rule has the id or slug \"\"\n",
        ),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["check", "fixtures/TDN001/fail", "-q"];
        args.extend_from_slice(flags);
        let o = tendon(&args);
        assert_eq!(
            (stderr(&o).as_str(), o.status.code()),
            (expected, Some(2)),
            "{flags:?}"
        );
        assert_eq!(stdout(&o), "");
    }
}
