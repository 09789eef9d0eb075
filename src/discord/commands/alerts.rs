//! `/alerts`: a server manager chooses the channel where the bot says so when
//! it has to stop posting in a channel (its follows disabled), and why; `off`
//! stops the alerts. Without an alerts channel, `/follows` still shows it.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::{ids, CommandError, Context};
use crate::ids::ChannelId;

/// Where the bot posts its alerts (default: this channel).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn alerts(
    ctx: Context<'_>,
    #[description = "The channel for alerts (default: this one)"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::ChannelId>,
    #[description = "Stop sending alerts"] off: Option<bool>,
) -> Result<(), CommandError> {
    let (guild, here, _) = ids(ctx)?;
    if !may_manage_guild(ctx) {
        return Err(CommandError::user(
            "You need the **Manage Server** permission to use this command.",
        ));
    }
    let target = if off.unwrap_or(false) {
        None
    } else {
        Some(channel.map_or(here, |c| ChannelId(c.get())))
    };
    ctx.data()
        .store
        .blocking(move |s| s.set_alerts_channel(guild, target))
        .await?;
    let text = match target {
        Some(c) => format!(
            "🔔 From now on I post my alerts in <#{c}>: when I have to stop posting in a channel, I say which, why, and what to do. Make sure I can post there."
        ),
        None => "🔕 I no longer post alerts. /follows in a channel still shows a follow I disabled.".to_owned(),
    };
    ctx.send(CreateReply::default().content(text)).await?;
    Ok(())
}

/// Whether the member who invoked the command has Manage Server (Discord
/// sends the member's permissions with every guild interaction).
fn may_manage_guild(ctx: Context<'_>) -> bool {
    let poise::Context::Application(app) = ctx else {
        return false;
    };
    app.interaction
        .member
        .as_ref()
        .and_then(|m| m.permissions)
        .is_some_and(|p| p.manage_guild() || p.administrator())
}
