//! The server loop: the initialize handshake, then every message in turn.
//! Edits are coalesced: after a message, those already queued are handled
//! before the workspace is linted again, so a burst of keystrokes costs one
//! run, and no run waits for a timer.

use std::collections::BTreeMap;
use std::path::PathBuf;

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Notification as _, PublishDiagnostics, ShowMessage,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, Request as _};
use lsp_types::{
    CodeActionOrCommand, CodeActionParams, CodeActionProviderCapability,
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, FileChangeType, Hover, HoverContents,
    HoverParams, HoverProviderCapability, InitializeParams, MarkupContent, MarkupKind, MessageType,
    PublishDiagnosticsParams, SaveOptions, ServerCapabilities, ServerInfo, ShowMessageParams,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions,
};

use crate::lsp::transport::{Incoming, Outgoing, Transport};
use crate::lsp::workspace::Workspace;
use crate::lsp::{actions, diagnostics, uri};

/// What a message asks of the loop.
#[derive(Default)]
struct After {
    relint: bool,
    reload: bool,
    exit: bool,
}

pub struct Server {
    transport: Transport,
    ws: Workspace,
    /// What was last published per file, with the document version (to send
    /// only changes, and to clear fixed files).
    published: BTreeMap<PathBuf, (Option<i32>, Vec<lsp_types::Diagnostic>)>,
    /// Open documents' versions, sent with their diagnostics.
    versions: std::collections::HashMap<PathBuf, i32>,
    shutdown: bool,
}

/// The id of the request that registers the file watcher.
const WATCH_REQUEST: &str = "tendon-watch";

impl Server {
    /// Serves until `exit` or the end of the input; the exit code the spec
    /// asks for (0 after `shutdown`, else 1).
    pub fn run(transport: Transport, rule_dirs: Vec<PathBuf>) -> i32 {
        let Some((id, params)) = handshake(&transport) else {
            transport.finish();
            return 1;
        };
        let root = workspace_root(&params);
        let watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            == Some(true);
        let mut server = Server {
            transport,
            ws: Workspace::new(root, rule_dirs),
            published: BTreeMap::new(),
            versions: std::collections::HashMap::new(),
            shutdown: false,
        };
        server.respond(Response::new_ok(id, initialize_result()));
        if watch {
            server.watch_files();
        }
        let mut after = After {
            relint: true,
            reload: true,
            exit: false,
        };
        loop {
            if after.exit {
                break;
            }
            if after.reload {
                if let Err(message) = server.ws.reload_settings() {
                    server.show(MessageType::ERROR, message);
                }
                after.reload = false;
            }
            if after.relint {
                server.lint_and_publish();
                after.relint = false;
            }
            let Ok(first) = server.transport.incoming.recv() else {
                break;
            };
            server.handle(first, &mut after);
            // Coalesce what is already queued.
            while !after.exit {
                let Ok(next) = server.transport.incoming.try_recv() else {
                    break;
                };
                server.handle(next, &mut after);
            }
        }
        let code = if server.shutdown { 0 } else { 1 };
        server.transport.finish();
        code
    }

    /// Asks the client to report created, changed and deleted files (changed
    /// outside the editor): templates, parameter files and configuration,
    /// and what Bicep files import or load, which can be any file.
    fn watch_files(&self) {
        let options = serde_json::json!({
            "watchers": [{"globPattern": "**/*"}]
        });
        let params = serde_json::json!({"registrations": [{
            "id": "tendon-watched-files",
            "method": DidChangeWatchedFiles::METHOD,
            "registerOptions": options,
        }]});
        self.send(Message::Request(Request::new(
            RequestId::from(WATCH_REQUEST.to_string()),
            "client/registerCapability".to_string(),
            params,
        )));
    }

    fn send(&self, m: Message) {
        let _ = self.transport.outgoing.send(Outgoing::Message(m));
    }

    fn respond(&self, r: Response) {
        self.send(Message::Response(r));
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.send(Message::Notification(Notification::new(
            N::METHOD.to_string(),
            params,
        )));
    }

    fn show(&self, typ: MessageType, message: String) {
        self.notify::<ShowMessage>(ShowMessageParams { typ, message });
    }

    fn handle(&mut self, incoming: Incoming, after: &mut After) {
        match incoming {
            Incoming::Bad { code, message } => {
                let _ = self
                    .transport
                    .outgoing
                    .send(Outgoing::Error { code, message });
            }
            Incoming::Message(Message::Request(req)) => self.request(req),
            Incoming::Message(Message::Notification(n)) => self.notification(n, after),
            Incoming::Message(Message::Response(r)) => {
                // Kept parses of files on disk are trusted once the editor
                // has agreed to report their changes.
                if r.id == RequestId::from(WATCH_REQUEST.to_string()) {
                    self.ws.watched = r.response_result.is_ok();
                }
            }
        }
    }

