"""Training step: TVAE on the SageMaker training contract.

Modules: `contract` (files in, files out, `run`), `fit` (chunked TVAE training that knows
when to stop), `metadata` (SDV metadata from schema.json), `data` (load and check the
cleaned Parquet), `distance` (memorisation measure), `sampling` (target-rate sampling),
`checkpoint` (resume after a spot interruption).

Nothing is imported here so that `import synthpipe.train` does not load torch.
"""
