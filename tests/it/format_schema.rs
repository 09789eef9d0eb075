//! Discord's `MessageCreateRequest` schema, hand-encoded from
//! `discord-api-spec/openapi.json` (the parts that `RichEmbed`,
//! `RichEmbedAuthor`, `RichEmbedFooter`, `RichEmbedField`, `RichEmbedThumbnail`
//! and `MessageAllowedMentionsRequest` define), a small validator for it, and
//! the test that every rendered fixture, packed and turned into a request,
//! validates. Also checks the limits Discord enforces beyond the schema (6000
//! characters per message, non-empty field names and values; see
//! `discord-notes.md`).

use serde_json::Value;

use trakt_herald::activity;
use trakt_herald::format::{pack, render, Message};

use crate::format_snapshots::activity_fixtures;

/// A JSON type as the schema describes it.
pub enum Ty {
    /// A string of at most `max` characters in the given format.
    Str {
        max: usize,
        format: Format,
    },
    /// An integer within bounds.
    Int {
        min: i64,
        max: i64,
    },
    Bool,
    /// An array of at most `max` items (unique when `unique`).
    Arr {
        items: &'static Ty,
        max: usize,
        unique: bool,
    },
    /// An object with these properties; any other key is an error (stricter
    /// than the schema, to catch misspelt keys).
    Obj(&'static [Prop]),
    /// One of these string constants.
    Enum(&'static [&'static str]),
    /// Any one of these.
    OneOf(&'static [Ty]),
    /// Another named schema (`$ref`).
    Ref(&'static Ty),
}

/// A string format.
pub enum Format {
    Plain,
    /// `format: uri` (Discord takes http/https for embed URLs).
    Uri,
    /// `format: date-time` (RFC 3339).
    DateTime,
}

/// A property of an object.
pub struct Prop {
    pub name: &'static str,
    pub ty: Ty,
    /// `type: [..., "null"]` or `oneOf: [{type: null}, ...]`.
    pub nullable: bool,
    pub required: bool,
}

const fn opt(name: &'static str, ty: Ty) -> Prop {
    Prop {
        name,
        ty,
        nullable: true,
        required: false,
    }
}

const fn req(name: &'static str, ty: Ty) -> Prop {
    Prop {
        name,
        ty,
        nullable: false,
        required: true,
    }
}

const fn s(max: usize) -> Ty {
    Ty::Str {
        max,
        format: Format::Plain,
    }
}

const URI: Ty = Ty::Str {
    max: 2048,
    format: Format::Uri,
};

/// `RichEmbedThumbnail` (and `RichEmbedImage`, `RichEmbedVideo`).
pub static RICH_EMBED_MEDIA: Ty = Ty::Obj(&[
    opt("url", URI),
    opt(
        "width",
        Ty::Int {
            min: i64::MIN,
            max: i64::MAX,
        },
    ),
    opt(
        "height",
        Ty::Int {
            min: i64::MIN,
            max: i64::MAX,
        },
    ),
    opt("placeholder", s(64)),
    opt(
        "placeholder_version",
        Ty::Int {
            min: 0,
            max: 2_147_483_647,
        },
    ),
    opt("is_animated", Ty::Bool),
    opt("description", s(4096)),
]);

/// `RichEmbedAuthor`.
pub static RICH_EMBED_AUTHOR: Ty =
    Ty::Obj(&[opt("name", s(256)), opt("url", URI), opt("icon_url", URI)]);

/// `RichEmbedFooter`.
pub static RICH_EMBED_FOOTER: Ty = Ty::Obj(&[opt("text", s(2048)), opt("icon_url", URI)]);

/// `RichEmbedField`: `name` and `value` required.
pub static RICH_EMBED_FIELD: Ty = Ty::Obj(&[
    req("name", s(256)),
    req("value", s(1024)),
    opt("inline", Ty::Bool),
]);

/// `RichEmbedProvider`.
pub static RICH_EMBED_PROVIDER: Ty = Ty::Obj(&[opt("name", s(256)), opt("url", URI)]);

/// `RichEmbed`.
pub static RICH_EMBED: Ty = Ty::Obj(&[
    opt("type", s(152_133)),
    opt("url", URI),
    opt("title", s(256)),
    opt(
        "color",
        Ty::Int {
            min: 0,
            max: 16_777_215,
        },
    ),
    opt(
        "timestamp",
        Ty::Str {
            max: usize::MAX,
            format: Format::DateTime,
        },
    ),
    opt("description", s(4096)),
    opt("author", Ty::Ref(&RICH_EMBED_AUTHOR)),
    opt("image", Ty::Ref(&RICH_EMBED_MEDIA)),
    opt("thumbnail", Ty::Ref(&RICH_EMBED_MEDIA)),
    opt("footer", Ty::Ref(&RICH_EMBED_FOOTER)),
    opt(
        "fields",
        Ty::Arr {
            items: &RICH_EMBED_FIELD,
            max: 25,
            unique: false,
        },
    ),
    opt("provider", Ty::Ref(&RICH_EMBED_PROVIDER)),
    opt("video", Ty::Ref(&RICH_EMBED_MEDIA)),
]);

/// `AllowedMentionTypes`.
pub static ALLOWED_MENTION_TYPES: Ty = Ty::Enum(&["users", "roles", "everyone"]);

/// `SnowflakeType` (its pattern `^(0|[1-9][0-9]*)$` is not checked: trakt-herald
/// never sends user or role ids).
pub static SNOWFLAKE: Ty = Ty::Str {
    max: 20,
    format: Format::Plain,
};

/// `MessageAllowedMentionsRequest`.
pub static ALLOWED_MENTIONS: Ty = Ty::Obj(&[
    opt(
        "parse",
        Ty::Arr {
            items: &ALLOWED_MENTION_TYPES,
            max: 1521,
            unique: true,
        },
    ),
    opt(
        "users",
        Ty::Arr {
            items: &SNOWFLAKE,
            max: 100,
            unique: true,
        },
    ),
    opt(
        "roles",
        Ty::Arr {
            items: &SNOWFLAKE,
            max: 100,
            unique: true,
        },
    ),
    opt("replied_user", Ty::Bool),
]);

/// `MessageCreateRequest`, the properties trakt-herald may send (`components`,
/// `attachments`, `poll`, `sticker_ids`, `message_reference`… are not used and
/// so count as unknown keys).
pub static MESSAGE_CREATE_REQUEST: Ty = Ty::Obj(&[
    opt("content", s(4000)),
    opt(
        "embeds",
        Ty::Arr {
            items: &RICH_EMBED,
            max: 10,
            unique: false,
        },
    ),
    opt("allowed_mentions", Ty::Ref(&ALLOWED_MENTIONS)),
    opt(
        "flags",
        Ty::Int {
            min: i64::MIN,
            max: i64::MAX,
        },
    ),
    opt(
        "nonce",
        Ty::OneOf(&[
            Ty::Int {
                min: i64::MIN,
                max: i64::MAX,
            },
            Ty::Str {
                max: 25,
                format: Format::Plain,
            },
        ]),
    ),
    opt("enforce_nonce", Ty::Bool),
    opt("tts", Ty::Bool),
]);

/// Every way `value` breaks `ty`, as `path: problem` lines.
pub fn validate(ty: &Ty, value: &Value, path: &str, errors: &mut Vec<String>) {
    match (ty, value) {
        (Ty::Str { max, format }, Value::String(s)) => {
            let n = s.chars().count();
            if n > *max {
                errors.push(format!("{path}: {n} characters, max {max}"));
            }
            match format {
                Format::Plain => {}
                Format::Uri => {
                    let ok = url::Url::parse(s).is_ok_and(|u| {
                        matches!(u.scheme(), "http" | "https") && u.host_str().is_some()
                    });
                    if !ok {
                        errors.push(format!("{path}: not an http(s) URI: {s:?}"));
                    }
                }
                Format::DateTime => {
                    if humantime::parse_rfc3339(s).is_err() {
                        errors.push(format!("{path}: not an RFC 3339 date-time: {s:?}"));
                    }
                }
            }
        }
        (Ty::Int { min, max }, Value::Number(n)) => match n.as_i64() {
            Some(i) if (*min..=*max).contains(&i) => {}
            _ => errors.push(format!("{path}: {n} not an integer in [{min}, {max}]")),
        },
        (Ty::Ref(target), v) => validate(target, v, path, errors),
        (Ty::Bool, Value::Bool(_)) => {}
        (Ty::Enum(allowed), Value::String(s)) if allowed.contains(&s.as_str()) => {}
        (Ty::Arr { items, max, unique }, Value::Array(list)) => {
            if list.len() > *max {
                errors.push(format!("{path}: {} items, max {max}", list.len()));
            }
            if *unique {
                for (i, a) in list.iter().enumerate() {
                    if list[..i].contains(a) {
                        errors.push(format!("{path}[{i}]: duplicate {a}"));
                    }
                }
            }
            for (i, item) in list.iter().enumerate() {
                validate(items, item, &format!("{path}[{i}]"), errors);
            }
        }
        (Ty::Obj(props), Value::Object(map)) => {
            for key in map.keys() {
                if !props.iter().any(|p| p.name == key) {
                    errors.push(format!("{path}.{key}: not in the schema"));
                }
            }
            for prop in props.iter() {
                let at = format!("{path}.{}", prop.name);
                match map.get(prop.name) {
                    None if prop.required => errors.push(format!("{at}: required")),
                    None => {}
                    Some(Value::Null) if prop.nullable => {}
                    Some(v) => validate(&prop.ty, v, &at, errors),
                }
            }
        }
        (Ty::OneOf(options), v) => {
            let fits = options.iter().any(|o| {
                let mut e = Vec::new();
                validate(o, v, path, &mut e);
                e.is_empty()
            });
            if !fits {
                errors.push(format!("{path}: matches none of the allowed forms: {v}"));
            }
        }
        (_, v) => errors.push(format!("{path}: wrong type: {v}")),
    }
}

/// Schema errors of a request body, plus the limits Discord checks beyond the
/// schema: 6000 characters across the embeds, non-empty field names and values.
pub fn request_errors(body: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    validate(&MESSAGE_CREATE_REQUEST, body, "$", &mut errors);
    let len = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    let mut total = 0;
    for (i, e) in body["embeds"].as_array().into_iter().flatten().enumerate() {
        total += len(&e["title"]) + len(&e["description"]);
        total += len(&e["footer"]["text"]) + len(&e["author"]["name"]);
        for (j, f) in e["fields"].as_array().into_iter().flatten().enumerate() {
            total += len(&f["name"]) + len(&f["value"]);
            if len(&f["name"]) == 0 || len(&f["value"]) == 0 {
                errors.push(format!("$.embeds[{i}].fields[{j}]: empty name or value"));
            }
        }
        if e.get("author").is_some() && len(&e["author"]["name"]) == 0 {
            errors.push(format!("$.embeds[{i}].author: name missing"));
        }
    }
    if total > 6000 {
        errors.push(format!("$.embeds: {total} characters in all, max 6000"));
    }
    if body["allowed_mentions"] != serde_json::json!({"parse": []}) {
        errors.push(format!(
            "$.allowed_mentions: must be {{\"parse\": []}}, is {}",
            body["allowed_mentions"]
        ));
    }
    errors
}

/// The JSON body of `message.to_request(nonce)`.
pub fn request_json(message: &Message, nonce: Option<String>) -> Value {
    serde_json::to_value(message.to_request(nonce)).expect("a request serializes")
}

#[test]
fn every_rendered_fixture_validates_as_a_create_message_request() {
    let mut messages = 0;
    for (stem, activities) in activity_fixtures() {
        let embeds = activities
            .iter()
            .map(|a| render(&activity::Activity::from(a)))
            .collect::<Vec<_>>();
        let count = embeds.len();
        let packed = pack(embeds);
        assert_eq!(
            packed.iter().map(|m| m.embeds.len()).sum::<usize>(),
            count,
            "{stem}"
        );
        for (i, message) in packed.iter().enumerate() {
            let nonce = format!("{stem}-{i}").chars().rev().take(25).collect();
            for body in [
                request_json(message, Some(nonce)),
                request_json(message, None),
            ] {
                let errors = request_errors(&body);
                assert!(errors.is_empty(), "{stem} message {i}: {errors:#?}");
            }
            messages += 1;
        }
    }
    // 183 activities, at most 10 per message: at least 19 messages.
    assert!(messages >= 19, "{messages}");
}

#[test]
fn the_validator_catches_each_kind_of_violation() {
    let good = serde_json::json!({
        "embeds": [{
            "title": "t",
            "url": "http://trakt.tv/show/fargo",
            "color": 1,
            "timestamp": "2013-11-18T10:08:20Z",
            "author": {"name": "a", "icon_url": "https://x.test/a.jpg"},
            "thumbnail": {"url": "https://x.test/t.jpg"},
            "fields": [{"name": "n", "value": "v", "inline": true}],
            "footer": {"text": "f"}
        }],
        "allowed_mentions": {"parse": []},
        "nonce": "abc",
        "enforce_nonce": true
    });
    assert_eq!(request_errors(&good), Vec::<String>::new());

    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        edit(&mut v);
        request_errors(&v)
    };
    type Edit = fn(&mut Value);
    let cases: Vec<(&str, Edit)> = vec![
        ("title", |v| {
            v["embeds"][0]["title"] = "x".repeat(257).into()
        }),
        ("description", |v| {
            v["embeds"][0]["description"] = "x".repeat(4097).into()
        }),
        ("color", |v| v["embeds"][0]["color"] = 16_777_216.into()),
        ("url", |v| v["embeds"][0]["url"] = "ftp://x.test/".into()),
        ("timestamp", |v| {
            v["embeds"][0]["timestamp"] = "yesterday".into()
        }),
        ("author", |v| {
            v["embeds"][0]["author"]["name"] = "x".repeat(257).into()
        }),
        ("icon", |v| {
            v["embeds"][0]["author"]["icon_url"] = "nope".into()
        }),
        ("thumbnail", |v| {
            v["embeds"][0]["thumbnail"]["url"] = 5.into()
        }),
        ("footer", |v| {
            v["embeds"][0]["footer"]["text"] = "x".repeat(2049).into()
        }),
        ("field name", |v| {
            v["embeds"][0]["fields"][0]["name"] = "x".repeat(257).into()
        }),
        ("field value", |v| {
            v["embeds"][0]["fields"][0]["value"] = "x".repeat(1025).into()
        }),
        ("field required", |v| {
            v["embeds"][0]["fields"][0]
                .as_object_mut()
                .expect("field object")
                .remove("value");
        }),
        ("field empty", |v| {
            v["embeds"][0]["fields"][0]["value"] = "".into()
        }),
        ("fields", |v| {
            v["embeds"][0]["fields"] = Value::Array(vec![v["embeds"][0]["fields"][0].clone(); 26]);
        }),
        ("embeds", |v| {
            v["embeds"] = Value::Array(vec![v["embeds"][0].clone(); 11])
        }),
        ("total", |v| {
            let mut e = v["embeds"][0].clone();
            e["description"] = "x".repeat(4000).into();
            v["embeds"] = Value::Array(vec![e.clone(), e]);
        }),
        ("parse value", |v| {
            v["allowed_mentions"]["parse"] = serde_json::json!(["all"])
        }),
        ("parse unique", |v| {
            v["allowed_mentions"]["parse"] = serde_json::json!(["users", "users"])
        }),
        ("mentions on", |v| {
            v["allowed_mentions"]["parse"] = serde_json::json!(["everyone"])
        }),
        ("nonce", |v| v["nonce"] = "x".repeat(26).into()),
        ("enforce_nonce", |v| v["enforce_nonce"] = "yes".into()),
        ("unknown key", |v| v["embeds"][0]["colour"] = 1.into()),
    ];
    for (what, edit) in cases {
        assert!(!broken(&edit).is_empty(), "{what} violation not caught");
    }
}
