//! Everything that speaks to Discord: the serenity/poise client and its wiring
//! (`bot`), the slash commands (`commands`), the bot's own REST sender for
//! deliveries (`rest`), what it opens in forum channels (`forum`), the bot's permissions in a channel (`permissions`), and conversion of our embeds into serenity builders.

pub mod bot;
pub mod commands;
pub mod forum;
pub mod permissions;
pub mod rest;

use poise::serenity_prelude as serenity;

use crate::format::Embed;

/// Our embed as a serenity builder (for interaction replies).
pub fn to_serenity_embed(embed: &Embed) -> serenity::CreateEmbed {
    let mut out = serenity::CreateEmbed::new();
    if let Some(t) = &embed.title {
        out = out.title(t);
    }
    if let Some(d) = &embed.description {
        out = out.description(d);
    }
    if let Some(u) = &embed.url {
        out = out.url(u);
    }
    if let Some(c) = embed.color {
        out = out.colour(c);
    }
    if let Some(ts) = embed
        .timestamp
        .as_deref()
        .and_then(|t| serenity::Timestamp::parse(t).ok())
    {
        out = out.timestamp(ts);
    }
    if let Some(a) = &embed.author {
        let mut author = serenity::CreateEmbedAuthor::new(&a.name);
        if let Some(u) = &a.url {
            author = author.url(u);
        }
        if let Some(i) = &a.icon_url {
            author = author.icon_url(i);
        }
        out = out.author(author);
    }
    if let Some(t) = &embed.thumbnail {
        out = out.thumbnail(&t.url);
    }
    for f in &embed.fields {
        out = out.field(&f.name, &f.value, f.inline);
    }
    if let Some(f) = &embed.footer {
        let mut footer = serenity::CreateEmbedFooter::new(&f.text);
        if let Some(i) = &f.icon_url {
            footer = footer.icon_url(i);
        }
        out = out.footer(footer);
    }
    out
}
