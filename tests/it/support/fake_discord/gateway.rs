//! The fake Discord's gateway: a websocket server speaking JSON text frames.
//! HELLO → IDENTIFY (token and intents checked, recorded) → READY; heartbeats
//! answered with op 11; RESUME answered with RESUMED; dispatches and
//! reconnect requests come from the test through the session's channel.
//! [`GatewayMode`] makes it refuse, stall, stay silent or refuse the token.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use super::{objects, GatewayCommand, GatewayMode, Identify, Resume, Shared};
use super::{HEARTBEAT_INTERVAL_MS, TOKEN};

/// GUILD_MEMBERS, GUILD_PRESENCES and MESSAGE_CONTENT: refused with close 4014.
const PRIVILEGED_INTENTS: u64 = (1 << 1) | (1 << 8) | (1 << 15);

/// What a connection does next.
enum Action {
    Send(Value),
    Close(u16, &'static str),
    /// End the connection without a close frame.
    Drop,
}

/// Accepts gateway connections until aborted; dropping this future ends them all.
pub(super) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        // A failed accept (e.g. a reset before accept) only loses that connection.
        if let Ok((stream, _)) = listener.accept().await {
            connections.spawn(connection(stream, Arc::clone(&shared)));
        }
    }
}

async fn connection(stream: TcpStream, shared: Arc<Shared>) {
    let mode = shared.lock().gateway_mode;
    match mode {
        GatewayMode::Refuse | GatewayMode::Stall => {
            shared.update(|state| state.gateway_connections += 1);
            if mode == GatewayMode::Stall {
                // Held open, never answered, until the fake is dropped.
                let _held = stream;
                std::future::pending::<()>().await;
            }
            return;
        }
        GatewayMode::Normal | GatewayMode::NoHello | GatewayMode::RejectToken => {}
    }
    let Ok(socket) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    if mode == GatewayMode::NoHello {
        shared.update(|state| state.gateway_connections += 1);
        let (_sink, mut source) = socket.split();
        while let Some(Ok(_)) = source.next().await {}
        return;
    }
    let (mut sink, mut source) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel();
    shared.update(|state| state.gateway_connections += 1);
    let hello = json!({
        "op": 10,
        "d": { "heartbeat_interval": HEARTBEAT_INTERVAL_MS },
        "s": null,
        "t": null,
    });
    let mut session: Option<String> = None;
    let mut actions = vec![Action::Send(hello)];
    'connection: loop {
        for action in actions.drain(..) {
            let sent = match action {
                Action::Send(payload) => sink.send(Message::Text(payload.to_string())).await,
                Action::Close(code, reason) => {
                    let frame = CloseFrame {
                        code: CloseCode::from(code),
                        reason: reason.into(),
                    };
                    // The peer may already be gone; the connection ends either way.
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    break 'connection;
                }
                Action::Drop => break 'connection,
            };
            if sent.is_err() {
                break 'connection;
            }
        }
        tokio::select! {
            frame = source.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    actions = match serde_json::from_str::<Value>(&text) {
                        Ok(payload) => on_payload(&shared, &tx, &mut session, &payload),
                        Err(_) => vec![Action::Close(4002, "Error while decoding payload.")],
                    };
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            Some(command) = rx.recv() => {
                actions = on_command(&shared, &session, command);
            }
        }
    }
    shared.update(|state| {
        if state.current.as_ref().is_some_and(|c| c.same_channel(&tx)) {
            state.current = None;
        }
        let shard = session
            .as_ref()
            .and_then(|s| state.session_shards.get(s).copied());
        if let Some(shard) = shard {
            state.shard_closed(shard, &tx);
        }
    });
}

fn bare_token(token: &str) -> &str {
    token.strip_prefix("Bot ").unwrap_or(token)
}

fn on_payload(
    shared: &Shared,
    tx: &mpsc::UnboundedSender<GatewayCommand>,
    session: &mut Option<String>,
    payload: &Value,
) -> Vec<Action> {
    let d = payload.get("d").unwrap_or(&Value::Null);
    match payload.get("op").and_then(Value::as_u64) {
        Some(1) => {
            shared.update(|state| state.heartbeats += 1);
            vec![Action::Send(
                json!({ "op": 11, "d": null, "s": null, "t": null }),
            )]
        }
        Some(2) => identify(shared, tx, session, d),
        Some(6) => resume(shared, tx, session, d),
        // Presence, voice state, request members, soundboard: accepted, ignored.
        Some(3 | 4 | 8 | 31) => Vec::new(),
        _ => vec![Action::Close(4001, "Unknown opcode.")],
    }
}

