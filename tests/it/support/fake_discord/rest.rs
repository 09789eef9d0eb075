//! The fake Discord's REST side: one axum fallback handler that records each
//! request, applies injected faults, and answers the routes serenity and
//! poise use (gateway URL, application info, command registration,
//! interaction callbacks, webhook followups and edits, channel messages and
//! their read-back, `users/@me`).
//! Anything else is answered 404 and recorded.

mod callbacks;
use callbacks::{callback, followup, webhook_message};

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tokio::time::Instant;

use super::history;
use super::limits::{self, FieldError};
use super::objects::{self, Origin};
use super::{
    Fault, InteractionRecord, RecordedRequest, Reply, ReplyKind, Shared, State, Violation, APP_ID,
    CALLBACK_DEADLINE, EPHEMERAL, TOKEN,
};

/// What the handler answers.
struct Outcome {
    status: u16,
    body: Option<Value>,
    headers: Vec<(&'static str, String)>,
    /// Answer nothing, ever (after the request was handled).
    stall: bool,
    fault: Option<Fault>,
}

impl Outcome {
    fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            headers: Vec::new(),
            stall: false,
            fault: None,
        }
    }

    fn ok(body: Value) -> Self {
        Self::json(200, body)
    }

    fn no_content() -> Self {
        Self {
            status: 204,
            body: None,
            headers: Vec::new(),
            stall: false,
            fault: None,
        }
    }

    fn error(status: u16, code: u32, message: &str) -> Self {
        Self::json(status, json!({ "code": code, "message": message }))
    }

    fn not_found() -> Self {
        Self::error(404, 0, "404: Not Found")
    }

    fn unknown_webhook() -> Self {
        Self::error(404, 10015, "Unknown Webhook")
    }

    fn unknown_message() -> Self {
        Self::error(404, 10008, "Unknown Message")
    }

    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = match self.body {
            Some(body) => (status, axum::Json(body)).into_response(),
            None => status.into_response(),
        };
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static(name), value);
            }
        }
        response
    }
}

/// A request as the routes see it.
struct Incoming<'a> {
    method: &'a str,
    path: &'a str,
    /// The query string, without `?` (empty when none).
    query: &'a str,
    body: &'a Value,
    body_is_json: bool,
}

/// The single handler behind every REST path.
pub(super) async fn handle(
    AxumState(shared): AxumState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let authorization = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (json, body_is_json) = if body.is_empty() {
        (Value::Null, true)
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(value) => (value, true),
            Err(_) => (Value::Null, false),
        }
    };
    let path = uri.path().to_owned();
    let query = uri.query().unwrap_or_default().to_owned();
    let gateway_url = shared.gateway_url.clone();
    let outcome = shared.update(|state| {
        let index = state.requests.len();
        state.requests.push(RecordedRequest {
            method: method.as_str().to_owned(),
            path: path.clone(),
            authorization: authorization.clone(),
            body: json.clone(),
            received_at: Instant::now(),
            status: None,
            fault: None,
        });
        let incoming = Incoming {
            method: method.as_str(),
            path: &path,
            query: &query,
            body: &json,
            body_is_json,
        };
        let outcome = respond(state, &gateway_url, authorization.as_deref(), &incoming);
        if let Some(record) = state.requests.get_mut(index) {
            record.status = (!outcome.stall).then_some(outcome.status);
            record.fault.clone_from(&outcome.fault);
        }
        outcome
    });
    if outcome.stall {
        std::future::pending::<()>().await;
    }
    outcome.into_response()
}

