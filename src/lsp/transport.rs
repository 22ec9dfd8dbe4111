//! JSON-RPC over stdio with LSP framing (`Content-Length` headers), bounded:
//! a message larger than [`MAX_MESSAGE_BYTES`] or one that is not JSON-RPC
//! is answered with an error and skipped, and the server goes on. (The
//! `lsp-server` crate's reader allocates whatever length a header claims
//! and stops at the first malformed message.)

use std::io::{BufRead, Read, Write};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

use lsp_server::Message;

/// The largest message read: a buffer of the largest file tendon parses,
/// JSON-escaped, with room to spare.
pub const MAX_MESSAGE_BYTES: usize = 160 << 20;

/// What the reader hands the server.
pub enum Incoming {
    Message(Message),
    /// A message that could not be read: answered with this JSON-RPC error.
    Bad {
        code: i32,
        message: String,
    },
}

/// What the server hands the writer.
pub enum Outgoing {
    Message(Message),
    /// An error response to a request whose id could not be read.
    Error {
        code: i32,
        message: String,
    },
}

pub struct Transport {
    pub incoming: Receiver<Incoming>,
    pub outgoing: Sender<Outgoing>,
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
}

impl Transport {
    pub fn stdio() -> Transport {
        Transport::over(std::io::stdin(), std::io::stdout())
    }

    pub fn over<R, W>(input: R, output: W) -> Transport
    where
        R: Read + Send + 'static,
        W: Write + Send + 'static,
    {
        let (in_tx, in_rx) = channel();
        let (out_tx, out_rx) = channel::<Outgoing>();
        let reader = std::thread::spawn(move || {
            let mut input = std::io::BufReader::new(input);
            loop {
                let item = match read_message(&mut input) {
                    Ok(Some(text)) => match serde_json::from_slice::<Message>(&text) {
                        Ok(m) => Incoming::Message(m),
                        Err(e) => Incoming::Bad {
                            code: -32700,
                            message: format!("not a JSON-RPC message: {e}"),
                        },
                    },
                    Ok(None) => break,
                    Err(Framing::Skipped(message)) => Incoming::Bad {
                        code: -32600,
                        message,
                    },
                    Err(Framing::Broken) => break,
                };
                if in_tx.send(item).is_err() {
                    break;
                }
            }
        });
        let writer = std::thread::spawn(move || {
            let mut output = std::io::BufWriter::new(output);
            for item in out_rx {
                let text = match item {
                    Outgoing::Message(m) => serde_json::to_string(&Framed(&m)),
                    Outgoing::Error { code, message } => {
                        serde_json::to_string(&serde_json::json!({
                            "jsonrpc": "2.0", "id": null, "error": {"code": code, "message": message}
                        }))
                    }
                };
                let Ok(text) = text else { continue };
                let written = write!(output, "Content-Length: {}\r\n\r\n", text.len())
                    .and_then(|()| output.write_all(text.as_bytes()))
                    .and_then(|()| output.flush());
                if written.is_err() {
                    break;
                }
            }
        });
        Transport {
            incoming: in_rx,
            outgoing: out_tx,
            reader,
            writer,
        }
    }

    /// Waits for the writer to flush what was sent (the reader may still
    /// block on its input, so it is left to end with the process).
    pub fn finish(self) {
        let Transport {
            outgoing,
            writer,
            reader,
            incoming,
        } = self;
        drop(outgoing);
        drop(incoming);
        let _ = writer.join();
        drop(reader);
    }
}

/// A message with the `jsonrpc` member the `Message` type leaves out.
struct Framed<'a>(&'a Message);

impl serde::Serialize for Framed<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut v = serde_json::to_value(self.0).map_err(serde::ser::Error::custom)?;
        if let serde_json::Value::Object(o) = &mut v {
            o.insert("jsonrpc".into(), "2.0".into());
        }
        v.serialize(s)
    }
}

enum Framing {
    /// The message was read past and dropped (too large, bad header).
    Skipped(String),
    /// The stream cannot be read on.
    Broken,
}

/// One message's body; `None` at the end of the input.
fn read_message(input: &mut impl BufRead) -> Result<Option<Vec<u8>>, Framing> {
    let mut length: Option<usize> = None;
    let mut bad_header = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        // Header lines are short; a longer one is garbage, read past in pieces.
        let n = input
            .by_ref()
            .take(8192)
            .read_until(b'\n', &mut line)
            .map_err(|_| Framing::Broken)?;
        if n == 0 {
            return if length.is_none() && bad_header.is_none() {
                Ok(None)
            } else {
                Err(Framing::Broken)
            };
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() && line.ends_with(b"\n") {
            break;
        }
        match text.split_once(':') {
            Some((name, value)) if name.eq_ignore_ascii_case("Content-Length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => bad_header = Some("bad Content-Length header".to_string()),
                }
            }
            Some(_) => {}
            None => bad_header = Some("malformed header line".to_string()),
        }
    }
    let Some(length) = length else {
        return Err(Framing::Skipped(
            bad_header.unwrap_or_else(|| "no Content-Length header".into()),
        ));
    };
    if length > MAX_MESSAGE_BYTES {
        // Read past it without keeping it.
        let skipped = std::io::copy(
            &mut input.by_ref().take(length as u64),
            &mut std::io::sink(),
        )
        .map_err(|_| Framing::Broken)?;
        if skipped < length as u64 {
            return Err(Framing::Broken);
        }
        return Err(Framing::Skipped(format!(
            "message of {length} bytes is larger than the limit of {MAX_MESSAGE_BYTES}"
        )));
    }
    let mut body = Vec::new();
    input
        .by_ref()
        .take(length as u64)
        .read_to_end(&mut body)
        .map_err(|_| Framing::Broken)?;
    if body.len() < length {
        return Err(Framing::Broken);
    }
    if let Some(message) = bad_header {
        return Err(Framing::Skipped(message));
    }
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn reads_frames_and_skips_what_it_cannot_use() {
        let text = format!(
            "{}Content-Length: 999999999999\r\n\r\n{}",
            frame("{\"a\":1}"),
            frame("x")
        );
        let mut input = std::io::Cursor::new(text.into_bytes());
        assert_eq!(
            read_message(&mut input).ok().flatten().unwrap(),
            b"{\"a\":1}"
        );
        // The huge message is not there to read past: the stream is broken.
        assert!(matches!(read_message(&mut input), Err(Framing::Broken)));
        let mut input =
            std::io::Cursor::new(format!("Content-Length: x\r\n\r\n{}", frame("{}")).into_bytes());
        assert!(matches!(read_message(&mut input), Err(Framing::Skipped(_))));
        assert_eq!(read_message(&mut input).ok().flatten().unwrap(), b"{}");
        let mut input = std::io::Cursor::new(Vec::new());
        assert!(read_message(&mut input).ok().unwrap().is_none());
    }
}
