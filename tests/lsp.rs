//! `tendon lsp` end to end: JSON-RPC over the process's stdio.

mod common;

use std::path::Path;

use common::lsp::{Client, apply, codes, file_uri};
use common::scratch;
use serde_json::{Value, json};

fn copy_fixture(from: &str, to: &Path) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(from);
    for entry in std::fs::read_dir(src).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "json" || e == "bicep") {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

fn c(code: &str, line: u64, ch: u64) -> (String, u64, u64) {
    (code.to_string(), line, ch)
}

fn open(client: &mut Client, uri: &str, text: &str) {
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": text}}),
    );
}

fn change(client: &mut Client, uri: &str, version: i64, text: &str) {
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
    );
}

fn actions(client: &mut Client, uri: &str, diags: &[Value]) -> Vec<Value> {
    let r = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": diags[0]["range"], "context": {"diagnostics": diags}}),
    );
    r["result"].as_array().cloned().unwrap_or_default()
}

#[test]
fn edits_update_both_files_and_quick_fixes_apply() {
    let dir = scratch("lsp-two-files");
    copy_fixture("fixtures/AKS011/fail", &dir);
    let (a_path, b_path) = (dir.join("cluster-a.json"), dir.join("cluster-b.json"));
    let (a, b) = (file_uri(&a_path), file_uri(&b_path));
    let a_text = std::fs::read_to_string(&a_path).unwrap();
    let b_text = std::fs::read_to_string(&b_path).unwrap();

    let mut client = Client::start(&dir);
    let init = client.initialize(&dir);
    assert_eq!(init["result"]["serverInfo"]["name"], "tendon");
    assert_eq!(
        init["result"]["capabilities"]["textDocumentSync"]["change"],
        1
    );
    // The whole workspace is linted at once, files not open included.
    assert_eq!(codes(&client.diagnostics(&a)), [c("AKS021", 20, 45)]);
    let shared = client.diagnostics(&b);
    assert_eq!(codes(&shared), [c("AKS011", 15, 28)]);
    let d = &shared[0];
    assert_eq!(d["source"], "tendon");
    assert_eq!(d["severity"], 1);
    assert_eq!(
        d["codeDescription"]["href"],
        "https://learn.microsoft.com/azure/aks/configure-kubenet"
    );
    assert_eq!(d["relatedInformation"][0]["location"]["uri"], a.as_str());
    assert_eq!(
        d["relatedInformation"][0]["location"]["range"]["start"],
        json!({"line": 17, "character": 76})
    );
    assert_eq!(
        d["relatedInformation"][0]["message"],
        "cluster 'aks-a' uses the subnet here"
    );

    // Quick fix: suppress it on its line, indented like the line, with a reason to write.
    open(&mut client, &b, &b_text);
    let shared = client.diagnostics(&b);
    let fixes = actions(&mut client, &b, &shared);
    assert_eq!(fixes.len(), 1);
    assert_eq!(fixes[0]["title"], "Suppress AKS011 on this line");
    assert_eq!(fixes[0]["kind"], "quickfix");
    let edits = fixes[0]["edit"]["changes"][b.as_str()]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        edits,
        [
            json!({"range": {"start": {"line": 15, "character": 0}, "end": {"line": 15, "character": 0}},
                "newText": "            // tendon-disable-next-line AKS011 <reason>\n"})
        ]
    );
    let suppressed = apply(&b_text, &edits);
    change(&mut client, &b, 2, &suppressed);
    let m = client.wait(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == b.as_str()
    });
    assert_eq!(
        m["params"]["version"], 2,
        "an open document's diagnostics carry its version"
    );
    assert_eq!(codes(m["params"]["diagnostics"].as_array().unwrap()), []);

    // Hover on the rule in the suppression: its documentation.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": b}, "position": {"line": 15, "character": 43}}),
    );
    let doc = hover["result"]["contents"]["value"].as_str().unwrap_or("");
    assert!(
        doc.starts_with("# AKS011 (kubenet-shared-subnet)"),
        "{hover}"
    );
    assert_eq!(
        hover["result"]["range"],
        json!({"start": {"line": 15, "character": 40}, "end": {"line": 15, "character": 46}})
    );
    // The other file's diagnostics did not change: not sent again.
    assert_eq!(client.pending_publishes(&a), 0);

    // Editing the other file (its own subnet) ends the sharing: the
    // suppression in this file is now unused (TDN004).
    open(&mut client, &a, &a_text);
    assert_eq!(client.diagnostics(&a).len(), 1);
    let own_subnet = a_text.replace(
        "parameters('vnetName'), 'aks')",
        "parameters('vnetName'), 'aks-a')",
    );
    change(&mut client, &a, 2, &own_subnet);
    assert_eq!(codes(&client.diagnostics(&a)), [c("AKS021", 20, 45)]);
    let unused = client.diagnostics(&b);
    assert_eq!(codes(&unused), [c("TDN004", 15, 40)]);
    assert_eq!(unused[0]["tags"], json!([1]));
    let fixes = actions(&mut client, &b, &unused);
    assert_eq!(fixes[0]["title"], "Remove unused suppression of AKS011");
    let edits = fixes[0]["edit"]["changes"][b.as_str()]
        .as_array()
        .unwrap()
        .clone();
    let cleaned = apply(&suppressed, &edits);
    assert_eq!(cleaned, b_text);
    change(&mut client, &b, 3, &cleaned);
    assert_eq!(codes(&client.diagnostics(&b)), []);

    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn bicep_quick_fix_is_a_pragma() {
    let dir = scratch("lsp-bicep");
    copy_fixture("fixtures/AKS001/fail-bicep", &dir);
    let path = dir.join("main.bicep");
    let uri = file_uri(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut client = Client::start(&dir);
    client.initialize(&dir);
    let diags = client.diagnostics(&uri);
    let first = diags
        .iter()
        .find(|d| d["code"] == "AKS001")
        .cloned()
        .expect("AKS001");
    let fixes = actions(&mut client, &uri, std::slice::from_ref(&first));
    let edit = &fixes[0]["edit"]["changes"][uri.as_str()][0];
    let line = first["range"]["start"]["line"].as_u64().unwrap() as usize;
    let indent: String = text
        .lines()
        .nth(line)
        .unwrap()
        .chars()
        .take_while(|c| *c == ' ')
        .collect();
    assert_eq!(
        edit["newText"],
        format!("{indent}#disable-next-line AKS001 // <reason>\n")
    );
    let fixed = apply(&text, std::slice::from_ref(edit));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "bicep", "version": 1, "text": fixed}}),
    );
    let after = client.diagnostics(&uri);
    assert_eq!(
        codes(&after).iter().filter(|d| d.0 == "AKS001").count(),
        codes(&diags).iter().filter(|d| d.0 == "AKS001").count() - 1,
        "{after:?}"
    );
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn bad_messages_get_errors_and_the_server_goes_on() {
    let dir = scratch("lsp-robust");
    let mut client = Client::start(&dir);
    // Before `initialize`: refused.
    let early = client.request("textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], -32002);
    client.initialize(&dir);
    // Not JSON: a parse error with a null id.
    client.send_raw(b"Content-Length: 5\r\n\r\n{{{{{");
    let bad = client.wait(|m| m["id"].is_null() && m.get("error").is_some());
    assert_eq!(bad["error"]["code"], -32700);
    // Unknown methods and bad parameters.
    assert_eq!(
        client.request("tendon/nothing", json!({}))["error"]["code"],
        -32601
    );
    assert_eq!(
        client.request("textDocument/codeAction", json!({"nope": 1}))["error"]["code"],
        -32602
    );
    // A document that does not exist, or is not a file: nothing, no crash.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "untitled:Untitled-1", "languageId": "json", "version": 1, "text": "{"}}),
    );
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": file_uri(&dir.join("gone.json"))}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(hover["result"], Value::Null);
    // `exit` without `shutdown`: exit code 1, as the spec says.
    assert_eq!(client.exit(), Some(1));
}

