//! `Activity` → `Embed`: the sentence title, the author line, the link to the
//! item's Trakt page, colour and label per action, thumbnail, episode summaries,
//! ratings, shouts and reviews (spoilers kept hidden), and the timestamp.
//!
//! Episodes are written one way everywhere: `S04E06`, specials as `S00E03`,
//! runs of one season as `S01E01–E06`.

use std::time::{Duration, UNIX_EPOCH};

use crate::trakt::model::{Comment, Episode, Images, List, ListItem, Love, Movie, Show, User};
use crate::trakt::{Action, Activity, ItemType};

use super::embed::{Embed, EmbedAuthor, EmbedField, EmbedFooter, EmbedMedia};
use super::limits;
use super::links::{clean_url, extend_url, for_masked_link, image_url, trakt_url};
use super::text::{
    clean_line, clean_multiline, escape_markdown, truncate, truncate_clean_markdown,
    truncate_markdown,
};

/// Longest user name kept in a title.
const NAME_MAX: usize = 64;
/// Longest show, movie, episode or list name kept in a title.
const ITEM_MAX: usize = 100;
/// Episodes listed one per line before "…and N more".
const EPISODES_LISTED: usize = 10;
/// Runs of episodes a title may name (`S01E01–E06, S02E01`) before it says
/// "N episodes of" instead.
const RUNS_IN_TITLE: usize = 3;
/// How much of a review the embed quotes before linking to the rest.
const REVIEW_EXCERPT: usize = 600;
/// How much of a shout the embed quotes before linking to the rest.
const SHOUT_EXCERPT: usize = 1500;
/// How much of a list description the embed quotes.
const LIST_DESCRIPTION: usize = 1000;
/// The last second humantime can print (end of year 9999).
const LAST_PRINTABLE_SECOND: i64 = 253_402_300_799;

/// The embed colour of an action (24-bit RGB), one per action.
pub fn action_color(a: Action) -> u32 {
    match a {
        Action::Watching => 0x2E_CC71,
        Action::Scrobble => 0x1A_BC9C,
        Action::Checkin => 0x34_98DB,
        Action::Seen => 0x9B_59B6,
        Action::Collection => 0xE6_7E22,
        Action::Rating => 0xF1_C40F,
        Action::Watchlist => 0x58_65F2,
        Action::Shout => 0xE9_1E63,
        Action::Review => 0xE7_4C3C,
        Action::Created => 0x11_806A,
        Action::ItemAdded => 0x20_6694,
    }
}

/// The short emoji-and-word label of an action (shown in the footer).
pub fn action_label(a: Action) -> &'static str {
    match a {
        Action::Watching => "👀 Watching",
        Action::Scrobble => "📺 Watched",
        Action::Checkin => "📍 Checked in",
        Action::Seen => "✅ Seen",
        Action::Collection => "📀 Collection",
        Action::Rating => "⭐ Rating",
        Action::Watchlist => "🔖 Watchlist",
        Action::Shout => "💬 Shout",
        Action::Review => "📝 Review",
        Action::Created => "📋 New list",
        Action::ItemAdded => "➕ Added to a list",
    }
}

/// The name a person goes by: the full name when set, else the username.
pub fn display_name(user: &User) -> String {
    let full = user
        .full_name
        .as_deref()
        .map(clean_line)
        .unwrap_or_default();
    if !full.is_empty() {
        return full;
    }
    let username = clean_line(&user.username);
    if username.is_empty() {
        "Someone".to_owned()
    } else {
        username
    }
}

