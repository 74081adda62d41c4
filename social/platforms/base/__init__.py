"""What every platform package builds on: the client interface and its HTTP plumbing, Meta's Graph API
helpers, text matching, the OAuth provider base and the connect flow's session state."""
