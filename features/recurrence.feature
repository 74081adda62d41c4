Feature: Recurring posts
  A post that repeats ("every Monday at 09:00, ten times") is written once as a series. Its occurrences
  become ordinary scheduled posts two weeks ahead, at the same local time whatever daylight saving does,
  each with its own text so platforms do not refuse a duplicate. Each occurrence can be edited or skipped on
  its own; editing the series changes only what is still ahead and was not edited by hand.

  Background:
    Given an X account "@acme" and a LinkedIn account "Acme Inc."

  Scenario: The coming two weeks of a weekly series are scheduled at 09:00 Paris time across the change
    Given it is 2030-03-25 08:00 in "Europe/Paris"
    And a series "Weekly tips" to "@acme" and "Acme Inc." with the rule "FREQ=WEEKLY;BYDAY=MO" at 09:00 in "Europe/Paris" from 2030-03-25 for 6 posts, saying "Tip #{n} of the week"
    Then the series has these posts:
      | text                | time                  | status    |
      | Tip #1 of the week  | 2030-03-25 09:00 CET  | SCHEDULED |
      | Tip #2 of the week  | 2030-04-01 09:00 CEST | SCHEDULED |
      | Tip #3 of the week  | 2030-04-08 09:00 CEST | SCHEDULED |

  Scenario: A series that ends on a date makes its last post on that date, across the autumn change
    Given it is 2030-10-25 08:00 in "America/New_York"
    And a series "Recap" to "@acme" with the rule "FREQ=WEEKLY;BYDAY=MO,WE" at 09:00 in "America/New_York" from 2030-10-28 until 2030-11-04, saying "Recap {n}"
    Then the series has these posts:
      | text    | time                  | status    |
      | Recap 1 | 2030-10-28 09:00 EDT  | SCHEDULED |
      | Recap 2 | 2030-10-30 09:00 EDT  | SCHEDULED |
      | Recap 3 | 2030-11-04 09:00 EST  | SCHEDULED |

  Scenario: Text variants are used in turn
    Given it is 2030-03-25 08:00 in "Europe/Paris"
    And a series "Daily" to "@acme" with the rule "FREQ=DAILY" at 18:00 in "Europe/Paris" from 2030-03-25 for 4 posts, saying in turn "Morning news" / "Evening news {date}"
    Then the series has these posts:
      | text                        | time                  | status    |
      | Morning news                | 2030-03-25 18:00 CET  | SCHEDULED |
      | Evening news 2030-03-26     | 2030-03-26 18:00 CET  | SCHEDULED |
      | Morning news                | 2030-03-27 18:00 CET  | SCHEDULED |
      | Evening news 2030-03-28     | 2030-03-28 18:00 CET  | SCHEDULED |

  Scenario: Overlapping runs of create_recurring_posts make each post once
    Given a series "Daily" to "@acme" with the rule "FREQ=DAILY" at 12:00 in "UTC" from tomorrow for 30 posts, saying "Day {n}"
    When two runs of create_recurring_posts start at the same moment
    And create_recurring_posts runs again
    Then each day of the coming two weeks has one post of the series
    And the last run reports "Recurring posts: 0 created (0 as drafts needing attention) from 0 series"

  Scenario: Editing the series changes only future occurrences that were not edited or skipped
    Given it is 2030-03-25 08:00 in "Europe/Paris"
    And a series "Weekly tips" to "@acme" with the rule "FREQ=WEEKLY;BYDAY=MO,TH" at 09:00 in "Europe/Paris" from 2030-03-25 for 10 posts, saying "Tip #{n}"
    And "Tip #1" was published
    And "Tip #2" was edited by hand to "Tip #2, with a photo of the team"
    And occurrence 3 of the series is skipped
    When the series text becomes "Tip {n}: new wording"
    Then the series has these posts:
      | text                             | time                  | status    |
      | Tip #1                           | 2030-03-25 09:00 CET  | PUBLISHED |
      | Tip #2, with a photo of the team | 2030-03-28 09:00 CET  | SCHEDULED |
      | Tip #3                           | 2030-04-01 09:00 CEST | CANCELLED |
      | Tip 4: new wording               | 2030-04-04 09:00 CEST | SCHEDULED |
      | Tip 5: new wording               | 2030-04-08 09:00 CEST | SCHEDULED |

  Scenario: A skipped occurrence is not made again
    Given it is 2030-03-25 08:00 in "Europe/Paris"
    And a series "Weekly tips" to "@acme" with the rule "FREQ=WEEKLY;BYDAY=MO" at 09:00 in "Europe/Paris" from 2030-03-25 for 6 posts, saying "Tip #{n}"
    When occurrence 2 of the series is skipped
    And the recurring posts of the coming window are made again
    Then the series has these posts:
      | text   | time                  | status    |
      | Tip #1 | 2030-03-25 09:00 CET  | SCHEDULED |
      | Tip #2 | 2030-04-01 09:00 CEST | CANCELLED |
      | Tip #3 | 2030-04-08 09:00 CEST | SCHEDULED |

  Scenario: An occurrence goes out like any post when its time comes
    Given a series "Daily" to "@acme" with the rule "FREQ=DAILY" at 12:00 in "UTC" from tomorrow for 3 posts, saying "Day {n} of the launch"
    And create_recurring_posts runs
    And the time of "Day 1 of the launch" has come
    When the publisher runs
    Then the post "Day 1 of the launch" is "PUBLISHED"
    And X received the post once
