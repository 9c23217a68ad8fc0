"""The REST API's shared toolkit: one error shape (errors), keyset pagination (pagination), scoped
throttles (throttles) and schema helpers (docs). A small app low in the house: memes and accounts
build their API views on it without importing the project package (deepmeme_site), which only
wires the URLs (deepmeme_site/api_urls.py)."""
