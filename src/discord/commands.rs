//! The slash commands: `/follow`, `/unfollow`, `/follows`, `/activity`. Thin:
//! parse and validate input, call the store or Trakt, reply. User mistakes come
//! back as `CommandError::User` (shown ephemerally, as written); anything else is
//! logged in full and shown only as a short apology.

use std::future::Future;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use crate::clock::unix_now;
use crate::config::LimitsConfig;
use crate::format;
use crate::ids::{ChannelId, GuildId, UserId};
use crate::store::{FollowOutcome, NewFollow, Store, StoreError, SubState, Subscription};
use crate::trakt::{ActionSet, ShowRef, TraktClient, TraktError, TraktTime};

/// What every command can reach.
pub struct Data {
    pub store: Store,
    pub trakt: TraktClient,
    pub limits: LimitsConfig,
    /// How long a Trakt call may take before the reply is deferred.
    pub defer_after: Duration,
}

/// A command failure.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The user's mistake or a situation they can act on; shown as written.
    #[error("{0}")]
    User(String),
    /// Our problem; logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl CommandError {
    fn user(msg: impl Into<String>) -> Self {
        CommandError::User(msg.into())
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::LimitReached { limit } => CommandError::User(format!(
                "This server already has {limit} follows, the most it may have. Use /unfollow somewhere first."
            )),
            other => CommandError::Internal(format!("store: {other}")),
        }
    }
}

impl From<serenity::Error> for CommandError {
    fn from(e: serenity::Error) -> Self {
        CommandError::Internal(format!("discord: {e}"))
    }
}

/// Trakt failures, as users should read them.
fn trakt_error(show: &ShowRef, e: TraktError) -> CommandError {
    match e {
        TraktError::NotFound { .. } => CommandError::User(format!(
            "Trakt has no show `{show}`. Use the slug from the show's Trakt address (trakt.tv/shows/**the-walking-dead**) or its TVDB id."
        )),
        TraktError::Unauthorized { .. } => {
            CommandError::Internal("Trakt refused the API key".to_owned())
        }
        e if e.is_transient() => CommandError::user(
            "Trakt is not answering right now, so nothing was changed. Please try again later.",
        ),
        other => CommandError::Internal(format!("trakt: {other}")),
    }
}

pub type Context<'a> = poise::Context<'a, Data, CommandError>;

/// Every command, for registration.
pub fn all() -> Vec<poise::Command<Data, CommandError>> {
    vec![follow(), unfollow(), follows(), activity()]
}

/// What users see for an internal error.
pub const APOLOGY: &str = "Sorry, something went wrong on our side. Please try again later.";
/// What users see when Discord sent a command this build cannot run.
pub const OUTDATED: &str =
    "Sorry, I could not run that command: Discord may still be showing an older version of it. Please try again in a minute.";