    fn request(&mut self, req: Request) {
        let id = req.id.clone();
        if self.shutdown && req.method != "shutdown" {
            return self.error(id, ErrorCode::InvalidRequest, "the server is shutting down");
        }
        match req.method.as_str() {
            "shutdown" => {
                self.shutdown = true;
                self.respond(Response::new_ok(id, ()));
            }
            CodeActionRequest::METHOD => match params::<CodeActionParams>(req) {
                Ok(p) => {
                    let result = self.code_actions(&p);
                    self.respond(Response::new_ok(id, result));
                }
                Err(e) => self.error(id, ErrorCode::InvalidParams, &e),
            },
            HoverRequest::METHOD => match params::<HoverParams>(req) {
                Ok(p) => {
                    let result = self.hover(&p);
                    self.respond(Response::new_ok(id, result));
                }
                Err(e) => self.error(id, ErrorCode::InvalidParams, &e),
            },
            _ => self.error(id, ErrorCode::MethodNotFound, "method not supported"),
        }
    }

    fn error(&self, id: RequestId, code: ErrorCode, message: &str) {
        self.respond(Response::new_err(id, code as i32, message.to_string()));
    }

    fn notification(&mut self, n: Notification, after: &mut After) {
        let settings = |p: &std::path::Path| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name == "tendon.toml" || name == ".tendon.toml" || name.ends_with(".toml")
        };
        match n.method.as_str() {
            "exit" => after.exit = true,
            DidOpenTextDocument::METHOD => {
                if let Ok(p) = params::<DidOpenTextDocumentParams>(n)
                    && let Some(path) = uri::to_path(&p.text_document.uri)
                {
                    if !self.ws.listed(&path) {
                        self.ws.relist();
                    }
                    self.versions.insert(path.clone(), p.text_document.version);
                    self.ws.buffers.insert(path, p.text_document.text);
                    after.relint = true;
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) = params::<DidChangeTextDocumentParams>(n)
                    && let Some(path) = uri::to_path(&p.text_document.uri)
                    // Full sync: the last change holds the whole text.
                    && let Some(change) = p.content_changes.into_iter().last()
                {
                    after.reload |= settings(&path);
                    self.versions.insert(path.clone(), p.text_document.version);
                    self.ws.buffers.insert(path, change.text);
                    after.relint = true;
                }
            }
            DidSaveTextDocument::METHOD => {
                if let Ok(p) = params::<DidSaveTextDocumentParams>(n)
                    && let Some(path) = uri::to_path(&p.text_document.uri)
                {
                    if !self.ws.listed(&path) {
                        self.ws.relist();
                    }
                    after.reload |= settings(&path);
                    after.relint = true;
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) = params::<DidCloseTextDocumentParams>(n)
                    && let Some(path) = uri::to_path(&p.text_document.uri)
                {
                    // The file on disk counts again; if it is gone (deleted
                    // while open, with no watcher to say so), so is the file.
                    self.ws.buffers.remove(&path);
                    self.versions.remove(&path);
                    self.ws.forget(&path);
                    if self.ws.listed(&path) && std::fs::symlink_metadata(&path).is_err() {
                        self.ws.relist();
                    }
                    after.reload |= settings(&path);
                    after.relint = true;
                }
            }
            DidChangeWatchedFiles::METHOD => {
                if let Ok(p) = params::<DidChangeWatchedFilesParams>(n) {
                    for change in p.changes {
                        let Some(path) = uri::to_path(&change.uri) else {
                            continue;
                        };
                        // Every file is watched, for imports and `load*Content`
                        // files; a file nothing reads changes nothing.
                        let linted = settings(&path) || lintable(&path);
                        if !linted && !self.ws.compiled_from(&path) {
                            continue;
                        }
                        after.reload |= settings(&path);
                        self.ws.forget(&path);
                        if linted && change.typ != FileChangeType::CHANGED {
                            self.ws.relist();
                        }
                        after.relint = true;
                    }
                }
            }
            _ => {}
        }
    }

    fn lint_and_publish(&mut self) {
        let outcome = match self.ws.lint() {
            Ok(o) => o,
            Err(message) => {
                self.show(MessageType::ERROR, message);
                return;
            }
        };
        if std::env::var_os("TENDON_LSP_TIMINGS").is_some() {
            let stages: Vec<String> = outcome
                .timings
                .iter()
                .map(|(stage, t)| format!("{stage} {:.1} ms", t.as_secs_f64() * 1000.0))
                .collect();
            eprintln!("tendon lsp: {}", stages.join(", "));
        }
        let mut files = diagnostics::by_file(outcome);
        // Open documents are answered at every version, even when clean.
        for path in self.versions.keys() {
            files.entry(path.clone()).or_default();
        }
        for gone in self.published.keys() {
            files.entry(gone.clone()).or_default();
        }
        let mut messages = Vec::new();
        for (path, list) in files {
            let version = self.versions.get(&path).copied();
            // Only what changed is sent: a keystroke in one file does not
            // resend every file's diagnostics.
            let same = self
                .published
                .get(&path)
                .is_some_and(|(v, old)| *v == version && *old == list);
            let clean_and_unknown =
                list.is_empty() && version.is_none() && !self.published.contains_key(&path);
            if same || clean_and_unknown {
                continue;
            }
            if let Some(u) = std::path::absolute(&path)
                .ok()
                .and_then(|p| uri::from_path(&p))
            {
                messages.push(PublishDiagnosticsParams::new(u, list.clone(), version));
            }
            if list.is_empty() && version.is_none() {
                self.published.remove(&path);
            } else {
                self.published.insert(path, (version, list));
            }
        }
        for m in messages {
            self.notify::<PublishDiagnostics>(m);
        }
    }

    /// The document's text: the editor's buffer, else the last run's.
    /// Borrowed: a code action or hover on a large file copies nothing.
    fn text_of(&self, u: &lsp_types::Uri) -> Option<&str> {
        let path = uri::to_path(u)?;
        if let Some(t) = self.ws.buffers.get(&path) {
            return Some(t);
        }
        let last = self.ws.last.as_ref()?;
        last.sources
            .iter()
            .find(|(_, f)| std::path::absolute(&f.path).ok().as_deref() == Some(path.as_path()))
            .map(|(_, f)| f.text.as_str())
    }

    fn code_actions(&self, p: &CodeActionParams) -> Vec<CodeActionOrCommand> {
        let Some(text) = self.text_of(&p.text_document.uri) else {
            return Vec::new();
        };
        actions::code_actions(
            &p.text_document.uri,
            text,
            &p.context.diagnostics,
            &self.ws.rules,
        )
        .into_iter()
        .map(CodeActionOrCommand::CodeAction)
        .collect()
    }

    fn hover(&self, p: &HoverParams) -> Option<Hover> {
        let doc = &p.text_document_position_params;
        let text = self.text_of(&doc.text_document.uri)?;
        let (value, range) = actions::hover(text, doc.position, &self.ws.rules)?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::PlainText,
                value,
            }),
            range: Some(range),
        })
    }
}

