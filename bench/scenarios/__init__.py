"""One module per scenario family; each exposes run(ctx) and records rows through ctx.record()."""