/// The embed for one activity, always within Discord's limits.
pub fn render(activity: &Activity) -> Embed {
    let subject = Subject::of(activity);
    let page = match activity.action {
        Action::Created | Action::ItemAdded => list_url(activity.list.as_ref()),
        _ => subject.page_url(),
    };
    let mut embed = Embed {
        title: Some(title(activity, &subject)),
        description: description(activity, &subject),
        url: page,
        color: Some(action_color(activity.action)),
        timestamp: timestamp(activity.timestamp),
        author: Some(author(&activity.user)),
        thumbnail: subject.thumbnail().map(|url| EmbedMedia { url }),
        fields: fields(activity),
        footer: Some(EmbedFooter {
            text: action_label(activity.action).to_owned(),
            icon_url: None,
        }),
    };
    // Every URL above came out of the URL cleaners.
    embed.fit_rendered();
    embed
}

/// What an activity is about.
enum Subject<'a> {
    Episode {
        show: Option<&'a Show>,
        episode: &'a Episode,
    },
    Episodes {
        show: Option<&'a Show>,
        episodes: Vec<&'a Episode>,
    },
    Season {
        show: Option<&'a Show>,
        season: Option<u64>,
    },
    Show(&'a Show),
    Movie(&'a Movie),
    List(Option<&'a List>),
    /// The payload the type calls for is missing.
    Unknown {
        show: Option<&'a Show>,
        noun: &'static str,
    },
}

impl<'a> Subject<'a> {
    fn of(a: &'a Activity) -> Subject<'a> {
        match (a.action, a.kind) {
            (Action::ItemAdded, _) => match &a.list_item {
                Some(item) => Subject::of_list_item(item),
                None => Subject::Unknown {
                    show: a.show.as_ref(),
                    noun: "something",
                },
            },
            (_, ItemType::List) => Subject::List(a.list.as_ref()),
            (_, ItemType::Episode) => {
                Subject::of_episodes(a.show.as_ref(), a.episode.as_ref(), &a.episodes)
            }
            (_, ItemType::Movie) => match &a.movie {
                Some(movie) => Subject::Movie(movie),
                None => Subject::Unknown {
                    show: None,
                    noun: "a movie",
                },
            },
            (_, ItemType::Show) => match &a.show {
                Some(show) => Subject::Show(show),
                None => Subject::Unknown {
                    show: None,
                    noun: "a show",
                },
            },
        }
    }

    fn of_list_item(item: &'a ListItem) -> Subject<'a> {
        let show = item.show.as_ref();
        match item.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("movie") => item.movie.as_ref().map_or(
                Subject::Unknown {
                    show: None,
                    noun: "a movie",
                },
                Subject::Movie,
            ),
            Some("episode") => Subject::of_episodes(show, item.episode.as_ref(), &[]),
            Some("season") => Subject::Season {
                show,
                season: item.season,
            },
            Some("show") => show.map_or(
                Subject::Unknown {
                    show: None,
                    noun: "a show",
                },
                Subject::Show,
            ),
            // No or an unknown type: go by what is there.
            _ => match (show, &item.episode, &item.movie) {
                (_, Some(ep), _) => Subject::Episode { show, episode: ep },
                (_, None, Some(movie)) => Subject::Movie(movie),
                (Some(show), None, None) => Subject::Show(show),
                (None, None, None) => Subject::Unknown {
                    show: None,
                    noun: "something",
                },
            },
        }
    }

    fn of_episodes(
        show: Option<&'a Show>,
        episode: Option<&'a Episode>,
        episodes: &'a [Episode],
    ) -> Subject<'a> {
        let mut list: Vec<&Episode> = if episodes.is_empty() {
            episode.into_iter().collect()
        } else {
            episodes.iter().collect()
        };
        list.sort_by_key(|e| (e.season.is_none(), e.season, e.number.is_none(), e.number));
        list.dedup_by(|a, b| {
            a.season.is_some() && a.number.is_some() && a.season == b.season && a.number == b.number
        });
        match list.len() {
            0 => Subject::Unknown {
                show,
                noun: "an episode",
            },
            1 => Subject::Episode {
                show,
                episode: list[0],
            },
            _ => Subject::Episodes {
                show,
                episodes: list,
            },
        }
    }

    fn show(&self) -> Option<&'a Show> {
        match self {
            Subject::Episode { show, .. }
            | Subject::Episodes { show, .. }
            | Subject::Season { show, .. }
            | Subject::Unknown { show, .. } => *show,
            Subject::Show(show) => Some(show),
            Subject::Movie(_) | Subject::List(_) => None,
        }
    }

    /// The subject as words in a sentence (unescaped), e.g.
    /// `The Walking Dead S04E06 "Live Bait"`.
    fn phrase(&self) -> String {
        let show = self.show().map(show_name);
        match self {
            Subject::Episode { episode, .. } => {
                let ep = episode_phrase(episode);
                match (show, ep) {
                    (Some(show), Some(ep)) => format!("{show} {ep}"),
                    (Some(show), None) => format!("an episode of {show}"),
                    (None, Some(ep)) => ep,
                    (None, None) => "an episode".to_owned(),
                }
            }
            Subject::Episodes { episodes, .. } => {
                let show = show.unwrap_or_else(|| "a show".to_owned());
                let runs = runs(episodes);
                let all_numbered = runs.iter().map(Run::len).sum::<u64>() == episodes.len() as u64;
                if all_numbered && runs.len() <= RUNS_IN_TITLE {
                    let summary: Vec<String> = runs.iter().map(Run::to_string).collect();
                    format!("{show} {}", summary.join(", "))
                } else {
                    format!("{} episodes of {show}", episodes.len())
                }
            }
            Subject::Season { season, .. } => {
                let season = match season {
                    Some(0) => "specials".to_owned(),
                    Some(n) => format!("season {n}"),
                    None => "a season".to_owned(),
                };
                match show {
                    Some(show) => format!("{show} {season}"),
                    None => season,
                }
            }
            Subject::Show(_) => show.unwrap_or_else(|| "a show".to_owned()),
            Subject::Movie(movie) => movie_name(movie),
            Subject::List(list) => list_phrase(*list),
            Subject::Unknown { noun, .. } => match show {
                Some(show) if *noun == "an episode" => format!("an episode of {show}"),
                Some(show) => show,
                None => (*noun).to_owned(),
            },
        }
    }

    /// The item's own Trakt page.
    fn page_url(&self) -> Option<String> {
        let show_url = || {
            self.show()
                .and_then(|s| s.url.as_deref())
                .and_then(clean_url)
        };
        match self {
            Subject::Episode { episode, show } => episode
                .url
                .as_deref()
                .and_then(clean_url)
                .or_else(|| {
                    let (s, n) = (episode.season?, episode.number?);
                    let base = (*show)?.url.as_deref()?;
                    extend_url(base, &["season", &s.to_string(), "episode", &n.to_string()])
                })
                .or_else(show_url),
            Subject::Season {
                show: Some(show),
                season: Some(s),
            } => show
                .url
                .as_deref()
                .and_then(|base| extend_url(base, &["season", &s.to_string()]))
                .or_else(show_url),
            Subject::Movie(movie) => movie.url.as_deref().and_then(clean_url),
            Subject::List(list) => list_url(*list),
            _ => show_url(),
        }
    }

    /// The episode screenshot, else the show or movie poster, when real.
    fn thumbnail(&self) -> Option<String> {
        let poster = |images: Option<&Images>| image_url(images.and_then(|i| i.poster.as_deref()));
        let show_poster = || poster(self.show().and_then(|s| s.images.as_ref()));
        match self {
            Subject::Episode { episode, .. } => {
                image_url(episode.images.as_ref().and_then(|i| i.screen.as_deref()))
                    .or_else(show_poster)
            }
            Subject::Movie(movie) => poster(movie.images.as_ref()),
            Subject::List(_) => None,
            _ => show_poster(),
        }
    }
}

fn show_name(show: &Show) -> String {
    let name = show
        .title
        .as_deref()
        .map(clean_line)
        .filter(|t| !t.is_empty())
        .or_else(|| show.slug().map(clean_line))
        .unwrap_or_else(|| "a show".to_owned());
    truncate(&name, ITEM_MAX)
}

fn movie_name(movie: &Movie) -> String {
    let title = movie
        .title
        .as_deref()
        .map(clean_line)
        .filter(|t| !t.is_empty());
    match (title, movie.year.filter(|y| *y > 0)) {
        (Some(t), Some(y)) => format!("{} ({y})", truncate(&t, ITEM_MAX)),
        (Some(t), None) => truncate(&t, ITEM_MAX),
        (None, _) => "a movie".to_owned(),
    }
}

/// `S04E06`, or `None` without both numbers.
fn episode_code(e: &Episode) -> Option<String> {
    Some(format!("S{:02}E{:02}", e.season?, e.number?))
}

/// The episode's name: its title, else "Episode N".
fn episode_name(e: &Episode) -> Option<String> {
    e.title
        .as_deref()
        .map(clean_line)
        .filter(|t| !t.is_empty())
        .map(|t| truncate(&t, ITEM_MAX))
        .or_else(|| e.number.map(|n| format!("Episode {n}")))
}

/// `S04E06 "Live Bait"`, degrading to what is known.
fn episode_phrase(e: &Episode) -> Option<String> {
    let name = e
        .title
        .as_deref()
        .map(clean_line)
        .filter(|t| !t.is_empty())
        .map(|t| truncate(&t, ITEM_MAX));
    match (episode_code(e), name, e.season, e.number) {
        (Some(code), _, _, _) => Some(format!(
            "{code} \"{}\"",
            episode_name(e).unwrap_or_default()
        )),
        (None, Some(name), _, Some(n)) => Some(format!("episode {n} \"{name}\"")),
        (None, None, _, Some(n)) => Some(format!("episode {n}")),
        (None, Some(name), Some(s), None) => Some(format!("\"{name}\" (season {s})")),
        (None, Some(name), None, None) => Some(format!("\"{name}\"")),
        (None, None, Some(s), None) => Some(format!("an episode of season {s}")),
        (None, None, None, None) => None,
    }
}

/// A run of consecutive episodes of one season.
struct Run {
    season: u64,
    first: u64,
    last: u64,
}

impl Run {
    fn len(&self) -> u64 {
        self.last - self.first + 1
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "S{:02}E{:02}", self.season, self.first)?;
        if self.last != self.first {
            write!(f, "–E{:02}", self.last)?;
        }
        Ok(())
    }
}

