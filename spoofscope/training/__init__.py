"""Training engine: typed run configs, the trainer, checkpoints, seeding and distributed set-up."""
