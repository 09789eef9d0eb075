"""One Discord message (a create-message or interaction-reply body) as a
self-contained HTML page in Discord's dark theme: the bot's name line, content,
embeds (colour bar, author with icon, title link, description, inline and
block fields, thumbnail, image, footer with timestamp) and link-button rows.
Pure. Images are never loaded: every image URL becomes a drawn placeholder,
and the page's Content-Security-Policy forbids any fetch.
"""

from __future__ import annotations

import html

import discord_md as md

BOT_NAME = "Trakt Herald"
#: The time shown next to the bot's name.
POSTED_AT = "Today at 4:20 AM"
EPHEMERAL = 64
SILENT = 1 << 12

CSS = """
* { box-sizing: border-box; }
html, body { margin: 0; background: #313338; }
body { width: max-content; font-family: "gg sans", "Noto Sans", "DejaVu Sans", "Helvetica Neue", Arial, sans-serif,
       "Noto Color Emoji"; color: #dbdee1; font-size: 16px; line-height: 1.375; }
#root { padding: 12px 16px 14px 16px; display: inline-block; min-width: 360px; }
.used { display: flex; align-items: center; gap: 6px; margin-left: 56px; font-size: 14px;
        color: #b5bac1; margin-bottom: 2px; }
.used .mini { width: 16px; height: 16px; border-radius: 50%; background: #5865f2; }
.used b { color: #dbdee1; font-weight: 500; }
.msg { display: flex; gap: 16px; }
.avatar { flex: 0 0 40px; height: 40px; border-radius: 50%; background: #ed1c24; color: #fff;
          display: flex; align-items: center; justify-content: center; font-weight: 700;
          font-size: 15px; margin-top: 2px; }
.main { flex: 1; min-width: 0; }
.head { display: flex; align-items: baseline; gap: 6px; }
.name { color: #f2f3f5; font-weight: 600; }
.tag { background: #5865f2; color: #fff; font-size: 10px; font-weight: 600; padding: 1px 5px;
       border-radius: 3px; position: relative; top: -2px; }
.when { color: #949ba4; font-size: 12px; }
.content { white-space: normal; word-wrap: break-word; }
.silent { color: #949ba4; font-size: 12px; }
.embed-wrap { display: block; }
.embed { display: inline-flex; max-width: 520px; margin-top: 4px; background: #2b2d31;
         border-left: 4px solid #1e1f22; border-radius: 4px; padding: 8px 16px 16px 12px; }
.e-body { flex: 1; min-width: 0; }
.author { display: flex; align-items: center; gap: 8px; margin-top: 8px; font-size: 14px;
          font-weight: 600; color: #f2f3f5; }
.icon { width: 24px; height: 24px; border-radius: 50%; background: #4e5058; color: #dbdee1;
        display: flex; align-items: center; justify-content: center; font-size: 11px;
        flex: 0 0 auto; }
.title { margin-top: 8px; font-weight: 600; font-size: 16px; color: #f2f3f5; }
.title a, a.link { color: #00a8fc; text-decoration: none; }
.author a { color: inherit; text-decoration: none; }
.desc { margin-top: 8px; font-size: 14px; white-space: normal; word-wrap: break-word; }
.fields { display: grid; grid-template-columns: repeat(12, 1fr); gap: 8px; margin-top: 8px; }
.field { grid-column: span 12; font-size: 14px; min-width: 0; }
.field.inline { grid-column: span 4; }
.f-name { font-weight: 600; color: #f2f3f5; margin-bottom: 2px; }
.ph { background: repeating-linear-gradient(45deg, #3f4147, #3f4147 6px, #383a40 6px, #383a40 12px);
      border-radius: 4px; color: #b5bac1; font-size: 11px; display: flex; align-items: center;
      justify-content: center; flex-direction: column; gap: 2px; text-align: center; }
.thumb { flex: 0 0 80px; width: 80px; height: 80px; margin: 8px 0 0 16px; }
.image { margin-top: 16px; height: 200px; max-width: 400px; }
.footer { display: flex; align-items: center; gap: 8px; margin-top: 8px; font-size: 12px;
          color: #b5bac1; }
.footer .icon { width: 20px; height: 20px; }
.rows { margin-top: 4px; }
.row { display: flex; gap: 8px; flex-wrap: wrap; margin-top: 4px; }
.button { background: #4e5058; color: #fff; font-size: 14px; font-weight: 500; padding: 2px 16px;
          height: 32px; border-radius: 3px; display: flex; align-items: center; gap: 8px; }
.button svg { width: 14px; height: 14px; }
.note { color: #949ba4; font-size: 12px; margin-top: 4px; }
.note a { color: #00a8fc; }
.spoiler { background: #1e1f22; color: transparent; border-radius: 3px; padding: 0 2px; }
.spoiler * { color: transparent !important; }
.ts { background: rgba(78, 80, 88, .48); border-radius: 3px; padding: 0 2px; }
.mention { background: rgba(88, 101, 242, .3); color: #c9cdfb; border-radius: 3px; padding: 0 2px;
           font-weight: 500; }
code { background: #1e1f22; border-radius: 3px; padding: 0 3px; font-size: 85%;
       font-family: "DejaVu Sans Mono", monospace; }
pre.codeblock { background: #1e1f22; border: 1px solid #1e1f22; border-radius: 4px;
                padding: 7px; font-family: "DejaVu Sans Mono", monospace; font-size: 12px;
                white-space: pre-wrap; margin: 4px 0; }
.quote { border-left: 4px solid #4e5058; padding-left: 12px; margin: 2px 0; }
.h1 { font-size: 20px; font-weight: 700; color: #f2f3f5; }
.h2 { font-size: 18px; font-weight: 700; color: #f2f3f5; }
.h3 { font-size: 16px; font-weight: 700; color: #f2f3f5; }
"""

