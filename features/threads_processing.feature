Feature: A Threads container Meta is still processing
  Meta processes a video before its container can be published (it suggests waiting about 30 seconds). No
  publisher run waits for it: the run that made the container saves it and leaves the account to Threads,
  and a later run publishes that same container. Nothing is made twice.

  Scenario: A Threads container still processing is published by a later run
    Given a Threads account "@acme.cafe"
    And a post "Our new oven, in action" scheduled 5 minutes ago to "@acme.cafe"
    And on Threads the post is the video "https://cdn.example.com/oven.mp4"
    And Threads keeps each new container in progress until it has finished processing
    When the publisher runs
    Then the post is not published yet, and "@acme.cafe" waits for Threads with its container saved
    And Threads has one container for the post, still processing, and nothing published
    When the publisher runs again
    Then "@acme.cafe" still waits for Threads with the same container, and Threads has no other
    When Threads has finished processing
    And the time Threads asked to wait has passed
    And the publisher runs again
    Then the post is "PUBLISHED"
    And the account "@acme.cafe" is "PUBLISHED" with the id and the link of their post
    And Threads made one container for the post and published it once
