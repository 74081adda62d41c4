Feature: The publishing history of a post in the admin
  Staff open a post in the admin to see where it went: each account's result with a link to the published
  post, and every platform call with its outcome, error kind and HTTP status.

  Scenario: A post's page shows each account's result and every platform call
    Given an X account "@acme" and a LinkedIn account "Acme Inc."
    And a post "Spring sale" scheduled 5 minutes ago to "@acme" and "Acme Inc."
    And its author writes from "America/New_York"
    And X answers 429 to the first post
    And LinkedIn refuses the post with 422 "Organization permissions must be used when using organization as author"
    When the publisher runs
    And the planned retry is due
    And the publisher runs again
    And a staff member opens the post in the admin
    Then the page shows the post as "Partially published"
    And the page shows "@acme" as "Published" with a link to its post on X
    And the page shows "Acme Inc." as "Failed" with "Invalid" and "Organization permissions must be used"
    And the history lists 3 platform calls
    And the history shows a "Failed" call to "@acme" with "Transient" and HTTP 429
    And the history shows a "Published" call to "@acme"
    And the history shows a "Failed" call to "Acme Inc." with "Invalid" and HTTP 422
    And the history shows each call's time in the author's time zone