/// The numbered episodes (sorted, without duplicates) as runs.
fn runs(episodes: &[&Episode]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for e in episodes {
        let (Some(season), Some(number)) = (e.season, e.number) else {
            continue;
        };
        match runs.last_mut() {
            Some(run) if run.season == season && run.last.checked_add(1) == Some(number) => {
                run.last = number;
            }
            _ => runs.push(Run {
                season,
                first: number,
                last: number,
            }),
        }
    }
    runs
}

fn list_phrase(list: Option<&List>) -> String {
    list.and_then(|l| l.name.as_deref().or(l.slug.as_deref()))
        .map(clean_line)
        .filter(|n| !n.is_empty())
        .map_or_else(
            || "a list".to_owned(),
            |n| format!("the list \"{}\"", truncate(&n, ITEM_MAX)),
        )
}

fn list_url(list: Option<&List>) -> Option<String> {
    list.and_then(|l| l.url.as_deref()).and_then(clean_url)
}

/// The title: a sentence, markdown-escaped, within 256 characters.
fn title(a: &Activity, subject: &Subject) -> String {
    let who = truncate(&display_name(&a.user), NAME_MAX);
    let item = subject.phrase();
    let sentence = match a.action {
        Action::Watching => format!("{who} is watching {item}"),
        Action::Scrobble => format!("{who} watched {item}"),
        Action::Checkin => format!("{who} checked in to {item}"),
        Action::Seen => format!("{who} marked {item} as seen"),
        Action::Collection => format!("{who} added {item} to their collection"),
        Action::Rating => match rating_words(a) {
            Rating::Score(n) => format!("{who} rated {item} {n}/10"),
            Rating::Love => format!("{who} loved {item}"),
            Rating::Hate => format!("{who} hated {item}"),
            Rating::Unknown => format!("{who} rated {item}"),
        },
        Action::Watchlist => format!("{who} added {item} to their watchlist"),
        Action::Shout => format!("{who} commented on {item}"),
        Action::Review => format!("{who} reviewed {item}"),
        Action::Created => format!("{who} created {}", list_phrase(a.list.as_ref())),
        Action::ItemAdded => {
            format!("{who} added {item} to {}", list_phrase(a.list.as_ref()))
        }
    };
    truncate_markdown(&escape_markdown(&clean_line(&sentence)), limits::TITLE)
}

