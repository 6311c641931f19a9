"""HTTP handlers: parse and check input, call one service function, serialise. No rules, no queries."""
