//! Lowering tests: the ARM text emitted for Bicep constructs.

use serde_json::{Value as J, json};

use crate::bicep::parser::parse;
use crate::json::{Node, NodeKind};

use super::{FileReader, lower, lower_params};
use crate::confine::Refusal;

struct NoFiles;

impl FileReader for NoFiles {
    fn read(&self, _: &std::path::Path) -> Result<String, Refusal> {
        Err(Refusal::Missing)
    }
}

fn to_json(n: &Node) -> J {
    match &n.kind {
        NodeKind::Null => J::Null,
        NodeKind::Bool(b) => J::Bool(*b),
        NodeKind::Int(i) => json!(i),
        NodeKind::Float(f) => json!(f),
        NodeKind::String(s) => J::String(s.clone()),
        NodeKind::Array(a) => J::Array(a.iter().map(to_json).collect()),
        NodeKind::Object(m) => J::Object(
            m.iter()
                .map(|m| (m.key.clone(), to_json(&m.value)))
                .collect(),
        ),
    }
}

fn template(src: &str) -> J {
    let program = parse(src);
    assert!(program.errors.is_empty(), "{:?}", program.errors);
    to_json(&lower(&program, src.len(), None, &NoFiles).node)
}

fn resource(t: &J, i: usize) -> &J {
    t["resources"]
        .as_object()
        .and_then(|m| m.values().nth(i))
        .unwrap_or(&J::Null)
}

#[test]
fn operators_become_functions() {
    let t = template(
        "param a int\nparam s string\nvar x = a + 2 * 3 == 7 && !(s =~ 'X') ? 'y${s}{z}' : s.?b ?? null\n",
    );
    assert_eq!(
        t["variables"]["x"],
        "[if(and(equals(add(parameters('a'), mul(2, 3)), 7), not(equals(toLower(parameters('s')), toLower('X')))), format('y{0}{{z}}', parameters('s')), coalesce(tryGet(parameters('s'), 'b'), null()))]"
    );
}

#[test]
fn literals_stay_structural_and_brackets_are_escaped() {
    let t = template("var o = {\n  a: 1\n  b: [true, null, -2]\n  c: '[x]'\n}\n");
    assert_eq!(
        t["variables"]["o"],
        json!({"a": 1, "b": [true, null, -2], "c": "[[x]"})
    );
}

#[test]
fn children_parent_and_ids() {
    let t = template(
        "resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {\n  name: 'v'\n  resource sn 'subnets' = {\n    name: 's'\n  }\n}\n\
         resource other 'Microsoft.Network/virtualNetworks/subnets@2023-09-01' = {\n  parent: vnet\n  name: 'o'\n}\n\
         output id string = vnet::sn.id\n",
    );
    assert_eq!(
        resource(&t, 1)["type"],
        "Microsoft.Network/virtualNetworks/subnets"
    );
    assert_eq!(resource(&t, 1)["apiVersion"], "2023-09-01");
    assert_eq!(resource(&t, 1)["name"], "[format('{0}/{1}', 'v', 's')]");
    assert_eq!(
        resource(&t, 1)["dependsOn"],
        json!(["[resourceId('Microsoft.Network/virtualNetworks', 'v')]"])
    );
    assert_eq!(resource(&t, 2)["name"], "[format('{0}/{1}', 'v', 'o')]");
    assert_eq!(
        t["outputs"]["id"]["value"],
        "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]"
    );
}

#[test]
fn loops_conditions_and_batch_size() {
    let t = template(
        "param names array\n@batchSize(2)\nresource rts 'Microsoft.Network/routeTables@2023-09-01' = [for (n, i) in names: if (i > 0) {\n  name: n\n  properties: {\n    routes: [for r in range(0, 2): {\n      name: '${n}-${r}'\n    }]\n  }\n}]\n",
    );
    let r = resource(&t, 0);
    assert_eq!(r["name"], "[parameters('names')[copyIndex()]]");
    assert_eq!(r["condition"], "[greater(copyIndex(), 0)]");
    assert_eq!(
        r["copy"],
        json!({"name": "rts", "count": "[length(parameters('names'))]", "mode": "serial", "batchSize": 2})
    );
    assert_eq!(
        r["properties"]["copy"],
        json!([{"name": "routes", "count": "[length(range(0, 2))]",
                "input": {"name": "[format('{0}-{1}', parameters('names')[copyIndex()], range(0, 2)[copyIndex('routes')])]"}}])
    );
}

