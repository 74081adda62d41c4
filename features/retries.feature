Feature: Retrying what failed for a passing reason
  A platform that fails for a passing reason (unavailable, rate limited) gets the post again later;
  accounts that already have the post never get it twice, and a post does not wait forever.

  Background:
    Given an X account "@acme", a Facebook Page "Acme Coffee" and a LinkedIn account "Acme Inc."

  Scenario Outline: A failed account is retried later, and only that account
    Given a post "Spring sale" scheduled 5 minutes ago to "@acme" and "Acme Inc."
    And X answers <answer> to the first post
    When the publisher runs
    Then the post is "SCHEDULED" with a retry planned
    And LinkedIn received the post once
    And X received it once
    When the planned retry is due
    And the publisher runs again
    Then the post is "PUBLISHED"
    And LinkedIn received the post once
    And X received it twice in all

    Examples:
      | answer |
      | 503    |
      | 429    |

  Scenario: A post fails for good after its last retry, with the reason on each account
    Given a post "Flash sale" scheduled 5 minutes ago to "@acme" and "Acme Coffee"
    And the post may be retried 2 times
    And X answers 429 to every post
    And Facebook answers error code 4 "(#4) Application request limit reached" to every post
    When the publisher runs 3 times, each time once the planned retry is due
    Then the post is "FAILED"
    And the account "@acme" is "FAILED" with a "TRANSIENT" error saying "HTTP 429"
    And the account "Acme Coffee" is "FAILED" with a "TRANSIENT" error saying "Application request limit reached"
    And X received it 3 times in all
    And Facebook received it 3 times in all
    When the publisher runs again
    Then no platform received anything more

  Scenario Outline: A rate-limited platform is retried no sooner than it asked
    Given a post "Big news" scheduled 5 minutes ago to "<account>"
    And <platform> rate-limits the first post for 15 minutes
    When the publisher runs
    Then the post is "SCHEDULED" with a retry planned no sooner than 15 minutes from now
    When 14 minutes pass
    And the publisher runs again
    Then <platform> received it once
    When 2 more minutes pass
    And the publisher runs again
    Then the post is "PUBLISHED"
    And <platform> received it twice in all

    Examples: Each platform says it its own way (X's x-rate-limit-reset, Meta's usage header, Retry-After)
      | platform | account     |
      | X        | @acme       |
      | Facebook | Acme Coffee |
      | LinkedIn | Acme Inc.   |
