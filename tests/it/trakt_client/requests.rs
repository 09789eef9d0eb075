//! What the v1 client asks for (URL shapes, batches, paging back, overlap),
//! each error path, and that the API key never leaks into errors or logs.

use super::*;

#[tokio::test]
async fn batch_of_two_shows_and_empty() {
    let f = fetch_fixture("batch-two-shows.json").await;
    assert_eq!(f.activities.len(), 8);
    let bb = show("breaking-bad");
    let about_bb = f.activities.iter().filter(|a| a.is_about(&bb)).count();
    let about_twd = f.activities.iter().filter(|a| a.is_about(&twd())).count();
    assert_eq!((about_bb, about_twd), (5, 3));
    assert_eq!(
        f.activities
            .iter()
            .filter(|a| a.is_about(&ShowRef::Tvdb(81_189)))
            .count(),
        5,
        "the TVDB id names the same show"
    );
    let felina = by_id(&f.activities, 7_802_390);
    assert_eq!(
        felina.episode.as_ref().map(|e| (e.season, e.number)),
        Some((Some(5), Some(16)))
    );
    let coll = by_id(&f.activities, 7_802_330);
    assert_eq!(coll.episodes.len(), 3);

    let empty = fetch_fixture("empty.json").await;
    assert!(empty.activities.is_empty());
    assert_eq!(empty.current, TraktTime(1_384_790_700));
}

#[tokio::test]
async fn url_shapes_for_one_show_a_batch_actions_and_start() {
    let fake = FakeTrakt::start(KEY).await;
    for _ in 0..5 {
        fake.push_response(200, fixture("empty.json"), None);
    }
    let c = client(&fake);
    c.fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect("one");
    c.fetch(
        &[twd(), show("breaking-bad"), show("81189"), twd()],
        ActionSet::all(),
        Some(TraktTime(1_384_783_200)),
    )
    .await
    .expect("batch");
    let seen_shout = ActionSet::parse("shout,seen").expect("actions");
    c.fetch(&[twd()], seen_shout, None).await.expect("actions");
    c.fetch(
        &[twd()],
        ActionSet::parse("seen").expect("seen"),
        Some(TraktTime(1_384_750_800)),
    )
    .await
    .expect("start");
    let info = c.lookup_show(&show("fargo")).await.expect("lookup");
    assert_eq!(info.title, None, "empty activity: a show with nothing new");
    assert_eq!(info.current, TraktTime(1_384_790_700));
    assert_eq!(
        fake.requests(),
        vec![
            path("the-walking-dead"),
            path("breaking-bad,the-walking-dead,81189/all/1384783200"),
            path("the-walking-dead/seen,shout"),
            path("the-walking-dead/seen/1384750800"),
            path("fargo"),
        ]
    );
    assert_eq!(fake.request_count(), 5);
}

