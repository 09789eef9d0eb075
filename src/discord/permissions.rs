//! Pure: the bot's permissions in a channel and what a follow needs there.
//! Discord's algorithm (guild base from @everyone and the member's roles,
//! Administrator grants everything, then the channel's overwrites for
//! @everyone, the member's roles and the member), and the list of missing
//! permissions a `/follow` names (in a forum or media channel: also what
//! opening a post there takes). No I/O: `commands::target` fetches the
//! inputs when the interaction does not carry them.

use poise::serenity_prelude::Permissions;

/// One permission overwrite of a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overwrite {
    pub target: OverwriteTarget,
    pub allow: Permissions,
    pub deny: Permissions,
}

/// Whom an overwrite is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverwriteTarget {
    Role(u64),
    Member(u64),
}

/// What a member's permissions in a channel are computed from.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    pub guild_id: u64,
    pub owner_id: Option<u64>,
    pub member_id: u64,
    /// Every role of the guild with its permissions (@everyone has the guild's id).
    pub roles: Vec<(u64, Permissions)>,
    /// The member's roles.
    pub member_roles: Vec<u64>,
    /// The channel's overwrites (a thread's are its parent's).
    pub overwrites: Vec<Overwrite>,
}

/// The member's permissions in the channel.
pub fn compute(i: &Inputs) -> Permissions {
    if i.owner_id == Some(i.member_id) {
        return Permissions::all();
    }
    let role_perms = |id: u64| {
        i.roles
            .iter()
            .find(|(r, _)| *r == id)
            .map_or(Permissions::empty(), |(_, p)| *p)
    };
    let mut perms = role_perms(i.guild_id);
    for r in &i.member_roles {
        perms |= role_perms(*r);
    }
    if perms.contains(Permissions::ADMINISTRATOR) {
        return Permissions::all();
    }
    let has_role = |t: OverwriteTarget| match t {
        OverwriteTarget::Role(r) => r != i.guild_id && i.member_roles.contains(&r),
        OverwriteTarget::Member(_) => false,
    };
    for o in i.overwrites.iter() {
        if o.target == OverwriteTarget::Role(i.guild_id) {
            perms = (perms & !o.deny) | o.allow;
        }
    }
    let (mut allow, mut deny) = (Permissions::empty(), Permissions::empty());
    for o in i.overwrites.iter().filter(|o| has_role(o.target)) {
        allow |= o.allow;
        deny |= o.deny;
    }
    perms = (perms & !deny) | allow;
    for o in i.overwrites.iter() {
        if o.target == OverwriteTarget::Member(i.member_id) {
            perms = (perms & !o.deny) | o.allow;
        }
    }
    perms
}

/// The permissions the bot needs to post a follow's messages: View Channel,
/// Send Messages (Send Messages in Threads in a thread), Embed Links, and
/// Read Message History (delivery's check before a resend).
pub fn needed(thread: bool) -> Vec<(Permissions, &'static str)> {
    let send = if thread {
        (
            Permissions::SEND_MESSAGES_IN_THREADS,
            "Send Messages in Threads",
        )
    } else {
        (Permissions::SEND_MESSAGES, "Send Messages")
    };
    vec![
        (Permissions::VIEW_CHANNEL, "View Channel"),
        send,
        (Permissions::EMBED_LINKS, "Embed Links"),
        (Permissions::READ_MESSAGE_HISTORY, "Read Message History"),
    ]
}

/// The names of what `have` lacks of [`needed`], in that order.
pub fn missing(have: Permissions, thread: bool) -> Vec<&'static str> {
    if have.contains(Permissions::ADMINISTRATOR) {
        return Vec::new();
    }
    needed(thread)
        .into_iter()
        .filter(|(p, _)| !have.contains(*p))
        .map(|(_, name)| name)
        .collect()
}

/// What the bot needs in a forum or media channel: View Channel, Send
/// Messages (Discord's permission to open a post there), Send Messages in
/// Threads (to post in it afterwards), Embed Links and Read Message History.
pub fn needed_in_forum() -> Vec<(Permissions, &'static str)> {
    vec![
        (Permissions::VIEW_CHANNEL, "View Channel"),
        (Permissions::SEND_MESSAGES, "Send Messages"),
        (
            Permissions::SEND_MESSAGES_IN_THREADS,
            "Send Messages in Threads",
        ),
        (Permissions::EMBED_LINKS, "Embed Links"),
        (Permissions::READ_MESSAGE_HISTORY, "Read Message History"),
    ]
}