enum Rating {
    Score(u64),
    Love,
    Hate,
    Unknown,
}

/// `N/10` when the user rates on the advanced scale, else love/hate; whichever
/// is known when the preferred one is missing.
fn rating_words(a: &Activity) -> Rating {
    let score = a.rating_advanced.filter(|n| (1..=10).contains(n));
    let love = a.rating.map(|l| match l {
        Love::Love => Rating::Love,
        Love::Hate => Rating::Hate,
    });
    match (a.use_rating_advanced, score, love) {
        (true, Some(n), _) => Rating::Score(n),
        (_, _, Some(l)) => l,
        (false, Some(n), None) => Rating::Score(n),
        (_, None, None) => Rating::Unknown,
    }
}

fn description(a: &Activity, subject: &Subject) -> Option<String> {
    let text = match a.action {
        Action::Shout => a.shout.as_ref().and_then(|c| {
            comment(
                c,
                a.kind,
                SHOUT_EXCERPT,
                "Read the whole shout on Trakt",
                subject,
            )
        }),
        Action::Review => a.review.as_ref().and_then(|c| {
            comment(
                c,
                a.kind,
                REVIEW_EXCERPT,
                "Read the full review on Trakt",
                subject,
            )
        }),
        Action::Created => a
            .list
            .as_ref()
            .and_then(|l| l.description.as_deref())
            .map(|d| {
                truncate_clean_markdown(&escape_markdown(&clean_multiline(d)), LIST_DESCRIPTION)
            })
            .filter(|d| !d.is_empty()),
        _ => None,
    };
    text.or_else(|| match subject {
        Subject::Episodes { episodes, .. } => Some(episode_lines(episodes)),
        _ => None,
    })
}

