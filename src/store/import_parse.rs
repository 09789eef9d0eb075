//! Reading an export file (pure): a JSON array whose elements are show
//! subscriptions or user follows (`import_users`), each validated, every
//! error naming the line (and column) where it is.

use serde_json::value::RawValue;

use super::import::check_all;
use super::import_users::{check_users, ExportedUserFollow, ImportFile, Probe};
use super::types::{StoreError, Subscription};

/// Parse an export of shows only (a user follow in it is an error naming
/// its line: [`parse_file`] reads both kinds). Errors name the line.
pub fn parse(text: &str) -> Result<Vec<Subscription>, StoreError> {
    let (file, user_lines) = parse_elements(text)?;
    match user_lines.first() {
        Some(&line) => Err(StoreError::Import {
            line,
            reason: "a user follow, where only show subscriptions are read".to_owned(),
        }),
        None => Ok(file.subs),
    }
}

/// Parse an export: a JSON array of show subscriptions and user follows
/// (an element with a `user` field). Everything is validated; errors name
/// the line.
pub fn parse_file(text: &str) -> Result<ImportFile, StoreError> {
    parse_elements(text).map(|(file, _)| file)
}

/// The file and the line of each user follow.
fn parse_elements(text: &str) -> Result<(ImportFile, Vec<usize>), StoreError> {
    let raws: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| json_error(&e, 1, 1))?;
    let mut file = ImportFile::default();
    let index = Lines::new(text);
    let (mut lines, mut user_lines) = (Vec::with_capacity(raws.len()), Vec::new());
    for raw in raws {
        let (line, column) = index.position_of(raw.get());
        let at = |e: serde_json::Error| json_error(&e, line, column);
        let probe: Probe = serde_json::from_str(raw.get()).map_err(at)?;
        if probe.is_user() {
            let u: ExportedUserFollow = serde_json::from_str(raw.get()).map_err(at)?;
            file.users.push(u.into());
            user_lines.push(line);
        } else {
            file.subs.push(serde_json::from_str(raw.get()).map_err(at)?);
            lines.push(line);
        }
    }
    let named = |lines: &[usize], index: usize, reason| StoreError::Import {
        line: lines.get(index).copied().unwrap_or(1),
        reason,
    };
    check_all(&file.subs).map_err(|(i, reason)| named(&lines, i, reason))?;
    check_users(&file.subs, &file.users).map_err(|(i, reason)| named(&user_lines, i, reason))?;
    Ok((file, user_lines))
}

/// Where each line of an import text starts, for naming the line of an error.
struct Lines<'a> {
    text: &'a str,
    /// Byte offset of every `\n`, in order.
    newlines: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines {
            text,
            newlines: text.match_indices('\n').map(|(i, _)| i).collect(),
        }
    }

    /// Line and column (1-based, in bytes) where `part`, a slice of the text,
    /// starts. A binary search: counting newlines from the start for every
    /// element made parsing a 100 000-element export quadratic (minutes).
    fn position_of(&self, part: &str) -> (usize, usize) {
        let offset = (part.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
        if offset > self.text.len() {
            return (1, 1);
        }
        let before = self.newlines.partition_point(|&nl| nl < offset);
        let column = match before.checked_sub(1) {
            Some(last) => offset - self.newlines[last] - 1,
            None => offset,
        };
        (before + 1, column + 1)
    }
}

/// A serde error inside an element that starts at (`line`, `column`) of the whole text.
fn json_error(e: &serde_json::Error, line: usize, column: usize) -> StoreError {
    let text = e.to_string();
    let message = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(message, _)| message);
    let (at_line, at_column) = if e.line() <= 1 {
        (line, column + e.column().saturating_sub(1))
    } else {
        (line + e.line() - 1, e.column())
    };
    StoreError::Import {
        line: at_line,
        reason: format!("{message} (column {at_column})"),
    }
}
