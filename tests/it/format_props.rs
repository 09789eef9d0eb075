//! Property tests of `format`: any activity, however hostile its strings
//! (10 000-character texts, emoji, combining marks, right-to-left scripts,
//! markdown and mention syntax, odd URLs), renders within every Discord limit
//! and validates as a request; `pack` keeps order and count within 10 embeds and
//! 6000 characters per message; `fit` is idempotent.

use proptest::prelude::*;

use trakt_herald::format::{
    limits, pack, render, truncate, Embed, EmbedAuthor, EmbedField, EmbedFooter, EmbedMedia,
};
use trakt_herald::trakt::model::{
    Comment, Episode, Images, List, ListItem, Love, Movie, Show, User,
};
use trakt_herald::trakt::{Action, Activity, ItemType};

use crate::format_schema::{request_errors, request_json};

/// Pieces hostile text is made of.
const UNITS: &[&str] = &[
    "a",
    "word ",
    "Sentence. ",
    "👩‍👩‍👧‍👦",
    "🏳️‍🌈",
    "e\u{301}\u{302}\u{303}",
    "\u{301}",
    "שלום ",
    "مرحبا بالعالم ",
    "\u{202e}",
    "||",
    "|",
    "\\",
    "**",
    "_",
    "`",
    "~~",
    "> ",
    "# ",
    "- ",
    "1. ",
    "[x](http://e.test)",
    "@everyone ",
    "@here ",
    "<@123> ",
    "<@&456> ",
    "\n",
    "\r\n",
    "\t",
    "\u{0}",
    "\u{200b}",
    " ",
    "\"",
];

fn unit() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(UNITS)
}

/// Text of any length up to 10 000 characters, from hostile pieces, arbitrary
/// Unicode, or one piece repeated.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        Just(String::new()),
        any::<String>(),
        proptest::collection::vec(unit(), 0..40).prop_map(|v| v.concat()),
        (unit(), 1..10_000usize).prop_map(|(u, n)| {
            let s = u.repeat(n);
            s.chars().take(10_000).collect()
        }),
        (proptest::collection::vec(unit(), 1..8), 100..10_000usize)
            .prop_map(|(v, n)| { v.concat().repeat(n).chars().take(n).collect() }),
    ]
    .boxed()
}

fn opt_text() -> BoxedStrategy<Option<String>> {
    proptest::option::weighted(0.8, text()).boxed()
}

/// URLs: real, placeholder, relative, other schemes, too long, or junk.
fn url() -> BoxedStrategy<Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some(
            "http://slurm.trakt.us/images/posters/124.47.jpg".to_owned()
        )),
        Just(Some(
            "https://trakt.tv/show/the-walking-dead/season/0/episode/1".to_owned()
        )),
        Just(Some(
            "http://slurm.trakt.us/images/poster-dark-300.jpg".to_owned()
        )),
        Just(Some(
            "http://slurm.trakt.us/images/avatar-large.jpg".to_owned()
        )),
        Just(Some(
            "http://trakt.tv/show/caf\u{e9} (2014)/\u{5e9}?q=a b#f".to_owned()
        )),
        Just(Some("javascript:alert(1)".to_owned())),
        Just(Some("/images/x.jpg".to_owned())),
        Just(Some(format!("http://trakt.tv/{}", "a".repeat(2100)))),
        text().prop_map(Some),
    ]
    .boxed()
}

fn num() -> BoxedStrategy<Option<u64>> {
    prop_oneof![
        Just(None),
        (0..30u64).prop_map(Some),
        any::<u64>().prop_map(Some),
    ]
    .boxed()
}

fn images() -> BoxedStrategy<Option<Images>> {
    proptest::option::of((url(), url(), url(), url()).prop_map(
        |(poster, fanart, banner, screen)| Images {
            poster,
            fanart,
            banner,
            screen,
        },
    ))
    .boxed()
}

fn episode() -> BoxedStrategy<Episode> {
    (num(), num(), opt_text(), url(), images())
        .prop_map(|(season, number, title, url, images)| Episode {
            season,
            number,
            title,
            url,
            images,
        })
        .boxed()
}

fn show() -> BoxedStrategy<Show> {
    (opt_text(), num(), url(), images())
        .prop_map(|(title, year, url, images)| Show {
            title,
            year,
            url,
            tvdb_id: None,
            imdb_id: None,
            images,
        })
        .boxed()
}

fn movie() -> BoxedStrategy<Movie> {
    (opt_text(), num(), url(), images())
        .prop_map(|(title, year, url, images)| Movie {
            title,
            year,
            url,
            imdb_id: None,
            tmdb_id: None,
            images,
        })
        .boxed()
}

fn list() -> BoxedStrategy<List> {
    (opt_text(), opt_text(), url(), opt_text(), opt_text())
        .prop_map(|(name, slug, url, description, privacy)| List {
            name,
            slug,
            url,
            description,
            privacy,
        })
        .boxed()
}