/// A shout or review as the description: escaped, cut at a clean boundary when
/// long (with a link to the whole text), and wrapped as a spoiler when flagged.
fn comment(
    c: &Comment,
    kind: ItemType,
    excerpt: usize,
    more: &str,
    subject: &Subject,
) -> Option<String> {
    let text = escape_markdown(&clean_multiline(c.text.as_deref()?));
    if text.is_empty() {
        return None;
    }
    let cut = truncate_clean_markdown(&text, excerpt);
    let shortened = cut != text;
    let mut body = if c.spoiler { format!("||{cut}||") } else { cut };
    if shortened {
        let link = comment_url(c, kind).or_else(|| subject.page_url());
        if let Some(link) = link {
            body.push_str(&format!("\n\n[{more}]({})", for_masked_link(&link)));
        }
    }
    Some(body)
}

/// A comment's own page: `http://trakt.tv/comment/{episode|movie|show}/{id}`
/// (the form v1-era clients opened; the API hands out no URL).
fn comment_url(c: &Comment, kind: ItemType) -> Option<String> {
    let kind = match kind {
        ItemType::Episode | ItemType::Movie | ItemType::Show => kind.as_str(),
        ItemType::List => return None,
    };
    trakt_url(&["comment", kind, &c.id?.to_string()])
}

