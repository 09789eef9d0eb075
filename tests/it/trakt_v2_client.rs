//! The v2 client core against the fake Trakt v2: the four headers (and the
//! fake refusing requests without them), pagination and the 250 clamp, every
//! error kind, the 429 hold of the whole client, the request budget, and the
//! client id never appearing in an error.

use std::time::{Duration, Instant};

use secrecy::SecretString;
use trakt_herald::trakt::v2::{
    ApiPath, Budget, RetryPolicy, ShowId, Timestamp, User, V2Client, V2Config, V2Error, WalkLimits,
};

use crate::support::fake_trakt_v2::{FakeTraktV2, Scripted, CLIENT_ID};

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        overloaded_delay: Duration::from_millis(10),
        max_inline_wait: Duration::from_secs(10),
        missing_retry_after: Duration::from_secs(1),
    }
}

pub fn config(fake: &FakeTraktV2, id: &str) -> V2Config {
    let mut c = V2Config::new(SecretString::from(id.to_owned()));
    c.base_url = fake.base_url();
    c.timeout = Duration::from_secs(10);
    c.budget = Budget {
        requests: 1000,
        per: Duration::from_secs(1),
        burst: 100,
    };
    c.retry = fast_retry();
    c
}

pub fn client(fake: &FakeTraktV2) -> V2Client {
    V2Client::new(config(fake, CLIENT_ID)).expect("client")
}

#[tokio::test]
async fn every_request_carries_the_four_headers_in_lower_case() {
    let fake = FakeTraktV2::start().await;
    let show = client(&fake)
        .show_summary("1393", true)
        .await
        .expect("summary");
    assert_eq!(show.value.ids.trakt, ShowId(1393));
    let log = fake.log();
    assert_eq!(log[0].method, "GET");
    let h = &log[0].headers;
    let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).unwrap_or("");
    assert_eq!(get("content-type"), "application/json");
    assert_eq!(get("trakt-api-key"), CLIENT_ID);
    assert_eq!(get("trakt-api-version"), "2");
    assert!(
        get("user-agent").starts_with("trakt-herald/"),
        "{}",
        get("user-agent")
    );
    assert_eq!(
        log[0].query.get("extended").map(String::as_str),
        Some("full")
    );
    assert_eq!(show.meta.date, Timestamp::parse("2026-11-15T02:00:00Z"));
}

#[tokio::test]
async fn the_fake_refuses_requests_missing_a_header() {
    let fake = FakeTraktV2::start().await;
    let http = reqwest::Client::builder().no_proxy().build().expect("http");
    let url = format!("{}/shows/1393", fake.base_url());
    let full = [
        ("user-agent", "trakt-herald/test"),
        ("content-type", "application/json"),
        ("trakt-api-key", CLIENT_ID),
        ("trakt-api-version", "2"),
    ];
    // (header left out, expected status, answered by Trakt i.e. X-Request-Id)
    for (missing, status, from_trakt) in [
        ("user-agent", 403, false),
        ("trakt-api-key", 403, true),
        ("trakt-api-version", 400, true),
        ("content-type", 412, true),
        ("", 200, true),
    ] {
        let mut req = http.get(&url);
        for (k, v) in full.iter().filter(|(k, _)| *k != missing) {
            req = req.header(*k, *v);
        }
        let res = req.send().await.expect("answer");
        assert_eq!(res.status().as_u16(), status, "without {missing}");
        assert_eq!(
            res.headers().contains_key("x-request-id"),
            from_trakt,
            "without {missing}"
        );
        assert!(res.headers().contains_key("date"));
    }
    // A wrong key is refused like a missing one; a capitalised name is fine.
    let res = http
        .get(&url)
        .header("User-Agent", "x/1")
        .header("Content-Type", "application/json")
        .header("Trakt-Api-Key", "wrong")
        .header("Trakt-Api-Version", "2")
        .send()
        .await
        .expect("answer");
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(res.text().await.expect("body"), "", "empty text/html body");
}

#[tokio::test]
async fn pages_always_send_page_and_limit_and_limits_clamp_to_250() {
    let fake = FakeTraktV2::start().await;
    let c = client(&fake);
    let page = c
        .show_comments_newest(ShowId(1393), 1, 1000)
        .await
        .expect("page");
    assert_eq!(page.items.len(), 7);
    let pagination = page.meta.pagination.expect("pagination headers");
    assert_eq!(pagination.limit, Some(250));
    assert!(page.is_last());
    let q = &fake.log()[0].query;
    assert_eq!(q.get("page").map(String::as_str), Some("1"));
    assert_eq!(q.get("limit").map(String::as_str), Some("250"));
    // The fake clamps too, and applies the endpoint's default without one.
    let http = reqwest::Client::builder().no_proxy().build().expect("http");
    for (query, limit) in [("?limit=1000", "250"), ("", "10")] {
        let res = http
            .get(format!(
                "{}/shows/1393/comments/newest{query}",
                fake.base_url()
            ))
            .header("user-agent", "t/1")
            .header("content-type", "application/json")
            .header("trakt-api-key", CLIENT_ID)
            .header("trakt-api-version", "2")
            .send()
            .await
            .expect("answer");
        assert_eq!(res.headers()["x-pagination-limit"], limit);
    }
}

