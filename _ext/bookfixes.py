"""Small Sphinx fixes for the built book, loaded through `_config.yml` (local_extensions).

- sphinx-thebe registers its inline configuration script twice under Sphinx 7, so every page
  declared `const THEBE_JS_URL` twice and the browser raised a SyntaxError. We drop exact
  duplicate scripts from each page's context.
- The theme logs a console error ("invalid theme mode") when no colour mode is configured;
  we give each page an explicit default mode (light).
- Launch buttons (Binder, Colab) need the public repository's address: `_config.yml` names the
  services, and the buttons appear once `repository.url` is filled in. Until then the theme
  would fail on every notebook page (it cannot split an empty URL into owner and name), so we
  switch the buttons off and say so in the build log.
- Sphinx resolves each ``{numref}`` by unpickling the whole doctree of the page that holds the
  target (``StandardDomain._resolve_numref_xref`` calls ``env.get_doctree`` every time): the
  book's 220-odd numbered references cost about 3.5 s of a 20 s build. While the pages are
  written, the numbered-reference lookups share one read-only copy of each doctree
  (:class:`DoctreesReadOnce`); the copy is dropped when the build finishes.
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


LAUNCH_SERVICES = ("binderhub_url", "colab_url", "jupyterhub_url", "deepnote_url", "jupyterlite_url")


def launch_buttons_without_repository(theme_options: dict) -> dict:
    """The theme options with launch services blanked when no repository URL is configured."""
    launch = dict(theme_options.get("launch_buttons") or {})
    if (theme_options.get("repository_url") or "").strip() or not any(launch.get(k) for k in LAUNCH_SERVICES):
        return theme_options
    launch.update({k: "" for k in LAUNCH_SERVICES if k in launch})
    return {**theme_options, "launch_buttons": launch}


def _check_launch_buttons(app, config):
    options = config.html_theme_options or {}
    fixed = launch_buttons_without_repository(options)
    if fixed is not options:
        from sphinx.util import logging

        logging.getLogger(__name__).info(
            "bookfixes: launch buttons (Binder, Colab) are off until repository.url is set in _config.yml"
        )
        config.html_theme_options = fixed


class DoctreesReadOnce:
    """The build environment, except that ``get_doctree`` unpickles each page once.

    Only the numbered-reference lookups see it; they read the target node's type, ids and
    number and change nothing, so one copy serves every lookup. Every other attribute is the
    environment's own.
    """

    def __init__(self, env):
        self._env = env
        self._doctrees = {}

    def get_doctree(self, docname: str):
        if docname not in self._doctrees:
            self._doctrees[docname] = self._env.get_doctree(docname)
        return self._doctrees[docname]

    def __getattr__(self, name):
        return getattr(self._env, name)


def _share_doctrees_for_numref(app, builder) -> None:
    from sphinx.domains.std import StandardDomain

    domain = app.env.get_domain("std")
    shared = DoctreesReadOnce(app.env)
    resolve = StandardDomain._resolve_numref_xref.__get__(domain)

    def resolve_with_shared_doctrees(env, *args, **kwargs):
        return resolve(shared if env is app.env else env, *args, **kwargs)

    domain._resolve_numref_xref = resolve_with_shared_doctrees


def _drop_shared_doctrees(app, exception) -> None:
    domain = app.env.get_domain("std")
    domain.__dict__.pop("_resolve_numref_xref", None)


def setup(app):
    app.connect("config-inited", _check_launch_buttons)
    app.connect("write-started", _share_doctrees_for_numref)
    app.connect("build-finished", _drop_shared_doctrees)
    app.connect("html-page-context", _fix_page_context, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