/// One line per episode up to a limit, then "…and N more".
fn episode_lines(episodes: &[&Episode]) -> String {
    let mut lines: Vec<String> = episodes
        .iter()
        .take(EPISODES_LISTED)
        .map(|e| {
            let name = episode_name(e).unwrap_or_else(|| "Untitled episode".to_owned());
            match episode_code(e) {
                Some(code) => format!("**{code}** {}", escape_markdown(&name)),
                None => escape_markdown(&name),
            }
        })
        .collect();
    if episodes.len() > EPISODES_LISTED {
        lines.push(format!("…and {} more", episodes.len() - EPISODES_LISTED));
    }
    lines.join("\n")
}

fn fields(a: &Activity) -> Vec<EmbedField> {
    if a.action != Action::Created {
        return Vec::new();
    }
    let Some(privacy) = a.list.as_ref().and_then(|l| l.privacy.as_deref()) else {
        return Vec::new();
    };
    let value = match privacy.trim().to_ascii_lowercase().as_str() {
        "public" => "🌍 Public".to_owned(),
        "friends" => "👥 Friends only".to_owned(),
        "private" => "🔒 Private".to_owned(),
        _ => escape_markdown(&truncate(&clean_line(privacy), 64)),
    };
    vec![EmbedField {
        name: "Visibility".to_owned(),
        value,
        inline: true,
    }]
}

/// The author line: name (with the username when a full name is shown), the
/// profile link, and the avatar unless it is the placeholder.
fn author(user: &User) -> EmbedAuthor {
    let shown = display_name(user);
    let username = clean_line(&user.username);
    let name = if !username.is_empty() && !shown.eq_ignore_ascii_case(&username) {
        format!("{shown} ({username})")
    } else {
        shown
    };
    let url =
        user.url.as_deref().and_then(clean_url).or_else(|| {
            (!user.username.is_empty()).then(|| trakt_url(&["user", &user.username]))?
        });
    EmbedAuthor {
        name: truncate(&name, limits::AUTHOR_NAME),
        url,
        icon_url: image_url(user.avatar.as_deref()),
    }
}

/// The activity's server time as RFC 3339 UTC, when it is a printable time.
fn timestamp(secs: i64) -> Option<String> {
    if !(1..=LAST_PRINTABLE_SECOND).contains(&secs) {
        return None;
    }
    let time = UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs());
    Some(humantime::format_rfc3339_seconds(time).to_string())
}

#[cfg(test)]
mod tests {
    use super::super::text::char_len;
    use super::*;

    fn ep(season: Option<u64>, number: Option<u64>, title: Option<&str>) -> Episode {
        Episode {
            season,
            number,
            title: title.map(str::to_owned),
            ..Episode::default()
        }
    }

    #[test]
    fn episode_forms() {
        assert_eq!(
            episode_phrase(&ep(Some(4), Some(6), Some("Live Bait"))).as_deref(),
            Some("S04E06 \"Live Bait\"")
        );
        assert_eq!(
            episode_phrase(&ep(Some(0), Some(3), None)).as_deref(),
            Some("S00E03 \"Episode 3\"")
        );
        assert_eq!(
            episode_phrase(&ep(None, Some(3), None)).as_deref(),
            Some("episode 3")
        );
        assert_eq!(
            episode_phrase(&ep(Some(2), None, Some("X"))).as_deref(),
            Some("\"X\" (season 2)")
        );
        assert_eq!(episode_phrase(&ep(None, None, None)), None);
        assert_eq!(
            episode_phrase(&ep(Some(1), Some(123), Some("  "))).as_deref(),
            Some("S01E123 \"Episode 123\"")
        );
    }

