"""One module per group of commands; cli.py only registers them."""
