//! Snapshot tests of `format::render` on v1 items: the embed JSON of every item
//! of every fixture in `tests/fixtures/` (the two `full-100` pages as one list
//! of titles each), each v1 wire item mapped into the activity model first
//! (`From<&trakt::model::Activity>`), plus the fixture loader the other format
//! tests share.

use std::path::{Path, PathBuf};

use trakt_herald::activity;
use trakt_herald::format::render;
use trakt_herald::trakt::{Activity, ShowRef};

/// The fixture directory.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every activity fixture (not the `error-*` bodies) as (file stem, activities),
/// sorted by name.
pub fn activity_fixtures() -> Vec<(String, Vec<Activity>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("read tests/fixtures")
        .map(|e| e.expect("fixture dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("error-"))
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("utf-8 fixture name")
                .to_owned();
            let body: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).expect("read fixture"))
                    .expect("fixture is JSON");
            let items = body["activity"].as_array().expect("an activity array");
            let activities = items
                .iter()
                .map(|item| {
                    serde_json::from_value(item.clone())
                        .unwrap_or_else(|e| panic!("{stem}: item does not parse: {e}"))
                })
                .collect();
            (stem, activities)
        })
        .collect()
}

#[test]
fn every_fixture_item_renders_as_reviewed() {
    let fixtures = activity_fixtures();
    assert!(fixtures.len() >= 15, "fixtures missing: {}", fixtures.len());
    let mut rendered = 0;
    for (stem, activities) in &fixtures {
        if stem.starts_with("full-100") {
            // 137 items of the same kinds as the per-kind files: one reviewable
            // list of titles per page instead of 137 near-identical embeds.
            let titles: Vec<String> = activities
                .iter()
                .map(|a| render(&a.into()).title.expect("every embed has a title"))
                .collect();
            rendered += titles.len();
            insta::assert_json_snapshot!(format!("{stem}-titles"), titles);
            continue;
        }
        for (i, activity) in activities.iter().enumerate() {
            let name = format!(
                "{stem}-{i:02}-{}-{}",
                activity.action.as_str(),
                activity.kind.as_str()
            );
            insta::assert_json_snapshot!(name, render(&activity::Activity::from(activity)));
            rendered += 1;
        }
    }
    assert_eq!(rendered, 183, "every activity of every fixture");
}

#[test]
fn the_model_keeps_v1s_key_time_and_show() {
    let shows = [
        ShowRef::Slug("the-walking-dead".into()),
        ShowRef::Slug("fargo".into()),
        ShowRef::Slug("breaking-bad".into()),
        ShowRef::Tvdb(153021),
        ShowRef::Tvdb(81189),
    ];
    let mut about = 0;
    for (stem, activities) in activity_fixtures() {
        for v1 in &activities {
            let model = activity::Activity::from(v1);
            assert_eq!(model.key(), &v1.key(), "{stem}");
            assert_eq!(model.time(), v1.time(), "{stem}");
            assert_eq!(
                model.subject_show().and_then(|s| s.slug()),
                v1.subject_show().and_then(|s| s.slug()),
                "{stem}"
            );
            for show in &shows {
                assert_eq!(model.is_about(show), v1.is_about(show), "{stem} {show}");
                about += usize::from(model.is_about(show));
            }
            // What the outbox will store reads back as the same activity.
            let json = serde_json::to_string(&model).expect("serialize");
            let back: activity::Activity = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(back, model, "{stem}");
        }
    }
    assert!(about > 100, "the fixtures are about these shows: {about}");
}
