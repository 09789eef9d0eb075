//! `/follow`'s show autocomplete. On Trakt API v2: Trakt's show search
//! (cached, through the one client and its budget), choices "Title (year)"
//! whose value is the slug; an input that already names a show (address,
//! IMDb, TVDB, `trakt:N`) offers itself and asks nothing. Discord wants the
//! answer within 3 s: a search not back within [`SEARCH_WAIT`] is answered
//! with no choices and left to finish into the cache for the next keystroke.
//! Never an error. On v1 (no search) a valid show offers itself.

use std::time::Duration;

use poise::serenity_prelude as serenity;

use super::Context;
use crate::trakt::v2::{ResolveError, Show, ShowInput};
use crate::trakt::{ShowRef, Source, V2Source};

/// How long an autocomplete waits for Trakt's search.
pub const SEARCH_WAIT: Duration = Duration::from_secs(2);
/// Shortest text that is searched.
const MIN_QUERY_CHARS: usize = 2;
/// Discord's limit on a choice's name and value.
const MAX_CHOICE_CHARS: usize = 100;
/// Discord shows at most this many choices.
const MAX_CHOICES: usize = 25;

pub(super) async fn autocomplete_show(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let choices = match &ctx.data().source {
        Source::V1(_) => ShowRef::parse(partial)
            .ok()
            .and_then(|_| itself(partial))
            .into_iter()
            .collect(),
        Source::V2(v2) => v2_choices(v2, partial).await,
    };
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// What to do with the text typed so far (pure).
#[derive(Debug, PartialEq, Eq)]
enum Plan {
    Nothing,
    /// It names a show already: offer it as typed.
    Itself,
    Search,
}

fn plan(partial: &str) -> Plan {
    let typed = partial.trim();
    match ShowInput::parse(typed) {
        // A word, a title with spaces or punctuation: search it (a slug
        // from a pasted address offers itself).
        Ok(ShowInput::Slug(slug)) if slug != typed => Plan::Itself,
        Ok(ShowInput::Slug(_)) | Err(ResolveError::Invalid(_)) => {
            if typed.chars().count() >= MIN_QUERY_CHARS {
                Plan::Search
            } else {
                Plan::Nothing
            }
        }
        // A movie or person address, another site: /follow will say why.
        Err(_) => Plan::Nothing,
        Ok(_) => Plan::Itself,
    }
}

/// The typed text as the one choice (none when too long for a value).
fn itself(partial: &str) -> Option<serenity::AutocompleteChoice> {
    let typed = partial.trim();
    (!typed.is_empty() && typed.chars().count() <= MAX_CHOICE_CHARS)
        .then(|| serenity::AutocompleteChoice::new(typed.to_owned(), typed.to_owned()))
}

async fn v2_choices(v2: &V2Source, partial: &str) -> Vec<serenity::AutocompleteChoice> {
    match plan(partial) {
        Plan::Nothing => Vec::new(),
        Plan::Itself => itself(partial).into_iter().collect(),
        Plan::Search if v2.client.key_refused() => Vec::new(),
        Plan::Search => {
            let search = v2.search.clone();
            let query = partial.trim().to_owned();
            // Spawned: a search cut off by the wait still fills the cache.
            let task = tokio::spawn(async move { search.search(&query).await });
            match tokio::time::timeout(SEARCH_WAIT, task).await {
                Ok(Ok(Ok(shows))) => show_choices(&shows),
                Ok(Ok(Err(e))) => {
                    tracing::warn!(error = %e, "autocomplete: the show search failed");
                    Vec::new()
                }
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "autocomplete: the show search task failed");
                    Vec::new()
                }
                Err(_) => {
                    tracing::debug!("autocomplete: the show search is slow; answering without");
                    Vec::new()
                }
            }
        }
    }
}

/// Search hits as choices: "Title (year)", value the slug (pure).
fn show_choices(shows: &[Show]) -> Vec<serenity::AutocompleteChoice> {
    shows
        .iter()
        .filter(|s| !s.ids.slug.is_empty() && s.ids.slug.chars().count() <= MAX_CHOICE_CHARS)
        .take(MAX_CHOICES)
        .map(|s| {
            let name = match s.year {
                Some(year) => format!("{} ({year})", s.title),
                None => s.title.clone(),
            };
            let name: String = name.chars().take(MAX_CHOICE_CHARS).collect();
            serenity::AutocompleteChoice::new(name, s.ids.slug.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(title: &str, year: Option<u32>, slug: &str) -> Show {
        serde_json::from_value(serde_json::json!({
            "title": title, "year": year, "ids": {"trakt": 1, "slug": slug}
        }))
        .expect("show")
    }

    fn pairs(choices: &[serenity::AutocompleteChoice]) -> Vec<(String, String)> {
        choices
            .iter()
            .map(|c| {
                let v = serde_json::to_value(c).expect("json");
                (
                    v["name"].as_str().unwrap_or_default().to_owned(),
                    v["value"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn ids_and_addresses_offer_themselves_words_are_searched() {
        for typed in [
            "https://trakt.tv/shows/the-walking-dead",
            "tt1520211",
            "153021",
            "trakt:1393",
        ] {
            assert_eq!(plan(typed), Plan::Itself, "{typed}");
        }
        for typed in [
            "walking",
            "The Walking Dead",
            "the-walking-dead",
            "9-1-1: Lone Star",
        ] {
            assert_eq!(plan(typed), Plan::Search, "{typed}");
        }
        assert_eq!(plan(""), Plan::Nothing);
        assert_eq!(plan(" w "), Plan::Nothing);
        assert_eq!(
            plan("https://trakt.tv/movies/tron-legacy-2010"),
            Plan::Nothing
        );
        let long = format!("https://trakt.tv/shows/{}", "a".repeat(120));
        assert!(itself(&long).is_none(), "too long for a choice value");
    }

    #[test]
    fn choices_are_titles_with_years_and_slug_values() {
        let long = "x".repeat(300);
        let got = pairs(&show_choices(&[
            show("The Walking Dead", Some(2010), "the-walking-dead"),
            show("Untitled", None, "untitled"),
            show(&long, Some(2020), "long"),
        ]));
        assert_eq!(
            got[0],
            ("The Walking Dead (2010)".into(), "the-walking-dead".into())
        );
        assert_eq!(got[1], ("Untitled".into(), "untitled".into()));
        assert_eq!(got[2].0.chars().count(), MAX_CHOICE_CHARS);
    }
}
