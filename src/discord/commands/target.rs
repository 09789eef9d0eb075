//! Where a command acts and how a follow's messages notify: the `channel`
//! option (default: where the command was typed), the bot's permissions
//! there (the interaction's `app_permissions` for the channel it was typed
//! in, else computed from the channel, the guild's roles and the bot's
//! member, fetched; a forum needs what opening a post takes; a locked
//! thread is refused), and the `ping`, `ping_on`, `quiet`, `publish` options.

use poise::serenity_prelude as serenity;
use serenity::{ChannelType, Permissions};

use super::{parse_actions, CommandError, Context};
use crate::discord::permissions::{self, Inputs, Overwrite, OverwriteTarget};
use crate::ids::{ChannelId, GuildId, RoleId};
use crate::store::Delivery;

/// The channel a command acts on.
#[derive(Clone, Debug)]
pub(super) struct Target {
    pub channel: ChannelId,
    /// Where the command was typed (its permissions came with the interaction).
    pub here: bool,
    pub kind: Option<ChannelType>,
    /// A locked thread (only moderators may post there).
    pub locked: bool,
}

impl Target {
    /// "this channel", or the channel's mention when it is elsewhere.
    pub fn place(&self) -> String {
        if self.here {
            "this channel".to_owned()
        } else {
            format!("<#{}>", self.channel)
        }
    }

    /// A forum or media channel: follows post in one post per show.
    pub fn is_forum(&self) -> bool {
        self.forum_kind().is_some()
    }

    /// Discord's type of a forum (15) or media (16) channel.
    pub fn forum_kind(&self) -> Option<u8> {
        match self.kind {
            Some(ChannelType::Forum) => Some(crate::discord::forum::FORUM),
            Some(ChannelType::Unknown(k)) if crate::discord::forum::is_forum(k) => Some(k),
            _ => None,
        }
    }

    fn is_thread(&self) -> bool {
        matches!(
            self.kind,
            Some(ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread)
        )
    }
}

fn interaction(ctx: Context<'_>) -> Option<&serenity::CommandInteraction> {
    match ctx {
        poise::Context::Application(app) => Some(app.interaction),
        poise::Context::Prefix(_) => None,
    }
}

/// The `channel` option, or where the command was typed.
pub(super) fn target(ctx: Context<'_>, option: Option<&serenity::PartialChannel>) -> Target {
    let typed_in = ctx.channel_id();
    match option {
        Some(c) if c.id != typed_in => Target {
            channel: ChannelId(c.id.get()),
            here: false,
            kind: Some(c.kind),
            locked: is_locked(c),
        },
        _ => {
            let here = interaction(ctx).and_then(|i| i.channel.as_ref());
            Target {
                channel: ChannelId(typed_in.get()),
                here: true,
                kind: here.map(|c| c.kind),
                locked: here.is_some_and(is_locked),
            }
        }
    }
}

fn is_locked(c: &serenity::PartialChannel) -> bool {
    c.thread_metadata.as_ref().is_some_and(|t| t.locked)
}

/// For autocomplete: the channel the `channel` option names, else where it is typed.
pub(super) fn autocomplete_channel(ctx: Context<'_>) -> ChannelId {
    let chosen = interaction(ctx).and_then(|i| {
        i.data
            .options
            .iter()
            .find_map(|o| match (&*o.name, &o.value) {
                ("channel", serenity::CommandDataOptionValue::Channel(id)) => Some(*id),
                _ => None,
            })
    });
    ChannelId(chosen.unwrap_or_else(|| ctx.channel_id()).get())
}

/// Refuse (privately, naming what is missing) when the bot cannot post a
/// follow's messages in `target`; the bot's permissions there otherwise.
pub(super) async fn check_can_post(
    ctx: Context<'_>,
    guild: GuildId,
    target: &Target,
) -> Result<Permissions, CommandError> {
    let have = if target.here {
        interaction(ctx)
            .and_then(|i| i.app_permissions)
            .ok_or_else(|| CommandError::Internal("no app_permissions in the interaction".into()))?
    } else {
        fetch_permissions(ctx, guild, target).await?
    };
    if target.locked {
        return Err(CommandError::User(locked_text(&target.place())));
    }
    let missing = if target.is_forum() {
        permissions::missing_in_forum(have)
    } else {
        permissions::missing(have, target.is_thread())
    };
    if missing.is_empty() {
        return Ok(have);
    }
    Err(CommandError::User(missing_text(&target.place(), &missing)))
}

