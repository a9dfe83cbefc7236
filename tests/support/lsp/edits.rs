//! The client's side of the documents, as an editor keeps them: its own copy of each open
//! document, changed as it tells the server, and workspace edits applied to it all or
//! nothing — a versioned edit only at the document's current version.

use std::collections::HashMap;

use serde_json::{Value, json};

/// How `Position.character` counts, as `initialize` negotiated it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
}

#[derive(Clone, Debug)]
struct Doc {
    text: String,
    version: i64,
}

#[derive(Default)]
pub struct Documents {
    open: HashMap<String, Doc>,
    /// Files made by `CreateFile` operations, with the text edits that followed.
    created: HashMap<String, String>,
    pub encoding: Encoding,
}

impl Documents {
    pub fn open(&mut self, uri: &str, text: &str) {
        let doc = Doc {
            text: text.to_string(),
            version: 1,
        };
        self.open.insert(uri.to_string(), doc);
    }

    /// Applies content changes (`[{range?, text}]`) to an open document's copy.
    pub fn change(&mut self, uri: &str, version: i64, changes: &Value) {
        if let Some(doc) = self.open.get_mut(uri) {
            for change in changes.as_array().unwrap() {
                apply(&mut doc.text, change, self.encoding);
            }
            doc.version = version;
        }
    }

    pub fn text(&self, uri: &str) -> String {
        self.open[uri].text.clone()
    }

    pub fn version(&self, uri: &str) -> i64 {
        self.open[uri].version
    }

    /// Applies a `WorkspaceEdit` with `documentChanges`, all or nothing. Returns the answer
    /// to `workspace/applyEdit` and the `didChange` params the editor then sends, one per
    /// document it changed.
    pub fn apply_edit(&mut self, edit: &Value) -> (Value, Vec<Value>) {
        let Some(operations) = edit["documentChanges"].as_array() else {
            let refused =
                json!({"applied": false, "failureReason": "only documentChanges are supported"});
            return (refused, Vec::new());
        };
        let mut notifications = Vec::new();
        let mut next = self.open.clone();
        for operation in operations {
            let uri = operation["uri"].as_str().unwrap_or_default();
            if operation["kind"] == "create" {
                self.created.insert(uri.to_string(), String::new());
                continue;
            }
            let uri = operation["textDocument"]["uri"]
                .as_str()
                .unwrap_or_default();
            let mut edits = operation["edits"].as_array().cloned().unwrap_or_default();
            // Edits refer to the text before any of them: apply them last first.
            edits.sort_by_key(|e| {
                let start = &e["range"]["start"];
                std::cmp::Reverse((start["line"].as_u64(), start["character"].as_u64()))
            });
            let changes: Vec<Value> = edits
                .iter()
                .map(|e| json!({"range": e["range"], "text": e["newText"]}))
                .collect();
            let version = operation["textDocument"]["version"].as_i64();
            match (next.get_mut(uri), version) {
                (Some(doc), Some(version)) if doc.version == version => {
                    changes
                        .iter()
                        .for_each(|c| apply(&mut doc.text, c, self.encoding));
                    doc.version += 1;
                    let document = json!({"uri": uri, "version": doc.version});
                    let params = json!({"textDocument": document, "contentChanges": changes});
                    notifications.push(params);
                }
                (None, None) if self.created.contains_key(uri) => {
                    let text = self.created.get_mut(uri).unwrap();
                    changes.iter().for_each(|c| apply(text, c, self.encoding));
                }
                _ => {
                    let refused = json!({"applied": false, "failureReason": "version mismatch"});
                    return (refused, Vec::new());
                }
            }
        }
        self.open = next;
        (json!({"applied": true}), notifications)
    }
}

/// Applies one content change (`{range?, text}`) to `text`.
fn apply(text: &mut String, change: &Value, encoding: Encoding) {
    let new_text = change["text"].as_str().unwrap_or_default();
    match change.get("range") {
        Some(range) => {
            let start = offset(text, &range["start"], encoding);
            let end = offset(text, &range["end"], encoding).max(start);
            text.replace_range(start..end, new_text);
        }
        None => *text = new_text.to_string(),
    }
}

/// The byte offset of an LSP position; past a line's end means its end, past the last
/// line means the end of the text.
fn offset(text: &str, position: &Value, encoding: Encoding) -> usize {
    let mut start = 0;
    for _ in 0..position["line"].as_u64().unwrap_or(0) {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let wanted = position["character"].as_u64().unwrap_or(0) as usize;
    let mut units = 0;
    for (i, c) in text[start..end].char_indices() {
        if wanted <= units {
            return start + i;
        }
        units += match encoding {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        };
    }
    end
}
