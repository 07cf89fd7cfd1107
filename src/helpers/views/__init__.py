"""Chapter-specific views: the tables and glued values one chapter builds from its rows.

Part of the chapter layer (:mod:`helpers.chapter`): each module here takes a loaded
:class:`helpers.chapter.Chapter` and returns tidy frames or writes glue under fixed names, so that
a chapter's cells are short calls. What several chapters need belongs in :mod:`helpers.chapter`,
:mod:`helpers.synthesis` or :mod:`helpers.tables`, not here. Each module is unit-tested on a
miniature data set (``tests/test_views_<chapter>.py``).
"""
