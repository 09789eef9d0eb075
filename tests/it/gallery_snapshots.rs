//! Snapshots of whole message bodies for the README gallery (`docs/gallery/`,
//! rendered by `scripts/gallery/render.py`), made by the real code: a packed
//! burst (several embeds in one message, as today's packing sends them), a
//! premiere-night burst digested into one message with its link buttons, a
//! message pinging a follow's role, and the `/follows` reply as the bot sends
//! it to the fake Discord.

use serde_json::Value;
use trakt_herald::activity::{
    Activity, ActivityKey, Comment, Episode, Rating, Score, Show, Subject, TraktTime, User,
};
use trakt_herald::format::{self, buttons, digest::Item, ping::Notify};
use trakt_herald::ids::{ChannelId, GuildId, RoleId, UserId};
use trakt_herald::store::{Delivery, NewFollow, NewUserFollow, Profile};
use trakt_herald::trakt::v2::UserSlug;
use trakt_herald::trakt::{Action, ActionSet, ShowRef};

use crate::format_snapshots::activity_fixtures;
use crate::support::fake_discord::{CommandInvocation, ReplyKind, CHANNEL_ID, GUILD_ID};
use crate::support::herald::{Herald, Options, WAIT};

/// The first message `activities` make, each follow's digest switch `digest`,
/// as the create-message body delivery sends (`deliver::channel`): embeds, the
/// link row of a message about one show, mentions disabled, a nonce.
fn first_request(
    activities: &[Activity],
    digest: bool,
    nonce: &str,
) -> (format::CreateMessage, usize) {
    let items: Vec<Item<'_>> = activities
        .iter()
        .map(|activity| Item { activity, digest })
        .collect();
    let mut messages = format::digest::messages(&items);
    assert!(!messages.is_empty(), "something to send");
    let count = messages.len();
    let (message, members) = messages.remove(0);
    let links = buttons::link_rows(members.iter().filter_map(|i| activities.get(*i)));
    let body = message
        .to_request(Some(nonce.to_owned()))
        .with_components(links);
    (body, count)
}

/// [`first_request`] as JSON.
fn first_body(activities: &[Activity], digest: bool, nonce: &str) -> (Value, usize) {
    let (body, count) = first_request(activities, digest, nonce);
    (serde_json::to_value(body).expect("a JSON body"), count)
}

#[test]
fn a_packed_burst_is_one_message_of_several_embeds() {
    let (_, v1) = activity_fixtures()
        .into_iter()
        .find(|(stem, _)| stem == "batch-two-shows")
        .expect("the batch-two-shows fixture");
    let activities: Vec<Activity> = v1.iter().map(Activity::from).collect();
    let (body, count) = first_body(&activities, false, "gallery-packed-burst");
    assert_eq!(count, 1, "one message");
    let embeds = body["embeds"].as_array().expect("embeds");
    assert_eq!(embeds.len(), activities.len(), "one embed per activity");
    assert!(body.get("components").is_none(), "two shows: no link row");
    insta::assert_json_snapshot!("gallery-packed-burst", body);
}

fn twd() -> Show {
    Show {
        title: Some("The Walking Dead".into()),
        trakt: Some(1393),
        slug: Some("the-walking-dead".into()),
        tvdb: Some(153_021),
        imdb: Some("tt1520211".into()),
        poster: Some("https://walter.trakt.tv/images/shows/000/001/393/posters/thumb/x.jpg".into()),
        ..Show::default()
    }
}

/// `who` did `action` on The Walking Dead S11E24 at `t`.
fn finale(action: Action, who: &str, t: i64) -> Activity {
    Activity {
        action,
        time: TraktTime(t),
        key: ActivityKey(format!("{}-{who}-{t}", action.as_str())),
        user: User {
            username: who.into(),
            profile_url: Some(format!("https://trakt.tv/users/{who}")),
            ..User::default()
        },
        subject: Subject::Episode {
            show: Some(twd()),
            episode: Episode {
                season: Some(11),
                number: Some(24),
                title: Some("Rest in Peace".into()),
                ..Episode::default()
            },
        },
        comment: None,
        list: None,
        list_item: None,
        rating: None,
    }
}

/// A premiere night: 27 check-ins, 5 ratings, a shout and a spoiler shout.
fn premiere() -> Vec<Activity> {
    const T: i64 = 1_669_600_800;
    let mut out: Vec<Activity> = (0..27)
        .map(|i| finale(Action::Checkin, &format!("viewer{:02}", i + 1), T + i * 7))
        .collect();
    for (i, n) in [9u64, 10, 8, 10, 7].into_iter().enumerate() {
        let mut a = finale(
            Action::Rating,
            &format!("critic{}", i + 1),
            T + 400 + i as i64,
        );
        a.rating = Score::new(n).map(Rating::Score);
        out.push(a);
    }
    for (who, text, spoiler) in [
        (
            "binge_becky",
            "What a way to end it all. Eleven seasons!",
            false,
        ),
        (
            "spoilsport",
            "I can't believe Rick and Michonne came back",
            true,
        ),
    ] {
        let mut a = finale(Action::Shout, who, T + 500);
        a.comment = Some(Comment {
            id: Some(u64::from(spoiler) + 1),
            text: text.into(),
            spoiler,
            ..Comment::default()
        });
        out.push(a);
    }
    out
}

