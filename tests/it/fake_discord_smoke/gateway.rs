//! The fake's gateway protocol with a raw websocket client.

use super::*;

async fn connect(fake: &FakeDiscord) -> Ws {
    let (socket, _) = tokio_tungstenite::connect_async(format!("{}/?v=10", fake.gateway_url()))
        .await
        .expect("connect to the fake gateway");
    socket
}

/// The next text payload, or the close code.
async fn next(socket: &mut Ws) -> Result<Value, u16> {
    loop {
        let frame = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("a gateway frame in time");
        match frame {
            Some(Ok(WsMessage::Text(text))) => {
                return Ok(serde_json::from_str(&text).expect("JSON payload"))
            }
            Some(Ok(WsMessage::Close(frame))) => return Err(frame.map_or(0, |f| u16::from(f.code))),
            Some(Ok(_)) => {}
            other => panic!("gateway ended without a close frame: {other:?}"),
        }
    }
}

async fn send(socket: &mut Ws, payload: Value) {
    socket
        .send(WsMessage::Text(payload.to_string()))
        .await
        .expect("send to the fake gateway");
}

fn identify(token: &str, intents: u64) -> Value {
    json!({ "op": 2, "d": {
        "token": token, "intents": intents, "shard": [0, 1],
        "properties": { "os": "linux", "browser": "test", "device": "test" },
    }})
}