fn params<P: serde::de::DeserializeOwned>(m: impl Into<Message>) -> Result<P, String> {
    let value = match m.into() {
        Message::Request(r) => r.params,
        Message::Notification(n) => n.params,
        Message::Response(_) => serde_json::Value::Null,
    };
    serde_json::from_value(value).map_err(|e| format!("invalid params: {e}"))
}

/// Waits for `initialize`, answering anything before it with an error.
fn handshake(t: &Transport) -> Option<(RequestId, InitializeParams)> {
    loop {
        match t.incoming.recv().ok()? {
            Incoming::Message(Message::Request(req)) if req.method == "initialize" => {
                let id = req.id.clone();
                match params::<InitializeParams>(req) {
                    Ok(p) => return Some((id, p)),
                    Err(e) => {
                        let r = Response::new_err(id, ErrorCode::InvalidParams as i32, e);
                        let _ = t.outgoing.send(Outgoing::Message(Message::Response(r)));
                    }
                }
            }
            Incoming::Message(Message::Request(req)) => {
                let r = Response::new_err(
                    req.id,
                    ErrorCode::ServerNotInitialized as i32,
                    "the server is not initialized".into(),
                );
                let _ = t.outgoing.send(Outgoing::Message(Message::Response(r)));
            }
            Incoming::Message(Message::Notification(n)) if n.method == "exit" => return None,
            Incoming::Bad { code, message } => {
                let _ = t.outgoing.send(Outgoing::Error { code, message });
            }
            Incoming::Message(_) => {}
        }
    }
}

/// The first workspace folder, else the root URI, else the working directory.
#[allow(deprecated)]
fn workspace_root(p: &InitializeParams) -> PathBuf {
    let from_folder = p
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .and_then(|f| uri::to_path(&f.uri));
    let from_root = p.root_uri.as_ref().and_then(uri::to_path);
    from_folder
        .or(from_root)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}

fn initialize_result() -> serde_json::Value {
    let caps = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..Default::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        ..Default::default()
    };
    serde_json::json!({
        "capabilities": caps,
        "serverInfo": ServerInfo {
            name: "tendon".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        },
    })
}

/// A file tendon lints or reads as a template, parameter file or export.
fn lintable(path: &std::path::Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    ["json", "jsonc", "bicep", "bicepparam"]
        .iter()
        .any(|e| ext.eq_ignore_ascii_case(e))
}
