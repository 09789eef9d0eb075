//! The fake's REST side over raw HTTP: faults, limits and what it records.

use super::*;

/// POSTs `body` to a channel's messages with the bot token.
async fn post(fake: &FakeDiscord, channel: u64, body: &Value) -> reqwest::Response {
    no_proxy_client()
        .post(format!(
            "{}/api/v10/channels/{channel}/messages",
            fake.api_base()
        ))
        .header("Authorization", format!("Bot {TOKEN}"))
        .json(body)
        .send()
        .await
        .expect("request to the fake")
}

#[tokio::test]
async fn faults_limits_and_recording_over_raw_http() {
    let fake = fake_discord::start().await;

    // 429: body and headers as Discord sends them.
    fake.inject(
        Route::channel_messages(CHANNEL_ID),
        Fault::TooManyRequests { retry_after: 1.5 },
        1,
    );
    let response = post(&fake, CHANNEL_ID, &json!({ "content": "a" })).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "2");
    assert_eq!(response.headers()["x-ratelimit-reset-after"], "1.500");
    let body = json_of(response).await;
    assert_eq!(body["retry_after"], 1.5);
    assert_eq!(body["global"], false);
    assert_eq!(body["message"], "You are being rate limited.");

    // 403, 404 and 5xx, each once, in order.
    fake.inject(
        Route::channel_messages(CHANNEL_ID),
        Fault::Forbidden { code: 50013 },
        1,
    );
    fake.inject(
        Route::channel_messages(CHANNEL_ID),
        Fault::NotFound { code: 10003 },
        1,
    );
    fake.inject(Route::channel_messages(CHANNEL_ID), Fault::Status(503), 1);
    let response = post(&fake, CHANNEL_ID, &json!({ "content": "a" })).await;
    assert_eq!(response.status(), 403);
    assert_eq!(json_of(response).await["code"], 50013);
    let response = post(&fake, CHANNEL_ID, &json!({ "content": "a" })).await;
    assert_eq!(response.status(), 404);
    assert_eq!(json_of(response).await["code"], 10003);
    let response = post(&fake, CHANNEL_ID, &json!({ "content": "a" })).await;
    assert_eq!(response.status(), 503);
    assert!(fake.channel_messages(CHANNEL_ID).is_empty());
    let response = post(&fake, CHANNEL_ID, &json!({ "content": "a" })).await;
    assert_eq!(response.status(), 200);
    assert_eq!(fake.channel_messages(CHANNEL_ID).len(), 1);

    // Forever until cleared; other channels are untouched.
    fake.inject(
        Route::new("post", "/channels/*/messages"),
        Fault::Forbidden { code: 50001 },
        Times::Forever,
    );
    for _ in 0..3 {
        let response = post(&fake, OTHER_CHANNEL_ID, &json!({ "content": "b" })).await;
        assert_eq!(response.status(), 403);
    }
    fake.clear_faults();
    let response = post(&fake, OTHER_CHANNEL_ID, &json!({ "content": "b" })).await;
    assert_eq!(response.status(), 200);

    // Accept then stall: the message exists, the answer never comes.
    fake.inject(
        Route::channel_messages(CHANNEL_ID),
        Fault::AcceptThenStall,
        1,
    );
    let pending = tokio::spawn({
        let url = format!("{}/api/v10/channels/{CHANNEL_ID}/messages", fake.api_base());
        async move {
            no_proxy_client()
                .post(url)
                .header("Authorization", format!("Bot {TOKEN}"))
                .json(&json!({ "content": "crash window" }))
                .send()
                .await
        }
    });
    let messages = fake.wait_channel_messages(CHANNEL_ID, 2, WAIT).await;
    assert_eq!(messages[1]["content"], "crash window");
    let stalled = fake
        .wait_for(
            |state| {
                state
                    .requests
                    .iter()
                    .find(|r| r.fault == Some(Fault::AcceptThenStall))
                    .cloned()
            },
            WAIT,
        )
        .await;
    assert_eq!(stalled.status, None);
    assert!(!pending.is_finished());
    pending.abort();

    // Limits: field count, total size, nonce length, empty message.
    let many_fields: Vec<Value> = (0..26)
        .map(|i| json!({ "name": format!("n{i}"), "value": "v" }))
        .collect();
    let response = post(
        &fake,
        CHANNEL_ID,
        &json!({ "embeds": [{ "title": "x", "fields": many_fields }] }),
    )
    .await;
    assert_eq!(response.status(), 400);
    let body = json_of(response).await;
    assert_eq!(body["code"], 50035);
    assert_eq!(
        body["errors"]["embeds"]["0"]["fields"]["_errors"][0]["code"],
        "BASE_TYPE_MAX_LENGTH"
    );
    let big = json!({ "description": "d".repeat(4000) });
    let response = post(&fake, CHANNEL_ID, &json!({ "embeds": [big, big] })).await;
    assert_eq!(response.status(), 400);
    let body = json_of(response).await;
    assert_eq!(
        body["errors"]["embeds"]["_errors"][0]["code"],
        "MAX_EMBED_SIZE_EXCEEDED"
    );
    let response = post(
        &fake,
        CHANNEL_ID,
        &json!({ "content": "c", "nonce": "n".repeat(26), "enforce_nonce": true }),
    )
    .await;
    assert_eq!(response.status(), 400);
    let response = post(&fake, CHANNEL_ID, &json!({ "content": "" })).await;
    assert_eq!(response.status(), 400);
    assert_eq!(json_of(response).await["code"], 50006);
    let violations = fake.violations();
    let paths: Vec<String> = violations
        .iter()
        .flat_map(|v| v.errors.iter().map(|e| e.path.clone()))
        .collect();
    assert_eq!(paths, ["embeds.0.fields", "embeds", "nonce"]);
    assert!(violations.iter().all(
        |v| v.method == "POST" && v.path == format!("/api/v10/channels/{CHANNEL_ID}/messages")
    ));
    assert!(violations[2].errors[0].to_string().contains("25 or fewer"));
    assert_eq!(fake.channel_messages(CHANNEL_ID).len(), 2);

    // Reading a channel back: newest first, as Discord lists.
    let response = no_proxy_client()
        .get(format!(
            "{}/api/v10/channels/{CHANNEL_ID}/messages",
            fake.api_base()
        ))
        .header("Authorization", format!("Bot {TOKEN}"))
        .send()
        .await
        .expect("request to the fake");
    let listed = json_of(response).await;
    assert_eq!(listed[0]["content"], "crash window");
    assert_eq!(listed[1]["content"], "a");

    // The gateway URL needs no token (serenity would fall back to the real
    // Discord); other routes need the bot token; unknown routes are 404 and recorded.
    let response = no_proxy_client()
        .get(format!("{}/api/v10/gateway", fake.api_base()))
        .send()
        .await
        .expect("request to the fake");
    assert_eq!(json_of(response).await["url"], fake.gateway_url());
    let response = no_proxy_client()
        .get(format!("{}/api/v10/gateway/bot", fake.api_base()))
        .header("Authorization", "Bot wrong")
        .send()
        .await
        .expect("request to the fake");
    assert_eq!(response.status(), 401);
    let response = no_proxy_client()
        .get(format!("{}/api/v10/voice/regions", fake.api_base()))
        .header("Authorization", format!("Bot {TOKEN}"))
        .send()
        .await
        .expect("request to the fake");
    assert_eq!(response.status(), 404);
    let requests = fake.requests();
    let last = requests.last().expect("recorded");
    assert_eq!(
        (last.method.as_str(), last.path.as_str()),
        ("GET", "/api/v10/voice/regions")
    );
    assert_eq!(last.status, Some(404));
    assert!(requests
        .windows(2)
        .all(|pair| pair[0].received_at <= pair[1].received_at));
    assert_eq!(requests[0].body, json!({ "content": "a" }));
    assert_eq!(
        requests[0].fault,
        Some(Fault::TooManyRequests { retry_after: 1.5 })
    );
    assert!(fake.registered_commands().is_none());
}
