"""``python -m headless``: the same as the ``synthscape`` console command."""

from headless.cli import main

main(prog_name="synthscape")
