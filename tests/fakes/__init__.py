"""HTTP fakes of the messaging platforms, served on 127.0.0.1 for the tests."""
