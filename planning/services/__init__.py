"""Planning's writes. Every change to a post goes through ``calendar_app.services.posts``, so the post
checks (accounts active, platform limits, editable states, row locks) apply to planning as well."""
