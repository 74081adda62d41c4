Feature: Posting to Threads
  A Threads post is a container that Meta processes, then publishes. Each container is saved the moment it
  exists, so a publish whose answer is lost is settled by reading the container, never by making another
  one. Threads tokens last 60 days and are refreshed before they run out.

  Background:
    Given a Threads account "@acme.cafe"

  Scenario: A Threads text post is published
    Given a post "Fresh bread at 7 🥖" scheduled 5 minutes ago to "@acme.cafe"
    When the publisher runs
    Then the post is "PUBLISHED"
    And the account "@acme.cafe" is "PUBLISHED" with the id and the link of their post
    And Threads made one container for the post and published it once

  Scenario: A Threads carousel goes out as one post
    Given a post "Our week in pictures" scheduled 5 minutes ago to "@acme.cafe"
    And on Threads the post is the photos "https://cdn.example.com/a.jpg" and "https://cdn.example.com/b.jpg" described "Loaves" and "Buns"
    When the publisher runs
    Then the post is "PUBLISHED"
    And on Threads the post is a carousel of 2 items with their descriptions

  Scenario: A Threads publish whose answer is lost is found by its container, not sent twice
    Given a post "Lunch is served" scheduled 5 minutes ago to "@acme.cafe"
    And Threads makes the post but never answers
    When the publisher runs
    Then the post is "PUBLISHED"
    And Threads received the post once
    And the account "@acme.cafe" is "PUBLISHED" with the id and the link of their post

  Scenario: A Threads token in its last two weeks is refreshed before the post goes out
    Given a post "Closed on Monday" scheduled 5 minutes ago to "@acme.cafe"
    And the token of "@acme.cafe" expires in 10 days
    When the publisher runs
    Then the post is "PUBLISHED"
    And Threads refreshed the token of "@acme.cafe" once, and it now lasts 60 days

  Scenario: A Threads token that expired cannot be refreshed: the account needs reconnecting
    Given a post "Open late tonight" scheduled 5 minutes ago to "@acme.cafe"
    And the access token of "@acme.cafe" expired an hour ago
    When the publisher runs
    Then the post is "FAILED"
    And the account "@acme.cafe" is "FAILED" with an "AUTH" error saying "reconnect the account"
    And "@acme.cafe" needs reconnecting
    And Threads received nothing
