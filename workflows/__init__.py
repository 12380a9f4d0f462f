"""The domain: tables, draft and leave state machines, payroll periods and exports.

The only place that changes domain state.
"""
