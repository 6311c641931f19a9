"""What every domain stands on: errors, the service context, the message catalogue, personal numbers, working days."""
