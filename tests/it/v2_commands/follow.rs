//! `/follow` on v2: every form of a show gives one follow; bad input, unknown
//! shows and outages get private answers; actions are cut to what v2 offers;
//! the limit is checked before Trakt is asked.

use super::*;

#[tokio::test]
async fn slug_address_imdb_tvdb_and_trakt_id_give_one_follow_of_one_show() {
    let bot = Herald::start_with(v2()).await;
    let text = confirmed(&bot, follow(TWD)).await;
    assert!(
        text.contains("This channel now follows") && text.contains(TWD_TITLE) && text.contains(TWD),
        "{text}"
    );
    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert_eq!(subs.len(), 1, "{subs:?}");
    let sub = &subs[0];
    assert_eq!(sub.show, ShowRef::Trakt(TWD_ID));
    assert_eq!(sub.slug.as_deref(), Some(TWD));
    assert_eq!(sub.title, TWD_TITLE);
    assert_eq!(sub.actions, ActionSet::v2_show());
    assert_eq!(sub.state, SubState::Active);
    assert_eq!(
        sub.since,
        Some(TraktTime(FAKE_NOW)),
        "the follow starts at Trakt's clock (the lookup's Date)"
    );

    for typed in [
        "https://trakt.tv/shows/the-walking-dead/seasons/2",
        "tt1520211",
        "153021",
        "trakt:1393",
    ] {
        let text = confirmed(&bot, follow(typed).option("actions", "shout")).await;
        assert!(
            text.contains("Updated") && text.contains(TWD_TITLE),
            "{typed}: {text}"
        );
        let subs = bot.store.channel_follows(channel()).expect("follows");
        assert_eq!(subs.len(), 1, "{typed}: still one follow: {subs:?}");
        assert_eq!(subs[0].show, ShowRef::Trakt(TWD_ID), "{typed}");
    }
    assert_eq!(
        bot.store
            .guild_follow_count(GuildId(GUILD_ID))
            .expect("count"),
        1
    );
    let paths = command_requests(&bot);
    assert!(
        paths.contains(&"/search/tvdb/153021".to_owned()),
        "{paths:?}"
    );
    assert!(paths.contains(&"/shows/tt1520211".to_owned()), "{paths:?}");
    finish(bot).await;
}

#[tokio::test]
async fn bad_inputs_get_v1_answers_with_nothing_stored_and_no_request() {
    let bot = Herald::start_with(v2()).await;
    let long = "a".repeat(300);
    let cases: [(&str, Option<&str>, &str); 9] = [
        ("../x", None, "`.`"),
        ("a/b", None, "`/`"),
        ("a,b", None, "`,`"),
        ("x%2Fy", None, "`%`"),
        ("", None, "the show is empty"),
        (&long, None, "300 characters"),
        ("The Walking Dead", None, "space"),
        (TWD, Some("seen,bogus"), "`bogus` is not an action"),
        ("https://example.com/shows/x", None, "not on trakt.tv"),
    ];
    for (show, actions, needle) in cases {
        let mut invocation = follow(show);
        if let Some(a) = actions {
            invocation = invocation.option("actions", a);
        }
        refused(&bot, invocation, needle).await;
    }
    refused(
        &bot,
        CommandInvocation::new("activity").option("show", "a/b"),
        "`/`",
    )
    .await;
    // What is not a show says what it is, without asking Trakt.
    refused(
        &bot,
        follow("https://trakt.tv/movies/tron-legacy-2010"),
        "movie",
    )
    .await;
    refused(
        &bot,
        follow("https://trakt.tv/people/norman-reedus"),
        "person",
    )
    .await;
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    assert_eq!(
        command_requests(&bot),
        Vec::<String>::new(),
        "bad input never reaches Trakt"
    );
    finish(bot).await;
}

#[tokio::test]
async fn unknown_shows_and_outages_get_private_answers() {
    let bot = Herald::start_with(Options {
        trakt_retry_delay: "10ms",
        ..v2()
    })
    .await;
    let text = refused(&bot, follow("no-such-show"), "no show").await;
    assert!(text.contains("`no-such-show`"), "{text}");
    refused(&bot, follow("999999"), "no show").await;
    refused(&bot, follow("https://trakt.tv/shows/424242"), "no show").await;
    bot.v2.script(vec![Scripted::Status(500); 4]);
    refused(&bot, follow(TWD), "try again later").await;
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    assert!(bot.store.followed_shows().expect("shows").is_empty());
    // Trakt's limiter asks for more than the client waits inline: try later.
    bot.v2.script([Scripted::Api429 {
        retry_after: Some("300".to_owned()),
    }]);
    refused(&bot, follow(TWD), "try again later").await;
    assert!(bot.store.followed_shows().expect("shows").is_empty());
    let paths = command_requests(&bot);
    assert!(
        paths.contains(&"/shows/no-such-show".to_owned()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"/search/tvdb/999999".to_owned()),
        "{paths:?}"
    );
    finish(bot).await;
}

#[tokio::test]
async fn actions_are_cut_to_what_v2_offers_per_show() {
    let bot = Herald::start_with(v2()).await;
    // Only actions v2 does not make public per show: refused, nothing asked.
    let text = refused(
        &bot,
        follow(TWD).option("actions", "seen,rating"),
        "does not make seen, rating public per show",
    )
    .await;
    assert!(
        text.contains("watching, shout, review, created, item_added"),
        "lists what v2 offers: {text}"
    );
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    assert!(command_requests(&bot).is_empty(), "{:?}", bot.v2.paths());

    // A mix: what is available is followed, the rest named.
    let text = confirmed(&bot, follow(TWD).option("actions", "seen,shout,rating")).await;
    assert!(text.contains("for shout."), "{text}");
    assert!(
        text.contains("Left out: seen, rating") && text.contains("does not make public per show"),
        "{text}"
    );
    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert_eq!(subs[0].actions, ActionSet::parse("shout").expect("shout"));

    // `all`: everything v2 offers, named.
    let text = confirmed(&bot, follow(TWD).option("actions", "all")).await;
    assert!(
        text.contains("Updated")
            && text.contains("everything Trakt API v2 makes public about a show: watching, shout, review, created, item_added")
            && text.contains("(was: shout)"),
        "{text}"
    );
    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].actions, ActionSet::v2_show());
    finish(bot).await;
}

#[tokio::test]
async fn the_follow_limit_is_checked_before_trakt() {
    let bot = Herald::start_with(Options {
        max_follows_per_guild: 1,
        ..v2()
    })
    .await;
    confirmed(&bot, follow(TWD)).await;
    let before = command_requests(&bot).len();
    let text = refused(
        &bot,
        follow("fear-the-walking-dead").in_channel(OTHER_CHANNEL_ID),
        "1 follows",
    )
    .await;
    assert!(text.contains("/unfollow"), "{text}");
    assert_eq!(
        command_requests(&bot).len(),
        before,
        "no lookup at the limit"
    );
    // Changing the existing follow is allowed at the limit.
    let text = confirmed(&bot, follow(TWD).option("actions", "review")).await;
    assert!(text.contains("Updated"), "{text}");
    finish(bot).await;
}
