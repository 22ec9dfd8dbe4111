// Starts `tendon lsp` over stdio for ARM (JSON) and Bicep files; the server
// does the linting, this only wires it to VS Code.

import * as path from "node:path";
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("tendon")) {
        await restart();
      }
    }),
    vscode.commands.registerCommand("tendon.restart", restart),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

function serverOptions(): ServerOptions {
  const config = vscode.workspace.getConfiguration("tendon");
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  // Relative settings are the workspace's, not the editor's working folder.
  const resolve = (p: string) =>
    folder !== undefined && !path.isAbsolute(p) ? path.join(folder, p) : p;
  let command = config.get<string>("path", "tendon") || "tendon";
  // A bare name is looked up on the PATH; a relative path is the workspace's.
  if (command.includes("/") || command.includes("\\")) {
    command = resolve(command);
  }
  const args = ["lsp"];
  for (const dir of config.get<string[]>("rules", [])) {
    args.push("--rules", resolve(dir));
  }
  return {
    command,
    args,
    transport: TransportKind.stdio,
    options: folder !== undefined ? { cwd: folder } : {},
  };
}

function clientOptions(): LanguageClientOptions {
  return {
    documentSelector: ["json", "jsonc", "bicep", "bicep-params"].map((language) => ({
      scheme: "file",
      language,
    })),
    synchronize: {
      // The server re-reads what changed on disk: templates, parameter
      // files, the configuration and rule files, and what Bicep files
      // import or load with load*Content (any file; it ignores the rest).
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*"),
    },
  };
}

async function start(): Promise<void> {
  client = new LanguageClient("tendon", "tendon", serverOptions(), clientOptions());
  try {
    await client.start();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    void vscode.window.showErrorMessage(
      `tendon: could not start \`tendon lsp\` (${message}); set "tendon.path" to the binary.`,
    );
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running !== undefined && running.isRunning()) {
    await running.stop();
  }
}

async function restart(): Promise<void> {
  await stop();
  await start();
}
