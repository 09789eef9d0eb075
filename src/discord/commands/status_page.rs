//! Pure: `/status` as pages of embeds. Every follow of the server, grouped by
//! channel: its state, the last successful poll of its show or user, its
//! current poll interval, the pending posts, the last error and when the
//! next attempt is; each channel's last delivery and last failed send; on
//! every page the bot's Trakt budget and Discord latency. A page holds at
//! most [`FOLLOWS_PER_PAGE`] follows and [`DESCRIPTION_BUDGET`] characters,
//! well within Discord's embed limits (description 4096, field 1024, footer
//! 2048, 6000 in all).

use std::time::Duration;

use poise::serenity_prelude as serenity;

use crate::format::{escape_markdown, truncate};
use crate::store::{ChannelStatus, FollowStatus, Followed, GuildStatus, SubState};

/// Follows shown on one page.
pub const FOLLOWS_PER_PAGE: usize = 10;
/// Characters of one page's description, at most.
pub const DESCRIPTION_BUDGET: usize = 3500;
/// Characters of a title or error shown, at most.
const MAX_NAME: usize = 80;
const MAX_ERROR: usize = 160;
/// Blue, as information.
const STATUS_COLOR: u32 = 0x34_98_DB;

/// The bot-wide figures every page shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BotFigures {
    /// `trakt.max_requests_per_second`.
    pub requests_per_second: f64,
    /// Requests the rate limit lets through now (below 0: callers waiting).
    pub available: f64,
    /// Trakt refused the API key.
    pub key_refused: bool,
    /// This shard's heartbeat latency (`None`: not measured yet).
    pub latency: Option<Duration>,
}

/// One rendered page.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub description: String,
    /// The bot's figures (a field).
    pub bot: String,
    pub footer: String,
}

impl Page {
    pub fn embed(&self) -> serenity::CreateEmbed {
        serenity::CreateEmbed::new()
            .title("trakt-herald status")
            .description(&self.description)
            .field("Bot", &self.bot, false)
            .footer(serenity::CreateEmbedFooter::new(&self.footer))
            .color(STATUS_COLOR)
    }
}

/// `/status` in pages (at least one). `interval` gives a follow's current
/// poll interval; `now` is unix seconds.
pub fn pages(
    status: &GuildStatus,
    figures: &BotFigures,
    now: i64,
    interval: impl Fn(&Followed) -> Option<Duration>,
) -> Vec<Page> {
    let mut bodies: Vec<String> = Vec::new();
    let mut body = String::new();
    let mut on_page = 0;
    let total: usize = status.channels.iter().map(|c| c.follows.len()).sum();
    for channel in &status.channels {
        let mut header_on_page = false;
        for (placed, follow) in channel.follows.iter().enumerate() {
            let line = follow_line(follow, interval(&follow.followed), now);
            let header = channel_header(channel, placed > 0);
            let need = line.len() + if header_on_page { 0 } else { header.len() };
            let full = on_page == FOLLOWS_PER_PAGE
                || (on_page > 0 && body.len() + need > DESCRIPTION_BUDGET);
            if full {
                bodies.push(std::mem::take(&mut body));
                on_page = 0;
                header_on_page = false;
            }
            if !header_on_page {
                body.push_str(&header);
                header_on_page = true;
            }
            body.push_str(&line);
            on_page += 1;
        }
    }
    if !body.is_empty() || bodies.is_empty() {
        if total == 0 {
            body = "This server follows nothing yet. /follow a show or /follow-user someone in a channel.".to_owned();
        }
        bodies.push(body);
    }
    let count = bodies.len();
    let bot = bot_text(figures);
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, description)| Page {
            description: truncate(&description, 4000),
            bot: bot.clone(),
            footer: format!(
                "Page {} of {count} · {total} follow{}",
                i + 1,
                if total == 1 { "" } else { "s" }
            ),
        })
        .collect()
}

/// The channel's heading: its mention, last delivery, last failed send.
fn channel_header(c: &ChannelStatus, continued: bool) -> String {
    let mut text = format!("\n__<#{}>__", c.channel);
    if continued {
        text.push_str(" (continued)");
    }
    match c.record.last_delivered {
        Some(at) => text.push_str(&format!(" · last post <t:{at}:R>")),
        None => text.push_str(" · nothing posted yet"),
    }
    if let Some(e) = &c.record.error {
        text.push_str(&format!(
            "\n> ⚠️ last send failed <t:{}:R>: {}",
            e.at,
            escape_markdown(&truncate(&e.message, MAX_ERROR))
        ));
    }
    text.push('\n');
    text
}