#[test]
fn a_premiere_burst_is_one_digested_message_with_links() {
    let activities = premiere();
    let (body, count) = first_body(&activities, true, "gallery-premiere");
    assert_eq!(count, 1, "one message");
    let embeds = body["embeds"].as_array().expect("embeds");
    assert_eq!(embeds.len(), 4, "check-ins, ratings, two shouts: {body:#}");
    let text = body.to_string();
    assert!(text.contains("27 people checked in"), "{text}");
    assert!(text.contains("…and 7 more"), "{text}");
    assert!(text.contains("||"), "the spoiler stays hidden: {text}");
    let labels: Vec<&str> = body["components"][0]["components"]
        .as_array()
        .expect("one link row")
        .iter()
        .filter_map(|b| b["label"].as_str())
        .collect();
    assert_eq!(labels, ["Trakt", "IMDb", "TVDB"]);
    insta::assert_json_snapshot!("gallery-premiere-digest", body);
}

fn follow(bot: &Herald, slug: &str, title: &str, actions: &str, delivery: Option<Delivery>) {
    bot.store
        .follow_with(
            NewFollow {
                guild: GuildId(GUILD_ID),
                channel: ChannelId(CHANNEL_ID),
                show: ShowRef::parse(slug).expect("a slug"),
                title: title.into(),
                slug: None,
                actions: ActionSet::parse(actions).expect("actions"),
                created_by: UserId(7),
                now: 1_700_000_000,
                start_watermark: Some(TraktTime(1_700_000_000)),
                max_per_guild: 50,
            },
            delivery,
        )
        .expect("follow");
}

#[tokio::test]
async fn the_follows_reply_as_sent() {
    let bot = Herald::start_with(Options {
        poll_interval: "1h",
        ..Options::default()
    })
    .await;
    let ping = Delivery {
        ping: Some(RoleId(424_242)),
        ping_on: Some(ActionSet::parse("checkin,scrobble").expect("actions")),
        ..Delivery::default()
    };
    follow(
        &bot,
        "the-walking-dead",
        "The Walking Dead",
        "all",
        Some(ping),
    );
    follow(
        &bot,
        "breaking-bad",
        "Breaking Bad",
        "seen,rating,review",
        None,
    );
    follow(&bot, "fargo", "Fargo", "shout,review", None);
    bot.store
        .pause(
            ChannelId(CHANNEL_ID),
            &ShowRef::parse("fargo").expect("a slug"),
            1_700_086_400,
        )
        .expect("pause");
    bot.store
        .follow_user(NewUserFollow {
            guild: GuildId(GUILD_ID),
            channel: ChannelId(CHANNEL_ID),
            user: UserSlug("moonfield".into()),
            profile: Profile {
                username: "moonfield".into(),
                name: Some("Mira Okafor".into()),
                avatar: None,
            },
            actions: ActionSet::parse("seen,rating").expect("actions"),
            show: None,
            created_by: UserId(7),
            now: 1_700_000_000,
            start_watermark: Some(TraktTime(1_700_000_000)),
            max_per_guild: 50,
        })
        .expect("follow user");

    let r = bot
        .discord
        .interact(CommandInvocation::new("follows"))
        .await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    let reply = replies
        .iter()
        .find(|r| r.kind != ReplyKind::Defer)
        .expect("an answer");
    assert!(reply.ephemeral, "{reply:#?}");
    let description = reply.embeds[0]["description"].as_str().unwrap_or_default();
    assert_eq!(description.lines().count(), 4, "{description}");
    assert!(
        description.contains("paused since <t:1700086400:R>"),
        "{description}"
    );
    insta::assert_json_snapshot!("gallery-follows-reply", reply.body);
}

#[test]
fn a_pinged_message_mentions_only_its_role() {
    let (_, v1) = activity_fixtures()
        .into_iter()
        .find(|(stem, _)| stem == "review")
        .expect("the review fixture");
    let review: Vec<Activity> = v1.iter().take(1).map(Activity::from).collect();
    let (body, _) = first_request(&review, true, "gallery-pinged");
    let body =
        serde_json::to_value(body.notifying(Notify::Ping(RoleId(424_242)))).expect("a JSON body");
    assert_eq!(body["content"], "<@&424242>");
    assert_eq!(
        body["allowed_mentions"],
        serde_json::json!({"parse": [], "roles": ["424242"]})
    );
    assert_eq!(body["components"][0]["components"][0]["label"], "Trakt");
    insta::assert_json_snapshot!("gallery-pinged-review", body);
}