fn comment() -> BoxedStrategy<Comment> {
    (
        proptest::option::of(any::<u64>()),
        opt_text(),
        any::<bool>(),
    )
        .prop_map(|(id, text, spoiler)| Comment { id, text, spoiler })
        .boxed()
}

fn user() -> BoxedStrategy<User> {
    (text(), opt_text(), url(), url())
        .prop_map(|(username, full_name, avatar, url)| User {
            username,
            full_name,
            avatar,
            url,
            protected: false,
        })
        .boxed()
}

fn list_item() -> BoxedStrategy<ListItem> {
    (
        proptest::option::of(proptest::sample::select(vec![
            "show".to_owned(),
            "episode".to_owned(),
            "movie".to_owned(),
            "season".to_owned(),
            "person".to_owned(),
        ])),
        proptest::option::of(show()),
        proptest::option::of(episode()),
        proptest::option::of(movie()),
        num(),
    )
        .prop_map(|(kind, show, episode, movie, season)| ListItem {
            kind,
            show,
            episode,
            movie,
            season,
        })
        .boxed()
}

/// Any activity: every action with every type (valid or not), any payload.
fn activity() -> BoxedStrategy<Activity> {
    let head = (
        any::<i64>(),
        proptest::sample::select(Action::ALL.to_vec()),
        proptest::sample::select(vec![
            ItemType::Episode,
            ItemType::Show,
            ItemType::Movie,
            ItemType::List,
        ]),
        user(),
    );
    let media = (
        proptest::option::of(show()),
        proptest::option::of(episode()),
        proptest::collection::vec(episode(), 0..40),
        proptest::option::of(movie()),
    );
    let extra = (
        proptest::option::of(list()),
        proptest::option::of(list_item()),
        proptest::option::of(prop_oneof![Just(Love::Love), Just(Love::Hate)]),
        num(),
        any::<bool>(),
        proptest::option::of(comment()),
        proptest::option::of(comment()),
    );
    (head, media, extra)
        .prop_map(
            |(
                (timestamp, action, kind, user),
                (show, episode, episodes, movie),
                (list, list_item, rating, rating_advanced, use_rating_advanced, shout, review),
            )| Activity {
                id: None,
                timestamp,
                kind,
                action,
                user,
                show,
                episode,
                episodes,
                movie,
                list,
                list_item,
                rating,
                rating_advanced,
                use_rating_advanced,
                shout,
                review,
                watched: None,
            },
        )
        .boxed()
}

/// Every per-embed limit, checked directly.
fn assert_within_limits(e: &Embed) {
    let len = |s: &str| s.chars().count();
    let title = e.title.as_deref().unwrap_or("");
    assert!(len(title) <= limits::TITLE, "title {}", len(title));
    let desc = e.description.as_deref().unwrap_or("");
    assert!(
        len(desc) <= limits::DESCRIPTION,
        "description {}",
        len(desc)
    );
    assert!(e.fields.len() <= limits::FIELDS);
    for f in &e.fields {
        assert!((1..=limits::FIELD_NAME).contains(&len(&f.name)));
        assert!((1..=limits::FIELD_VALUE).contains(&len(&f.value)));
    }
    if let Some(f) = &e.footer {
        assert!((1..=limits::FOOTER).contains(&len(&f.text)));
    }
    if let Some(a) = &e.author {
        assert!((1..=limits::AUTHOR_NAME).contains(&len(&a.name)));
    }
    assert!(e.char_count() <= limits::MESSAGE_TOTAL);
    assert!(e.color.is_none_or(|c| c <= limits::COLOR_MAX));
}

/// Spoilers opened are closed: every unescaped `||` has its partner.
fn spoilers_balanced(e: &Embed) -> bool {
    [&e.title, &e.description]
        .into_iter()
        .flatten()
        .all(|t| unescaped_spoiler_markers(t) % 2 == 0)
}

fn unescaped_spoiler_markers(s: &str) -> usize {
    let mut n = 0;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if c == '|' && chars.peek() == Some(&'|') {
            chars.next();
            n += 1;
        }
    }
    n
}

