//! `/follow`'s autocomplete from Trakt's show search, within Discord's 3 s.

use super::*;

#[tokio::test]
async fn follow_autocompletes_from_trakts_search() {
    let bot = Herald::start_with(v2()).await;
    let got = choices(&bot, "follow", "walking").await;
    assert!(got.len() >= 3, "{got:?}");
    assert_eq!(
        got[0],
        ("The Walking Dead (2010)".to_owned(), TWD.to_owned())
    );
    assert_eq!(
        got[1],
        (
            "Fear the Walking Dead (2015)".to_owned(),
            "fear-the-walking-dead".to_owned()
        )
    );
    let searches = |bot: &Herald| {
        bot.v2
            .log()
            .iter()
            .filter(|l| l.path == "/search/show")
            .count()
    };
    assert_eq!(searches(&bot), 1);
    // The same text again: from the cache.
    assert_eq!(choices(&bot, "follow", "Walking ").await, got);
    assert_eq!(searches(&bot), 1, "cached");
    // What already names a show offers itself and asks nothing.
    let before = bot.v2.log().len();
    for typed in [
        "https://trakt.tv/shows/the-walking-dead",
        "tt1520211",
        "153021",
    ] {
        assert_eq!(
            choices(&bot, "follow", typed).await,
            [(typed.to_owned(), typed.to_owned())]
        );
    }
    assert_eq!(bot.v2.log().len(), before);
    // A chosen value follows the show.
    add_fear(&bot);
    let text = confirmed(&bot, follow(&got[1].1)).await;
    assert!(text.contains("Fear the Walking Dead"), "{text}");
    finish(bot).await;
}

#[tokio::test]
async fn a_slow_search_answers_within_discords_three_seconds() {
    let bot = Herald::start_with(Options {
        trakt_timeout: "10s",
        ..v2()
    })
    .await;
    bot.v2.edit(|w| w.delay = Some(Duration::from_millis(2600)));
    let got = choices(&bot, "follow", "dead").await;
    assert!(
        got.is_empty(),
        "no choices rather than a late answer: {got:?}"
    );
    bot.v2.edit(|w| w.delay = None);
    // The search went on into the cache: the next keystroke is answered from it.
    eventually("the slow search is answered", WAIT, || {
        bot.v2.paths().iter().any(|p| p == "/search/show")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = choices(&bot, "follow", "dead").await;
    assert!(
        got.iter()
            .any(|(name, _)| name == "The Walking Dead (2010)"),
        "{got:?}"
    );
    let searches = bot
        .v2
        .paths()
        .iter()
        .filter(|p| *p == "/search/show")
        .count();
    assert_eq!(searches, 1, "the second answer came from the cache");
    // `finish` checks that no callback came after Discord's 3 s.
    finish(bot).await;
}
