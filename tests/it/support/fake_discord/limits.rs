//! Discord's documented limits on a message body (content, nonce, embeds,
//! autocomplete choices), checked the way Discord checks them, and the
//! `50035 Invalid Form Body` answer built from the violations. Pure: no I/O.

use serde_json::{json, Map, Value};

/// Characters in message content, for a bot.
pub const CONTENT_MAX: usize = 2000;
/// Embeds in one message.
pub const EMBEDS_MAX: usize = 10;
/// Characters across every embed of one message.
pub const EMBEDS_TOTAL_MAX: usize = 6000;
/// Embed title.
pub const TITLE_MAX: usize = 256;
/// Embed description.
pub const DESCRIPTION_MAX: usize = 4096;
/// Fields in one embed.
pub const FIELDS_MAX: usize = 25;
/// Field name.
pub const FIELD_NAME_MAX: usize = 256;
/// Field value.
pub const FIELD_VALUE_MAX: usize = 1024;
/// Footer text.
pub const FOOTER_MAX: usize = 2048;
/// Author name.
pub const AUTHOR_NAME_MAX: usize = 256;
/// A nonce given as a string.
pub const NONCE_MAX: usize = 25;
/// Any URL inside an embed.
pub const URL_MAX: usize = 2048;
/// Autocomplete choices in one answer.
pub const CHOICES_MAX: usize = 25;
/// Autocomplete choice name (and string value).
pub const CHOICE_NAME_MAX: usize = 100;
/// Action rows in one message, and buttons in one row.
pub const ROWS_MAX: usize = 5;
pub const BUTTONS_MAX: usize = 5;
/// A button's label and URL.
pub const BUTTON_LABEL_MAX: usize = 80;
pub const BUTTON_URL_MAX: usize = 512;

/// One field of a request body that Discord would refuse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted path into the body, e.g. `embeds.0.title`.
    pub path: String,
    /// Discord's error code for the field, e.g. `BASE_TYPE_MAX_LENGTH`.
    pub code: String,
    /// Discord's human text.
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} ({})", self.path, self.message, self.code)
    }
}

fn max_length(errors: &mut Vec<FieldError>, path: String, text: &str, max: usize) {
    if text.chars().count() > max {
        errors.push(FieldError {
            path,
            code: "BASE_TYPE_MAX_LENGTH".to_owned(),
            message: format!("Must be {max} or fewer in length."),
        });
    }
}

fn required(errors: &mut Vec<FieldError>, path: String) {
    errors.push(FieldError {
        path,
        code: "BASE_TYPE_REQUIRED".to_owned(),
        message: "This field is required".to_owned(),
    });
}

fn str_at<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

fn array_at<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Checks a message body (create or edit) against Discord's limits.
/// `prefix` is prepended to every path (`data.` inside an interaction callback).
pub fn check_message(body: &Value, prefix: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(content) = str_at(body, "content") {
        max_length(
            &mut errors,
            format!("{prefix}content"),
            content,
            CONTENT_MAX,
        );
    }
    if let Some(nonce) = str_at(body, "nonce") {
        max_length(&mut errors, format!("{prefix}nonce"), nonce, NONCE_MAX);
    }
    let embeds = array_at(body, "embeds");
    if embeds.len() > EMBEDS_MAX {
        errors.push(FieldError {
            path: format!("{prefix}embeds"),
            code: "BASE_TYPE_MAX_LENGTH".to_owned(),
            message: format!("Must be {EMBEDS_MAX} or fewer in length."),
        });
    }
    check_components(&mut errors, body, prefix);
    let mut total = 0;
    for (i, embed) in embeds.iter().enumerate() {
        total += check_embed(&mut errors, embed, &format!("{prefix}embeds.{i}"));
    }
    if total > EMBEDS_TOTAL_MAX {
        errors.push(FieldError {
            path: format!("{prefix}embeds"),
            code: "MAX_EMBED_SIZE_EXCEEDED".to_owned(),
            message: format!("Embed size exceeds maximum size of {EMBEDS_TOTAL_MAX}"),
        });
    }
    errors
}

fn invalid(errors: &mut Vec<FieldError>, path: String, message: &str) {
    errors.push(FieldError {
        path,
        code: "COMPONENT_INVALID".to_owned(),
        message: message.to_owned(),
    });
}

