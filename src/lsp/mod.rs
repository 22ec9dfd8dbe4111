//! `tendon lsp`: a language server over stdio. The editor's buffers are
//! linted as they are typed, with the whole workspace around them, and every
//! file with findings gets its diagnostics (cross-file rules included).
//!
//! | module | does |
//! |---|---|
//! | `transport` | LSP framing over stdio, bounded; bad messages answered and skipped |
//! | `server` | the handshake and the loop: documents, coalesced re-lints, requests |
//! | `workspace` | the folder, buffers, configuration and rules, parses kept while files are unchanged |
//! | `diagnostics` | findings → LSP diagnostics (UTF-16 ranges, codes, docs, related locations) |
//! | `actions` | quick fixes (suppress with a reason, remove an unused suppression) and hovers |
//! | `text`, `uri` | positions ↔ byte offsets, paths ↔ `file://` URIs |

mod actions;
mod diagnostics;
mod server;
mod text;
mod transport;
mod uri;
mod workspace;

use std::path::PathBuf;

/// Serves over stdin and stdout; the process exit code.
pub fn serve_stdio(rule_dirs: Vec<PathBuf>) -> i32 {
    server::Server::run(transport::Transport::stdio(), rule_dirs)
}