/// The answer for an injected fault (all but `AcceptThenStall`).
fn fault_outcome(fault: &Fault) -> Outcome {
    let mut outcome = match fault {
        Fault::TooManyRequests { retry_after } => {
            let mut outcome = Outcome::json(
                429,
                json!({
                    "message": "You are being rate limited.",
                    "retry_after": retry_after,
                    "global": false,
                }),
            );
            outcome.headers = vec![
                ("retry-after", format!("{}", retry_after.ceil())),
                ("x-ratelimit-reset-after", format!("{retry_after:.3}")),
                ("x-ratelimit-limit", "5".to_owned()),
                ("x-ratelimit-remaining", "0".to_owned()),
                ("x-ratelimit-bucket", "fake-bucket".to_owned()),
                ("x-ratelimit-scope", "user".to_owned()),
            ];
            outcome
        }
        Fault::Status(status) => Outcome::json(
            *status,
            json!({ "code": 0, "message": format!("{status}: fake Discord fault") }),
        ),
        Fault::Forbidden { code } => Outcome::error(
            403,
            *code,
            match code {
                50001 => "Missing Access",
                50013 => "Missing Permissions",
                _ => "Forbidden",
            },
        ),
        Fault::NotFound { code } => Outcome::error(
            404,
            *code,
            match code {
                10003 => "Unknown Channel",
                10008 => "Unknown Message",
                10015 => "Unknown Webhook",
                10062 => "Unknown interaction",
                _ => "Not Found",
            },
        ),
        Fault::AcceptThenStall => Outcome::no_content(),
    };
    outcome.fault = Some(fault.clone());
    outcome
}

fn respond(
    state: &mut State,
    gateway_url: &str,
    authorization: Option<&str>,
    req: &Incoming<'_>,
) -> Outcome {
    let Some(api_path) = req.path.strip_prefix("/api/v10") else {
        return Outcome::not_found();
    };
    let fault = state.take_fault(req.method, api_path);
    if let Some(fault) = &fault {
        if *fault != Fault::AcceptThenStall {
            return fault_outcome(fault);
        }
    }
    let mut outcome = route(state, gateway_url, authorization, api_path, req);
    if fault.is_some() {
        outcome.stall = true;
        outcome.fault = fault;
    }
    outcome
}

fn route(
    state: &mut State,
    gateway_url: &str,
    authorization: Option<&str>,
    api_path: &str,
    req: &Incoming<'_>,
) -> Outcome {
    let segments: Vec<&str> = api_path.trim_matches('/').split('/').collect();
    // Interaction callbacks and webhooks are authorized by their token, not the
    // bot token; `GET /gateway` needs none (and serenity falls back to the real
    // gateway when it fails, so it must always answer).
    let open_route = matches!(
        segments.as_slice(),
        ["interactions" | "webhooks", ..] | ["gateway"]
    );
    if !open_route && authorization != Some(format!("Bot {TOKEN}").as_str()) {
        return Outcome::error(401, 0, "401: Unauthorized");
    }
    if !req.body_is_json {
        return Outcome::error(400, 50109, "The request body contains invalid JSON.");
    }
    if let Some((status, body)) = super::threads::route(state, req.method, &segments, req.body) {
        return Outcome::json(status, body);
    }
    match (req.method, segments.as_slice()) {
        ("GET", ["gateway"]) => Outcome::ok(json!({ "url": gateway_url })),
        ("GET", ["gateway", "bot"]) => Outcome::ok(objects::gateway_bot(
            gateway_url,
            state.recommended_shards.unwrap_or(1),
        )),
        ("GET", ["oauth2", "applications", "@me"]) => Outcome::ok(objects::application()),
        ("PUT", ["applications", app, "commands"]) if is_app(app) => {
            overwrite_commands(state, None, req.body)
        }
        ("GET", ["applications", app, "commands"]) if is_app(app) => {
            Outcome::ok(state.global_commands.clone().unwrap_or_else(|| json!([])))
        }
        ("PUT", ["applications", app, "guilds", guild, "commands"]) if is_app(app) => {
            match guild.parse::<u64>() {
                Ok(guild) => overwrite_commands(state, Some(guild), req.body),
                Err(_) => Outcome::not_found(),
            }
        }
        ("GET", ["applications", app, "guilds", guild, "commands"]) if is_app(app) => {
            let list = guild
                .parse::<u64>()
                .ok()
                .and_then(|g| state.guild_commands.get(&g).cloned());
            Outcome::ok(list.unwrap_or_else(|| json!([])))
        }
        ("POST", ["interactions", id, token, "callback"]) => callback(state, req, id, token),
        ("POST", ["webhooks", app, token]) if is_app(app) => followup(state, req, token),
        (method, ["webhooks", app, token, "messages", message]) if is_app(app) => {
            webhook_message(state, req, method, token, message)
        }
        ("POST", ["channels", channel, "messages"]) => match channel.parse::<u64>() {
            Ok(channel) => create_channel_message(state, req, channel),
            Err(_) => Outcome::error(404, 10003, "Unknown Channel"),
        },
        ("GET", ["channels", channel, "messages"]) => match channel.parse::<u64>() {
            Ok(channel) => Outcome::ok(Value::Array(history::read_back(
                &state.channel_messages(channel),
                req.query,
            ))),
            Err(_) => Outcome::error(404, 10003, "Unknown Channel"),
        },
        ("GET", ["users", "@me"]) => Outcome::ok(objects::bot_user()),
        ("GET", ["channels", _] | ["guilds", _, "roles"] | ["guilds", _, "members", _]) => {
            match super::guild::get(state, &segments) {
                Some(body) => Outcome::ok(body),
                None => Outcome::not_found(),
            }
        }
        ("POST", ["channels", channel, "messages", message, "crosspost"]) => {
            Outcome::ok(json!({ "id": message, "channel_id": channel }))
        }
        _ => Outcome::not_found(),
    }
}

