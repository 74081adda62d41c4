Feature: Nobody misses a failure
  When a post does not go out its author is emailed the reason and a link to the post; integrators get
  every event on their webhook, even when their receiver was down for a while; and when the publisher
  itself stops, the health check reports it within PUBLISH_STALL_AFTER and the operators are emailed.

  Background:
    Given the mail server is running and the scheduler is at "https://scheduler.example.com"
    And an X account "@acme" and a LinkedIn account "Acme Inc."

  Scenario: A failed post emails its author with the reason and a link
    Given the author's email address is "dana@example.com"
    And a post "Launch day" scheduled 1 minute ago to "Acme Inc."
    And LinkedIn refuses the post with 422 "Content is a duplicate of urn:li:share:7001"
    When the publisher runs
    Then the post is "FAILED"
    And "dana@example.com" receives one email, about "Launch day"
    And the email says "LinkedIn (Acme Inc.): failed" and why in plain words: "The platform refused the post itself"
    And the email quotes the platform: "Content is a duplicate of urn:li:share:7001"
    And the email links the post's page in the admin

  Scenario: A stopped publisher is reported within PUBLISH_STALL_AFTER
    Given the publisher counts as stalled when due posts wait 300 seconds
    And "ops@example.com" is told about every failure
    And a post "Morning news" scheduled 1 minute ago to "@acme"
    And the publisher runs
    And the publisher stops: no run from now on
    And a post "Launch day" scheduled in 1 minute to "@acme"
    When 4 minutes pass
    Then the health check answers 200 "ok" with 1 post due for 3 minutes
    And "ops@example.com" has received no email
    When 2 more minutes pass
    Then the health check answers 503 "stalled" with 1 post due for 5 minutes
    And "ops@example.com" receives one email, saying "The publisher has stopped"
    And check_publisher prints "stalled: the last run finished 6 min ago" and exits 1
    And the admin home page says "The publisher is stalled"
    When the publisher runs again
    Then the post "Launch day" is "PUBLISHED"
    And the health check answers 200 "ok" with nothing due
    And "ops@example.com" receives one email, saying "The publisher is running again"

  Scenario: A webhook receiver that is down gets the event later
    Given a webhook receiver of post events, that answers 503 for now
    And a post "Launch day" scheduled 1 minute ago to "@acme"
    When the publisher runs
    Then the post is "PUBLISHED"
    And the receiver was sent "post.published" once and answered 503
    And the delivery log shows the failed try and the next one planned
    When the receiver is back up
    And the publisher runs again
    Then the receiver has still been sent "post.published" only once
    When 2 minutes pass
    And the publisher runs again
    Then the receiver got "post.published" for "Launch day", signed, with the webhook-id of the first try
    And the delivery log shows it delivered
