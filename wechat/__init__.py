"""WeChat through wechatpy: one configurable API base, calls run in a thread pool by the callers."""