/// Any embed, including ones far over the limits.
fn any_embed() -> BoxedStrategy<Embed> {
    let parts = (
        opt_text(),
        opt_text(),
        url(),
        proptest::option::of(any::<u32>()),
        proptest::option::of(Just("2013-11-18T10:08:20Z".to_owned())),
    );
    let more = (
        proptest::option::of((text(), url(), url())),
        url(),
        proptest::collection::vec((text(), text(), any::<bool>()), 0..30),
        proptest::option::of((text(), url())),
    );
    (parts, more)
        .prop_map(
            |((title, description, url, color, timestamp), (author, thumb, fields, footer))| {
                Embed {
                    title,
                    description,
                    url,
                    color,
                    timestamp,
                    author: author.map(|(name, url, icon_url)| EmbedAuthor {
                        name,
                        url,
                        icon_url,
                    }),
                    thumbnail: thumb.map(|url| EmbedMedia { url }),
                    fields: fields
                        .into_iter()
                        .map(|(name, value, inline)| EmbedField {
                            name,
                            value,
                            inline,
                        })
                        .collect(),
                    footer: footer.map(|(text, icon_url)| EmbedFooter { text, icon_url }),
                }
            },
        )
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_activity_renders_within_every_limit(a in activity()) {
        let e = render(&trakt_herald::activity::Activity::from(&a));
        assert_within_limits(&e);
        prop_assert!(spoilers_balanced(&e), "{:?}", e);
        prop_assert!(e.title.is_some(), "every embed has a title");
        let body = request_json(&pack(vec![e.clone()])[0], Some("n".into()));
        let errors = request_errors(&body);
        prop_assert!(errors.is_empty(), "{:#?}", errors);
        // Rendering is already fitted: fitting again changes nothing.
        let mut again = e.clone();
        again.fit();
        prop_assert_eq!(again, e);
    }

    #[test]
    fn fit_brings_any_embed_within_limits_and_is_idempotent(e in any_embed()) {
        let balanced = spoilers_balanced(&e);
        let mut fitted = e;
        fitted.fit();
        assert_within_limits(&fitted);
        // Shortening never leaves a spoiler open that was closed.
        prop_assert!(!balanced || spoilers_balanced(&fitted), "{:?}", fitted);
        let mut again = fitted.clone();
        again.fit();
        prop_assert_eq!(again, fitted);
    }

    #[test]
    fn truncate_never_exceeds_and_keeps_a_prefix(s in text(), max in 0..300usize) {
        let t = truncate(&s, max);
        prop_assert!(t.chars().count() <= max);
        if s.chars().count() <= max {
            prop_assert_eq!(t, s);
        } else if let Some(body) = t.strip_suffix('…') {
            prop_assert!(s.starts_with(body.trim_end()));
        }
    }
}

/// Mostly ordinary embeds of every size up to a few thousand characters, with
/// an occasional hostile or oversized one.
fn pack_embed() -> BoxedStrategy<Embed> {
    let ordinary = (
        0..4200usize,
        0..300usize,
        proptest::collection::vec((1..300usize, 1..1100usize), 0..4),
    )
        .prop_map(|(desc, title, fields)| Embed {
            title: (title > 0).then(|| "t".repeat(title)),
            description: (desc > 0).then(|| "d".repeat(desc)),
            fields: fields
                .into_iter()
                .map(|(n, v)| EmbedField {
                    name: "n".repeat(n),
                    value: "v".repeat(v),
                    inline: false,
                })
                .collect(),
            ..Embed::default()
        });
    prop_oneof![12 => ordinary, 1 => any_embed()].boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn pack_keeps_order_and_count_within_message_limits(
        embeds in proptest::collection::vec(pack_embed(), 0..40),
    ) {
        // Tag each embed with its position (colours survive fitting).
        let embeds: Vec<Embed> = embeds
            .into_iter()
            .enumerate()
            .map(|(i, mut e)| {
                e.color = Some(u32::try_from(i).expect("small index"));
                e
            })
            .collect();
        let n = embeds.len();
        let fitted: Vec<Embed> = embeds
            .iter()
            .cloned()
            .map(|mut e| {
                e.fit();
                e
            })
            .collect();
        let messages = pack(embeds);
        prop_assert_eq!(messages.is_empty(), n == 0);
        for m in &messages {
            prop_assert!(!m.embeds.is_empty());
            prop_assert!(m.embeds.len() <= limits::EMBEDS_PER_MESSAGE);
            prop_assert!(m.char_count() <= limits::MESSAGE_TOTAL);
            let errors = request_errors(&request_json(m, Some("x".repeat(40))));
            prop_assert!(errors.is_empty(), "{:#?}", errors);
        }
        let out: Vec<Embed> = messages.into_iter().flat_map(|m| m.embeds).collect();
        prop_assert_eq!(out.len(), n);
        // Same embeds, same order: exactly what fitting each one gives.
        prop_assert_eq!(out, fitted);
    }

    #[test]
    fn pack_fills_messages_greedily(sizes in proptest::collection::vec(0..3000usize, 1..40)) {
        let embeds: Vec<Embed> = sizes
            .iter()
            .map(|&n| Embed {
                description: (n > 0).then(|| "x".repeat(n)),
                ..Embed::default()
            })
            .collect();
        let messages = pack(embeds);
        // No message could have taken the next one's first embed.
        for pair in messages.windows(2) {
            let next = pair[1].embeds[0].char_count();
            prop_assert!(
                pair[0].embeds.len() == limits::EMBEDS_PER_MESSAGE
                    || pair[0].char_count() + next > limits::MESSAGE_TOTAL
            );
        }
    }
}
