"""Pure parsers: bytes or text in, pydantic models out.

Nothing here touches a database, the network or the clock; the reference time is
always an argument, so the same input gives the same output.
"""
