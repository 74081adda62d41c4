Feature: The media library
  Files are uploaded once and posts use them. Each file is checked against the platforms a post goes to when
  the post is saved, with the rendition that fixes what is mechanical; a platform that fetches media itself
  gets a signed URL that stops working, and a file that a post may still send cannot be deleted.

  Background:
    Given an Instagram account "acme.studio" and an X account "@acme"

  Scenario: Files uploaded at once become library assets, described from their bytes
    When a staff member uploads "story.jpg" (a 1080x1920 photo), "clip.mp4" (a 2-second video) and "notes.txt" (a text file) to the library
    Then the library holds "story.jpg", an image of 1080x1920
    And the library holds "clip.mp4", a video of 2 seconds
    And the upload of "notes.txt" is refused with a message naming it
    When a staff member uploads "story.jpg" to the library again
    Then the upload finds "story.jpg" already in the library

  Scenario: A photo Instagram would refuse is refused when the post is saved, and its rendition goes out
    Given the library holds "story.jpg", a 1080x1920 photo
    And Instagram fetches the media it is given from this site
    When a staff member publishes "Backstage" now to "acme.studio" with "story.jpg"
    Then the post is refused with "Instagram: story.jpg: aspect ratio 0.56 (9:16) is outside 4:5 to 1.91:1 — use its 4:5 rendition"
    When the staff member accepts the rendition offered for "story.jpg" on "acme.studio"
    And the staff member publishes "Backstage" now to "acme.studio" with the rendition of "story.jpg"
    Then the post is "SCHEDULED"
    When the publisher runs
    Then the post is "PUBLISHED"
    And Instagram fetched the rendition of "story.jpg" once, from its signed URL

  Scenario: A signed media URL works until it expires, and only as signed
    Given the library holds "story.jpg", a 1080x1920 photo
    And a signed URL of "story.jpg" that works for 60 seconds
    Then fetching the signed URL gives the file
    And fetching its first byte gives 1 byte of the file and its full size
    When 61 seconds pass for the signed URL
    Then fetching the signed URL answers 410 "This media link has expired."
    And fetching it with an altered token answers 404

  Scenario: Deleting a file that a scheduled post uses is refused with the list, until the post is cancelled
    Given the library holds "launch.jpg", a 1080x1080 photo
    And "@acme" has a post "Launch day" due in 2 hours using "launch.jpg"
    When a staff member deletes "launch.jpg" from the library
    Then the deletion is refused, naming the post "Launch day"
    And the library still holds "launch.jpg"
    When the post "Launch day" is cancelled
    And a staff member deletes "launch.jpg" from the library
    Then the library no longer holds "launch.jpg"
    And publishing the post now is refused with "no longer in the media library"