/// One follow: name, state, polls, pending, error, next attempt.
fn follow_line(f: &FollowStatus, interval: Option<Duration>, now: i64) -> String {
    let name = match &f.followed {
        Followed::Show { show, title, slug } => {
            let handle = slug.clone().unwrap_or_else(|| show.to_string());
            format!(
                "**{}** (`{}`)",
                escape_markdown(&truncate(title, MAX_NAME)),
                truncate(&handle, MAX_NAME).replace('`', "'")
            )
        }
        Followed::User { user, name } => format!(
            "👤 **{}** (`{}`)",
            escape_markdown(&truncate(name, MAX_NAME)),
            truncate(&user.0, MAX_NAME).replace('`', "'")
        ),
    };
    let state = match &f.state {
        SubState::Active => "✅ active".to_owned(),
        SubState::Paused { since } => format!("⏸️ paused <t:{since}:R>"),
        SubState::Disabled { reason, since } => format!(
            "⛔ disabled <t:{since}:R>: {}",
            escape_markdown(&truncate(reason, MAX_ERROR))
        ),
    };
    let mut parts = vec![state];
    parts.push(match f.last_poll {
        Some(at) => format!("polled <t:{at}:R>"),
        None => "not polled yet".to_owned(),
    });
    if let Some(i) = interval {
        parts.push(format!("every {}", short_duration(i)));
    }
    if f.state.is_active() {
        if let Some(next) = next_attempt(f, interval, now) {
            parts.push(format!("next <t:{next}:R>"));
        }
    }
    parts.push(format!("{} pending", f.pending));
    let mut line = format!("{name}\n{}\n", parts.join(" · "));
    if let Some(e) = &f.error {
        line.push_str(&format!(
            "> ⚠️ failing since <t:{}:R> (last <t:{}:R>): {}\n",
            e.since,
            e.at,
            escape_markdown(&truncate(&e.message, MAX_ERROR))
        ));
    }
    line
}

/// When the follow's show or user is tried next: after its backoff when it
/// is failing, else one interval after its last poll (at once when never
/// polled, or overdue).
pub fn next_attempt(f: &FollowStatus, interval: Option<Duration>, now: i64) -> Option<i64> {
    if let Some(at) = f.retry_at.filter(|at| *at > now) {
        return Some(at);
    }
    let step = i64::try_from(interval?.as_secs()).ok()?;
    let due = f.last_poll.map_or(now, |last| last.saturating_add(step));
    Some(due.max(now))
}

/// `45s`, `5m`, `1h 30m`.
pub fn short_duration(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m {s}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h {m}m"),
    }
}

