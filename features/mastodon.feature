Feature: Mastodon, on any server
  A Mastodon status goes out with an Idempotency-Key made from the post and the account: when the answer to
  the call that makes it is lost, the status is looked for among the account's statuses, and a retry sends
  the same key, which the server answers with the status it already made. Either way the account gets the
  post once.

  Background:
    Given a Mastodon account "@acme@mastodon.example"

  Scenario: A Mastodon create whose answer is lost is not posted twice
    Given a post "Launch day" scheduled 1 minute ago to "@acme@mastodon.example"
    And Mastodon makes the post but never answers
    When a publisher run is killed while it waits for Mastodon
    And the killed run's lease expires
    And the publisher runs
    Then the post is "PUBLISHED"
    And Mastodon received it once in all
    And Mastodon has the post once
    And the account "@acme@mastodon.example" is "PUBLISHED" with the id Mastodon gave the post

  Scenario: A retry after a lost answer gets back the status Mastodon made, not a second one
    Given a post "Spring sale https://shop.example/spring with @bob@other.example" scheduled 5 minutes ago to "@acme@mastodon.example"
    And Mastodon makes the first post but its answer is lost
    And Mastodon lists the post among the account's statuses only later
    When the publisher runs
    Then the post is "SCHEDULED" with a retry planned
    When the planned retry is due
    And the publisher runs again
    Then the post is "PUBLISHED"
    And Mastodon received it twice in all
    And Mastodon has the post once
    And the account "@acme@mastodon.example" is "PUBLISHED" with the id Mastodon gave the post

  Scenario: A lost answer is settled in the same run when Mastodon lists the status
    Given a post "Spring sale" scheduled 5 minutes ago to "@acme@mastodon.example"
    And Mastodon makes the first post but its answer is lost
    When the publisher runs
    Then the post is "PUBLISHED"
    And Mastodon received it once in all
    And the account "@acme@mastodon.example" is "PUBLISHED" with the id Mastodon gave the post

  Scenario: A token Mastodon refuses fails the account and asks for a reconnect (Mastodon has no refresh)
    Given a post "Hello" scheduled 5 minutes ago to "@acme@mastodon.example"
    And Mastodon no longer accepts the access token of "@acme@mastodon.example"
    When the publisher runs
    Then the post is "FAILED"
    And the account "@acme@mastodon.example" is "FAILED" with an "AUTH" error saying "reconnect the account"
    And "@acme@mastodon.example" needs reconnecting
    And Mastodon received it once in all