    #[test]
    fn runs_compact_consecutive_episodes() {
        let eps: Vec<Episode> = [(1, 1), (1, 2), (1, 3), (1, 5), (2, 6), (2, 7)]
            .iter()
            .map(|&(s, n)| ep(Some(s), Some(n), None))
            .collect();
        let refs: Vec<&Episode> = eps.iter().collect();
        let text: Vec<String> = runs(&refs).iter().map(Run::to_string).collect();
        assert_eq!(text, vec!["S01E01–E03", "S01E05", "S02E06–E07"]);
        let edge = [ep(Some(1), Some(u64::MAX), None)];
        let refs: Vec<&Episode> = edge.iter().collect();
        assert_eq!(runs(&refs).len(), 1);
    }

    #[test]
    fn many_episodes_are_listed_up_to_a_limit() {
        let eps: Vec<Episode> = (1..=14).map(|n| ep(Some(1), Some(n), None)).collect();
        let refs: Vec<&Episode> = eps.iter().collect();
        let text = episode_lines(&refs);
        assert_eq!(text.lines().count(), EPISODES_LISTED + 1);
        assert!(text.starts_with("**S01E01** Episode 1\n"));
        assert!(text.ends_with("\n…and 4 more"));
    }

    #[test]
    fn ratings_follow_the_users_scale() {
        let base: Activity = serde_json::from_str(
            r#"{"timestamp":1,"type":"show","action":"rating","user":{"username":"u"}}"#,
        )
        .unwrap();
        let with = |adv: Option<u64>, love: Option<Love>, use_adv: bool| {
            let mut a = base.clone();
            a.rating_advanced = adv;
            a.rating = love;
            a.use_rating_advanced = use_adv;
            match rating_words(&a) {
                Rating::Score(n) => format!("{n}/10"),
                Rating::Love => "love".into(),
                Rating::Hate => "hate".into(),
                Rating::Unknown => "?".into(),
            }
        };
        assert_eq!(with(Some(9), Some(Love::Love), true), "9/10");
        assert_eq!(with(Some(9), Some(Love::Love), false), "love");
        assert_eq!(with(Some(2), Some(Love::Hate), false), "hate");
        assert_eq!(with(None, Some(Love::Hate), true), "hate");
        assert_eq!(with(Some(7), None, false), "7/10");
        assert_eq!(with(Some(0), None, true), "?");
        assert_eq!(with(Some(11), None, true), "?");
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(
            timestamp(1384777900).as_deref(),
            Some("2013-11-18T12:31:40Z")
        );
        assert_eq!(timestamp(0), None);
        assert_eq!(timestamp(-5), None);
        assert_eq!(timestamp(i64::MAX), None);
        assert!(timestamp(LAST_PRINTABLE_SECOND).is_some());
    }

    #[test]
    fn colours_are_distinct_and_labels_short() {
        let mut colours: Vec<u32> = Action::ALL.iter().map(|a| action_color(*a)).collect();
        colours.sort_unstable();
        colours.dedup();
        assert_eq!(colours.len(), Action::ALL.len());
        assert!(colours.iter().all(|c| *c <= limits::COLOR_MAX));
        for a in Action::ALL {
            assert!(char_len(action_label(a)) <= 20, "{a}");
        }
    }

    #[test]
    fn display_name_prefers_full_name() {
        let mut u = User {
            username: "night_owl_nia".into(),
            full_name: Some("Nia Brooks".into()),
            avatar: Some("http://slurm.trakt.us/images/avatar-large.jpg".into()),
            url: None,
            protected: false,
        };
        assert_eq!(display_name(&u), "Nia Brooks");
        let a = author(&u);
        assert_eq!(a.name, "Nia Brooks (night_owl_nia)");
        assert_eq!(a.icon_url, None);
        assert_eq!(a.url.as_deref(), Some("http://trakt.tv/user/night_owl_nia"));
        u.full_name = Some("  ".into());
        assert_eq!(display_name(&u), "night_owl_nia");
        assert_eq!(author(&u).name, "night_owl_nia");
        u.username = String::new();
        u.full_name = None;
        assert_eq!(display_name(&u), "Someone");
    }
}
