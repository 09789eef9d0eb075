//! Measurement 1: the CPU cost of one activity through the pure pipeline —
//! parse the response body (the client's own parser), route it to the
//! subscribed channels (`poller::route`), render one embed per routed item
//! (`format::render`) and pack them into messages (`format::pack`) — against
//! the floor: `serde_json` merely parsing the same bytes into a `Value`.

use std::time::Duration;

use serde_json::Value;
use trakt_herald::format::{self, Embed};
use trakt_herald::ids::ChannelId;
use trakt_herald::poller::route;
use trakt_herald::store::{PollCommit, ShowFollowers, ShowState};
use trakt_herald::trakt::{
    parse_activity_page, ActionSet, Fetched, ParsedPage, ShowRef, TraktTime,
};

use super::gen::{self, Gen};
use super::report::{per_item_ns, Interleaved, Report, Row, Verdict};

const SECTION: &str = "1";
const OVERLAP: Duration = Duration::from_secs(60);
/// The target: the whole path within this factor of the `Value` floor.
const TARGET_RATIO: f64 = 3.0;

/// One input: a body and the shows of its batch.
struct Case {
    name: &'static str,
    body: Vec<u8>,
    members: Vec<ShowFollowers>,
    /// Timed rounds (each runs every measurement once).
    rounds: usize,
}

/// The subscriptions for the 100-item fixture: three channels follow
/// `the-walking-dead` with different action sets.
fn fixture_case() -> anyhow::Result<Case> {
    let path = format!(
        "{}/tests/fixtures/full-100.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let body = std::fs::read(&path)?;
    let show = ShowRef::parse("the-walking-dead")?;
    let channels = vec![
        (ChannelId(1), ActionSet::all()),
        (ChannelId(2), ActionSet::parse("seen,shout,review")?),
        (ChannelId(3), ActionSet::parse("rating,watchlist,checkin")?),
    ];
    let members = vec![ShowFollowers {
        show,
        wanted: ActionSet::all(),
        channels,
        state: ShowState {
            watermark: Some(TraktTime(1_384_000_000)),
            ..ShowState::default()
        },
    }];
    Ok(Case {
        name: "full-100.json (100 items, pretty-printed)",
        body,
        members,
        rounds: 31,
    })
}

/// 10 000 synthetic activities over one batch of 20 shows (100 subscriptions).
fn synthetic_case() -> Case {
    let mut g = Gen::new();
    let shows = g.shows(20);
    let subs = g.subscriptions(&shows, 100, 60);
    let members = Gen::followers(&subs, Some(TraktTime(gen::T0 - 10)));
    let items = g.activities(10_000, &shows, 1);
    let body = gen::body(items, gen::T0 - 60, gen::T0 + 3_000);
    Case {
        name: "synthetic burst (10 000 items, 20 shows)",
        body,
        members,
        rounds: 7,
    }
}

fn parse(body: &[u8]) -> ParsedPage {
    parse_activity_page(body).expect("the benchmark body parses")
}

fn fetched(page: ParsedPage) -> Fetched {
    Fetched {
        current: page.current,
        activities: page.activities,
        requests: 1,
        skipped: page.skipped,
        resume_at: None,
        holes: Vec::new(),
    }
}

fn render_all(commit: &PollCommit) -> Vec<Embed> {
    commit
        .items
        .iter()
        .map(|i| format::render(&i.activity))
        .collect()
}

/// The whole path once; answers the number of messages.
fn pipeline(body: &[u8], members: &[&ShowFollowers]) -> usize {
    let fetched = fetched(parse(body));
    let commit = route(members, &fetched, OVERLAP, 0);
    format::pack(render_all(&commit)).len()
}

pub fn run(report: &mut Report) -> anyhow::Result<()> {
    println!("\n## 1. processing cost per activity");
    for case in [fixture_case()?, synthetic_case()] {
        measure(report, &case)?;
    }
    Ok(())
}

fn measure(report: &mut Report, case: &Case) -> anyhow::Result<()> {
    let members: Vec<&ShowFollowers> = case.members.iter().collect();
    let page = parse(&case.body);
    anyhow::ensure!(page.skipped == 0, "{}: items were skipped", case.name);
    let n = page.raw_len;
    let commit = route(&members, &fetched(parse(&case.body)), OVERLAP, 0);
    let routed = commit.items.len();
    let deliveries: usize = commit.items.iter().map(|i| i.channels.len()).sum();
    let embeds = render_all(&commit);
    let messages = format::pack(embeds.clone()).len();
    println!(
        "  {}: {} bytes, {n} activities, {routed} routed to {deliveries} channel deliveries, {messages} messages",
        case.name,
        case.body.len()
    );

    let mut jobs = Interleaved::default();
    let j_floor =
        jobs.add(|| serde_json::from_slice::<Value>(&case.body).expect("the body is JSON"));
    let j_parse = jobs.add(|| parse(&case.body));
    let j_route = jobs.add_with_setup(
        || fetched(parse(&case.body)),
        |f| route(&members, &f, OVERLAP, 0),
    );
    let j_render = jobs.add(|| render_all(&commit));
    let j_pack = jobs.add_with_setup(|| embeds.clone(), format::pack);
    let j_all = jobs.add(|| pipeline(&case.body, &members));
    let t = jobs.medians(case.rounds);
    let (floor, t_parse, t_route, t_render, t_pack, t_all) = (
        t[j_floor],
        t[j_parse],
        t[j_route],
        t[j_render],
        t[j_pack],
        t[j_all],
    );

    let floor_ns = per_item_ns(floor, n);
    let row = |what: String, t: Duration, per: usize, ratio: bool, target: &str, v: Verdict| Row {
        section: SECTION,
        what,
        value: format!("{:.0} ns", per_item_ns(t, per)),
        baseline: if ratio {
            format!("{floor_ns:.0} ns (Value floor)")
        } else {
            String::new()
        },
        ratio: if ratio {
            format!("{:.2}×", per_item_ns(t, per) / floor_ns)
        } else {
            String::new()
        },
        target: target.to_owned(),
        verdict: v,
    };
    report.add(row(
        format!("{}: serde_json → Value, per activity (floor)", case.name),
        floor,
        n,
        false,
        "",
        Verdict::Info,
    ));
    report.add(row(
        "  parse (client path), per activity".to_owned(),
        t_parse,
        n,
        true,
        "",
        Verdict::Info,
    ));
    report.add(row(
        format!("  route, per activity ({routed} routed)"),
        t_route,
        n,
        false,
        "",
        Verdict::Info,
    ));
    report.add(row(
        "  render, per embed".to_owned(),
        t_render,
        routed,
        false,
        "",
        Verdict::Info,
    ));
    report.add(row(
        "  pack, per embed".to_owned(),
        t_pack,
        routed,
        false,
        "",
        Verdict::Info,
    ));
    let ratio = per_item_ns(t_all, n) / floor_ns;
    report.add(row(
        "  whole path parse→route→render→pack, per activity".to_owned(),
        t_all,
        n,
        true,
        "≤ 3× floor",
        Verdict::of(ratio <= TARGET_RATIO),
    ));
    Ok(())
}