/// A module in a hidden folder (`.bicep/`, as CARML lays them out) is read
/// from outside the run; a caller's kept result must follow its edits, in
/// the editor and on disk.
#[test]
fn callers_follow_edits_of_their_modules() {
    let dir = scratch("lsp-modules");
    std::fs::create_dir_all(dir.join(".bicep")).unwrap();
    let module = r#"param plugin string
resource aks 'Microsoft.ContainerService/managedClusters@2024-02-01' = {
  name: 'aks-mod'
  location: 'westeurope'
  properties: {
    agentPoolProfiles: [
      { name: 'system', mode: 'System', count: 3, osType: 'Linux' }
      { name: 'win1', count: 2, osType: 'Windows' }
    ]
    networkProfile: { networkPlugin: plugin }
  }
}
"#;
    let main =
        "module c '.bicep/cluster.bicep' = {\n  name: 'c'\n  params: { plugin: 'kubenet' }\n}\n";
    std::fs::write(dir.join(".bicep/cluster.bicep"), module).unwrap();
    std::fs::write(dir.join("main.bicep"), main).unwrap();
    let module_path = dir.join(".bicep/cluster.bicep");
    let module_uri = file_uri(&module_path);
    let main_uri = file_uri(&dir.join("main.bicep"));
    let mut client = Client::start(&dir);
    client.initialize(&dir);
    let aks001 = |d: &[Value]| {
        codes(d)
            .into_iter()
            .filter(|c| c.0 == "AKS001")
            .collect::<Vec<_>>()
    };
    assert_eq!(
        aks001(&client.diagnostics(&module_uri)),
        [c("AKS001", 7, 40)]
    );
    // The caller's value decides: azure CNI has no such limit.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": main_uri, "languageId": "bicep", "version": 1,
                                "text": main.replace("kubenet", "azure")}}),
    );
    assert_eq!(aks001(&client.diagnostics(&module_uri)), []);
    change(&mut client, &main_uri, 2, main);
    assert_eq!(
        aks001(&client.diagnostics(&module_uri)),
        [c("AKS001", 7, 40)]
    );
    // The module edited on disk, outside the editor.
    std::fs::write(&module_path, module.replace("'Windows'", "'Linux'  ")).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": module_uri, "type": 2}]}),
    );
    assert_eq!(aks001(&client.diagnostics(&module_uri)), []);
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn files_changed_on_disk_are_read_again_when_the_editor_says_so() {
    let dir = scratch("lsp-watching");
    copy_fixture("fixtures/AKS011/fail", &dir);
    let a_path = dir.join("cluster-a.json");
    let b = file_uri(&dir.join("cluster-b.json"));
    let mut client = Client::start(&dir);
    // The editor watches files for the server: kept parses of files on
    // disk are then used until it reports a change.
    client.initialize_watching(&dir);
    assert_eq!(codes(&client.diagnostics(&b)), [c("AKS011", 15, 28)]);
    let a_text = std::fs::read_to_string(&a_path).unwrap();
    std::fs::write(
        &a_path,
        a_text.replace("'vnetName'), 'aks')", "'vnetName'), 'other')"),
    )
    .unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&a_path), "type": 2}]}),
    );
    assert_eq!(codes(&client.diagnostics(&b)), []);
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn files_a_bicep_file_loads_are_watched_too() {
    let dir = scratch("lsp-loads");
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let main = dir.join("main.bicep");
    std::fs::write(
        &main,
        "resource aks 'Microsoft.ContainerService/managedClusters@2024-02-01' = {\n\
         \x20 name: 'aks'\n\
         \x20 location: 'westeurope'\n\
         \x20 properties: {\n\
         \x20   agentPoolProfiles: [\n\
         \x20     { name: 'sys', mode: 'System', count: 3 }\n\
         \x20     { name: 'user', count: 2, osType: loadTextContent('os.txt') }\n\
         \x20   ]\n\
         \x20   networkProfile: { networkPlugin: 'kubenet' }\n\
         \x20 }\n\
         }\n",
    )
    .unwrap();
    let os = dir.join("os.txt");
    std::fs::write(&os, "Linux").unwrap();
    let uri = file_uri(&main);
    let mut client = Client::start(&dir);
    client.initialize_watching(&dir);
    let aks001 = |d: &[Value]| {
        codes(d)
            .into_iter()
            .filter(|c| c.0 == "AKS001")
            .collect::<Vec<_>>()
    };
    assert_eq!(aks001(&client.diagnostics(&uri)), []);
    // Open in the editor: its kept parse is keyed by the buffer's text, which
    // the loaded file's change does not touch.
    open(&mut client, &uri, &std::fs::read_to_string(&main).unwrap());
    assert_eq!(aks001(&client.diagnostics(&uri)), []);
    std::fs::write(&os, "Windows").unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&os), "type": 2}]}),
    );
    assert_eq!(aks001(&client.diagnostics(&uri)), [c("AKS001", 6, 40)]);
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn exports_named_by_the_configuration_are_checked_against_while_editing() {
    let dir = scratch("lsp-context");
    let case =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/AKS011/deployed-cluster");
    std::fs::create_dir_all(dir.join("deployed")).unwrap();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::copy(case.join("aks.json"), dir.join("aks.json")).unwrap();
    std::fs::copy(
        case.join("deployed/aks-list.json"),
        dir.join("deployed/aks-list.json"),
    )
    .unwrap();
    std::fs::write(
        dir.join("tendon.toml"),
        "context = [\"deployed/aks-list.json\"]\n",
    )
    .unwrap();
    let aks = file_uri(&dir.join("aks.json"));
    let text = std::fs::read_to_string(dir.join("aks.json")).unwrap();
    let mut client = Client::start(&dir);
    client.initialize(&dir);
    let aks011 = |d: &[Value]| -> Vec<Value> {
        d.iter()
            .filter(|d| d["code"] == "AKS011")
            .cloned()
            .collect()
    };
    let found = aks011(&client.diagnostics(&aks));
    assert_eq!(codes(&found), [c("AKS011", 18, 76)]);
    assert_eq!(
        found[0]["relatedInformation"][0]["location"]["uri"],
        file_uri(&dir.join("deployed/aks-list.json")).as_str()
    );
    // Edited onto another subnet (the export is kept, not read again): fixed.
    open(&mut client, &aks, &text);
    assert_eq!(
        codes(&aks011(&client.diagnostics(&aks))),
        [c("AKS011", 18, 76)]
    );
    change(
        &mut client,
        &aks,
        2,
        &text.replace("subnets/nodes", "subnets/other"),
    );
    assert_eq!(aks011(&client.diagnostics(&aks)), Vec::<Value>::new());
    // Nothing is published for the export itself: its findings are not the edit's.
    assert_eq!(
        client.pending_publishes(&file_uri(&dir.join("deployed/aks-list.json"))),
        0
    );
    assert_eq!(client.shutdown(), Some(0));
}

