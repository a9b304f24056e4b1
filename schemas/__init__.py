"""The data contract, once: the columns, types and value sets of every input file and warehouse
table (pandera models for polars frames). The readers that turn a file into a frame are
hotline/contract/."""
