"""Small Sphinx fixes for the built book, loaded through `_config.yml` (local_extensions).

- sphinx-thebe registers its inline configuration script twice under Sphinx 7, so every page
  declared `const THEBE_JS_URL` twice and the browser raised a SyntaxError. We drop exact
  duplicate scripts from each page's context.
- The theme logs a console error ("invalid theme mode") when no colour mode is configured;
  we give each page an explicit default mode (light).
"""

from __future__ import annotations


def _fix_page_context(app, pagename, templatename, context, doctree):
    if not context.get("default_mode"):
        context["default_mode"] = "light"
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for script in scripts:
        # The same inline script arrives once with filename None and once with "".
        name = getattr(script, "filename", script) or ""
        key = (str(name), repr(sorted(getattr(script, "attributes", {}).items())))
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _fix_page_context, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