/// The bot's Trakt budget and Discord latency.
fn bot_text(f: &BotFigures) -> String {
    let per_5m = f.requests_per_second * 300.0;
    let mut text = format!(
        "Trakt budget: {:.0} requests per 5 minutes ({:.2}/s); {} available now",
        per_5m,
        f.requests_per_second,
        f.available.floor()
    );
    if f.available < 0.0 {
        text.push_str(" (requests are waiting)");
    }
    if f.key_refused {
        text.push_str("\n⛔ Trakt refused the API key: nothing is polled until it is fixed.");
    }
    text.push_str(&match f.latency {
        Some(l) => format!("\nDiscord latency: {} ms", l.as_millis()),
        None => {
            "\nDiscord latency: not measured yet (the first heartbeat is still to come)".to_owned()
        }
    });
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ChannelId;
    use crate::store::{ChannelRecord, ChannelStatus, PollError};
    use crate::trakt::v2::UserSlug;
    use crate::trakt::ShowRef;

    const NOW: i64 = 1_000_000;

    fn figures() -> BotFigures {
        BotFigures {
            requests_per_second: 1.333,
            available: 12.4,
            key_refused: false,
            latency: Some(Duration::from_millis(42)),
        }
    }

    fn show(i: u64) -> FollowStatus {
        FollowStatus {
            followed: Followed::Show {
                show: ShowRef::Trakt(i),
                title: format!("Show {i:03}"),
                slug: Some(format!("show-{i:03}")),
            },
            state: SubState::Active,
            last_poll: Some(NOW - 30),
            retry_at: None,
            error: None,
            pending: 0,
        }
    }

    fn guild(channels: usize, per_channel: u64) -> GuildStatus {
        GuildStatus {
            channels: (0..channels as u64)
                .map(|c| ChannelStatus {
                    channel: ChannelId(100 + c),
                    record: ChannelRecord::default(),
                    follows: (0..per_channel).map(|i| show(c * 1000 + i)).collect(),
                })
                .collect(),
        }
    }

    fn every_minute(_: &Followed) -> Option<Duration> {
        Some(Duration::from_secs(60))
    }

    #[test]
    fn sixty_follows_make_six_pages_holding_each_once_within_the_limits() {
        let status = guild(3, 20);
        let pages = pages(&status, &figures(), NOW, every_minute);
        assert_eq!(pages.len(), 6);
        let all: String = pages.iter().map(|p| p.description.as_str()).collect();
        for c in 0..3u64 {
            for i in 0..20 {
                let name = format!("**Show {:03}**", c * 1000 + i);
                assert_eq!(all.matches(&name).count(), 1, "{name}");
            }
        }
        for (i, p) in pages.iter().enumerate() {
            assert!(p.description.chars().count() <= 4096);
            assert!(p.bot.chars().count() <= 1024);
            let total = p.description.chars().count() + p.bot.chars().count() + p.footer.len();
            assert!(total < 6000);
            assert!(
                p.footer.starts_with(&format!("Page {} of 6", i + 1)),
                "{}",
                p.footer
            );
            assert!(p.footer.contains("60 follows"), "{}", p.footer);
        }
        assert!(pages[1].description.starts_with("\n__<#100>__ (continued)"));
        assert!(pages[2].description.starts_with("\n__<#101>__ ·"));
    }

    #[test]
    fn long_errors_and_titles_still_fit_a_page() {
        let mut status = guild(1, 10);
        for f in &mut status.channels[0].follows {
            if let Followed::Show { title, .. } = &mut f.followed {
                *title = "T".repeat(300);
            }
            f.error = Some(PollError {
                message: "e".repeat(200),
                since: NOW - 7200,
                at: NOW - 60,
                alerted: true,
            });
        }
        let pages = pages(&status, &figures(), NOW, every_minute);
        for p in &pages {
            assert!(
                p.description.len() <= DESCRIPTION_BUDGET + 1,
                "{}",
                p.description.len()
            );
        }
        let shown: usize = pages
            .iter()
            .map(|p| p.description.matches("failing since").count())
            .sum();
        assert_eq!(shown, 10);
    }

    #[test]
    fn a_follow_shows_its_state_polls_interval_next_attempt_pending_and_error() {
        let mut failing = show(1);
        failing.retry_at = Some(NOW + 240);
        failing.pending = 3;
        failing.error = Some(PollError {
            message: "Trakt is unavailable (HTTP 502)".into(),
            since: NOW - 4000,
            at: NOW - 10,
            alerted: true,
        });
        let user = FollowStatus {
            followed: Followed::User {
                user: UserSlug("moonfield".into()),
                name: "Moon *Field*".into(),
            },
            state: SubState::Disabled {
                reason: "Discord refused (403)".into(),
                since: NOW - 5,
            },
            last_poll: None,
            retry_at: None,
            error: None,
            pending: 0,
        };
        let status = GuildStatus {
            channels: vec![ChannelStatus {
                channel: ChannelId(7),
                record: ChannelRecord {
                    last_delivered: Some(NOW - 100),
                    error: None,
                },
                follows: vec![failing, user],
            }],
        };
        let interval = |f: &Followed| match f {
            Followed::Show { .. } => Some(Duration::from_secs(300)),
            Followed::User { .. } => Some(Duration::from_secs(60)),
        };
        let page = &pages(&status, &figures(), NOW, interval)[0];
        let d = &page.description;
        assert!(
            d.contains(&format!("__<#7>__ · last post <t:{}:R>", NOW - 100)),
            "{d}"
        );
        assert!(d.contains("**Show 001** (`show-001`)"), "{d}");
        assert!(
            d.contains(&format!(
                "✅ active · polled <t:{}:R> · every 5m · next <t:{}:R> · 3 pending",
                NOW - 30,
                NOW + 240
            )),
            "{d}"
        );
        assert!(
            d.contains(&format!("failing since <t:{}:R>", NOW - 4000)),
            "{d}"
        );
        assert!(d.contains("HTTP 502"), "{d}");
        assert!(d.contains("👤 **Moon \\*Field\\*** (`moonfield`)"), "{d}");
        assert!(d.contains("⛔ disabled"), "{d}");
        assert!(d.contains("Discord refused (403)"), "{d}");
        assert!(
            page.bot.contains("400 requests per 5 minutes"),
            "{}",
            page.bot
        );
        assert!(page.bot.contains("12 available"), "{}", page.bot);
        assert!(page.bot.contains("Discord latency: 42 ms"), "{}", page.bot);
    }

    #[test]
    fn next_attempt_is_the_backoff_else_one_interval_after_the_last_poll() {
        let mut f = show(1);
        let minute = Some(Duration::from_secs(60));
        assert_eq!(next_attempt(&f, minute, NOW), Some(NOW + 30));
        f.last_poll = Some(NOW - 600);
        assert_eq!(next_attempt(&f, minute, NOW), Some(NOW), "overdue: now");
        f.retry_at = Some(NOW + 900);
        assert_eq!(next_attempt(&f, minute, NOW), Some(NOW + 900));
        f.last_poll = None;
        f.retry_at = None;
        assert_eq!(
            next_attempt(&f, minute, NOW),
            Some(NOW),
            "never polled: at once"
        );
        assert_eq!(next_attempt(&f, None, NOW), None);
    }

    #[test]
    fn an_empty_server_gets_one_page_saying_so() {
        let pages = pages(&GuildStatus::default(), &figures(), NOW, every_minute);
        assert_eq!(pages.len(), 1);
        assert!(pages[0].description.contains("follows nothing"));
        assert_eq!(short_duration(Duration::from_secs(5400)), "1h 30m");
        assert_eq!(short_duration(Duration::from_secs(45)), "45s");
    }
}
