"""`python -m flick_async.cli`: the same as the `flick` console script."""

from flick_async.cli import main

main()