/// The error handler: ephemeral, friendly, no internals.
pub async fn on_error(error: poise::FrameworkError<'_, Data, CommandError>) {
    use poise::FrameworkError as F;
    let (ctx, text) = match error {
        F::Command { error, ctx, .. } => match error {
            CommandError::User(msg) => (ctx, msg),
            CommandError::Internal(detail) => {
                tracing::error!(command = %ctx.command().name, %detail, "command failed");
                (ctx, APOLOGY.to_owned())
            }
        },
        F::GuildOnly { ctx, .. } => (
            ctx,
            "This command works in a server channel, not in direct messages.".to_owned(),
        ),
        F::MissingUserPermissions { ctx, .. } => (
            ctx,
            "You need the **Manage Channels** permission to use this command.".to_owned(),
        ),
        F::PermissionFetchFailed { ctx, .. } => (
            ctx,
            "I could not check your permissions; please try again.".to_owned(),
        ),
        F::ArgumentParse { ctx, input, .. } => (
            ctx,
            match input {
                Some(i) => format!("I could not read the option `{i}`."),
                None => "An option is missing or could not be read.".to_owned(),
            },
        ),
        F::CommandPanic { ctx, payload, .. } => {
            tracing::error!(command = %ctx.command().name, ?payload, "command panicked");
            (ctx, APOLOGY.to_owned())
        }
        F::Setup { error, .. } => {
            tracing::error!(%error, "bot setup failed");
            return;
        }
        F::UnknownInteraction {
            framework,
            interaction,
            ..
        } => {
            // A command Discord still offers but this build does not know (an
            // outdated registration): answer rather than leave the user hanging.
            tracing::warn!(command = %interaction.data.name, "unknown command invoked");
            let reply = serenity::CreateInteractionResponse::Message(
                serenity::CreateInteractionResponseMessage::new()
                    .content(OUTDATED)
                    .ephemeral(true)
                    .allowed_mentions(serenity::CreateAllowedMentions::new()),
            );
            if let Err(e) = interaction
                .create_response(framework.serenity_context, reply)
                .await
            {
                tracing::warn!(error = %e, "could not answer an unknown command");
            }
            return;
        }
        other => match other.ctx() {
            // E.g. options that do not match the command's definition (an
            // outdated registration): the user still gets an answer.
            Some(ctx) => {
                tracing::error!(command = %ctx.command().name, error = %other, "command failed in the framework");
                (ctx, OUTDATED.to_owned())
            }
            None => {
                tracing::warn!(error = %other, "unhandled framework error");
                return;
            }
        },
    };
    let reply = CreateReply::default().content(text).ephemeral(true);
    if let Err(e) = ctx.send(reply).await {
        tracing::warn!(error = %e, "could not send an error reply");
    }
}

fn ids(ctx: Context<'_>) -> Result<(GuildId, ChannelId, UserId), CommandError> {
    let guild = ctx
        .guild_id()
        .ok_or_else(|| CommandError::user("This command works in a server channel."))?;
    Ok((
        GuildId(guild.get()),
        ChannelId(ctx.channel_id().get()),
        UserId(ctx.author().id.get()),
    ))
}

fn parse_show(input: &str) -> Result<ShowRef, CommandError> {
    ShowRef::parse(input).map_err(|e| CommandError::User(format!("That show is not valid: {e}.")))
}

fn parse_actions(input: Option<&str>) -> Result<ActionSet, CommandError> {
    match input {
        None => Ok(ActionSet::all()),
        Some(a) => ActionSet::parse(a)
            .map_err(|e| CommandError::User(format!("Those actions are not valid: {e}."))),
    }
}

/// Longest window `/activity` may look back.
pub const MAX_SINCE: Duration = Duration::from_secs(30 * 24 * 3600);
/// `/activity`'s window when none is given.
pub const DEFAULT_SINCE: Duration = Duration::from_secs(24 * 3600);

/// Parse `/activity`'s `since` (humantime), naming the accepted forms when wrong.
pub fn parse_since(input: Option<&str>) -> Result<Duration, CommandError> {
    let Some(raw) = input.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(DEFAULT_SINCE);
    };
    let d = humantime::parse_duration(raw).map_err(|_| {
        CommandError::User(format!(
            "`{}` is not a duration I understand. Use forms like `30m`, `2h`, `3days` or `1week` (at most 30 days).",
            format::escape_markdown(&raw.chars().take(50).collect::<String>())
        ))
    })?;
    if d.is_zero() || d > MAX_SINCE {
        return Err(CommandError::user(
            "`since` must be between 1s and 30 days, e.g. `2h` or `3days`.",
        ));
    }
    Ok(d)
}

/// Run a Trakt call; if it takes longer than `defer_after`, defer the reply
/// (ephemerally, so an error stays private) while it finishes. Returns whether
/// the reply was deferred.
async fn with_deferral<T>(
    ctx: Context<'_>,
    fut: impl Future<Output = T>,
) -> Result<(T, bool), CommandError> {
    tokio::pin!(fut);
    tokio::select! {
        out = &mut fut => Ok((out, false)),
        _ = tokio::time::sleep(ctx.data().defer_after) => {
            ctx.defer_ephemeral().await?;
            Ok((fut.await, true))
        }
    }
}

