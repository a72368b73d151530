"""`python -m cyberreponse.cli` runs the command line (same as the `cyberreponse` script)."""

from cyberreponse.cli import main

main()