/// The message the server shows when it starts in `ws` (a settings error).
fn settings_message(ws: &Path) -> String {
    let mut client = Client::start(ws);
    client.initialize(ws);
    let shown = client.wait(|m| m["method"] == "window/showMessage");
    let text = shown["params"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(client.shutdown(), Some(0));
    text
}

/// Rule folders the workspace's `tendon.toml` names are confined to the
/// workspace folder (the server's root), even when a git work tree above it
/// would hold them; and a finding's code description is a web page only.
#[test]
fn configured_rule_folders_stay_in_the_workspace_and_docs_are_web_pages() {
    let home = scratch("lsp-rule-root");
    std::fs::create_dir_all(home.join(".git")).unwrap();
    std::fs::create_dir_all(home.join("private")).unwrap();
    std::fs::write(
        home.join("private/credentials.toml"),
        "[registry]\ntoken = \"hunter2-secret-value\"\n",
    )
    .unwrap();
    let ws = home.join("downloads/evil");
    std::fs::create_dir_all(&ws).unwrap();
    copy_fixture("fixtures/AKS001/fail", &ws);
    std::fs::write(ws.join("tendon.toml"), "rules = [\"../../private\"]\n").unwrap();
    let text = settings_message(&ws);
    assert!(text.contains("outside the project root"), "{text}");
    assert!(
        !text.contains("registry") && !text.contains("hunter2"),
        "{text}"
    );
    // A rule folder inside the workspace whose docs link is not https: refused.
    std::fs::create_dir_all(ws.join("rules")).unwrap();
    std::fs::write(
        ws.join("rules/EVL001.toml"),
        "id = \"EVL001\"\nslug = \"evil\"\nseverity = \"error\"\nsummary = \"s\"\n\
         select = \"$.clusters[*]\"\nmessage = \"m\"\n\
         docs = \"command:workbench.action.terminal.sendSequence?%7B%7D\"\n",
    )
    .unwrap();
    std::fs::write(ws.join("tendon.toml"), "rules = [\"rules\"]\n").unwrap();
    let text = settings_message(&ws);
    assert!(text.contains("must be an https:// link"), "{text}");
}

/// A template on one 2 MB line with 600 findings: the editor's UTF-16
/// positions come from the line index, not from scanning the line for each
/// finding (that took half a minute).
#[test]
fn many_findings_on_one_long_line_are_published_at_once() {
    let dir = scratch("lsp-long-line");
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let cluster = |i: usize| {
        json!({"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-02-01",
               "name": format!("aks{i}"), "location": "westeurope",
               "properties": {"agentPoolProfiles": [
                   {"name": "sys", "mode": "System", "count": 3},
                   {"name": "win", "count": 2, "osType": "Windows"}],
                 "networkProfile": {"networkPlugin": "kubenet"}}})
    };
    let template = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "metadata": {"pad": "x".repeat(2_000_000)},
        "resources": (0..300).map(cluster).collect::<Vec<_>>(),
    });
    let path = dir.join("main.json");
    std::fs::write(&path, serde_json::to_string(&template).unwrap()).unwrap();
    let started = std::time::Instant::now();
    let mut client = Client::start(&dir);
    client.initialize(&dir);
    let found = client.diagnostics(&file_uri(&path));
    let took = started.elapsed();
    assert!(found.len() >= 600, "{}", found.len());
    assert!(took < std::time::Duration::from_secs(15), "{took:?}");
    assert_eq!(client.shutdown(), Some(0));
}

/// A file deleted while open, with no file watching: once closed, it is
/// gone, not a file that cannot be read.
#[test]
fn a_file_deleted_while_open_is_gone_once_closed() {
    let dir = scratch("lsp-deleted");
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    copy_fixture("fixtures/AKS001/fail", &dir);
    let path = dir.join("azuredeploy.json");
    let uri = file_uri(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut client = Client::start(&dir);
    client.initialize(&dir);
    assert!(!client.diagnostics(&uri).is_empty());
    open(&mut client, &uri, &text);
    assert!(!client.diagnostics(&uri).is_empty());
    std::fs::remove_file(&path).unwrap();
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    assert_eq!(client.shutdown(), Some(0));
}