/// What `/follow` answers when the bot lacks permissions.
pub(super) fn missing_text(place: &str, missing: &[&str]) -> String {
    let list = missing
        .iter()
        .map(|m| format!("**{m}**"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("I cannot post in {place}: I am missing {list} there. Give me that, then /follow again. Nothing was changed.")
}

/// What `/follow` answers in a locked thread.
pub(super) fn locked_text(place: &str) -> String {
    format!("{} is a locked thread: Discord lets only moderators post there, so I could not post. Unlock it, or choose another channel. Nothing was changed.", capitalized(place))
}

/// The bot's permissions in a channel other than the one the command came from.
async fn fetch_permissions(
    ctx: Context<'_>,
    guild: GuildId,
    target: &Target,
) -> Result<Permissions, CommandError> {
    let http = ctx.http();
    let cannot_see = || CommandError::User(missing_text(&target.place(), &["View Channel"]));
    let channel = serenity::ChannelId::new(target.channel.get());
    let channel = match http.get_channel(channel).await {
        Ok(serenity::Channel::Guild(c)) => c,
        Ok(_) => return Err(CommandError::user("That is not a server channel.")),
        Err(serenity::Error::Http(e)) if e.status_code().is_some_and(|s| s.is_client_error()) => {
            return Err(cannot_see())
        }
        Err(e) => return Err(e.into()),
    };
    // A thread has the overwrites of its parent channel.
    let overwrites_of = match (target.is_thread(), channel.parent_id) {
        (true, Some(parent)) => http
            .get_channel(parent)
            .await?
            .guild()
            .ok_or_else(cannot_see)?,
        _ => channel,
    };
    let guild_id = serenity::GuildId::new(guild.get());
    let roles = http.get_guild_roles(guild_id).await?;
    let member = http.get_member(guild_id, ctx.framework().bot_id()).await?;
    let inputs = Inputs {
        guild_id: guild.get(),
        owner_id: None,
        member_id: member.user.id.get(),
        roles: roles.iter().map(|r| (r.id.get(), r.permissions)).collect(),
        member_roles: member.roles.iter().map(|r| r.get()).collect(),
        overwrites: overwrites_of
            .permission_overwrites
            .iter()
            .map(|o| Overwrite {
                target: match o.kind {
                    serenity::PermissionOverwriteType::Member(u) => {
                        OverwriteTarget::Member(u.get())
                    }
                    serenity::PermissionOverwriteType::Role(r) => OverwriteTarget::Role(r.get()),
                    _ => OverwriteTarget::Role(0),
                },
                allow: o.allow,
                deny: o.deny,
            })
            .collect(),
    };
    Ok(permissions::compute(&inputs))
}

/// The notification options of `/follow`, as typed.
#[derive(Clone, Debug, Default)]
pub(super) struct NotifyOptions {
    pub ping: Option<serenity::Role>,
    pub ping_on: Option<String>,
    pub quiet: Option<bool>,
    pub publish: Option<bool>,
}

/// The follow's [`Delivery`] from its options, in `target`, where the bot
/// has `have`. Refused: `ping_on` without `ping`, a ping of @everyone, a
/// role the bot may not mention, `publish` outside an announcement channel.
pub(super) fn delivery(
    guild: GuildId,
    o: &NotifyOptions,
    target: &Target,
    have: Permissions,
) -> Result<Delivery, CommandError> {
    let ping_on = match o.ping_on.as_deref() {
        None => None,
        Some(_) if o.ping.is_none() => {
            return Err(CommandError::user(
                "`ping_on` says which actions ping `ping`: give a role in `ping` too.",
            ))
        }
        Some(text) => Some(parse_actions(Some(text))?).filter(|a| !a.is_all()),
    };
    let ping = match &o.ping {
        None => None,
        Some(role) if role.id.get() == guild.get() => {
            return Err(CommandError::user("I never ping @everyone: choose a role for `ping`."))
        }
        Some(role)
            if !role.mentionable && !have.contains(Permissions::MENTION_EVERYONE) =>
        {
            return Err(CommandError::User(format!(
                "I may not mention the role **{}**: make it mentionable (Server Settings → Roles), or give me **Mention @everyone, @here and All Roles** in {}. Nothing was changed.",
                crate::format::escape_markdown(&role.name),
                target.place()
            )))
        }
        Some(role) => Some(RoleId(role.id.get())),
    };
    let publish = o.publish.unwrap_or(false);
    if publish && target.kind != Some(ChannelType::News) {
        return Err(CommandError::user(
            "`publish` crossposts to the servers following an announcement channel: it works in announcement channels only.",
        ));
    }
    Ok(Delivery {
        ping,
        ping_on,
        quiet: o.quiet.unwrap_or(false),
        publish,
    })
}

/// What the confirmation adds about notifications.
pub(super) fn describe_delivery(d: &Delivery) -> String {
    let mut parts = Vec::new();
    if let Some(role) = d.ping {
        match d.ping_on {
            Some(on) => parts.push(format!("pings <@&{role}> for {on}")),
            None => parts.push(format!("pings <@&{role}>")),
        }
    }
    if d.quiet {
        parts.push(
            if d.ping.is_some() {
                "other posts are silent"
            } else {
                "posts are silent"
            }
            .to_owned(),
        );
    }
    if d.publish {
        parts.push("each post is published".to_owned());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

/// `text` with its first letter upper-case ("This channel").
pub(super) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn here(kind: ChannelType) -> Target {
        Target {
            channel: ChannelId(5),
            here: true,
            kind: Some(kind),
            locked: false,
        }
    }

    #[test]
    fn ping_on_needs_a_ping_and_all_means_every_action() {
        let o = NotifyOptions {
            ping_on: Some("review".into()),
            ..NotifyOptions::default()
        };
        let e = delivery(
            GuildId(1),
            &o,
            &here(ChannelType::Text),
            Permissions::empty(),
        )
        .expect_err("no role")
        .to_string();
        assert!(e.contains("give a role in `ping`"), "{e}");
        let o = NotifyOptions {
            quiet: Some(true),
            ..NotifyOptions::default()
        };
        let d = delivery(
            GuildId(1),
            &o,
            &here(ChannelType::Text),
            Permissions::empty(),
        )
        .expect("quiet");
        assert_eq!(
            d,
            Delivery {
                quiet: true,
                ..Delivery::default()
            }
        );
        assert_eq!(describe_delivery(&d), " (posts are silent)");
        let o = NotifyOptions {
            publish: Some(true),
            ..NotifyOptions::default()
        };
        let d = delivery(
            GuildId(1),
            &o,
            &here(ChannelType::News),
            Permissions::empty(),
        )
        .expect("news");
        assert!(d.publish);
    }

    #[test]
    fn the_refusal_names_the_place_and_each_missing_permission() {
        let elsewhere = Target {
            channel: ChannelId(42),
            here: false,
            kind: None,
            locked: false,
        };
        assert_eq!(
            locked_text(&elsewhere.place()),
            "<#42> is a locked thread: Discord lets only moderators post there, so I could not post. Unlock it, or choose another channel. Nothing was changed."
        );
        let media = Target {
            kind: Some(ChannelType::Unknown(16)),
            ..elsewhere.clone()
        };
        assert_eq!(media.forum_kind(), Some(16));
        assert!(!here(ChannelType::Text).is_forum());
        assert_eq!(elsewhere.place(), "<#42>");
        assert_eq!(
            capitalized(&here(ChannelType::Text).place()),
            "This channel"
        );
        let text = missing_text("<#42>", &["Embed Links", "Read Message History"]);
        assert!(
            text.starts_with("I cannot post in <#42>: I am missing **Embed Links**, **Read Message History** there."),
            "{text}"
        );
    }
}
