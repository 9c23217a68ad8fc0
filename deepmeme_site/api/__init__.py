"""Shared plumbing for the REST API (/api/v1/): one error shape, throttles, keyset pagination,
schema helpers and the URL tree. The endpoints themselves live in memes.api and accounts.api."""
