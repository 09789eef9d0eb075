//! What a test sends and gets back through the fake: the member who invokes a
//! command, the invocation (options, permissions, where it is typed), the
//! dispatched interaction and the bot's replies, normalised.

use serde_json::Value;

use super::*;

/// The user who invokes a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub user_id: u64,
    pub username: String,
    /// Computed channel permissions (sent as a decimal string).
    pub permissions: u64,
}

impl Member {
    /// A member with Manage Channels.
    pub fn moderator() -> Self {
        Self {
            user_id: MODERATOR_USER_ID,
            username: "moderator".to_owned(),
            permissions: MODERATOR_PERMISSIONS,
        }
    }

    /// A member without Manage Channels.
    pub fn plain() -> Self {
        Self {
            user_id: PLAIN_USER_ID,
            username: "member".to_owned(),
            permissions: PLAIN_PERMISSIONS,
        }
    }
}

/// A slash command invocation to dispatch. Option types follow the JSON
/// value: string → 3, integer → 4, bool → 5, float → 10.
#[derive(Clone, Debug)]
pub struct CommandInvocation {
    pub name: String,
    pub options: Vec<(String, Value)>,
    pub member: Member,
    /// In the DM channel: `user` instead of `member`, no `guild_id`.
    pub in_dm: bool,
    pub channel_id: u64,
    /// The bot's permissions where the command is typed (`app_permissions`).
    pub app_permissions: u64,
    /// The type of the channel it is typed in (0 text, 5 announcement, 11 thread).
    pub channel_kind: u8,
    /// Options of another type than their JSON value says (7 channel, 8 role),
    /// with the object `resolved` carries for them.
    pub resolved: Vec<(String, u8, Value)>,
}

impl CommandInvocation {
    /// `/name` by a moderator in [`CHANNEL_ID`], no options.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            options: Vec::new(),
            member: Member::moderator(),
            in_dm: false,
            channel_id: CHANNEL_ID,
            app_permissions: BOT_PERMISSIONS,
            channel_kind: 0,
            resolved: Vec::new(),
        }
    }

    /// With these bot permissions where it is typed.
    pub fn with_app_permissions(mut self, permissions: u64) -> Self {
        self.app_permissions = permissions;
        self
    }

    /// Typed in a channel of this type (0 text, 5 announcement, 11 thread).
    pub fn in_channel_kind(mut self, kind: u8) -> Self {
        self.channel_kind = kind;
        self
    }

    /// A role option (type 8): `resolved.roles` carries the role.
    pub fn role_option(mut self, name: &str, role_id: u64, mentionable: bool) -> Self {
        self.options
            .push((name.to_owned(), Value::String(role_id.to_string())));
        let role = objects::role(role_id, mentionable);
        self.resolved.push((name.to_owned(), 8, role));
        self
    }

    /// A channel option (type 7) of channel type `kind`; `resolved.channels`
    /// carries it, with the invoking member's permissions there.
    pub fn channel_option(mut self, name: &str, channel_id: u64, kind: u8) -> Self {
        self.options
            .push((name.to_owned(), Value::String(channel_id.to_string())));
        let channel = serde_json::json!({
            "id": channel_id.to_string(),
            "type": kind,
            "name": format!("channel-{channel_id}"),
            "permissions": self.member.permissions.to_string(),
            "parent_id": null,
        });
        self.resolved.push((name.to_owned(), 7, channel));
        self
    }

    /// Adds an option.
    pub fn option(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.options.push((name.to_owned(), value.into()));
        self
    }

    /// Invoked by `member`.
    pub fn by(mut self, member: Member) -> Self {
        self.member = member;
        self
    }

    /// Invoked in [`DM_CHANNEL_ID`].
    pub fn in_dm_channel(mut self) -> Self {
        self.in_dm = true;
        self.channel_id = DM_CHANNEL_ID;
        self
    }

    /// Invoked in another guild channel.
    pub fn in_channel(mut self, channel_id: u64) -> Self {
        self.channel_id = channel_id;
        self
    }
}

/// A dispatched interaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InteractionRef {
    pub id: u64,
    pub token: String,
}

/// What the bot sent for an interaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyKind {
    /// Callback type 4: a message.
    Message,
    /// Callback type 5: deferred, a message follows.
    Defer,
    /// Callback type 8: autocomplete choices.
    Autocomplete,
    /// Any other callback type.
    OtherCallback(u8),
    /// `POST /webhooks/{app}/{token}`.
    Followup,
    /// `PATCH /webhooks/{app}/{token}/messages/@original`.
    EditOriginal,
    /// `PATCH /webhooks/{app}/{token}/messages/{id}`.
    EditFollowup,
    /// `DELETE .../messages/@original`.
    DeleteOriginal,
    /// `DELETE .../messages/{id}`.
    DeleteFollowup,
}

/// One answer of the bot to an interaction, normalized.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub kind: ReplyKind,
    pub content: Option<String>,
    pub embeds: Vec<Value>,
    /// Flag 64 on the message (edits inherit the original's).
    pub ephemeral: bool,
    /// Autocomplete choices (`{name, value}`).
    pub choices: Vec<Value>,
    /// The request body as sent.
    pub body: Value,
}
