//! `/status` (Manage Channels, private): every follow of the server by
//! channel, the bot's Trakt budget and its Discord latency, as pages
//! (`status_page`, pure). More than one page gets ◀ ▶ buttons (poise's
//! paginate pattern: a component collector on this interaction's id) that
//! only the person who asked may press; anyone else gets a private "not
//! yours". The pages are built once, when asked; the buttons stop after
//! [`BUTTONS_FOR`] (they are then removed).

use std::time::Duration;

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::status_page::{self, BotFigures, Page};
use super::{ids, CommandError, Context};
use crate::clock::unix_now;
use crate::poller::intervals::Intervals;
use crate::store::Followed;
use crate::trakt::Source;

/// How long the page buttons answer.
pub const BUTTONS_FOR: Duration = Duration::from_secs(10 * 60);
/// What someone else pressing the buttons reads.
pub const NOT_YOURS: &str =
    "These buttons belong to whoever asked for this /status. Use /status yourself to see it.";

/// What `/status` needs besides the store.
#[derive(Clone, Debug, Default)]
pub struct StatusSources {
    /// Each show's planned interval (published by the poller).
    pub intervals: Intervals,
    /// `poll.interval`: users are read every cycle, and a show the schedule
    /// has not planned (yet) too.
    pub poll_interval: Duration,
    /// `trakt.max_requests_per_second`.
    pub requests_per_second: f64,
}

/// Every follow of this server, with its polls, posts and errors.
#[poise::command(
    slash_command,
    guild_only,
    ephemeral,
    default_member_permissions = "MANAGE_CHANNELS",
    required_permissions = "MANAGE_CHANNELS"
)]
pub async fn status(ctx: Context<'_>) -> Result<(), CommandError> {
    let (guild, _, author) = ids(ctx)?;
    let data = ctx.data();
    let status = data.store.blocking(move |s| s.guild_status(guild)).await?;
    let figures = figures(ctx, &data.source, data.status.requests_per_second).await;
    let sources = &data.status;
    let pages = status_page::pages(&status, &figures, unix_now(), |f| match f {
        Followed::Show { show, .. } => {
            Some(sources.intervals.get(show).unwrap_or(sources.poll_interval))
        }
        Followed::User { .. } => Some(sources.poll_interval),
    });
    let Some(first) = pages.first() else {
        return Err(CommandError::Internal("no status page".to_owned()));
    };
    let prefix = format!("{}:status:", ctx.id());
    let mut reply = CreateReply::default().embed(first.embed()).ephemeral(true);
    if pages.len() > 1 {
        reply = reply.components(buttons(&prefix, 0, pages.len()));
    }
    let handle = ctx.send(reply).await?;
    if pages.len() > 1 {
        turn_pages(ctx, &pages, &prefix, author.0).await?;
        let last = CreateReply::default().components(Vec::new());
        if let Err(e) = handle.edit(ctx, last).await {
            tracing::debug!(error = %e, "/status: could not remove the page buttons");
        }
    }
    Ok(())
}

/// Answer the page buttons until [`BUTTONS_FOR`] passes without a press.
async fn turn_pages(
    ctx: Context<'_>,
    pages: &[Page],
    prefix: &str,
    author: u64,
) -> Result<(), CommandError> {
    let mut current = 0usize;
    loop {
        let wanted = prefix.to_owned();
        let Some(press) = serenity::ComponentInteractionCollector::new(ctx)
            .filter(move |press| press.data.custom_id.starts_with(&wanted))
            .timeout(BUTTONS_FOR)
            .await
        else {
            return Ok(());
        };
        let answer = if press.user.id.get() != author {
            serenity::CreateInteractionResponse::Message(
                serenity::CreateInteractionResponseMessage::new()
                    .content(NOT_YOURS)
                    .ephemeral(true)
                    .allowed_mentions(serenity::CreateAllowedMentions::new()),
            )
        } else {
            current = turn(current, &press.data.custom_id[prefix.len()..], pages.len());
            let page = pages.get(current).unwrap_or(&pages[0]);
            serenity::CreateInteractionResponse::UpdateMessage(
                serenity::CreateInteractionResponseMessage::new()
                    .embed(page.embed())
                    .components(buttons(prefix, current, pages.len())),
            )
        };
        press
            .create_response(ctx.serenity_context(), answer)
            .await?;
    }
}

/// The page after pressing `button` (`prev`, `next`) on page `current` of `count`.
pub fn turn(current: usize, button: &str, count: usize) -> usize {
    match button {
        "next" => (current + 1).min(count.saturating_sub(1)),
        "prev" => current.saturating_sub(1),
        _ => current,
    }
}

/// ◀ and ▶, each disabled at its end.
fn buttons(prefix: &str, current: usize, count: usize) -> Vec<serenity::CreateActionRow> {
    vec![serenity::CreateActionRow::Buttons(vec![
        serenity::CreateButton::new(format!("{prefix}prev"))
            .label("◀ Previous")
            .style(serenity::ButtonStyle::Secondary)
            .disabled(current == 0),
        serenity::CreateButton::new(format!("{prefix}next"))
            .label("Next ▶")
            .style(serenity::ButtonStyle::Secondary)
            .disabled(current + 1 >= count),
    ])]
}

/// The Trakt budget now and this shard's heartbeat latency.
async fn figures(ctx: Context<'_>, source: &Source, requests_per_second: f64) -> BotFigures {
    let (available, key_refused) = match source {
        Source::V1(client) => (client.budget_available(), false),
        Source::V2(v2) => (v2.client.budget_available(), v2.client.key_refused()),
    };
    let shard = ctx.serenity_context().shard_id;
    let latency = ctx
        .framework()
        .shard_manager
        .runners
        .lock()
        .await
        .get(&shard)
        .and_then(|runner| runner.latency);
    BotFigures {
        requests_per_second,
        available,
        key_refused,
        latency,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buttons_stop_at_both_ends() {
        assert_eq!(turn(0, "prev", 3), 0);
        assert_eq!(turn(0, "next", 3), 1);
        assert_eq!(turn(2, "next", 3), 2);
        assert_eq!(turn(2, "prev", 3), 1);
        assert_eq!(turn(1, "bogus", 3), 1);
    }
}