#[test]
fn modules_are_linked_deployments() {
    let t = template(
        "module net './net.bicep' = {\n  name: 'net'\n  scope: resourceGroup('rg-net')\n  params: {\n    prefix: '10.0.0.0/16'\n  }\n}\n\
         output sn string = net.outputs.subnetId\n",
    );
    let m = resource(&t, 0);
    assert_eq!(m["type"], "Microsoft.Resources/deployments");
    assert_eq!(m["resourceGroup"], "rg-net");
    assert_eq!(
        m["properties"]["templateLink"],
        json!({"relativePath": "./net.bicep"})
    );
    assert_eq!(
        m["properties"]["expressionEvaluationOptions"],
        json!({"scope": "inner"})
    );
    assert_eq!(
        m["properties"]["parameters"],
        json!({"prefix": {"value": "10.0.0.0/16"}})
    );
    assert_eq!(
        t["outputs"]["sn"]["value"],
        "[reference('net', '2022-09-01').outputs.subnetId.value]"
    );
}

#[test]
fn extension_resources_and_implicit_dependencies() {
    let t = template(
        "resource id 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {\n  name: 'id'\n}\n\
         resource sn 'Microsoft.Network/virtualNetworks/subnets@2023-09-01' existing = {\n  name: 'v/s'\n}\n\
         resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n  name: guid(sn.id, id.id)\n  scope: sn\n  properties: {\n    principalId: id.properties.principalId\n  }\n}\n",
    );
    let ra = resource(&t, 1);
    assert_eq!(
        ra["scope"],
        "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]"
    );
    assert_eq!(
        ra["properties"]["principalId"],
        "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id'), '2023-01-31').principalId]"
    );
    // The existing subnet is not a dependency; the identity is.
    assert_eq!(
        ra["dependsOn"],
        json!(["[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id')]"])
    );
}

#[test]
fn nameof_and_namespaces() {
    let t = template(
        "var c = {\n  'server-name': {}\n}\nvar a = nameof(c['server-name'])\nvar b = sys.toLower(az.resourceGroup().name)\n",
    );
    assert_eq!(t["variables"]["a"], "['server-name']");
    assert_eq!(t["variables"]["b"], "[toLower(resourceGroup().name)]");
}

#[test]
fn bicepparam_document() {
    let src = "using './main.bicep'\nvar env = 'dev'\nparam name = 'aks-${env}'\nparam count = 3\n";
    let program = parse(src);
    let doc = to_json(&lower_params(&program, src.len(), None, &NoFiles).node);
    assert_eq!(doc["using"], "./main.bicep");
    assert_eq!(doc["variables"], json!({"env": "dev"}));
    assert_eq!(
        doc["parameters"],
        json!({"name": {"value": "[format('aks-{0}', variables('env'))]"}, "count": {"value": 3}})
    );
}

#[test]
fn output_and_variable_loops() {
    let t = template(
        "param names array\nvar upper = [for n in names: toUpper(n)]\noutput all array = [for (n, i) in names: '${i}-${n}']\n",
    );
    assert_eq!(
        t["variables"]["copy"],
        json!([{"name": "upper", "count": "[length(parameters('names'))]",
                "input": "[toUpper(parameters('names')[copyIndex('upper')])]"}])
    );
    assert_eq!(
        t["outputs"]["all"],
        json!({"type": "array", "copy": {"count": "[length(parameters('names'))]",
               "input": "[format('{0}-{1}', copyIndex(), parameters('names')[copyIndex()])]"}})
    );
}

