"""Unit tests of the gallery's pure parts (markdown, snapshot reading, message
shapes, the manifest). Run: python3 -m unittest discover -s scripts/gallery
"""

import json
import tempfile
import unittest
from pathlib import Path

import discord_md as md
import render
import template


class Markdown(unittest.TestCase):
    def test_escapes_are_literal(self):
        self.assertEqual(md.to_html(r"binge\_becky \*x\*"), "binge_becky *x*")

    def test_emphasis(self):
        self.assertEqual(md.to_html("**b** *i* __u__ ~~s~~"),
                         "<strong>b</strong> <em>i</em> <u>u</u> <s>s</s>")
        self.assertEqual(md.to_html("snake_case_name"), "snake_case_name")

    def test_spoilers_are_hidden_spans(self):
        out = md.to_html("before ||the twist\nis here|| after")
        self.assertIn('<span class="spoiler" title="spoiler">the twist<br>is here</span>', out)

    def test_html_is_escaped(self):
        self.assertEqual(md.to_html("<script>x</script> & co"),
                         "&lt;script&gt;x&lt;/script&gt; &amp; co")

    def test_code_is_not_formatted(self):
        self.assertEqual(md.to_html("`**x**`"), "<code>**x**</code>")

    def test_timestamps_and_mentions(self):
        self.assertEqual(md.to_html("<t:1669600800:t>"), '<span class="ts">2:00 AM</span>')
        self.assertEqual(md.format_timestamp(1_700_086_400, "R", now=1_700_172_800), "a day ago")
        self.assertEqual(md.format_timestamp(0, "D"), "January 1, 1970")
        self.assertIn('class="mention">@role<', md.to_html("pings <@&424242>"))

    def test_masked_links_and_blocks(self):
        out = md.to_html("> quoted\n- item\n[Trakt](https://trakt.tv/x)")
        self.assertIn('<div class="quote">quoted</div>', out)
        self.assertIn('<div class="li">• item</div>', out)
        self.assertIn('<a class="link" href="https://trakt.tv/x">Trakt</a>', out)
        self.assertNotIn("<a", md.to_html("[T](https://trakt.tv)", links=False))

    def test_embed_time(self):
        self.assertEqual(md.embed_time("2013-11-18T04:43:25Z"), "11/18/2013 4:43 AM")


class Snapshots(unittest.TestCase):
    def test_reads_the_json_after_the_insta_header(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "x.snap"
            p.write_text('---\nsource: a.rs\nexpression: e\n---\n{\n  "title": "t"\n}\n')
            self.assertEqual(render.read_snapshot(p), {"title": "t"})

    def test_every_shape_becomes_a_message(self):
        embed = {"title": "t"}
        self.assertEqual(render.as_message(embed)["embeds"], [embed])
        self.assertEqual(render.as_message([embed])["embeds"], [embed])
        self.assertEqual(render.as_message({"type": 4, "data": {"content": "hi"}})["content"], "hi")
        self.assertEqual(render.as_message("plain")["content"], "plain")
        body = {"embeds": [embed], "flags": 64}
        self.assertEqual(render.as_message(body), body)
        self.assertIsNone(render.as_message(["a", "b"]))

    def test_the_repo_snapshots_are_all_found(self):
        entries = render.manifest(render.REPO)
        names = [e.png for e in entries]
        self.assertEqual(len(names), len(set(names)), "PNG names are unique")
        for e in entries:
            self.assertTrue(e.snapshot.is_file(), e.snapshot)
        for must in ("action-checkin-episode.png", "packed-burst.png", "spoiler.png",
                     "follows-reply.png", "digest-fold-checkin.png"):
            self.assertIn(must, names)

    def test_status_snapshots_are_picked_up(self):
        with tempfile.TemporaryDirectory() as d:
            snaps = Path(d) / "tests/it/snapshots"
            snaps.mkdir(parents=True)
            (snaps / "it__status__status-reply.snap").write_text('---\n---\n{"content": "ok"}\n')
            (snaps / "it__gallery_snapshots__gallery-new-thing.snap").write_text('---\n---\n{}\n')
            names = [e.png for e in render.manifest(Path(d))]
            self.assertIn("status-reply.png", names)
            self.assertIn("new-thing.png", names)


class Template(unittest.TestCase):
    def test_page_draws_no_remote_image(self):
        message = {
            "content": "<@&1>",
            "embeds": [{
                "title": "t", "url": "https://trakt.tv", "color": 3447003,
                "author": {"name": "a", "icon_url": "https://x/a.png"},
                "thumbnail": {"url": "https://x/t.jpg"},
                "image": {"url": "https://x/i.jpg"},
                "fields": [{"name": "n", "value": "v", "inline": True}],
                "footer": {"text": "f", "icon_url": "https://x/f.png"},
                "timestamp": "2013-11-18T04:43:25Z",
            }],
            "components": [{"type": 1, "components": [
                {"type": 2, "style": 5, "label": "Trakt", "url": "https://trakt.tv"}]}],
            "flags": 64,
        }
        page = template.page(message, interaction="follows")
        self.assertNotIn("<img", page)
        self.assertNotIn("https://x/", page, "image URLs are never loaded nor shown")
        self.assertIn("border-left-color:#3498db", page)
        self.assertIn("Only you can see this", page)
        self.assertIn("used", page)
        self.assertIn(">Trakt<", page)
        self.assertIn("default-src 'none'", page)


if __name__ == "__main__":
    unittest.main()