/// The names of what `have` lacks of [`needed_in_forum`], in that order.
pub fn missing_in_forum(have: Permissions) -> Vec<&'static str> {
    if have.contains(Permissions::ADMINISTRATOR) {
        return Vec::new();
    }
    needed_in_forum()
        .into_iter()
        .filter(|(p, _)| !have.contains(*p))
        .map(|(_, name)| name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: u64 = 100;
    const BOT: u64 = 7;
    const MODS: u64 = 200;

    fn inputs(overwrites: Vec<Overwrite>) -> Inputs {
        let base = Permissions::VIEW_CHANNEL
            | Permissions::SEND_MESSAGES
            | Permissions::READ_MESSAGE_HISTORY;
        Inputs {
            guild_id: G,
            owner_id: Some(1),
            member_id: BOT,
            roles: vec![
                (G, base),
                (MODS, Permissions::EMBED_LINKS),
                (300, Permissions::ADMINISTRATOR),
            ],
            member_roles: vec![MODS],
            overwrites,
        }
    }

    fn ow(target: OverwriteTarget, allow: Permissions, deny: Permissions) -> Overwrite {
        Overwrite {
            target,
            allow,
            deny,
        }
    }

    #[test]
    fn roles_add_up_and_overwrites_apply_in_discords_order() {
        let all = compute(&inputs(vec![]));
        assert!(missing(all, false).is_empty(), "{all:?}");
        // @everyone denied Send Messages, the bot's role allows it back.
        let p = compute(&inputs(vec![
            ow(
                OverwriteTarget::Role(G),
                Permissions::empty(),
                Permissions::SEND_MESSAGES,
            ),
            ow(
                OverwriteTarget::Role(MODS),
                Permissions::SEND_MESSAGES,
                Permissions::empty(),
            ),
        ]));
        assert!(p.contains(Permissions::SEND_MESSAGES));
        // A member overwrite wins over the roles.
        let p = compute(&inputs(vec![
            ow(
                OverwriteTarget::Role(MODS),
                Permissions::SEND_MESSAGES,
                Permissions::empty(),
            ),
            ow(
                OverwriteTarget::Member(BOT),
                Permissions::empty(),
                Permissions::EMBED_LINKS | Permissions::SEND_MESSAGES,
            ),
        ]));
        assert_eq!(missing(p, false), vec!["Send Messages", "Embed Links"]);
        // An overwrite for a role the bot does not have changes nothing.
        let p = compute(&inputs(vec![ow(
            OverwriteTarget::Role(999),
            Permissions::empty(),
            Permissions::all(),
        )]));
        assert!(missing(p, false).is_empty());
    }

    #[test]
    fn administrator_and_owner_have_everything() {
        let mut i = inputs(vec![ow(
            OverwriteTarget::Role(G),
            Permissions::empty(),
            Permissions::all(),
        )]);
        i.member_roles.push(300);
        assert_eq!(compute(&i), Permissions::all());
        let mut i = inputs(vec![ow(
            OverwriteTarget::Member(BOT),
            Permissions::empty(),
            Permissions::all(),
        )]);
        i.owner_id = Some(BOT);
        assert_eq!(compute(&i), Permissions::all());
    }

    #[test]
    fn a_forum_needs_send_messages_to_open_posts_and_in_threads_to_post() {
        let have = Permissions::VIEW_CHANNEL
            | Permissions::SEND_MESSAGES
            | Permissions::EMBED_LINKS
            | Permissions::READ_MESSAGE_HISTORY;
        assert_eq!(missing_in_forum(have), vec!["Send Messages in Threads"]);
        let have = (have | Permissions::SEND_MESSAGES_IN_THREADS) - Permissions::SEND_MESSAGES;
        assert_eq!(missing_in_forum(have), vec!["Send Messages"]);
        assert!(missing_in_forum(Permissions::ADMINISTRATOR).is_empty());
    }

    #[test]
    fn a_thread_needs_send_messages_in_threads() {
        let have = Permissions::VIEW_CHANNEL
            | Permissions::SEND_MESSAGES
            | Permissions::EMBED_LINKS
            | Permissions::READ_MESSAGE_HISTORY;
        assert!(missing(have, false).is_empty());
        assert_eq!(missing(have, true), vec!["Send Messages in Threads"]);
        assert_eq!(
            missing(
                Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES,
                false
            ),
            vec!["Embed Links", "Read Message History"]
        );
    }
}
