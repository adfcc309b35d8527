"""Every output contract of the tool, one module per command and format: ``scan_table``,
``scan_json``, ``diff_table``, ``diff_json``, ``diff_markdown``, ``check_text``, ``check_json``,
``check_markdown``, ``check_sarif``. Each renders a plain value (see :mod:`.interface`) with a
``write(value, out)`` function; the commands only choose which."""