/// Send a public reply. After an ephemeral deferral the first follow-up inherits
/// the deferral's privacy, so a short private note completes it first.
async fn reply_public(
    ctx: Context<'_>,
    deferred: bool,
    reply: CreateReply,
) -> Result<(), CommandError> {
    if deferred {
        ctx.send(CreateReply::default().content("Done.").ephemeral(true))
            .await?;
    }
    ctx.send(reply.ephemeral(false)).await?;
    Ok(())
}

fn describe_actions(actions: ActionSet) -> String {
    if actions.is_all() {
        "all activity".to_owned()
    } else {
        actions
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Follow a show in this channel: its Trakt activity will be posted here.
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_CHANNELS",
    required_permissions = "MANAGE_CHANNELS"
)]
pub async fn follow(
    ctx: Context<'_>,
    #[description = "Trakt slug (the-walking-dead) or TVDB id (153021)"] show: String,
    #[description = "Comma list: watching, scrobble, checkin, seen, collection, rating, watchlist, shout, review, created, item_added (default: all)"]
    actions: Option<String>,
) -> Result<(), CommandError> {
    let (guild, channel, user) = ids(ctx)?;
    let show = parse_show(&show)?;
    let actions = parse_actions(actions.as_deref())?;
    let data = ctx.data();
    let existing = data
        .store
        .channel_follows(channel)?
        .into_iter()
        .find(|s| s.show == show);
    if existing.is_none()
        && data.store.guild_follow_count(guild)? >= data.limits.max_follows_per_guild
    {
        return Err(StoreError::LimitReached {
            limit: data.limits.max_follows_per_guild,
        }
        .into());
    }
    let (lookup, deferred) = with_deferral(ctx, data.trakt.lookup_show(&show)).await?;
    let info = lookup.map_err(|e| trakt_error(&show, e))?;
    // Trakt names the show only when something happened to it lately: a
    // re-follow keeps the title it had rather than falling back to the slug.
    let title = info
        .title
        .clone()
        .or_else(|| existing.map(|s| s.title))
        .unwrap_or_else(|| show.to_string());
    let outcome = data.store.follow(NewFollow {
        guild,
        channel,
        show: show.clone(),
        title: title.clone(),
        actions,
        created_by: user,
        now: unix_now(),
        start_watermark: Some(info.current),
        max_per_guild: data.limits.max_follows_per_guild,
    })?;
    // A confirmed follow must survive a crash.
    data.store.flush()?;
    let shown = format::escape_markdown(&title);
    let text = match outcome {
        FollowOutcome::Created => format!(
            "📺 This channel now follows **{shown}** (`{show}`) for {}.",
            describe_actions(actions)
        ),
        FollowOutcome::Updated { previous } => format!(
            "📺 Updated: this channel follows **{shown}** (`{show}`) for {} (was: {}).",
            describe_actions(actions),
            describe_actions(previous)
        ),
    };
    reply_public(ctx, deferred, CreateReply::default().content(text)).await
}

async fn autocomplete_followed(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let channel = ChannelId(ctx.channel_id().get());
    let follows = ctx
        .data()
        .store
        .channel_follows(channel)
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "autocomplete: cannot read follows");
            Vec::new()
        });
    serenity::CreateAutocompleteResponse::new().set_choices(follow_choices(&follows, partial))
}

/// Discord shows at most this many autocomplete choices.
const MAX_CHOICES: usize = 25;
/// Discord's limit on a choice's name and value.
const MAX_CHOICE_CHARS: usize = 100;

/// The follows matching what the user typed (case-insensitive, slug or title):
/// those that start with it first, then those that contain it, each group in
/// the store's order; at most [`MAX_CHOICES`].
fn follow_choices(follows: &[Subscription], typed: &str) -> Vec<serenity::AutocompleteChoice> {
    let typed = typed.trim().to_lowercase();
    let rank = |s: &Subscription| {
        let slug = s.show.to_string();
        let title = s.title.to_lowercase();
        if slug.starts_with(&typed) || title.starts_with(&typed) {
            Some(0)
        } else if slug.contains(&typed) || title.contains(&typed) {
            Some(1)
        } else {
            None
        }
    };
    let mut ranked: Vec<(u8, &Subscription)> = follows
        .iter()
        .filter_map(|s| rank(s).map(|r| (r, s)))
        .collect();
    ranked.sort_by_key(|(r, _)| *r); // stable: store order within a rank
    ranked
        .into_iter()
        .take(MAX_CHOICES)
        .map(|(_, s)| {
            let slug = s.show.to_string();
            let label = if s.title == slug {
                slug.clone()
            } else {
                format!("{} ({slug})", s.title)
            };
            let label: String = label.chars().take(MAX_CHOICE_CHARS).collect();
            serenity::AutocompleteChoice::new(label, slug)
        })
        .collect()
}

