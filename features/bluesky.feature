Feature: Posting to Bluesky
  A Bluesky post is a record in the account's repository. Links, mentions and hashtags are clickable only
  through facets that cover their exact UTF-8 bytes; the client picks the record's key before sending it,
  so a create whose answer is lost is settled by reading that key, never by sending the post again.

  Background:
    Given a Bluesky account "@acme.bsky.social" and a Bluesky account "@ramen.bsky.social"

  Scenario: A Bluesky link becomes a clickable facet
    Given a post "新メニュー 🍜 https://acme.example/menu for @ramen.bsky.social #ramen" scheduled 5 minutes ago to "@acme.bsky.social"
    And the page "https://acme.example/menu" is titled "Our new menu"
    When the publisher runs
    Then the post is "PUBLISHED"
    And the account "@acme.bsky.social" is "PUBLISHED" with the id and the link of their post
    And on Bluesky the post's facet for "https://acme.example/menu" covers exactly its bytes and links to it
    And on Bluesky the post's facet for "@ramen.bsky.social" covers exactly its bytes and mentions "@ramen.bsky.social"
    And on Bluesky the post's facet for "#ramen" covers exactly its bytes and is the tag "ramen"
    And on Bluesky the post has a link card titled "Our new menu"

  Scenario: A Bluesky create whose answer is lost is found at its record key, not sent twice
    Given a post "Lunch is served" scheduled 5 minutes ago to "@acme.bsky.social"
    And Bluesky makes the post but never answers
    When the publisher runs
    Then the post is "PUBLISHED"
    And Bluesky received the post once
    And the account "@acme.bsky.social" is "PUBLISHED" with the id and the link of their post

  Scenario: A Bluesky create that never arrived is sent again with a new key
    Given a post "Dinner is served" scheduled 5 minutes ago to "@acme.bsky.social"
    And Bluesky takes the post but never makes it nor answers
    When the publisher runs
    Then the post is "SCHEDULED" with a retry planned
    When the planned retry is due
    And the publisher runs again
    Then the post is "PUBLISHED"
    And Bluesky received it twice in all
    And Bluesky has the post once

  Scenario: An expired Bluesky session is refreshed once and the post goes out
    Given a post "Open late tonight" scheduled 5 minutes ago to "@acme.bsky.social"
    And the access token of "@acme.bsky.social" expired an hour ago
    When the publisher runs
    Then the post is "PUBLISHED"
    And Bluesky's session of "@acme.bsky.social" was refreshed once, with its refresh token
    And Bluesky received the post once

  Scenario: A Bluesky access token refused as expired is refreshed once and the post sent once more
    Given a post "Kitchen closes at ten" scheduled 5 minutes ago to "@acme.bsky.social"
    And Bluesky no longer accepts the access token of "@acme.bsky.social"
    When the publisher runs
    Then the post is "PUBLISHED"
    And Bluesky's session of "@acme.bsky.social" was refreshed once, with its refresh token
    And Bluesky received it twice in all, the second time with the new access token

  Scenario: A Bluesky session revoked for good needs reconnecting
    Given a post "Closed for the holidays" scheduled 5 minutes ago to "@acme.bsky.social"
    And Bluesky has revoked the session of "@acme.bsky.social"
    When the publisher runs
    Then the post is "FAILED"
    And the account "@acme.bsky.social" is "FAILED" with an "AUTH" error saying "reconnect the account"
    And "@acme.bsky.social" needs reconnecting
