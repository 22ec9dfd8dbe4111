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
    // `failures` counts failed test cases: one file, one <failure> with both.
    assert!(
        text.contains(r#"<testsuites name="tendon" tests="2" failures="1">"#),
        "{text}"
    );
    assert_eq!(text.matches("<failure ").count(), 1, "{text}");
    assert!(text.contains(r#"<failure type="AKS001 AKS021""#), "{text}");
    assert!(!text.contains("<system-out>"), "{text}");
}

/// One <failure> per failing file, since Azure Pipelines and Jenkins read
/// only a test case's first: its message is the first finding's and how
/// many more, its text every finding with related locations indented.
#[test]
fn junit_has_one_failure_per_failing_file_with_every_finding() {
    let o = common::tendon(&[
        "check",
        "fixtures/AKS001/fail",
        "fixtures/AKS011/fail",
        "--format",
        "junit",
    ]);
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="tendon" tests="3" failures="2">
  <testsuite name="tendon" tests="3" failures="2" errors="0" skipped="0">
    <testcase classname="tendon" name="fixtures/AKS001/fail/azuredeploy.json">
      <failure type="AKS001" message="node pool &apos;win1&apos; of cluster &apos;aks-win&apos; runs Windows, which kubenet does not support (and 1 more finding)">fixtures/AKS001/fail/azuredeploy.json:26:23: error[AKS001]: node pool &apos;win1&apos; of cluster &apos;aks-win&apos; runs Windows, which kubenet does not support
fixtures/AKS001/fail/azuredeploy.json:40:49: error[AKS001]: node pool &apos;win2&apos; of cluster &apos;aks-win&apos; runs Windows, which kubenet does not support</failure>
      <system-out>fixtures/AKS001/fail/azuredeploy.json:30:28: note[AKS021]: cluster &apos;aks-win&apos; uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay</system-out>
    </testcase>
    <testcase classname="tendon" name="fixtures/AKS011/fail/cluster-a.json">
      <system-out>fixtures/AKS011/fail/cluster-a.json:21:46: note[AKS021]: cluster &apos;aks-a&apos; uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay</system-out>
    </testcase>
    <testcase classname="tendon" name="fixtures/AKS011/fail/cluster-b.json">
      <failure type="AKS011" message="cluster &apos;aks-b&apos; puts node pool &apos;system&apos; on subnet &apos;AKS&apos;, which cluster &apos;aks-a&apos; already uses; kubenet clusters cannot share a subnet">fixtures/AKS011/fail/cluster-b.json:16:29: error[AKS011]: cluster &apos;aks-b&apos; puts node pool &apos;system&apos; on subnet &apos;AKS&apos;, which cluster &apos;aks-a&apos; already uses; kubenet clusters cannot share a subnet
  related: fixtures/AKS011/fail/cluster-a.json:18:77: cluster &apos;aks-a&apos; uses the subnet here</failure>
    </testcase>
  </testsuite>
</testsuites>
"#
    );
}
