"""Named sets of answers the deploy and tooling tests bake with."""

# cookiecutter.json's defaults, spelled out: the combination most people get.
DEFAULTS = {
    "use_cors": True,
    "use_compression": True,
    "cache_backend": "simple",
    "ajax_demo": True,
}
# Everything that can be on, with the cache that needs the most (Redis).
ALL_ON = {
    "use_cors": True,
    "use_compression": True,
    "cache_backend": "redis",
    "use_docker": True,
    "use_github_actions": True,
    "ajax_demo": True,
}
ALL_OFF = {
    "use_cors": False,
    "use_compression": False,
    "cache_backend": "none",
    "use_docker": False,
    "use_github_actions": False,
    "ajax_demo": False,
}
