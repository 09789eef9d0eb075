//! The subject of an activity as words (`The Walking Dead S04E06 "Live
//! Bait"`), its Trakt page, its picture, and the one-line-per-episode summary
//! of a run of episodes.

use crate::activity::{web, Activity, Episode, Expected, Movie, Show, Subject};

use super::super::links::{clean_url, extend_url, image_url};
use super::super::text::{clean_line, escape_markdown, truncate};
use super::{list, ITEM_MAX};

/// Episodes listed one per line before "…and N more".
const EPISODES_LISTED: usize = 10;
/// Runs of episodes a title may name (`S01E01–E06, S02E01`) before it says
/// "N episodes of" instead.
const RUNS_IN_TITLE: usize = 3;

/// The subject as words in a sentence (unescaped).
pub(super) fn phrase(a: &Activity) -> String {
    let subject = &a.subject;
    let show = subject.show().map(show_name);
    match subject {
        Subject::Episode { episode, .. } => match (show, episode_phrase(episode)) {
            (Some(show), Some(ep)) => format!("{show} {ep}"),
            (Some(show), None) => format!("an episode of {show}"),
            (None, Some(ep)) => ep,
            (None, None) => "an episode".to_owned(),
        },
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
            let season = match season.number {
                Some(0) => "specials".to_owned(),
                Some(n) => format!("season {n}"),
                None => "a season".to_owned(),
            };
            match show {
                Some(show) => format!("{show} {season}"),
                None => season,
            }
        }
        Subject::Show { .. } => show.unwrap_or_else(|| "a show".to_owned()),
        Subject::Movie { movie } => movie_name(movie),
        Subject::List => list::phrase(a.list.as_ref()),
        Subject::Missing { expected, .. } => match (show, expected) {
            (Some(show), Expected::Episode) => format!("an episode of {show}"),
            (Some(show), _) => show,
            (None, Expected::Episode) => "an episode".to_owned(),
            (None, Expected::Show) => "a show".to_owned(),
            (None, Expected::Movie) => "a movie".to_owned(),
            (None, Expected::Something) => "something".to_owned(),
        },
    }
}

/// The show's page: the one the source gave, else built from its slug.
fn show_page(show: &Show) -> Option<String> {
    match &show.url {
        Some(url) => clean_url(url),
        None => show
            .slug
            .as_deref()
            .and_then(web::show)
            .and_then(|u| clean_url(&u)),
    }
}

/// A page below the show's: the v1 form below a given page
/// (`…/season/2/episode/3`), else the v2 site's form from the slug.
fn below_show(show: &Show, season: u64, episode: Option<u64>) -> Option<String> {
    let s = season.to_string();
    match (&show.url, episode) {
        (Some(base), Some(n)) => extend_url(base, &["season", &s, "episode", &n.to_string()]),
        (Some(base), None) => extend_url(base, &["season", &s]),
        (None, Some(n)) => show
            .slug
            .as_deref()
            .and_then(|slug| web::episode(slug, season, n)),
        (None, None) => show
            .slug
            .as_deref()
            .and_then(|slug| web::season(slug, season)),
    }
    .and_then(|u| clean_url(&u))
}

/// The item's own Trakt page.
pub(super) fn page_url(a: &Activity) -> Option<String> {
    let subject = &a.subject;
    let show_url = || subject.show().and_then(show_page);
    match subject {
        Subject::Episode { episode, show } => episode
            .url
            .as_deref()
            .and_then(clean_url)
            .or_else(|| below_show(show.as_ref()?, episode.season?, Some(episode.number?)))
            .or_else(show_url),
        Subject::Season {
            show: Some(show),
            season,
        } => season
            .url
            .as_deref()
            .and_then(clean_url)
            .or_else(|| below_show(show, season.number?, None))
            .or_else(show_url),
        Subject::Movie { movie } => movie.url.as_deref().and_then(clean_url),
        Subject::List => list::url(a.list.as_ref()),
        _ => show_url(),
    }
}

/// The episode screenshot, else the show or movie poster, when real.
pub(super) fn thumbnail(subject: &Subject) -> Option<String> {
    let show_poster = || image_url(subject.show().and_then(|s| s.poster.as_deref()));
    match subject {
        Subject::Episode { episode, .. } => {
            image_url(episode.screenshot.as_deref()).or_else(show_poster)
        }
        Subject::Movie { movie } => image_url(movie.poster.as_deref()),
        Subject::List => None,
        _ => show_poster(),
    }
}

pub(super) fn show_name(show: &Show) -> String {
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
pub(super) fn episode_code(e: &Episode) -> Option<String> {
    Some(format!("S{:02}E{:02}", e.season?, e.number?))
}

/// The episode's name: its title, else "Episode N".
pub(super) fn episode_name(e: &Episode) -> Option<String> {
    e.title
        .as_deref()
        .map(clean_line)
        .filter(|t| !t.is_empty())
        .map(|t| truncate(&t, ITEM_MAX))
        .or_else(|| e.number.map(|n| format!("Episode {n}")))
}

/// `S04E06 "Live Bait"`, degrading to what is known.
pub(super) fn episode_phrase(e: &Episode) -> Option<String> {
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
pub(super) struct Run {
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
pub(super) fn runs(episodes: &[Episode]) -> Vec<Run> {
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

/// For a run of episodes: one line per episode up to a limit, then "…and N more".
pub(super) fn episode_lines(subject: &Subject) -> Option<String> {
    let Subject::Episodes { episodes, .. } = subject else {
        return None;
    };
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
    Some(lines.join("\n"))
}
