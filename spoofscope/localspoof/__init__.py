"""LocalSpoof: the offline benchmark builder (sources, attacks, channel, plan, build, audit, card)."""
