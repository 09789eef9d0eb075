//! Proves the fake Discord against the real serenity 0.12.5 / poise 0.7.1
//! client (handshake, command registration, interactions and replies,
//! nonces, faults, limits, resume and re-identify), and pins the fake's own
//! protocol with a raw websocket client and a raw HTTP client.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use poise::serenity_prelude as serenity;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::support::fake_discord::{
    self, CommandInvocation, FakeDiscord, Fault, Member, ReplyKind, Route, Times, APP_ID,
    CHANNEL_ID, GUILD_ID, MANAGE_CHANNELS, OTHER_CHANNEL_ID, TOKEN,
};

const WAIT: Duration = Duration::from_secs(10);

struct Data;
type Error = Box<dyn std::error::Error + Send + Sync>;
type Context<'a> = poise::Context<'a, Data, Error>;

async fn complete_text(_ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let choices = ["hello", "help", "world"]
        .into_iter()
        .filter(|choice| choice.starts_with(partial))
        .map(serenity::AutocompleteChoice::from)
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Echoes the text back to the caller only.
#[poise::command(
    slash_command,
    guild_only,
    required_permissions = "MANAGE_CHANNELS",
    default_member_permissions = "MANAGE_CHANNELS"
)]
async fn echo(
    ctx: Context<'_>,
    #[description = "What to echo"]
    #[autocomplete = "complete_text"]
    text: String,
) -> Result<(), Error> {
    ctx.send(
        poise::CreateReply::default()
            .content(format!("echo: {text}"))
            .ephemeral(true),
    )
    .await?;
    Ok(())
}

/// Replies, edits the reply, reads it back, follows up, deletes the followup.
#[poise::command(slash_command, guild_only)]
async fn steps(ctx: Context<'_>) -> Result<(), Error> {
    let first = ctx.say("one").await?;
    first
        .edit(ctx, poise::CreateReply::default().content("two"))
        .await?;
    let fetched = first.message().await?;
    let second = ctx.say(format!("three after {}", fetched.content)).await?;
    second.delete(ctx).await?;
    Ok(())
}

/// Defers ephemerally, then answers.
#[poise::command(slash_command, guild_only, ephemeral)]
async fn slow(ctx: Context<'_>) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    ctx.say("done").await?;
    Ok(())
}

fn no_proxy_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("build a reqwest client")
}

/// Status and Discord code of a serenity HTTP error.
fn http_failure(error: &serenity::Error) -> Option<(u16, isize, Vec<String>)> {
    match error {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => Some((
            response.status_code.as_u16(),
            response.error.code,
            response
                .error
                .errors
                .iter()
                .map(|e| e.path.clone())
                .collect(),
        )),
        _ => None,
    }
}

