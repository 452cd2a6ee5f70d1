// The Loop layer of Rounds (see ../shared/DESIGN.md).