EXTERNAL = (
    '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.4">'
    '<path d="M15 3h6v6M10 14 21 3M18 13v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h6"/></svg>'
)
PICTURE = (
    '<svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" '
    'stroke-width="1.8"><rect x="3" y="4" width="18" height="16" rx="2"/>'
    '<circle cx="9" cy="10" r="2"/><path d="m21 17-5-5-9 8"/></svg>'
)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def color_hex(color: int | None) -> str:
    """An embed colour as CSS; none: Discord's default bar."""
    if color is None:
        return "#1e1f22"
    return "#%06x" % (int(color) & 0xFFFFFF)


def _icon(name: str, url: str | None, cls: str = "icon") -> str:
    """A round placeholder for an avatar or icon (its initial)."""
    if not url:
        return ""
    initial = next((c for c in name if c.isalnum()), "?").upper()
    return f'<span class="{cls}">{_e(initial)}</span>'


def _placeholder(kind: str, cls: str) -> str:
    return f'<div class="ph {cls}">{PICTURE}<span>{_e(kind)}</span></div>'


def _link(text_html: str, url: str | None) -> str:
    if not url:
        return text_html
    return f'<a href="{_e(url)}">{text_html}</a>'


def embed_html(embed: dict, now: int) -> str:
    """One embed."""
    parts: list[str] = []
    author = embed.get("author") or {}
    if author.get("name"):
        name = _link(_e(author["name"]), author.get("url"))
        parts.append(f'<div class="author">{_icon(author["name"], author.get("icon_url"))}{name}</div>')
    if embed.get("title"):
        title = md.to_html(embed["title"], now=now, links=False, blocks=False)
        parts.append(f'<div class="title">{_link(title, embed.get("url"))}</div>')
    if embed.get("description"):
        parts.append(f'<div class="desc">{md.to_html(embed["description"], now=now)}</div>')
    fields = embed.get("fields") or []
    if fields:
        cells = []
        for f in fields:
            cls = "field inline" if f.get("inline") else "field"
            cells.append(
                f'<div class="{cls}"><div class="f-name">'
                f'{md.to_html(f.get("name", ""), now=now, links=False, blocks=False)}</div>'
                f'<div>{md.to_html(f.get("value", ""), now=now)}</div></div>'
            )
        parts.append('<div class="fields">%s</div>' % "".join(cells))
    if (embed.get("image") or {}).get("url"):
        parts.append(_placeholder("image", "image"))
    footer = embed.get("footer") or {}
    bits = [_e(footer["text"])] if footer.get("text") else []
    if embed.get("timestamp"):
        bits.append(_e(md.embed_time(embed["timestamp"])))
    if bits:
        icon = _icon(footer.get("text", ""), footer.get("icon_url"))
        parts.append(f'<div class="footer">{icon}<span>{" • ".join(bits)}</span></div>')
    thumb = ""
    if (embed.get("thumbnail") or {}).get("url"):
        thumb = _placeholder("thumbnail", "thumb")
    style = f"border-left-color:{color_hex(embed.get('color'))}"
    return (f'<div class="embed-wrap"><div class="embed" style="{style}"><div class="e-body">'
            f'{"".join(parts)}</div>{thumb}</div></div>')


def rows_html(components: list) -> str:
    """Action rows of buttons (link buttons get the external-link mark)."""
    rows = []
    for row in components or []:
        buttons = []
        for b in row.get("components", []):
            mark = EXTERNAL if b.get("style") == 5 else ""
            buttons.append(f'<span class="button">{_e(b.get("label", ""))}{mark}</span>')
        rows.append('<div class="row">%s</div>' % "".join(buttons))
    return '<div class="rows">%s</div>' % "".join(rows) if rows else ""


def message_html(message: dict, now: int, interaction: str | None) -> str:
    """The message with the bot's name line, and for an interaction reply the
    "used /command" line above it and the ephemeral note below."""
    flags = int(message.get("flags") or 0)
    body: list[str] = []
    if message.get("content"):
        body.append(f'<div class="content">{md.to_html(message["content"], now=now)}</div>')
    body.extend(embed_html(e, now) for e in message.get("embeds") or [])
    body.append(rows_html(message.get("components") or []))
    if flags & SILENT:
        body.append('<div class="silent">🔕 sent silently (@silent)</div>')
    if flags & EPHEMERAL:
        body.append('<div class="note">👁 Only you can see this • <a>Dismiss message</a></div>')
    used = ""
    if interaction:
        used = (f'<div class="used"><span class="mini"></span><b>moderator</b> used '
                f'<span class="mention">/{_e(interaction)}</span></div>')
    head = (f'<div class="head"><span class="name">{BOT_NAME}</span><span class="tag">APP</span>'
            f'<span class="when">{POSTED_AT}</span></div>')
    return (f'{used}<div class="msg"><div class="avatar">TH</div>'
            f'<div class="main">{head}{"".join(body)}</div></div>')


def page(message: dict, *, interaction: str | None = None, now: int = md.DEFAULT_NOW) -> str:
    """The whole HTML page; its script writes the content's size into
    `<body data-size="W H">` for the screenshot's crop."""
    csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
    return f"""<!doctype html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<style>{CSS}</style></head>
<body><div id="root">{message_html(message, now, interaction)}</div>
<script>
const r = document.getElementById('root').getBoundingClientRect();
document.body.setAttribute('data-size', Math.ceil(r.right) + ' ' + Math.ceil(r.bottom));
</script></body></html>
"""
