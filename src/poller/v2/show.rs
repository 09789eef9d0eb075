//! One show's own v2 sources, read only for the actions its channels want:
//! show-level comments (when this cycle reads them per show; they join the
//! feeds' commit, so that comments are posted oldest first whatever their
//! source), its public personal lists (`created`) and what was added to them
//! (`item_added`), and who is watching it now (`watching`, a snapshot
//! compared with the previous one). Each source reads from its own mark (or
//! the show's follow time) minus the overlap; a source never read before
//! sets its mark and posts nothing, except `watching`, which announces who
//! is watching now. A show's lists and watchers are committed in one
//! transaction with its new marks.

use super::feeds::to_timestamp;
use super::plan;
use super::{Halt, Target, Totals, V2Poller};
use crate::activity::{Subject, TraktTime};
use crate::clock::unix_now;
use crate::store::{Feed, PollCommit, V2Marks};
use crate::trakt::v2::{map, ListSort, V2Error, WalkLimits, MAX_LIMIT};
use crate::trakt::Action;

/// What one show's sources produced before a failure (if any).
#[derive(Default)]
struct Read {
    commit: PollCommit,
    marks: V2Marks,
    requests: u32,
}

impl V2Poller {
    /// Read one show's show-level comments into `into` (the comments
    /// commit); a failure backs the show off. `Ok(true)`: read in full.
    pub(super) async fn poll_show_comments(
        &self,
        t: &Target<'_>,
        into: &mut PollCommit,
        totals: &mut Totals,
    ) -> Result<bool, Halt> {
        let mut read = Read::default();
        let outcome = self.read_comments(t, &mut read).await;
        totals.requests += read.requests;
        into.items.append(&mut read.commit.items);
        if !read.marks.is_empty() {
            into.marks.push((t.f.show.clone(), read.marks));
        }
        if let Err(e) = outcome {
            totals.requests += 1;
            self.failed(Some(&t.f.show), e).await?;
            return Ok(false);
        }
        Ok(true)
    }

    /// Poll one show's lists and watchers and commit them; a failure commits
    /// what was read before it, then backs the show off. A full read closes
    /// the show's schedule window, counted from `at` (the cycle's start).
    pub(super) async fn poll_show(&self, t: &Target<'_>, at: i64) -> Result<Totals, Halt> {
        let mut read = Read::default();
        let outcome = self.read_sources(t, &mut read).await;
        let Read {
            mut commit,
            marks,
            requests,
        } = read;
        if !marks.is_empty() {
            commit.marks.push((t.f.show.clone(), marks));
        }
        if outcome.is_ok() {
            commit.polled.push((t.f.show.clone(), at));
        }
        let mut totals = if commit.items.is_empty() && commit.marks.is_empty() {
            Totals::default()
        } else {
            self.commit(commit).await
        };
        totals.requests += requests;
        if let Err(e) = outcome {
            totals.requests += 1;
            self.failed(Some(&t.f.show), e).await?;
        }
        Ok(totals)
    }

    async fn read_sources(&self, t: &Target<'_>, read: &mut Read) -> Result<(), V2Error> {
        if t.wants(Action::Created) || t.wants(Action::ItemAdded) {
            self.read_lists(t, read).await?;
        }
        if t.wants(Action::Watching) {
            self.read_watching(t, read).await?;
        }
        Ok(())
    }

    /// Show-level comments, newest first back to the bound.
    async fn read_comments(&self, t: &Target<'_>, read: &mut Read) -> Result<(), V2Error> {
        let feed_mark = self
            .store
            .blocking(|s| s.feed_mark(Feed::RecentShows))
            .await
            .ok()
            .flatten();
        let state = &t.f.state;
        let bound = plan::bound(
            &[state.v2.comments, state.watermark, feed_mark],
            self.overlap,
        );
        let limits = WalkLimits {
            limit: 100,
            max_pages: self.limits.show_comment_pages,
        };
        let walk = self
            .client
            .show_comments_since(t.id, bound.and_then(to_timestamp), limits)
            .await?;
        read.requests += walk.pages;
        let show = self.label(t).await;
        let times = walk.items.iter().map(|c| map::time(c.created_at));
        read.marks.comments = plan::newest(times, walk.date.map(map::time));
        if bound.is_none() {
            return Ok(());
        }
        for c in walk.items.iter().filter(|c| !c.is_reply()) {
            let subject = Subject::Show { show: show.clone() };
            if let Some(item) = t.item(map::comment(c, subject)) {
                read.commit.items.push(item);
            }
        }
        Ok(())
    }

    /// The show's lists changed since the bound: new ones (`created`) and,
    /// for each, its items about this show added since the bound.
    async fn read_lists(&self, t: &Target<'_>, read: &mut Read) -> Result<(), V2Error> {
        let state = &t.f.state;
        let bound = plan::bound(&[state.v2.lists, state.watermark], self.overlap);
        let limits = WalkLimits {
            limit: 100,
            max_pages: self.limits.list_pages,
        };
        let walk = self
            .client
            .show_lists(
                t.id,
                ListSort::Updated,
                bound.and_then(to_timestamp),
                limits,
            )
            .await?;
        read.requests += walk.pages;
        let times = walk
            .items
            .iter()
            .filter_map(|l| l.updated_at.map(map::time));
        read.marks.lists = plan::newest(times, walk.date.map(map::time));
        let Some(bound) = bound else {
            return Ok(());
        };
        for list in &walk.items {
            let is_new = list.created_at.is_some_and(|c| map::time(c) > bound);
            if is_new && t.wants(Action::Created) {
                if let Some(item) = map::list_created(list).and_then(|a| t.item(a)) {
                    read.commit.items.push(item);
                }
            }
            if !t.wants(Action::ItemAdded) {
                continue;
            }
            let limits = WalkLimits {
                limit: MAX_LIMIT,
                max_pages: self.limits.list_item_pages,
            };
            let items = self.client.list_items(list.ids.trakt, limits).await?;
            read.requests += items.pages;
            for entry in &items.items {
                let about = entry.show.as_ref().is_some_and(|s| s.ids.trakt == t.id);
                if !about || map::time(entry.listed_at) <= bound {
                    continue;
                }
                if let Some(item) = map::list_item_added(list, entry).and_then(|a| t.item(a)) {
                    read.commit.items.push(item);
                }
            }
        }
        Ok(())
    }

    /// Who is watching now, against the previous snapshot.
    async fn read_watching(&self, t: &Target<'_>, read: &mut Read) -> Result<(), V2Error> {
        let page = self.client.show_watching(t.id).await?;
        read.requests += 1;
        let at = page.meta.date.map_or(TraktTime(unix_now()), map::time);
        let (arrivals, snapshot) =
            plan::watching_diff(t.f.state.v2.watchers.as_ref(), &page.items, at);
        if !arrivals.is_empty() {
            let show = self.label(t).await;
            for user in arrivals {
                let since = snapshot.get(&user.ids.slug.0).copied().unwrap_or(at);
                let activity = map::watching(show.clone(), t.id.0, user, since);
                if let Some(item) = t.item(activity) {
                    read.commit.items.push(item);
                }
            }
        }
        read.marks.watchers = Some(snapshot);
        Ok(())
    }
}