fn is_app(app: &str) -> bool {
    app.parse::<u64>() == Ok(APP_ID)
}

fn refuse(state: &mut State, req: &Incoming<'_>, errors: Vec<FieldError>) -> Outcome {
    let body = limits::invalid_form_body(&errors);
    state.violations.push(Violation {
        method: req.method.to_owned(),
        path: req.path.to_owned(),
        errors,
    });
    Outcome::json(400, body)
}

fn empty_message() -> Outcome {
    Outcome::error(400, 50006, "Cannot send an empty message")
}

/// Returns the message when serenity can read it, else a 500 naming the problem.
fn checked_message(message: Value) -> Result<Value, Outcome> {
    objects::check_shape::<serenity::model::channel::Message>("message", &message)
        .map(|()| message)
        .map_err(|why| Outcome::error(500, 0, &why))
}

fn overwrite_commands(state: &mut State, guild: Option<u64>, body: &Value) -> Outcome {
    let Some(requested) = body.as_array() else {
        return Outcome::json(
            400,
            limits::invalid_form_body(&[FieldError {
                path: "_root".to_owned(),
                code: "BASE_TYPE_ARRAY".to_owned(),
                message: "Must be an array.".to_owned(),
            }]),
        );
    };
    let previous = match guild {
        Some(guild) => state.guild_commands.get(&guild).cloned(),
        None => state.global_commands.clone(),
    };
    let previous_id = |name: Option<&str>| {
        previous
            .as_ref()?
            .as_array()?
            .iter()
            .find(|c| c.get("name").and_then(Value::as_str) == name)?
            .get("id")?
            .as_str()?
            .parse::<u64>()
            .ok()
    };
    let mut answered = Vec::with_capacity(requested.len());
    for command in requested {
        let id = match previous_id(command.get("name").and_then(Value::as_str)) {
            Some(id) => id,
            None => state.new_id(),
        };
        let command = objects::command(command, id, guild);
        if let Err(why) =
            objects::check_shape::<serenity::model::application::Command>("command", &command)
        {
            return Outcome::error(500, 0, &why);
        }
        answered.push(command);
    }
    let answered = Value::Array(answered);
    match guild {
        Some(guild) => {
            state.guild_commands.insert(guild, answered.clone());
        }
        None => state.global_commands = Some(answered.clone()),
    }
    state.last_registered = Some(answered.clone());
    Outcome::ok(answered)
}

fn create_channel_message(state: &mut State, req: &Incoming<'_>, channel_id: u64) -> Outcome {
    let errors = limits::check_message(req.body, "");
    if !errors.is_empty() {
        return refuse(state, req, errors);
    }
    if limits::is_empty_message(req.body) {
        return empty_message();
    }
    let enforce = req
        .body
        .get("enforce_nonce")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let nonce = match req.body.get("nonce") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let nonce_key = nonce.filter(|_| enforce).map(|n| (channel_id, n));
    if let Some(key) = &nonce_key {
        if let Some(first) = state.remembered_nonce(key) {
            return Outcome::ok(first);
        }
    }
    let id = state.new_id();
    let message = match checked_message(objects::message(id, channel_id, req.body, Origin::Channel))
    {
        Ok(message) => message,
        Err(outcome) => return outcome,
    };
    if let Some(key) = nonce_key {
        state.nonces.insert(key, (Instant::now(), message.clone()));
    }
    state
        .channels
        .entry(channel_id)
        .or_default()
        .push(message.clone());
    Outcome::ok(message)
}