/// Checks `components`: at most 5 action rows (type 1) of 1 to 5 buttons
/// (type 2); a link button (style 5) has a URL and no `custom_id`, any other
/// a `custom_id` and no URL; each has a label or an emoji.
fn check_components(errors: &mut Vec<FieldError>, body: &Value, prefix: &str) {
    let rows = array_at(body, "components");
    if rows.len() > ROWS_MAX {
        invalid(
            errors,
            format!("{prefix}components"),
            "Must be 5 or fewer in length.",
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let path = format!("{prefix}components.{i}");
        let buttons = array_at(row, "components");
        if row.get("type").and_then(Value::as_u64) != Some(1) {
            invalid(errors, format!("{path}.type"), "Must be an action row (1).");
        }
        if buttons.is_empty() || buttons.len() > BUTTONS_MAX {
            invalid(
                errors,
                format!("{path}.components"),
                "Must hold 1 to 5 components.",
            );
        }
        for (j, button) in buttons.iter().enumerate() {
            let path = format!("{path}.components.{j}");
            if button.get("type").and_then(Value::as_u64) != Some(2) {
                invalid(errors, format!("{path}.type"), "Must be a button (2).");
            }
            let link = button.get("style").and_then(Value::as_u64) == Some(5);
            let url = str_at(button, "url");
            if link != url.is_some() || link == button.get("custom_id").is_some() {
                invalid(
                    errors,
                    path.clone(),
                    "A link button has a url and no custom_id.",
                );
            }
            if let Some(url) = url {
                max_length(errors, format!("{path}.url"), url, BUTTON_URL_MAX);
            }
            match str_at(button, "label") {
                Some(label) => max_length(errors, format!("{path}.label"), label, BUTTON_LABEL_MAX),
                None if button.get("emoji").is_none() => required(errors, format!("{path}.label")),
                None => {}
            }
        }
    }
}

/// Checks one embed and returns the characters it counts towards the 6000 total.
fn check_embed(errors: &mut Vec<FieldError>, embed: &Value, path: &str) -> usize {
    let mut counted = 0;
    let mut text = |errors: &mut Vec<FieldError>, value: Option<&str>, name: &str, max: usize| {
        if let Some(value) = value {
            counted += value.chars().count();
            max_length(errors, format!("{path}.{name}"), value, max);
        }
    };
    text(errors, str_at(embed, "title"), "title", TITLE_MAX);
    text(
        errors,
        str_at(embed, "description"),
        "description",
        DESCRIPTION_MAX,
    );
    if let Some(footer) = embed.get("footer").filter(|f| !f.is_null()) {
        text(errors, str_at(footer, "text"), "footer.text", FOOTER_MAX);
    }
    if let Some(author) = embed.get("author").filter(|a| !a.is_null()) {
        text(
            errors,
            str_at(author, "name"),
            "author.name",
            AUTHOR_NAME_MAX,
        );
    }
    let fields = array_at(embed, "fields");
    if fields.len() > FIELDS_MAX {
        errors.push(FieldError {
            path: format!("{path}.fields"),
            code: "BASE_TYPE_MAX_LENGTH".to_owned(),
            message: format!("Must be {FIELDS_MAX} or fewer in length."),
        });
    }
    for (i, field) in fields.iter().enumerate() {
        for (key, max) in [("name", FIELD_NAME_MAX), ("value", FIELD_VALUE_MAX)] {
            match str_at(field, key) {
                Some(v) if !v.is_empty() => {
                    text(errors, Some(v), &format!("fields.{i}.{key}"), max);
                }
                _ => required(errors, format!("{path}.fields.{i}.{key}")),
            }
        }
    }
    for url_path in [
        &["url"][..],
        &["footer", "icon_url"],
        &["author", "url"],
        &["author", "icon_url"],
        &["image", "url"],
        &["thumbnail", "url"],
    ] {
        let found = url_path
            .iter()
            .try_fold(embed, |v, key| v.get(*key))
            .and_then(Value::as_str);
        if let Some(url) = found {
            max_length(
                errors,
                format!("{path}.{}", url_path.join(".")),
                url,
                URL_MAX,
            );
        }
    }
    if let Some(color) = embed.get("color").and_then(Value::as_i64) {
        if !(0..=0xFF_FFFF).contains(&color) {
            errors.push(FieldError {
                path: format!("{path}.color"),
                code: "NUMBER_TYPE_MAX".to_owned(),
                message: "int value should be less than or equal to 16777215.".to_owned(),
            });
        }
    }
    counted
}

/// True when a create body has nothing Discord would show: Discord answers 50006.
pub fn is_empty_message(body: &Value) -> bool {
    let has_content = str_at(body, "content").is_some_and(|c| !c.trim().is_empty());
    let non_empty = |key: &str| !array_at(body, key).is_empty();
    let has_poll = body.get("poll").is_some_and(|p| !p.is_null());
    !(has_content
        || non_empty("embeds")
        || non_empty("components")
        || non_empty("attachments")
        || non_empty("sticker_ids")
        || has_poll)
}

/// Checks the choices of an autocomplete answer (callback type 8).
pub fn check_choices(data: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let choices = array_at(data, "choices");
    if choices.len() > CHOICES_MAX {
        errors.push(FieldError {
            path: "data.choices".to_owned(),
            code: "BASE_TYPE_MAX_LENGTH".to_owned(),
            message: format!("Must be {CHOICES_MAX} or fewer in length."),
        });
    }
    for (i, choice) in choices.iter().enumerate() {
        match str_at(choice, "name") {
            Some(name) if !name.is_empty() => max_length(
                &mut errors,
                format!("data.choices.{i}.name"),
                name,
                CHOICE_NAME_MAX,
            ),
            _ => required(&mut errors, format!("data.choices.{i}.name")),
        }
        if let Some(value) = str_at(choice, "value") {
            max_length(
                &mut errors,
                format!("data.choices.{i}.value"),
                value,
                CHOICE_NAME_MAX,
            );
        }
    }
    errors
}

/// Discord's `400` answer for a refused form body: code 50035 with the
/// violations nested under `errors` by path, each leaf holding `_errors`.
pub fn invalid_form_body(errors: &[FieldError]) -> Value {
    let mut tree = Value::Object(Map::new());
    for error in errors {
        let mut node = &mut tree;
        for segment in error.path.split('.') {
            // Indexing a null `Value` by a key turns it into an object.
            node = &mut node[segment];
        }
        let leaf = &mut node["_errors"];
        if !leaf.is_array() {
            *leaf = Value::Array(Vec::new());
        }
        if let Some(list) = leaf.as_array_mut() {
            list.push(json!({ "code": error.code, "message": error.message }));
        }
    }
    json!({ "code": 50035, "message": "Invalid Form Body", "errors": tree })
}
