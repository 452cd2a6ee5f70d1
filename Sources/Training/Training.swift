// The Training layer of Rounds (see ../shared/DESIGN.md).
