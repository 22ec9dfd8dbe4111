//! Exact output of the CI formats on names that need escaping: GitHub
//! workflow commands (`%`, CR and LF in messages; also `:` and `,` in
//! properties) and JUnit XML as Azure Pipelines reads it.

mod common;

use common::{scratch, tendon_in, windows_pool_template as template};

#[test]
fn github_commands_escape_messages_and_properties() {
    let dir = scratch("github-escapes");
    std::fs::create_dir_all(dir.join("env:prod,eu")).unwrap();
    std::fs::write(
        dir.join("env:prod,eu/100%.json"),
        template("aks:1,2", "w%1\r\nx"),
    )
    .unwrap();
    let o = tendon_in(&dir, &["check", ".", "--format", "github"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "::error file=env%3Aprod%2Ceu/100%25.json,line=13,col=76,endLine=13,endColumn=85,\
         title=AKS001 kubenet-windows-pool::\
         node pool 'w%251\\r\\nx' of cluster 'aks:1,2' runs Windows, which kubenet does not support\n\
         ::notice file=env%3Aprod%2Ceu/100%25.json,line=14,col=46,endLine=14,endColumn=55,\
         title=AKS021 kubenet-retirement::\
         cluster 'aks:1,2' uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay\n"
    );
}

#[test]
fn junit_is_testsuites_testsuite_testcase_failure() {
    let dir = scratch("junit-shape");
    std::fs::write(dir.join("a&b.json"), template("aks<1>", "win\"x'")).unwrap();
    std::fs::write(
        dir.join("clean.json"),
        template("aks-clean", "win")
            .replace("Windows", "Linux")
            .replace("kubenet", "azure"),
    )
    .unwrap();
    // Below --fail-on (the info note) is output, not a failure.
    let o = tendon_in(&dir, &["check", ".", "--format", "junit"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="tendon" tests="2" failures="1">
  <testsuite name="tendon" tests="2" failures="1" errors="0" skipped="0">
    <testcase classname="tendon" name="a&amp;b.json">
      <failure type="AKS001" message="node pool &apos;win&quot;x&apos;&apos; of cluster &apos;aks&lt;1&gt;&apos; runs Windows, which kubenet does not support">a&amp;b.json:13:75: error[AKS001]: node pool &apos;win&quot;x&apos;&apos; of cluster &apos;aks&lt;1&gt;&apos; runs Windows, which kubenet does not support</failure>
      <system-out>a&amp;b.json:14:46: note[AKS021]: cluster &apos;aks&lt;1&gt;&apos; uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay</system-out>
    </testcase>
    <testcase classname="tendon" name="clean.json"/>
  </testsuite>
</testsuites>
"#
    );
    // With --fail-on info every finding fails.
    let o = tendon_in(
        &dir,
        &["check", ".", "--format", "junit", "--fail-on", "info"],
    );
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains(r#"<testsuites name="tendon" tests="2" failures="2">"#),
        "{text}"
    );
    assert!(text.contains(r#"<failure type="AKS021""#), "{text}");
    assert!(!text.contains("<system-out>"), "{text}");
}
