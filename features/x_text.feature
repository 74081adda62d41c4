Feature: X counts a post's text the way X does
  X counts every link as 23 characters wherever its own library (twitter-text) sees one, bare domains
  such as example.de or bbc.co.uk included; emoji and wide characters count 2; and it refuses invisible
  characters such as a byte order mark. A text X would refuse is refused when the post is saved, while
  there is still time to fix it, with a message that names X and the rule.

  Background:
    Given an X account "@acme"

  Scenario Outline: A text X would refuse is refused at save time
    When a staff member schedules to "@acme" the text <text>
    Then the post is not saved and the form says "<error>"
    And the form still holds the text as it was typed
    And no platform received anything

    Examples:
      | text                                                                      | error                                                                                                                                                    |
      | of 262 letters, a space and "example.de"                                  | X: 286 characters as X counts them (links 23, emoji and wide characters 2), the limit is 280 (25,000 if the account has X Premium and long posts turned on) |
      | of 262 letters, a space and "shop.club"                                   | X: 286 characters as X counts them (links 23, emoji and wide characters 2), the limit is 280 (25,000 if the account has X Premium and long posts turned on) |
      | "詳細はこちら https://example.com/news" followed by 210 Japanese characters | X: 456 characters as X counts them (links 23, emoji and wide characters 2), the limit is 280 (25,000 if the account has X Premium and long posts turned on) |
      | "Launch day!" after an invisible byte order mark                          | X: the text contains U+FEFF, which X refuses (an invisible character, often pasted in from another app); remove it                                        |

  Scenario Outline: A text X counts as 280 is saved and published
    When a staff member publishes now to "@acme" the text <text>
    Then the post is saved
    When the publisher runs
    Then X received the post once

    Examples:
      | text                                                                    |
      | of 256 letters, a space and "bbc.co.uk"                                 |
      | of 256 letters, a space and "https://en.wikipedia.org/wiki/Foo_(bar)"   |

  Scenario: An X Premium account with long posts turned on takes up to 25,000 characters
    Given an X account "@acme_premium"
    And a staff member turns on long posts for "@acme_premium" in the admin
    When a staff member publishes now to "@acme_premium" the text of 3000 letters
    Then the post is saved
    When the publisher runs
    Then X received the post once
    When a staff member publishes now to "@acme" the text of 3000 letters
    Then the post is not saved and the form says "X: 3,000 characters as X counts them (links 23, emoji and wide characters 2), the limit is 280 (25,000 if the account has X Premium and long posts turned on)"