#[tokio::test]
async fn fetch_refuses_an_empty_batch_without_a_request() {
    let fake = FakeTrakt::start(KEY).await;
    let err = client(&fake)
        .fetch(&[], ActionSet::all(), None)
        .await
        .expect_err("no shows");
    assert!(matches!(err, TraktError::NoShows), "{err:?}");
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn paging_back_over_a_full_page_yields_137() {
    let fake = FakeTrakt::start(KEY).await;
    fake.push_response(200, fixture("full-100.json"), None);
    fake.push_response(200, fixture("full-100-page2.json"), None);
    let f = client(&fake)
        .fetch(&[twd()], ActionSet::all(), Some(TraktTime(1_384_300_800)))
        .await
        .expect("fetch");
    assert_eq!(f.activities.len(), 137);
    assert_eq!(f.requests, 2);
    assert_eq!(f.skipped, 0);
    assert_eq!(
        f.current,
        TraktTime(1_384_819_200),
        "the first page's clock"
    );
    let keys: HashSet<_> = f.activities.iter().map(Activity::key).collect();
    assert_eq!(keys.len(), 137);
    assert!(f
        .activities
        .windows(2)
        .all(|w| (w[0].timestamp, w[0].id) <= (w[1].timestamp, w[1].id)));
    assert_eq!(
        fake.requests(),
        vec![
            path("the-walking-dead/all/1384300800"),
            path("the-walking-dead/all/1384300800/1384648928"),
        ]
    );
}

#[tokio::test]
async fn overlapping_polls_repeat_exactly_two_items() {
    let fake = FakeTrakt::start(KEY).await;
    fake.push_response(200, fixture("overlap-poll-1.json"), None);
    fake.push_response(200, fixture("overlap-poll-2.json"), None);
    let c = client(&fake);
    let first = c
        .fetch(&[twd()], ActionSet::all(), Some(TraktTime(1_384_794_000)))
        .await
        .expect("poll 1");
    let next_start = first.current.minus_secs(60);
    assert_eq!(next_start, TraktTime(1_384_794_840));
    let second = c
        .fetch(&[twd()], ActionSet::all(), Some(next_start))
        .await
        .expect("poll 2");
    let a: HashSet<_> = first.activities.iter().map(Activity::key).collect();
    let b: HashSet<_> = second.activities.iter().map(Activity::key).collect();
    let repeated: Vec<_> = a.intersection(&b).cloned().collect();
    assert_eq!(repeated.len(), 2, "{repeated:?}");
    assert!(repeated.iter().any(|k| k.0 == "episode:7802501"));
    assert!(repeated.iter().any(|k| k.0 == "show:612210"));
    assert_eq!(a.union(&b).count(), 5);
    assert_eq!(fake.requests()[1], path("the-walking-dead/all/1384794840"));
}

#[tokio::test]
async fn unauthorized_is_fatal_and_not_retried() {
    let fake = FakeTrakt::start(KEY).await;
    fake.fail_next(1, FailKind::Unauthorized);
    let c = client(&fake);
    let err = c
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect_err("401");
    assert!(
        matches!(&err, TraktError::Unauthorized { message } if message == "invalid API key"),
        "{err:?}"
    );
    assert!(err.is_fatal() && !err.is_transient());
    assert_eq!(fake.request_count(), 1, "no retry");

    fake.push_response(401, fixture("error-failed-authentication.json"), None);
    let err = c.lookup_show(&twd()).await.expect_err("401");
    assert!(
        matches!(&err, TraktError::Unauthorized { message } if message == "failed authentication"),
        "{err:?}"
    );
    assert_eq!(fake.request_count(), 2, "no retry");

    // Live mode checks the key itself.
    let wrong = client_with(&fake.base_url(), "not-the-key", Duration::from_secs(5));
    let err = wrong
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect_err("wrong key");
    assert!(matches!(err, TraktError::Unauthorized { .. }), "{err:?}");
    assert_eq!(fake.request_count(), 3);
}

#[tokio::test]
async fn transient_failures_are_retried_then_reported() {
    let slow = FailKind::Slow(Duration::from_secs(3));
    let cases = [
        (FailKind::Overloaded, Some(503), "server is over capacity"),
        (FailKind::ServerErrorHtml, Some(500), "the body is HTML"),
        (FailKind::Garbage, Some(200), "the body is not JSON"),
        (FailKind::Truncated, Some(200), "the body is truncated JSON"),
        (slow, None, "timed out"),
    ];
    for (kind, status, needle) in cases {
        let fake = FakeTrakt::start(KEY).await;
        let timeout = if matches!(kind, FailKind::Slow(_)) {
            Duration::from_millis(300)
        } else {
            Duration::from_secs(5)
        };
        let c = client_with(&fake.base_url(), KEY, timeout);

        // Two failures, then success: the third attempt gets through.
        fake.fail_next(2, kind);
        fake.push_response(200, fixture("overlap-poll-1.json"), None);
        let f = c
            .fetch(&[twd()], ActionSet::all(), None)
            .await
            .unwrap_or_else(|e| panic!("{kind:?} then success: {e}"));
        assert_eq!(f.requests, 3, "{kind:?}");
        assert_eq!(f.activities.len(), 3, "{kind:?}");

        // Three failures exhaust the three attempts.
        fake.fail_next(3, kind);
        let err = c
            .fetch(&[twd()], ActionSet::all(), None)
            .await
            .expect_err("attempts exhausted");
        assert!(err.is_transient() && !err.is_fatal(), "{kind:?}: {err:?}");
        match &err {
            TraktError::Unavailable { status: s, reason } => {
                assert_eq!(*s, status, "{kind:?}");
                assert!(reason.contains(needle), "{kind:?}: {reason}");
            }
            other => panic!("{kind:?}: {other:?}"),
        }
        assert_eq!(fake.request_count(), 6, "{kind:?}");
    }
}

#[tokio::test]
async fn a_failure_body_with_200_is_an_error() {
    let fake = FakeTrakt::start(KEY).await;
    fake.fail_next(1, FailKind::FailureBody);
    let err = client(&fake)
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect_err("failure body");
    assert!(
        matches!(&err, TraktError::Failure { message } if message == "something went wrong"),
        "{err:?}"
    );
    assert!(!err.is_transient() && !err.is_fatal());
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn other_4xx_are_rejected_without_retry() {
    let fake = FakeTrakt::start(KEY).await;
    fake.push_response(400, r#"{"status":"failure","error":"invalid title"}"#, None);
    fake.push_response(403, "", None);
    let c = client(&fake);
    let err = c
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect_err("400");
    assert!(
        matches!(&err, TraktError::Rejected { status: 400, message } if message == "invalid title"),
        "{err:?}"
    );
    let err = c
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect_err("403");
    assert!(
        matches!(&err, TraktError::Rejected { status: 403, message } if message == "Forbidden"),
        "{err:?}"
    );
    assert!(!err.is_transient() && !err.is_fatal());
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn an_unknown_show_is_not_found_not_an_outage() {
    let fake = FakeTrakt::start(KEY).await;
    fake.set_unknown_show("no-such-show");
    let c = client(&fake);
    let err = c
        .lookup_show(&show("no-such-show"))
        .await
        .expect_err("unknown");
    assert!(
        matches!(&err, TraktError::NotFound { message } if message == "show not found"),
        "{err:?}"
    );
    assert!(err.is_not_found() && !err.is_transient() && !err.is_fatal());
    let err = c
        .fetch(&[show("no-such-show"), twd()], ActionSet::all(), None)
        .await
        .expect_err("batch with an unknown show");
    assert!(err.is_not_found(), "{err:?}");
    fake.fail_next(1, FailKind::NotFound);
    assert!(c
        .lookup_show(&twd())
        .await
        .expect_err("scripted 404")
        .is_not_found());
    // A 200 carrying the same failure body means the same.
    fake.push_response(200, SHOW_NOT_FOUND_BODY, None);
    assert!(c
        .lookup_show(&twd())
        .await
        .expect_err("200 not found")
        .is_not_found());
    assert_eq!(fake.request_count(), 4, "no retries");
}

#[tokio::test]
async fn a_refused_connection_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let c = client_with(&format!("http://{addr}"), KEY, Duration::from_secs(2));
    let err = c
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect_err("nothing listens");
    match &err {
        TraktError::Unavailable { status, reason } => {
            assert_eq!(*status, None);
            assert!(reason.starts_with("connection failed"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

/// A `Write` into a shared buffer, for capturing log output.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_api_key_never_appears_in_errors_or_logs() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // While only one dispatcher exists, tracing-core caches a callsite's
    // interest from the default of whichever thread hits it first, so a
    // callsite first hit by another test (no subscriber there) would be cached
    // "never". A second live dispatcher makes it consult every registered one.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());

    let fake = FakeTrakt::start(KEY).await;
    let c = client_with(&fake.base_url(), KEY, Duration::from_millis(300));
    let shows = [twd()];
    let fetch = || c.fetch(&shows, ActionSet::all(), None);
    let mut errors = Vec::new();

    fake.fail_next(1, FailKind::Unauthorized);
    errors.push(fetch().await.expect_err("401"));
    for kind in [
        FailKind::Overloaded,
        FailKind::ServerErrorHtml,
        FailKind::Garbage,
        FailKind::Truncated,
        FailKind::Slow(Duration::from_secs(3)),
    ] {
        fake.fail_next(3, kind);
        errors.push(fetch().await.expect_err("transient"));
    }
    fake.fail_next(1, FailKind::FailureBody);
    errors.push(fetch().await.expect_err("failure body"));
    fake.set_unknown_show("no-such-show");
    errors.push(
        c.lookup_show(&show("no-such-show"))
            .await
            .expect_err("not found"),
    );
    // A server that echoes the request path (and so the key) in its texts.
    let echo =
        format!(r#"{{"status":"failure","error":"no route for /activity/shows.json/{KEY}/x"}}"#);
    fake.push_response(400, echo.clone(), None);
    errors.push(fetch().await.expect_err("400 echo"));
    for _ in 0..3 {
        fake.push_response(502, echo.clone(), None);
    }
    errors.push(fetch().await.expect_err("502 echo"));
    fake.push_response(
        200,
        format!(r#"{{"status":"failure","message":"{KEY}"}}"#),
        None,
    );
    errors.push(fetch().await.expect_err("200 echo"));
    // A skipped item is logged too.
    fake.push_response(
        200,
        json!({
            "timestamps": { "start": 0, "current": 5 },
            "activity": [ episode_item(9, 1, "the-walking-dead", 1, "dance") ]
        })
        .to_string(),
        None,
    );
    assert_eq!(fetch().await.expect("skips").skipped, 1);
    // Nothing listening.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let refused = client_with(&closed, KEY, Duration::from_secs(2));
    errors.push(
        refused
            .fetch(&[twd()], ActionSet::all(), None)
            .await
            .expect_err("refused"),
    );

    assert_eq!(errors.len(), 12);
    for e in &errors {
        let display = e.to_string();
        let debug = format!("{e:?}");
        assert!(!display.contains(KEY), "{display}");
        assert!(!debug.contains(KEY), "{debug}");
    }
    let echoed = errors[8].to_string();
    assert!(
        echoed.contains("/activity/shows.json/***/x"),
        "server text is kept, masked: {echoed}"
    );
    assert!(!format!("{c:?}").contains(KEY));

    let text = String::from_utf8(logs.0.lock().expect("log buffer").clone()).expect("utf-8");
    assert!(text.contains("GET Trakt activity"), "requests are logged");
    assert!(
        text.contains("/activity/shows.json/***/the-walking-dead"),
        "with the key masked"
    );
    assert!(text.contains("retrying"), "retries are logged");
    assert!(text.contains("skipping activity item"), "skips are logged");
    assert!(!text.contains(KEY), "the key leaked into the log:\n{text}");
}
