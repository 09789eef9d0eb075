//! Pure formatting: an `activity::Activity` becomes one Discord embed, and embeds are
//! packed into as few create-message requests as Discord allows. Owns Discord's
//! embed limits, markdown escaping, and mention safety. No I/O.
//!
//! - [`render`]: `activity::Activity` → [`Embed`], always within [`limits`];
//! - [`pack`]: embeds → [`Message`]s (≤ 10 embeds, ≤ 6000 characters each).
//! - [`Message::to_request`]: the JSON body, mentions disabled, optional nonce.
//! - [`digest`]: a channel's pending batch → embeds, folding bursts.
//! - [`buttons`]: the link buttons of a message about one show.
//! - [`ping`]: a follow's role ping or quiet flag on a message body.
//! - [`alert`]: the alert posted when delivery disables a channel's follows.

pub mod alert;
pub mod buttons;
pub mod digest;
mod embed;
mod links;
pub mod notice;
mod pack;
pub mod ping;
mod render;
mod text;
pub mod user_notice;

pub use embed::{Embed, EmbedAuthor, EmbedField, EmbedFooter, EmbedMedia};
pub use links::{clean_url, is_real_image};
pub use pack::{
    fit_nonce, nonce_is_valid, pack, pack_tagged, AllowedMentions, CreateMessage, MentionKind,
    Message,
};
pub use render::{action_color, action_label, display_name, render};
pub use text::{escape_markdown, truncate, truncate_clean, ELLIPSIS};

/// Discord's limits, in characters (Unicode scalar values) unless noted.
pub mod limits {
    /// Embed title.
    pub const TITLE: usize = 256;
    /// Embed description.
    pub const DESCRIPTION: usize = 4096;
    /// Field name.
    pub const FIELD_NAME: usize = 256;
    /// Field value.
    pub const FIELD_VALUE: usize = 1024;
    /// Fields per embed.
    pub const FIELDS: usize = 25;
    /// Footer text.
    pub const FOOTER: usize = 2048;
    /// Author name.
    pub const AUTHOR_NAME: usize = 256;
    /// Title, description, field names and values, footer text and author names
    /// of all embeds of one message together.
    pub const MESSAGE_TOTAL: usize = 6000;
    /// Embeds per message.
    pub const EMBEDS_PER_MESSAGE: usize = 10;
    /// Any URL in an embed.
    pub const URL: usize = 2048;
    /// A string nonce.
    pub const NONCE: usize = 25;
    /// The largest colour (24-bit RGB).
    pub const COLOR_MAX: u32 = 0xFF_FFFF;
}
