Feature: The Sandbox, a local network to publish to
  The Sandbox is served by the product itself and is published to over HTTP like any platform. Faults set
  on a Sandbox account make what real platforms sometimes do visible: a post made whose answer never comes
  is found among the account's posts, not made again; a rate limit is waited out.

  Scenario: A Sandbox account set to create then lose the answer: published once, not twice
    Given a Sandbox account "acme" that makes the post and then loses the answer
    And the publisher gives up waiting for an answer after 1 second
    And a post "Launch day" scheduled 1 minute ago to "acme"
    When the publisher runs
    Then the post is "PUBLISHED"
    And the account "acme" is "PUBLISHED" with the id the Sandbox gave the post
    And the Sandbox was asked to make the post once
    And the history of "acme" is a call that timed out with an "UNKNOWN" outcome, then a reconciliation that found the post
    And the timeline of "acme" shows "Launch day" once, recorded by the scheduler

  Scenario: A rate-limited Sandbox account is published once the wait it asked for is over
    Given a Sandbox account "acme" that refuses the next post with a rate limit
    And a post "Spring sale" scheduled 1 minute ago to "acme"
    When the publisher runs
    Then the post is "SCHEDULED" with a retry planned
    And the Sandbox has no post for "acme"
    When the planned retry is due
    And the publisher runs again
    Then the post is "PUBLISHED"
    And the Sandbox was asked to make the post twice
    And the timeline of "acme" shows "Spring sale" once, recorded by the scheduler
