Feature: Integrators schedule posts through the REST API
  A script (a CMS publishing its articles, n8n, a cron job) schedules posts with a personal API token. A
  network can lose an answer: the script cannot tell whether its post was made, so it sends the same request
  again with the same Idempotency-Key and gets the first answer, never a second post.

  Background:
    Given an X account "@acme"
    And the author has an API token with the scopes "read,write,publish"

  Scenario: A script schedules a post with an Idempotency-Key, retries after a timeout, and one post exists
    Given the scheduler takes 2 seconds to save a post
    When a script schedules "Spring sale starts now" to "@acme" in 2 minutes with the Idempotency-Key "cms-article-42", giving up after 0.5 seconds
    Then the script's request timed out
    When the script sends the same request again
    Then the script gets the post, answered 201 and marked as a replay
    And one post "Spring sale starts now" exists
    When 3 minutes pass
    And the publisher runs
    Then the post is "PUBLISHED"
    And X has the post once

  Scenario: The same Idempotency-Key with another post is refused, and nothing more is made
    When a script schedules "First" to "@acme" in 2 minutes with the Idempotency-Key "cms-article-7"
    And a script schedules "Second" to "@acme" in 2 minutes with the Idempotency-Key "cms-article-7"
    Then the script is refused with 422 "idempotency-key-reused"
    And one post "First" exists
    And no post "Second" exists
