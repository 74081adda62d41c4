Feature: One post to X, Mastodon and Bluesky
  A post is written once and goes out to X, to a Mastodon account on its own server and to Bluesky in the
  same publisher run. Each platform is asked in its own shape: X for a tweet as JSON, the Mastodon server for
  a status with an Idempotency-Key, Bluesky's PDS for an app.bsky.feed.post record at a key the client chose.
  Each account keeps the id and the link of its own post; the post is published only when all of them are.

  Background:
    Given an X account "@acme", a Mastodon account "@acme@mastodon.example" and a Bluesky account "@acme.bsky.social"

  Scenario: A post to X, Mastodon and Bluesky in one go
    Given a post "Our spring menu is out today" scheduled 5 minutes ago to all accounts
    When the publisher runs
    Then the post is "PUBLISHED"
    And X, Mastodon and Bluesky were each asked once for the post, in their own request shape
    And each account has the id and the link of its post on the platform
    And the run reports "Processed 1 posts: 1 succeeded, 0 partial, 0 failed, 0 retrying, 0 needs review"

  Scenario: A post to X, Mastodon and Bluesky in one go that Mastodon refuses for good is partially published
    Given a post "Our summer menu is out today" scheduled 5 minutes ago to all accounts
    And Mastodon refuses the post with 422 "Validation failed: Text character limit of 500 exceeded"
    When the publisher runs
    Then the post is "PARTIALLY_PUBLISHED"
    And X, Mastodon and Bluesky were each asked once for the post, in their own request shape
    And the accounts "@acme" and "@acme.bsky.social" are "PUBLISHED" with the id and the link of their post
    And the account "@acme@mastodon.example" is "FAILED" with an "INVALID" error saying "character limit of 500"
    And the run reports "Processed 1 posts: 0 succeeded, 1 partial, 0 failed, 0 retrying, 0 needs review"
    When the publisher runs again
    Then no platform received anything more
