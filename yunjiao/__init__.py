"""云矫 Yunjiao: community-corrections (社区矫正) platform."""
