Feature: Access tokens are refreshed when they expire; a revoked grant asks for reconnecting
  X's access tokens last two hours and its refresh tokens can be spent once. The publisher refreshes a
  token that has expired (or that X refuses) and sends the post with the new one; when X says the grant is
  gone, the account is marked for reconnecting and nothing is sent with a dead token.

  Background:
    Given the X app is registered with the site
    And an X account "@acme"
    And a post "Fresh news" scheduled 5 minutes ago to "@acme"

  Scenario: An expired token is refreshed before the post goes out
    Given the access token of "@acme" expired an hour ago
    When the publisher runs
    Then the post is "PUBLISHED"
    And X's token endpoint was asked once, by the app, with the refresh token of "@acme"
    And X received it once, with the new access token
    And "@acme" keeps the new access and refresh tokens, encrypted in the database

  Scenario: A token X refuses is refreshed once and the post goes out
    Given X no longer accepts the access token of "@acme"
    When the publisher runs
    Then the post is "PUBLISHED"
    And X's token endpoint was asked once, by the app, with the refresh token of "@acme"
    And X received it twice in all, the second time with the new access token
    And "@acme" keeps the new access and refresh tokens, encrypted in the database

  Scenario: A revoked grant marks the account for reconnecting
    Given the access token of "@acme" expired an hour ago
    And X has revoked the grant of "@acme"
    When the publisher runs
    Then the post is "FAILED"
    And the account "@acme" is "FAILED" with an "AUTH" error saying "reconnect the account"
    And "@acme" needs reconnecting
    And X received nothing
