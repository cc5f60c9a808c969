"""One module per CLI subcommand; see ``engine.cli`` for the protocol each module follows."""
