"""What tests share: helpers, fixtures' building blocks and the tests' own handles on the store."""
