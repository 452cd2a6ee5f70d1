// The Llama layer of Rounds (see ../shared/DESIGN.md).
