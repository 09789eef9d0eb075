//! The real serenity/poise client against the fake: handshake, registration,
//! interactions and replies, autocomplete, nonces, faults, resume.

use super::*;

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
