Feature: Publishing scheduled posts
  People write a post once, choose the accounts it goes to and a time. Every minute the publisher sends
  each due post to each of its accounts and records what each platform answered.

  Background:
    Given an X account "@acme", a Facebook Page "Acme Coffee" and a LinkedIn account "Acme Inc."

  Scenario: A due post goes out to every account and each platform's post id is recorded
    Given an Instagram account "acme.coffee" and a YouTube channel "Acme TV"
    And a post "Spring sale starts today" scheduled 5 minutes ago to all accounts
    And on Instagram the post shows the photo "https://cdn.example.com/spring.jpg"
    And on YouTube the post is the video "https://cdn.example.com/spring.mp4" titled "Spring sale"
    When the publisher runs
    Then the post is "PUBLISHED"
    And each account received the post once
    And each account has the id and the link of its post on the platform
    And the run reports "Processed 1 posts: 1 succeeded, 0 partial, 0 failed, 0 retrying, 0 needs review"

  Scenario Outline: A post that is not due, a draft and a cancelled post are left alone
    Given a <kind> "Not for now" scheduled <when> to all accounts
    When the publisher runs
    Then the post is still "<status>"
    And no platform received anything

    Examples:
      | kind           | when          | status    |
      | post           | in 10 minutes | SCHEDULED |
      | draft post     | 5 minutes ago | DRAFT     |
      | cancelled post | 5 minutes ago | CANCELLED |

  Scenario: Some platforms publish and one refuses: the post is partially published
    Given a post "New menu" scheduled 5 minutes ago to all accounts
    And LinkedIn refuses the post with 422 "Organization permissions must be used when using organization as author"
    When the publisher runs
    Then the post is "PARTIALLY_PUBLISHED"
    And the accounts "@acme" and "Acme Coffee" are "PUBLISHED" with the id and the link of their post
    And the account "Acme Inc." is "FAILED" with an "INVALID" error saying "Organization permissions must be used"
    And the run reports "Processed 1 posts: 0 succeeded, 1 partial, 0 failed, 0 retrying, 0 needs review"
    When the publisher runs again
    Then no platform received anything more

  Scenario: A post due longer ago than the missed window is not published late
    Given the missed window is 24 hours
    And a post "Yesterday's news" scheduled 25 hours ago to all accounts
    And a post "This morning's news" scheduled 23 hours ago to all accounts
    When the publisher runs
    Then the post "Yesterday's news" is "FAILED"
    And every account of "Yesterday's news" is "FAILED" with a "MISSED" error saying "not sent"
    And no platform received "Yesterday's news"
    And the post "This morning's news" is "PUBLISHED"
