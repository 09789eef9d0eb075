//! Link buttons (issue 13, part): a delivered message about one show carries
//! one row of link buttons (Trakt, and IMDb and TVDB when known), a message
//! packing several shows carries none. Every body with buttons validates
//! against Discord's `MessageCreateRequest` schema: the parts
//! `tests/it/format_schema.rs` encodes, plus `components` as
//! `ActionRowComponentForMessageRequest` and `ButtonComponentForMessageRequest`
//! define it in `discord-api-spec/openapi.json` (hand-encoded here, link
//! buttons only: `type` 2, `style` 5 with a `url` of at most 512 characters,
//! a `label` of at most 80, no `custom_id`).

use serde_json::Value;

use trakt_herald::activity;
use trakt_herald::format::buttons::link_rows;
use trakt_herald::format::{pack, render};

use crate::format_schema::{request_errors, validate, Format, Prop, Ty};
use crate::format_snapshots::activity_fixtures;
use crate::support::activities::{episode_activity, TestShow};
use crate::support::fake_discord::CHANNEL_ID;
use crate::support::herald::{Herald, WAIT};

const fn prop(name: &'static str, ty: Ty, required: bool) -> Prop {
    Prop {
        name,
        ty,
        nullable: !required,
        required,
    }
}

/// `ButtonComponentForMessageRequest`, as a link button uses it.
static LINK_BUTTON: Ty = Ty::Obj(&[
    prop("type", Ty::Int { min: 2, max: 2 }, true),
    prop("style", Ty::Int { min: 5, max: 5 }, true),
    prop(
        "label",
        Ty::Str {
            max: 80,
            format: Format::Plain,
        },
        false,
    ),
    prop(
        "url",
        Ty::Str {
            max: 512,
            format: Format::Uri,
        },
        true,
    ),
]);

/// `ActionRowComponentForMessageRequest` with link buttons (1 to 5).
static ACTION_ROW: Ty = Ty::Obj(&[
    prop("type", Ty::Int { min: 1, max: 1 }, true),
    prop(
        "components",
        Ty::Arr {
            items: &LINK_BUTTON,
            max: 5,
            unique: false,
        },
        true,
    ),
]);

/// `MessageCreateRequest.components` (at most 40 top-level components).
static COMPONENTS: Ty = Ty::Arr {
    items: &ACTION_ROW,
    max: 40,
    unique: false,
};

/// Schema errors of a create-message body with components.
fn body_errors(body: &Value) -> Vec<String> {
    let mut rest = body.clone();
    let components = rest
        .as_object_mut()
        .and_then(|m| m.remove("components"))
        .unwrap_or(Value::Null);
    let mut errors = request_errors(&rest);
    if !components.is_null() {
        validate(&COMPONENTS, &components, "$.components", &mut errors);
        for (i, row) in components.as_array().into_iter().flatten().enumerate() {
            if row["components"].as_array().is_none_or(Vec::is_empty) {
                errors.push(format!("$.components[{i}]: minItems 1"));
            }
        }
    }
    errors
}

#[test]
fn every_fixture_alone_gets_valid_link_buttons() {
    let mut with_buttons = 0;
    let mut three = 0;
    for (stem, activities) in activity_fixtures() {
        for (i, a) in activities.iter().enumerate() {
            let a = activity::Activity::from(a);
            let rows = link_rows([&a]);
            let message = pack(vec![render(&a)]).remove(0);
            let body = serde_json::to_value(
                message
                    .to_request(Some(format!("n{i}")))
                    .with_components(rows.clone()),
            )
            .expect("json");
            let errors = body_errors(&body);
            assert!(errors.is_empty(), "{stem} #{i}: {errors:#?}");
            if a.subject_show().is_some() {
                assert_eq!(
                    rows.len(),
                    1,
                    "{stem} #{i}: a show gets a Trakt link at least"
                );
                with_buttons += 1;
                three += usize::from(rows[0].components.len() == 3);
            } else {
                assert!(rows.is_empty(), "{stem} #{i}: no show, no links");
            }
        }
    }
    assert!(with_buttons >= 100, "{with_buttons}");
    assert!(three >= 1, "some fixture knows the IMDb and TVDB ids");
}

