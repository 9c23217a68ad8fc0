"""Everything that writes, split by sub-domain (the way Zulip splits ``zerver/actions/``):

- ``memes``: create, update, choose a caption, publish, retry, delete;
- ``pipeline``: the processing job (queue, run, fail, expire) and storing its output;
- ``social``: likes and comments;
- ``captions``: the caption dataset (seed, import, export, curate, suggest);
- ``moderation``: hiding memes and reports.

Callers import the submodule (``from memes.services import social``): each function has one home,
and a test that replaces one (e.g. ``pipeline.default_analyzer``) replaces it for everyone.
Services are keyword-only; input is validated by ``memes.checks``, permissions by ``memes.access``.
"""