/// Files by name, in one virtual folder.
struct MapFiles(Vec<(&'static str, &'static str)>);

impl FileReader for MapFiles {
    fn read(&self, path: &std::path::Path) -> Result<String, Refusal> {
        let name = path.file_name().and_then(|n| n.to_str());
        self.0
            .iter()
            .find(|(n, _)| Some(*n) == name)
            .map(|(_, t)| t.to_string())
            .ok_or(Refusal::Missing)
    }
}

fn template_with(src: &str, files: &[(&'static str, &'static str)]) -> J {
    let program = parse(src);
    assert!(program.errors.is_empty(), "{:?}", program.errors);
    let dir = std::path::Path::new("/virtual");
    to_json(&lower(&program, src.len(), Some(dir), &MapFiles(files.to_vec())).node)
}

const LIB: &str = "@export()\nfunc pool(kind string) object => {\n  name: name(kind)\n  osType: os\n}\n\
    func name(kind string) string => 'np${kind}'\n\
    @export()\nvar os = 'Windows'\n\
    @export()\ntype kind = 'a' | 'b'\n";

#[test]
fn imported_functions_join_the_bicep_namespace() {
    let t = template_with(
        "import {pool, pool as p, kind} from './lib.bicep'\nimport * as lib from './lib.bicep'\n\
         param k kind\nparam k2 lib.kind\n\
         output a object = pool('x')\noutput b object = p('y')\noutput c object = lib.pool(lib.os)\n",
        &[("lib.bicep", LIB)],
    );
    // Both imports copy the file's functions (helpers included) and variables.
    let members = &t["functions"][0]["members"];
    assert_eq!(t["functions"][0]["namespace"], "__bicep");
    assert_eq!(
        members["__imp1_pool"],
        json!({"parameters": [{"name": "kind", "type": "string"}],
               "output": {"type": "object",
                          "value": "[createObject('name', __bicep.__imp1_name(parameters('kind')), 'osType', variables('__imp1_os'))]"}})
    );
    assert_eq!(
        members["__imp2_name"]["output"]["value"],
        "[format('np{0}', parameters('kind'))]"
    );
    assert_eq!(
        t["variables"],
        json!({"__imp1_os": "Windows", "__imp2_os": "Windows"})
    );
    assert_eq!(t["outputs"]["a"]["value"], "[__bicep.__imp1_pool('x')]");
    assert_eq!(t["outputs"]["b"]["value"], "[__bicep.__imp1_pool('y')]");
    assert_eq!(
        t["outputs"]["c"]["value"],
        "[__bicep.__imp2_pool(variables('__imp2_os'))]"
    );
    // Imported types give their ARM type, by name and through the namespace.
    assert_eq!(t["parameters"]["k"]["type"], "string");
    assert_eq!(t["parameters"]["k2"]["type"], "string");
}

#[test]
fn imports_of_imports_and_what_is_not_exported() {
    let lib = "import {name as n} from './names.bicep'\n@export()\nfunc pool(k string) string => n(k)\n\
               func hidden() string => 'h'\nparam p string = 'x'\n@export()\nvar usesParam = p\n";
    let names = "@export()\nfunc name(k string) string => toUpper(k)\n";
    let t = template_with(
        "import {pool, hidden, usesParam} from './lib.bicep'\nimport * as lib from './lib.bicep'\n\
         output a string = pool('x')\noutput b string = hidden()\noutput c string = lib.hidden()\n\
         output d string = usesParam\noutput e string = lib.missing\n",
        &[("lib.bicep", lib), ("names.bicep", names)],
    );
    let members = &t["functions"][0]["members"];
    assert_eq!(
        members["__imp1_pool"]["output"]["value"],
        "[__bicep.__imp1___imp1001_name(parameters('k'))]"
    );
    assert_eq!(
        members["__imp1___imp1001_name"]["output"]["value"],
        "[toUpper(parameters('k'))]"
    );
    assert_eq!(t["outputs"]["a"]["value"], "[__bicep.__imp1_pool('x')]");
    // Not exported: unknown, never resolved to something else.
    for o in ["b", "c", "e"] {
        let v = t["outputs"][o]["value"].as_str().unwrap_or_default();
        assert!(
            v.contains("__tendon_unknown(") && v.contains("export"),
            "{o}: {v}"
        );
    }
    // An imported file's parameter is not the importing template's.
    assert!(
        t["variables"]["__imp1_usesParam"]
            .as_str()
            .is_some_and(|v| v.contains("parameter ''p'' of an imported file")),
        "{}",
        t["variables"]
    );
}

