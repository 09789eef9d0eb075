//! The slash commands, one file each: `/follow`, `/unfollow`, `/follows`,
//! `/activity`, `/status` (its pure pages in `status_page`) (their Trakt API v2 paths in `*_v2`, what v2 paths share in
//! `v2`, `/follow`'s show autocomplete in `complete`, naming a followed show
//! in `matching`). This module holds what they share: the command data, the
//! error type and the error handler, input parsing, deferral and replies.
//! Commands are thin: parse and validate input, call the store (on the
//! blocking pool) or Trakt, reply. User mistakes come back as `CommandError::User` (shown
//! ephemerally, as written); anything else is logged in full and shown only as
//! a short apology.

mod activity;
mod activity_digest;
mod activity_user;
mod activity_v2;
mod alerts;
mod complete;
mod follow;
mod follow_user;
mod follow_v2;
mod follows;
mod forum_follow;
mod help;
mod kinds;
mod matching;
mod pause;
mod resume;
mod status;
mod status_page;
mod target;
mod unfollow;
mod v2;

pub use activity::{parse_since, DEFAULT_SINCE, MAX_SINCE};
pub use status::StatusSources;

use std::future::Future;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use crate::config::LimitsConfig;
use crate::ids::{ChannelId, GuildId, UserId};
use crate::store::{Store, StoreError};
use crate::trakt::{ActionSet, ShowRef, Source, TraktError};

/// What every command can reach.
pub struct Data {
    pub store: Store,
    /// The Trakt the bot reads (the same clients as the poller's: one budget).
    pub source: Source,
    pub limits: LimitsConfig,
    /// How long a Trakt call may take before the reply is deferred.
    pub defer_after: Duration,
    /// The bot's own REST client (forum posts: `/follow` opens them).
    pub rest: crate::discord::rest::DiscordRest,
    /// What `/status` reads besides the store.
    pub status: StatusSources,
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

/// What users read when Trakt is down or busy.
const TRY_AGAIN: &str =
    "Trakt is not answering right now, so nothing was changed. Please try again later.";

/// Trakt failures, as users should read them.
fn trakt_error(show: &ShowRef, e: TraktError) -> CommandError {
    match e {
        TraktError::NotFound { .. } => CommandError::User(format!(
            "Trakt has no show `{show}`. Use the slug from the show's Trakt address (trakt.tv/shows/**the-walking-dead**) or its TVDB id."
        )),
        TraktError::Unauthorized { .. } => {
            CommandError::Internal("Trakt refused the API key".to_owned())
        }
        e if e.is_transient() => CommandError::user(TRY_AGAIN),
        other => CommandError::Internal(format!("trakt: {other}")),
    }
}

pub type Context<'a> = poise::Context<'a, Data, CommandError>;

/// Every command, for registration. A `channel` option that accepts
/// forums accepts media channels too (type 16, which poise's attribute
/// cannot name).
pub fn all() -> Vec<poise::Command<Data, CommandError>> {
    let mut all = commands();
    for command in &mut all {
        for p in command.parameters.iter_mut() {
            if let Some(types) = p.channel_types.as_mut() {
                if types.contains(&serenity::ChannelType::Forum) {
                    types
                        .to_mut()
                        .push(serenity::ChannelType::Unknown(crate::discord::forum::MEDIA));
                }
            }
        }
    }
    all
}

fn commands() -> Vec<poise::Command<Data, CommandError>> {
    vec![
        follow::follow(),
        unfollow::unfollow(),
        follow_user::follow_user(),
        follow_user::unfollow_user(),
        follows::follows(),
        activity::activity(),
        pause::pause(),
        resume::resume(),
        alerts::alerts(),
        status::status(),
        help::help(),
    ]
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

/// A show for a v1 lookup: a slug or TVDB id (v1 cannot look up Trakt ids).
fn parse_v1_show(input: &str) -> Result<ShowRef, CommandError> {
    match parse_show(input)? {
        ShowRef::Trakt(_) => Err(CommandError::user(
            "This bot reads Trakt API v1, which cannot look up Trakt ids such as `trakt:1393`: give the show's slug (`the-walking-dead`) or its TVDB id (`153021`).",
        )),
        show => Ok(show),
    }
}

fn parse_actions(input: Option<&str>) -> Result<ActionSet, CommandError> {
    match input {
        None => Ok(ActionSet::all()),
        Some(a) => ActionSet::parse(a)
            .map_err(|e| CommandError::User(format!("Those actions are not valid: {e}."))),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_options_that_take_forums_take_media_channels_too() {
        let all = all();
        let types = |command: &str| {
            all.iter()
                .find(|c| c.name == command)
                .and_then(|c| c.parameters.iter().find(|p| p.name == "channel"))
                .and_then(|p| p.channel_types.clone())
                .map(|t| t.to_vec())
                .unwrap_or_default()
        };
        for command in ["follow", "unfollow", "pause", "resume", "follows"] {
            let t = types(command);
            assert!(
                t.contains(&serenity::ChannelType::Forum)
                    && t.contains(&serenity::ChannelType::Unknown(16)),
                "{command}: {t:?}"
            );
        }
        // The alerts channel is never a forum.
        assert!(!types("alerts").contains(&serenity::ChannelType::Unknown(16)));
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

    #[test]
    fn v1_refuses_trakt_ids() {
        let e = parse_v1_show("trakt:1393").expect_err("v1").to_string();
        assert!(e.contains("Trakt API v1") && e.contains("TVDB id"), "{e}");
        assert_eq!(parse_v1_show("153021").ok(), Some(ShowRef::Tvdb(153_021)));
    }
}