#[test]
fn the_components_schema_catches_each_kind_of_violation() {
    let good = serde_json::json!({
        "embeds": [{"title": "t"}],
        "allowed_mentions": {"parse": []},
        "components": [{"type": 1, "components": [
            {"type": 2, "style": 5, "label": "Trakt", "url": "https://trakt.tv/shows/x"}
        ]}]
    });
    assert_eq!(body_errors(&good), Vec::<String>::new());
    type Edit = fn(&mut Value);
    let cases: Vec<(&str, Edit)> = vec![
        ("row type", |v| v["components"][0]["type"] = 2.into()),
        ("style", |v| {
            v["components"][0]["components"][0]["style"] = 1.into()
        }),
        ("url", |v| {
            v["components"][0]["components"][0]["url"] = "x".repeat(513).into()
        }),
        ("label", |v| {
            v["components"][0]["components"][0]["label"] = "x".repeat(81).into()
        }),
        ("custom id", |v| {
            v["components"][0]["components"][0]["custom_id"] = "c".into()
        }),
        ("six buttons", |v| {
            let b = v["components"][0]["components"][0].clone();
            v["components"][0]["components"] = Value::Array(vec![b; 6]);
        }),
        ("empty row", |v| {
            v["components"][0]["components"] = Value::Array(Vec::new())
        }),
    ];
    for (what, edit) in cases {
        let mut v = good.clone();
        edit(&mut v);
        assert!(!body_errors(&v).is_empty(), "{what} violation not caught");
    }
}

fn activity_of(
    slug: &'static str,
    title: &'static str,
    tvdb: Option<&str>,
    id: u64,
    ts: i64,
) -> Value {
    let show = TestShow {
        slug,
        title,
        tvdb_id: tvdb.map(str::to_owned),
    };
    episode_activity(id, "seen", "ellie", ts, &show, 1, "Pilot")
}

#[tokio::test]
async fn a_message_about_one_show_carries_its_links_and_one_about_two_none() {
    let mut bot = Herald::start().await;
    for show in ["the-walking-dead", "lost"] {
        let r = bot
            .discord
            .interact(
                crate::support::fake_discord::CommandInvocation::new("follow").option("show", show),
            )
            .await;
        bot.discord.wait_reply(&r, WAIT).await;
    }
    let t = bot.trakt.now();
    bot.trakt.advance(5);
    bot.trakt.publish(activity_of(
        "the-walking-dead",
        "The Walking Dead",
        Some("153021"),
        1,
        t + 1,
    ));
    let first = bot.discord.wait_channel_messages(CHANNEL_ID, 1, WAIT).await;
    bot.trakt.advance(5);
    bot.trakt.publish_all([
        activity_of(
            "the-walking-dead",
            "The Walking Dead",
            Some("153021"),
            2,
            t + 6,
        ),
        activity_of("lost", "Lost", None, 3, t + 7),
    ]);
    let all = bot.discord.wait_channel_messages(CHANNEL_ID, 2, WAIT).await;
    bot.stop().await;

    let buttons = first[0]["components"][0]["components"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let links: Vec<(String, String)> = buttons
        .iter()
        .map(|b| {
            assert_eq!(b["style"], 5, "{b}");
            (
                b["label"].as_str().unwrap_or_default().to_owned(),
                b["url"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        links,
        [
            (
                "Trakt".to_owned(),
                "http://trakt.tv/show/the-walking-dead".to_owned()
            ),
            (
                "TVDB".to_owned(),
                "https://thetvdb.com/dereferrer/series/153021".to_owned()
            ),
        ]
    );
    assert_eq!(
        all[1]["embeds"].as_array().map(Vec::len),
        Some(2),
        "{all:#?}"
    );
    assert_eq!(
        all[1]["components"],
        serde_json::json!([]),
        "two shows, no links"
    );
    assert!(
        bot.discord.violations().is_empty(),
        "{:?}",
        bot.discord.violations()
    );
}
