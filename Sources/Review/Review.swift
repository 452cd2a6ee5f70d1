// The Review layer of Rounds (see ../shared/DESIGN.md).
