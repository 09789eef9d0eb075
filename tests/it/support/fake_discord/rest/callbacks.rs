//! Interaction callbacks and the webhook followups and edits that answer an
//! interaction, recorded as the bot's replies.

use super::*;

fn is_ephemeral(body: &Value) -> bool {
    body.get("flags")
        .and_then(Value::as_u64)
        .is_some_and(|flags| flags & EPHEMERAL != 0)
}

fn make_reply(kind: ReplyKind, body: &Value, ephemeral: bool) -> Reply {
    let list = |key: &str| {
        body.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    Reply {
        kind,
        content: body
            .get("content")
            .and_then(Value::as_str)
            .map(str::to_owned),
        embeds: list("embeds"),
        ephemeral,
        choices: list("choices"),
        body: body.clone(),
    }
}

pub(super) fn callback(state: &mut State, req: &Incoming<'_>, id: &str, token: &str) -> Outcome {
    let unknown = || Outcome::error(404, 10062, "Unknown interaction");
    let Some(record) = state.interactions.get(token) else {
        return unknown();
    };
    if id.parse::<u64>() != Ok(record.id) {
        return unknown();
    }
    let deadline = state.callback_deadline.unwrap_or(CALLBACK_DEADLINE);
    let elapsed = record.dispatched_at.elapsed();
    if elapsed > deadline {
        let late = FieldError {
            path: "callback".to_owned(),
            code: "INTERACTION_CALLBACK_LATE".to_owned(),
            message: format!("callback {elapsed:?} after the interaction, limit {deadline:?}"),
        };
        state.violations.push(Violation {
            method: req.method.to_owned(),
            path: req.path.to_owned(),
            errors: vec![late],
        });
        return unknown();
    }
    if record.acknowledged {
        return Outcome::error(400, 40060, "Interaction has already been acknowledged.");
    }
    let channel_id = record.channel_id;
    let kind = req.body.get("type").and_then(Value::as_u64).unwrap_or(0);
    let data = req.body.get("data").cloned().unwrap_or(Value::Null);
    let new_id = state.new_id();
    let (reply, original) = match kind {
        4 => {
            let errors = limits::check_message(&data, "data.");
            if !errors.is_empty() {
                return refuse(state, req, errors);
            }
            if limits::is_empty_message(&data) {
                return empty_message();
            }
            let message = match checked_message(objects::message(
                new_id,
                channel_id,
                &data,
                Origin::Interaction,
            )) {
                Ok(message) => message,
                Err(outcome) => return outcome,
            };
            (
                make_reply(ReplyKind::Message, &data, is_ephemeral(&data)),
                Some(message),
            )
        }
        5 => (
            make_reply(ReplyKind::Defer, &data, is_ephemeral(&data)),
            None,
        ),
        8 => {
            let errors = limits::check_choices(&data);
            if !errors.is_empty() {
                return refuse(state, req, errors);
            }
            (make_reply(ReplyKind::Autocomplete, &data, false), None)
        }
        other => {
            let kind = u8::try_from(other).unwrap_or(u8::MAX);
            (
                make_reply(ReplyKind::OtherCallback(kind), &data, is_ephemeral(&data)),
                None,
            )
        }
    };
    if let Some(record) = state.interactions.get_mut(token) {
        record.acknowledged = true;
        record.ephemeral_original = reply.ephemeral;
        record.original = original;
        record.replies.push(reply);
    }
    Outcome::no_content()
}

/// The interaction behind a webhook token, once acknowledged.
fn acknowledged<'a>(state: &'a mut State, token: &str) -> Option<&'a mut InteractionRecord> {
    state
        .interactions
        .get_mut(token)
        .filter(|record| record.acknowledged)
}

pub(super) fn followup(state: &mut State, req: &Incoming<'_>, token: &str) -> Outcome {
    let Some(channel_id) = acknowledged(state, token).map(|r| r.channel_id) else {
        return Outcome::unknown_webhook();
    };
    let errors = limits::check_message(req.body, "");
    if !errors.is_empty() {
        return refuse(state, req, errors);
    }
    if limits::is_empty_message(req.body) {
        return empty_message();
    }
    let id = state.new_id();
    let message = match checked_message(objects::message(
        id,
        channel_id,
        req.body,
        Origin::Interaction,
    )) {
        Ok(message) => message,
        Err(outcome) => return outcome,
    };
    if let Some(record) = acknowledged(state, token) {
        record.followups.insert(id, message.clone());
        record.replies.push(make_reply(
            ReplyKind::Followup,
            req.body,
            is_ephemeral(req.body),
        ));
    }
    Outcome::ok(message)
}

pub(super) fn webhook_message(
    state: &mut State,
    req: &Incoming<'_>,
    method: &str,
    token: &str,
    message: &str,
) -> Outcome {
    if acknowledged(state, token).is_none() {
        return Outcome::unknown_webhook();
    }
    if method == "PATCH" {
        let errors = limits::check_message(req.body, "");
        if !errors.is_empty() {
            return refuse(state, req, errors);
        }
    }
    let new_id = state.new_id();
    let Some(record) = acknowledged(state, token) else {
        return Outcome::unknown_webhook();
    };
    let original = message == "@original";
    let followup_id = message.parse::<u64>().ok();
    let stored = if original {
        if method == "PATCH" && record.original.is_none() {
            // Editing a deferred response creates the message.
            let mut flags = json!({});
            if record.ephemeral_original {
                flags = json!({ "flags": EPHEMERAL });
            }
            record.original = Some(objects::message(
                new_id,
                record.channel_id,
                &flags,
                Origin::Interaction,
            ));
        }
        record.original.as_mut()
    } else {
        followup_id.and_then(|id| record.followups.get_mut(&id))
    };
    let Some(stored) = stored else {
        return Outcome::unknown_message();
    };
    let ephemeral = is_ephemeral(stored);
    match method {
        "GET" => Outcome::ok(stored.clone()),
        "PATCH" => {
            objects::apply_edit(stored, req.body);
            let answer = match checked_message(stored.clone()) {
                Ok(answer) => answer,
                Err(outcome) => return outcome,
            };
            let kind = if original {
                ReplyKind::EditOriginal
            } else {
                ReplyKind::EditFollowup
            };
            record.replies.push(make_reply(kind, req.body, ephemeral));
            Outcome::ok(answer)
        }
        "DELETE" => {
            let kind = if original {
                record.original = None;
                ReplyKind::DeleteOriginal
            } else {
                if let Some(id) = followup_id {
                    record.followups.remove(&id);
                }
                ReplyKind::DeleteFollowup
            };
            record.replies.push(make_reply(kind, req.body, ephemeral));
            Outcome::no_content()
        }
        _ => Outcome::error(405, 0, "405: Method Not Allowed"),
    }
}