fn identify(
    shared: &Shared,
    tx: &mpsc::UnboundedSender<GatewayCommand>,
    session: &mut Option<String>,
    d: &Value,
) -> Vec<Action> {
    if session.is_some() {
        return vec![Action::Close(4005, "Already authenticated.")];
    }
    let token = d.get("token").and_then(Value::as_str).unwrap_or_default();
    let intents = d.get("intents").and_then(Value::as_u64).unwrap_or(0);
    let shard = d.get("shard").cloned().unwrap_or_else(|| json!([0, 1]));
    let shard_pair = [0, 1].map(|i| shard.get(i).and_then(Value::as_u64).unwrap_or(i as u64));
    let resume_url = shared.gateway_url.clone();
    shared.update(|state| {
        state.identifies.push(Identify {
            token: token.to_owned(),
            intents,
            shard: shard_pair,
        });
        if bare_token(token) != TOKEN || state.gateway_mode == GatewayMode::RejectToken {
            return vec![Action::Close(4004, "Authentication failed.")];
        }
        if intents & PRIVILEGED_INTENTS != 0 {
            return vec![Action::Close(4014, "Disallowed intent(s).")];
        }
        let session_id = format!("fake-session-{}", state.new_id());
        state.sessions.insert(session_id.clone(), 1);
        state.current = Some(tx.clone());
        state
            .session_shards
            .insert(session_id.clone(), shard_pair[0]);
        state.shard_opened(shard_pair[0], tx);
        let ready = objects::ready(&session_id, &resume_url, &shard);
        *session = Some(session_id);
        vec![Action::Send(
            json!({ "op": 0, "s": 1, "t": "READY", "d": ready }),
        )]
    })
}

fn resume(
    shared: &Shared,
    tx: &mpsc::UnboundedSender<GatewayCommand>,
    session: &mut Option<String>,
    d: &Value,
) -> Vec<Action> {
    let token = d.get("token").and_then(Value::as_str).unwrap_or_default();
    let session_id = d
        .get("session_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let seq = d.get("seq").and_then(Value::as_u64).unwrap_or(0);
    shared.update(|state| {
        state.resumes.push(Resume {
            session_id: session_id.clone(),
            seq,
        });
        if bare_token(token) != TOKEN || state.gateway_mode == GatewayMode::RejectToken {
            return vec![Action::Close(4004, "Authentication failed.")];
        }
        let Some(last) = state.sessions.get_mut(&session_id) else {
            return vec![Action::Send(
                json!({ "op": 9, "d": false, "s": null, "t": null }),
            )];
        };
        *last += 1;
        let seq = *last;
        state.current = Some(tx.clone());
        if let Some(shard) = state.session_shards.get(&session_id).copied() {
            state.shard_opened(shard, tx);
        }
        *session = Some(session_id);
        vec![Action::Send(
            json!({ "op": 0, "s": seq, "t": "RESUMED", "d": {} }),
        )]
    })
}

fn on_command(shared: &Shared, session: &Option<String>, command: GatewayCommand) -> Vec<Action> {
    let Some(session_id) = session else {
        return Vec::new();
    };
    match command {
        GatewayCommand::Dispatch { event, data } => shared.update(|state| {
            let Some(last) = state.sessions.get_mut(session_id) else {
                return Vec::new();
            };
            *last += 1;
            vec![Action::Send(
                json!({ "op": 0, "s": *last, "t": event, "d": data }),
            )]
        }),
        GatewayCommand::Reconnect => {
            vec![Action::Send(
                json!({ "op": 7, "d": null, "s": null, "t": null }),
            )]
        }
        GatewayCommand::Cut => vec![Action::Drop],
        GatewayCommand::InvalidSession => {
            shared.update(|state| {
                state.sessions.remove(session_id);
            });
            vec![Action::Send(
                json!({ "op": 9, "d": false, "s": null, "t": null }),
            )]
        }
    }
}
