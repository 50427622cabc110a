"""The agent desk (/desk/): queues, search, the case page, the phone screen, supervision."""