#[tokio::test]
async fn gateway_protocol_with_a_raw_client() {
    let fake = fake_discord::start().await;

    // HELLO, heartbeat ACK, bad token → 4004.
    let mut socket = connect(&fake).await;
    let hello = next(&mut socket).await.expect("HELLO");
    assert_eq!(hello["op"], 10);
    assert_eq!(
        hello["d"]["heartbeat_interval"],
        fake_discord::HEARTBEAT_INTERVAL_MS
    );
    send(&mut socket, json!({ "op": 1, "d": null })).await;
    assert_eq!(next(&mut socket).await.expect("ACK")["op"], 11);
    send(&mut socket, identify("Bot wrong", 1)).await;
    assert_eq!(next(&mut socket).await, Err(4004));

    // A privileged intent (MESSAGE_CONTENT) → 4014.
    let mut socket = connect(&fake).await;
    next(&mut socket).await.expect("HELLO");
    send(&mut socket, identify(TOKEN, 1 << 15)).await;
    assert_eq!(next(&mut socket).await, Err(4014));

    // IDENTIFY → READY, then an interaction dispatch with every field.
    let mut socket = connect(&fake).await;
    next(&mut socket).await.expect("HELLO");
    send(&mut socket, identify(TOKEN, 1)).await;
    let ready = next(&mut socket).await.expect("READY");
    assert_eq!(
        (ready["t"].as_str(), ready["s"].as_u64()),
        (Some("READY"), Some(1))
    );
    assert_eq!(ready["d"]["application"]["id"], APP_ID.to_string());
    let session_id = ready["d"]["session_id"]
        .as_str()
        .expect("session id")
        .to_owned();
    let asked = fake
        .interact(
            CommandInvocation::new("count")
                .option("what", "apples")
                .option("how_many", 3)
                .by(Member::plain()),
        )
        .await;
    let dispatch = next(&mut socket).await.expect("INTERACTION_CREATE");
    assert_eq!(dispatch["t"], "INTERACTION_CREATE");
    assert_eq!(dispatch["s"], 2);
    let d = &dispatch["d"];
    assert_eq!(d["id"], asked.id.to_string());
    assert_eq!(d["token"], asked.token);
    assert_eq!(d["type"], 2);
    assert_eq!(d["guild_id"], GUILD_ID.to_string());
    assert_eq!(
        d["member"]["user"]["id"],
        fake_discord::PLAIN_USER_ID.to_string()
    );
    assert_eq!(
        d["member"]["permissions"],
        fake_discord::PLAIN_PERMISSIONS.to_string()
    );
    assert_eq!(d["data"]["options"][0]["type"], 3);
    assert_eq!(d["data"]["options"][1]["type"], 4);
    assert_eq!(d["data"]["options"][1]["value"], 3);
    let moderator = fake_discord::MODERATOR_PERMISSIONS;
    assert_eq!(moderator & MANAGE_CHANNELS, MANAGE_CHANNELS);
    assert_eq!(Member::moderator().permissions, moderator);

    // Followups need an acknowledged interaction; a callback comes once, in time.
    let client = no_proxy_client();
    let webhook = format!(
        "{}/api/v10/webhooks/{APP_ID}/{}",
        fake.api_base(),
        asked.token
    );
    let response = client
        .post(&webhook)
        .json(&json!({ "content": "early" }))
        .send()
        .await
        .expect("request to the fake");
    assert_eq!(response.status(), 404);
    let callback = format!(
        "{}/api/v10/interactions/{}/{}/callback",
        fake.api_base(),
        asked.id,
        asked.token
    );
    let deferred = json!({ "type": 5, "data": { "flags": 64 } });
    let response = client
        .post(&callback)
        .json(&deferred)
        .send()
        .await
        .expect("request to the fake");
    assert_eq!(response.status(), 204);
    let response = client
        .post(&callback)
        .json(&deferred)
        .send()
        .await
        .expect("request to the fake");
    assert_eq!(response.status(), 400);
    assert_eq!(json_of(response).await["code"], 40060);
    let response = client
        .patch(format!("{webhook}/messages/@original"))
        .json(&json!({ "content": "edited" }))
        .send()
        .await
        .expect("request to the fake");
    assert_eq!(response.status(), 200);
    let replies = fake.wait_reply(&asked, WAIT).await;
    assert_eq!(replies[1].kind, ReplyKind::EditOriginal);
    assert!(replies[1].ephemeral, "the edit keeps the deferral's flag");
    let original = client
        .get(format!("{webhook}/messages/@original"))
        .send()
        .await
        .expect("request to the fake");
    assert_eq!(json_of(original).await["content"], "edited");
    let response = client
        .delete(format!("{webhook}/messages/@original"))
        .send()
        .await
        .expect("request to the fake");
    assert_eq!(response.status(), 204);
    assert_eq!(fake.replies(&asked)[2].kind, ReplyKind::DeleteOriginal);

    // A callback after the deadline (Discord's 3 s; here none) is refused.
    assert_eq!(fake_discord::CALLBACK_DEADLINE, Duration::from_secs(3));
    fake.set_callback_deadline(Duration::ZERO);
    let late = fake
        .interact(CommandInvocation::new("count").in_channel(OTHER_CHANNEL_ID))
        .await;
    next(&mut socket).await.expect("INTERACTION_CREATE");
    let response = client
        .post(format!(
            "{}/api/v10/interactions/{}/{}/callback",
            fake.api_base(),
            late.id,
            late.token
        ))
        .json(&json!({ "type": 4, "data": { "content": "too late" } }))
        .send()
        .await
        .expect("request to the fake");
    assert_eq!(response.status(), 404);
    assert_eq!(json_of(response).await["code"], 10062);
    assert!(fake.replies(&late).is_empty());
    assert_eq!(
        fake.violations()[0].errors[0].code,
        "INTERACTION_CALLBACK_LATE"
    );

    // RESUME on a new connection → RESUMED with the next sequence.
    drop(socket);
    let mut socket = connect(&fake).await;
    next(&mut socket).await.expect("HELLO");
    send(
        &mut socket,
        json!({ "op": 6, "d": { "token": format!("Bot {TOKEN}"), "session_id": session_id, "seq": 3 } }),
    )
    .await;
    let resumed = next(&mut socket).await.expect("RESUMED");
    assert_eq!(
        (resumed["t"].as_str(), resumed["s"].as_u64()),
        (Some("RESUMED"), Some(4))
    );
    let unknown = fake
        .interact(CommandInvocation::new("count").in_dm_channel())
        .await;
    let dispatch = next(&mut socket).await.expect("INTERACTION_CREATE");
    assert_eq!(dispatch["d"]["token"], unknown.token);
    assert_eq!(
        dispatch["d"]["user"]["id"],
        fake_discord::MODERATOR_USER_ID.to_string()
    );
    assert!(dispatch["d"].get("guild_id").is_none());
    assert!(dispatch["d"].get("member").is_none());
    assert_eq!(
        dispatch["d"]["channel_id"],
        fake_discord::DM_CHANNEL_ID.to_string()
    );

    // An unknown session cannot resume.
    let mut other = connect(&fake).await;
    next(&mut other).await.expect("HELLO");
    send(
        &mut other,
        json!({ "op": 6, "d": { "token": TOKEN, "session_id": "nope", "seq": 1 } }),
    )
    .await;
    let invalid = next(&mut other).await.expect("INVALID SESSION");
    assert_eq!(
        (invalid["op"].as_u64(), invalid["d"].as_bool()),
        (Some(9), Some(false))
    );

    let state = fake
        .wait_for(
            |state| {
                Some((
                    state.heartbeats,
                    state.gateway_connections,
                    state.identifies.len(),
                    state.resumes.len(),
                ))
            },
            WAIT,
        )
        .await;
    assert_eq!(state, (1, 5, 3, 2));
    assert_eq!(fake.wait_identified(WAIT).await.intents, 1);
}
