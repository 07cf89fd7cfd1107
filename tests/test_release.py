"""Release and reuse: the Binder environment is pinned from uv.lock, and launch buttons appear
exactly when the repository's address is configured."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import yaml

from conftest import ROOT

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_versions() -> dict[str, set[str]]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    versions: dict[str, set[str]] = {}
    for package in lock["package"]:
        versions.setdefault(_normalise(package["name"]), set()).add(package["version"])
    return versions


def binder_pins() -> list[tuple[str, str]]:
    pins = []
    for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            found = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)(\s*;.*)?", line)
            assert found, f"binder/requirements.txt: not an exact pin: {line!r}"
            pins.append((_normalise(found.group(1)), found.group(2)))
    return pins


def runtime_closure() -> set[str]:
    """Every package the book needs at run time, by uv.lock: the project's dependencies (not its
    test extra) and, transitively, theirs (with any extras they ask for)."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    packages: dict[str, list[dict]] = {}
    for package in lock["package"]:
        packages.setdefault(_normalise(package["name"]), []).append(package)
    project = packages[_normalise(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"])][0]
    needed, todo = set(), list(project.get("dependencies", []))
    while todo:
        dependency = todo.pop()
        name = _normalise(dependency["name"])
        extras = tuple(dependency.get("extra", []))
        if (name, extras) in needed:
            continue
        needed.add((name, extras))
        for version in packages[name]:
            todo += version.get("dependencies", [])
            for extra in extras:
                todo += version.get("optional-dependencies", {}).get(extra, [])
    return {name for name, _ in needed}


def test_binder_requirements_are_pinned_from_the_lock():
    versions = lock_versions()
    pins = binder_pins()
    wrong = [
        (name, version, sorted(versions.get(name, [])))
        for name, version in pins
        if version not in versions.get(name, set())
    ]
    assert not wrong, f"pins that differ from uv.lock (run `make binder-env`): {wrong}"
    # Every runtime dependency of the book is there; the test-only extra is not.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_normalise(re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0]) for d in project["dependencies"]}
    pinned = {name for name, _ in pins}
    assert runtime <= pinned, sorted(runtime - pinned)
    # Exactly the lock's run-time closure: nothing missing, nothing from the test extra.
    closure = runtime_closure()
    assert pinned == closure, {"missing": sorted(closure - pinned), "extra": sorted(pinned - closure)}
    assert "pytest" not in pinned and "nbval" not in pinned


def test_binder_installs_the_helpers_package_without_moving_the_pins():
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert re.search(r"^pip install --no-deps \.$", post_build, re.M)
    assert (ROOT / "binder" / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    minimum = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert runtime == f"python-{minimum.removeprefix('>=')}"


def _bookfixes():
    spec = importlib.util.spec_from_file_location("bookfixes", ROOT / "_ext" / "bookfixes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_launch_services_are_named_in_the_config():
    assert CONFIG["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert CONFIG["launch_buttons"]["colab_url"] == "https://colab.research.google.com"


def test_launch_buttons_wait_for_a_repository_url():
    fix = _bookfixes().launch_buttons_without_repository
    launch = {
        "binderhub_url": "https://mybinder.org",
        "colab_url": "https://colab.research.google.com",
        "notebook_interface": "classic",
    }
    off = fix({"repository_url": "", "launch_buttons": launch})
    assert off["launch_buttons"] == {"binderhub_url": "", "colab_url": "", "notebook_interface": "classic"}
    assert launch["binderhub_url"] == "https://mybinder.org", "the caller's options must not be mutated"
    options = {"repository_url": "https://github.com/example/bclm", "launch_buttons": launch}
    assert fix(options) is options


def test_a_book_with_a_repository_url_gets_binder_and_colab_buttons(tmp_path):
    # A one-page book with the project's launch settings, built by jupyter-book with the
    # repository filled in: the theme must then link the notebook to Binder and to Colab.
    import shutil
    import subprocess
    import sys

    import nbformat

    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    shutil.copytree(ROOT / "_ext", book / "_ext")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A chapter\n\nText.")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, book / "chapters" / "lesson.ipynb")
    (book / "index.md").write_text("# Home\n")
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: chapters/lesson\n")
    config = {
        "title": "t",
        "execute": {"execute_notebooks": "off"},
        "launch_buttons": CONFIG["launch_buttons"],
        "repository": {"url": "https://github.com/example/bclm-book", "branch": "main", "path_to_book": ""},
        "sphinx": {"local_extensions": {"bookfixes": "_ext/"}, "config": {"intersphinx_mapping": {}}},
    }
    (book / "_config.yml").write_text(yaml.safe_dump(config))
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run([str(jupyter_book), "build", str(book), "-W", "--quiet"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    page = (book / "_build" / "html" / "chapters" / "lesson.html").read_text()
    assert 'href="https://mybinder.org/v2/gh/example/bclm-book/main?urlpath=tree/chapters/lesson.ipynb"' in page
    assert 'href="https://colab.research.google.com/github/example/bclm-book/blob/main/chapters/lesson.ipynb"' in page
