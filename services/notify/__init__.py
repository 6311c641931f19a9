"""Messages with people through WeChat: the background sender of the outbox, subscribe grants, the callback inbox."""
