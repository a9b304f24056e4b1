"""Warehouse tables as the contract names them: the columns other code may rely on."""

FAULT_COLUMNS = ["source_file", "row_number", "column_name", "value", "reason", "fault"]