/// Lowers and evaluates `main` (with `.bicepparam` text `params`), returning
/// the first resource's evaluated properties.
fn evaluated(main: &str, params: Option<&str>, files: &[(&'static str, &'static str)]) -> J {
    use crate::arm::template::{NoLoader, Source, evaluate};
    let t = parse(main);
    assert!(t.errors.is_empty(), "{:?}", t.errors);
    let dir = std::path::Path::new("/virtual");
    let reader = MapFiles(files.to_vec());
    let node = lower(&t, main.len(), Some(dir), &reader).node;
    let doc = params.map(|p| {
        let program = parse(p);
        assert!(program.errors.is_empty(), "{:?}", program.errors);
        lower_params(&program, p.len(), Some(dir), &reader).node
    });
    let source = Source {
        node: &node,
        file: 0,
        path: None,
        target: None,
    };
    let dep = evaluate(source, doc.as_ref().map(|d| (d, 1)), &NoLoader);
    assert!(dep.limit_hit.is_none(), "{:?}", dep.limit_hit);
    dep.resources
        .first()
        .map(|r| r.body.to_json()["properties"].clone())
        .unwrap_or(J::Null)
}

const MAIN: &str = "param kind string = 'a'\nresource rt 'Microsoft.Network/routeTables@2023-09-01' = {\n  name: 'rt'\n  properties: {\n    x: pool(kind)\n  }\n}\n";

#[test]
fn imported_functions_evaluate_with_their_files_variables() {
    let main = format!("import {{pool}} from './lib.bicep'\n{MAIN}");
    let props = evaluated(&main, None, &[("lib.bicep", LIB)]);
    assert_eq!(props["x"], json!({"name": "npa", "osType": "Windows"}));
}

#[test]
fn bicepparam_imports_variables_and_functions() {
    let params = "using './main.bicep'\nimport {os, pool} from './lib.bicep'\nimport * as lib from './lib.bicep'\n\
                  var k = lib.pool(os).name\nparam kind = '${k}-${pool('b').osType}'\n";
    let program = parse(params);
    let doc = to_json(
        &lower_params(
            &program,
            params.len(),
            Some(std::path::Path::new("/virtual")),
            &MapFiles(vec![("lib.bicep", LIB)]),
        )
        .node,
    );
    assert_eq!(doc["variables"]["__imp1_os"], "Windows");
    assert_eq!(
        doc["variables"]["k"],
        "[__bicep.__imp2_pool(variables('__imp1_os')).name]"
    );
    assert!(doc["functions"][0]["members"]["__imp1_pool"].is_object());
    let main = format!("import {{pool}} from './lib.bicep'\n{MAIN}");
    let props = evaluated(&main, Some(params), &[("lib.bicep", LIB)]);
    assert_eq!(
        props["x"],
        json!({"name": "npnpWindows-Windows", "osType": "Windows"})
    );
}

#[test]
fn a_resource_in_a_named_group_is_in_the_current_subscription() {
    let t = template(
        "targetScope = 'subscription'\n\
         resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' existing = {\n  name: 'v'\n  scope: resourceGroup('net-rg')\n}\n\
         output id string = vnet.id\n",
    );
    assert_eq!(
        t["outputs"]["id"]["value"],
        "[resourceId(subscription().subscriptionId, 'net-rg', 'Microsoft.Network/virtualNetworks', 'v')]"
    );
}
