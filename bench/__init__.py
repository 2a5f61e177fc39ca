"""`make bench`: the scale figures of DESIGN §6, each beside a floor measured in the same run."""
