// The Training layer of Rounds: objectives, optimizer, trainers, checkpoints and the policy registry.
