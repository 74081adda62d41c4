Feature: Importing a month of posts from a CSV file
  A planner writes a month of posts in a spreadsheet and imports it. Every row is checked first and each
  problem is named by row, column and platform; a file with a bad row imports nothing unless the planner
  chooses to skip the bad rows; a row imported once is never imported again. Imported posts are ordinary
  scheduled posts, and the export shows what became of each of them.

  Background:
    Given an X account "@acme" and a LinkedIn account "Acme Inc."
    And the planner "author" imports from the command line

  Scenario: A dry run names the bad rows and creates nothing
    Given the CSV file:
      | text                  | accounts                   | time             | timezone     |
      | Monday tip            | x:@acme                    | 2030-04-01 09:00 | Europe/Paris |
      | Who is this?          | x:@acme_typo               | 2030-04-02 09:00 | Europe/Paris |
      | Wednesday tip         | x:@acme; linkedin:Acme Inc. | 2030-04-03 09:00 | Europe/Paris |
      | Not a time            | x:@acme                    | April 4th        | Europe/Paris |
    When the file is checked with a dry run
    Then the import says "Dry run: 2 rows have problems; nothing would be imported."
    And the report names row 3, column "accounts": "No X (Twitter) account is named '@acme_typo'."
    And the report names row 5, column "time": "'April 4th' is not a time"
    And no post was created

  Scenario: A problem a platform has is named with the platform
    Given the CSV file:
      | text                                                                                                                                                                                                                                                                                                          | accounts | time             | timezone |
      | This text is far too long for X: it goes on and on about the spring collection, the summer collection, the autumn collection and the winter collection, and then it starts again with the spring collection because nobody told it that X stops at two hundred and eighty characters, which it is well past now. | x:@acme  | 2030-04-01 09:00 | UTC      |
    When the file is checked with a dry run
    Then the report names row 2 on X (Twitter): "characters"

  Scenario: A row's per-platform text, media address and alt text go to each platform
    Given the CSV file:
      | text                                 | accounts                    | time             | timezone     | twitter_text      | media_url                        | alt_text                |
      | Our spring collection is out, see it | x:@acme; linkedin:Acme Inc. | 2030-04-01 09:00 | Europe/Paris | Spring is here 🌷 | https://cdn.example.com/spring.jpg | Three cups on a table |
    When the file is imported
    Then the post "Our spring collection is out, see it" goes to X as "Spring is here 🌷" with the image "https://cdn.example.com/spring.jpg" described as "Three cups on a table"
    And the post "Our spring collection is out, see it" goes to LinkedIn as "Our spring collection is out, see it" with the image "https://cdn.example.com/spring.jpg" described as "Three cups on a table"

  Scenario: A file with a bad row imports nothing, unless the planner skips the bad rows
    Given the CSV file:
      | text          | accounts     | time             | timezone     |
      | Monday tip    | x:@acme      | 2030-04-01 09:00 | Europe/Paris |
      | Who is this?  | x:@acme_typo | 2030-04-02 09:00 | Europe/Paris |
    When the file is imported
    Then the import says "Nothing was imported: 1 rows have problems. Fix them, or choose to import the good rows and skip the bad ones."
    And no post was created
    When the file is imported, skipping the bad rows
    Then the import says "Imported 1 posts (0 rows already imported, 1 rows with problems skipped)."
    And the post "Monday tip" is scheduled for "2030-04-01 09:00 CEST"

  Scenario: Importing the same file twice creates nothing new
    Given the CSV file:
      | key      | text       | accounts | time             | timezone     |
      | april-01 | Monday tip | x:@acme  | 2030-04-01 09:00 | Europe/Paris |
      |          | Tuesday    | x:@acme  | 2030-04-02 09:00 | Europe/Paris |
    When the file is imported
    And the file is imported again
    Then the import says "Imported 0 posts (2 rows already imported, 0 rows with problems skipped)."
    And 2 posts were created

  Scenario: Rows to queue take the next free slots of their schedule
    Given the account group "Acme" with "@acme" and "Acme Inc."
    And "Acme" posts on Mondays and Thursdays at 09:00 in "Europe/Paris"
    And it is 2030-04-01 12:00 in "Europe/Paris"
    And the CSV file:
      | text           | accounts   | time             | timezone     |
      | First in line  | group:Acme | queue            | Europe/Paris |
      | Fixed Thursday | x:@acme    | 2030-04-04 09:00 | Europe/Paris |
      | Second in line | group:Acme | queue            | Europe/Paris |
    When the file is imported at the planner's time
    Then the post "First in line" is scheduled for "2030-04-08 09:00 CEST"
    And the post "Fixed Thursday" is scheduled for "2030-04-04 09:00 CEST"
    And the post "Second in line" is scheduled for "2030-04-11 09:00 CEST"

  Scenario: Imported posts go out like any post, and the export shows each account's result
    Given the CSV file:
      | text              | accounts                    | time          | timezone |
      | Imported and sent | x:@acme; linkedin:Acme Inc. | in 10 minutes | UTC      |
    When the file is imported
    And 15 minutes pass
    And the publisher runs
    Then the post "Imported and sent" is "PUBLISHED"
    And the export shows "@acme" as "PUBLISHED" with the link of its post on X
    And the export shows "Acme Inc." as "PUBLISHED" with the link of its post on LinkedIn
