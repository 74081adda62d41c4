Feature: Posting slots and the queue
  A brand posts at fixed times each week, on its own clock. "Add to queue" puts a post in the next slot that
  is free for every account it goes to, so nobody types dates by hand; the queue can be reordered, shuffled
  and paused, but what is being published or already out never moves.

  Background:
    Given an X account "@acme" and a LinkedIn account "Acme Inc."
    And the account group "Acme" with "@acme" and "Acme Inc."
    And "Acme" posts every day at 09:00 in "Europe/Paris"

  Scenario: Three posts take the next three slots, at 09:00 Paris time on both sides of the spring change
    Given it is 2030-03-29 12:00 in "Europe/Paris"
    When 3 posts to "@acme" and "Acme Inc." are added to the queue
    Then they are scheduled for "2030-03-30 09:00 CET", "2030-03-31 09:00 CEST" and "2030-04-01 09:00 CEST"

  Scenario: A slot taken by any of the post's accounts is passed over
    Given it is 2030-03-29 12:00 in "Europe/Paris"
    And "Acme Inc." already has a post at 2030-03-30 09:00 Paris time
    When a post "Both accounts" to "@acme" and "Acme Inc." is added to the queue
    And a post "Only X" to "@acme" is added to the queue
    Then "Both accounts" is scheduled for "2030-03-31 09:00 CEST"
    And "Only X" is scheduled for "2030-03-30 09:00 CET"

  Scenario: A slot in the hour the clocks skip moves to the first minute after the jump
    Given an X account "@night_owl"
    And "@night_owl" posts on Sundays at 02:30 in "America/New_York"
    And it is 2030-03-09 12:00 in "America/New_York"
    When 2 posts to "@night_owl" are added to the queue
    Then they are scheduled for "2030-03-10 03:00 EDT" and "2030-03-17 02:30 EDT"

  Scenario: A slot in the hour that happens twice is used once
    Given an X account "@night_owl"
    And "@night_owl" posts on Sundays at 01:30 in "America/New_York"
    And it is 2030-11-02 12:00 in "America/New_York"
    When 2 posts to "@night_owl" are added to the queue
    Then they are scheduled for "2030-11-03 01:30 EDT" and "2030-11-10 01:30 EST"

  Scenario: Moving a post down swaps it with the one after it
    Given it is 2030-03-29 12:00 in "Europe/Paris"
    And 3 posts to "@acme" are added to the queue
    When "Queued 1" is moved down
    Then "Queued 1" is scheduled for "2030-03-31 09:00 CEST"
    And "Queued 2" is scheduled for "2030-03-30 09:00 CET"

  Scenario: Shuffling deals the waiting posts over their own slots and leaves a published one where it is
    Given 3 posts to "@acme" are added to the queue
    And the slot of "Queued 1" has come
    When the publisher runs
    And the queue of "Acme" is shuffled
    Then the post "Queued 1" is "PUBLISHED"
    And "Queued 1" is still at the time it was published
    And "Queued 2" and "Queued 3" swapped their slots

  Scenario: Add to queue in the post admin says which slot the post took
    Given "@acme" posts every day at 09:00 in "Europe/Paris"
    And a draft "From the admin" to "@acme"
    When the author adds "From the admin" to the queue from the admin's post list
    Then the admin says "From the admin" was added to the queue of "@acme" at its slot
    And "From the admin" is in the next 09:00 slot in "Europe/Paris"

  Scenario: Moving a post up swaps it with the one before it
    Given it is 2030-03-29 12:00 in "Europe/Paris"
    And 3 posts to "@acme" are added to the queue
    When "Queued 3" is moved up
    Then "Queued 2" is scheduled for "2030-04-01 09:00 CEST"
    And "Queued 3" is scheduled for "2030-03-31 09:00 CEST"

  Scenario: A post the publisher is sending keeps its slot, and the queue cannot be reordered across it
    Given 2 posts to "@acme" are added to the queue
    And the slot of "Queued 1" has come
    And X takes the post but never makes it nor answers
    When a publisher run is killed while it waits for X
    And "Queued 2" is moved up
    Then the move is refused because "is being published right now"
    And "Queued 1" is "PUBLISHING"
    And "Queued 2" is still in its slot

  Scenario: Pausing holds what is waiting and touches nothing already published
    Given 3 posts to "@acme" and "Acme Inc." are added to the queue
    And the slot of "Queued 1" has come
    When the publisher runs
    And the queue of "Acme" is paused
    Then the post "Queued 1" is "PUBLISHED"
    And the post "Queued 2" is "DRAFT"
    And the post "Queued 3" is "DRAFT"
    When the queue of "Acme" is resumed
    Then the post "Queued 2" is "SCHEDULED"
    And the post "Queued 3" is "SCHEDULED"
    And "Queued 2" and "Queued 3" kept their slots
