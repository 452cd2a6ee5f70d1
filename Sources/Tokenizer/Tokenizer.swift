// The Tokenizer layer of Rounds (see ../shared/DESIGN.md).