#[tokio::test]
async fn the_real_serenity_client_talks_to_the_fake() {
    let fake = fake_discord::start().await;
    let http = serenity::HttpBuilder::new(TOKEN)
        .proxy(fake.api_base())
        .ratelimiter_disabled(true)
        .client(no_proxy_client())
        .build();
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: vec![echo(), steps(), slow()],
            ..Default::default()
        })
        .setup(|ctx, _ready, framework| {
            Box::pin(async move {
                poise::builtins::register_in_guild(
                    ctx,
                    &framework.options().commands,
                    serenity::GuildId::new(GUILD_ID),
                )
                .await?;
                Ok(Data)
            })
        })
        .build();
    let mut client =
        serenity::ClientBuilder::new_with_http(http, serenity::GatewayIntents::non_privileged())
            .framework(framework)
            .await
            .expect("build the serenity client");
    let shard_manager = client.shard_manager.clone();
    let http = client.http.clone();
    let running = tokio::spawn(async move { client.start().await });

    // Handshake: the configured token and only non-privileged intents.
    let identify = fake.wait_identified(WAIT).await;
    assert_eq!(identify.token, format!("Bot {TOKEN}"));
    assert_eq!(
        identify.intents,
        serenity::GatewayIntents::non_privileged().bits()
    );

    // Registration: one bulk overwrite in the guild, answered with ids.
    let commands = fake.wait_registered_commands(WAIT).await;
    let names: Vec<&str> = commands
        .as_array()
        .expect("a command list")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["echo", "steps", "slow"]);
    let echo_command = &commands[0];
    assert_eq!(
        echo_command["default_member_permissions"],
        json!(MANAGE_CHANNELS.to_string())
    );
    assert_eq!(echo_command["contexts"], json!([0]));
    assert_eq!(echo_command["options"][0]["name"], "text");
    assert_eq!(echo_command["options"][0]["type"], 3);
    assert_eq!(echo_command["options"][0]["autocomplete"], true);
    assert_eq!(echo_command["guild_id"], json!(GUILD_ID.to_string()));
    let put = fake.requests_to(&Route::new(
        "PUT",
        &format!("/applications/{APP_ID}/guilds/{GUILD_ID}/commands"),
    ));
    assert_eq!(put.len(), 1);
    assert_eq!(put[0].authorization.as_deref(), Some("Bot test-token"));
    assert_eq!(put[0].status, Some(200));

    // A moderator gets the ephemeral echo.
    let asked = fake
        .interact(CommandInvocation::new("echo").option("text", "hello"))
        .await;
    let replies = fake.wait_reply(&asked, WAIT).await;
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(replies[0].kind, ReplyKind::Message);
    assert_eq!(replies[0].content.as_deref(), Some("echo: hello"));
    assert!(replies[0].ephemeral);
    assert!(replies[0].embeds.is_empty());

    // A plain member is refused by poise's permission check.
    let asked = fake
        .interact(
            CommandInvocation::new("echo")
                .option("text", "hello")
                .by(Member::plain()),
        )
        .await;
    let replies = fake.wait_reply(&asked, WAIT).await;
    let refusal = replies[0].content.clone().unwrap_or_default();
    assert!(refusal.contains("lacking permissions"), "{refusal}");
    assert!(replies[0].ephemeral);

    // The guild-only command in a DM is refused by poise.
    let asked = fake
        .interact(
            CommandInvocation::new("echo")
                .option("text", "hello")
                .in_dm_channel(),
        )
        .await;
    let replies = fake.wait_reply(&asked, WAIT).await;
    assert_eq!(
        replies[0].content.as_deref(),
        Some("You cannot run this command in DMs.")
    );
    assert!(replies[0].ephemeral);

    // Autocomplete answers with choices.
    let asked = fake
        .autocomplete(CommandInvocation::new("echo").option("text", "hel"), "text")
        .await;
    let replies = fake.wait_reply(&asked, WAIT).await;
    assert_eq!(replies[0].kind, ReplyKind::Autocomplete);
    assert_eq!(
        replies[0].choices,
        [
            json!({ "name": "hello", "value": "hello" }),
            json!({ "name": "help", "value": "help" })
        ]
    );

    // Reply, edit, fetch, followup, delete: serenity reads every answer.
    let asked = fake
        .interact(CommandInvocation::new("steps").in_channel(OTHER_CHANNEL_ID))
        .await;
    let replies = fake
        .wait_for(
            |state| {
                let replies = state.replies(&asked);
                (replies.len() == 4).then_some(replies)
            },
            WAIT,
        )
        .await;
    let kinds: Vec<ReplyKind> = replies.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            ReplyKind::Message,
            ReplyKind::EditOriginal,
            ReplyKind::Followup,
            ReplyKind::DeleteFollowup
        ]
    );
    assert_eq!(replies[1].content.as_deref(), Some("two"));
    assert_eq!(replies[2].content.as_deref(), Some("three after two"));

    // Defer, then the answer arrives as a followup.
    let asked = fake.interact(CommandInvocation::new("slow")).await;
    let replies = fake
        .wait_for(
            |state| {
                let replies = state.replies(&asked);
                (replies.len() == 2).then_some(replies)
            },
            WAIT,
        )
        .await;
    assert_eq!(replies[0].kind, ReplyKind::Defer);
    assert!(replies[0].ephemeral);
    assert_eq!(replies[1].kind, ReplyKind::Followup);
    assert_eq!(replies[1].content.as_deref(), Some("done"));
    assert!(replies[1].ephemeral);
    assert_eq!(fake.replies(&asked), replies);

    // nonce + enforce_nonce: the second create returns the first message.
    let channel = serenity::ChannelId::new(CHANNEL_ID);
    let send = || {
        channel.send_message(
            &http,
            serenity::CreateMessage::new()
                .content("posted once")
                .nonce(serenity::Nonce::String("outbox-42".to_owned()))
                .enforce_nonce(true),
        )
    };
    let first = send().await.expect("first send");
    let second = send().await.expect("second send");
    assert_eq!(first.id, second.id);
    let stored = fake.channel_messages(CHANNEL_ID);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["content"], "posted once");
    assert_eq!(stored[0]["nonce"], "outbox-42");

    // An injected 429 surfaces as status 429, once.
    fake.inject(
        Route::channel_messages(OTHER_CHANNEL_ID),
        Fault::TooManyRequests { retry_after: 2.0 },
        1,
    );
    let other = serenity::ChannelId::new(OTHER_CHANNEL_ID);
    let error = other
        .send_message(&http, serenity::CreateMessage::new().content("later"))
        .await
        .expect_err("rate limited");
    assert_eq!(http_failure(&error).map(|f| f.0), Some(429));
    other
        .send_message(&http, serenity::CreateMessage::new().content("later"))
        .await
        .expect("the fault fired once");
    assert_eq!(fake.channel_messages(OTHER_CHANNEL_ID).len(), 1);

    // A body over Discord's limits: 400, code 50035, path named, nothing created.
    let error = other
        .send_message(
            &http,
            serenity::CreateMessage::new()
                .embed(serenity::CreateEmbed::new().title("t".repeat(257))),
        )
        .await
        .expect_err("title too long");
    assert_eq!(
        http_failure(&error),
        Some((400, 50035, vec!["embeds.0.title".to_owned()]))
    );
    assert_eq!(fake.channel_messages(OTHER_CHANNEL_ID).len(), 1);
    assert_eq!(fake.violations().len(), 1);

    // Op 7: serenity resumes, and interactions keep working.
    fake.reconnect_gateway().await;
    let resume = fake
        .wait_for(|state| state.resumes.first().cloned(), WAIT)
        .await;
    assert!(resume.session_id.starts_with("fake-session-"));
    assert!(resume.seq >= 1);
    let asked = fake
        .interact(CommandInvocation::new("echo").option("text", "again"))
        .await;
    let replies = fake.wait_reply(&asked, WAIT).await;
    assert_eq!(replies[0].content.as_deref(), Some("echo: again"));

    // Op 9: serenity identifies again; poise's setup (registration) does not re-run.
    fake.invalidate_session().await;
    fake.wait_for(|state| (state.identifies.len() == 2).then_some(()), WAIT)
        .await;
    let asked = fake
        .interact(CommandInvocation::new("echo").option("text", "third"))
        .await;
    let replies = fake.wait_reply(&asked, WAIT).await;
    assert_eq!(replies[0].content.as_deref(), Some("echo: third"));
    assert_eq!(
        fake.requests_to(&Route::new("PUT", "/applications/*/guilds/*/commands"))
            .len(),
        1
    );

    shard_manager.shutdown_all().await;
    let ended = tokio::time::timeout(WAIT, running)
        .await
        .expect("the client stops after shutdown_all")
        .expect("the client task did not panic");
    assert!(ended.is_ok(), "{ended:?}");
}

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

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("a JSON body")
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

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

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
