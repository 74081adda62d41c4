Feature: The HTTP trigger for hosted crons
  Hosted crons call GET /api/cron/publish-scheduled-posts with the header
  "Authorization: Bearer <CRON_SECRET>". Only the right secret runs the publisher.

  Background:
    Given the cron secret is "cron-s3cret-0123456789abcdefghij"
    And an X account "@acme"
    And a post "Hello" scheduled 5 minutes ago to "@acme"

  Scenario Outline: A missing or wrong secret is refused and nothing is published
    When the trigger is called with <authorization>
    Then the trigger answers 401 with a reason that does not repeat what was sent
    And the post is still "SCHEDULED"
    And no platform received anything

    Examples:
      | authorization                                        |
      | no Authorization header                              |
      | the header "Bearer wrong-secret"                     |
      | the header "Bearer cron-s3cret-0123456789abcdefghiX" |
      | the header "Basic cron-s3cret-0123456789abcdefghij"  |

  Scenario: The right secret runs the publisher
    When the trigger is called with the header "Bearer cron-s3cret-0123456789abcdefghij"
    Then the trigger answers 200 with 1 processed and 1 succeeded
    And the post is "PUBLISHED"
    And X received it once

  Scenario: Without a cron secret the trigger is disabled
    Given no cron secret is set
    When the trigger is called with the header "Bearer anything"
    Then the trigger answers 503 with a reason that does not repeat what was sent
    And the post is still "SCHEDULED"