/// Stop following a show in this channel.
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_CHANNELS",
    required_permissions = "MANAGE_CHANNELS"
)]
pub async fn unfollow(
    ctx: Context<'_>,
    #[description = "A show this channel follows"]
    #[autocomplete = "autocomplete_followed"]
    show: String,
) -> Result<(), CommandError> {
    let (_, channel, _) = ids(ctx)?;
    let show = parse_show(&show)?;
    let store = &ctx.data().store;
    match store.unfollow(channel, &show)? {
        Some(sub) => {
            store.flush()?;
            let text = format!(
                "This channel no longer follows **{}** (`{}`).",
                format::escape_markdown(&sub.title),
                sub.show
            );
            ctx.send(CreateReply::default().content(text)).await?;
            Ok(())
        }
        None => Err(CommandError::User(format!(
            "This channel does not follow `{show}`. /follows lists what it follows."
        ))),
    }
}

/// List the shows this channel follows.
#[poise::command(slash_command, guild_only, ephemeral)]
pub async fn follows(ctx: Context<'_>) -> Result<(), CommandError> {
    let (_, channel, _) = ids(ctx)?;
    let subs = ctx.data().store.channel_follows(channel)?;
    if subs.is_empty() {
        ctx.send(
            CreateReply::default()
                .content("This channel follows no show yet. A moderator can add one with /follow.")
                .ephemeral(true),
        )
        .await?;
        return Ok(());
    }
    let mut lines = Vec::new();
    for s in &subs {
        let state = match &s.state {
            SubState::Active => "active".to_owned(),
            SubState::Paused { since } => format!("paused since <t:{since}:R>"),
            SubState::Disabled { reason, since } => {
                format!("⚠️ disabled since <t:{since}:R>: {reason}. /follow it again to resume")
            }
        };
        lines.push(format!(
            "• **{}** (`{}`): {} — {}",
            format::escape_markdown(&s.title),
            s.show,
            describe_actions(s.actions),
            state
        ));
    }
    let description = format::truncate(&lines.join("\n"), format::limits::DESCRIPTION);
    let embed = serenity::CreateEmbed::new()
        .title(format!("Follows in this channel ({})", subs.len()))
        .description(description);
    ctx.send(CreateReply::default().embed(embed).ephemeral(true))
        .await?;
    Ok(())
}

