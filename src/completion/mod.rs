//! Inline completion: Hephaestus as ghost text while the user types.
//!
//! `around` cuts what the model is shown (the window at the cursor, what the tree and the
//! index know), `prompt` turns it into a fill-in-the-middle call or, for chat-only models,
//! a chat that asks for the middle only, `suggest` asks and stops reading as soon as the
//! cursor's `Shape` is full, `answer::clean` makes the text showable, and `Cache` keeps
//! suggestions by place. Debouncing and superseding belong to the face that sees
//! keystrokes (the language server).

mod answer;
mod around;
mod cache;

pub use answer::{Shape, clean};
pub use around::{Around, Cursor, around};
pub use cache::{Cache, Place};

use futures_util::StreamExt;

use crate::config::{AgentConfig, CompletionApi, CompletionConfig};
use crate::context::ContextPiece;
use crate::providers::{
    ChatRequest, FillRequest, ProviderClient, ProviderError, StreamEvent, Usage,
};
use crate::roles::Fence;

/// What one model call produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggested {
    /// The model's text as read (up to where the shape was full).
    pub raw: String,
    /// What the editor shows; `None` when nothing usable came back.
    pub text: Option<String>,
    pub usage: Option<Usage>,
}

/// Asks `client` for the middle of `around` and reads until the suggestion's shape is full
/// (then the stream is dropped, which closes the connection). `so_far` is told the text
/// as it arrives (the server keeps a call whose start the user is typing).
pub async fn suggest(
    client: &ProviderClient,
    agent: &AgentConfig,
    config: &CompletionConfig,
    around: &Around,
    so_far: impl Fn(&str),
) -> Result<Suggested, ProviderError> {
    let shape = Shape::at(&around.prefix, &around.suffix, config.max_lines);
    let api = config.api_for(agent);
    let mut events = match api {
        CompletionApi::Fill(endpoint) => {
            let request = fill_request(agent, config, around);
            match client.fill_stream(endpoint, &request).await {
                Some(events) => events?,
                None => client.stream(&chat_request(agent, config, around)).await?,
            }
        }
        CompletionApi::Chat | CompletionApi::Auto => {
            client.stream(&chat_request(agent, config, around)).await?
        }
    };
    let mut raw = String::new();
    let mut usage = None;
    while let Some(event) = events.next().await {
        match event? {
            StreamEvent::Text(piece) => {
                raw.push_str(&piece);
                so_far(&raw);
                if shape.is_satisfied(&raw) {
                    break;
                }
            }
            StreamEvent::Usage(u) => usage = Some(u),
            StreamEvent::Finish(_) => {}
        }
    }
    let text = clean(&raw, &around.prefix, &around.suffix, &shape);
    Ok(Suggested { raw, text, usage })
}

/// The FIM call: the pieces the window does not show go first, as comments of the file's
/// language, so the model reads them as part of the file.
pub fn fill_request(
    agent: &AgentConfig,
    config: &CompletionConfig,
    around: &Around,
) -> FillRequest {
    let mut prefix = String::new();
    if let Some(comment) = around.comment {
        for piece in &around.pieces {
            prefix.push_str(&commented(comment, piece));
        }
    }
    prefix.push_str(&around.prefix);
    FillRequest {
        prefix,
        suffix: around.suffix.clone(),
        max_tokens: config.max_tokens,
        temperature: agent.temperature,
        stop: Vec::new(),
    }
}

/// The chat call for models without a FIM endpoint: the file with a cursor mark, fenced
/// as data, and an instruction to answer with the inserted text only.
pub fn chat_request(
    agent: &AgentConfig,
    config: &CompletionConfig,
    around: &Around,
) -> ChatRequest {
    let fence = Fence::new();
    let system = format!(
        "You are a code completion engine. The user's file is given with the cursor marked \
         {CURSOR}. Answer with exactly the text to insert at the cursor: no explanation, no \
         code fence, and none of the text before or after the cursor repeated. If nothing \
         should be inserted, answer with nothing. {}",
        fence.rule()
    );
    let mut user = String::new();
    for piece in &around.pieces {
        user.push_str(&fence.wrap(piece, false));
    }
    user.push_str(&fence.wrap_text(
        "the file at the cursor",
        &format!("{}{CURSOR}{}", around.prefix, around.suffix),
    ));
    let mut request = ChatRequest::new(agent, Some(system), user);
    request.max_tokens = config.max_tokens.min(agent.max_tokens);
    request
}

/// How the chat prompt marks the cursor.
const CURSOR: &str = "<CURSOR>";

fn commented(comment: &str, piece: &ContextPiece) -> String {
    let mut out = format!("{comment} {}\n", piece.label);
    for line in piece.text.lines() {
        out.push_str(comment);
        out.push(' ');
        out.push_str(line);
        out.push('\n');
    }
    out
}
