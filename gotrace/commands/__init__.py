"""Bodies of the CLI commands: model + options -> analysis -> rendered output."""
