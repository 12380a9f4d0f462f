"""`python -m loonbode` runs the command line."""

from loonbode.cli import main

main()
