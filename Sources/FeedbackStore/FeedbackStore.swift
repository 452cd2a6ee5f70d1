// The FeedbackStore layer of Rounds (see ../shared/DESIGN.md).
