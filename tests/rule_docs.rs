//! What `tendon explain` and `tendon rules` say: the Azure deployment error a
//! rule prevents (and finding a rule by that code), help without unfilled
//! placeholders, and the rule list as the configuration leaves it.

mod common;

use common::{scratch, stderr, stdout, tendon, tendon_in};

#[test]
fn explain_names_the_deployment_error_with_its_source() {
    let o = tendon(&["explain", "AKS010"]);
    let text = stdout(&o);
    let section = text
        .split("## When it fails\n\n")
        .nth(1)
        .and_then(|rest| rest.split("## References").next())
        .unwrap_or_default();
    assert_eq!(
        section,
        "Azure rejects the deployment with:\n\n\
         - `DnsServiceIpOutOfServiceCidr`: \"The DNS service IP <dns-service-ip> is out of the range \
         defined by service CIDR <service-cidr>.\" (seen in https://learn.microsoft.com/troubleshoot/\
         azure/azure-kubernetes/error-codes/dnsserviceipoutofservicecidr-error)\n\n\
         An address outside the range fails with the error above. The error for an\n\
         address on the range's boundary (network or broadcast address) is not in any\n\
         public source; AKS has validated it since its 2021-10-08 release.\n\n"
    );
    // A rule that breaks pod routing after deployment says so.
    let text = stdout(&tendon(&["explain", "AKS012"]));
    assert!(
        text.contains("## When it fails\n\nAzure accepts the deployment; it breaks afterwards.\n"),
        "{text}"
    );
}

#[test]
fn explain_finds_rules_by_deployment_error_code() {
    let o = tendon(&["explain", "InsufficientSubnetSize"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "Rules that prevent the Azure deployment error InsufficientSubnetSize:\n\n\
         AKS006  pod-cidr-too-small             A kubenet pod range needs one /24 per node\n\
         AKS007  subnet-too-small               A node subnet needs an address for every node, including upgrade surge\n\
         AKS022  azure-cni-subnet-capacity      Flat Azure CNI needs a subnet address for every pod\n\n\
         Run `tendon explain <ID>` for a rule's documentation.\n"
    );
    // One rule: its documentation; the code matches in any case.
    let o = tendon(&["explain", "subnetisdelegated"]);
    assert!(
        stdout(&o).starts_with("# AKS024 (delegated-node-subnet)\n"),
        "{}",
        stdout(&o)
    );
    let o = tendon(&["explain", "NoSuchAzureError"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "tendon: no rule 'NoSuchAzureError' (run `tendon rules` to list them)\n"
    );
}

#[test]
fn help_without_a_finding_has_no_placeholders() {
    let text = stdout(&tendon(&["explain", "AKS011"]));
    assert!(
        text.contains("Help: Give each cluster its own subnet (clusters sharing one: …).\n"),
        "{text}"
    );
    let sarif = stdout(&tendon(&[
        "check",
        "fixtures/AKS011/fail",
        "--format",
        "sarif",
    ]));
    let doc: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let aks011 = rules.iter().find(|r| r["id"] == "AKS011").unwrap();
    assert_eq!(
        aks011["help"]["text"],
        "Give each cluster its own subnet (clusters sharing one: …)."
    );
    let aks010 = rules.iter().find(|r| r["id"] == "AKS010").unwrap();
    assert!(
        aks010["help"]["text"]
            .as_str()
            .unwrap()
            .ends_with(" Prevents the Azure deployment error DnsServiceIpOutOfServiceCidr."),
        "{aks010}"
    );
    assert!(!sarif.contains("{clusterPools"), "an unfilled placeholder");
}

#[test]
fn rules_shows_severities_after_the_configuration() {
    let dir = scratch("rule-docs-configured");
    std::fs::write(
        dir.join("tendon.toml"),
        "ignore = [\"AKS02*\"]\n\n[severity]\nkubenet-windows-pool = \"warning\"\n",
    )
    .unwrap();
    let o = tendon_in(&dir, &["rules"]);
    assert_eq!(stderr(&o), "");
    let lines: Vec<String> = stdout(&o)
        .lines()
        .filter(|l| {
            ["AKS001", "AKS002", "AKS021"]
                .iter()
                .any(|id| l.starts_with(id))
        })
        .map(str::to_string)
        .collect();
    assert_eq!(
        lines,
        [
            "AKS001  kubenet-windows-pool           warning  Windows node pools are not supported on kubenet clusters",
            "AKS002  kubenet-azure-network-policy   error    Azure network policy is not supported with kubenet",
            "AKS021  kubenet-retirement             off      kubenet for AKS retires on 31 March 2028",
        ]
    );
    let o = tendon_in(&dir, &["rules", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let row = |id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        row("AKS001"),
        serde_json::json!({"id": "AKS001", "slug": "kubenet-windows-pool", "severity": "warning",
            "summary": "Windows node pools are not supported on kubenet clusters", "enabled": true,
            "default_severity": "error", "fails_at": "deploy",
            "deploy_errors": ["AzureCNIOnlyForWindows"]})
    );
    assert_eq!(row("AKS021")["enabled"], false);
    assert_eq!(row("AKS011")["fails_at"], "runtime");
    // A typo in the configuration stops `rules` as it stops `check`.
    std::fs::write(dir.join("tendon.toml"), "ignore = [\"AKS9999\"]\n").unwrap();
    assert_eq!(tendon_in(&dir, &["rules"]).status.code(), Some(2));
}

#[test]
fn a_bad_failure_table_in_a_rule_file_is_exit_2() {
    let dir = scratch("rule-docs-bad-failure");
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    let rule = |failure: &str| {
        format!(
            "id = \"ORG001\"\nslug = \"org-rule\"\nseverity = \"warning\"\nsummary = \"s\"\n\
             select = \"$.clusters[*]\"\nmessage = \"m\"\n\n{failure}"
        )
    };
    let cases = [
        (
            "[failure]\nwhen = \"runtime\"\n[[failure.errors]]\ncode = \"X\"\nmessage = \"m\"\nsource = \"s\"\n",
            "tendon: bad rule file ORG001.toml:11:8: deployment errors need `when = \"deploy\"`\n  here: \"X\"\n",
        ),
        (
            "[failure]\nwhen = \"deploy\"\n[[failure.errors]]\ncode = \"Bad Code\"\nmessage = \"m\"\nsource = \"s\"\n",
            "tendon: bad rule file ORG001.toml:11:8: an Azure error code is letters and digits (InsufficientSubnetSize), not \"Bad Code\"\n  here: \"Bad Code\"\n",
        ),
    ];
    for (failure, expected) in cases {
        std::fs::write(dir.join("rules/ORG001.toml"), rule(failure)).unwrap();
        let o = tendon_in(&dir, &["rules", "--rules", "rules"]);
        assert_eq!(o.status.code(), Some(2), "{failure}");
        assert_eq!(stderr(&o).replace("rules/ORG001", "ORG001"), expected);
    }
}
