// The Generation layer of Rounds (see ../shared/DESIGN.md).
