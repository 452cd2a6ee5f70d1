// The Tensor layer of Rounds (see ../shared/DESIGN.md).
