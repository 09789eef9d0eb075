//! `/follows`: lists the shows this channel follows, their actions and state
//! (active, paused, disabled and why), ephemerally; a show followed by Trakt
//! id (v2) is shown by its title and slug.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::matching::handle;
use super::{describe_actions, ids, CommandError, Context};
use crate::format;
use crate::store::SubState;

/// List the shows this channel follows.
#[poise::command(slash_command, guild_only, ephemeral)]
pub async fn follows(
    ctx: Context<'_>,
    #[description = "The channel to list (default: this channel)"]
    #[channel_types("Text", "News", "PublicThread", "PrivateThread", "NewsThread", "Forum")]
    channel: Option<serenity::PartialChannel>,
) -> Result<(), CommandError> {
    ids(ctx)?;
    let target = super::target::target(ctx, channel.as_ref());
    let channel = target.channel;
    let (subs, users) = ctx
        .data()
        .store
        .blocking(move |s| s.channel_follows_both(channel))
        .await?;
    if subs.is_empty() && users.is_empty() {
        ctx.send(
            CreateReply::default()
                .content(format!(
                    "{} follows no show yet. A moderator can add one with /follow.",
                    super::target::capitalized(&target.place())
                ))
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
            handle(s),
            describe_actions(s.actions),
            state
        ));
        if !s.delivery.is_default() {
            let notes = super::target::describe_delivery(&s.delivery);
            if let Some(last) = lines.last_mut() {
                last.push_str(&notes);
            }
        }
    }
    lines.extend(users.iter().map(super::follow_user::follows_line));
    let description = format::truncate(&lines.join("\n"), format::limits::DESCRIPTION);
    let embed = serenity::CreateEmbed::new()
        .title(match target.here {
            true => format!("Follows in this channel ({})", subs.len() + users.len()),
            false => format!(
                "Follows in the chosen channel ({})",
                subs.len() + users.len()
            ),
        })
        .description(description);
    ctx.send(CreateReply::default().embed(embed).ephemeral(true))
        .await?;
    Ok(())
}
