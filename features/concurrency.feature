Feature: Overlapping runs and runs that die
  Cron on several hosts and the HTTP trigger may start publisher runs that overlap, and a run may be killed
  in the middle of a platform call. No account ever receives the same post twice, and no post stays stuck.

  Scenario: Overlapping runs publish each post once
    Given the cron secret is "cron-s3cret-0123456789abcdefghij"
    And an X account "@acme", a Facebook Page "Acme Coffee" and a LinkedIn account "Acme Inc."
    And 60 posts scheduled 5 minutes ago to all accounts
    And every platform takes 10 milliseconds to answer
    And each run makes at most 2 platform calls at a time
    When three cron runs and a call of the HTTP trigger start at the same moment
    Then the runs shared the work, each post processed by one run
    And every post is "PUBLISHED"
    And each account received each post exactly once

  Scenario: A run killed while X was making the post: the next run finds the post and does not send it again
    Given an X account "@acme" and a LinkedIn account "Acme Inc."
    And a post "Launch day" scheduled 1 minute ago to "@acme" and "Acme Inc."
    And X makes the post but never answers
    When a publisher run is killed while it waits for X
    Then the post is "PUBLISHING" with "@acme" in flight and "Acme Inc." not sent yet
    When the killed run's lease expires
    And the publisher runs
    Then the post is "PUBLISHED"
    And X received it once in all
    And LinkedIn received it once
    And the account "@acme" is "PUBLISHED" with the id X gave the post

  Scenario: A run killed before X made the post: the next runs check, then send it once more
    Given an X account "@acme"
    And a post "Launch day" scheduled 1 minute ago to "@acme"
    And X takes the post but never makes it nor answers
    When a publisher run is killed while it waits for X
    And the killed run's lease expires
    And the publisher runs
    Then the post is "SCHEDULED" with a retry planned
    And X received it once in all
    When the planned retry is due
    And the publisher runs again
    Then the post is "PUBLISHED"
    And X received it twice in all
    And X has the post once

  @postgres_only
  Scenario: A busy database does not stall posts
    Given the cron secret is "cron-s3cret-0123456789abcdefghij"
    And an X account "@acme", a Facebook Page "Acme Coffee" and a LinkedIn account "Acme Inc."
    And 90 posts scheduled 1 minute ago to all accounts
    And every platform takes 50 milliseconds to answer
    And each run makes at most 64 platform calls at a time through at most 2 database connections
    And the database's connections are counted
    When three cron runs and a call of the HTTP trigger start at the same moment
    Then the four runs held at most 8 database connections at once
    And every post is "PUBLISHED"
    And each account received each post exactly once

  @postgres_only
  Scenario: Publish now is out within seconds
    Given an X account "@acme" and a LinkedIn account "Acme Inc."
    And a post "Flash sale" scheduled in 3 hours to "@acme" and "Acme Inc."
    And the long-running publisher is watching, looking at the queue only every 10 minutes
    When the author publishes "Flash sale" now
    Then X and LinkedIn receive it well before the publisher's next look
    And the post is "PUBLISHED"
    When the long-running publisher is stopped
    Then it stopped holding nothing