#[tokio::test]
async fn a_walk_pages_back_to_the_bound_with_the_returned_limit() {
    let fake = FakeTraktV2::start().await;
    let c = client(&fake);
    // Bound just before the 5th newest of the 7 comments: 4 are newer.
    let all = c
        .show_comments_newest(ShowId(1393), 1, 10)
        .await
        .expect("all");
    let bound = Some(all.items[4].created_at);
    let walk = c
        .show_comments_since(
            ShowId(1393),
            bound,
            WalkLimits {
                limit: 2,
                max_pages: 10,
            },
        )
        .await
        .expect("walk");
    assert_eq!(walk.items.len(), 4);
    assert!(walk.reached);
    assert_eq!(walk.pages, 3, "2 + 2 + the page holding the bound");
    let capped = c
        .show_comments_since(
            ShowId(1393),
            bound,
            WalkLimits {
                limit: 2,
                max_pages: 1,
            },
        )
        .await
        .expect("capped");
    assert!(!capped.reached, "the cap stopped it before the bound");
    assert_eq!(capped.items.len(), 2);
    let pages: Vec<String> = fake.log()[1..]
        .iter()
        .map(|l| format!("{}/{}", l.query["page"], l.query["limit"]))
        .collect();
    assert_eq!(pages, ["1/2", "2/2", "3/2", "1/2"]);
}

async fn error_of(fake: &FakeTraktV2, scripted: Scripted) -> V2Error {
    fake.script([scripted]);
    client(fake)
        .show_summary("1393", false)
        .await
        .expect_err("scripted failure")
}