/// Show recent Trakt activity for a show.
#[poise::command(slash_command, guild_only)]
pub async fn activity(
    ctx: Context<'_>,
    #[description = "Trakt slug (the-walking-dead) or TVDB id (153021)"] show: String,
    #[description = "Comma list of actions (default: all)"] actions: Option<String>,
    #[description = "How far back, e.g. 30m, 2h, 3days (default: 1day)"] since: Option<String>,
) -> Result<(), CommandError> {
    let show = parse_show(&show)?;
    let actions = parse_actions(actions.as_deref())?;
    let window = parse_since(since.as_deref())?;
    let data = ctx.data();
    let trakt = data.trakt.clone();
    let lookup_show = show.clone();
    let fut = async move {
        // Trakt's clock, not ours: one page tells the time (and the show's
        // title, when anything happened to it lately), then ask for the
        // window behind it.
        let info = trakt.lookup_show(&lookup_show).await?;
        let start = TraktTime(info.current.0).minus_secs(window.as_secs());
        let fetched = trakt
            .fetch(std::slice::from_ref(&lookup_show), actions, Some(start))
            .await?;
        Ok::<_, TraktError>((info.title, fetched))
    };
    let (result, deferred) = with_deferral(ctx, fut).await?;
    let (known_title, fetched) = result.map_err(|e| trakt_error(&show, e))?;
    let mut items: Vec<_> = fetched
        .activities
        .iter()
        .filter(|a| a.subject_show().is_none_or(|s| s.is(&show)))
        .collect();
    let title = items
        .iter()
        .find_map(|a| a.subject_show().and_then(|s| s.title.clone()))
        .or(known_title)
        .unwrap_or_else(|| show.to_string());
    let span = humantime::format_duration(window).to_string();
    if items.is_empty() {
        let text = format!(
            "No activity in the last {span} for **{}**.",
            format::escape_markdown(&title)
        );
        return reply_public(ctx, deferred, CreateReply::default().content(text)).await;
    }
    items.reverse(); // newest first
    let total = items.len();
    let embeds: Vec<format::Embed> = items
        .iter()
        .take(10)
        .map(|a| format::render_v1(a))
        .collect();
    let message = format::pack(embeds)
        .into_iter()
        .next()
        .unwrap_or(format::Message { embeds: Vec::new() });
    let shown = message.embeds.len();
    let mut reply = CreateReply::default().content(format!(
        "Latest activity for **{}** in the last {span}: {shown} of {total}.",
        format::escape_markdown(&title)
    ));
    for e in &message.embeds {
        reply = reply.embed(super::to_serenity_embed(e));
    }
    reply_public(ctx, deferred, reply).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_forms() {
        assert_eq!(parse_since(None).expect("default"), DEFAULT_SINCE);
        assert_eq!(
            parse_since(Some("2h")).expect("2h"),
            Duration::from_secs(7200)
        );
        assert_eq!(
            parse_since(Some("3days")).expect("3d"),
            Duration::from_secs(3 * 86400)
        );
        let err = parse_since(Some("yesterday")).expect_err("bad").to_string();
        assert!(err.contains("`yesterday`") && err.contains("2h"), "{err}");
        assert!(parse_since(Some("90days")).is_err());
        assert!(parse_since(Some("0s")).is_err());
    }

    fn sub(slug: &str, title: &str) -> Subscription {
        Subscription {
            guild: GuildId(1),
            channel: ChannelId(2),
            show: ShowRef::parse(slug).expect("slug"),
            title: title.to_owned(),
            actions: ActionSet::all(),
            created_by: UserId(3),
            created_at: 0,
            state: SubState::Active,
            since: None,
        }
    }

    fn values(choices: &[serenity::AutocompleteChoice]) -> Vec<String> {
        choices
            .iter()
            .map(|c| serde_json::to_value(c).expect("json")["value"].to_string())
            .collect()
    }

    #[test]
    fn choices_rank_prefix_matches_first_and_stop_at_25() {
        let follows = vec![
            sub("fear-the-walking-dead", "Fear the Walking Dead"),
            sub("the-walking-dead", "The Walking Dead"),
            sub("lost", "lost"),
        ];
        let got = follow_choices(&follows, " The ");
        assert_eq!(
            values(&got),
            ["\"the-walking-dead\"", "\"fear-the-walking-dead\""]
        );
        let names: Vec<String> = follow_choices(&follows, "lo")
            .iter()
            .map(|c| serde_json::to_value(c).expect("json")["name"].to_string())
            .collect();
        assert_eq!(names, ["\"lost\""], "no repeated slug when it is the title");
        let many: Vec<Subscription> = (0..40).map(|i| sub(&format!("s-{i}"), "x")).collect();
        assert_eq!(follow_choices(&many, "").len(), MAX_CHOICES);
        let long = sub("a", &"t".repeat(300));
        let name = serde_json::to_value(&follow_choices(&[long], "")[0]).expect("json")["name"]
            .as_str()
            .expect("name")
            .chars()
            .count();
        assert_eq!(name, MAX_CHOICE_CHARS);
    }

    #[test]
    fn user_errors_name_the_problem() {
        let e = parse_show("a/b").expect_err("bad").to_string();
        assert!(e.contains("`/`"), "{e}");
        let e = parse_actions(Some("seen,bogus"))
            .expect_err("bad")
            .to_string();
        assert!(e.contains("bogus"), "{e}");
    }
}
