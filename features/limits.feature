Feature: Platform limits as the platforms apply them
  A post over a platform's posting limit waits until the window frees instead of failing, and never spends
  a retry on it. Media a platform is still processing is checked again by a later run, which publishes it
  from what was already uploaded: never a second container or upload. What a platform says of a post, or
  a temporary block, reaches the author.

  Background:
    Given an Instagram account "acme.shop", a Facebook Page "Acme Coffee" and a YouTube channel "Acme TV"

  Scenario: A post over an account's daily limit goes out when the window frees
    Given Instagram allows "acme.shop" 2 posts a day
    And 2 posts scheduled 5 minutes ago to "acme.shop"
    And a post "New arrivals" scheduled in 23 hours to "acme.shop"
    And every post shows the photo "https://cdn.example.com/shop.jpg" on Instagram
    When the publisher runs
    Then the post "Post 1 of 2" is "PUBLISHED"
    And the post "Post 2 of 2" is "PUBLISHED"
    When 23 hours pass
    And the publisher runs again
    Then the post is "SCHEDULED" to go out in about 60 minutes, no retry spent
    And the account "acme.shop" is "PENDING" with a "QUOTA" error saying "Instagram allows 2 posts per day per account"
    And no platform received anything more
    When a staff member opens the post in the admin
    Then the page shows "acme.shop" as "Pending" with "Over quota (deferred)" and "goes out when the window frees"
    When 59 minutes pass
    And the publisher runs again
    Then no platform received anything more
    When 2 more minutes pass
    And the publisher runs again
    Then the post is "PUBLISHED"
    And Instagram received the post once

  Scenario: A slow reel is published by a later run without a second container
    Given Instagram processes each reel for 2 checks
    And a post "Behind the scenes" scheduled 5 minutes ago to "acme.shop"
    And on Instagram the post is the reel "https://cdn.example.com/reel.mp4"
    When the publisher runs
    Then the post is "PUBLISHING" with "acme.shop" still processing, no retry spent
    And Instagram made 1 container for "acme.shop"
    When the publisher runs again
    Then no platform received anything more
    When 1 minute passes
    And the publisher runs again
    Then the post is "PUBLISHING" with "acme.shop" still processing, no retry spent
    When 1 minute passes
    And the publisher runs again
    Then the post is "PUBLISHED"
    And Instagram made 1 container for "acme.shop"
    And Instagram received the post once
    When a staff member opens the post in the admin
    Then the history shows 2 "Still processing" calls to "acme.shop" and then a "Published" one

  Scenario: A Page temporarily blocked is retried an hour later, not failed
    Given a post "Opening hours" scheduled 5 minutes ago to "Acme Coffee"
    And Facebook answers error code 368 "It looks like you were misusing this feature" to the first post
    When the publisher runs
    Then the post is "SCHEDULED" with a retry planned no sooner than 60 minutes from now
    And the account "Acme Coffee" is "PENDING" with a "TRANSIENT" error saying "code 368"

  Scenario: An upload YouTube made private tells the author
    Given YouTube makes every upload of this app private
    And a post "Launch" scheduled 5 minutes ago to "Acme TV"
    And on YouTube the post is the video "https://cdn.example.com/launch.mp4" titled "Launch"
    When the publisher runs
    Then the post is "PUBLISHED"
    When a staff member opens the post in the admin
    Then the page shows "Acme TV" as "Published" noting "YouTube made the video private although public was asked"