#[tokio::test]
async fn each_status_maps_to_its_error() {
    let fake = FakeTraktV2::start().await;
    let c = client(&fake);
    let private = c
        .get_one::<User>(&ApiPath::new(&["users", "quietviewer"]), &[])
        .await
        .expect_err("private");
    assert_eq!(private, V2Error::PrivateUser);
    assert!(c
        .get_one::<User>(&ApiPath::new(&["users", "moonfield"]), &[])
        .await
        .is_ok());
    assert_eq!(
        c.show_summary("no-such-show", false)
            .await
            .expect_err("404"),
        V2Error::NotFound
    );
    let wrong = V2Client::new(config(&fake, "wrong-key")).expect("client");
    let refused = wrong.show_summary("1393", false).await.expect_err("403");
    assert_eq!(refused, V2Error::KeyRefused);
    assert!(refused.is_fatal());
    for (scripted, expected) in [
        (Scripted::CloudflarePage(403), V2Error::Blocked),
        (Scripted::Status(420), V2Error::AccountLimit),
        (Scripted::Status(423), V2Error::Locked),
        (Scripted::Status(426), V2Error::VipOnly),
        (Scripted::Status(400), V2Error::BadRequest { status: 400 }),
        (Scripted::Status(412), V2Error::BadRequest { status: 412 }),
    ] {
        assert_eq!(error_of(&fake, scripted).await, expected);
    }
    let garbage = Scripted::Raw {
        status: 200,
        body: r#"{"title": 5}"#.to_owned(),
    };
    assert!(matches!(
        error_of(&fake, garbage).await,
        V2Error::Decode { .. }
    ));
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_as_transient() {
    let fake = FakeTraktV2::start().await;
    fake.script([
        Scripted::Status(500),
        Scripted::Status(502),
        Scripted::CloudflarePage(520),
    ]);
    let show = client(&fake)
        .show_summary("1393", false)
        .await
        .expect("4th attempt");
    assert_eq!(show.value.ids.slug, "the-walking-dead");
    assert_eq!(fake.log().len(), 4);
    fake.script([521, 522, 503, 504].map(Scripted::CloudflarePage));
    let err = client(&fake)
        .show_summary("1393", false)
        .await
        .expect_err("gave up");
    assert_eq!(
        err,
        V2Error::Transient {
            status: Some(504),
            reason: "server error".into()
        }
    );
    assert!(err.is_transient());
}

#[tokio::test]
async fn a_429_holds_the_whole_client_for_retry_after() {
    let fake = FakeTraktV2::start().await;
    let c = client(&fake);
    fake.script([Scripted::Api429 {
        retry_after: Some("3".into()),
    }]);
    let start = Instant::now();
    let first = tokio::spawn({
        let c = c.clone();
        async move { c.show_summary("1393", false).await }
    });
    // Once the 429 is in, a second, unrelated request must wait too.
    while fake.log().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let second = c.show_watching(ShowId(1393)).await.expect("after the hold");
    assert_eq!(second.items.len(), 3);
    first.await.expect("task").expect("retried after the hold");
    let log = fake.log();
    assert_eq!(log.len(), 3);
    let limited_at = log[0].at;
    for later in &log[1..] {
        let gap = later.at.duration_since(limited_at);
        assert!(
            gap >= Duration::from_millis(2950),
            "a request after {gap:?}"
        );
    }
    assert!(start.elapsed() < Duration::from_secs(8));
}

#[tokio::test]
async fn a_long_or_missing_retry_after_is_reported_and_still_holds() {
    let fake = FakeTraktV2::start().await;
    let c = client(&fake);
    fake.script([Scripted::Cloudflare429]);
    let err = c
        .show_summary("1393", false)
        .await
        .expect_err("300 s is too long to wait");
    assert_eq!(
        err,
        V2Error::RateLimited {
            retry_after: Duration::from_secs(300)
        }
    );
    assert!(!err.to_string().contains(CLIENT_ID));
    let held =
        tokio::time::timeout(Duration::from_millis(300), c.show_watching(ShowId(1393))).await;
    assert!(held.is_err(), "the hold applies to every request");
    assert_eq!(fake.log().len(), 1, "nothing was sent during the hold");

    // No Retry-After: the policy's default (1 s here; 60 s in production).
    let fake = FakeTraktV2::start().await;
    fake.script([Scripted::Api429 { retry_after: None }]);
    client(&fake)
        .show_summary("1393", false)
        .await
        .expect("after the default hold");
    let log = fake.log();
    assert!(log[1].at.duration_since(log[0].at) >= Duration::from_millis(950));
}

#[tokio::test]
async fn the_budget_bounds_every_window_of_the_fakes_log() {
    let fake = FakeTraktV2::start().await;
    let mut cfg = config(&fake, CLIENT_ID);
    cfg.budget = Budget {
        requests: 4,
        per: Duration::from_millis(600),
        burst: 2,
    };
    let c = V2Client::new(cfg).expect("client");
    // Poll requests, lookups and searches share the one limiter.
    let mut tasks = Vec::new();
    for i in 0..12 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            match i % 3 {
                0 => c.show_watching(ShowId(1393)).await.map(|_| ()),
                1 => c.show_summary("the-walking-dead", false).await.map(|_| ()),
                _ => c.show_comments_newest(ShowId(1393), 1, 5).await.map(|_| ()),
            }
        }));
    }
    for t in tasks {
        t.await.expect("task").expect("request");
    }
    let times: Vec<Instant> = fake.log().iter().map(|l| l.at).collect();
    assert_eq!(times.len(), 12);
    for (i, start) in times.iter().enumerate() {
        let in_window = times[i..]
            .iter()
            .filter(|t| t.duration_since(*start) <= Duration::from_millis(600))
            .count();
        assert!(in_window <= 4, "{in_window} requests within 600 ms");
    }
}

#[tokio::test]
async fn the_client_id_never_appears_in_an_error() {
    let fake = FakeTraktV2::start().await;
    let c = client(&fake);
    let mut errors = vec![
        c.show_summary("missing", false).await.expect_err("404"),
        c.get_one::<User>(&ApiPath::new(&["users", "quietviewer"]), &[])
            .await
            .expect_err("401"),
    ];
    for s in [
        Scripted::CloudflarePage(403),
        Scripted::Status(403),
        Scripted::Status(400),
        Scripted::Raw {
            status: 200,
            body: format!("\"{CLIENT_ID}\""),
        },
    ] {
        errors.push(error_of(&fake, s).await);
    }
    fake.script([500, 500, 500, 500].map(Scripted::Status));
    errors.push(c.show_summary("1393", false).await.expect_err("5xx"));
    // A connection error (nothing listens on port 9).
    let mut dead = config(&fake, CLIENT_ID);
    dead.base_url = "http://127.0.0.1:9".to_owned();
    dead.retry.max_attempts = 1;
    errors.push(
        V2Client::new(dead)
            .expect("client")
            .show_summary("1", false)
            .await
            .expect_err("down"),
    );
    for e in &errors {
        for text in [e.to_string(), format!("{e:?}"), e.user_message()] {
            assert!(!text.contains(CLIENT_ID), "{text}");
        }
    }
    assert!(!format!("{c:?}").contains(CLIENT_ID));
}
